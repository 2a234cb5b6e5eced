"""The pieces both app-ops readers share: durations, uids, modes, uid states and relative times.

``dumpsys appops`` and ``appops get`` print the same values with the same AOSP helpers
(TimeUtils.formatDuration, UserHandle.formatUid, AppOpsManager.MODE_NAMES), so each is read here
once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Final

from auditor.model import OpEvent, OpEventKind, UidState

__all__ = [
    "DURATION_PATTERN",
    "StateKey",
    "UID_STATES",
    "duration_ms",
    "line_chunks",
    "mode_name",
    "parse_duration_ms",
    "parse_uid",
    "relative_parts",
    "slot_setters",
    "small_int",
    "split_tail",
    "state_key",
]

# --------------------------------------------------------------------------------------------------
# Durations (TimeUtils.formatDuration)
# --------------------------------------------------------------------------------------------------

DURATION_PATTERN: Final = (
    r"([+-]?)(?:([0-9]{1,12}+)d)?(?:([0-9]{1,12}+)h)?(?:([0-9]{1,12}+)m)?(?:([0-9]{1,12}+)s)?([0-9]{1,15}+)ms"
)
"""``[+-][Nd][Nh][Nm][Ns]Nms`` with six groups (sign, days, hours, minutes, seconds, ms), for
``duration_ms``. ASCII digits only, and bounded so that ``int()`` never meets a digit string longer
than Python's int-conversion limit. The digit runs are possessive: a unit letter always follows
them, so giving digits back could never make a match, and not trying is what makes the pattern
cheap enough for the event hot path of ``dumpsys appops``, which embeds it."""

_DURATION: Final = re.compile(DURATION_PATTERN)


_SMALL_NUMBERS: Final[dict[str, int]] = {str(n): n for n in range(1000)}
"""``"0"`` … ``"999"``: the hours, minutes, seconds and milliseconds of a duration. A dict lookup
costs a tenth of ``int()``, which first copies its argument into an ASCII buffer; a full dump holds
five numbers per event."""


def duration_ms(
    sign: str, days: str | None, hours: str | None, minutes: str | None, seconds: str | None, ms: str
) -> int:
    """Milliseconds from the six groups of ``DURATION_PATTERN`` (the one place that sums them)."""
    number = _SMALL_NUMBERS.get
    total = number(ms) or int(ms)
    if seconds:
        total += (number(seconds) or int(seconds)) * 1000
    if minutes:
        total += (number(minutes) or int(minutes)) * 60_000
    if hours:
        total += (number(hours) or int(hours)) * 3_600_000
    if days:
        total += (number(days) or int(days)) * 86_400_000
    return -total if sign == "-" else total


def parse_duration_ms(text: str) -> int | None:
    """Milliseconds of a ``TimeUtils.formatDuration`` text: ``0`` or ``[+-][Nd][Nh][Nm][Ns]Nms``.

    ``-1h2m3s4ms`` gives ``-3723004``; the sign is returned as printed (the caller decides what it
    means: dumpsys prints event time minus now, ``appops get`` now minus event time). AOSP always
    prints a sign except for ``0``; an unsigned value is accepted too. ``None`` when malformed.
    """
    if text == "0":
        return 0
    m = _DURATION.fullmatch(text)
    if m is None:
        return None
    return duration_ms(*m.groups())


# --------------------------------------------------------------------------------------------------
# Modes and uid states
# --------------------------------------------------------------------------------------------------

UID_STATES: Final[dict[str, UidState]] = {s.value: s for s in UidState if s is not UidState.UNKNOWN}
"""The printed uid states this tool knows; any other text maps to ``UidState.UNKNOWN``."""

_MODE_NAMES: Final = ("allow", "ignore", "deny", "default", "foreground")
"""AppOpsManager.MODE_NAMES by mode value; Android ≤ 8 dumpsys prints the value, newer the name."""


def mode_name(mode: str) -> str:
    """The mode as printed, with Android ≤ 8's numeric values turned into MODE_NAMES."""
    if len(mode) == 1 and "0" <= mode <= "4":
        return _MODE_NAMES[int(mode)]
    return mode


