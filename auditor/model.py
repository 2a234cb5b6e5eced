"""The shared model: frozen dataclasses and enums that cross stage boundaries.

Two layers live here.

* **Parsed facts** (``Parsed*`` and friends): what one Android text format says, as close to the
  source as is useful. Parsers in ``auditor.parse`` return these and nothing else. Anything a parser
  does not understand is kept in an ``unknown`` tuple rather than dropped.
* **The audit report** (``AuditReport`` and below): one app per user with its permissions, app-op
  facts and special accesses, derived by ``auditor.analyse`` from the parsed facts. This is the
  documented JSON contract (``docs/schema.md``); every later stage reads it, never raw text.

No ``dict[str, Any]`` crosses a stage boundary; mappings that appear are typed ``str -> str``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

SCHEMA_VERSION = "1.0"
"""Version of the audit report JSON. Bump the minor part for added fields, the major for changes."""


# --------------------------------------------------------------------------------------------------
# Notes: anything skipped, missing, truncated or not understood.
# --------------------------------------------------------------------------------------------------


class NoteLevel(StrEnum):
    """How much a note limits what the report can claim."""

    INFO = "info"
    """Worth knowing; nothing is missing because of it."""
    PARTIAL = "partial"
    """Some facts are missing or uncertain; the rest of the report stands."""
    MISSING = "missing"
    """A whole section is absent; the facts it would give are unknown, not zero."""


@dataclass(frozen=True, slots=True)
class Note:
    """A statement about coverage: what was skipped or incomplete, and why."""

    section: str
    """The raw section (snapshot entry id) or stage the note is about, e.g. ``dumpsys_appops``."""
    level: NoteLevel
    message: str
    """One plain sentence: what is missing and what follows for the report."""


# --------------------------------------------------------------------------------------------------
# Parsed facts: users, properties, settings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedUser:
    """One line of ``pm list users``: ``UserInfo{<id>:<name>:<hexflags>} running``."""

    id: int
    name: str
    flags: int
    """UserInfo flags (PRIMARY 0x1, ADMIN 0x2, GUEST 0x4, MANAGED_PROFILE 0x20, ...)."""
    running: bool


@dataclass(frozen=True, slots=True)
class ParsedUsers:
    users: tuple[ParsedUser, ...]
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedProperties:
    """``getprop`` output: ``[key]: [value]`` lines (values may span lines)."""

    values: Mapping[str, str]
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedSettings:
    """``settings list secure|global|system``: ``key=value`` lines."""

    values: Mapping[str, str]
    unknown: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------
# Parsed facts: packages
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedPackage:
    """One line of ``pm list packages [-f] [-U] [-i] [--show-versioncode]``."""

    package: str
    path: str | None = None
    version_code: int | None = None
    installer: str | None = None
    """``None`` when the option was not given; the string ``"null"`` is normalised to ``None`` too."""
    uid: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedPackageList:
    packages: tuple[ListedPackage, ...]
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PermissionState:
    """One ``name: granted=true|false[, flags=[ A|B ]]`` line of install or runtime permissions."""

    name: str
    granted: bool
    flags: tuple[str, ...] = ()
    """Flag names exactly as Android prints them; unknown bits stay as their decimal text."""


@dataclass(frozen=True, slots=True)
class DeclaredPermission:
    """A permission the package defines (``declared permissions:``)."""

    name: str
    protection: str
    """The ``prot=`` text, e.g. ``signature|privileged``."""


@dataclass(frozen=True, slots=True)
class RequestedPermission:
    """One line of ``requested permissions:`` (only in per-package or older full dumps)."""

    name: str
    restricted: bool = False
    """Android 10/11 print ``: restricted=true`` for hard-restricted permissions."""


@dataclass(frozen=True, slots=True)
class PackageUserState:
    """A ``User N:`` block of one package (or shared user); repeated blocks are merged."""

    user: int
    installed: bool | None = None
    hidden: bool | None = None
    suspended: bool | None = None
    stopped: bool | None = None
    not_launched: bool | None = None
    enabled: int | None = None
    """COMPONENT_ENABLED_STATE: 0 default, 1 enabled, 2 disabled, 3 disabled by user, 4 until used."""
    install_reason: int | None = None
    first_install_time: str | None = None
    """Local device time ``yyyy-MM-dd HH:mm:ss`` as printed (Android 13+ keep it per user)."""
    runtime_permissions: tuple[PermissionState, ...] = ()
    has_runtime_section: bool = False
    """True when a ``runtime permissions:`` header was seen (absent vs empty matters)."""
    install_permissions: tuple[PermissionState, ...] = ()
    """Install permissions whose state differs for this user (``…: granted=false, userId=10`` lines)."""
    extras: tuple[tuple[str, str], ...] = ()
    """Other ``key=value`` pairs of the User line and per-user lines (gids, dataDir …), kept verbatim."""


@dataclass(frozen=True, slots=True)
class ParsedPackage:
    """One ``Package [name] (hash):`` block of ``dumpsys package``."""

    package: str
    app_id: int | None = None
    """``userId=`` (Android ≤ 12) or ``appId=`` (newer)."""
    shared_user: str | None = None
    """Name of the sharedUserId, e.g. ``android.uid.system``."""
    code_path: str | None = None
    version_code: int | None = None
    version_name: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    flags: tuple[str, ...] = ()
    private_flags: tuple[str, ...] = ()
    pkg_flags: tuple[str, ...] = ()
    installer: str | None = None
    initiating_package: str | None = None
    originating_package: str | None = None
    update_owner: str | None = None
    package_source: int | None = None
    timestamp: str | None = None
    first_install_time: str | None = None
    """Package-level ``firstInstallTime=`` (Android ≤ 12); newer builds keep it per user."""
    last_update_time: str | None = None
    signatures: str | None = None
    """The ``signatures=PackageSignatures{…}`` text; its short hashes are not certificate digests."""
    splits: tuple[str, ...] = ()
    declared_permissions: tuple[DeclaredPermission, ...] = ()
    requested_permissions: tuple[RequestedPermission, ...] | None = None
    """``None`` when the dump had no ``requested permissions:`` section (unknown, not empty)."""
    install_permissions: tuple[PermissionState, ...] = ()
    users: tuple[PackageUserState, ...] = ()
    hidden_system: bool = False
    """True for the factory copy listed under ``Hidden system packages:``."""
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedSharedUser:
    """A ``SharedUser [name] (hash):`` block: runtime grants of shared-uid apps live here."""

    name: str
    app_id: int | None
    install_permissions: tuple[PermissionState, ...] = ()
    users: tuple[PackageUserState, ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedPackageDump:
    """Everything ``dumpsys package`` (full, or several per-package dumps concatenated) says."""

    packages: tuple[ParsedPackage, ...]
    hidden_system_packages: tuple[ParsedPackage, ...] = ()
    shared_users: tuple[ParsedSharedUser, ...] = ()
    truncated: bool = False
    """True when the text ends inside a block (e.g. a cut-off capture)."""
    unknown: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------
# Parsed facts: app-ops
# --------------------------------------------------------------------------------------------------


class UidState(StrEnum):
    """Process state of an app-op event (``[<state>-<flags>]``), from AppOpsManager."""

    PERSISTENT = "pers"
    TOP = "top"
    FOREGROUND_SERVICE_LOCATION = "fgsvcl"
    FOREGROUND_SERVICE = "fgsvc"
    FOREGROUND = "fg"
    BACKGROUND = "bg"
    CACHED = "cch"
    GONE = "gone"
    UNKNOWN = "unknown"
    """A state this tool does not know (vendor builds, future versions); the raw text is kept."""


class OpEventKind(StrEnum):
    ACCESS = "access"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class OpEvent:
    """One ``Access:``/``Reject:`` line (dumpsys) or ``time=``/``rejectTime=`` (appops get)."""

    kind: OpEventKind
    uid_state: UidState
    uid_state_raw: str
    """The state text as printed, e.g. ``top`` or a vendor value."""
    flags: tuple[str, ...] = ()
    """Op flags: ``s`` self, ``tp``/``up`` trusted/untrusted proxy, ``tpd``/``upd`` proxied."""
    time: str | None = None
    """Absolute local time ``yyyy-MM-dd HH:mm:ss.SSS`` when printed (dumpsys appops)."""
    ago_ms: int | None = None
    """Milliseconds before the dump (the ``(-1h2m3s4ms)`` or ``+1h2m3s4ms ago`` part)."""
    duration_ms: int | None = None
    attribution_tag: str | None = None
    proxy: str | None = None
    """The ``proxy[…]`` text: the app that accessed on behalf of this one, or was proxied."""


@dataclass(frozen=True, slots=True)
class OpEntry:
    """One op of one package: its mode and its recorded events."""

    op: str
    mode: str
    """Mode as printed: allow, ignore, deny, default, foreground, or a vendor value such as ``ask``."""
    events: tuple[OpEvent, ...] = ()
    running: bool = False
    switch: str | None = None
    """``/ switch X=mode`` text when the op is controlled by another op."""


@dataclass(frozen=True, slots=True)
class PackageOps:
    package: str
    ops: tuple[OpEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class UidOps:
    """One ``Uid u0a234:`` block: uid-level modes (which override package modes) and packages."""

    uid: int
    """Full uid: user × 100000 + appId."""
    uid_modes: tuple[tuple[str, str], ...] = ()
    packages: tuple[PackageOps, ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedAppOps:
    """``dumpsys appops`` (absolute times) or ``appops get`` (relative times) for one or many uids."""

    uids: tuple[UidOps, ...]
    truncated: bool = False
    unknown: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------
# Parsed facts: special accesses
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComponentGrant:
    """A component (``package/class``) enabled for a user, e.g. an accessibility service."""

    user: int
    component: str

    @property
    def package(self) -> str:
        """The package part of the component (before ``/``)."""
        return self.component.split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class ParsedAccessibility:
    """``dumpsys accessibility``: enabled (and bound / installed) services per user."""

    enabled: tuple[ComponentGrant, ...] = ()
    bound: tuple[ComponentGrant, ...] = ()
    installed: tuple[ComponentGrant, ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedNotificationListeners:
    """The listener part of ``dumpsys notification`` (never the notifications themselves)."""

    allowed: tuple[ComponentGrant, ...] = ()
    live: tuple[ComponentGrant, ...] = ()
    assistants: tuple[ComponentGrant, ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedDevicePolicy:
    """``dumpsys device_policy``: device admins per user, device owner, profile owners."""

    admins: tuple[ComponentGrant, ...] = ()
    device_owner: ComponentGrant | None = None
    profile_owners: tuple[ComponentGrant, ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoleHolder:
    user: int
    role: str
    """Full role name, e.g. ``android.app.role.SMS``."""
    package: str


@dataclass(frozen=True, slots=True)
class ParsedRoles:
    """Role holders from ``dumpsys role`` or ``cmd role get-role-holders`` loops."""

    holders: tuple[RoleHolder, ...] = ()
    unknown: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------
# The snapshot: the contract between acquisition and analysis
# --------------------------------------------------------------------------------------------------

SNAPSHOT_SCHEMA = "1"
"""Version of ``manifest.json``."""


class Section(StrEnum):
    """What a raw output is, so that analysis knows which parser reads it, whatever its file name."""

    GETPROP = "getprop"
    DATE = "date"
    """``date +%s``: the device clock, to turn relative app-op times into absolute ones."""
    PM_LIST_USERS = "pm_list_users"
    PM_LIST_PACKAGES = "pm_list_packages"
    DUMPSYS_PACKAGE = "dumpsys_package"
    """A full ``dumpsys package`` or per-package dumps concatenated (with marker lines)."""
    DUMPSYS_APPOPS = "dumpsys_appops"
    APPOPS_GET = "appops_get"
    """``appops get`` per package in a marked loop (a fallback where ``dumpsys appops`` is denied)."""
    DUMPSYS_ACCESSIBILITY = "dumpsys_accessibility"
    DUMPSYS_NOTIFICATION = "dumpsys_notification"
    """Only the listener and assistant parts of ``dumpsys notification`` (filtered on the device)."""
    DUMPSYS_DEVICE_POLICY = "dumpsys_device_policy"
    DUMPSYS_ROLE = "dumpsys_role"
    ROLE_HOLDERS = "role_holders"
    SETTINGS_SECURE = "settings_secure"
    SETTINGS_GLOBAL = "settings_global"
    SETTINGS_SYSTEM = "settings_system"
    PM_PATH = "pm_path"
    """``pm path`` per package in a marked loop: where the APKs lie (for pulling them)."""
    OTHER = "other"
    """Kept as evidence; no parser reads it."""


class CommandStatus(StrEnum):
    """What happened to one command of a collection."""

    OK = "ok"
    FAILED = "failed"
    """The command ran and exited non-zero (its output is kept; it often says why)."""
    TIMEOUT = "timeout"
    DENIED = "denied"
    """The device refused it (permission denial, unknown service, SELinux)."""
    SKIPPED = "skipped"
    """Not run: not applicable to this device, or the connection was lost before it."""


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """One entry of ``manifest.json``: a command, where its output is, and how it went."""

    id: str
    """Unique within the snapshot; the output file is ``raw/<id>.txt``."""
    command: str
    """The exact shell command sent (or, for offline sources, where the text was found)."""
    section: Section
    user: int | None
    """The Android user the command was about, for per-user commands."""
    status: CommandStatus
    exit_code: int | None = None
    bytes: int = 0
    sha256: str | None = None
    seconds: float = 0.0
    error: str | None = None
    """Why the command failed, timed out, was denied or skipped."""

    @property
    def output(self) -> str:
        """Path of the verbatim output, relative to the snapshot directory."""
        return f"raw/{self.id}.txt"


class ApkRefStatus(StrEnum):
    """What became of one APK of the snapshot's APK index (``--apks``)."""

    STORED = "stored"
    """The file is in the snapshot as ``apks/<sha256>.apk`` (pulled now, or by an earlier run)."""
    CACHED = "cached"
    """Not pulled: the device's SHA-256 was already in the local APK cache, whose facts the audit uses."""
    FAILED = "failed"
    """Not in the snapshot: the pull failed, or the bytes did not match the device's SHA-256 (see ``error``)."""


