"""Where every output goes, and whether it may go there. Every command writes through here.

Why one place: what the auditor writes describes a person's phone (a snapshot, a report, a fleet of
phones), and the places it is told to write can be planted by someone else (a shared folder) or
simply mistyped. So the rules are decided once, for the audit report, the snapshot and its ``raw/`` and
``apks/``, the synthetic forms, the diff, the APK analysis and its cache, the fleet page and its tables:

* ``-`` means standard output (where the command offers it).
* A **regular file** is replaced atomically: the bytes go to a temporary file created beside it
  (``mkstemp``: a new name, ``O_EXCL``), flushed to disk and renamed over the target when complete,
  so an interrupted run never leaves half a file that looks finished, and nobody can slip a file in
  under the temporary name.
* A **symbolic link** as the last part of the path is refused: write to the real path instead. A link
  planted in a shared folder would otherwise send a report (or a phone's full dumps) wherever its
  author chose; replacing the link itself would silently leave the file it names unchanged. Links
  in the folders above the last part are the user's own layout and are followed.
* Anything else that is not a regular file — a folder where a file is wanted, a FIFO, a device, a
  socket — is refused after an ``lstat``, without opening it (opening a FIFO for writing blocks).
* The target's folder must already exist, be a folder and be writable: a path under a regular file,
  under a missing folder or in a read-only folder is refused with one line. Only the default
  ``reports/`` folder (when no ``--out`` is given) and the folders a command's output *is* (``collect
  --out DIR``, ``synth DIR``, ``fleet --export-dir DIR``, the APK cache, a snapshot's ``raw/`` and
  ``apks/``) are created, by ``ensure_folder``; such a folder that exists as a symlink or as anything
  but a folder is refused the same way.
* Modes do not depend on the umask: every file written is 0600 and every folder created is 0700
  (owner only), because each of them may hold a serial, an Android ID, accounts or full dumps.

Every refusal is an ``OutputError`` (an ``AuditorError``: one line, exit code 2).
Text is UTF-8 and written as given: no newline translation (CSV carries its own CRLF line ends).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, TypeAlias

from auditor.errors import AuditorError

STDOUT: Final = Path("-")
"""The ``--out`` value that means standard output."""

FILE_MODE: Final = 0o600
"""Mode of every file written: it describes a person's phone."""

FOLDER_MODE: Final = 0o700
"""Mode of every folder created."""

_BLOCK: Final = 1 << 16
"""Characters of rendered text encoded and written at once."""

Rendered: TypeAlias = str | Iterable[str]
"""A rendered output: the whole text, or its pieces in order (the fleet page streams, so that a
5,000-device page never exists whole in memory)."""


class OutputError(AuditorError):
    """A place the auditor will not write to, with the reason on one line."""


def _kind(mode: int) -> str:
    """What a file system entry is, in words."""
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "of an unknown kind"


