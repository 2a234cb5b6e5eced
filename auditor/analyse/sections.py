"""From a snapshot to parsed facts: each raw output goes to the parser for its section.

Every parser call is isolated: a parser that fails on one output becomes a note and the audit goes
on without that section. A section the source did not have is a note too, saying what the report
cannot claim because of it, so nothing is ever silently zero.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from auditor.model import (
    CommandRecord,
    CommandStatus,
    Note,
    NoteLevel,
    ParsedAccessibility,
    ParsedAppOps,
    ParsedDevicePolicy,
    ParsedNotificationListeners,
    ParsedPackageDump,
    ParsedPackageList,
    ParsedProperties,
    ParsedRoles,
    ParsedSettings,
    ParsedUsers,
    Section,
    Snapshot,
    UidOps,
)
from auditor.parse.accessibility import parse_dumpsys_accessibility
from auditor.parse.appops import parse_appops_get_loop, parse_dumpsys_appops
from auditor.parse.device_policy import parse_dumpsys_device_policy
from auditor.parse.notification import parse_dumpsys_notification_listeners
from auditor.parse.packages import parse_dumpsys_package, parse_pm_list_packages
from auditor.parse.props import parse_getprop
from auditor.parse.roles import parse_dumpsys_role, parse_role_holders
from auditor.parse.settings import parse_settings
from auditor.parse.text import decode_output
from auditor.parse.users import parse_pm_list_users

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class ParsedDevice:
    """Everything the parsers made of one snapshot, before it is assembled into the audit report."""

    properties: ParsedProperties | None = None
    device_epoch_s: int | None = None
    users: ParsedUsers | None = None
    package_lists: dict[int, ParsedPackageList] = field(default_factory=dict)
    packages: ParsedPackageDump | None = None
    appops: ParsedAppOps | None = None
    accessibility: ParsedAccessibility | None = None
    notification: ParsedNotificationListeners | None = None
    device_policy: ParsedDevicePolicy | None = None
    roles: ParsedRoles | None = None
    settings_secure: dict[int, ParsedSettings] = field(default_factory=dict)
    settings_system: dict[int, ParsedSettings] = field(default_factory=dict)
    settings_global: ParsedSettings | None = None
    notes: list[Note] = field(default_factory=list)


# What the report cannot claim when a section is absent: said once per missing section.
_MISSING_MEANS: dict[Section, str] = {
    Section.GETPROP: "device model, Android version and security patch are unknown",
    Section.PM_LIST_USERS: "users and profiles were inferred from package data",
    Section.DUMPSYS_PACKAGE: "permissions and grant states are unknown; apps come from package lists only",
    Section.DUMPSYS_APPOPS: "app-op modes and access history are unknown; effective access ignores app-ops",
    Section.DUMPSYS_ACCESSIBILITY: "accessibility services come from settings only",
    Section.DUMPSYS_NOTIFICATION: "notification listeners come from settings only",
    Section.DUMPSYS_DEVICE_POLICY: "device admins, device owner and profile owners are unknown",
    Section.DUMPSYS_ROLE: "role holders (default SMS, dialer, assistant …) are unknown",
    Section.SETTINGS_SECURE: "settings-based special accesses (input methods, VPN, listeners) are unknown",
}


def _safe(notes: list[Note], cmd: CommandRecord, parser: Callable[[str], T], text: str) -> T | None:
    """Run one parser; a crash becomes a note, never an aborted audit."""
    try:
        return parser(text)
    except Exception as e:  # noqa: BLE001 - isolation boundary: one parser must not abort the audit
        log.debug("parser for %s failed", cmd.id, exc_info=True)
        notes.append(Note(cmd.id, NoteLevel.MISSING, f"could not be parsed ({type(e).__name__}: {e})"))
        return None


def _merge_appops(parts: list[ParsedAppOps]) -> ParsedAppOps:
    if len(parts) == 1:
        return parts[0]
    uids: dict[int, UidOps] = {}
    for part in parts:
        for uid in part.uids:
            uids.setdefault(uid.uid, uid)
    return ParsedAppOps(uids=tuple(uids.values()), truncated=any(p.truncated for p in parts))


def parse_snapshot(snapshot: Snapshot) -> ParsedDevice:
    """Parse every output of a snapshot by section; record what was missing, failed or truncated."""
    out = ParsedDevice(notes=list(snapshot.manifest.notes))
    notes = out.notes
    seen: set[Section] = set()
    appops_parts: list[ParsedAppOps] = []
    appops_get_parts: list[ParsedAppOps] = []

    for cmd in snapshot.manifest.commands:
        blob = snapshot.outputs.get(cmd.id)
        if cmd.status is not CommandStatus.OK:
            why = f": {cmd.error}" if cmd.error else ""
            level = NoteLevel.PARTIAL if blob else NoteLevel.MISSING
            notes.append(Note(cmd.id, level, f"command {cmd.status.value}{why}"))
        if blob is None:
            continue
        decoded = decode_output(blob)
        if decoded.replaced:
            notes.append(Note(cmd.id, NoteLevel.INFO, f"{decoded.replaced} undecodable bytes replaced (binary data)"))
        text = decoded.text
        if not text.strip():
            if cmd.status is CommandStatus.OK:
                notes.append(Note(cmd.id, NoteLevel.MISSING, "output is empty"))
            continue
        section = cmd.section
        user = cmd.user if cmd.user is not None else 0
        match section:
            case Section.GETPROP:
                out.properties = _safe(notes, cmd, parse_getprop, text)
            case Section.DATE:
                first = text.strip().split()[0] if text.strip() else ""
                out.device_epoch_s = int(first) if first.isdigit() else None
            case Section.PM_LIST_USERS:
                out.users = _safe(notes, cmd, parse_pm_list_users, text)
            case Section.PM_LIST_PACKAGES:
                listed = _safe(notes, cmd, parse_pm_list_packages, text)
                if listed is not None:
                    out.package_lists[user] = listed
            case Section.DUMPSYS_PACKAGE:
                dump = _safe(notes, cmd, parse_dumpsys_package, text)
                if dump is not None:
                    out.packages = dump
                    if dump.truncated:
                        notes.append(Note(cmd.id, NoteLevel.PARTIAL, "output ends mid-package (truncated)"))
            case Section.DUMPSYS_APPOPS:
                ops = _safe(notes, cmd, parse_dumpsys_appops, text)
                if ops is not None:
                    appops_parts.append(ops)
                    if ops.truncated:
                        notes.append(Note(cmd.id, NoteLevel.PARTIAL, "output ends mid-uid (truncated)"))
            case Section.APPOPS_GET:
                ops = _safe(notes, cmd, parse_appops_get_loop, text)
                if ops is not None:
                    appops_get_parts.append(ops)
            case Section.DUMPSYS_ACCESSIBILITY:
                out.accessibility = _safe(notes, cmd, parse_dumpsys_accessibility, text)
            case Section.DUMPSYS_NOTIFICATION:
                out.notification = _safe(notes, cmd, parse_dumpsys_notification_listeners, text)
            case Section.DUMPSYS_DEVICE_POLICY:
                out.device_policy = _safe(notes, cmd, parse_dumpsys_device_policy, text)
            case Section.DUMPSYS_ROLE:
                roles = _safe(notes, cmd, parse_dumpsys_role, text)
                if roles is not None and (roles.holders or out.roles is None):
                    out.roles = roles
            case Section.ROLE_HOLDERS:
                roles = _safe(notes, cmd, parse_role_holders, text)
                if roles is not None and roles.holders:
                    out.roles = roles
            case Section.SETTINGS_SECURE:
                parsed = _safe(notes, cmd, parse_settings, text)
                if parsed is not None:
                    out.settings_secure[user] = parsed
            case Section.SETTINGS_SYSTEM:
                parsed = _safe(notes, cmd, parse_settings, text)
                if parsed is not None:
                    out.settings_system[user] = parsed
            case Section.SETTINGS_GLOBAL:
                out.settings_global = _safe(notes, cmd, parse_settings, text)
            case Section.PM_PATH | Section.OTHER:
                pass
        seen.add(section)

    if appops_parts:
        out.appops = _merge_appops(appops_parts)
    elif appops_get_parts:
        out.appops = _merge_appops(appops_get_parts)
        notes.append(Note("appops", NoteLevel.PARTIAL, "app-op times are relative (from appops get), states unknown"))
        seen.add(Section.DUMPSYS_APPOPS)

    for section, means in _MISSING_MEANS.items():
        if section not in seen:
            notes.append(Note(section.value, NoteLevel.MISSING, f"not in this source: {means}"))
    return out