@dataclass(frozen=True, slots=True)
class ApkRef:
    """One APK of one app for one user, as ``pm path`` listed it, and what the collection did with it."""

    user: int
    package: str
    path: str
    """The device path ``pm path`` printed (untrusted text; never used as a local file name)."""
    sha256: str | None
    """Lowercase hex SHA-256 of the file: from the device (``sha256sum``) or of the pulled bytes."""
    size: int | None
    """Bytes, when known (sync ``STAT``, the pulled file, or the cached analysis)."""
    status: ApkRefStatus
    error: str | None = None
    """Why a ``failed`` APK is not in the snapshot."""

    @property
    def stored(self) -> bool:
        """Whether the snapshot holds the file."""
        return self.status is ApkRefStatus.STORED and self.sha256 is not None

    @property
    def file(self) -> str | None:
        """Path of the stored file relative to the snapshot directory (content-addressed)."""
        return f"apks/{self.sha256}.apk" if self.stored else None


@dataclass(frozen=True, slots=True)
class SnapshotManifest:
    """``manifest.json``: how, when and from what the snapshot was made, and every command's outcome."""

    schema: str
    tool_version: str
    created_at: str
    """UTC, ISO 8601."""
    source: str
    """``adb-tcp``, ``adb-server``, ``adb-usb``, ``synthetic``, ``bugreport`` or ``androidqf``."""
    device: DeviceInfo
    users: tuple[int, ...]
    commands: tuple[CommandRecord, ...]
    complete: bool
    """False when collection stopped early (``auditor collect --resume`` completes it)."""
    notes: tuple[Note, ...] = ()
    apks: tuple[ApkRef, ...] = ()
    """The APK index of ``--apks``: every APK chosen, stored or not (empty when APKs were not asked for)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A snapshot in memory: the manifest and the raw output bytes of each command, by id."""

    manifest: SnapshotManifest
    outputs: Mapping[str, bytes]
    path: str
    """Where it was read from (a directory, a bug report zip, an androidqf folder)."""


