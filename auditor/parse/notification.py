"""The listener part of ``dumpsys notification``: who may read notifications, and who is connected.

Read from ManagedServices.dump, which prints the same shape for notification listeners,
notification assistants and condition providers (the caption differs). Android 8 to 16::

      Notification listeners:
        Allowed notification listeners:
          a.pkg/a.pkg.Listener:b.pkg/.Listener (user: 0 isPrimary: true)
        Has user set:
          userId=0 value={…}
    (user 0):   All notification listeners (3) enabled for current profiles:
          ComponentInfo{a.pkg/a.pkg.Listener}
        Live notification listeners (10):
          ComponentInfo{a.pkg/a.pkg.Listener} (user 0): …$Stub$Proxy@e64ab2b
          ComponentInfo{android/com.android.server.people.data.DataManager} (user -1): … SYSTEM
        Snoozed notification listeners (0):
      Notification assistant services:
        Allowed notification assistants:
          com.google.android.ext.services/….Assistant (user: 0 isPrimary: true isUserChanged: false)

* ``Allowed …`` lines hold ``:``-separated approved entries (components; a bare package where the
  approval is by package) with the user in parentheses; both primary and secondary approvals count.
* ``Live …`` lines are the services bound right now. ``(user -1)`` is USER_ALL (system listeners),
  kept as printed.
* Android 7 and older have no ``Allowed`` list: read ``enabled_notification_listeners`` instead.

Only those lists are read. The rest of the dump (the notification records, zen rules, usage
stats, condition providers, snoozed listeners) is skipped on purpose and **never** copied into the
result, not even into ``unknown``: notification text is personal content. ``unknown`` only gets
lines inside the listener/assistant lists that do not have the entry shape.
"""

from __future__ import annotations

import logging
import re
from enum import Enum, auto

from auditor.model import ComponentGrant, ParsedNotificationListeners
from auditor.parse.settings import parse_component_list

logger = logging.getLogger(__name__)


class _List(Enum):
    ALLOWED_LISTENERS = auto()
    LIVE_LISTENERS = auto()
    ALLOWED_ASSISTANTS = auto()


_HEADERS: dict[str, _List] = {
    "Allowed notification listeners:": _List.ALLOWED_LISTENERS,
    "Live notification listeners": _List.LIVE_LISTENERS,
    "Allowed notification assistants:": _List.ALLOWED_ASSISTANTS,
}
# "a/b:c/d (user: 0 isPrimary: true)"; newer builds add "isUserChanged: false" before ")".
_ALLOWED = re.compile(r"^\s*(.*?)\s*\(user: (-?\d{1,10})(?:\s[^()]*)?\)\s*$")
# "ComponentInfo{pkg/cls} (user 0): <binder> [SYSTEM] [GUEST]"
_LIVE = re.compile(r"^\s*ComponentInfo\{([^{}]+)\} \(user (-?\d{1,10})\)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def parse_dumpsys_notification_listeners(text: str) -> ParsedNotificationListeners:
    """Parse the allowed and live notification listeners and the allowed assistants. Never raises.

    Works on a whole ``dumpsys notification`` or on an excerpt of it.
    """
    found: dict[_List, dict[ComponentGrant, None]] = {kind: {} for kind in _List}
    unknown: list[str] = []
    current: _List | None = None
    header_indent = 0

    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped:
            continue
        kind = next((k for prefix, k in _HEADERS.items() if stripped.startswith(prefix)), None)
        if kind is not None:
            current, header_indent = kind, _indent(line)
            continue
        if current is None:
            continue
        if _indent(line) <= header_indent:
            # The next header of the dump ("Has user set:", "Snoozed …"): the list has ended.
            current = None
            continue
        if current is _List.LIVE_LISTENERS:
            live = _LIVE.match(line)
            if live:
                grant = ComponentGrant(user=int(live.group(2)), component=live.group(1))
                found[current].setdefault(grant, None)
            else:
                unknown.append(line)
            continue
        allowed = _ALLOWED.match(line)
        if allowed is None:
            unknown.append(line)
            continue
        for grant in parse_component_list(allowed.group(1), int(allowed.group(2))):
            found[current].setdefault(grant, None)

    result = ParsedNotificationListeners(
        allowed=tuple(found[_List.ALLOWED_LISTENERS]),
        live=tuple(found[_List.LIVE_LISTENERS]),
        assistants=tuple(found[_List.ALLOWED_ASSISTANTS]),
        unknown=tuple(unknown),
    )
    logger.debug(
        "notification: %d allowed, %d live, %d assistants, %d unknown",
        len(result.allowed),
        len(result.live),
        len(result.assistants),
        len(result.unknown),
    )
    return result


# --------------------------------------------------------------------------------------------------
# What may be kept of a whole `dumpsys notification`
# --------------------------------------------------------------------------------------------------

_LISTENER_RANGES = (
    ("Notification listeners:", "Snoozed notification listeners"),
    ("Notification assistant services:", "Has user set"),
)


def notification_listener_part(text: str) -> str:
    """Only the listener and assistant parts of ``dumpsys notification``.

    The rest of that dump holds notification records (senders, titles, sometimes text), which the
    auditor never keeps. The same ranges the live plan filters with ``sed`` on the device.
    """
    kept: list[str] = []
    active_end: str | None = None
    for line in text.split("\n"):
        stripped = line.strip()
        if active_end is None:
            for start, end in _LISTENER_RANGES:
                if stripped.startswith(start):
                    active_end = end
                    kept.append(line)
                    break
        else:
            kept.append(line)
            if stripped.startswith(active_end):
                active_end = None
    return "\n".join(kept) + ("\n" if kept else "")
