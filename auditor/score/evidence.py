"""How a fact is written wherever something rests on it: a permission row, a special access, a tracker, a role.

Why one module: a finding, a score reason and a policy violation about the same permission quote
it the same way, so a reader (or a script) can match them up across the report and the fleet
view, and a better wording reaches all of them at once. The texts are output (findings' and
reasons' ``evidence`` in the audit report, violations' ``evidence`` in the fleet exports), so
changing one changes reports.
"""

from __future__ import annotations

from auditor.model import (
    AccessEvent,
    AccessState,
    ApkTracker,
    EffectiveAccess,
    EventSource,
    PermissionReport,
    ProxyRole,
    SpecialAccessReport,
    UsageTotals,
)

ROLE_PREFIX = "android.app.role."
"""The prefix of the platform's role names (``RoleManager.ROLE_SMS`` is ``android.app.role.SMS``)."""


def role_short_name(role: str | None) -> str:
    """``android.app.role.DIALER`` → ``DIALER``; a role outside the platform's prefix keeps its full name.

    Only the platform prefix is cut: a vendor role (``com.vendor.role.SMS``) must not pass for the
    platform's SMS role in a rule or a policy that names ``SMS``.
    """
    return (role or "").removeprefix(ROLE_PREFIX)


def ago_text(ms: int | None) -> str | None:
    """A time before the capture, as ``appops get`` prints it (milliseconds ago), in round words."""
    if ms is None:
        return None
    minutes = ms // 60000
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def permission_evidence_text(row: PermissionReport) -> str:
    """``android.permission.RECORD_AUDIO granted=true flags=[USER_SET] op RECORD_AUDIO=allow last access …``."""
    granted = "unknown" if row.granted is None else str(row.granted).lower()
    parts = [f"{row.name} granted={granted}"]
    if row.flags:
        parts.append(f"flags=[{'|'.join(row.flags)}]")
    if row.effective in (EffectiveAccess.REVOKED_COMPAT, EffectiveAccess.APPOP_DENIED, EffectiveAccess.NOT_REQUESTED):
        parts.append(f"effective={row.effective.value}")
    if row.appop:
        parts.append(f"op {row.appop}={row.appop_mode or 'not set'}")
    when = row.last_access or ago_text(row.last_access_ago_ms)
    if when is not None or row.last_access_state is not None:
        state = f" ({row.last_access_state.value})" if row.last_access_state is not None else ""
        parts.append(f"last access {when or 'recorded'}{state}")
    if row.last_background_access is not None and row.last_background_access != row.last_access:
        parts.append(f"last background access {row.last_background_access}")
    return " ".join(parts)


def special_evidence_text(special: SpecialAccessReport) -> str:
    """``special accessibility_service com.x/.Svc (settings secure enabled_accessibility_services)``."""
    detail = f" {special.detail}" if special.detail else ""
    return f"special {special.kind.value}{detail} ({special.evidence})"


def tracker_evidence_text(tracker: ApkTracker) -> str:
    """``tracker Google AdMob (Advertisement) evidence com.google.android.gms.ads``."""
    cats = ", ".join(tracker.categories) or "no category"
    found = ", ".join(tracker.evidence) or "signature match"
    return f"tracker {tracker.name} ({cats}) evidence {found}"


def duration_words(ms: int) -> str:
    """``2 h 5 min``, ``52 min``, ``45 s``: how long an access lasted, to the minute past one minute."""
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms // 1000} s"
    hours, minutes = divmod(ms // 60_000, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def _minute(time: str | None) -> str:
    """``2024-06-03 01:40``: a device-local time to the minute (the history's own precision)."""
    return (time or "?")[:16]


def usage_text(totals: UsageTotals, window_days: int = 7) -> str:
    """``background use in 7 days: 6 sessions, 2 h 5 min, the longest 52 min at 2024-06-03 01:40, …``."""
    state = {AccessState.BACKGROUND: "background", AccessState.FOREGROUND: "foreground"}.get(totals.state, "recorded")
    parts = [f"{totals.sessions} session{'s' if totals.sessions != 1 else ''}"]
    timed = totals.sessions - totals.unknown_duration
    if totals.total_ms and totals.unknown_duration:
        parts.append(f"{duration_words(totals.total_ms)} in the {timed} with a duration")
    elif totals.total_ms:
        parts.append(duration_words(totals.total_ms))
    if totals.longest_ms and timed > 1:
        parts.append(f"the longest {duration_words(totals.longest_ms)} at {_minute(totals.longest_at)}")
    newest = f"the most recent {_minute(totals.newest_at)}"
    if totals.newest_ms:
        newest += f" for {duration_words(totals.newest_ms)}"
    parts.append(newest)
    return f"{state} use in {window_days} days: " + ", ".join(parts)


def event_evidence_text(event: AccessEvent) -> str:
    """``CAMERA background (cch) 2024-06-02 01:12:00.000 for 6 min [history]``: one recorded access."""
    when = event.time or ago_text(event.ago_ms) or "at an unknown time"
    text = f"{event.op} {event.state.value} ({event.uid_state}) {when}"
    if event.duration_ms is not None:
        text += f" for {duration_words(event.duration_ms)}"
    if event.attribution_tag is not None:
        text += f" tag {event.attribution_tag}"
    if event.proxy_role is ProxyRole.THROUGH:
        text += f" through {event.proxy_package or 'another app'}"
    elif event.proxy_role is ProxyRole.ON_BEHALF_OF:
        text += f" for {event.proxy_package or 'another app'}"
    source = {EventSource.HISTORY: "history", EventSource.BOTH: "history and app-ops"}.get(event.source, "app-ops")
    return f"{text} [{source}]"
