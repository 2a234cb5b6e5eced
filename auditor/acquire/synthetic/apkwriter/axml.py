"""Android binary XML (AXML): the format of ``AndroidManifest.xml`` and compiled ``res/xml`` files.

A document is a string pool, a resource map (the framework ids of ``android:`` attribute names, in
pool order) and a flat list of nodes: start-namespace, start/end element, text, end-namespace. The
default layout is aapt2's: resource-mapped attribute names first in the pool (sorted by id), then
every other string in document order; attributes of an element sorted by id, those without one
after them in written order. ``AxmlLayout`` bends the layout in ways Android still reads (a wider
namespace header, a wider attribute stride, junk after the root) or refuses (a lying string count),
which is what hostile test files are made of.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

ANDROID_NS = "http://schemas.android.com/apk/res/android"

ATTR_IDS: Mapping[str, int] = {
    "label": 0x01010001,
    "icon": 0x01010002,
    "name": 0x01010003,
    "permission": 0x01010006,
    "readPermission": 0x01010007,
    "writePermission": 0x01010008,
    "protectionLevel": 0x01010009,
    "permissionGroup": 0x0101000A,
    "sharedUserId": 0x0101000B,
    "enabled": 0x0101000E,
    "debuggable": 0x0101000F,
    "exported": 0x01010010,
    "authorities": 0x01010018,
    "scheme": 0x01010027,
    "host": 0x01010028,
    "minSdkVersion": 0x0101020C,
    "targetActivity": 0x01010202,
    "versionCode": 0x0101021B,
    "versionName": 0x0101021C,
    "targetSdkVersion": 0x01010270,
    "maxSdkVersion": 0x01010271,
    "testOnly": 0x01010272,
    "allowBackup": 0x01010280,
    "usesCleartextTraffic": 0x010104EC,
    "networkSecurityConfig": 0x01010527,
}
"""Framework resource ids (``android.R.attr``) of the ``android:`` attributes this writer maps.

