"""The device side of the file-sync service (``sync:``), read-only: STAT, LIST, RECV, QUIT.

Requests are ``<id:4><length:u32><path>``; the host may split or join them across WRTE packets, so
they are parsed from a byte buffer. Answers: ``STAT`` + mode, size, mtime (all zero for a missing
file, as adbd's v1 STAT does); ``DENT`` entries then ``DONE`` for LIST; ``DATA`` blocks of at most
64 KiB then ``DONE`` for RECV, or ``FAIL`` + message. Writes (``SEND``) are refused: the simulated
device, like the auditor, is read-only.
"""

from __future__ import annotations

import posixpath
import struct
from collections.abc import Mapping
from dataclasses import dataclass

_REQ = struct.Struct("<4sI")
_STAT = struct.Struct("<4sIII")
_DENT = struct.Struct("<4sIIII")
SYNC_DATA_MAX = 64 * 1024
_PATH_MAX = 1024
_DIR_MODE = 0o040755


@dataclass(frozen=True)
class SimFile:
    """A file the simulated device serves."""

    data: bytes
    mode: int = 0o100644
    mtime: int = 1_700_000_000
    readable: bool = True
    """False: STAT answers, RECV fails with "Permission denied" (an APK the shell user cannot read)."""
    declared_size: int | None = None
    """The size STAT reports, when it should lie (a hostile phone declares 1,000 bytes and sends more)."""


def _fail(message: str) -> bytes:
    raw = message.encode()
    return _REQ.pack(b"FAIL", len(raw)) + raw


class SyncSession:
    """One ``sync:`` stream: feed it the host's bytes, get the answer bytes back."""

    def __init__(self, files: Mapping[str, SimFile], *, log: list[tuple[str, str]] | None = None) -> None:
        self._files = files
        self._log = log
        """Every request as (verb, path), for tests that check what a host asked for."""
        self._buf = bytearray()
        self.closed = False
        """True after QUIT or a refused request: the stream should be closed."""

    def _is_dir(self, path: str) -> bool:
        prefix = path.rstrip("/") + "/"
        return path == "/" or any(name.startswith(prefix) for name in self._files)

    def _stat(self, path: str) -> bytes:
        f = self._files.get(path)
        if f is not None:
            size = len(f.data) if f.declared_size is None else f.declared_size
            return _STAT.pack(b"STAT", f.mode, size, f.mtime)
        if self._is_dir(path):
            return _STAT.pack(b"STAT", _DIR_MODE, 4096, 0)
        return _STAT.pack(b"STAT", 0, 0, 0)

    def _list(self, path: str) -> bytes:
        prefix = path.rstrip("/") + "/"
        out = bytearray()
        seen: set[str] = set()
        for name, f in sorted(self._files.items()):
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            child = rest.split("/", 1)[0]
            if child in seen:
                continue
            seen.add(child)
            raw = child.encode()
            if "/" in rest:
                out += _DENT.pack(b"DENT", _DIR_MODE, 4096, 0, len(raw)) + raw
            else:
                out += _DENT.pack(b"DENT", f.mode, len(f.data), f.mtime, len(raw)) + raw
        return bytes(out + _DENT.pack(b"DONE", 0, 0, 0, 0))

    def _recv(self, path: str) -> bytes:
        f = self._files.get(path)
        if f is None:
            return _fail("open failed: Is a directory" if self._is_dir(path) else "No such file or directory")
        if not f.readable:
            return _fail("open failed: Permission denied")
        out = bytearray()
        for at in range(0, len(f.data), SYNC_DATA_MAX):
            block = f.data[at : at + SYNC_DATA_MAX]
            out += _REQ.pack(b"DATA", len(block)) + block
        return bytes(out + _REQ.pack(b"DONE", 0))

    def feed(self, data: bytes) -> bytes:
        """Consume host bytes; return whatever answers are complete."""
        self._buf += data
        out = bytearray()
        while not self.closed and len(self._buf) >= _REQ.size:
            verb, length = _REQ.unpack_from(self._buf)
            if verb == b"QUIT":
                self.closed = True
                break
            if verb not in (b"STAT", b"LIST", b"RECV"):
                if self._log is not None:
                    self._log.append((verb.decode("ascii", "replace"), ""))
                out += _fail("read-only device" if verb == b"SEND" else f"unknown sync request {verb!r}")
                self.closed = True
                break
            if length > _PATH_MAX:
                out += _fail("path too long")
                self.closed = True
                break
            if len(self._buf) < _REQ.size + length:
                break
            path = posixpath.normpath(bytes(self._buf[_REQ.size : _REQ.size + length]).decode("utf-8", "replace"))
            del self._buf[: _REQ.size + length]
            if self._log is not None:
                self._log.append((verb.decode("ascii", "replace"), path))
            if verb == b"STAT":
                out += self._stat(path)
            elif verb == b"LIST":
                out += self._list(path)
            else:
                out += self._recv(path)
        return bytes(out)
