"""Binary XML: the factory's documents parse back, and tampered ones are treated as Android does."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.apk import axml
from auditor.apk.errors import AxmlFormatError
from tests.apk import factory
from tests.apk.factory import AxmlLayout, el


def _doc(options: AxmlLayout | None = None) -> bytes:
    root = factory.manifest(
        "com.example.app",
        permissions=["android.permission.CAMERA"],
        components=[factory.activity(".Main", factory.LAUNCHER, exported=True)],
    )
    return factory.axml(root, layout=options)


def test_parses_elements_attributes_and_text() -> None:
    root = el(
        "network-security-config",
        {},
        el(
            "domain-config",
            {"cleartextTrafficPermitted": True},
            el("domain", {"includeSubdomains": True}, text="a.com"),
        ),
    )
    doc = axml.parse(factory.axml(root))
    assert doc.anomalies == []
    dc = doc.root.iter("domain-config")[0]
    attr = dc.by_name("cleartextTrafficPermitted")
    assert attr is not None and attr.as_bool() is True
    assert dc.iter("domain")[0].text == ["a.com"]


def test_android_attributes_are_found_by_resource_id() -> None:
    doc = axml.parse(_doc())
    uses_sdk = doc.root.iter("uses-sdk")[0]
    min_sdk = uses_sdk.by_id(0x0101020C)
    assert min_sdk is not None and min_sdk.as_int() == 21 and min_sdk.name == "minSdkVersion"
    package = doc.root.by_name("package")
    assert package is not None and package.as_string() == "com.example.app"


def test_renamed_attribute_is_still_found_by_id_and_fake_names_are_not() -> None:
    """Malware renames android attribute strings; Android goes by resource id, so do we."""
    data = bytearray(_doc())
    # "minSdkVersion" is a resource-mapped name in the pool: rename it (UTF-16, same length).
    needle = "minSdkVersion".encode("utf-16-le")
    at = data.index(needle)
    data[at : at + len(needle)] = "xxxxxxxxxxxxx".encode("utf-16-le")
    doc = axml.parse(bytes(data))
    attr = doc.root.iter("uses-sdk")[0].by_id(0x0101020C)
    assert attr is not None and attr.name == "xxxxxxxxxxxxx" and attr.as_int() == 21


def test_utf8_string_pool() -> None:
    doc = axml.parse(_doc(AxmlLayout(utf8=True)))
    assert doc.root.by_name("package").as_string() == "com.example.app"  # type: ignore[union-attr]


def test_namespace_node_with_larger_header_is_accepted() -> None:
    """jadx #1232: a 0x14-byte namespace header. Android reads the extension after the header."""
    doc = axml.parse(_doc(AxmlLayout(namespace_header_size=0x14)))
    assert doc.root.tag == "manifest"
    assert doc.anomalies == ["node 0x100 at 860 has a 20-byte header (Android reads past it)"]


def test_zero_sized_end_namespace_after_the_root_is_ignored() -> None:
    """apkInspector's "zero size header for namespace end nodes": Android never reads that far."""
    data = _doc()
    # Turn the final end-namespace node into one with header size 0 and size 0.
    end_ns = len(data) - 24
    assert struct.unpack_from("<H", data, end_ns)[0] == 0x0101
    broken = data[:end_ns] + struct.pack("<HHL", 0x0101, 0, 0) + data[end_ns + 8 :]
    doc = axml.parse(broken)
    assert doc.root.tag == "manifest"
    assert doc.anomalies == ["24 bytes of other data after the root element ignored, as Android does"]


def test_junk_after_the_root_element_is_ignored() -> None:
    doc = axml.parse(_doc(AxmlLayout(trailing=b"\xde\xad\xbe\xef" * 8)))
    assert doc.root.tag == "manifest"
    assert any("after the root element ignored" in a for a in doc.anomalies)


def test_wider_attribute_stride_is_honoured() -> None:
    doc = axml.parse(_doc(AxmlLayout(attribute_size=24)))
    assert doc.root.iter("uses-sdk")[0].by_id(0x01010270).as_int() == 33  # type: ignore[union-attr]


def test_lying_string_count_below_the_real_one_hides_strings() -> None:
    # Fewer strings declared than used: Android returns NULL for the rest; no crash.
    doc = axml.parse(_doc(AxmlLayout(declared_string_count=5)))
    assert doc.root.tag == ""


def test_lying_string_count_beyond_the_pool_is_rejected() -> None:
    with pytest.raises(AxmlFormatError, match="string pool offsets run past the pool"):
        axml.parse(_doc(AxmlLayout(declared_string_count=100_000)))