# --------------------------------------------------------------------------------------------------
# The audit report
# --------------------------------------------------------------------------------------------------


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


class AccessState(StrEnum):
    """Whether a recorded app-op access happened while the app was visible."""

    FOREGROUND = "foreground"
    BACKGROUND = "background"
    UNKNOWN = "unknown"


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


# --------------------------------------------------------------------------------------------------
# Exposure: personal data reach, scores with reasons, findings
# --------------------------------------------------------------------------------------------------


class DataCategory(StrEnum):
    """Personal data a phone exposes: Google Play's Data-safety axes, extended for what apps can reach."""

    LOCATION = "location"
    CONTACTS = "contacts"
    """Contacts and the social graph: contacts, accounts, call log."""
    MESSAGES = "messages"
    """SMS/MMS, and notification content through a notification listener."""
    CAMERA = "camera"
    MICROPHONE = "microphone"
    MEDIA = "photos_files"
    """Photos, videos and files."""
    CALENDAR = "calendar"
    HEALTH = "health"
    """Health and body: body sensors, activity recognition, Health Connect."""
    IDENTITY = "identity"
    """Identity and device identifiers: phone state and numbers, accounts."""
    APP_ACTIVITY = "app_activity"
    """Usage access and the list of installed apps (which reveals health, religion, money, employer)."""
    SCREEN_INPUT = "screen_input"
    """Screen and input: can read and act on anything shown or typed."""
    DEVICE_CONTROL = "device_control"
    """Device admin or owner, installing other apps, VPN, changing settings."""


