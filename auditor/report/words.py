"""Plain words for the report's codes: permission flags, effective access, access levels, special accesses, roles.

Why one module: the HTML report, the Markdown summary and the terminal summary must say the same
thing about ``USER_FIXED`` or an accessibility service, and a reader who is not an engineer reads
these words, not the codes. Every ``match`` over an enum ends in ``assert_never`` so that a new
member cannot ship without its words (a test walks every member). Category names and level
phrases are the scoring's own (``auditor.score.exposure``), so a reason's text and the report's
column headings never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from auditor.model import (
    AccessLevel,
    AppOrigin,
    DataCategory,
    DevicePart,
    EffectiveAccess,
    Grade,
    InstallSource,
    NoteLevel,
    PermissionKind,
    Removal,
    Severity,
    SpecialAccessKind,
    UserKind,
)
from auditor.sanitise import visible  # re-exported: the one sanitiser, used with these words
from auditor.score.evidence import role_short_name
from auditor.score.exposure import CATEGORY_LABELS, level_phrase
from auditor.score.parts import part_words

__all__ = [
    "CATEGORY_LABELS",
    "MASTER_KEY_KINDS",
    "MASTER_KEY_ROLES",
    "QUIET_FLAGS",
    "Words",
    "category_label",
    "effective_words",
    "flag_legend",
    "flag_words",
    "grade_words",
    "install_source_words",
    "level_phrase",
    "level_short",
    "note_level_words",
    "origin_words",
    "part_title",
    "permission_kind_words",
    "qualifier_words",
    "removal_words",
    "role_words",
    "severity_rank",
    "short_permission",
    "special_words",
    "user_kind_words",
    "via_words",
    "visible",
]


@dataclass(frozen=True, slots=True)
class Words:
    """A title and one sentence of what it means for the person."""

    title: str
    meaning: str


# --------------------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------------------

_ANDROID_PERMISSION = "android.permission."


def short_permission(name: str) -> str:
    """``android.permission.CAMERA`` → ``CAMERA``; other names (vendor, app-defined) stay whole."""
    return name[len(_ANDROID_PERMISSION) :] if name.startswith(_ANDROID_PERMISSION) else name


QUIET_FLAGS = frozenset({"USER_SENSITIVE_WHEN_GRANTED", "USER_SENSITIVE_WHEN_DENIED"})
"""Flags set on nearly every runtime permission of a non-system app (Android shows such use in its
privacy indicators). They say nothing about the access itself, so the plain-words column leaves
them out; the raw flags stay in the JSON, the CSV and the cell's tooltip."""

_FLAG_WORDS: dict[str, str] = {
    "USER_SET": "you chose this yourself",
    "POLICY_FIXED": "set by your organisation's device policy; you cannot change it",
    "REVOKE_ON_UPGRADE": "turned off for this old app, although it shows as granted",
    "REVOKED_COMPAT": "turned off for this old app, although it shows as granted",
    "SYSTEM_FIXED": "set by the system; it cannot be changed",
    "GRANTED_BY_DEFAULT": "granted in advance by Android or the phone's maker",
    "REVIEW_REQUIRED": "waits for you to review it before the app first runs",
    "REVOKE_WHEN_REQUESTED": "granted implicitly; removed when the app asks for it itself",
    "USER_SENSITIVE_WHEN_GRANTED": "its use is shown to you while granted",
    "USER_SENSITIVE_WHEN_DENIED": "its use is shown to you while denied",
    "RESTRICTION_INSTALLER_EXEMPT": "a restricted permission, allowed by the installer",
    "RESTRICTION_SYSTEM_EXEMPT": "a restricted permission, allowed by the system",
    "RESTRICTION_UPGRADE_EXEMPT": "a restricted permission, allowed because it was held before an upgrade",
    "APPLY_RESTRICTION": "restricted by Android: it cannot be granted",
    "GRANTED_BY_ROLE": "granted because the app holds a role (such as default SMS app)",
    "ONE_TIME": "allowed only this time",
    "AUTO_REVOKED": "removed because the app was not used",
    "SELECTED_LOCATION_ACCURACY": "you chose how precise the location is",
}


def flag_words(flag: str, granted: bool | None) -> str:
    """One permission flag in plain words; an unknown flag (vendor, newer Android, a decimal bit) is named as is."""
    if flag == "USER_FIXED":
        # USER_FIXED means "don't ask again": with a denial that is the person's refusal; with a grant
        # (rare, set through Settings) it only means the app cannot ask.
        return "you denied it and chose don't ask again" if granted is not True else "fixed by you: the app cannot ask"
    return _FLAG_WORDS.get(flag, f"flag {flag}")


