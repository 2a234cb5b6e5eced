"""``getenforce``: SELinux's mode, one word (``Enforcing``, ``Permissive`` or ``Disabled``).

toybox's ``getenforce`` prints the word and nothing else; a device without SELinux prints ``Disabled``.
Anything else (an error, a vendor's extra words) is kept as unknown, never guessed.
"""

from __future__ import annotations

from auditor.model import ParsedSelinux

_MODES = ("enforcing", "permissive", "disabled")


def parse_getenforce(text: str) -> ParsedSelinux:
    """The mode in lower case, or ``None`` with the unread lines. Never raises."""
    mode: str | None = None
    unknown: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.lower() in _MODES and mode is None:
            mode = line.lower()
        else:
            unknown.append(line[:200])
    return ParsedSelinux(mode=mode, unknown=tuple(unknown))
