"""Cutting a ``dumpsys`` concatenation (bug report dumpstate, androidqf ``dumpsys.txt``) into services.

Both hold ``DUMP OF SERVICE <name>:`` headers (since Android 8 sometimes with a priority word:
``DUMP OF SERVICE CRITICAL <name>:``), each section ending at a line of dashes or at the duration
line ``--------- 0.053s was the duration of dumpsys <name>, …``. A bug report also holds
``------ SYSTEM PROPERTIES (getprop) ------`` style sections for commands it ran.
"""

from __future__ import annotations

_HEADER = "DUMP OF SERVICE "
_PRIORITIES = ("CRITICAL ", "HIGH ", "NORMAL ")


def _section_end(text: str, start: int) -> int:
    """End of a section body: the duration line, a dashed separator or the next header."""
    candidates = [
        text.find("\n--------- ", start),
        text.find("\n-------------------------------------------------------------------------------\n", start),
        text.find("\n" + _HEADER, start),
    ]
    found = [c for c in candidates if c != -1]
    return min(found) + 1 if found else len(text)


def split_services(text: str) -> dict[str, str]:
    """Service name → dumpsys text. A service dumped twice (per priority) keeps the longer text."""
    sections: dict[str, str] = {}
    pos = 0
    while True:
        found = text.find(_HEADER, pos)
        if found == -1:
            break
        if found and text[found - 1] != "\n":
            pos = found + len(_HEADER)
            continue
        line_end = text.find("\n", found)
        line_end = len(text) if line_end == -1 else line_end
        name = text[found + len(_HEADER) : line_end].strip().rstrip(":")
        for prio in _PRIORITIES:
            if name.startswith(prio):
                name = name[len(prio) :]
        end = _section_end(text, line_end)
        body = text[line_end + 1 : end]
        if name not in sections or len(body) > len(sections[name]):
            sections[name] = body
        pos = max(end, line_end + 1)
    return sections


def command_section(text: str, title: str) -> str | None:
    """The body of a ``------ TITLE (command) ------`` section of a dumpstate, if present."""
    header = f"------ {title}"
    found = text.find(header)
    if found == -1:
        return None
    body_start = text.find("\n", found)
    if body_start == -1:
        return ""
    end = text.find("\n------ ", body_start)
    return text[body_start + 1 : end + 1 if end != -1 else len(text)]


def command_titles(text: str) -> list[str]:
    """The titles of every ``------ TITLE (command) ------`` section, in order, each once (duration lines
    ``------ 0.01s was the duration of 'TITLE' ------`` are not sections)."""
    titles: dict[str, None] = {}
    pos = 0
    while (found := text.find("\n------ ", pos)) != -1:
        line_end = text.find("\n", found + 1)
        line = text[found + 1 : line_end if line_end != -1 else len(text)]
        pos = found + 1
        if not line.endswith(" ------") or "was the duration of" in line:
            continue
        title = line[len("------ ") : -len(" ------")]
        title = title.rsplit(" (", 1)[0] if title.endswith(")") else title
        if title.strip():
            titles.setdefault(title.strip()[:120])
    return list(titles)
