"""A ``resources.arsc`` resource table with one package (id ``0x7f``).

Enough for what an audit resolves through resources: an application label (``@string/app_name``, per
locale) and an ``@xml`` reference (a network security config).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from auditor.acquire.synthetic.apkwriter.axml import TYPE_STRING, chunk, string_pool


@dataclass(frozen=True)
class ResValue:
    """One value of a resource: a string, for the default configuration or one locale (``fr``)."""

    value: str
    locale: str | None = None


def res_id(type_index: int, entry_index: int) -> int:
    """The id ``0x7fTTEEEE`` of entry ``entry_index`` of the ``type_index``-th type (1-based)."""
    return 0x7F000000 | (type_index << 16) | entry_index


def arsc(package: str, types: Mapping[str, Sequence[tuple[str, Sequence[ResValue]]]]) -> bytes:
    """A resource table. ``types`` maps a type name (``string``, ``xml``) to its entries in id order:
    (key, values per configuration). Ids are ``res_id(position of the type, position of the entry)``."""
    global_strings: list[str] = []
    gindex: dict[str, int] = {}

    def g(s: str) -> int:
        if s not in gindex:
            gindex[s] = len(global_strings)
            global_strings.append(s)
        return gindex[s]

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
    for t_i, entries in enumerate(types.values(), start=1):
        n = len(entries)
        spec = struct.pack("<BBHL", t_i, 0, 0, n) + b"\0" * (4 * n)
        chunks.append(chunk(0x0202, spec[:8], spec[8:]))
        locales: list[str | None] = []
        for _key, values in entries:
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
            chunks.append(chunk(0x0201, head, struct.pack(f"<{n}L", *offsets) + entry_data))
    type_pool = string_pool(list(types))
    key_pool = string_pool(keys)
    name16 = package.encode("utf-16-le")[:254].ljust(256, b"\0")
    package_header_size = 288
    key_strings_off = package_header_size + len(type_pool)
    package_head = (
        struct.pack("<L", 0x7F)
        + name16
        + struct.pack("<5L", package_header_size, len(types), key_strings_off, len(keys), 0)
    )
    package_chunk = chunk(0x0200, package_head, type_pool + key_pool + b"".join(chunks))
    return chunk(0x0002, struct.pack("<L", 1), string_pool(global_strings) + package_chunk)
