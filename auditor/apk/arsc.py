"""Just enough of ``resources.arsc`` to resolve a string or file reference.

The manifest names its label, version name and network security config by resource id
(``@7f120034``). Resolving one needs the package chunk, the type chunks of that type and one entry;
nothing else of a table that can run to tens of megabytes. Entries are read on demand and every
offset is bounds-checked (``ArscFormatError`` otherwise).

Choice of configuration: the default one (no qualifiers) when it has the entry, as a device with no
matching locale would show; else an English one; else the first.
"""

from __future__ import annotations

import struct

from auditor.apk.axml import StringPool, validate_chunk
from auditor.apk.errors import ArscFormatError, AxmlFormatError

RES_TABLE_TYPE = 0x0002
RES_STRING_POOL_TYPE = 0x0001
RES_TABLE_PACKAGE_TYPE = 0x0200
RES_TABLE_TYPE_TYPE = 0x0201

TYPE_REFERENCE = 0x01
TYPE_STRING = 0x03

_FLAG_SPARSE = 0x01
_FLAG_OFFSET16 = 0x02
_ENTRY_COMPLEX = 0x0001
_ENTRY_COMPACT = 0x0008
_MAX_REFERENCE_DEPTH = 8
_MAX_CHUNKS = 200_000


class ResourceTable:
    """The packages of one ``resources.arsc`` and their type chunks, indexed but not decoded."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        try:
            ctype, hsize, size = validate_chunk(data, 0, 12, len(data))
        except AxmlFormatError as e:
            raise ArscFormatError(f"resources.arsc header: {e}") from e
        if ctype != RES_TABLE_TYPE:
            raise ArscFormatError(f"resources.arsc starts with chunk {ctype:#x}, not a table")
        self._strings: StringPool | None = None
        # package id -> type id -> [(config bytes, chunk position)]
        self._types: dict[int, dict[int, list[tuple[bytes, int]]]] = {}
        end = size
        pos = hsize
        seen = 0
        try:
            while pos + 8 <= end:
                ctype, chsize, csize = validate_chunk(data, pos, 8, end)
                if ctype == RES_STRING_POOL_TYPE and self._strings is None:
                    self._strings = StringPool(data, pos, end)
                elif ctype == RES_TABLE_PACKAGE_TYPE:
                    self._package(pos, chsize, csize)
                seen += 1
                if seen > _MAX_CHUNKS:
                    raise ArscFormatError("resources.arsc holds too many chunks")
                pos += csize
        except AxmlFormatError as e:
            raise ArscFormatError(f"resources.arsc: {e}") from e

    def _package(self, pos: int, hsize: int, size: int) -> None:
        data = self._data
        if hsize < 284:
            raise ArscFormatError("package chunk header too small")
        (pkg_id,) = struct.unpack_from("<L", data, pos + 8)
        types = self._types.setdefault(pkg_id & 0xFF, {})
        end = pos + size
        p = pos + hsize
        seen = 0
        while p + 8 <= end:
            ctype, chsize, csize = validate_chunk(data, p, 8, end)
            if ctype == RES_TABLE_TYPE_TYPE:
                if chsize < 20 + 4:
                    raise ArscFormatError("type chunk header too small")
                type_id = data[p + 8]
                (config_size,) = struct.unpack_from("<L", data, p + 20)
                config_size = max(4, min(config_size, chsize - 20))
                config = bytes(data[p + 20 : p + 20 + config_size])
                types.setdefault(type_id, []).append((config, p))
            seen += 1
            if seen > _MAX_CHUNKS:
                raise ArscFormatError("package holds too many chunks")
            p += csize

    def resolve_string(self, res_id: int) -> str | None:
        """The string a resource id stands for (following references), or ``None``."""
        for _ in range(_MAX_REFERENCE_DEPTH):
            value = self._value(res_id)
            if value is None:
                return None
            dtype, data = value
            if dtype == TYPE_STRING:
                return self._strings.get(data) if self._strings is not None else None
            if dtype != TYPE_REFERENCE:
                return None
            res_id = data
        return None

    def _value(self, res_id: int) -> tuple[int, int] | None:
        pkg = self._types.get((res_id >> 24) & 0xFF)
        if pkg is None:
            return None
        chunks = pkg.get((res_id >> 16) & 0xFF)
        if not chunks:
            return None
        entry = res_id & 0xFFFF
        found: list[tuple[bytes, tuple[int, int]]] = []
        for config, pos in chunks:
            value = self._entry(pos, entry)
            if value is not None:
                if not any(config[4:]):
                    return value
                found.append((config, value))
        for config, value in found:
            if config[8:10] == b"en":
                return value
        return found[0][1] if found else None

    def _entry(self, pos: int, index: int) -> tuple[int, int] | None:
        data = self._data
        _t, hsize, size = _header(data, pos)
        flags = data[pos + 9]
        count, entries_start = struct.unpack_from("<2L", data, pos + 12)
        end = pos + size
        offsets = pos + hsize
        if flags & _FLAG_SPARSE:
            if offsets + 4 * count > end:
                raise ArscFormatError("sparse type entries run past the chunk")
            off = None
            for i in range(count):
                idx, o = struct.unpack_from("<2H", data, offsets + 4 * i)
                if idx == index:
                    off = o * 4
                    break
            if off is None:
                return None
        elif flags & _FLAG_OFFSET16:
            if index >= count or offsets + 2 * count > end:
                return None
            (o16,) = struct.unpack_from("<H", data, offsets + 2 * index)
            if o16 == 0xFFFF:
                return None
            off = o16 * 4
        else:
            if index >= count or offsets + 4 * count > end:
                return None
            (off,) = struct.unpack_from("<L", data, offsets + 4 * index)
            if off == 0xFFFFFFFF:
                return None
        e = pos + entries_start + off
        if e + 8 > end:
            raise ArscFormatError("resource entry lies outside its type chunk")
        esize, eflags = struct.unpack_from("<2H", data, e)
        if eflags & _ENTRY_COMPACT:
            # Compact entry (aapt2 --enable-compact-entries): the data type sits in the flags' high byte.
            (value,) = struct.unpack_from("<L", data, e + 4)
            return eflags >> 8, value
        if eflags & _ENTRY_COMPLEX:
            return None
        v = e + esize
        if v + 8 > end:
            raise ArscFormatError("resource value lies outside its type chunk")
        _vsize, _res0, dtype, value = struct.unpack_from("<HBBL", data, v)
        return dtype, value


def _header(data: bytes, pos: int) -> tuple[int, int, int]:
    ctype, hsize, size = struct.unpack_from("<HHL", data, pos)
    return ctype, hsize, size
