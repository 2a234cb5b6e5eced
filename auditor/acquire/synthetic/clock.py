"""Device clock for the synthetic snapshot: local time strings and Android duration text.

The device sits in ``Asia/Kolkata`` (UTC+05:30, no daylight saving since 1945), so local times can be
computed with a fixed offset and no tz database: the output never depends on the host's tzdata. The
half-hour offset is deliberate, it catches code that assumes whole-hour zones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

TIMEZONE = "Asia/Kolkata"
UTC_OFFSET_MINUTES = 330
_EPOCH = datetime(1970, 1, 1)
_OFFSET_MS = UTC_OFFSET_MINUTES * 60_000

DEFAULT_NOW = datetime(2024, 6, 3, 9, 41, 27, tzinfo=UTC)
"""The capture instant when the caller gives none (fixed, so the default output is reproducible)."""


def epoch_ms(now: datetime | None) -> int:
    """Milliseconds since the epoch, truncated to whole seconds (``date +%s`` has second resolution).

    A naive ``now`` is taken as UTC.
    """
    moment = now or DEFAULT_NOW
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1000


def local_time(ms: int, *, millis: bool = False) -> str:
    """Device-local ``yyyy-MM-dd HH:mm:ss`` (``.SSS`` with ``millis``), as SimpleDateFormat prints it."""
    moment = _EPOCH + timedelta(milliseconds=ms + _OFFSET_MS)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if millis:
        text += f".{ms % 1000:03d}"
    return text


def format_duration(ms: int) -> str:
    """``TimeUtils.formatDuration``: ``0``, or ``[+-][Nd][Nh][Nm][Ns]Nms``.

    Once a larger unit is printed every smaller one follows (``+1d0h0m5s0ms``); milliseconds are always
    printed. This is the text of ``(-1h2m3s4ms)``, ``duration=+5s0ms`` and ``Running start at:``.
    """
    if ms == 0:
        return "0"
    sign = "+" if ms > 0 else "-"
    rest = abs(ms)
    days, rest = divmod(rest, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    parts = [sign]
    started = False
    for value, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")):
        if started or value:
            parts.append(f"{value}{unit}")
            started = True
    parts.append(f"{millis}ms")
    return "".join(parts)


def at_local(now_ms: int, days_before: int, hour: int, minute: int) -> int:
    """Epoch milliseconds of the device-local wall time ``hour:minute`` on the day ``days_before`` the capture's."""
    local_now = _EPOCH + timedelta(milliseconds=now_ms + _OFFSET_MS)
    day = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0) - timedelta(days=days_before)
    return int((day - _EPOCH) / timedelta(milliseconds=1)) - _OFFSET_MS
