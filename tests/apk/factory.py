"""Build valid (and deliberately broken) APKs from the project's own inputs.

No downloaded APKs: every test APK is written here, byte by byte, from the published formats.

* ``axml``: binary XML (string pool, resource map, namespace, element and text chunks), the format
  of ``AndroidManifest.xml`` and of compiled ``res/xml`` files.
* ``arsc``: a resource table with one package, enough to resolve a label or an ``@xml`` reference.
* ``dex``: a DEX file with chosen class names (header with checksum and signature, string_ids,
  type_ids, class_defs, string data and a map list), enough for ``dexdump`` to list the classes.
* ``ZipBuilder``: a zip writer with control over every field, so hostile variants are one argument.
* ``sign_v1`` / ``add_signing_block``: JAR signing and an APK Signing Block with v2/v3 signers, made
  with the ``cryptography`` package. Digests and signatures are real, so ``apksigner`` could check them.
* ``build_apk``: all of it together.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

ANDROID_NS = "http://schemas.android.com/apk/res/android"

# Resource ids of the android: attributes the tests use (framework public.xml).
ATTR_IDS: dict[str, int] = {
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

TYPE_REFERENCE = 0x01
TYPE_STRING = 0x03
TYPE_INT_DEC = 0x10
TYPE_INT_HEX = 0x11
TYPE_INT_BOOLEAN = 0x12


@dataclass(frozen=True)
class Ref:
    """A resource reference value (``@7f020000``)."""

    res_id: int


@dataclass(frozen=True)
class Hex:
    """An integer written as TYPE_INT_HEX (flags such as protectionLevel)."""

    value: int


AttrValue = str | bool | int | Ref | Hex


@dataclass
class Element:
    tag: str
    attrs: dict[str, AttrValue] = field(default_factory=dict)
    """``android:name`` style keys land in the android namespace; bare keys have none."""
    children: list[Element] = field(default_factory=list)
    text: str | None = None


def el(tag: str, attrs: dict[str, AttrValue] | None = None, *children: Element, text: str | None = None) -> Element:
    return Element(tag, dict(attrs or {}), list(children), text)


# ------------------------------------------------------------------------------------ string pools


def _pool_u16(s: str) -> bytes:
    units = s.encode("utf-16-le")
    n = len(units) // 2
    head = struct.pack("<H", n) if n < 0x8000 else struct.pack("<HH", 0x8000 | (n >> 16), n & 0xFFFF)
    return head + units + b"\0\0"


def _pool_len8(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xFF])


def _pool_u8(s: str) -> bytes:
    raw = s.encode("utf-8")
    return _pool_len8(len(s.encode("utf-16-le")) // 2) + _pool_len8(len(raw)) + raw + b"\0"


def string_pool(strings: Sequence[str], *, utf8: bool = False, declared_count: int | None = None) -> bytes:
    """A ResStringPool chunk; ``declared_count`` lets a test lie about the string count."""
    encoded = [(_pool_u8 if utf8 else _pool_u16)(s) for s in strings]
    offsets = []
    pos = 0
    for e in encoded:
        offsets.append(pos)
        pos += len(e)
    data = b"".join(encoded)
    data += b"\0" * (-len(data) % 4)
    header_size = 28
    strings_start = header_size + 4 * len(strings)
    size = strings_start + len(data)
    count = len(strings) if declared_count is None else declared_count
    head = struct.pack("<HHL5L", 0x0001, header_size, size, count, 0, 0x100 if utf8 else 0, strings_start, 0)
    return head + struct.pack(f"<{len(offsets)}L", *offsets) + data


def _chunk(type_: int, header: bytes, body: bytes, header_size: int | None = None) -> bytes:
    hs = 8 + len(header) if header_size is None else header_size
    pad = b"\0" * (hs - 8 - len(header)) if hs > 8 + len(header) else b""
    return struct.pack("<HHL", type_, hs, hs + len(body)) + header + pad + body


# ------------------------------------------------------------------------------------ AXML


@dataclass
class AxmlOptions:
    """Knobs for hostile manifests. Defaults give what aapt writes."""

    utf8: bool = False
    namespace_header_size: int = 16
    """A start-namespace node whose header is larger than 16 (Android reads the extension after it)."""
    trailing: bytes = b""
    """Raw bytes appended after the last node (junk Android never reaches)."""
    end_namespace_header_size: int = 16
    attribute_size: int = 20
    """Stride between attributes; Android honours whatever the element declares."""
    declared_string_count: int | None = None


def _attr_key(key: str) -> tuple[str | None, str]:
    if key.startswith("android:"):
        return ANDROID_NS, key[len("android:") :]
    return None, key


def axml(root: Element, *, options: AxmlOptions | None = None) -> bytes:
    """Compile an element tree to Android binary XML."""
    opt = options or AxmlOptions()
    # Attribute names with resource ids come first in the pool, in resource-map order.
    res_names: list[str] = []
    others: list[str] = []

    def walk(e: Element) -> Iterable[Element]:
        yield e
        for c in e.children:
            yield from walk(c)

    elements = list(walk(root))
    for e in elements:
        for key in e.attrs:
            ns, name = _attr_key(key)
            if ns == ANDROID_NS and name in ATTR_IDS and name not in res_names:
                res_names.append(name)
    res_names.sort(key=lambda n: ATTR_IDS[n])
    strings: list[str] = list(res_names)
    index: dict[str, int] = {s: i for i, s in enumerate(strings)}

    def sidx(s: str) -> int:
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    # Intern everything in document order (after the resource-mapped names).
    sidx("android")
    sidx(ANDROID_NS)
    for e in elements:
        sidx(e.tag)
        for key, value in e.attrs.items():
            ns, name = _attr_key(key)
            if not (ns == ANDROID_NS and name in ATTR_IDS):
                sidx(name)
            if isinstance(value, str):
                sidx(value)
        if e.text is not None:
            sidx(e.text)
    del others

    pool = string_pool(strings, utf8=opt.utf8, declared_count=opt.declared_string_count)
    res_map = _chunk(0x0180, b"", struct.pack(f"<{len(res_names)}L", *(ATTR_IDS[n] for n in res_names)))
    nodes: list[bytes] = []
    node_head = struct.pack("<2L", 1, 0xFFFFFFFF)  # line number, no comment
    ns_ext = struct.pack("<2L", index["android"], index[ANDROID_NS])
    nodes.append(_chunk(0x0100, node_head, ns_ext, header_size=opt.namespace_header_size))

    def typed(value: AttrValue) -> tuple[int, int, int]:
        """(raw string index, data type, data)."""
        if isinstance(value, bool):
            return 0xFFFFFFFF, TYPE_INT_BOOLEAN, 0xFFFFFFFF if value else 0
        if isinstance(value, int):
            return 0xFFFFFFFF, TYPE_INT_DEC, value & 0xFFFFFFFF
        if isinstance(value, Hex):
            return 0xFFFFFFFF, TYPE_INT_HEX, value.value & 0xFFFFFFFF
        if isinstance(value, Ref):
            return 0xFFFFFFFF, TYPE_REFERENCE, value.res_id
        i = index[value]
        return i, TYPE_STRING, i

    def emit(e: Element) -> None:
        attrs = []
        for key, value in e.attrs.items():
            ns, name = _attr_key(key)
            name_i = index[name]
            raw, dtype, data = typed(value)
            rid = ATTR_IDS.get(name, 0) if ns == ANDROID_NS else 0
            ns_i = index[ns] if ns is not None else 0xFFFFFFFF
            attr = struct.pack("<3LHBBL", ns_i, name_i, raw, 8, 0, dtype, data)
            attr += b"\0" * (opt.attribute_size - 20)
            attrs.append((rid, attr))
        attrs.sort(key=lambda a: a[0])
        ext = struct.pack("<2L6H", 0xFFFFFFFF, index[e.tag], 20, opt.attribute_size, len(attrs), 0, 0, 0) + b"".join(
            a for _, a in attrs
        )
        nodes.append(_chunk(0x0102, node_head, ext))
        if e.text is not None:
            t = index[e.text]
            nodes.append(_chunk(0x0104, node_head, struct.pack("<LHBBL", t, 8, 0, TYPE_STRING, t)))
        for c in e.children:
            emit(c)
        nodes.append(_chunk(0x0103, node_head, struct.pack("<2L", 0xFFFFFFFF, index[e.tag])))

    emit(root)
    nodes.append(_chunk(0x0101, node_head, ns_ext, header_size=opt.end_namespace_header_size))
    body = pool + res_map + b"".join(nodes) + opt.trailing
    return struct.pack("<HHL", 0x0003, 8, 8 + len(body)) + body


# ------------------------------------------------------------------------------------ ARSC


@dataclass(frozen=True)
class ResValue:
    """One value of a resource: a string, or a string in a given locale (``fr``)."""

    value: str
    locale: str | None = None


def arsc(package: str, types: dict[str, list[tuple[str, list[ResValue]]]]) -> bytes:
    """A resources.arsc with package id 0x7f. ``types`` maps a type name (``string``, ``xml``) to
    its entries in id order: (key, values per configuration). Ids are ``0x7f TT EEEE`` with TT the
    1-based position of the type in ``types``."""
    global_strings: list[str] = []
    gindex: dict[str, int] = {}

    def g(s: str) -> int:
        if s not in gindex:
            gindex[s] = len(global_strings)
            global_strings.append(s)
        return gindex[s]

    type_names = list(types)
    keys: list[str] = []
    kindex: dict[str, int] = {}
    for entries in types.values():
        for key, values in entries:
            if key not in kindex:
                kindex[key] = len(keys)
                keys.append(key)
            for v in values:
                g(v.value)

    chunks: list[bytes] = []
    for t_i, (_tname, entries) in enumerate(types.items(), start=1):
        n = len(entries)
        spec = struct.pack("<BBHL", t_i, 0, 0, n) + b"\0" * (4 * n)
        chunks.append(_chunk(0x0202, spec[:8], spec[8:]))
        locales: list[str | None] = []
        for _k, values in entries:
            for v in values:
                if v.locale not in locales:
                    locales.append(v.locale)
        for loc in locales:
            config = bytearray(64)
            struct.pack_into("<L", config, 0, 64)
            if loc:
                config[8:10] = loc.encode("ascii")[:2]
            offsets = []
            entry_data = b""
            for key, values in entries:
                match = [v for v in values if v.locale == loc]
                if not match:
                    offsets.append(0xFFFFFFFF)
                    continue
                offsets.append(len(entry_data))
                entry_data += struct.pack("<HHL", 8, 0, kindex[key])
                entry_data += struct.pack("<HBBL", 8, 0, TYPE_STRING, g(match[0].value))
            header_size = 8 + 12 + 64
            entries_start = header_size + 4 * n
            head = struct.pack("<BBHLL", t_i, 0, 0, n, entries_start) + bytes(config)
            body = struct.pack(f"<{n}L", *offsets) + entry_data
            chunks.append(_chunk(0x0201, head, body))
    type_pool = string_pool(type_names)
    key_pool = string_pool(keys)
    name16 = package.encode("utf-16-le")[:254].ljust(256, b"\0")
    pkg_header_size = 288
    type_strings_off = pkg_header_size
    key_strings_off = type_strings_off + len(type_pool)
    pkg_head = (
        struct.pack("<L", 0x7F)
        + name16
        + struct.pack("<5L", type_strings_off, len(type_names), key_strings_off, len(keys), 0)
    )
    package_chunk = _chunk(0x0200, pkg_head, type_pool + key_pool + b"".join(chunks))
    body = string_pool(global_strings) + package_chunk
    return _chunk(0x0002, struct.pack("<L", 1), body)


def res_id(type_index: int, entry_index: int) -> int:
    return 0x7F000000 | (type_index << 16) | entry_index


# ------------------------------------------------------------------------------------ DEX


def _mutf8(s: str) -> bytes:
    out = bytearray()
    for unit in struct.unpack(f"<{len(s.encode('utf-16-le')) // 2}H", s.encode("utf-16-le")):
        if unit == 0:
            out += b"\xc0\x80"
        elif unit < 0x80:
            out.append(unit)
        elif unit < 0x800:
            out += bytes([0xC0 | (unit >> 6), 0x80 | (unit & 0x3F)])
        else:
            out += bytes([0xE0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3F), 0x80 | (unit & 0x3F)])
    return bytes(out)


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def descriptor(class_name: str) -> str:
    return "L" + class_name.replace(".", "/") + ";"


def dex(
    class_names: Sequence[str],
    *,
    version: str = "035",
    methods_per_class: int = 0,
    fields_per_class: int = 0,
    strings_per_class: int = 0,
    code_units: int = 1,
) -> bytes:
    """A DEX defining ``class_names`` (dotted), each a public class extending java.lang.Object.

    For realistic sizes (benchmarks), each class can get ``methods_per_class`` public static void
    methods of ``code_units`` instructions (nops, then return-void), ``fields_per_class`` static int
    fields and ``strings_per_class`` extra strings, laid out as d8 does: ID tables, then code items,
    class data, string data and the map list."""
    descs = {descriptor(c) for c in class_names}
    if len(descs) != len(class_names):
        raise ValueError("duplicate class names")
    method_names = [f"m{k}" for k in range(methods_per_class)]
    field_names = [f"f{k}" for k in range(fields_per_class)]
    extra = [f"s{i}_{k}" for i in range(len(class_names)) for k in range(strings_per_class)]
    type_strings = descs | {"Ljava/lang/Object;"}
    if methods_per_class:
        type_strings.add("V")
    if fields_per_class:
        type_strings.add("I")
    all_strings = type_strings | set(method_names) | set(field_names) | set(extra)
    strings = sorted(all_strings, key=lambda x: x.encode("utf-16-be"))
    sidx = {x: i for i, x in enumerate(strings)}
    types = sorted(type_strings, key=lambda x: sidx[x])
    tidx = {x: i for i, x in enumerate(types)}
    classes = sorted(class_names, key=lambda c: tidx[descriptor(c)])
    n_str, n_types, n_cls = len(strings), len(types), len(classes)
    n_protos = 1 if methods_per_class else 0
    fields = [(tidx[descriptor(c)], sidx[f]) for c in classes for f in sorted(field_names, key=lambda f: sidx[f])]
    methods = [(tidx[descriptor(c)], sidx[m]) for c in classes for m in sorted(method_names, key=lambda m: sidx[m])]

    string_ids_off = 0x70
    type_ids_off = string_ids_off + 4 * n_str
    proto_ids_off = type_ids_off + 4 * n_types
    field_ids_off = proto_ids_off + 12 * n_protos
    method_ids_off = field_ids_off + 8 * len(fields)
    class_defs_off = method_ids_off + 8 * len(methods)
    data_off = class_defs_off + 32 * n_cls

    code = bytearray()
    code_offsets = []
    if methods:
        insns = [0x0000] * (code_units - 1) + [0x000E]
        item = struct.pack("<4HLL", 0, 0, 0, 0, 0, len(insns)) + struct.pack(f"<{len(insns)}H", *insns)
        item += b"\0" * (-len(item) % 4)
        for _ in methods:
            code_offsets.append(data_off + len(code))
            code += item
    class_data_off = data_off + len(code)
    class_data = bytearray()
    class_data_offsets = []
    if methods or fields:
        for ci in range(n_cls):
            class_data_offsets.append(class_data_off + len(class_data))
            class_data += _uleb(fields_per_class) + _uleb(0) + _uleb(methods_per_class) + _uleb(0)
            for k in range(fields_per_class):
                class_data += _uleb(ci * fields_per_class if k == 0 else 1) + _uleb(0x9)
            prev = 0
            for k in range(methods_per_class):
                m = ci * methods_per_class + k
                # The first index of each list is absolute, the rest are differences.
                class_data += _uleb(m if k == 0 else m - prev) + _uleb(0x9)
                class_data += _uleb(code_offsets[m])
                prev = m
        # class_data_items are byte-aligned; the next section (string data) is too.
    string_data_off = class_data_off + len(class_data)
    string_data = bytearray()
    string_offsets = []
    for x in strings:
        string_offsets.append(string_data_off + len(string_data))
        string_data += _uleb(len(x.encode("utf-16-le")) // 2) + _mutf8(x) + b"\0"
    string_data += b"\0" * (-(string_data_off + len(string_data)) % 4)
    map_off = string_data_off + len(string_data)
    map_items = [(0x0000, 1, 0), (0x0001, n_str, string_ids_off), (0x0002, n_types, type_ids_off)]
    if n_protos:
        map_items.append((0x0003, n_protos, proto_ids_off))
    if fields:
        map_items.append((0x0004, len(fields), field_ids_off))
    if methods:
        map_items.append((0x0005, len(methods), method_ids_off))
    if n_cls:
        map_items.append((0x0006, n_cls, class_defs_off))
    if methods:
        map_items.append((0x2001, len(methods), data_off))
    if class_data_offsets:
        map_items.append((0x2000, n_cls, class_data_off))
    map_items += [(0x2002, n_str, string_data_off), (0x1000, 1, map_off)]
    map_list = struct.pack("<L", len(map_items)) + b"".join(struct.pack("<HHLL", t, 0, n, o) for t, n, o in map_items)
    file_size = map_off + len(map_list)

    obj = tidx["Ljava/lang/Object;"]
    protos = struct.pack("<3L", sidx["V"], tidx["V"], 0) if n_protos else b""
    field_ids = b"".join(struct.pack("<HHL", c, tidx["I"], n) for c, n in fields)
    method_ids = b"".join(struct.pack("<HHL", c, 0, n) for c, n in methods)
    class_defs = b"".join(
        struct.pack(
            "<8L",
            tidx[descriptor(c)],
            0x0001,
            obj,
            0,
            0xFFFFFFFF,
            0,
            class_data_offsets[i] if class_data_offsets else 0,
            0,
        )
        for i, c in enumerate(classes)
    )
    body = (
        struct.pack(f"<{n_str}L", *string_offsets)
        + struct.pack(f"<{n_types}L", *(sidx[t] for t in types))
        + protos
        + field_ids
        + method_ids
        + class_defs
        + bytes(code)
        + bytes(class_data)
        + bytes(string_data)
        + map_list
    )
    header = bytearray(0x70)
    header[0:8] = b"dex\n" + version.encode("ascii") + b"\0"
    struct.pack_into(
        "<20L",
        header,
        0x20,
        file_size,
        0x70,
        0x12345678,
        0,
        0,
        map_off,
        n_str,
        string_ids_off,
        n_types,
        type_ids_off,
        n_protos,
        proto_ids_off if n_protos else 0,
        len(fields),
        field_ids_off if fields else 0,
        len(methods),
        method_ids_off if methods else 0,
        n_cls,
        class_defs_off if n_cls else 0,
        file_size - data_off,
        data_off,
    )
    out = bytearray(header) + body
    out[12:32] = hashlib.sha1(out[32:]).digest()
    struct.pack_into("<L", out, 8, zlib.adler32(bytes(out[12:])))
    return bytes(out)


# ------------------------------------------------------------------------------------ zip


@dataclass
class RawEntry:
    """One zip entry with every field a hostile variant may want to forge."""

    name: str | bytes
    data: bytes
    compress: bool = True
    method: int | None = None
    """Method written to both headers (default: 8 when compressed, else 0)."""
    local_method: int | None = None
    flags: int = 0
    declared_size: int | None = None
    """Uncompressed size written to the headers (default: the real one)."""
    raw_deflate: bytes | None = None
    """Pre-compressed data (for bombs): written as is, with ``declared_size``."""
    crc: int | None = None


class ZipBuilder:
    """Writes a zip archive by hand: local headers, data, central directory, end record."""

    def __init__(self) -> None:
        self.entries: list[RawEntry] = []

    def add(self, name: str | bytes, data: bytes, **kw: object) -> ZipBuilder:
        self.entries.append(RawEntry(name, data, **kw))  # type: ignore[arg-type]
        return self

    def build(self, *, comment: bytes = b"") -> bytes:
        out = bytearray()
        central = bytearray()
        for e in self.entries:
            name = e.name.encode("utf-8") if isinstance(e.name, str) else e.name
            if e.raw_deflate is not None:
                payload = e.raw_deflate
                method = 8 if e.method is None else e.method
                usize = e.declared_size if e.declared_size is not None else 0
                crc = e.crc or 0
            else:
                if e.compress:
                    co = zlib.compressobj(6, zlib.DEFLATED, -15)
                    payload = co.compress(e.data) + co.flush()
                else:
                    payload = e.data
                method = (8 if e.compress else 0) if e.method is None else e.method
                usize = len(e.data) if e.declared_size is None else e.declared_size
                crc = zlib.crc32(e.data) if e.crc is None else e.crc
            local_method = method if e.local_method is None else e.local_method
            offset = len(out)
            flags = e.flags | 0x0800
            out += struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, flags, local_method, 0, 0x21, crc, len(payload), usize, len(name), 0
            )
            out += name + payload
            central += struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                0x031E,
                20,
                flags,
                method,
                0,
                0x21,
                crc,
                len(payload),
                usize,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            central += name
        cd_off = len(out)
        out += central
        out += struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, len(self.entries), len(self.entries), len(central), cd_off, len(comment)
        )
        return bytes(out + comment)


def eocd_offset(apk: bytes) -> int:
    return apk.rfind(b"PK\x05\x06")


def cd_offset(apk: bytes) -> int:
    return int(struct.unpack_from("<L", apk, eocd_offset(apk) + 16)[0])


def prepend(apk: bytes, prefix: bytes) -> bytes:
    """Put ``prefix`` in front of the zip and shift every offset (how a Janus file is made)."""
    out = bytearray(prefix + apk)
    shift = len(prefix)
    e = eocd_offset(bytes(out))
    cd = struct.unpack_from("<L", out, e + 16)[0] + shift
    struct.pack_into("<L", out, e + 16, cd)
    pos = cd
    while out[pos : pos + 4] == b"PK\x01\x02":
        n, x, c = struct.unpack_from("<3H", out, pos + 28)
        off = struct.unpack_from("<L", out, pos + 42)[0]
        struct.pack_into("<L", out, pos + 42, off + shift)
        pos += 46 + n + x + c
    return bytes(out)


def deflate_zeros(n: int) -> bytes:
    """Raw deflate of ``n`` zero bytes (a bomb payload: about 1000:1)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\0" * (1 << 22)
    parts = []
    left = n
    while left > 0:
        take = min(left, len(block))
        parts.append(co.compress(block[:take]))
        left -= take
    parts.append(co.flush())
    return b"".join(parts)


