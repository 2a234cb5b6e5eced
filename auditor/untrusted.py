"""Reading files someone else made: the one way every reader of an input opens, reads and parses a file.

Who controls what (the threat model in short): a snapshot folder, a bug report, an androidqf acquisition
or an audit JSON may be made by an adversary (the person the phone's owner fears, a fleet contributor);
``--weights``, ``--trackers``, ``--policy``, ``--redact-key-file``, ``--iocs`` and ``--key`` are named by the
person running the auditor but may have been handed to them. So every file is read as hostile:

* **Regular files only.** A file is opened with ``O_NONBLOCK`` (a FIFO cannot block the open) and checked
  with ``fstat`` before a byte is read: a FIFO would hang the run, a device (``/dev/zero``) would never end,
  a socket or folder is not data. The check is on the opened descriptor, so a file swapped between a
  check and the open cannot slip through.
* **Links inside an input stay inside.** A file inside an input folder (``raw/<id>.txt``, an androidqf
  ``getprop.txt``) is read through its real path, which must lie inside the folder's real path; a link
  that leads out (to ``/etc/shadow``, to the auditing computer's home) is refused, and the refusal names
  the file. The real path is then opened with ``O_NOFOLLOW``. A link that stays inside is read.
  A path the person running the auditor names on the command line is theirs to choose: its links are
  followed, and only the kind of file it leads to is checked.
* **Bytes are capped** per file and per input, counted on the bytes actually read or inflated, never on
  sizes a header or ``stat`` claims (a device file says 0 bytes and never ends). Each cap below says why
  it is that size.
* **Parsing is bounded.** JSON and TOML parsers recurse once per nesting level: a file nested 100,000
  deep would end in ``RecursionError``. ``parse_json`` and ``parse_toml`` turn that into one line naming the
  file. (YAML indicator files have their own event reader with a depth limit: ``auditor.iocs.yamlread``.)

A refusal is an ``UnsafeInputError`` (an ``AuditorError``: one line, exit 2, for a file named on the
command line). Inside an input folder the reader turns it into a note instead (the audit goes on without
that file, and the report says which file and why).

The auditor never writes to an input, never follows a link out of an input folder, and never runs
anything an input holds.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path
from typing import BinaryIO, Final

from auditor.errors import AuditorError

MAX_OUTPUT_BYTES: Final = 256 << 20
"""One command output or source file (``raw/<id>.txt``, androidqf ``getprop.txt``, ``packages.json``, one
``DUMP OF SERVICE`` section of a bug report). The largest real outputs are ``dumpsys package`` and
``dumpsys appops``: 682 KB for a TV box's 84 packages, 331 KB of app-ops for a tablet's 337 packages, so
about 10 KB per package; a phone with 5,000 packages stays under 60 MB. Four times that is room for vendors
that print more, and still far from a bomb."""

MAX_INPUT_BYTES: Final = 1 << 30
"""Everything kept from one input (a snapshot's outputs, the sections kept from one bug report, the files of
one acquisition). A real snapshot of a 500-app phone holds about 15 MB; 1 GiB is never a phone, and with
``fleet -j 2`` two such inputs still fit comfortably in a 24 GB machine."""

MAX_DUMPSTATE_BYTES: Final = 1 << 30
"""A bug report's dumpstate text (or androidqf's ``dumpsys.txt``), streamed: only the sections the auditor
reads are kept, so this bounds the time spent, not memory. Real dumpstates run from 20 MB (an idle phone)
to about 300 MB (a vendor build with verbose logs); beyond 1 GiB inflated it is a zip bomb, not a report."""

MAX_DOCUMENT_BYTES: Final = 64 << 20
"""A small file parsed whole: ``manifest.json`` (a 5,000-app snapshot with an APK index is about 3 MB),
``--weights`` and ``--trackers`` (the bundled ones are 20 KB and 300 KB), ``--policy`` (a few KB)."""

MAX_KEY_BYTES: Final = 1 << 20
"""A key file (``--redact-key-file``, ``--key``): a line or two of text; 1 MiB is never a key."""

_CHUNK: Final = 1 << 20


class UnsafeInputError(AuditorError):
    """A file that is not read (not a regular file, a link out of its folder, too big, too deeply nested)."""


def size_text(limit: int) -> str:
    """A byte limit in words: ``1024 MiB``, or bytes below one MiB."""
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit} bytes"


# --------------------------------------------------------------------------------------------------
# Opening and reading
# --------------------------------------------------------------------------------------------------


def open_regular(path: Path | str, *, follow: bool = True) -> BinaryIO:
    """``path`` opened for reading when it is a regular file; ``UnsafeInputError`` for anything else.

    ``O_NONBLOCK`` keeps the open of a FIFO from waiting for a writer; ``fstat`` on the descriptor then
    refuses what is not a regular file. ``follow=False`` adds ``O_NOFOLLOW``: a final symbolic link is not
    opened (for real paths already resolved inside an input folder).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise UnsafeInputError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as e:
        os.close(fd)
        raise UnsafeInputError(f"{path}: cannot read ({e.strerror or e})") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise UnsafeInputError(f"{path}: not a regular file ({_kind(mode)}); not read")
    return os.fdopen(fd, "rb")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a file"


