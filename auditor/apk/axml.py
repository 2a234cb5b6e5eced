"""Android binary XML (AXML), parsed the way the platform's ``ResXMLTree`` does.

Why our own reader rather than androguard's: malware tampers with manifests in ways Android accepts
and analysers reject (androguard #1137 is still open for a node header size; a 2017 study counted
~22,000 samples with tampered AXML headers). The only reliable rule is to accept exactly what Android
accepts, which this module follows from ``frameworks/base/libs/androidfw/ResourceTypes.cpp``:

* the document's declared size may be smaller than the data (the rest is ignored), never larger;
* top-level chunks before the first node are walked by their declared sizes, unknown ones skipped;
* every node is checked as ``validate_chunk`` does (header size at least 16, not past the chunk,
  both 4-aligned, chunk inside the document); a node's extension starts at its *declared* header
  size, so a 20-byte namespace header is fine;
* unknown node types are skipped; attributes are found at ``attributeStart + i * attributeSize``;
* strings are decoded lazily by index, so a lying ``stringCount`` matters only if used;
* the package parser stops at the end tag of the root element, so anything after it (junk chunks,
  a zero-sized end-namespace header) is ignored and reported as an anomaly, not an error;
* ``android:`` attributes are identified by the resource id in the resource map, never by their
  name (names can be renamed or emptied; Android looks attributes up by id).

The result is a small tree of plain objects that stays inside ``auditor.apk``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from auditor.apk.errors import AxmlFormatError

RES_STRING_POOL_TYPE = 0x0001
RES_XML_TYPE = 0x0003
RES_XML_FIRST_CHUNK_TYPE = 0x0100
RES_XML_START_NAMESPACE_TYPE = 0x0100
RES_XML_END_NAMESPACE_TYPE = 0x0101
RES_XML_START_ELEMENT_TYPE = 0x0102
RES_XML_END_ELEMENT_TYPE = 0x0103
RES_XML_CDATA_TYPE = 0x0104
RES_XML_LAST_CHUNK_TYPE = 0x017F
RES_XML_RESOURCE_MAP_TYPE = 0x0180

TYPE_NULL = 0x00
TYPE_REFERENCE = 0x01
TYPE_ATTRIBUTE = 0x02
TYPE_STRING = 0x03
TYPE_FLOAT = 0x04
TYPE_INT_DEC = 0x10
TYPE_INT_HEX = 0x11
TYPE_INT_BOOLEAN = 0x12

NO_INDEX = 0xFFFFFFFF
_NODE_HEADER = 16
_MAX_DEPTH = 512
_MAX_ELEMENTS = 500_000

_chunk_header = struct.Struct("<HHL").unpack_from
_u32 = struct.Struct("<L").unpack_from


def validate_chunk(data: bytes, pos: int, min_header: int, end: int) -> tuple[int, int, int]:
    """``(type, header_size, size)`` of the chunk at ``pos``, checked as Android's ``validate_chunk``."""
    if pos < 0 or pos + 8 > end:
        raise AxmlFormatError(f"chunk header at {pos} runs past the end")
    ctype, hsize, size = _chunk_header(data, pos)
    if hsize < min_header:
        raise AxmlFormatError(f"chunk {ctype:#x} at {pos}: header size {hsize} below {min_header}")
    if hsize > size:
        raise AxmlFormatError(f"chunk {ctype:#x} at {pos}: header size {hsize} exceeds chunk size {size}")
    if (hsize | size) & 3:
        raise AxmlFormatError(f"chunk {ctype:#x} at {pos}: sizes not 4-aligned")
    if size > end - pos:
        raise AxmlFormatError(f"chunk {ctype:#x} at {pos}: size {size} runs past the end")
    return ctype, hsize, size