class AccessLevel(StrEnum):
    """How far an app reaches a category, from least to most (``rank`` orders them)."""

    NONE = "none"
    REQUESTED = "requested"
    """Asked for, not granted."""
    WHILE_IN_USE = "while_in_use"
    """Granted only while the app is in use."""
    ALL_THE_TIME = "all_the_time"
    """Granted all the time, including in the background."""
    USED_FOREGROUND = "used_foreground"
    """An app-op access was recorded, only in the foreground."""
    USED_BACKGROUND = "used_background"
    """An app-op access was recorded while the app was in the background."""
    SPECIAL_ACCESS = "special_access"
    """A special access (accessibility, notification listener, device admin …) is enabled."""

    @property
    def rank(self) -> int:
        """0 for NONE up to 6 for SPECIAL_ACCESS."""
        return _ACCESS_LEVEL_ORDER.index(self)


_ACCESS_LEVEL_ORDER = list(AccessLevel)


class Grade(StrEnum):
    """A letter for a 0–100 exposure score: A is least exposed, F most."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


@dataclass(frozen=True, slots=True)
class CategoryExposure:
    """How far one app reaches one category, and through what."""

    category: DataCategory
    level: AccessLevel
    points: int
    via: tuple[str, ...]
    """The permissions, special accesses or ops that give this level."""
    qualifiers: tuple[str, ...] = ()
    """What the level does not show: ``one_time``, ``user_fixed_denial``, ``auto_revoked``, ``approximate_only``,
    ``selected_photos_only``, ``explained_by_role:<role>``."""


@dataclass(frozen=True, slots=True)
class ScoreReason:
    """One addend of a score: its points, the rule that gave them, and the evidence."""

    rule: str
    """Stable id: ``category.<name>``, ``combination.<id>``, ``modifier.<id>``, ``cap``, ``pool.<kind>``."""
    points: int
    text: str
    """Plain words, e.g. "Precise location used in the background (last 2024-05-01 11:00)"."""
    evidence: tuple[str, ...] = ()
    category: DataCategory | None = None


@dataclass(frozen=True, slots=True)
class Exposure:
    """An app's exposure: per-category reach and a 0–100 score whose reasons add up to it exactly."""

    score: int
    grade: Grade
    categories: tuple[CategoryExposure, ...]
    reasons: tuple[ScoreReason, ...]
    profiles: tuple[str, ...] = ()
    """Stable ids of the combination profiles matched (e.g. ``covert_listening``)."""


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule hit on one app: what, how sure, why it matters, the evidence, and the exact fix."""

    rule_id: str
    """Stable id, e.g. ``AUD-A11Y-001``; documented in ``docs/rules.md``."""
    title: str
    severity: Severity
    confidence: Confidence
    rationale: str
    evidence: tuple[str, ...]
    remediation: str
    """The exact ``adb shell …`` command, or the Settings path where no command exists."""


@dataclass(frozen=True, slots=True)
class ExposurePool:
    """Apps that pool what they reach: one signer, one sharedUserId, or one tracker SDK inside them."""

    kind: str
    """``shared_uid``, ``shared_signer`` or ``tracker_sdk``."""
    name: str
    apps: tuple[str, ...]
    """``package@user`` of every app in the pool."""
    categories: tuple[DataCategory, ...]
    """What the pool reaches together (granted or more)."""
    text: str


@dataclass(frozen=True, slots=True)
class DeviceExposure:
    """The device's exposure over all apps and users."""

    score: int
    grade: Grade
    reasons: tuple[ScoreReason, ...]
    pools: tuple[ExposurePool, ...] = ()


