"""The audit report: one app per user with its permissions, app-op facts and special accesses, derived by
``auditor.analyse`` from the parsed facts. This is the documented JSON contract (``docs/schema.md``);
every later stage reads it, never raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from auditor.model.apk import ApkFacts
from auditor.model.exposure import DeviceExposure, Exposure, Finding, WeightsInfo
from auditor.model.notes import Note
from auditor.model.parsed import OpEntry
from auditor.model.timeline import AccessEvent, AccessState, Timeline, UsageTotals

SCHEMA_VERSION = "1.1"
"""Version of the audit report JSON. Bump the minor part for added fields, the major for changes."""


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Identity of the audited device, from ``getprop``."""

    model: str | None = None
    manufacturer: str | None = None
    brand: str | None = None
    android_release: str | None = None
    sdk: int | None = None
    security_patch: str | None = None
    """``ro.build.version.security_patch``, ``YYYY-MM-DD``."""
    fingerprint: str | None = None
    serial: str | None = None
    timezone: str | None = None


class UserKind(StrEnum):
    """What kind of Android user (profile) a user id is, from its UserInfo flags."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    WORK_PROFILE = "work_profile"
    GUEST = "guest"
    CLONE_OR_OTHER_PROFILE = "other_profile"
    """A profile that is not a managed (work) profile: OEM second space, dual apps, clone profile."""


@dataclass(frozen=True, slots=True)
class UserReport:
    id: int
    name: str
    kind: UserKind
    flags: int
    running: bool


class PermissionKind(StrEnum):
    """How Android grants a permission."""

    RUNTIME = "runtime"
    """Dangerous: asked for at run time (or granted at install for targetSdk < 23)."""
    INSTALL = "install"
    """Normal or signature: granted at install; listed under ``install permissions:``."""
    APPOP = "appop"
    """Special access backed by an app-op (overlay, usage access, all-files access …)."""
    UNKNOWN = "unknown"
    """Requested, but no grant state was found in the dump."""


class EffectiveAccess(StrEnum):
    """Whether the app can use a permission right now, after every gate Android applies."""

    ALLOWED = "allowed"
    """Granted and the app-op allows it in every state."""
    FOREGROUND_ONLY = "foreground_only"
    """Granted, but the app-op restricts it to while the app is in use."""
    DENIED = "denied"
    """Not granted."""
    REVOKED_COMPAT = "revoked_compat"
    """Legacy app (targetSdk < 23): shows ``granted=true`` but the app-op is denied (REVOKED_COMPAT)."""
    APPOP_DENIED = "appop_denied"
    """Granted, but the app-op (package or uid mode) is ignore/deny."""
    NOT_REQUESTED = "not_requested"
    """A grant without a request (e.g. the app-op is set but the permission is not asked for)."""
    UNKNOWN = "unknown"
    """No grant state is known (the source lacked it)."""


@dataclass(frozen=True, slots=True)
class OpAccess:
    """The newest recorded access (or rejection) of an app-op, with its state."""

    time: str | None
    """Absolute device-local time when known."""
    ago_ms: int | None
    """Milliseconds before the capture when known."""
    state: AccessState
    uid_state: str
    """The raw uid state, e.g. ``top``, ``fgsvc``, ``bg``."""
    proxy: str | None = None


@dataclass(frozen=True, slots=True)
class PermissionReport:
    """One permission of one app for one user, with every fact that decides its effect."""

    name: str
    kind: PermissionKind
    requested: bool | None
    """``None`` when the source had no list of requested permissions."""
    granted: bool | None
    """``None`` when no grant state was found."""
    flags: tuple[str, ...]
    """Permission flags as Android prints them (USER_FIXED, ONE_TIME, AUTO_REVOKED …)."""
    effective: EffectiveAccess
    appop: str | None = None
    """The app-op that gates this permission, if any (e.g. FINE_LOCATION)."""
    appop_mode: str | None = None
    """The op's mode after the uid mode override (``allow``, ``foreground``, ``ignore`` …)."""
    last_access: str | None = None
    last_access_ago_ms: int | None = None
    last_access_state: AccessState | None = None
    last_background_access: str | None = None
    """Newest access in the background, when one is recorded (it may be older than ``last_access``)."""
    last_reject: str | None = None