def _lstat(path: Path) -> os.stat_result | None:
    """``path``'s own status (a link is not followed), or ``None`` when nothing is there."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise OutputError(f"cannot write {path}: a part of its folder path is a file, not a folder") from None
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None


def check_folder(folder: Path, *, wanted_by: Path) -> None:
    """Raise ``OutputError`` unless ``folder`` exists, is a folder (links above are followed) and is writable."""
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        raise OutputError(f"cannot write {wanted_by}: the folder {folder} does not exist") from None
    except NotADirectoryError:
        raise OutputError(f"cannot write {wanted_by}: a part of {folder} is a file, not a folder") from None
    except OSError as e:
        raise OutputError(f"cannot write {wanted_by}: {folder}: {e.strerror or e}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {wanted_by}: {folder} is {_kind(st.st_mode)}, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {wanted_by}: the folder {folder} is not writable")


def check_file_target(path: Path) -> None:
    """Raise ``OutputError`` unless ``path`` may be (re)placed by a regular file; opens nothing.

    Called before long work (a collection, a fleet run) so a bad ``--out`` fails at once, and again by
    ``AtomicFile`` when the file is written.
    """
    st = _lstat(path)
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise OutputError(
                f"{path} is a symbolic link; refusing to write through it (give the real path of the file)"
            )
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{path} is {_kind(st.st_mode)}, not a regular file; refusing to write to it")
    check_folder(path.parent, wanted_by=path)


def check_folder_target(folder: Path) -> bool:
    """Raise ``OutputError`` unless ``folder`` is a real, writable folder or can be created as one
    (its parent is a writable folder); opens and creates nothing. Returns whether it exists."""
    st = _lstat(folder)
    if st is None:
        check_folder(folder.parent, wanted_by=folder)
        return False
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{folder} is a symbolic link; refusing to write through it (give the real folder)")
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{folder} is {_kind(st.st_mode)}, not a folder; refusing to write into it")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write into {folder}: the folder is not writable")
    return True


def ensure_folder(folder: Path, *, parents: bool = False) -> Path:
    """Make sure ``folder`` is a real folder to write in, creating it (mode 0700) when missing.

    Its parent must exist unless ``parents`` (used for the APK cache under ``~/.cache`` only; the
    folders created on the way are 0700 too). A symlink or anything but a folder at ``folder`` is
    refused, as is a folder that cannot be written (``check_folder_target``). Returns ``folder``.
    """
    if parents and folder.parent != folder and _lstat(folder.parent) is None:
        ensure_folder(folder.parent, parents=True)
    if check_folder_target(folder):
        return folder
    try:
        folder.mkdir(mode=FOLDER_MODE)
    except FileExistsError:  # made by someone else in between: checked again below
        pass
    except OSError as e:
        raise OutputError(f"cannot create the folder {folder}: {e.strerror or e}") from None
    else:
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is narrowed by the umask; set it exactly
    check_folder_target(folder)
    return folder


class AtomicFile:
    """A file that appears whole or not at all, owner-only (0600).

    Bytes go to a temporary file beside ``path`` (``mkstemp``: exclusive, a fresh name); ``commit``
    flushes it to disk and renames it over ``path``; ``discard`` removes it. As a context manager it
    commits when the block ends normally and discards on any exception (an interrupt included). The
    fleet's tables hold one open for the whole run and commit them together at the end.
    ``OutputError`` when ``path`` may not be written (see the module's rules).
    """

    def __init__(self, path: Path) -> None:
        check_file_target(path)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as e:
            raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
        os.fchmod(fd, FILE_MODE)  # mkstemp asks for 0600, the umask could narrow it: set it exactly
        self.path = path
        self._tmp = Path(tmp)
        self._file: BinaryIO = os.fdopen(fd, "wb")

    @property
    def temporary(self) -> Path:
        """Where the bytes are until ``commit`` (for a writer that fills the file by its path)."""
        return self._tmp

    def write(self, data: bytes) -> None:
        """Append ``data`` to the temporary file."""
        self._file.write(data)

    def commit(self) -> None:
        """Flush the temporary file to disk and give it the target's name (replacing the file there).

        The target is checked again just before: a link or a FIFO put there during a long run is
        refused as it would have been at the start.
        """
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            check_file_target(self.path)
            os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Close and remove the temporary file; the target is left as it was. Safe after ``commit``."""
        self._file.close()
        with contextlib.suppress(OSError):
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as ``AtomicFile`` does (whole or not at all, 0600, checked first)."""
    with AtomicFile(path) as f:
        f.write(data)


def write_output(target: Path, rendered: Rendered) -> None:
    """Write a rendered output to ``target``: standard output for ``-`` (``STDOUT``), else a file.

    A file is written as ``AtomicFile`` writes it; its folder must exist (``ensure_folder`` makes the
    ones a command owns). A renderer that fails part-way (``rendered`` may be a generator) leaves no
    file behind.
    """
    chunks: Iterable[str] = (rendered,) if isinstance(rendered, str) else rendered
    if target == STDOUT:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()  # before whatever the command prints next on standard error
        return
    with AtomicFile(target) as f:
        # A template yields many small pieces: encode them a block at a time, not one by one.
        block: list[str] = []
        size = 0
        for chunk in chunks:
            block.append(chunk)
            size += len(chunk)
            if size >= _BLOCK:
                f.write("".join(block).encode("utf-8"))
                block.clear()
                size = 0
        f.write("".join(block).encode("utf-8"))