@dataclass(frozen=True, slots=True)
class WeightsInfo:
    source: str
    """``built-in`` or the path of the ``--weights`` file."""
    sha256: str


# --------------------------------------------------------------------------------------------------
# APK facts
# --------------------------------------------------------------------------------------------------
# What static analysis of one APK file says (``auditor.apk``). Every string here comes from the APK
# and is written by whoever built it: renderers must escape it, and nothing may fetch or execute it.


class ApkStatus(StrEnum):
    """How far the analysis of one APK got."""

    OK = "ok"
    """Every part was read; anomalies Android tolerates may still be listed as issues."""
    DEGRADED = "degraded"
    """The manifest was read, but another part (a DEX, resources, signing, a cap) was not; see issues."""
    SKIPPED = "skipped"
    """No facts at all: the input is unusable or the analysis hit its time or memory limit."""


class ApkIssueKind(StrEnum):
    """Why an APK, or part of it, was not read, or what tampering was seen while reading it."""

    UNREADABLE = "unreadable"
    """The file could not be opened or read (permissions, vanished, not a regular file)."""
    EMPTY_FILE = "empty_file"
    NOT_A_ZIP = "not_a_zip"
    """No end-of-central-directory record: not a zip archive at all."""
    TRUNCATED = "truncated"
    """The zip structure points past the end of the file."""
    BAD_ZIP = "bad_zip"
    """The central directory or a local header is malformed."""
    NO_MANIFEST = "no_manifest"
    """The archive has no ``AndroidManifest.xml``; Android would not install it."""
    BAD_MANIFEST = "bad_manifest"
    """The binary manifest is malformed in a way Android itself would reject."""
    BAD_DEX = "bad_dex"
    """A DEX file could not be read; its classes are missing from the class count and tracker scan."""
    BAD_RESOURCES = "bad_resources"
    """``resources.arsc`` could not be read; resource references (label, version name) stay unresolved."""
    BAD_SIGNING = "bad_signing"
    """A signature block or signature file could not be parsed; its certificate is missing."""
    BAD_NETWORK_SECURITY_CONFIG = "bad_network_security_config"
    """The declared network security config could not be read; platform defaults are reported."""
    LIMIT_EXCEEDED = "limit_exceeded"
    """A cap on inflated bytes, entry count or nesting was reached (a zip bomb, or a very large APK)."""
    TIMEOUT = "timeout"
    MEMORY = "memory"
    """The analysis ran out of the memory it is allowed."""
    CRASH = "crash"
    """The analysing worker process died."""
    ZIP_ANOMALY = "zip_anomaly"
    """Zip tampering Android tolerates (unknown compression method, encrypted flag on a plain entry …)."""
    MANIFEST_ANOMALY = "manifest_anomaly"
    """Binary-XML tampering Android tolerates (odd header sizes, junk after the root element …)."""
    JANUS = "janus"
    """DEX bytes in front of the zip (CVE-2017-13156): old Android versions run them instead of the app."""


