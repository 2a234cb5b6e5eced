"""DEX files defining chosen classes, laid out as d8 does.

An audit reads only the class tables (``class_defs`` → ``type_ids`` → ``string_ids`` → string data);
``dexdump`` and androguard read the rest too, so every file here is complete and consistent: header
with checksum and SHA-1 signature, ID tables, optional code items and class data, string data and a
map list. Classes are public, extend ``java.lang.Object`` and are defined in string-table order.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Sequence


def _mutf8(s: str) -> bytes:
    """Modified UTF-8: UTF-16 units one by one (surrogates apart), NUL as ``C0 80``."""
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
    """``com.example.Main`` → ``Lcom/example/Main;``."""
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
