"""Where a rendered output goes: a file, or standard output for ``-``. Every command writes through here.

Why one place: a report describes a person's phone (a fleet page, many phones), so how it lands on
disk is decided once, for the audit report, the diff, the APK analysis, the fleet page and the
fleet's tables alike: a file is written whole or not at all (a temporary file in the same folder,
renamed over the target when complete, so an interrupted run never leaves half a report that looks
finished), and it is readable by its owner only (mode 0600, from ``tempfile.mkstemp``).

Text is UTF-8 and written as given: no newline translation (CSV carries its own CRLF line ends).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, TypeAlias

STDOUT: Final = Path("-")
"""The ``--out`` value that means standard output."""

_BLOCK: Final = 1 << 16
"""Characters of rendered text encoded and written at once."""

Rendered: TypeAlias = str | Iterable[str]
"""A rendered output: the whole text, or its pieces in order (the fleet page streams, so that a
5,000-device page never exists whole in memory)."""


class AtomicFile:
    """A file that appears whole or not at all.

    Bytes go to a temporary file beside ``path`` (created owner-only); ``commit`` renames it over
    ``path`` and ``discard`` removes it. As a context manager it commits when the block ends normally
    and discards on any exception (an interrupt included). The fleet's tables hold one open for the
    whole run and commit them together at the end.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        self.path = path
        self._tmp = Path(tmp)
        self._file: BinaryIO = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        """Append ``data`` to the temporary file."""
        self._file.write(data)

    def commit(self) -> None:
        """Close the temporary file and give it the target's name (replacing what was there)."""
        self._file.close()
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        """Close and remove the temporary file; the target is left as it was. Safe after ``commit``."""
        self._file.close()
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


def write_output(target: Path, rendered: Rendered) -> None:
    """Write a rendered output to ``target``: standard output for ``-`` (``STDOUT``), else a file.

    A file is written as ``AtomicFile`` writes it; its folder is created when missing. A renderer
    that fails part-way (``rendered`` may be a generator) leaves no file behind.
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