def read_capped(f: BinaryIO, limit: int, label: str) -> bytes:
    """At most ``limit`` bytes of an open file; ``UnsafeInputError`` naming ``label`` when there are more."""
    try:
        data = f.read(limit + 1)
    except OSError as e:
        raise UnsafeInputError(f"{label}: cannot read ({e.strerror or e})") from None
    if len(data) > limit:
        raise UnsafeInputError(f"{label} is larger than {size_text(limit)}; refusing")
    return data


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file named by the person running the auditor, at most ``limit``."""
    with open_regular(path) as f:
        return read_capped(f, limit, str(path))


class Budget:
    """The bytes one input may still hand over in total (``MAX_INPUT_BYTES``), counted as they are read."""

    def __init__(self, label: str, limit: int = MAX_INPUT_BYTES) -> None:
        self.label = label
        self.limit = limit
        self.used = 0

    def take(self, count: int) -> None:
        """Count ``count`` more bytes; ``UnsafeInputError`` once the input passes its limit."""
        self.used += count
        if self.used > self.limit:
            raise UnsafeInputError(f"{self.label}: more than {size_text(self.limit)} in all; refusing the rest")

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)


class Folder:
    """An input folder whose files are read only when they (and the links to them) stay inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real = os.path.realpath(root)

    def inside(self, path: Path | str) -> bool:
        """Whether ``path``'s real location (every link resolved) lies in the folder."""
        return self._holds(os.path.realpath(path))

    def _holds(self, real: str) -> bool:
        return real == self.real or real.startswith(self.real + os.sep)

    def open(self, relative: str) -> BinaryIO:
        """The regular file at ``relative`` (POSIX parts); ``UnsafeInputError`` naming it when refused."""
        parts = relative.split("/")
        if not relative or relative.startswith("/") or ".." in parts:
            raise UnsafeInputError(f"{self.root}: refusing the path {relative[:80]!r}")
        path = self.root.joinpath(*parts)
        real = os.path.realpath(path)
        if not self._holds(real):
            raise UnsafeInputError(f"{relative} leads outside the folder {self.root}; not read")
        try:
            return open_regular(real, follow=False)
        except UnsafeInputError as e:
            raise UnsafeInputError(str(e).replace(real, relative, 1)) from None

    def read(self, relative: str, limit: int, budget: Budget | None = None) -> bytes:
        """At most ``limit`` bytes of one file of the folder, counted against ``budget`` when given."""
        cap = limit if budget is None else min(limit, budget.left)
        with self.open(relative) as f:
            try:
                data = read_capped(f, cap, relative)
            except UnsafeInputError:
                if budget is not None and cap < limit:
                    raise UnsafeInputError(
                        f"{relative}: not read, {budget.label} would pass {size_text(budget.limit)} in all"
                    ) from None
                raise
        if budget is not None:
            budget.take(len(data))
        return data


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


def parse_json(data: bytes | str, label: str) -> object:
    """Parse JSON from an untrusted file; ``UnsafeInputError`` for nesting deeper than the parser allows.

    The C parser counts its nesting against the interpreter's recursion limit (about 1,000 levels, far
    above any file the auditor reads: an audit JSON nests 8 deep) and raises ``RecursionError`` past it;
    that is turned into one line here, so no caller sees it. Other errors (``ValueError``,
    ``UnicodeDecodeError``) are left to the caller, which knows what the file should have been.
    """
    try:
        return json.loads(data)
    except RecursionError:
        raise UnsafeInputError(f"{label}: JSON nested too deeply; not read") from None


def parse_toml(text: str, label: str) -> dict[str, object]:
    """Parse TOML from an untrusted file; ``UnsafeInputError`` for nesting deeper than the parser allows.

    ``tomllib`` is recursive too (inline arrays and tables); ``tomllib.TOMLDecodeError`` is left to the
    caller, which names the line.
    """
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise UnsafeInputError(f"{label}: TOML nested too deeply; not read") from None