def flag_legend() -> list[tuple[str, str]]:
    """Every flag this module has words for, for the report's legend (raw names stay in JSON and CSV)."""
    rows = [("USER_FIXED", flag_words("USER_FIXED", False) + " (when granted: " + flag_words("USER_FIXED", True) + ")")]
    rows.extend(_FLAG_WORDS.items())
    return sorted(rows)


def effective_words(effective: EffectiveAccess) -> str:
    """Whether the app can use a permission now, in plain words."""
    match effective:
        case EffectiveAccess.ALLOWED:
            return "allowed"
        case EffectiveAccess.FOREGROUND_ONLY:
            return "only while in use"
        case EffectiveAccess.DENIED:
            return "denied"
        case EffectiveAccess.REVOKED_COMPAT:
            return "turned off (old app)"
        case EffectiveAccess.APPOP_DENIED:
            return "granted, but blocked"
        case EffectiveAccess.NOT_REQUESTED:
            return "not requested"
        case EffectiveAccess.UNKNOWN:
            return "unknown"
        case _:
            assert_never(effective)


def permission_kind_words(kind: PermissionKind) -> str:
    """One word for a table column: asked at run time, granted at install, or a special access (app-op)."""
    match kind:
        case PermissionKind.RUNTIME:
            return "runtime"
        case PermissionKind.INSTALL:
            return "install"
        case PermissionKind.APPOP:
            return "special"
        case PermissionKind.UNKNOWN:
            return "unknown"
        case _:
            assert_never(kind)


# --------------------------------------------------------------------------------------------------
# Categories and access levels
# --------------------------------------------------------------------------------------------------


def category_label(category: DataCategory) -> str:
    """The category's name as the scoring's reasons say it (``Contacts and call log``)."""
    return CATEGORY_LABELS[category]


def level_short(level: AccessLevel) -> str:
    """A few letters for a matrix cell; the colour says the same, so the cell is readable without colour."""
    match level:
        case AccessLevel.NONE:
            return ""
        case AccessLevel.REQUESTED:
            return "asked"
        case AccessLevel.WHILE_IN_USE:
            return "in use"
        case AccessLevel.ALL_THE_TIME:
            return "always"
        case AccessLevel.USED_FOREGROUND:
            return "used"
        case AccessLevel.USED_BACKGROUND:
            return "used bg"
        case AccessLevel.SPECIAL_ACCESS:
            return "key"
        case _:
            assert_never(level)


def grade_words(grade: Grade) -> str:
    match grade:
        case Grade.A:
            return "little exposure"
        case Grade.B:
            return "low exposure"
        case Grade.C:
            return "moderate exposure"
        case Grade.D:
            return "high exposure"
        case Grade.E:
            return "very high exposure"
        case Grade.F:
            return "severe exposure"
        case _:
            assert_never(grade)


def severity_rank(severity: Severity) -> int:
    """0 for critical up to 4 for info: the order findings are listed in."""
    match severity:
        case Severity.CRITICAL:
            return 0
        case Severity.HIGH:
            return 1
        case Severity.MEDIUM:
            return 2
        case Severity.LOW:
            return 3
        case Severity.INFO:
            return 4
        case _:
            assert_never(severity)


def install_source_words(source: InstallSource) -> str:
    match source:
        case InstallSource.SYSTEM:
            return "preinstalled"
        case InstallSource.STORE:
            return "from an app store"
        case InstallSource.SIDELOADED:
            return "sideloaded (from a file, adb or a browser)"
        case InstallSource.OTHER_INSTALLER:
            return "installed by another app"
        case InstallSource.UNKNOWN:
            return "unknown"
        case _:
            assert_never(source)


def origin_words(origin: AppOrigin) -> str:
    """Where an app comes from, as a person would say it."""
    match origin:
        case AppOrigin.PLATFORM:
            return "part of the operating system"
        case AppOrigin.PREINSTALLED:
            return "came with the phone"
        case AppOrigin.INSTALLED:
            return "installed"
        case _:
            assert_never(origin)


def removal_words(removal: Removal) -> str:
    """What a person can do about the app."""
    match removal:
        case Removal.UNINSTALL:
            return "can be uninstalled"
        case Removal.DISABLE:
            return "cannot be uninstalled, but can be turned off (disabled) and turned on again"
        case Removal.DEACTIVATE_FIRST:
            return "can be turned off once its device admin is deactivated"
        case Removal.DISABLED:
            return "already turned off (disabled)"
        case Removal.NONE:
            return "part of the operating system: it cannot be removed or turned off"
        case _:
            assert_never(removal)


