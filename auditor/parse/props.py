"""``getprop`` output: system properties as ``[key]: [value]`` lines.

Handles the format every Android version since 4.x prints (checked on 7.1.2, 10, 13 and 14 captures,
including MIUI/HyperOS and androidqf's ``getprop.txt``). A value can hold newlines; ``getprop``
prints them raw, so the value continues on the next lines until one ends with ``]``, e.g. (Android 13+)::

    [persist.sys.boot.reason.history]: [reboot,hardware_reset,1728776411
    reboot,1727208771]

A value that never closes (a capture cut off mid-value) is not trusted: its raw lines go to
``unknown`` so a truncated ``ro.build.version.security_patch`` is never reported as a real one.
"""

from __future__ import annotations

import logging
import re

from auditor.model import ParsedProperties

logger = logging.getLogger(__name__)

# Keys never hold "]" (property names are [A-Za-z0-9._-:@]); a value may, so it runs to the last "]".
_START = re.compile(r"^\[([^\]]*)\]: \[(.*)$", re.DOTALL)


def parse_getprop(text: str) -> ParsedProperties:
    """Parse ``getprop`` output into a key → value mapping. Never raises.

    A key printed twice keeps its last value (the later line is the newer read). Blank lines are
    skipped; any other line that is not part of a property goes to ``unknown``.
    """
    values: dict[str, str] = {}
    unknown: list[str] = []
    pending_key: str | None = None
    pending_raw: list[str] = []  # raw lines of an open value, for ``unknown`` if it never closes
    pending_value: list[str] = []

    def abandon() -> None:
        # An unterminated multi-line value: keep the raw text, not a guessed value.
        nonlocal pending_key
        if pending_key is not None:
            unknown.append("\n".join(pending_raw))
        pending_key = None
        pending_raw.clear()
        pending_value.clear()

    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        start = _START.match(line)
        if pending_key is not None:
            # A new "[key]: [" line while a value is open means the open value was cut short.
            if start is None:
                pending_raw.append(line)
                if line.endswith("]"):
                    pending_value.append(line[:-1])
                    values[pending_key] = "\n".join(pending_value)
                    pending_key = None
                    pending_raw.clear()
                    pending_value.clear()
                else:
                    pending_value.append(line)
                continue
            abandon()
        if start is None:
            if line.strip():
                unknown.append(line)
            continue
        key, rest = start.group(1), start.group(2)
        if rest.endswith("]"):
            values[key] = rest[:-1]
        else:
            pending_key = key
            pending_raw.append(line)
            pending_value.append(rest)
    abandon()
    logger.debug("getprop: %d properties, %d unknown lines", len(values), len(unknown))
    return ParsedProperties(values=values, unknown=tuple(unknown))
