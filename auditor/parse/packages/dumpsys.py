"""``dumpsys package`` (full, or many per-package dumps concatenated): finding the three sections
that matter and handing each to a ``_SectionReader``."""

from __future__ import annotations

import logging
import re
from typing import Final

from auditor.model import (
    ParsedPackageDump,
)
from auditor.parse.markers import MARKER
from auditor.parse.packages.blocks import _DumpAcc
from auditor.parse.packages.sections import _SEC_HIDDEN, _SEC_PACKAGES, _SEC_SHARED, _SectionReader

logger = logging.getLogger(__name__)

_EV_MARKER: Final = 3

_HEADERS: Final = (
    ("\nPackages:", _SEC_PACKAGES),
    ("\nHidden system packages:", _SEC_HIDDEN),
    ("\nShared users:", _SEC_SHARED),
)


# --------------------------------------------------------------------------------------------------
# dumpsys package: finding the sections
# --------------------------------------------------------------------------------------------------

_TOP_LEVEL: Final = re.compile(r"\n(?=[^ \n])")
"""A line that starts at column 0: the end of the current top-level section."""


class _Finder:
    """Next occurrence of each needle at or after a position, each text searched once overall."""

    __slots__ = ("_next", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._next: dict[str, int] = {}

    def find(self, needle: str, pos: int) -> int:
        found = self._next.get(needle, -2)
        if found == -1 or found >= pos:
            return found
        found = self._text.find(needle, pos)
        self._next[needle] = found
        return found

    def next_event(self, pos: int) -> tuple[int, int]:
        """Start of the next relevant header line or marker, and its kind; ``(-1, -1)`` if none."""
        text = self._text
        best, kind = -1, -1
        for needle, section in _HEADERS:
            at = self.find(needle, pos - 1)
            while at != -1:
                end = text.find("\n", at + 1)
                rest = text[at + len(needle) : len(text) if end == -1 else end]
                if not rest.strip():
                    break
                at = self.find(needle, at + 1)  # "Packages: …" is not the header
            if at != -1 and (best == -1 or at + 1 < best):
                best, kind = at + 1, section
        marker = self.find(MARKER, pos)
        if marker != -1 and (best == -1 or marker < best):
            best, kind = marker, _EV_MARKER
        return best, kind


def _section_end(text: str, start: int, finder: _Finder) -> tuple[int, int, bool]:
    """Where the section starting at ``start`` ends: (chunk end, resume position, at part end).

    A section ends at the next line that starts at column 0, or at a marker (even one in the
    middle of a line, which means the loop's previous command was cut off).
    """
    marker = finder.find(MARKER, start)
    limit = len(text) if marker == -1 else marker
    search_from = start - 1
    while True:
        match = _TOP_LEVEL.search(text, search_from, limit)
        if match is None:
            return limit, limit, True
        newline = match.start()
        end = text.find("\n", newline + 1, limit)
        head = text[newline + 1 : limit if end == -1 else end].rstrip()
        if head.endswith("overlay paths:") and not head.startswith(MARKER):
            search_from = newline + 1  # Android 12 column-0 quirk, see _SectionReader.shallow
            continue
        return newline, newline + 1, False


def _skip_gap(text: str, start: int, end: int, unknown: list[str]) -> None:
    """Text between the relevant sections: keep stray lines, skip whole irrelevant sections.

    Lines before the first top-level header (``Xxx:`` at column 0) of the gap belong to no section
    (an error message, a comment a capture tool added, the cut-off start of a section): they go to
    ``unknown``. From the first header on, the gap is an irrelevant section and is not read.
    """
    pos = start
    while pos < end:
        newline = text.find("\n", pos, end)
        stop = end if newline == -1 else newline
        line = text[pos:stop]
        stripped = line.strip()
        if stripped:
            if line[0] not in " \t" and stripped[-1] == ":":
                return
            unknown.append(line)
        pos = stop + 1


def parse_dumpsys_package(text: str) -> ParsedPackageDump:
    """Parse a full ``dumpsys package`` or many concatenated ``dumpsys package <pkg>`` outputs.

    Returns every package of ``Packages:`` (merged by name), the factory copies of
    ``Hidden system packages:`` (``hidden_system=True``) and every ``SharedUser`` block (merged by
    name). ``requested_permissions`` is ``None`` for a package whose dump had no such section (full
    dumps before Android 12 print it only for ``dumpsys package <pkg>``). ``truncated`` is set when
    the text was visibly cut: it ends without a newline inside a section, a marker interrupts a
    line, or the last line of a section is a half permission line or a bare block header.
    Never raises.
    """
    dump = _DumpAcc()
    buf = "\n" + text  # every line, the first included, now follows a "\n"
    size = len(buf)
    finder = _Finder(buf)
    pos = 1
    while pos < size:
        event, kind = finder.next_event(pos)
        _skip_gap(buf, pos, size if event == -1 else event, dump.unknown)
        if event == -1:
            break
        newline = buf.find("\n", event)
        if kind == _EV_MARKER:
            if buf[event - 1] != "\n":
                dump.truncated = True  # the previous command's output stops mid-line
            pos = size if newline == -1 else newline + 1
            continue
        if newline == -1:
            dump.truncated = True  # the text stops right after a section header
            break
        chunk_end, pos, part_end = _section_end(buf, newline + 1, finder)
        cut = _SectionReader(kind, dump).read(buf[newline + 1 : chunk_end].split("\n"))
        if part_end and (cut or (chunk_end == size and not text.endswith("\n"))):
            dump.truncated = True
    result = ParsedPackageDump(
        packages=tuple(block.build_package() for block in dump.packages.values()),
        hidden_system_packages=tuple(block.build_package() for block in dump.hidden.values()),
        shared_users=tuple(block.build_shared_user() for block in dump.shared.values()),
        truncated=dump.truncated,
        unknown=tuple(dump.unknown),
    )
    logger.debug(
        "dumpsys package: %d packages, %d hidden, %d shared users, truncated=%s, %d unknown lines",
        len(result.packages),
        len(result.hidden_system_packages),
        len(result.shared_users),
        result.truncated,
        len(result.unknown),
    )
    return result
