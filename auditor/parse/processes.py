"""Running processes, names only: ``ps -A`` text, or the JSON process list newer androidqf writes.

``ps -A`` (toybox, Android 8+) prints a header (``USER PID PPID VSZ RSS WCHAN ADDR S NAME``) and one
line per process; the name is the last column and may hold spaces (``[kworker/0:0H]`` never does, but
a command line can), so everything after the header's ``NAME`` (or ``CMD``) column start is the name.
Android 7's toolbox ``ps`` prints the same columns without ``-A``. androidqf's collector writes a JSON
array of objects with ``command_line`` (a list) and ``filename`` (``/proc/PID/stat``'s ``(name)``).
Only names are kept: which process runs is what indicator matching needs; pids and memory are not.
"""

from __future__ import annotations

from auditor.model import ParsedProcesses
from auditor.untrusted import UnsafeInputError, parse_json

_NAME_COLUMNS = ("NAME", "CMD", "COMMAND", "ARGS")


def _from_json(text: str) -> ParsedProcesses:
    try:
        data = parse_json(text, "processes.json")
    except (ValueError, UnsafeInputError):
        return ParsedProcesses(unknown=(text.strip()[:200],))
    if not isinstance(data, list):
        return ParsedProcesses(unknown=(text.strip()[:200],))
    names: dict[str, None] = {}
    unknown: list[str] = []
    for item in data:
        name = None
        if isinstance(item, dict):
            cmdline = item.get("command_line")
            if isinstance(cmdline, list) and cmdline and isinstance(cmdline[0], str) and cmdline[0].strip():
                name = cmdline[0].strip()
            elif isinstance(item.get("filename"), str) and item["filename"].strip("()"):
                name = item["filename"].strip().removeprefix("(").removesuffix(")")
        if name:
            names.setdefault(name[:256])
        else:
            unknown.append(repr(item)[:200])
    return ParsedProcesses(names=tuple(names), unknown=tuple(unknown))


def parse_ps(text: str) -> ParsedProcesses:
    """Distinct process names in first-seen order. Never raises; lines that do not fit are kept as unknown."""
    if text.lstrip().startswith("["):
        return _from_json(text)
    names: dict[str, None] = {}
    unknown: list[str] = []
    start: int | None = None
    columns = 0
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        words = line.split()
        if start is None:
            name_column = next((c for c in _NAME_COLUMNS if c in words), None)
            if words[0] in ("USER", "UID", "PID") and name_column is not None:
                columns = words.index(name_column)
                start = columns
                continue
            unknown.append(line[:200])
            continue
        parts = line.split(None, columns)
        if len(parts) <= columns:
            unknown.append(line[:200])
            continue
        names.setdefault(parts[columns].strip()[:256])
    return ParsedProcesses(names=tuple(names), unknown=tuple(unknown))