@dataclass(frozen=True, slots=True)
class ApkIssue:
    """One reason an APK or a part of it was skipped, or one anomaly seen while reading it."""

    kind: ApkIssueKind
    message: str
    """One plain sentence; any APK-derived text in it is untrusted."""
    entry: str | None = None
    """The zip entry the issue concerns, as named in the archive (untrusted)."""


@dataclass(frozen=True, slots=True)
class ApkRequestedPermission:
    """A permission the manifest requests, or one aapt and Android treat as implied."""

    name: str
    max_sdk: int | None = None
    """``android:maxSdkVersion``: not requested on platforms above this API level."""
    sdk23: bool = False
    """Requested with ``<uses-permission-sdk-23>``: only on Android 6.0 (API 23) and later."""
    implied: bool = False
    """Not written in the manifest, but implied by an old targetSdk or another permission (aapt's rules)."""
    implied_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ApkDeclaredPermission:
    """A custom permission the app defines with ``<permission>``."""

    name: str
    protection_level: str
    """Names joined with ``|`` as in a manifest source, e.g. ``signature|privileged``."""
    group: str | None = None


class ApkComponentKind(StrEnum):
    ACTIVITY = "activity"
    ACTIVITY_ALIAS = "activity-alias"
    SERVICE = "service"
    RECEIVER = "receiver"
    PROVIDER = "provider"