class SpecialAccessKind(StrEnum):
    """The master keys: accesses that go beyond runtime permissions."""

    ACCESSIBILITY = "accessibility_service"
    NOTIFICATION_LISTENER = "notification_listener"
    NOTIFICATION_ASSISTANT = "notification_assistant"
    DEVICE_ADMIN = "device_admin"
    DEVICE_OWNER = "device_owner"
    PROFILE_OWNER = "profile_owner"
    OVERLAY = "display_over_other_apps"
    USAGE_ACCESS = "usage_access"
    WRITE_SETTINGS = "modify_system_settings"
    INSTALL_UNKNOWN_APPS = "install_unknown_apps"
    ALL_FILES_ACCESS = "all_files_access"
    EXACT_ALARM = "exact_alarms"
    VPN = "vpn"
    ALWAYS_ON_VPN = "always_on_vpn"
    INPUT_METHOD = "input_method"
    DEFAULT_INPUT_METHOD = "default_input_method"
    MEDIA_PROJECTION = "screen_capture"
    RESTRICTED_SETTINGS_ALLOWED = "restricted_settings_allowed"
    ROLE = "role"
    QUERY_ALL_PACKAGES = "query_all_packages"


@dataclass(frozen=True, slots=True)
class SpecialAccessReport:
    """One special access an app holds, with the raw evidence it rests on."""

    kind: SpecialAccessKind
    detail: str | None
    """The component (``pkg/cls``), role name or op, when the access names one."""
    evidence: str
    """Where it was read, e.g. ``dumpsys accessibility: Enabled services`` or ``appops: SYSTEM_ALERT_WINDOW=allow``."""


class InstallSource(StrEnum):
    """Where an app came from, judged from installer, initiator, packageSource and flags."""

    SYSTEM = "system"
    """Preinstalled in the system image (possibly updated)."""
    STORE = "store"
    """Installed by a known app store."""
    SIDELOADED = "sideloaded"
    """Installed from a file, by adb, by a browser or file manager, or by the package installer."""
    OTHER_INSTALLER = "other_installer"
    """Installed by another app that is not a known store."""
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class AppReport:
    """One app as installed for one user."""

    package: str
    user: int
    uid: int | None
    app_id: int | None
    version_code: int | None
    version_name: str | None
    min_sdk: int | None
    target_sdk: int | None
    system: bool
    updated_system: bool
    enabled: bool | None
    installer: str | None
    initiating_installer: str | None
    install_source: InstallSource
    package_source: int | None
    first_install: str | None
    last_update: str | None
    code_path: str | None
    shared_user: str | None
    debuggable: bool
    permissions: tuple[PermissionReport, ...]
    special_access: tuple[SpecialAccessReport, ...]
    ops: tuple[OpEntry, ...] = ()
    """App-ops of this package that no permission row covers (vendor ops, RUN_IN_BACKGROUND …)."""
    notes: tuple[Note, ...] = ()
    apk: ApkFacts | None = None
    """Static facts of the app's base APK, when it was pulled and analysed (``--apks``)."""
    exposure: Exposure | None = None
    """What personal data the app can reach, how far, and the score with its reasons."""
    findings: tuple[Finding, ...] = ()
    """Rule hits with severity, confidence, evidence and the exact fix."""
    events: tuple[AccessEvent, ...] = ()
    """Every recorded access and rejection of the app, from the regular dump and the discrete history,
    newest first (``auditor.analyse.timeline``)."""
    usage: tuple[UsageTotals, ...] = ()
    """The app's accesses in the timeline's window, totalled per data category (or op) and state."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Where the audited data came from."""

    kind: str
    """``snapshot``, ``bugreport``, ``androidqf`` or ``synthetic``."""
    path: str
    snapshot_sha256: str | None = None
    """SHA-256 over the raw outputs, so a report names the exact evidence it rests on."""
    collected_at: str | None = None
    device_time: str | None = None
    """The device's own clock at capture (UTC, ISO 8601, from ``date +%s``): the reference for ages such as
    the security patch's, since a phone's clock, not the computer's, dates everything it prints."""
    complete: bool = True


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The audit report: the documented JSON contract every later stage reads."""

    schema: str
    tool_version: str
    source: SourceInfo
    device: DeviceInfo
    users: tuple[UserReport, ...]
    apps: tuple[AppReport, ...]
    notes: tuple[Note, ...] = field(default_factory=tuple)
    device_exposure: DeviceExposure | None = None
    """The device's exposure over all apps and users, with cross-app pools."""
    weights: WeightsInfo | None = None
    """Which scoring weights produced the scores (built-in or a ``--weights`` file, with its SHA-256)."""
    timeline: Timeline | None = None
    """The device's access timeline: its window and every app's events, newest first."""
