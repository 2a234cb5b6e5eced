"""Splitting the output of an on-device loop into its parts.

Collection loops on the device inside one shell command (one round trip for all apps), so one raw
output holds many command outputs. Before each, the loop prints a marker line::

    ##auditor## package=com.example user=0

``split_marked`` cuts the text at those lines. Text before the first marker is returned with empty
keys, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

MARKER = "##auditor##"


@dataclass(frozen=True)
class MarkedPart:
    keys: Mapping[str, str]
    """The ``key=value`` pairs of the marker line (empty for text before the first marker)."""
    text: str


def marker_line(**keys: str) -> str:
    """The marker line a loop prints (used by the command plan and the synthetic device)."""
    return " ".join([MARKER, *(f"{k}={v}" for k, v in keys.items())])


def _parse_keys(line: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for word in line[len(MARKER) :].split():
        name, sep, value = word.partition("=")
        if sep:
            keys[name] = value
    return keys


def split_marked(text: str) -> Iterator[MarkedPart]:
    """Yield the parts of a marked loop output, in order."""
    keys: dict[str, str] = {}
    start = 0
    pos = 0
    while True:
        found = text.find(MARKER, pos)
        if found == -1:
            break
        if found != 0 and text[found - 1] != "\n":
            pos = found + len(MARKER)
            continue
        end = text.find("\n", found)
        end = len(text) if end == -1 else end
        if found > start or keys:
            yield MarkedPart(keys, text[start:found])
        keys = _parse_keys(text[found:end])
        start = pos = end + 1
    if start < len(text) or keys:
        yield MarkedPart(keys, text[start:])