class ExportedReason(StrEnum):
    """Why a component is, or is not, reachable from other apps."""

    EXPLICIT = "explicit"
    """``android:exported`` is set."""
    INTENT_FILTER = "intent_filter"
    """Not set, and the component has an intent filter, which exports it (Android 12+ refuses to install
    such an app when it targets API 31 or later)."""
    PROVIDER_LEGACY = "provider_legacy"
    """A provider of an app targeting API 16 or lower: exported unless it says otherwise."""
    DEFAULT = "default"
    """Not set and nothing exports it: private to the app."""


@dataclass(frozen=True, slots=True)
class ApkComponent:
    """An activity, alias, service, receiver or provider with its effective exported state."""

    kind: ApkComponentKind
    name: str
    """Fully qualified class name (``.Main`` and ``Main`` are resolved against the package)."""
    exported: bool
    exported_reason: ExportedReason
    enabled: bool = True
    """``android:enabled`` as written; an app can still change it at run time."""
    permission: str | None = None
    """The permission a caller needs: the component's own, else the application's default."""
    read_permission: str | None = None
    """Providers only."""
    write_permission: str | None = None
    """Providers only."""
    authorities: tuple[str, ...] = ()
    """Providers only."""
    target_activity: str | None = None
    """Aliases only: the activity the alias starts."""
    intent_actions: tuple[str, ...] = ()
    intent_categories: tuple[str, ...] = ()
    intent_schemes: tuple[str, ...] = ()
    """``<data android:scheme>`` values of its intent filters (deep links)."""


class CleartextReason(StrEnum):
    """Where the effective cleartext-traffic setting comes from."""

    NETWORK_SECURITY_CONFIG = "network_security_config"
    """The network security config's base config (it overrides the manifest attribute, API 24+)."""
    ATTRIBUTE = "attribute"
    """``android:usesCleartextTraffic`` on ``<application>``."""
    TARGET_SDK_DEFAULT = "target_sdk_default"
    """Nothing says: permitted when the app targets API 27 or lower, refused from API 28."""


@dataclass(frozen=True, slots=True)
class ApkNetworkSecurity:
    """Cleartext traffic and trusted CAs, from the manifest and its network security config."""

    cleartext_permitted: bool
    """Whether plain HTTP is permitted for hosts no domain-config names."""
    cleartext_reason: CleartextReason
    uses_cleartext_attribute: bool | None = None
    """``android:usesCleartextTraffic`` as written (``None`` when absent)."""
    config_path: str | None = None
    """The network security config's entry in the APK, when one is declared and found."""
    cleartext_domains: tuple[str, ...] = ()
    """Domains whose domain-config permits cleartext."""
    user_cas_trusted: bool = False
    """The base config trusts user-installed CAs (explicitly, or by default when targeting API 23 or lower)."""
    user_ca_domains: tuple[str, ...] = ()
    """Domains whose domain-config trusts user-installed CAs."""
    debug_user_cas: bool = False
    """``<debug-overrides>`` trusts user CAs: effective only while the app is debuggable."""


