"""Device-local times as numbers, and UTC only where the device's zone is known.

Android prints app-op times in the device's local time (``SimpleDateFormat("yyyy-MM-dd HH:mm:ss.SSS")``
in the default zone) and says nothing of the zone in the same line. ``local_ms`` reads such a text as
milliseconds on a plain local axis (as if the zone were UTC), which is what ordering, windows and
durations within one device need. A UTC instant is given only through the zone database: the
device's ``persist.sys.timezone`` looked up in Python's ``zoneinfo``. A zone this computer does not
know, or none at all, gives no UTC time rather than a guessed one.

Daylight saving: a local time that happens twice (the hour the clocks go back) is read as its first
occurrence (``fold=0``); one that never happens (the hour skipped) is read with the offset before the
change. Both are how ``zoneinfo`` resolves them, and the report says UTC times come from the zone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1)
_DAY_MS = 86_400_000
_DIGITS = frozenset("0123456789")


def local_ms(text: str | None) -> int | None:
    """``yyyy-MM-dd HH:mm:ss[.SSS]`` as milliseconds on the device's local axis, or ``None`` when malformed.

    Only ASCII digits in AOSP's layout are read; anything else (another locale's digits, a cut text)
    gives ``None``, so a time is never half understood. The discrete history quantises times to the
    minute, so a week of it repeats the same few thousand texts: each is read once (a bounded cache).
    """
    if text is None or len(text) not in (19, 23):
        return None
    return _cached_local_ms(text)


@lru_cache(maxsize=1 << 16)
def _cached_local_ms(text: str) -> int | None:
    if text[4] != "-" or text[7] != "-" or text[10] != " " or text[13] != ":" or text[16] != ":":
        return None
    digits = text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]
    millis = "000"
    if len(text) == 23:
        if text[19] != ".":
            return None
        millis = text[20:23]
    if not _DIGITS.issuperset(digits + millis):
        return None
    try:
        day = datetime(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    hour, minute, second = int(digits[8:10]), int(digits[10:12]), int(digits[12:14])
    if hour > 23 or minute > 59 or second > 59:
        return None
    days = (day - _EPOCH).days
    return days * _DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + int(millis)


def format_local(ms: int) -> str:
    """The inverse of ``local_ms``: ``yyyy-MM-dd HH:mm:ss.SSS``."""
    days, rest = divmod(ms, _DAY_MS)
    seconds, millis = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{_date(days)} {hour:02d}:{minute:02d}:{second:02d}.{millis:03d}"


@lru_cache(maxsize=4096)
def _date(days: int) -> str:
    """``yyyy-MM-dd`` of a day number since 1970 (a week of events spans a handful of days)."""
    return (_EPOCH + timedelta(days=days)).strftime("%Y-%m-%d")


def zone_of(name: str | None) -> ZoneInfo | None:
    """The device's zone from the tz database, or ``None`` (unset, unknown here, or not a zone name)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: not a valid key (a path, "..", an empty component); OSError: an unreadable file.
        log.debug("time zone %r is not in this computer's tz database", name)
        return None


class DeviceClock:
    """Converts device-local times to UTC through one zone, an offset per local hour cached."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._offsets: dict[int, int] = {}

    def offset_ms(self, local: int) -> int:
        """The zone's UTC offset at a local time (``fold=0`` for a time that happens twice)."""
        hour = local // 3_600_000
        found = self._offsets.get(hour)
        if found is None:
            moment = (_EPOCH + timedelta(milliseconds=local)).replace(tzinfo=self.zone)
            delta = moment.utcoffset() or timedelta(0)
            found = self._offsets[hour] = int(delta / timedelta(milliseconds=1))
        return found

    def utc(self, local: int) -> str:
        """The UTC instant of a local time, ISO 8601 (``2024-06-03T09:41:27.000Z``)."""
        text = format_local(local - self.offset_ms(local))
        return f"{text[:10]}T{text[11:]}Z"

    def local_of(self, utc: datetime) -> int:
        """A UTC instant on the device's local axis."""
        moment = utc.astimezone(self.zone).replace(tzinfo=None)
        return int((moment - _EPOCH) / timedelta(milliseconds=1))
