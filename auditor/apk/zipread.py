"""A bounded zip reader that reads APKs the way Android does, and no further.

Why not ``zipfile``: it trusts header sizes, refuses entries with the "encrypted" flag or an unknown
compression method (both tricks malware uses because Android ignores them), takes the *last* of two
entries with the same name, and would read a whole bomb into memory. This reader:

* finds the end record, then reads the central directory, which is what Android's libziparchive
  trusts; local headers serve only to find where an entry's data starts;
* reads only the entries the analysis asks for, so damage in entries nobody reads (an image, an
  asset) never stops the analysis;
* inflates in chunks and counts the bytes it really produces against a per-entry cap and a total
  ``Budget``; declared sizes are never used to allocate;
* ignores the "encrypted" general-purpose flag (Android does: the entries are plain) and reads an
  entry with an unknown compression method as stored, as Android 9+ does for the manifest, falling
  back to inflating it as Android 8 and older did; each such trick is recorded as an anomaly;
* never writes anything and never uses an entry name as a path.
"""

from __future__ import annotations

import logging
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from auditor.apk.errors import LimitExceeded, ZipFormatError
from auditor.apk.limits import Budget
from auditor.model import ApkIssue, ApkIssueKind

log = logging.getLogger(__name__)

_EOCD_SIG = b"PK\x05\x06"
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CDH_SIG = b"PK\x01\x02"
_CDH = struct.Struct("<4s6H3L5H2L")
_LFH_SIG = b"PK\x03\x04"
_LFH = struct.Struct("<4s5H3L2H")
_MAX_COMMENT = 0xFFFF

STORED = 0
DEFLATED = 8
FLAG_ENCRYPTED = 0x0001
FLAG_UTF8 = 0x0800

_CHUNK = 256 * 1024


@dataclass(frozen=True)
class ZipEntry:
    """One central-directory record. ``name`` is untrusted text and is never used as a path."""

    index: int
    raw_name: bytes
    name: str
    method: int
    flags: int
    compressed_size: int
    uncompressed_size: int
    """As declared; used only to choose how to read an entry with an unknown method."""
    local_header_offset: int


