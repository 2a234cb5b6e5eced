"""``date +%s``: the device's own clock at capture, as seconds since the epoch.

Why it matters: a phone's clock, not the computer's, dates everything it prints (app-op times, the age
of its security patch). The output is one number; anything else gives ``None`` (never a crash).
"""

from __future__ import annotations

_MAX_DIGITS = 12
"""Seconds since 1970 have 10 digits until the year 2286; more is not a clock."""


def parse_epoch_seconds(text: str) -> int | None:
    """The first word of the output as whole seconds, or ``None`` when it is not an ASCII number."""
    words = text.split(maxsplit=1)
    first = words[0] if words else ""
    if 0 < len(first) <= _MAX_DIGITS and first.isascii() and first.isdigit():
        return int(first)
    return None
