"""Opening the files of an offline source, bounded: a folder, a zip on disk, or a zip held in memory.

Every offline source (bug report, androidqf) is read through a ``Container``; the rules for touching an
input file are ``auditor.untrusted``'s (regular files only, no link out of the folder, bytes capped per file
and per input), applied here to folders and zips:

* a folder's file is read through its real path, which must stay inside the folder (``untrusted.Folder``);
* a zip member is counted on the bytes actually inflated, never on the size its header claims, and every
  read of one container counts against one ``Budget`` (``MAX_INPUT_BYTES`` in all);
* a zip whose central directory lists more than ``MAX_MEMBERS`` entries is not looked into;
* folders are listed to ``MAX_DEPTH`` levels and ``MAX_MEMBERS`` entries at most (a bug report folder
  holds a whole ``FS/`` tree; only its top matters);
* a big file (a dumpstate) is handed over as a stream (``stream``), so it can be cut as it is read.

Errors are ``UnsafeInputError``/``SnapshotError`` with one line naming the file.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from abc import ABC, abstractmethod
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, BinaryIO, Final, Self, cast

from auditor.snapshot import SnapshotError
from auditor.untrusted import Budget, Folder, size_text

MAX_MEMBERS: Final = 100_000
"""A zip or folder listing more entries is not a capture (a bug report has a few thousand)."""
MAX_DEPTH: Final = 4
"""How deep a folder is listed: sources keep what matters at the top."""
_CHUNK: Final = 1 << 20

__all__ = ["MAX_DEPTH", "MAX_MEMBERS", "Container", "FolderContainer", "ZipContainer"]


def _too_big(label: str, limit: int) -> SnapshotError:
    return SnapshotError(f"{label} inflates to more than {size_text(limit)}; refusing (zip bomb?)")


class Container(ABC):
    """The files of one source, by relative POSIX name (``dumpsys.txt``, ``apks/x.apk``)."""

    label: str
    """How messages name the source."""
    budget: Budget
    """The bytes every read of this source counts against together (``MAX_INPUT_BYTES``)."""

    @abstractmethod
    def names(self) -> tuple[str, ...]:
        """Every regular file, relative, sorted (bounded by ``MAX_MEMBERS`` and, for folders, ``MAX_DEPTH``)."""

    @abstractmethod
    def read(self, name: str, limit: int) -> bytes:
        """One file's bytes, at most ``limit`` (``SnapshotError`` beyond it, or when it cannot be read)."""

    @abstractmethod
    def stream(self, name: str) -> BinaryIO:
        """One file as a stream, for a caller that reads it piece by piece and bounds it itself."""

    @abstractmethod
    def close(self) -> None:
        """Release what the container holds open."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class FolderContainer(Container):
    """A folder on disk; symbolic links that lead out of it are neither listed nor read."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root)
        self.folder = Folder(root)
        self.budget = Budget(str(root))

    def top_names(self) -> tuple[str, ...]:
        """The regular files directly in the folder (what judging a folder needs; cheap on big trees)."""
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return ()
        return tuple(sorted(e.name for e in entries[:MAX_MEMBERS] if self._top_file(e)))

    def _top_file(self, entry: os.DirEntry[str]) -> bool:
        """A regular file inside the folder; a link loop or a vanished entry is simply not one."""
        try:
            return self.folder.inside(entry.path) and entry.is_file(follow_symlinks=True)
        except OSError:
            return False

    def names(self) -> tuple[str, ...]:
        found: list[str] = []
        stack: list[tuple[str, int]] = [(str(self.root), 0)]
        while stack and len(found) < MAX_MEMBERS:
            folder, depth = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if not self.folder.inside(entry.path):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 < MAX_DEPTH:
                        stack.append((entry.path, depth + 1))
                elif entry.is_file(follow_symlinks=True):
                    found.append(PurePosixPath(os.path.relpath(entry.path, self.root)).as_posix())
        return tuple(sorted(found[:MAX_MEMBERS]))

    def read(self, name: str, limit: int) -> bytes:
        return self.folder.read(name, limit, self.budget)

    def stream(self, name: str) -> BinaryIO:
        return self.folder.open(name)

    def close(self) -> None:
        """Nothing is held open between reads."""


def open_zip(source: Path | bytes, label: str) -> zipfile.ZipFile:
    """A zip archive (a file, or bytes in memory) whose central directory is bounded."""
    try:
        zf = zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise SnapshotError(f"{label}: not a readable zip ({e})") from e
    if len(zf.infolist()) > MAX_MEMBERS:
        count = len(zf.infolist())
        zf.close()
        raise SnapshotError(f"{label}: a zip with {count} entries; not a capture")
    return zf


_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, EOFError)
"""What inflating a damaged or hostile member raises: a bad CRC, corrupt deflate data, a cut archive."""


class _Member(io.RawIOBase):
    """A zip member whose read errors, however deep in the archive they arise (corrupt deflate data is only
    found while inflating), are one ``SnapshotError`` naming the member."""

    def __init__(self, member: IO[bytes], label: str) -> None:
        self._member = member
        self._label = label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            count: int = self._member.readinto(buffer)  # type: ignore[attr-defined]
            return count
        except _ZIP_ERRORS as e:
            raise SnapshotError(f"{self._label}: cannot read ({e})") from e

    def close(self) -> None:
        self._member.close()
        super().close()


class ZipContainer(Container):
    """The members of a zip under one folder of it (``prefix``, ``""`` for the root)."""

    def __init__(self, zf: zipfile.ZipFile, label: str, prefix: str = "") -> None:
        self.zf = zf
        self.label = label
        self.prefix = prefix
        self.budget = Budget(label)

    @classmethod
    def open(cls, source: Path | bytes, label: str, prefix: str = "") -> ZipContainer:
        return cls(open_zip(source, label), label, prefix)

    def names(self) -> tuple[str, ...]:
        n = len(self.prefix)
        return tuple(
            sorted(i.filename[n:] for i in self.zf.infolist() if not i.is_dir() and i.filename.startswith(self.prefix))
        )

    def read(self, name: str, limit: int) -> bytes:
        data = bytearray()
        with self.stream(name) as f:
            while chunk := f.read(_CHUNK):
                if len(data) + len(chunk) > limit:
                    raise _too_big(f"{self.label}: {self.prefix + name}", limit)
                self.budget.take(len(chunk))
                data += chunk
        return bytes(data)

    def stream(self, name: str) -> BinaryIO:
        member = self.prefix + name
        try:
            opened = self.zf.open(member)
        except KeyError as e:
            raise SnapshotError(f"{self.label}: no {member} in the zip") from e
        except _ZIP_ERRORS as e:
            raise SnapshotError(f"{self.label}: cannot read {member} ({e})") from e
        return cast(BinaryIO, io.BufferedReader(_Member(opened, f"{self.label}: {member}")))

    def close(self) -> None:
        self.zf.close()


def top_level(names: tuple[str, ...] | list[str]) -> list[str]:
    """Names grouped by their first part, for notes: ``files.json``, ``apks/ (12 files)``."""
    files: list[str] = []
    folders: dict[str, int] = {}
    for name in names:
        head, sep, _ = name.partition("/")
        if sep:
            folders[head] = folders.get(head, 0) + 1
        else:
            files.append(name)
    return sorted(files) + [f"{d}/ ({n} file{'s' if n != 1 else ''})" for d, n in sorted(folders.items())]
