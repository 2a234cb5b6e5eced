"""Cutting a ``dumpsys`` concatenation (bug report dumpstate, androidqf ``dumpsys.txt``) into sections, streamed.

Both hold ``DUMP OF SERVICE <name>:`` headers (since Android 8 sometimes with a priority word:
``DUMP OF SERVICE CRITICAL <name>:``), each section ending at a line of dashes or at the duration
line ``--------- 0.053s was the duration of dumpsys <name>, …``. A bug report also holds
``------ SYSTEM PROPERTIES (getprop) ------`` style sections for commands it ran.

Why streamed: a dumpstate is tens of MB, and a hostile bug report zip of 1 MB can inflate to 1 GiB.
Reading it whole, decoding it and cutting it cost about four times its size in memory (4.1 GB for a
1000 MiB dumpstate). Here the text is decoded chunk by chunk and cut as lines arrive; only the sections a
caller asks for are kept (each at most ``MAX_OUTPUT_BYTES``, all together within the input's ``Budget``),
the others are only named. Peak memory is what is kept, not what was read. A line longer than
``_LONGEST_LINE`` is handled in pieces, so one endless line cannot fill memory either.
"""

from __future__ import annotations

import codecs
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Final

from auditor.parse.text import detect_encoding
from auditor.untrusted import (
    MAX_DUMPSTATE_BYTES,
    MAX_OUTPUT_BYTES,
    Budget,
    UnsafeInputError,
    size_text,
)

_HEADER: Final = "DUMP OF SERVICE "
_PRIORITIES: Final = ("CRITICAL ", "HIGH ", "NORMAL ")
_DASHES: Final = "-" * 79
_CHUNK: Final = 1 << 20
_LONGEST_LINE: Final = 1 << 20
"""Longer lines are cut in pieces (no header is that long; a dump of binary bytes can be)."""


@dataclass
class Cut:
    """What a dumpstate holds: the sections asked for, and the names of all the others."""

    services: dict[str, str] = field(default_factory=dict)
    """Service name → dumpsys text, for the services asked for (dumped twice: the longer text)."""
    service_names: list[str] = field(default_factory=list)
    """Every service dumped, in order, each once."""
    commands: dict[str, str] = field(default_factory=dict)
    """Title asked for → body of its first ``------ TITLE (command) ------`` section."""
    titles: list[str] = field(default_factory=list)
    """The titles of every command section, in order, each once (duration lines are not sections)."""
    refused: list[str] = field(default_factory=list)
    """Sections asked for and not kept, with the reason (one line each, for notes)."""


