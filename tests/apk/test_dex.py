"""DEX class listing: exact names from factory DEX files, and DEX files that lie."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.apk.dex import declared_size, decode_mutf8, is_dex, list_classes
from auditor.apk.errors import DexFormatError
from tests.apk import factory


def test_lists_class_names_in_definition_order() -> None:
    data = factory.dex(["com.example.app.MainActivity", "com.example.app.Main$Inner", "a.B"])
    (one,) = list_classes(data)
    assert one.version == "035"
    # The factory defines classes in string-table order, as d8 does.
    assert one.names == ("a.B", "com.example.app.Main$Inner", "com.example.app.MainActivity")
    assert one.odd_descriptors == 0


def test_empty_dex_has_no_classes() -> None:
    (one,) = list_classes(factory.dex([]))
    assert one.names == ()


def test_non_ascii_and_supplementary_class_names_decode() -> None:
    names = ["com.ex.Caf\u00e9", "com.ex.\u4e2d\u6587", "com.ex.Emoji\U0001f600"]
    (one,) = list_classes(factory.dex(names))
    assert sorted(one.names) == sorted(names)


def test_mutf8_decoding() -> None:
    assert decode_mutf8(b"abc") == "abc"
    assert decode_mutf8(b"a\xc0\x80b") == "a\x00b"
    # U+1F600 as a CESU-8 surrogate pair (how DEX stores it).
    assert decode_mutf8(b"\xed\xa0\xbd\xed\xb8\x80") == "\U0001f600"
    # A lone surrogate and invalid bytes become U+FFFD, never an unencodable string.
    assert decode_mutf8(b"\xed\xa0\xbd").encode("utf-8")
    assert decode_mutf8(b"\xff\xfe") == "\ufffd\ufffd"


def test_magic_and_declared_size() -> None:
    data = factory.dex(["a.B"])
    assert is_dex(data)
    assert declared_size(data) == len(data)
    assert not is_dex(b"PK\x03\x04\x00\x00\x00\x00")
    assert declared_size(b"dex\n035\x00") is None
    with pytest.raises(DexFormatError, match="bad magic"):
        list_classes(b"not a dex file at all")


def _patch(data: bytes, offset: int, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into("<L", out, offset, value)
    return bytes(out)


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [
        (0x60, 0xFFFFFFFF, "class_defs table"),  # class_defs_size: four billion classes
        (0x64, 0x7FFFFFF0, "class_defs table"),  # class_defs_off past the end
        (0x38, 0x40000000, "string_ids table"),  # string_ids_size
        (0x3C, 0, "string_ids table"),  # string_ids_off zero with strings
        (0x40, 0xFFFFFFF0, "type_ids table"),  # type_ids_size
        (0x44, 0x10000000, "type_ids table"),  # type_ids_off
        (0x28, 0x78563412, "endian tag"),  # big-endian tag
        (0x24, 0x20, "header size"),  # header_size too small
    ],
)
def test_lying_header_sizes_and_offsets_raise(offset: int, value: int, message: str) -> None:
    data = _patch(factory.dex(["a.B", "c.D"]), offset, value)
    with pytest.raises(DexFormatError, match=message):
        list_classes(data)


def test_lying_file_size_is_ignored_bounds_come_from_the_data() -> None:
    data = _patch(factory.dex(["a.B"]), 0x20, 0xFFFFFFFF)
    (one,) = list_classes(data)
    assert one.names == ("a.B",)


def test_class_def_pointing_past_type_ids_raises() -> None:
    data = factory.dex(["a.B"])
    class_defs_off = struct.unpack_from("<L", data, 0x64)[0]
    with pytest.raises(DexFormatError, match="past the 2 type_ids"):
        list_classes(_patch(data, class_defs_off, 99))


def test_string_offset_past_the_end_raises() -> None:
    data = factory.dex(["a.B"])
    string_ids_off = struct.unpack_from("<L", data, 0x3C)[0]
    with pytest.raises(DexFormatError, match="outside the file"):
        list_classes(_patch(data, string_ids_off, len(data) + 100))


def test_string_without_terminator_within_its_length_raises() -> None:
    data = bytearray(factory.dex(["a.B"]))
    string_ids_off = struct.unpack_from("<L", data, 0x3C)[0]
    first = struct.unpack_from("<L", data, string_ids_off)[0]
    data[first] = 1  # claims one UTF-16 unit; "La/B;" has no NUL within 3 bytes
    with pytest.raises(DexFormatError, match="NUL-terminated"):
        list_classes(bytes(data))


def test_truncated_dex_raises() -> None:
    data = factory.dex([f"com.ex.C{i}" for i in range(50)])
    with pytest.raises(DexFormatError):
        list_classes(data[: len(data) // 2])
    with pytest.raises(DexFormatError, match="cut short"):
        list_classes(data[:0x40])


def test_container_version_41_lists_each_dex() -> None:
    """Two DEX files in one v41 container: offsets are relative to the container start."""
    first = bytearray(factory.dex(["a.First"], version="041"))
    second = bytearray(factory.dex(["b.Second"], version="041"))

    def as_v41(d: bytearray, base: int, total: int) -> bytes:
        # Grow the header to 0x78 by shifting everything after it, and rebase every offset.
        body = d[0x70:]
        out = bytearray(d[:0x70]) + bytearray(8) + body
        struct.pack_into("<L", out, 0x24, 0x78)
        struct.pack_into("<L", out, 0x20, len(out))
        for off in (0x34, 0x3C, 0x44, 0x64, 0x6C):
            v = struct.unpack_from("<L", out, off)[0]
            if v:
                struct.pack_into("<L", out, off, v + 8 + base)
        n = struct.unpack_from("<L", out, 0x38)[0]
        sid = struct.unpack_from("<L", out, 0x3C)[0] - base
        for i in range(n):
            v = struct.unpack_from("<L", out, sid + 4 * i)[0]
            struct.pack_into("<L", out, sid + 4 * i, v + 8 + base)
        struct.pack_into("<2L", out, 0x70, total, base)
        return bytes(out)

    size1 = len(first) + 8
    size2 = len(second) + 8
    container = as_v41(first, 0, size1 + size2) + as_v41(second, size1, size1 + size2)
    result = list_classes(container)
    assert [d.names for d in result] == [("a.First",), ("b.Second",)]
    assert [d.version for d in result] == ["041", "041"]


THREE = ("a.B", "c.D", "e.F")

UNREAD_HEADER_WORDS = (0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x2C, 0x30, 0x34, 0x48, 0x4C, 0x50, 0x54, 0x58)
UNREAD_HEADER_WORDS += (0x5C, 0x68, 0x6C)
"""Header words a class listing never acts on (checksum, signature, file size, link, map, proto/field/
method tables, data): the reader takes its bounds from the bytes present, not from these."""


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=400))
def test_random_bytes_after_a_valid_header_or_file(tail: bytes) -> None:
    # After a valid header alone, random tables: a listing or the typed error, nothing else.
    head = factory.dex(["a.B"])[:0x70]
    try:
        list_classes(head + tail)
    except DexFormatError as e:
        assert str(e)
    # After a whole file, the same bytes are ignored: bounds come from the tables, not the file size.
    (one,) = list_classes(factory.dex(list(THREE)) + tail)
    assert one.names == THREE


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=700))
def test_every_prefix_lists_the_same_classes_or_raises(cut: int) -> None:
    """A cut file either still holds every byte a listing reads, or says it is broken: never fewer names."""
    names = tuple(f"com.ex.C{i}" for i in range(8))
    data = factory.dex(list(names))
    # What a listing reads ends with the last class name's string ("Ljava/lang/Object;" and the map
    # list come after it and are not read).
    needed = data.index(b"Lcom/ex/C7;\0") + len(b"Lcom/ex/C7;\0")
    assert needed < len(data) - 0x4C  # sanity: the map list (12 bytes a row) really is after it
    prefix = data[: min(cut, len(data))]
    if len(prefix) < needed:
        with pytest.raises(DexFormatError):
            list_classes(prefix)
    else:
        (one,) = list_classes(prefix)
        assert one.names == names


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.sampled_from(UNREAD_HEADER_WORDS), st.integers(min_value=0, max_value=0x6F)),
    st.integers(min_value=0, max_value=0xFFFFFFFF),
)
def test_any_corrupted_header_word_is_an_error_or_a_listing(offset: int, value: int) -> None:
    data = bytearray(factory.dex(list(THREE)))
    word = offset - offset % 4
    struct.pack_into("<L", data, word, value)
    if word in UNREAD_HEADER_WORDS or (word == 0x24 and value >= 0x70):
        (one,) = list_classes(bytes(data))
        assert one.names == THREE
    elif word == 0x24:
        with pytest.raises(DexFormatError, match="header size"):
            list_classes(bytes(data))
    elif word == 0x28 and value != 0x12345678:
        with pytest.raises(DexFormatError, match="endian tag"):
            list_classes(bytes(data))
    else:
        try:
            listed = list_classes(bytes(data))
        except DexFormatError as e:
            assert str(e)
        else:
            assert all(isinstance(n, str) for one in listed for n in one.names)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8}){0,3}\.[A-Z][A-Za-z0-9_$]{0,12}", fullmatch=True),
        unique=True,
        max_size=30,
    )
)
def test_round_trip_with_the_factory(names: list[str]) -> None:
    (one,) = list_classes(factory.dex(names))
    assert sorted(one.names) == sorted(names)