# ------------------------------------------------------------------------------------ signing


@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.cert_der).hexdigest()


@functools.cache
def make_signer(common_name: str = "Test Signer") -> Signer:
    """An RSA-2048 key with a self-signed certificate (cached: key generation is slow)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.COUNTRY_NAME, "US")]
    )
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(abs(hash(common_name)) % (1 << 60) + 1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * 30))
        .sign(key, hashes.SHA256())
    )
    return Signer(key, cert)


def _b64sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def sign_v1(entries: Sequence[tuple[str, bytes]], signer: Signer, *, alias: str = "CERT") -> list[tuple[str, bytes]]:
    """JAR signing: MANIFEST.MF, <alias>.SF and a detached PKCS#7 <alias>.RSA over the .SF."""
    mf = "Manifest-Version: 1.0\r\nCreated-By: auditor tests\r\n\r\n"
    sections = []
    for name, data in entries:
        sec = f"Name: {name}\r\nSHA-256-Digest: {_b64sha256(data)}\r\n\r\n"
        sections.append((name, sec))
        mf += sec
    sf = (
        "Signature-Version: 1.0\r\nCreated-By: auditor tests\r\n"
        f"SHA-256-Digest-Manifest: {_b64sha256(mf.encode())}\r\n\r\n"
    )
    for name, sec in sections:
        sf += f"Name: {name}\r\nSHA-256-Digest: {_b64sha256(sec.encode())}\r\n\r\n"
    sig = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(sf.encode())
        .add_signer(signer.cert, signer.key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoCapabilities])
    )
    return [
        ("META-INF/MANIFEST.MF", mf.encode()),
        (f"META-INF/{alias}.SF", sf.encode()),
        (f"META-INF/{alias}.RSA", sig),
    ]