class _Section:
    """One section being kept: its lines, and their size so far."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: list[str] = []
        self.size = 0

    def text(self) -> str:
        return "".join(self.parts)


class Splitter:
    """Feeds on lines and cuts them into sections (see the module docstring)."""

    def __init__(
        self,
        services: Collection[str] | None,
        titles: Collection[str] = (),
        *,
        budget: Budget | None = None,
        section_limit: int = MAX_OUTPUT_BYTES,
    ) -> None:
        self.want_services = services
        """``None``: keep every service."""
        self.want_titles = tuple(titles)
        self.budget = budget
        self.section_limit = section_limit
        self.cut = Cut()
        self._names: set[str] = set()
        self._titles: set[str] = set()
        self._service: _Section | None = None
        self._in_service = False
        self._commands: list[_Section] = []
        self._first_line = True
        self._dropped: set[str] = set()

    # -- one line ----------------------------------------------------------------------------

    def line(self, line: str, *, whole: bool = True) -> None:
        """One line with its ``\\n`` (``whole=False``: a later piece of a long line, never a header)."""
        bare = line.rstrip("\n")
        if whole and bare.startswith(_HEADER):
            self._close_service()
            self._open_service(bare)
        elif whole and self._in_service and (bare.startswith("--------- ") or bare == _DASHES):
            self._close_service()
        elif self._service is not None:
            self._add(self._service, line)
        if whole and bare.startswith("------ "):
            self._close_commands()
            if not self._first_line:
                self._title(bare)
            self._open_commands(bare)
        else:
            for section in self._commands:
                self._add(section, line)
        self._first_line = False

    def _open_service(self, header: str) -> None:
        name = header[len(_HEADER) :].strip().rstrip(":")
        for prio in _PRIORITIES:
            if name.startswith(prio):
                name = name[len(prio) :]
        if name not in self._names:
            self._names.add(name)
            self.cut.service_names.append(name)
        self._in_service = True
        if self.want_services is None or name in self.want_services:
            self._service = _Section(name)

    def _close_service(self) -> None:
        section, self._service, self._in_service = self._service, None, False
        if section is None:
            return
        kept = self.cut.services.get(section.name)
        if kept is None or section.size > len(kept):
            self.cut.services[section.name] = section.text()

    def _title(self, bare: str) -> None:
        if not bare.endswith(" ------") or "was the duration of" in bare:
            return
        title = bare[len("------ ") : -len(" ------")]
        title = title.rsplit(" (", 1)[0] if title.endswith(")") else title
        title = title.strip()[:120]
        if title and title not in self._titles:
            self._titles.add(title)
            self.cut.titles.append(title)

    def _open_commands(self, bare: str) -> None:
        for title in self.want_titles:
            if title in self.cut.commands or title in self._dropped or any(s.name == title for s in self._commands):
                continue
            if bare.startswith(f"------ {title}"):
                self._commands.append(_Section(title))

    def _close_commands(self) -> None:
        for section in self._commands:
            self.cut.commands.setdefault(section.name, section.text())
        self._commands = []

    def _add(self, section: _Section, line: str) -> None:
        size = len(line)
        if section.size + size > self.section_limit:
            self._refuse(section, f"larger than {size_text(self.section_limit)}; not read")
            return
        if self.budget is not None:
            try:
                self.budget.take(size)
            except UnsafeInputError:
                self._refuse(section, f"not read, the input would pass {size_text(self.budget.limit)} in all")
                return
        section.parts.append(line)
        section.size += size

    def _refuse(self, section: _Section, why: str) -> None:
        """Drop a section that grew too big: its lines are freed now, and the reason is kept for a note."""
        if self.budget is not None:
            self.budget.used -= section.size
        if section is self._service:
            self._service = None
            self.cut.refused.append(f"DUMP OF SERVICE {section.name}: {why}")
        else:
            self._commands.remove(section)
            self._dropped.add(section.name)
            self.cut.refused.append(f"{section.name}: {why}")

    def finish(self) -> Cut:
        """The sections, once every line was fed."""
        self._close_service()
        self._close_commands()
        return self.cut


# --------------------------------------------------------------------------------------------------
# Feeding text or a stream
# --------------------------------------------------------------------------------------------------


def _lines(text: str) -> Iterator[tuple[str, bool]]:
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start : end + 1], True
        start = end + 1
    if start < len(text):
        yield text[start:], True


def decoded_lines(stream: BinaryIO, label: str, limit: int = MAX_DUMPSTATE_BYTES) -> Iterator[tuple[str, bool]]:
    """(line, whole) pairs of a byte stream decoded like ``decode_output`` does, chunk by chunk.

    The encoding is judged on the first chunk (BOM, UTF-16 without one); NULs are dropped and ``\\r\\n``
    and lone ``\\r`` become ``\\n``. More than ``limit`` bytes is a ``UnsafeInputError`` (a zip bomb).
    """
    total = 0
    decoder: codecs.IncrementalDecoder | None = None
    carry = ""
    whole = True
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except (OSError, ValueError, EOFError) as e:
            raise UnsafeInputError(f"{label}: cannot read ({e})") from None
        total += len(chunk)
        if total > limit:
            raise UnsafeInputError(f"{label} inflates to more than {size_text(limit)}; refusing (zip bomb?)")
        if decoder is None:
            if not chunk:
                return
            encoding, skip = detect_encoding(chunk)
            decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
            chunk = chunk[skip:]
        text = decoder.decode(chunk, final=not chunk)
        if "\x00" in text:
            text = text.replace("\x00", "")
        text = carry + text
        carry = ""
        if chunk and text.endswith("\r"):
            text, carry = text[:-1], "\r"
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        start = 0
        while (end := text.find("\n", start)) != -1:
            yield text[start : end + 1], whole
            whole = True
            start = end + 1
        rest = text[start:]
        if not chunk:
            if rest:
                yield rest, whole
            return
        if len(rest) > _LONGEST_LINE:
            yield rest, whole
            whole = False
        else:
            carry = rest + carry


def cut_lines(
    lines: Iterable[tuple[str, bool]],
    services: Collection[str] | None,
    titles: Collection[str] = (),
    *,
    budget: Budget | None = None,
    section_limit: int = MAX_OUTPUT_BYTES,
) -> Cut:
    """The sections of a dumpstate's lines (``services=None``: keep every service)."""
    splitter = Splitter(services, titles, budget=budget, section_limit=section_limit)
    for line, whole in lines:
        splitter.line(line, whole=whole)
    return splitter.finish()


def split_services(text: str) -> dict[str, str]:
    """Service name → dumpsys text. A service dumped twice (per priority) keeps the longer text."""
    return cut_lines(_lines(text), None).services


def command_section(text: str, title: str) -> str | None:
    """The body of a ``------ TITLE (command) ------`` section of a dumpstate, if present."""
    return cut_lines(_lines(text), (), (title,)).commands.get(title)


def command_titles(text: str) -> list[str]:
    """The titles of every ``------ TITLE (command) ------`` section, in order, each once (duration lines
    ``------ 0.01s was the duration of 'TITLE' ------`` are not sections)."""
    return cut_lines(_lines(text), ()).titles
