"""The bounded zip reader: what it reads, what it refuses, and the tricks Android tolerates."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from auditor.apk.errors import LimitExceeded, ZipFormatError
from auditor.apk.limits import Budget
from auditor.apk.zipread import ZipArchive
from auditor.model import ApkIssueKind
from tests.apk import factory

MiB = 1024 * 1024


def open_zip(data: bytes, *, total: int = 64 * MiB, max_entries: int = 1000) -> ZipArchive:
    return ZipArchive(
        io.BytesIO(data), len(data), budget=Budget(total), max_entries=max_entries, max_central_directory_bytes=MiB
    )


def test_reads_stored_and_deflated_entries() -> None:
    zb = factory.ZipBuilder().add("a.txt", b"hello" * 100).add("b.bin", b"\x00\x01\x02", compress=False)
    z = open_zip(zb.build())
    assert z.names() == ["a.txt", "b.bin"]
    a, b = z.get("a.txt"), z.get("b.bin")
    assert a is not None and b is not None
    assert (a.method, b.method) == (8, 0)
    assert z.read(a, 1000) == b"hello" * 100
    assert z.read(b, 1000) == b"\x00\x01\x02"
    assert z.get("missing") is None
    assert z.anomalies == []


def test_zip_comment_is_fine() -> None:
    z = open_zip(factory.ZipBuilder().add("a", b"x").build(comment=b"PK\x05\x06 looks like a record"))
    assert z.names() == ["a"]


def test_empty_file() -> None:
    with pytest.raises(ZipFormatError) as e:
        open_zip(b"")
    assert e.value.kind is ApkIssueKind.EMPTY_FILE


@pytest.mark.parametrize("data", [b"x", b"hello world, not a zip" * 100, bytes(range(256)) * 300])
def test_not_a_zip(data: bytes) -> None:
    with pytest.raises(ZipFormatError) as e:
        open_zip(data)
    assert e.value.kind is ApkIssueKind.NOT_A_ZIP


def test_truncated_zip_loses_its_end_record() -> None:
    apk = factory.build_apk()
    with pytest.raises(ZipFormatError) as e:
        open_zip(apk[: len(apk) - 30])
    assert e.value.kind is ApkIssueKind.NOT_A_ZIP


def test_central_directory_offset_past_the_end() -> None:
    apk = bytearray(factory.ZipBuilder().add("a", b"x").build())
    struct.pack_into("<L", apk, factory.eocd_offset(bytes(apk)) + 16, 10_000_000)
    with pytest.raises(ZipFormatError) as e:
        open_zip(bytes(apk))
    assert e.value.kind is ApkIssueKind.TRUNCATED


def test_entry_data_cut_off() -> None:
    payload = bytes(range(256)) * 64
    zb = factory.ZipBuilder().add("big", payload, compress=False)
    data = bytearray(zb.build())
    # Claim a larger stored size than the file holds.
    cd = factory.cd_offset(bytes(data))
    struct.pack_into("<L", data, cd + 20, 50_000_000)
    z = open_zip(bytes(data))
    entry = z.get("big")
    assert entry is not None
    with pytest.raises(ZipFormatError) as e:
        z.read(entry, 100 * MiB)
    assert e.value.kind is ApkIssueKind.TRUNCATED


def test_bomb_stops_at_the_entry_cap_counting_real_bytes() -> None:
    bomb = factory.deflate_zeros(16 * MiB)
    # The headers claim 100 bytes; the reader must not believe them.
    data = factory.ZipBuilder().add("classes.dex", b"", raw_deflate=bomb, declared_size=100).build()
    budget = Budget(1024 * MiB)
    z = ZipArchive(io.BytesIO(data), len(data), budget=budget, max_entries=10, max_central_directory_bytes=MiB)
    entry = z.get("classes.dex")
    assert entry is not None
    with pytest.raises(LimitExceeded, match="cap of 1048576"):
        z.read(entry, MiB)
    # Inflation stopped one byte past the cap, not at the 16 MiB the stream holds.
    assert budget.used == MiB + 1


def test_bomb_stops_at_the_total_budget() -> None:
    bomb = factory.deflate_zeros(4 * MiB)
    zb = factory.ZipBuilder()
    for i in range(4):
        zb.add(f"e{i}", b"", raw_deflate=bomb, declared_size=10)
    z = open_zip(zb.build(), total=6 * MiB)
    with pytest.raises(LimitExceeded, match="bytes"):
        for name in z.names():
            entry = z.get(name)
            assert entry is not None
            z.read(entry, 8 * MiB)


def test_too_many_entries() -> None:
    zb = factory.ZipBuilder()
    for i in range(20):
        zb.add(f"f{i}", b"")
    with pytest.raises(LimitExceeded, match="more than 10 zip entries"):
        open_zip(zb.build(), max_entries=10)


def test_encrypted_flag_on_plain_entries_is_ignored_like_android() -> None:
    zb = factory.ZipBuilder().add("AndroidManifest.xml", b"manifest bytes", flags=0x1).add("x", b"y", flags=0x1)
    z = open_zip(zb.build())
    entry = z.get("AndroidManifest.xml")
    assert entry is not None
    assert z.read(entry, 100) == b"manifest bytes"
    assert [a.message for a in z.anomalies] == ["2 entries carry the 'encrypted' flag; read as plain, as Android does"]


def test_unknown_method_reads_as_stored_when_sizes_match() -> None:
    zb = factory.ZipBuilder().add("res/a.png", b"PNGDATA", compress=False, method=0x1337)
    z = open_zip(zb.build())
    entry = z.get("res/a.png")
    assert entry is not None and entry.method == 0x1337
    assert z.read(entry, 100) == b"PNGDATA"
    assert any("unknown compression method" in a.message for a in z.anomalies)


def test_unknown_method_falls_back_to_inflate_for_deflated_data() -> None:
    # Android 8 and older inflated any non-stored entry.
    zb = factory.ZipBuilder().add("a", b"abc" * 1000, method=99)
    z = open_zip(zb.build())
    entry = z.get("a")
    assert entry is not None
    assert z.read(entry, 10_000) == b"abc" * 1000


def test_local_header_method_is_ignored_central_directory_wins() -> None:
    zb = factory.ZipBuilder().add("a", b"abc" * 1000, local_method=0x4242)
    z = open_zip(zb.build())
    entry = z.get("a")
    assert entry is not None
    assert z.read(entry, 10_000) == b"abc" * 1000
    assert [a.message for a in z.anomalies] == ["local header and central directory disagree on the compression method"]


def test_corrupt_deflate_stream() -> None:
    zb = factory.ZipBuilder().add("a", b"", raw_deflate=b"\xff\xff\xff\xff garbage", declared_size=10)
    z = open_zip(zb.build())
    entry = z.get("a")
    assert entry is not None
    with pytest.raises(ZipFormatError, match="corrupt deflate data"):
        z.read(entry, 100)


def test_bad_local_header_signature() -> None:
    data = bytearray(factory.ZipBuilder().add("a", b"x").build())
    data[0:4] = b"XXXX"
    z = open_zip(bytes(data))
    entry = z.get("a")
    assert entry is not None
    with pytest.raises(ZipFormatError, match="bad local header signature"):
        z.read(entry, 10)


def test_duplicate_names_read_the_first() -> None:
    zb = factory.ZipBuilder().add("classes.dex", b"first").add("classes.dex", b"second")
    z = open_zip(zb.build())
    entry = z.get("classes.dex")
    assert entry is not None
    assert z.read(entry, 100) == b"first"
    assert z.anomalies[0].message == "duplicate entry name; the first copy is read"
    assert z.anomalies[0].entry == "classes.dex"


def test_path_traversal_names_are_reported_never_used_as_paths() -> None:
    zb = factory.ZipBuilder().add("../../../../tmp/evil", b"x").add("/etc/passwd", b"y").add("ok/file", b"z")
    z = open_zip(zb.build())
    assert z.names() == ["../../../../tmp/evil", "/etc/passwd", "ok/file"]
    assert [(a.message, a.entry) for a in z.anomalies] == [
        ("2 entry names are absolute or climb out with '..' (never extracted here)", "../../../../tmp/evil")
    ]


def test_junk_before_the_zip_with_shifted_offsets() -> None:
    data = factory.prepend(factory.ZipBuilder().add("a", b"payload").build(), b"JUNK" * 100)
    z = open_zip(data)
    entry = z.get("a")
    assert entry is not None
    assert z.read(entry, 100) == b"payload"


def test_non_utf8_names_do_not_break_lookup() -> None:
    zb = factory.ZipBuilder().add(b"caf\xe9.txt", b"x").add("AndroidManifest.xml", b"m")
    z = open_zip(zb.build())
    assert z.names()[0] == "caf\ufffd.txt"
    assert z.get("AndroidManifest.xml") is not None


def test_read_raw_is_bounded() -> None:
    data = factory.ZipBuilder().add("a", b"x").build()
    z = open_zip(data)
    assert z.read_raw(0, 4) == b"PK\x03\x04"
    with pytest.raises(ZipFormatError):
        z.read_raw(len(data) - 2, 10)


def test_deflate_helper_ratio() -> None:
    # The bomb payload used across these tests really is tiny.
    assert len(factory.deflate_zeros(16 * MiB)) < 64 * 1024
    assert zlib.decompress(factory.deflate_zeros(1000), -15) == b"\0" * 1000