class StringPool:
    """A ``ResStringPool``: header checks up front, each string decoded on first use."""

    def __init__(self, data: bytes, pos: int, end: int) -> None:
        _t, hsize, size = validate_chunk(data, pos, 28, end)
        count, style_count, flags, strings_start, styles_start = struct.unpack_from("<5L", data, pos + 8)
        self._data = data
        self.utf8 = bool(flags & 0x100)
        self.count = count
        self._cache: dict[int, str | None] = {}
        if count:
            if hsize + 4 * count > size:
                raise AxmlFormatError("string pool offsets run past the pool")
            char = 1 if self.utf8 else 2
            if strings_start >= size - 2:
                raise AxmlFormatError("string pool data starts after the pool ends")
            pool_end = size if style_count == 0 else styles_start
            if pool_end > size or pool_end <= strings_start:
                raise AxmlFormatError("string pool data has no room")
            pool_size = (pool_end - strings_start) // char
            if pool_size == 0:
                raise AxmlFormatError("string pool is empty but counts strings")
            self._entries = pos + hsize
            self._strings = pos + strings_start
            self._pool_bytes = pool_size * char
            last = self._strings + self._pool_bytes - char
            if data[last : last + char] != b"\0" * char:
                raise AxmlFormatError("string pool's last string is not NUL-terminated")

    def get(self, index: int) -> str | None:
        """String ``index``, or ``None`` when it is out of range or malformed (as Android returns NULL)."""
        if index >= self.count:
            return None
        if index in self._cache:
            return self._cache[index]
        value = self._decode(index)
        self._cache[index] = value
        return value

    def _decode(self, index: int) -> str | None:
        data = self._data
        (off,) = _u32(data, self._entries + 4 * index)
        if self.utf8:
            if off >= self._pool_bytes - 1:
                return None
            p = self._strings + off
            end = self._strings + self._pool_bytes
            _, p = _len8(data, p, end)
            n, p = _len8(data, p, end)
            if p < 0 or p + n >= end or data[p + n] != 0:
                return None
            return data[p : p + n].decode("utf-8", "replace")
        # Offsets are in bytes; Android turns them into UTF-16 units and checks them against the pool.
        units = off // 2
        if units >= self._pool_bytes // 2 - 1:
            return None
        p = self._strings + 2 * units
        end = self._strings + self._pool_bytes
        if p + 2 > end:
            return None
        (n,) = struct.unpack_from("<H", data, p)
        p += 2
        if n & 0x8000:
            if p + 2 > end:
                return None
            n = ((n & 0x7FFF) << 16) | struct.unpack_from("<H", data, p)[0]
            p += 2
        if p + 2 * n + 2 > end:
            return None
        return data[p : p + 2 * n].decode("utf-16-le", "replace")


def _len8(data: bytes, p: int, end: int) -> tuple[int, int]:
    if p < 0 or p >= end:
        return 0, -1
    n = data[p]
    if n & 0x80:
        if p + 1 >= end:
            return 0, -1
        return ((n & 0x7F) << 8) | data[p + 1], p + 2
    return n, p + 1


@dataclass
class XmlAttribute:
    """One attribute: its name, resource id (from the resource map) and typed value."""

    namespace: str | None
    name: str | None
    res_id: int | None
    raw: str | None
    """The raw string value (``rawValue``), used by name-based lookups such as ``package``."""
    data_type: int
    data: int
    typed_string: str | None = None
    """The string of a TYPE_STRING value."""

    def as_string(self) -> str | None:
        """The attribute as text: its string value, else a rendering of the typed value."""
        if self.data_type == TYPE_STRING:
            return self.typed_string if self.typed_string is not None else self.raw
        if self.raw is not None:
            return self.raw
        if self.data_type == TYPE_INT_BOOLEAN:
            return "true" if self.data else "false"
        if self.data_type in (TYPE_INT_DEC, TYPE_INT_HEX):
            return str(_signed(self.data))
        if self.data_type == TYPE_REFERENCE:
            return f"@{self.data:08x}"
        return None

    def as_bool(self) -> bool | None:
        """A boolean or integer value as a bool; ``"true"``/``"false"`` text too; else ``None``."""
        if self.data_type == TYPE_INT_BOOLEAN or TYPE_INT_DEC <= self.data_type <= 0x1F:
            return self.data != 0
        text = (self.as_string() or "").strip().lower()
        return {"true": True, "false": False}.get(text)

    def as_int(self) -> int | None:
        """An integer value (signed), or decimal/hex text; else ``None``."""
        if TYPE_INT_DEC <= self.data_type <= 0x1F:
            return _signed(self.data)
        text = (self.as_string() or "").strip()
        try:
            return int(text, 0)
        except ValueError:
            return None