def part_title(part: DevicePart) -> str:
    """A part of the device exposure by its title (``Installed apps``)."""
    return part_words(part)[1]


def user_kind_words(kind: UserKind) -> str:
    match kind:
        case UserKind.PRIMARY:
            return "owner"
        case UserKind.SECONDARY:
            return "secondary user"
        case UserKind.WORK_PROFILE:
            return "work profile"
        case UserKind.GUEST:
            return "guest"
        case UserKind.CLONE_OR_OTHER_PROFILE:
            return "other profile (second space, clone)"
        case _:
            assert_never(kind)


def note_level_words(level: NoteLevel) -> str:
    match level:
        case NoteLevel.INFO:
            return "for information"
        case NoteLevel.PARTIAL:
            return "partly missing"
        case NoteLevel.MISSING:
            return "missing"
        case _:
            assert_never(level)


# --------------------------------------------------------------------------------------------------
# Special accesses and roles
# --------------------------------------------------------------------------------------------------


def special_words(kind: SpecialAccessKind) -> Words:
    """What a special access is called in Settings, and what it lets the app do."""
    match kind:
        case SpecialAccessKind.ACCESSIBILITY:
            return Words("Accessibility service", "can read everything on your screen and act for you: tap, type, read")
        case SpecialAccessKind.NOTIFICATION_LISTENER:
            return Words(
                "Notification access",
                "reads every notification (message previews, senders, one-time codes) and can dismiss them",
            )
        case SpecialAccessKind.NOTIFICATION_ASSISTANT:
            return Words("Notification assistant", "reads, changes, hides and answers every notification")
        case SpecialAccessKind.DEVICE_ADMIN:
            return Words("Device admin", "can lock or wipe the phone, set screen-lock rules and resist uninstalling")
        case SpecialAccessKind.DEVICE_OWNER:
            return Words(
                "Device owner",
                "manages the whole phone: installs apps, grants their permissions, can watch traffic and wipe it",
            )
        case SpecialAccessKind.PROFILE_OWNER:
            return Words("Profile owner", "manages a work profile: its apps, their permissions and its data")
        case SpecialAccessKind.OVERLAY:
            return Words("Display over other apps", "can draw over other apps, e.g. a fake login screen")
        case SpecialAccessKind.USAGE_ACCESS:
            return Words("Usage access", "sees which apps you use, when and for how long")
        case SpecialAccessKind.WRITE_SETTINGS:
            return Words("Modify system settings", "can change system settings such as ringtone or screen timeout")
        case SpecialAccessKind.INSTALL_UNKNOWN_APPS:
            return Words("Install unknown apps", "can install other apps from outside an app store")
        case SpecialAccessKind.ALL_FILES_ACCESS:
            return Words("All-files access", "can read, change and delete every file in shared storage")
        case SpecialAccessKind.EXACT_ALARM:
            return Words("Alarms and reminders", "can wake up at exact times, even while the phone is idle")
        case SpecialAccessKind.VPN:
            return Words("VPN", "your network traffic can pass through it: it sees which services you reach")
        case SpecialAccessKind.ALWAYS_ON_VPN:
            return Words("Always-on VPN", "all your network traffic passes through it, all the time")
        case SpecialAccessKind.INPUT_METHOD:
            return Words("Keyboard (enabled)", "once chosen as keyboard, sees everything you type")
        case SpecialAccessKind.DEFAULT_INPUT_METHOD:
            return Words("Default keyboard", "sees everything you type, passwords and messages included")
        case SpecialAccessKind.MEDIA_PROJECTION:
            return Words("Screen capture", "can record or cast everything shown on the screen")
        case SpecialAccessKind.RESTRICTED_SETTINGS_ALLOWED:
            return Words(
                "Restricted settings allowed",
                "the block on giving this sideloaded app accessibility or notification access was lifted",
            )
        case SpecialAccessKind.ROLE:
            return Words("Role", "a default app Android gives extra access to")
        case SpecialAccessKind.QUERY_ALL_PACKAGES:
            return Words("Sees all installed apps", "can list every app, which hints at health, faith, money and work")
        case _:
            assert_never(kind)


