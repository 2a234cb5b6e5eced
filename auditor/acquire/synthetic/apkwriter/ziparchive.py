"""Zip archives written record by record, every header field as given.

An APK is a zip. Writing it by hand (rather than with ``zipfile``) keeps the bytes independent of the
Python version and lets a caller make headers that disagree with each other or with the data —
which is how hostile APKs are built for the tests. ``record`` gives an honest entry; ``zip_archive``
lays out local headers, data, the central directory and the end record (no data descriptors, no
ZIP64, no extra fields).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

STORED = 0
DEFLATED = 8
_UTF8_NAMES = 0x0800  # general purpose bit 11: names are UTF-8


@dataclass(frozen=True)
class ZipStyle:
    """Fields a zip tool stamps on every entry: they vary by tool and no reader acts on them."""

    made_by: int = 0x031E
    """"Version made by": high byte the host system (3: Unix), low byte the spec version (30: 3.0)."""
    dos_date: int = 0x0021
    """Modification date, MS-DOS format (0x0021: 1980-01-01)."""
    dos_time: int = 0
    utf8_names: bool = True
    """Set bit 11 (names are UTF-8) on every entry."""
    external_attr: int = 0
    """Host file attributes (Unix mode in the high 16 bits)."""


@dataclass(frozen=True)
class ZipRecord:
    """One entry as its local and central headers describe it; nothing is checked against the data."""

    name: bytes
    payload: bytes
    """The bytes stored in the archive (compressed when ``method`` is 8)."""
    method: int
    crc: int
    size: int
    """The uncompressed size both headers declare."""
    flags: int = 0
    local_method: int | None = None
    """A different method in the local header (``None``: the same as the central one)."""


def deflate(data: bytes, level: int = 6) -> bytes:
    """Raw deflate (no zlib header), as zip stores it."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def record(name: str, data: bytes, *, compress: bool = True) -> ZipRecord:
    """An honest entry: ``data`` deflated (or stored), with its real CRC and size."""
    return ZipRecord(
        name=name.encode("utf-8"),
        payload=deflate(data) if compress else data,
        method=DEFLATED if compress else STORED,
        crc=zlib.crc32(data),
        size=len(data),
    )


def zip_archive(records: Sequence[ZipRecord], *, style: ZipStyle | None = None, comment: bytes = b"") -> bytes:
    """The archive: each local header and payload, then the central directory and the end record."""
    st = style or ZipStyle()
    out = bytearray()
    central = bytearray()
    for r in records:
        flags = r.flags | (_UTF8_NAMES if st.utf8_names else 0)
        local_method = r.method if r.local_method is None else r.local_method
        offset = len(out)
        out += struct.pack(
            "<4s5H3L2H",
            b"PK\x03\x04",
            20,  # version needed: 2.0 (deflate)
            flags,
            local_method,
            st.dos_time,
            st.dos_date,
            r.crc,
            len(r.payload),
            r.size,
            len(r.name),
            0,
        )
        out += r.name + r.payload
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            st.made_by,
            20,
            flags,
            r.method,
            st.dos_time,
            st.dos_date,
            r.crc,
            len(r.payload),
            r.size,
            len(r.name),
            0,  # extra field length
            0,  # comment length
            0,  # disk number
            0,  # internal attributes
            st.external_attr,
            offset,
        )
        central += r.name
    cd_offset = len(out)
    out += central
    out += struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(records), len(records), len(central), cd_offset, len(comment)
    )
    return bytes(out + comment)