StateKey = tuple[UidState, str, tuple[str, ...]]
"""(state, state as printed, flags) of an event's ``[state-flags]`` key."""


def state_key(key: str, cache: dict[str, StateKey]) -> StateKey:
    """``top-s`` / ``fgsvc-tpd|s`` → (state, raw state, flags); flags are ``|``-joined after the ``-``.

    A dump repeats a handful of keys thousands of times, so results are kept in ``cache`` (bounded:
    hostile input could make every key different).
    """
    hit = cache.get(key)
    if hit is not None:
        return hit
    # Flags never contain "-"; split at the last one so a vendor state with a "-" survives.
    raw, sep, flags = key.rpartition("-")
    if not sep:
        raw, flags = key, ""
    raw = raw.strip()
    value = (UID_STATES.get(raw, UidState.UNKNOWN), raw, tuple(flags.split("|")) if flags else ())
    if len(cache) < 256:
        cache[key] = value
    return value


# --------------------------------------------------------------------------------------------------
# Uids (UserHandle.formatUid)
# --------------------------------------------------------------------------------------------------

_PER_USER_RANGE: Final = 100_000
_FIRST_APPLICATION_UID: Final = 10_000
_FIRST_ISOLATED_UID: Final = 99_000
_FIRST_APP_ZYGOTE_ISOLATED_UID: Final = 90_000
_APP_ID_OFFSET: Final = {
    "a": _FIRST_APPLICATION_UID,
    "s": 0,
    "i": _FIRST_ISOLATED_UID,
    "ai": _FIRST_APP_ZYGOTE_ISOLATED_UID,
}


def small_int(text: str) -> int | None:
    """A non-negative ASCII integer of at most 12 digits (never a huge or Unicode digit string)."""
    if 0 < len(text) <= 12 and text.isascii() and text.isdigit():
        return int(text)
    return None


def parse_uid(text: str) -> int | None:
    """A uid as UserHandle.formatUid prints it.

    Plain number below 10000 (or any plain number); ``u<user>a<n>`` app (appId 10000 + n);
    ``u<user>s<appId>`` system uid of another user; ``u<user>i<n>`` isolated (99000 + n);
    ``u<user>ai<n>`` app-zygote isolated (90000 + n; formatUid prints 99000 itself as ``ai9000``
    because it tests ``appId > FIRST_ISOLATED_UID``).
    """
    plain = small_int(text)
    if plain is not None:
        return plain
    if len(text) < 3 or text[0] != "u":
        return None
    i = 1
    while i < len(text) and "0" <= text[i] <= "9":
        i += 1
    user = small_int(text[1:i])
    if user is None:
        return None
    j = i
    while j < len(text) and "a" <= text[j] <= "z":
        j += 1
    offset = _APP_ID_OFFSET.get(text[i:j])
    n = small_int(text[j:])
    if offset is None or n is None:
        return None
    return user * _PER_USER_RANGE + offset + n


# --------------------------------------------------------------------------------------------------
# What follows an event or an op
# --------------------------------------------------------------------------------------------------


def split_tail(tail: str) -> tuple[int | None, str | None, bool]:
    """``duration=+2s0ms`` and ``proxy[…]`` after an event, in any order → (duration, proxy, all read)."""
    duration: int | None = None
    proxy: str | None = None
    ok = True
    tail = tail.strip()
    while tail:
        if tail.startswith("duration="):
            end = tail.find(" ", 9)
            token = tail[9:] if end < 0 else tail[9:end]
            duration = parse_duration_ms(token)
            ok = ok and duration is not None
            tail = "" if end < 0 else tail[end + 1 :].lstrip()
        elif tail.startswith("proxy["):
            end = tail.find("]")
            if end < 0:
                # Cut inside the proxy text: keep what is there, say it was not read whole.
                return duration, tail[6:], False
            proxy = tail[6:end]
            tail = tail[end + 1 :].lstrip()
        else:
            return duration, proxy, False
    return duration, proxy, ok


