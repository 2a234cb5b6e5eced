"""Root tools on the device: the plan's ``ls -d`` over the usual paths, or androidqf's ``root_binaries.json``.

The plan asks ``ls -d PATH… 2>&1`` (``auditor.sections``: ``ROOT_BINARIES``): toybox ``ls`` prints each
path that exists on a line of its own and an error line for each one that does not
(``ls: /sbin/su: No such file or directory``) or that the shell may not look at
(``ls: /data/adb/magisk: Permission denied``); the last kind is unknown, not absent. androidqf runs
``which -a`` per tool name and writes the paths found as a JSON array of strings (``which`` may print
several lines for one name, so an entry can hold more than one path).
"""

from __future__ import annotations

import re

from auditor.model import ParsedRootCheck
from auditor.untrusted import UnsafeInputError, parse_json

_ERROR = re.compile(r"^ls: (?P<path>/\S*): (?P<why>.+)$")
_ABSENT = ("No such file or directory", "Not a directory")


def _split_paths(entry: str) -> list[str]:
    return [p.strip() for p in entry.splitlines() if p.strip()]


def _from_json(text: str) -> ParsedRootCheck:
    try:
        data = parse_json(text, "root_binaries.json")
    except (ValueError, UnsafeInputError):
        return ParsedRootCheck(unknown=(text.strip()[:200],))
    if not isinstance(data, list):
        return ParsedRootCheck(unknown=(text.strip()[:200],))
    found: list[str] = []
    unknown: list[str] = []
    for entry in data:
        if isinstance(entry, str):
            found += [p for p in _split_paths(entry) if p not in found]
        else:
            unknown.append(repr(entry)[:200])
    return ParsedRootCheck(found=tuple(found), unknown=tuple(unknown))


def parse_root_check(text: str) -> ParsedRootCheck:
    """Paths found, absent and not checkable. Never raises; lines of another shape are kept as unknown."""
    if text.lstrip().startswith("["):
        return _from_json(text)
    found: list[str] = []
    absent: list[str] = []
    unreadable: list[str] = []
    unknown: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        error = _ERROR.match(line)
        if error is not None:
            path, why = error.group("path"), error.group("why")
            if why in _ABSENT:
                absent.append(path)
            elif why == "Permission denied":
                unreadable.append(path)
            else:
                unknown.append(line[:200])
        elif line.startswith("/") and " " not in line:
            found.append(line)
        else:
            unknown.append(line[:200])
    return ParsedRootCheck(
        found=tuple(dict.fromkeys(found)),
        absent=tuple(dict.fromkeys(absent)),
        unreadable=tuple(dict.fromkeys(unreadable)),
        unknown=tuple(unknown),
    )