def _signed(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


@dataclass
class XmlElement:
    """One element: its attributes, child elements and text, in document order."""

    namespace: str | None
    tag: str
    attributes: list[XmlAttribute] = field(default_factory=list)
    children: list[XmlElement] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def by_id(self, res_id: int) -> XmlAttribute | None:
        """The attribute with this framework resource id (how Android finds ``android:`` ones)."""
        for a in self.attributes:
            if a.res_id == res_id:
                return a
        return None

    def by_name(self, name: str) -> XmlAttribute | None:
        """The attribute with no namespace and this name (``package``, ``split``, NSC attributes)."""
        for a in self.attributes:
            if a.namespace is None and a.name == name:
                return a
        return None

    def iter(self, tag: str) -> list[XmlElement]:
        """Direct children with this tag."""
        return [c for c in self.children if c.tag == tag]


@dataclass
class XmlDocument:
    """A parsed binary XML document."""

    root: XmlElement
    anomalies: list[str]
    """Tampering Android tolerates, one sentence each."""


def parse(data: bytes) -> XmlDocument:
    """Parse an AXML document; ``AxmlFormatError`` where Android would fail too."""
    anomalies: list[str] = []
    if len(data) < 8:
        raise AxmlFormatError("binary XML shorter than its header")
    doc_type, doc_hsize, doc_size = _chunk_header(data, 0)
    if doc_hsize > doc_size or doc_size > len(data):
        raise AxmlFormatError(f"binary XML declares {doc_size} bytes (header {doc_hsize}) but has {len(data)}")
    if doc_type != RES_XML_TYPE:
        # ResXMLTree::setTo does not check the document type; tampered ones install.
        anomalies.append(f"binary XML document type is {doc_type:#x}, not {RES_XML_TYPE:#x}")
    end = doc_size
    if len(data) > doc_size:
        anomalies.append(f"{len(data) - doc_size} bytes after the declared end of the binary XML")
    pool: StringPool | None = None
    res_ids: tuple[int, ...] = ()
    pos = doc_hsize
    first_node: int | None = None
    while pos < end - 8:
        _ct, _hs, csize = _chunk_header(data, pos)
        if pos >= end - csize:
            break
        ctype, hsize, csize = validate_chunk(data, pos, 8, end)
        if ctype == RES_STRING_POOL_TYPE:
            pool = StringPool(data, pos, end)
        elif ctype == RES_XML_RESOURCE_MAP_TYPE:
            n = (csize - hsize) // 4
            res_ids = struct.unpack_from(f"<{n}L", data, pos + hsize)
        elif RES_XML_FIRST_CHUNK_TYPE <= ctype <= RES_XML_LAST_CHUNK_TYPE:
            first_node = pos
            break
        else:
            anomalies.append(f"unknown chunk {ctype:#x} before the first node skipped")
        if csize == 0:
            break
        pos += csize
    if first_node is None:
        raise AxmlFormatError("no XML node found")
    if pool is None:
        raise AxmlFormatError("no string pool")
    return _walk(data, first_node, end, pool, res_ids, anomalies)


def _walk(
    data: bytes, pos: int, end: int, pool: StringPool, res_ids: tuple[int, ...], anomalies: list[str]
) -> XmlDocument:
    stack: list[XmlElement] = []
    root: XmlElement | None = None
    namespaces: list[str] = []
    elements = 0

    def s(i: int) -> str | None:
        return None if i == NO_INDEX else pool.get(i)

    while pos < end:
        ctype, hsize, csize = validate_chunk(data, pos, _NODE_HEADER, end)
        ext = pos + hsize
        ext_len = csize - hsize
        if hsize != _NODE_HEADER:
            anomalies.append(f"node {ctype:#x} at {pos} has a {hsize}-byte header (Android reads past it)")
        if ctype in (RES_XML_START_NAMESPACE_TYPE, RES_XML_END_NAMESPACE_TYPE):
            if ext_len < 8:
                raise AxmlFormatError(f"namespace node at {pos} too short")
            if ctype == RES_XML_START_NAMESPACE_TYPE:
                uri = s(_u32(data, ext + 4)[0])
                if uri is not None:
                    namespaces.append(uri)
        elif ctype == RES_XML_START_ELEMENT_TYPE:
            element = _start_element(data, pos, ext, ext_len, csize, pool, res_ids)
            elements += 1
            if elements > _MAX_ELEMENTS or len(stack) >= _MAX_DEPTH:
                raise AxmlFormatError("binary XML nests too deep or holds too many elements")
            if stack:
                stack[-1].children.append(element)
            else:
                root = element
            stack.append(element)
        elif ctype == RES_XML_END_ELEMENT_TYPE:
            if ext_len < 8:
                raise AxmlFormatError(f"end element node at {pos} too short")
            if stack:
                stack.pop()
            if not stack and root is not None:
                pos += csize
                break
        elif ctype == RES_XML_CDATA_TYPE:
            if ext_len < 12:
                raise AxmlFormatError(f"text node at {pos} too short")
            text = s(_u32(data, ext)[0])
            if stack and text is not None:
                stack[-1].text.append(text)
        else:
            anomalies.append(f"unknown node type {ctype:#x} at {pos} skipped")
        pos += csize
    if root is None:
        raise AxmlFormatError("binary XML has no root element")
    if stack:
        raise AxmlFormatError("binary XML ends inside an element")
    _check_tail(data, pos, end, anomalies)
    return XmlDocument(root=root, anomalies=anomalies)


def _check_tail(data: bytes, pos: int, end: int, anomalies: list[str]) -> None:
    """After the root element only end-namespace nodes belong; anything else is reported (Android's
    package parser never reads that far, so it cannot matter to the platform)."""
    while pos < end:
        try:
            ctype, _hsize, csize = validate_chunk(data, pos, _NODE_HEADER, end)
        except AxmlFormatError:
            ctype, csize = -1, 0
        if ctype != RES_XML_END_NAMESPACE_TYPE:
            anomalies.append(f"{end - pos} bytes of other data after the root element ignored, as Android does")
            return
        pos += csize


def _start_element(
    data: bytes,
    pos: int,
    ext: int,
    ext_len: int,
    csize: int,
    pool: StringPool,
    res_ids: tuple[int, ...],
) -> XmlElement:
    if ext_len < 20:
        raise AxmlFormatError(f"element node at {pos} too short")
    ns_i, name_i, attr_start, attr_size, attr_count = struct.unpack_from("<2L3H", data, ext)
    if attr_start + attr_size * attr_count > ext_len:
        raise AxmlFormatError(f"element at {pos}: attributes run past the node")
    tag = pool.get(name_i) if name_i != NO_INDEX else None
    ns = pool.get(ns_i) if ns_i != NO_INDEX else None
    element = XmlElement(namespace=ns, tag=tag or "")
    node_end = pos + csize
    for i in range(attr_count):
        a = ext + attr_start + i * attr_size
        if a + 20 > node_end:
            raise AxmlFormatError(f"element at {pos}: attribute {i} runs past the node")
        a_ns, a_name, a_raw, _vsize, _res0, dtype, adata = struct.unpack_from("<3LHBBL", data, a)
        rid = res_ids[a_name] if a_name < len(res_ids) else None
        attribute = XmlAttribute(
            namespace=pool.get(a_ns) if a_ns != NO_INDEX else None,
            name=pool.get(a_name) if a_name != NO_INDEX else None,
            res_id=rid or None,
            raw=pool.get(a_raw) if a_raw != NO_INDEX else None,
            data_type=dtype,
            data=adata,
            typed_string=pool.get(adata) if dtype == TYPE_STRING else None,
        )
        element.attributes.append(attribute)
    return element