Android finds these attributes by id, never by name; an ``android:`` attribute missing here is
written without an id (as a build against an older SDK would), which Android ignores.
"""

TYPE_REFERENCE = 0x01
TYPE_STRING = 0x03
TYPE_INT_DEC = 0x10
TYPE_INT_HEX = 0x11
TYPE_INT_BOOLEAN = 0x12
NO_INDEX = 0xFFFFFFFF
_NO_ID = 0x1_0000_0000  # sorts after every real resource id


@dataclass(frozen=True)
class Ref:
    """A resource reference value (``@7f020000``)."""

    res_id: int


@dataclass(frozen=True)
class Hex:
    """An integer written as ``TYPE_INT_HEX`` (flags such as ``protectionLevel``)."""

    value: int


AttrValue = str | bool | int | Ref | Hex
"""A string, a boolean, a decimal integer, a reference or a hex integer, as aapt2 types them."""


@dataclass
class Element:
    """One XML element. Keys ``android:name`` land in the android namespace; bare keys have none."""

    tag: str
    attrs: dict[str, AttrValue] = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)
    text: str | None = None


def el(tag: str, attrs: Mapping[str, AttrValue] | None = None, *children: Element, text: str | None = None) -> Element:
    """An element with attributes (in written order), children and optional text."""
    return Element(tag, dict(attrs or {}), list(children), text)


@dataclass(frozen=True)
class AxmlLayout:
    """How a document is laid out. The defaults give what aapt2 writes."""

    utf8: bool = False
    """A UTF-8 string pool (aapt2 writes UTF-16 for manifests; both are valid)."""
    namespace_header_size: int = 16
    """Header size of the start-namespace node; Android reads its extension after whatever is declared."""
    end_namespace_header_size: int = 16
    attribute_size: int = 20
    """Stride between attributes; Android honours whatever the element declares."""
    declared_string_count: int | None = None
    """A string count other than the real one (``None``: the real one)."""
    trailing: bytes = b""
    """Raw bytes after the last node, inside the document (Android never reads them)."""


# ------------------------------------------------------------------------------------ chunks


def chunk(kind: int, header: bytes, body: bytes, header_size: int | None = None) -> bytes:
    """A ``ResChunk``: type, header size, total size, the rest of the header (zero-padded), the body."""
    size = 8 + len(header) if header_size is None else header_size
    pad = b"\0" * max(0, size - 8 - len(header))
    return struct.pack("<HHL", kind, size, size + len(body)) + header + pad + body


def _len16(s: str) -> bytes:
    units = s.encode("utf-16-le")
    n = len(units) // 2
    head = struct.pack("<H", n) if n < 0x8000 else struct.pack("<HH", 0x8000 | (n >> 16), n & 0xFFFF)
    return head + units + b"\0\0"


def _len8(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xFF])


def _utf8(s: str) -> bytes:
    raw = s.encode("utf-8")
    # Two lengths: the string in UTF-16 units, then in bytes.
    return _len8(len(s.encode("utf-16-le")) // 2) + _len8(len(raw)) + raw + b"\0"


def string_pool(strings: Sequence[str], *, utf8: bool = False, declared_count: int | None = None) -> bytes:
    """A ``ResStringPool`` chunk holding ``strings`` (no styles)."""
    encoded = [(_utf8 if utf8 else _len16)(s) for s in strings]
    offsets = []
    pos = 0
    for item in encoded:
        offsets.append(pos)
        pos += len(item)
    data = b"".join(encoded)
    data += b"\0" * (-len(data) % 4)
    header_size = 28
    strings_start = header_size + 4 * len(strings)
    count = len(strings) if declared_count is None else declared_count
    head = struct.pack(
        "<HHL5L", 0x0001, header_size, strings_start + len(data), count, 0, 0x100 if utf8 else 0, strings_start, 0
    )
    return head + struct.pack(f"<{len(offsets)}L", *offsets) + data


# ------------------------------------------------------------------------------------ documents


def _split(key: str) -> tuple[str | None, str]:
    if key.startswith("android:"):
        return ANDROID_NS, key[len("android:") :]
    return None, key


def _walk(e: Element) -> Iterator[Element]:
    yield e
    for child in e.children:
        yield from _walk(child)


def axml(root: Element, *, layout: AxmlLayout | None = None) -> bytes:
    """Compile an element tree to Android binary XML."""
    opt = layout or AxmlLayout()
    elements = list(_walk(root))
    mapped = sorted(
        {name for e in elements for ns, name in map(_split, e.attrs) if ns == ANDROID_NS and name in ATTR_IDS},
        key=ATTR_IDS.__getitem__,
    )
    strings: list[str] = list(mapped)
    index = {s: i for i, s in enumerate(strings)}

    def intern(s: str) -> int:
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    intern("android")
    intern(ANDROID_NS)
    for e in elements:
        intern(e.tag)
        for key, value in e.attrs.items():
            intern(_split(key)[1])
            if isinstance(value, str):
                intern(value)
        if e.text is not None:
            intern(e.text)

    nodes: list[bytes] = []
    line = struct.pack("<2L", 1, NO_INDEX)  # line number 1, no comment
    namespace = struct.pack("<2L", index["android"], index[ANDROID_NS])
    nodes.append(chunk(0x0100, line, namespace, header_size=opt.namespace_header_size))

    def typed(value: AttrValue) -> tuple[int, int, int]:
        """(raw string index, data type, data) of a value."""
        if isinstance(value, bool):
            return NO_INDEX, TYPE_INT_BOOLEAN, 0xFFFFFFFF if value else 0
        if isinstance(value, int):
            return NO_INDEX, TYPE_INT_DEC, value & 0xFFFFFFFF
        if isinstance(value, Hex):
            return NO_INDEX, TYPE_INT_HEX, value.value & 0xFFFFFFFF
        if isinstance(value, Ref):
            return NO_INDEX, TYPE_REFERENCE, value.res_id
        i = index[value]
        return i, TYPE_STRING, i

    def emit(e: Element) -> None:
        attrs = []
        for key, value in e.attrs.items():
            ns, name = _split(key)
            raw, kind, data = typed(value)
            ns_index = NO_INDEX if ns is None else index[ns]
            packed = struct.pack("<3LHBBL", ns_index, index[name], raw, 8, 0, kind, data)
            attrs.append((ATTR_IDS.get(name, _NO_ID) if ns == ANDROID_NS else _NO_ID, packed))
        attrs.sort(key=lambda a: a[0])  # stable: attributes without an id keep their written order
        stride = b"\0" * (opt.attribute_size - 20)
        head = struct.pack("<2L6H", NO_INDEX, index[e.tag], 20, opt.attribute_size, len(attrs), 0, 0, 0)
        nodes.append(chunk(0x0102, line, head + b"".join(a + stride for _, a in attrs)))
        if e.text is not None:
            t = index[e.text]
            nodes.append(chunk(0x0104, line, struct.pack("<LHBBL", t, 8, 0, TYPE_STRING, t)))
        for child in e.children:
            emit(child)
        nodes.append(chunk(0x0103, line, struct.pack("<2L", NO_INDEX, index[e.tag])))

    emit(root)
    nodes.append(chunk(0x0101, line, namespace, header_size=opt.end_namespace_header_size))
    pool = string_pool(strings, utf8=opt.utf8, declared_count=opt.declared_string_count)
    resource_map = chunk(0x0180, b"", struct.pack(f"<{len(mapped)}L", *(ATTR_IDS[n] for n in mapped)))
    return chunk(0x0003, b"", pool + resource_map + b"".join(nodes) + opt.trailing)