V2_ID = 0x7109871A
V3_ID = 0xF05368C0
V31_ID = 0x1B93AD61
_RSA_PKCS1_SHA256 = 0x0103


def _lp(data: bytes) -> bytes:
    return struct.pack("<L", len(data)) + data


def _seq(items: Iterable[bytes]) -> bytes:
    return _lp(b"".join(_lp(i) for i in items))


def _chunked_digest(sections: Sequence[bytes]) -> bytes:
    digests = []
    for section in sections:
        for i in range(0, len(section), 1 << 20):
            chunk = section[i : i + (1 << 20)]
            digests.append(hashlib.sha256(b"\xa5" + struct.pack("<L", len(chunk)) + chunk).digest())
    return hashlib.sha256(b"\x5a" + struct.pack("<L", len(digests)) + b"".join(digests)).digest()


def add_signing_block(
    apk: bytes,
    signer: Signer,
    *,
    v2: bool = True,
    v3: bool = False,
    v31: bool = False,
    v3_signer: Signer | None = None,
    v31_signer: Signer | None = None,
) -> bytes:
    """Insert an APK Signing Block with the chosen schemes in front of the central directory."""
    cd = cd_offset(apk)
    e = eocd_offset(apk)
    digest = _chunked_digest([apk[:cd], apk[cd:e], apk[e:]])
    digests = _seq([struct.pack("<L", _RSA_PKCS1_SHA256) + _lp(digest)])
    pairs: list[tuple[int, bytes]] = []

    def sign(s: Signer, signed: bytes) -> bytes:
        return s.key.sign(signed, padding.PKCS1v15(), hashes.SHA256())

    def spki(s: Signer) -> bytes:
        return s.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    if v2:
        attrs = _seq([struct.pack("<LL", 0xBEEFF00D, 3)]) if v3 else _seq([])
        signed = digests + _seq([signer.cert_der]) + attrs
        one = _lp(signed) + _seq([struct.pack("<L", _RSA_PKCS1_SHA256) + _lp(sign(signer, signed))]) + _lp(spki(signer))
        pairs.append((V2_ID, _seq([one])))
    for enabled, block_id, s in ((v3, V3_ID, v3_signer or signer), (v31, V31_ID, v31_signer or v3_signer or signer)):
        if not enabled:
            continue
        signed = digests + _seq([s.cert_der]) + struct.pack("<LL", 24, 0x7FFFFFFF) + _seq([])
        one = (
            _lp(signed)
            + struct.pack("<LL", 24, 0x7FFFFFFF)
            + _seq([struct.pack("<L", _RSA_PKCS1_SHA256) + _lp(sign(s, signed))])
            + _lp(spki(s))
        )
        pairs.append((block_id, _seq([one])))
    body = b"".join(struct.pack("<QL", 4 + len(v), k) + v for k, v in pairs)
    size = len(body) + 8 + 16
    block = struct.pack("<Q", size) + body + struct.pack("<Q", size) + b"APK Sig Block 42"
    out = bytearray(apk[:cd] + block + apk[cd:])
    struct.pack_into("<L", out, e + len(block) + 16, cd + len(block))
    return bytes(out)