class SigningScheme(StrEnum):
    V1 = "v1"
    """JAR signing: ``META-INF/*.RSA|DSA|EC``."""
    V2 = "v2"
    V3 = "v3"
    V31 = "v3.1"
    """Key rotation aimed at Android 13 and later; its signer replaces v3's only there."""


@dataclass(frozen=True, slots=True)
class ApkCertificate:
    """A signer certificate found under one scheme. Signatures are parsed, not verified."""

    scheme: SigningScheme
    sha256: str
    """SHA-256 of the DER certificate, lowercase hex (what ``apksigner`` and Play show)."""
    subject: str | None = None
    """RFC 4514 subject, e.g. ``CN=Android Debug,O=Android,C=US`` (untrusted)."""


@dataclass(frozen=True, slots=True)
class ApkSigning:
    """The signer Android would take, and every scheme present."""

    signer_sha256: str | None
    """The signer certificate chosen as Android does: v3, else v2, else v1 (``None``: unsigned)."""
    signer_scheme: SigningScheme | None
    signer_subject: str | None = None
    schemes: tuple[SigningScheme, ...] = ()
    """Schemes whose block or signature file is present, parsed or not."""
    certificates: tuple[ApkCertificate, ...] = ()


@dataclass(frozen=True, slots=True)
class ApkTracker:
    """A tracker SDK whose code signature matches class names in the APK: it is *present*, not
    necessarily used (Exodus Privacy's own wording)."""

    id: int
    """Exodus tracker id."""
    name: str
    categories: tuple[str, ...]
    website: str | None
    evidence: tuple[str, ...]
    """Matching class-name prefixes (each class name up to the end of the signature match), sorted."""
    matched_classes: int
    """How many class names matched, outside the app's own package."""


@dataclass(frozen=True, slots=True)
class ApkFacts:
    """Everything static analysis says about one APK."""

    package: str
    label: str | None
    """The application label, resolved through resources when it is a reference (untrusted text)."""
    version_code: int | None
    version_name: str | None
    min_sdk: int | None
    """``<uses-sdk>`` as written; ``None`` when absent (Android then assumes 1)."""
    target_sdk: int | None
    """``<uses-sdk>`` as written; ``None`` when absent (Android then assumes minSdk)."""
    split: str | None
    """The split name of a split APK (``config.arm64_v8a``); ``None`` for a base APK."""
    shared_user_id: str | None
    permissions: tuple[ApkRequestedPermission, ...]
    declared_permissions: tuple[ApkDeclaredPermission, ...]
    components: tuple[ApkComponent, ...]
    debuggable: bool
    allow_backup: bool
    """``android:allowBackup``; Android's default is true."""
    test_only: bool
    network: ApkNetworkSecurity
    signing: ApkSigning
    launcher_activities: tuple[str, ...]
    """Enabled activities and aliases with a MAIN/LAUNCHER intent filter."""
    hides_launcher_icon: bool
    """A base APK with no launcher activity: the app shows no icon in the launcher."""
    trackers: tuple[ApkTracker, ...]
    dex_files: int
    """DEX files read, nested ones included."""
    class_count: int
    """Classes defined across those DEX files."""
    janus: bool
    """DEX bytes precede the zip: on unpatched Android 5.0–8.0 they run instead of the app."""


@dataclass(frozen=True, slots=True)
class ApkResult:
    """The outcome of analysing one APK file: facts, or the reason there are none."""

    path: str
    sha256: str | None
    """SHA-256 of the whole file (``None`` only when it could not be read)."""
    size: int | None
    status: ApkStatus
    facts: ApkFacts | None
    issues: tuple[ApkIssue, ...] = ()