def test_tampered_document_type_is_an_anomaly() -> None:
    data = bytearray(_doc())
    struct.pack_into("<H", data, 0, 0x0000)
    doc = axml.parse(bytes(data))
    assert doc.root.tag == "manifest"
    assert doc.anomalies[0] == "binary XML document type is 0x0, not 0x3"


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (lambda d: d[:4] + struct.pack("<L", len(d) + 100) + d[8:], "declares"),  # size beyond data
        (lambda d: d[:6], "shorter than its header"),
        (lambda d: d[:100], "declares 1588 bytes"),  # cut: the declared size no longer fits
        (lambda d: d[:4] + struct.pack("<L", 100) + d[8:100], "no XML node found"),  # size fixed up too
    ],
)
def test_documents_android_rejects(patch: object, message: str) -> None:
    data = patch(_doc())  # type: ignore[operator]
    with pytest.raises(AxmlFormatError, match=message):
        axml.parse(data)


def test_element_node_with_misaligned_header_is_rejected() -> None:
    """An odd header size inside the element tree fails ``validate_chunk`` on Android too."""
    data = bytearray(_doc())
    # The first start-element node follows the namespace node.
    pos = data.index(struct.pack("<HH", 0x0102, 16))
    struct.pack_into("<H", data, pos + 2, 0x1C01)
    with pytest.raises(AxmlFormatError, match="header size"):
        axml.parse(bytes(data))


def test_attributes_running_past_the_node_are_rejected() -> None:
    data = bytearray(_doc())
    pos = data.index(struct.pack("<HH", 0x0102, 16))
    # attributeCount (at ext + 12) set huge.
    struct.pack_into("<H", data, pos + 16 + 12, 0x7FFF)
    with pytest.raises(AxmlFormatError, match="attributes run past the node"):
        axml.parse(bytes(data))


Facts = tuple[str, tuple[tuple[object, str | None], ...], tuple["Facts", ...]]


def _facts(element: axml.XmlElement) -> Facts:
    """What a reader takes from an element: its tag, attributes (by id, else name) and children."""
    attrs = tuple((a.res_id or a.name, a.as_string()) for a in element.attributes)
    return element.tag, attrs, tuple(_facts(c) for c in element.children)


def _unread_bytes(data: bytes) -> list[int]:
    """Offsets of the bytes no reader acts on: each node's line number and comment index."""
    positions = []
    pos = 8
    while pos < len(data):
        kind, _header, size = struct.unpack_from("<HHL", data, pos)
        if 0x0100 <= kind <= 0x017F:
            positions.extend(range(pos + 8, pos + 16))
        pos += size
    return positions


DOC = _doc()
INTACT = _facts(axml.parse(DOC).root)
UNREAD = _unread_bytes(DOC)


def test_the_sample_document_and_its_unread_bytes() -> None:
    assert INTACT[0] == "manifest"
    assert [child[0] for child in INTACT[2]] == ["uses-sdk", "uses-permission", "application"]
    # 18 nodes: the namespace start and end, and the start and end of 8 elements (manifest, uses-sdk,
    # uses-permission, application, activity, intent-filter, action, category).
    assert len(UNREAD) == 8 * 18


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(UNREAD), st.integers(min_value=0, max_value=2000)), st.integers(0, 255))
def test_any_single_byte_change_is_parsed_or_rejected_cleanly(position: int, value: int) -> None:
    data = bytearray(DOC)
    at = position % len(data)
    data[at] = value
    if at in UNREAD:
        # Line numbers and comments are for people: a change there changes nothing.
        doc = axml.parse(bytes(data))
        assert _facts(doc.root) == INTACT
        assert doc.anomalies == []
        return
    try:
        axml.parse(bytes(data))
    except AxmlFormatError as e:
        assert str(e)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_are_rejected_cleanly_and_ignored_after_the_end(data: bytes) -> None:
    # Random nodes: a document or the typed error.
    try:
        axml.parse(b"\x03\x00\x08\x00" + struct.pack("<L", len(data) + 8) + data)
    except AxmlFormatError as e:
        assert str(e)
    # Past the declared end, Android reads nothing: the same bytes change no fact, and are reported.
    doc = axml.parse(DOC + data)
    assert _facts(doc.root) == INTACT
    assert doc.anomalies == ([f"{len(data)} bytes after the declared end of the binary XML"] if data else [])


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2000))
def test_every_cut_document_is_rejected(cut: int) -> None:
    """A document cut short no longer holds its declared size: Android refuses it, so does the reader."""
    prefix = DOC[: cut % len(DOC)]
    with pytest.raises(AxmlFormatError, match="shorter than its header|declares"):
        axml.parse(prefix)