# ------------------------------------------------------------------------------------ APKs


def manifest(
    package: str = "com.example.app",
    *,
    version_code: int | None = 7,
    version_name: AttrValue | None = "1.2.3",
    min_sdk: int | None = 21,
    target_sdk: int | None = 33,
    permissions: Sequence[str | tuple[str, int]] = (),
    permissions_sdk23: Sequence[str] = (),
    declared: Sequence[tuple[str, int]] = (),
    app_attrs: dict[str, AttrValue] | None = None,
    components: Sequence[Element] = (),
    split: str | None = None,
    extra_root_attrs: dict[str, AttrValue] | None = None,
) -> Element:
    """A manifest element tree; ``components`` go inside ``<application>``."""
    attrs: dict[str, AttrValue] = {}
    if version_code is not None:
        attrs["android:versionCode"] = version_code
    if version_name is not None:
        attrs["android:versionName"] = version_name
    attrs["package"] = package
    if split is not None:
        attrs["split"] = split
    attrs.update(extra_root_attrs or {})
    root = el("manifest", attrs)
    sdk: dict[str, AttrValue] = {}
    if min_sdk is not None:
        sdk["android:minSdkVersion"] = min_sdk
    if target_sdk is not None:
        sdk["android:targetSdkVersion"] = target_sdk
    if sdk:
        root.children.append(el("uses-sdk", sdk))
    for p in permissions:
        if isinstance(p, tuple):
            root.children.append(el("uses-permission", {"android:name": p[0], "android:maxSdkVersion": p[1]}))
        else:
            root.children.append(el("uses-permission", {"android:name": p}))
    for p in permissions_sdk23:
        root.children.append(el("uses-permission-sdk-23", {"android:name": p}))
    for name, level in declared:
        root.children.append(el("permission", {"android:name": name, "android:protectionLevel": Hex(level)}))
    root.children.append(el("application", dict(app_attrs or {}), *components))
    return root