# "time=+1h2m3s4ms ago", "rejectTime=… ago", "duration=…": found wherever they stand in the line.
_RELATIVE: Final = re.compile(r"\b(time|rejectTime|duration)=([+-]?[0-9dhms]{1,60})(?: ago)?")


def relative_parts(text: str, tag: str | None) -> tuple[list[OpEvent], bool, bool]:
    """``time=+1h ago``, ``rejectTime=+3d ago``, ``duration=+5s0ms`` and ``(running)`` → events.

    The relative form of ``appops get`` (all versions) and of Android ≤ 8 ``dumpsys appops``: no
    uid state is printed (``time`` is the newest over every state and flag since Android 11). The
    fields are read in any order and with any separator. Returns (events, running, whether
    everything in ``text`` was read).
    """
    access_ago: int | None = None
    reject_ago: int | None = None
    duration: int | None = None
    have_access = have_reject = False
    ok = True
    for key, value in _RELATIVE.findall(text):
        number = parse_duration_ms(value)
        ok = ok and number is not None
        if key == "time":
            have_access, access_ago = True, number
        elif key == "rejectTime":
            have_reject, reject_ago = True, number
        else:
            duration = number
    running = "(running)" in text
    if _RELATIVE.sub("", text).replace("(running)", "").strip(" ;"):
        ok = False
    events: list[OpEvent] = []
    if have_access:
        events.append(
            OpEvent(
                kind=OpEventKind.ACCESS,
                uid_state=UidState.UNKNOWN,
                uid_state_raw=UidState.UNKNOWN.value,
                ago_ms=access_ago,
                duration_ms=duration,
                attribution_tag=tag,
            )
        )
    elif duration is not None:
        ok = False  # a duration without the access it belongs to
    if have_reject:
        events.append(
            OpEvent(
                kind=OpEventKind.REJECT,
                uid_state=UidState.UNKNOWN,
                uid_state_raw=UidState.UNKNOWN.value,
                ago_ms=reject_ago,
                attribution_tag=tag,
            )
        )
    return events, running, ok


# --------------------------------------------------------------------------------------------------
# Building the thousands of result objects
# --------------------------------------------------------------------------------------------------

Setter = Callable[[object, object], None]


def slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Setter, ...]:
    """The slot setters of a frozen, slotted dataclass, for ``names`` = all its fields in order.

    The ``__init__`` of a frozen dataclass assigns each field through ``object.__setattr__`` (its
    own ``__setattr__`` refuses), which costs twice what setting the slot through its descriptor
    does. Events and ops are built by the thousand (2,184 events in the 331 KB Xiaomi capture, the
    largest single cost of that parse; a week of discrete history holds up to 100,000), so the
    readers fill the slots themselves: the same objects, equal to ones the class builds (pinned by
    tests). A changed model class fails here, at import, instead of building half-filled objects.
    """
    if tuple(f.name for f in fields(cls)) != names or "__post_init__" in vars(cls):
        raise TypeError(f"{cls.__name__} changed: update the builders that fill its slots ({names})")
    return tuple(vars(cls)[name].__set__ for name in names)


def line_chunks(text: str, chunk: int = 1 << 16) -> Iterator[list[str]]:
    """The lines of ``text``, a list per 64 KiB.

    ``text.split("\n")`` at once would hold a second copy of the whole dump as line objects (about 2×
    the input); splitting 64 KiB at a time keeps that to one chunk and stays at C speed.
    """
    start = 0
    size = len(text)
    while start < size:
        end = text.find("\n", min(start + chunk, size))
        if end < 0:
            yield text[start:].split("\n")
            return
        yield text[start:end].split("\n")
        start = end + 1
    if text.endswith("\n") or not text:
        yield [""]