_ROLE_WORDS: dict[str, Words] = {
    "SMS": Words("Default SMS app", "reads, sends and deletes all text messages"),
    "DIALER": Words("Default phone app", "places and answers calls and reads the call log"),
    "ASSISTANT": Words("Digital assistant", "reads what is on screen when called up, and may listen for its wake word"),
    "BROWSER": Words("Default browser", "opens every link you tap"),
    "HOME": Words("Home screen", "sees which apps you start from it"),
    "EMERGENCY": Words("Emergency app", "handles emergency information and calls"),
    "CALL_REDIRECTION": Words("Call redirection", "can send your outgoing calls elsewhere"),
    "CALL_SCREENING": Words("Call screening", "sees every incoming caller and can block calls"),
    "SYSTEM_GALLERY": Words("System gallery", "full access to your photos and videos"),
    "COMPANION_DEVICE_WATCH": Words("Watch companion", "gets notification, call and SMS access for a watch"),
    "DEVICE_POLICY_MANAGEMENT": Words("Device management", "sets up and manages the phone for an organisation"),
    "NOTES": Words("Notes app", "opens from the lock screen to take notes"),
    "FINANCED_DEVICE_KIOSK": Words("Financed-device kiosk", "can lock the phone if payments stop"),
    "SYSTEM_SUPERVISION": Words("Supervision", "parental or organisational supervision of the phone"),
}

MASTER_KEY_ROLES = frozenset({"SMS", "DIALER", "ASSISTANT"})
"""Roles that are master keys: default SMS and phone apps see every message and call; the assistant
reads the screen on request."""


def role_words(role: str | None) -> Words:
    """A role by its full name (``android.app.role.SMS``) in plain words; unknown roles are named as is."""
    name = role_short_name(role)
    return _ROLE_WORDS.get(name, Words(f"Role {name or '?'}", "a default app Android gives extra access to"))


MASTER_KEY_KINDS: tuple[SpecialAccessKind, ...] = (
    SpecialAccessKind.ACCESSIBILITY,
    SpecialAccessKind.DEVICE_OWNER,
    SpecialAccessKind.PROFILE_OWNER,
    SpecialAccessKind.DEVICE_ADMIN,
    SpecialAccessKind.NOTIFICATION_LISTENER,
    SpecialAccessKind.NOTIFICATION_ASSISTANT,
    SpecialAccessKind.ROLE,
    SpecialAccessKind.DEFAULT_INPUT_METHOD,
    SpecialAccessKind.VPN,
    SpecialAccessKind.ALWAYS_ON_VPN,
    SpecialAccessKind.USAGE_ACCESS,
    SpecialAccessKind.OVERLAY,
    SpecialAccessKind.INSTALL_UNKNOWN_APPS,
    SpecialAccessKind.ALL_FILES_ACCESS,
    SpecialAccessKind.MEDIA_PROJECTION,
    SpecialAccessKind.RESTRICTED_SETTINGS_ALLOWED,
)
"""The master keys, most powerful first (roles count only for ``MASTER_KEY_ROLES``). The other
special accesses (exact alarms, enabled keyboards, system settings, seeing all apps, other roles)
are listed after them as "other special accesses"."""


# --------------------------------------------------------------------------------------------------
# How a category is reached: the scoring's "via" keys and qualifiers
# --------------------------------------------------------------------------------------------------

_QUALIFIER_WORDS: dict[str, str] = {
    "grant_unknown": "grant state unknown",
    "one_time": "allowed only this time",
    "user_fixed_denial": "you denied it and chose don't ask again",
    "auto_revoked": "removed because the app was not used",
    "legacy_revoked": "turned off for this old app",
    "policy_fixed": "set by device policy",
    "approximate_only": "approximate only",
    "photo_location": "only where photos were taken",
    "nearby_devices": "through nearby devices",
    "selected_photos_only": "only the photos you selected",
    "write_only": "can change, not read",
    "send_only": "can send, not read",
    "cell_broadcasts": "public broadcast messages only",
    "telephony": "calls only",
    "installed_apps_only": "the list of apps only",
    "overlay_only": "drawing over apps only",
    "keyboard_enabled": "keyboard enabled, not chosen",
    "settings_only": "minor settings only",
    "clipboard": "the clipboard",
}


def qualifier_words(qualifier: str) -> str:
    """A scoring qualifier (``one_time``, ``explained_by_role:SMS`` …) in plain words; unknown ones as is."""
    if qualifier.startswith("explained_by_role:"):
        return "expected of its role: " + role_words(qualifier.split(":", 1)[1]).title.lower()
    return _QUALIFIER_WORDS.get(qualifier, qualifier)


def via_words(key: str) -> str:
    """A scoring evidence key in plain words: ``special:usage_access`` → ``Usage access``,
    ``appop:MONITOR_LOCATION`` → ``app-op MONITOR_LOCATION``, a permission → its short name."""
    if key.startswith("special:"):
        try:
            return special_words(SpecialAccessKind(key.split(":", 1)[1])).title
        except ValueError:
            return key
    if key.startswith("appop:"):
        return "app-op " + key.split(":", 1)[1]
    return short_permission(key)