def activity(name: str, *filters: Element, **attrs: AttrValue) -> Element:
    return el("activity", {"android:name": name, **{f"android:{k}": v for k, v in attrs.items()}}, *filters)


def intent_filter(actions: Sequence[str] = (), categories: Sequence[str] = (), schemes: Sequence[str] = ()) -> Element:
    children = [el("action", {"android:name": a}) for a in actions]
    children += [el("category", {"android:name": c}) for c in categories]
    children += [el("data", {"android:scheme": s}) for s in schemes]
    return el("intent-filter", {}, *children)


LAUNCHER = intent_filter(["android.intent.action.MAIN"], ["android.intent.category.LAUNCHER"])


def build_apk(
    root: Element | None = None,
    *,
    classes: Sequence[str] | Sequence[Sequence[str]] = ("com.example.app.MainActivity",),
    manifest_bytes: bytes | None = None,
    resources: bytes | None = None,
    extra: Sequence[tuple[str, bytes]] = (),
    stored: Sequence[str] = (),
    v1: Signer | None = None,
    v2: Signer | None = None,
    v3: Signer | None = None,
    v31: Signer | None = None,
    entry_options: dict[str, dict[str, object]] | None = None,
) -> bytes:
    """An APK: manifest, classes*.dex (one per list when ``classes`` is a list of lists), optional
    resources.arsc and extra entries; optionally signed with v1, and v2/v3 in a signing block.
    ``entry_options`` forwards ``RawEntry`` fields per entry name for hostile variants."""
    if manifest_bytes is None:
        manifest_bytes = axml(root if root is not None else manifest())
    dex_lists: list[list[str]] = []
    if classes and not isinstance(classes[0], str):
        dex_lists = [[str(n) for n in c] for c in classes]
    elif classes:
        dex_lists = [[str(n) for n in classes]]
    entries: list[tuple[str, bytes]] = [("AndroidManifest.xml", manifest_bytes)]
    for i, names in enumerate(dex_lists):
        entries.append(("classes.dex" if i == 0 else f"classes{i + 1}.dex", dex(names)))
    if resources is not None:
        entries.append(("resources.arsc", resources))
    entries.extend(extra)
    if v1 is not None:
        entries.extend(sign_v1(entries, v1))
    zb = ZipBuilder()
    opts = entry_options or {}
    for name, data in entries:
        kw: dict[str, object] = {"compress": name not in stored and name != "resources.arsc"}
        kw.update(opts.get(name, {}))
        payload = kw.pop("data", data)
        assert isinstance(payload, bytes)
        zb.add(name, payload, **kw)
    apk = zb.build()
    if v2 is not None or v3 is not None or v31 is not None:
        base = v2 or v3 or v31
        assert base is not None
        apk = add_signing_block(
            apk, base, v2=v2 is not None, v3=v3 is not None, v31=v31 is not None, v3_signer=v3, v31_signer=v31
        )
    return apk
