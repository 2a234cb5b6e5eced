"""How a fact is written wherever something rests on it: a permission row, a special access, a tracker, a role.

Why one module: a finding, a score reason and a policy violation about the same permission quote
it the same way, so a reader (or a script) can match them up across the report and the fleet
view, and a better wording reaches all of them at once. The texts are output (findings' and
reasons' ``evidence`` in the audit report, violations' ``evidence`` in the fleet exports), so
changing one changes reports.
"""

from __future__ import annotations

from auditor.model import ApkTracker, EffectiveAccess, PermissionReport, SpecialAccessReport

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