class ZipArchive:
    """The central directory of one archive, and bounded reads of its entries.

    ``source`` is any seekable binary file (the APK on disk, or a ``BytesIO`` holding a nested
    archive); ``size`` is its length. Anomalies Android tolerates are collected in ``anomalies``.
    """

    def __init__(
        self,
        source: BinaryIO,
        size: int,
        *,
        budget: Budget,
        max_entries: int,
        max_central_directory_bytes: int,
        label: str = "",
    ) -> None:
        self._f = source
        self.size = size
        self._budget = budget
        self._label = label
        self.anomalies: list[ApkIssue] = []
        if size == 0:
            raise ZipFormatError("the file is empty", kind=ApkIssueKind.EMPTY_FILE)
        self.eocd_offset, self.cd_offset, cd_size, declared_entries = self._find_central_directory()
        self.entries = self._read_central_directory(cd_size, declared_entries, max_entries, max_central_directory_bytes)
        self._by_name: dict[bytes, ZipEntry] = {}
        duplicates: set[bytes] = set()
        for entry in self.entries:
            if entry.raw_name in self._by_name:
                duplicates.add(entry.raw_name)
                continue
            self._by_name[entry.raw_name] = entry
        for raw in sorted(duplicates)[:10]:
            # libziparchive refuses archives with duplicate names (kDuplicateEntry); older readers took
            # the last copy. Reading the first and saying so is the useful middle.
            self._anomaly(f"duplicate entry name; the first copy is read{self._in()}", raw)

    # ------------------------------------------------------------------ structure

    def _in(self) -> str:
        return f" (in {self._label})" if self._label else ""

    def _anomaly(self, message: str, raw_name: bytes | None = None) -> None:
        name = raw_name.decode("utf-8", "replace") if raw_name is not None else None
        self.anomalies.append(ApkIssue(ApkIssueKind.ZIP_ANOMALY, message, name))

    def _read_at(self, offset: int, n: int) -> bytes:
        if offset < 0 or n < 0 or offset + n > self.size:
            raise ZipFormatError(
                f"a zip structure points past the end of the file{self._in()}", kind=ApkIssueKind.TRUNCATED
            )
        self._f.seek(offset)
        data = self._f.read(n)
        if len(data) != n:
            raise ZipFormatError(f"the file ended early{self._in()}", kind=ApkIssueKind.TRUNCATED)
        return data

    def _find_central_directory(self) -> tuple[int, int, int, int]:
        tail_len = min(self.size, _EOCD.size + _MAX_COMMENT)
        tail_start = self.size - tail_len
        tail = self._read_at(tail_start, tail_len)
        pos = tail.rfind(_EOCD_SIG)
        candidates: list[int] = []
        while pos >= 0:
            candidates.append(pos)
            pos = tail.rfind(_EOCD_SIG, 0, pos)
        chosen: int | None = None
        for pos in candidates:
            if pos + _EOCD.size > len(tail):
                continue
            comment_len = _EOCD.unpack_from(tail, pos)[7]
            # libziparchive takes the end record whose comment ends exactly at the end of the file.
            if pos + _EOCD.size + comment_len == len(tail):
                chosen = pos
                break
        if chosen is None:
            usable = [p for p in candidates if p + _EOCD.size <= len(tail)]
            if not usable:
                if self.size < _EOCD.size:
                    raise ZipFormatError(f"too short to be a zip archive{self._in()}", kind=ApkIssueKind.NOT_A_ZIP)
                raise ZipFormatError(f"no end-of-central-directory record{self._in()}", kind=ApkIssueKind.NOT_A_ZIP)
            chosen = usable[0]
            self._anomaly("bytes after the end-of-central-directory record (Android refuses this)")
        if len(candidates) > 1:
            self._anomaly(f"{len(candidates)} end-of-central-directory signatures{self._in()}")
        eocd_offset = tail_start + chosen
        _sig, disk, cd_disk, _n_disk, n_entries, cd_size, cd_offset, _clen = _EOCD.unpack_from(tail, chosen)
        if disk != 0 or cd_disk != 0:
            raise ZipFormatError(f"multi-disk archives are not APKs{self._in()}")
        if 0xFFFF in (n_entries,) or 0xFFFFFFFF in (cd_size, cd_offset):
            zip64 = self._zip64_end(eocd_offset)
            if zip64 is not None:
                n_entries, cd_size, cd_offset = zip64
        if cd_offset + cd_size > eocd_offset:
            raise ZipFormatError(
                f"the central directory overlaps its end record or lies past it{self._in()}",
                kind=ApkIssueKind.TRUNCATED,
            )
        return eocd_offset, cd_offset, cd_size, n_entries

    def _zip64_end(self, eocd_offset: int) -> tuple[int, int, int] | None:
        loc_off = eocd_offset - _ZIP64_LOCATOR.size
        if loc_off < 0:
            return None
        sig, _disk, z_off, _disks = _ZIP64_LOCATOR.unpack(self._read_at(loc_off, _ZIP64_LOCATOR.size))
        if sig != _ZIP64_LOCATOR_SIG:
            return None
        if z_off + _ZIP64_EOCD.size > loc_off:
            raise ZipFormatError(f"bad zip64 end record offset{self._in()}")
        fields = _ZIP64_EOCD.unpack(self._read_at(z_off, _ZIP64_EOCD.size))
        if fields[0] != _ZIP64_EOCD_SIG:
            raise ZipFormatError(f"bad zip64 end record{self._in()}")
        return fields[7], fields[8], fields[9]

    def _read_central_directory(
        self, cd_size: int, declared_entries: int, max_entries: int, max_cd_bytes: int
    ) -> tuple[ZipEntry, ...]:
        if cd_size > max_cd_bytes:
            raise LimitExceeded(f"central directory of {cd_size} bytes is over the cap{self._in()}")
        cd = self._read_at(self.cd_offset, cd_size)
        entries: list[ZipEntry] = []
        pos = 0
        encrypted = 0
        while pos + _CDH.size <= len(cd):
            if len(entries) >= max_entries:
                raise LimitExceeded(f"more than {max_entries} zip entries{self._in()}")
            fields = _CDH.unpack_from(cd, pos)
            if fields[0] != _CDH_SIG:
                if not entries:
                    raise ZipFormatError(f"bad central directory signature{self._in()}")
                self._anomaly("junk after the central directory records")
                break
            flags, method = fields[3], fields[4]
            csize, usize = fields[8], fields[9]
            name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
            local_off = fields[16]
            end = pos + _CDH.size + name_len + extra_len + comment_len
            if end > len(cd):
                raise ZipFormatError(f"a central directory record runs past its end{self._in()}")
            raw_name = cd[pos + _CDH.size : pos + _CDH.size + name_len]
            extra = cd[pos + _CDH.size + name_len : pos + _CDH.size + name_len + extra_len]
            if 0xFFFFFFFF in (csize, usize, local_off):
                csize, usize, local_off = _apply_zip64_extra(extra, csize, usize, local_off)
            if flags & FLAG_ENCRYPTED:
                encrypted += 1
            entries.append(
                ZipEntry(
                    index=len(entries),
                    raw_name=raw_name,
                    name=raw_name.decode("utf-8", "replace"),
                    method=method,
                    flags=flags,
                    compressed_size=csize,
                    uncompressed_size=usize,
                    local_header_offset=local_off,
                )
            )
            pos = end
        if not entries:
            raise ZipFormatError(f"the central directory lists no entries{self._in()}")
        if declared_entries != len(entries) and declared_entries != 0xFFFF:
            self._anomaly(f"the end record declares {declared_entries} entries, the directory holds {len(entries)}")
        if encrypted:
            # Android never decrypts; the flag on plain entries is an anti-analysis trick.
            self._anomaly(f"{encrypted} entries carry the 'encrypted' flag; read as plain, as Android does{self._in()}")
        unknown = sum(1 for e in entries if e.method not in (STORED, DEFLATED))
        if unknown:
            self._anomaly(f"{unknown} entries declare an unknown compression method{self._in()}")
        traversal = [e for e in entries if _escapes_root(e.name)]
        if traversal:
            self._anomaly(
                f"{len(traversal)} entry names are absolute or climb out with '..' (never extracted here)",
                traversal[0].raw_name,
            )
        return tuple(entries)

    # ------------------------------------------------------------------ entries

    def read_raw(self, offset: int, n: int) -> bytes:
        """``n`` bytes of the archive at ``offset`` (for structures outside entries: the signing block)."""
        return self._read_at(offset, n)

    def get(self, name: str) -> ZipEntry | None:
        """The first entry with exactly this name (names compare as UTF-8 bytes, as on Android)."""
        return self._by_name.get(name.encode("utf-8"))

    def names(self) -> list[str]:
        """Entry names in central-directory order (untrusted text)."""
        return [e.name for e in self.entries]

    def data_start(self, entry: ZipEntry) -> int:
        """Where the entry's data begins: after its local header, whose name and extra lengths may differ
        from the central directory's."""
        header = self._read_at(entry.local_header_offset, _LFH.size)
        sig, _ver, _flags, method, _t, _d, _crc, _cs, _us, name_len, extra_len = _LFH.unpack(header)
        if sig != _LFH_SIG:
            raise ZipFormatError(f"bad local header signature{self._in()}", entry=entry.name)
        if method != entry.method:
            # Android reads the method from the central directory (the BadPack trick relies on it).
            self._anomaly("local header and central directory disagree on the compression method", entry.raw_name)
        local_name = self._read_at(entry.local_header_offset + _LFH.size, name_len)
        if local_name != entry.raw_name:
            self._anomaly("local header and central directory disagree on the name", entry.raw_name)
        return int(entry.local_header_offset + _LFH.size + name_len + extra_len)

    def read(self, entry: ZipEntry, cap: int) -> bytes:
        """The entry's bytes, at most ``cap`` of them; ``LimitExceeded`` past the cap."""
        start = self.data_start(entry)
        if entry.method == STORED:
            return self._read_stored(entry, start, entry.compressed_size, cap)
        if entry.method == DEFLATED:
            return self._inflate(entry, start, cap)
        # Unknown method: Android 9+ reads such an entry as stored, older versions inflated it.
        if entry.compressed_size == entry.uncompressed_size:
            return self._read_stored(entry, start, entry.compressed_size, cap)
        try:
            return self._inflate(entry, start, cap)
        except ZipFormatError:
            return self._read_stored(entry, start, entry.uncompressed_size, cap)

    def _read_stored(self, entry: ZipEntry, start: int, length: int, cap: int) -> bytes:
        if length > cap:
            raise LimitExceeded(f"entry of {length} bytes is over the cap of {cap}{self._in()}", entry=entry.name)
        if start + length > self.size:
            raise ZipFormatError(
                f"entry data runs past the end of the file{self._in()}", kind=ApkIssueKind.TRUNCATED, entry=entry.name
            )
        self._budget.charge(length)
        self._f.seek(start)
        data = self._f.read(length)
        if len(data) != length:
            raise ZipFormatError(f"the file ended early{self._in()}", kind=ApkIssueKind.TRUNCATED, entry=entry.name)
        return data

    def _inflate(self, entry: ZipEntry, start: int, cap: int) -> bytes:
        available = self.size - start
        if available < 0:
            raise ZipFormatError(
                f"entry data starts past the end of the file{self._in()}", kind=ApkIssueKind.TRUNCATED, entry=entry.name
            )
        to_read = min(entry.compressed_size, available)
        d = zlib.decompressobj(-15)
        out: list[bytes] = []
        produced = 0
        limit = min(cap, self._budget.remaining)
        self._f.seek(start)
        try:
            while to_read > 0 and not d.eof:
                chunk = self._f.read(min(_CHUNK, to_read))
                if not chunk:
                    break
                to_read -= len(chunk)
                while chunk and not d.eof:
                    # Never ask zlib for more than one byte past what may still be produced.
                    piece = d.decompress(chunk, limit - produced + 1)
                    produced += len(piece)
                    if produced > limit:
                        self._budget.charge(produced)
                        raise LimitExceeded(
                            f"entry inflates past the cap of {limit} bytes{self._in()}", entry=entry.name
                        )
                    out.append(piece)
                    chunk = d.unconsumed_tail
        except zlib.error as e:
            raise ZipFormatError(f"corrupt deflate data{self._in()}: {e}", entry=entry.name) from e
        if not d.eof:
            raise ZipFormatError(f"deflate data ends early{self._in()}", kind=ApkIssueKind.TRUNCATED, entry=entry.name)
        self._budget.charge(produced)
        return b"".join(out)


def _apply_zip64_extra(extra: bytes, csize: int, usize: int, local_off: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<2H", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 0x0001:
            values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            it = iter(values)
            if usize == 0xFFFFFFFF:
                usize = next(it, usize)
            if csize == 0xFFFFFFFF:
                csize = next(it, csize)
            if local_off == 0xFFFFFFFF:
                local_off = next(it, local_off)
            break
        pos += 4 + size
    return csize, usize, local_off


def _escapes_root(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")
