"""Parsed facts: what one Android text format says, as close to the source as is useful.

Parsers in ``auditor.parse`` return these and nothing else. Anything a parser does not understand is
kept in an ``unknown`` tuple rather than dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


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


class HistoryStatus(StrEnum):
    """What the output of the discrete-history command says about the history itself."""

    READ = "read"
    """A ``Discrete accesses:`` section was found and read (it may hold no event)."""
    NOT_SUPPORTED = "not_supported"
    """The device said it keeps no discrete history: the plan's guard line for Android 11 and older."""
    ABSENT = "absent"
    """No ``Discrete accesses:`` section in the output (an error message, a vendor build without it)."""


@dataclass(frozen=True, slots=True)
class DiscreteAccess:
    """One ``Access [state-flags] at TIME`` line of the discrete access history (Android 12+).

    AppOpsService keeps the regular dump's events one per uid state and flags (the newest); the
    discrete registry keeps every access of the discrete ops (camera, microphone, location …) for
    the retention window, quantised by default to the minute (times rounded down, durations up).
    """

    uid: int
    """The uid as printed (``1010234``: user 10, app 10234)."""
    package: str
    op: str
    """``AppOpsManager.opToName``, e.g. ``CAMERA``; vendor ops keep their printed name."""
    attribution_tag: str | None
    """``None`` for ``Attribution: null``; untrusted text (an app declares its own tags)."""
    uid_state: UidState
    uid_state_raw: str
    flags: tuple[str, ...]
    """Op flags as printed, e.g. ``("s",)`` or ``("tpd",)``."""
    time: str
    """Device-local ``yyyy-MM-dd HH:mm:ss.SSS`` as printed (quantised on Android 12–15)."""
    duration_ms: int | None = None
    """``for N milliseconds`` (the table form's ``-1``, no duration, becomes ``None``)."""
    attribution_flags: int = 0
    """ATTRIBUTION_FLAG_*: 1 accessor, 2 intermediary, 4 receiver, 8 trusted (0: none printed)."""
    chain_id: int | None = None
    """The attribution chain the access belongs to (``None``: ATTRIBUTION_CHAIN_ID_NONE, or not printed)."""
    device: str | None = None
    """The persistent device id of Android 16 (``default:0`` for the phone itself); ``None`` before."""


@dataclass(frozen=True, slots=True)
class ParsedDiscreteHistory:
    """``dumpsys appops --history --include-discrete 0``: the discrete access history (Android 12+)."""

    status: HistoryStatus
    events: tuple[DiscreteAccess, ...] = ()
    largest_chain_id: int | None = None
    """``Largest chain id:`` (Android 13+)."""
    table: bool = False
    """True for Android 16's SQLite registry, which prints one ``|``-separated row per access."""
    skipped_lines: int = 0
    """Lines before ``Discrete accesses:`` (the aggregated history), read past on purpose."""
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
# Parsed facts: device state (ADB hosts, root binaries, processes)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedAdbHosts:
    """``dumpsys adb``: the computers this phone trusts for USB debugging.

    Android keeps the keys of "always allow from this computer" in ``/data/misc/adb/adb_keys`` (printed
    as ``user_keys=``) and, from Android 11, keys with their last connection in ``adb_temp_keys.xml``
    (printed as ``keystore=``, XML or Android's binary XML). Both are trusted until revoked or expired.
    """

    fingerprints: tuple[str, ...] = ()
    """MD5 of each distinct key, as the phone's "Allow USB debugging?" dialog shows it (``AA:BB:…``)."""
    connected: bool | None = None
    """``connected_to_adb``: a computer was connected when the dump was taken."""
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedRootCheck:
    """Where root tools (``su``, Magisk, BusyBox) were looked for, and what was found.

    Two shapes say it: the plan's ``ls -d`` over the usual paths (a found path is printed, a missing one
    gets an ``ls:`` error line) and androidqf's ``root_binaries.json`` (the found paths only).
    """

    found: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    """Paths checked and not there (only the plan's check says which)."""
    unreadable: tuple[str, ...] = ()
    """Paths the shell was not allowed to look at (``Permission denied``): unknown, not absent."""
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedProcesses:
    """The running processes' names (``ps -A``, or androidqf's JSON process list); nothing else is kept."""

    names: tuple[str, ...] = ()
    """Each distinct name once, in the order first listed."""
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedCertificate:
    """A signer certificate as androidqf describes it (``files[].certificate`` of ``packages.json``)."""

    sha256: str
    """Lowercase hex SHA-256 of the DER certificate."""
    sha1: str | None = None
    subject: str | None = None
    issuer: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    md5: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedApkFile:
    """One APK of a package in ``packages.json``: where it lies, its hash and signer."""

    path: str
    sha256: str | None = None
    certificate: ParsedCertificate | None = None


@dataclass(frozen=True, slots=True)
class QfPackage:
    """One package of androidqf's ``packages.json``."""

    package: str
    uid: int | None = None
    """``None`` when absent or not a usable uid (androidqf writes 0 when ``-U`` printed nothing)."""
    user: int | None = None
    """The user it was listed for, when the file says (newer androidqf); older files list user 0."""
    installer: str | None = None
    """``None`` for androidqf's ``"null"`` or an empty installer."""
    installer_listed: bool = False
    """Whether installers were asked for (``-i``): ``"null"`` then says no installer was recorded, whereas the
    empty string androidqf writes when ``-i`` failed says nothing."""
    system: bool | None = None
    """Listed by ``pm list packages -s``; ``None`` when the file's flags were not collected."""
    third_party: bool | None = None
    disabled: bool | None = None
    installed: bool | None = None
    """Installed for the user: stated by newer androidqf, else derived (see the parser)."""
    files: tuple[ParsedApkFile, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedQfPackages:
    """androidqf's ``packages.json``."""

    packages: tuple[QfPackage, ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedSelinux:
    """``getenforce``: ``Enforcing``, ``Permissive`` or ``Disabled``."""

    mode: str | None = None
    """Lower case: ``enforcing``, ``permissive`` or ``disabled``."""
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApkFileHash:
    """One APK file of a package and its SHA-256 as the phone computed it."""

    path: str
    sha256: str
    """Lowercase hex."""


@dataclass(frozen=True, slots=True)
class PackageHashes:
    """The hashed APK files of one package for one user, base first as ``pm path`` lists them."""

    package: str
    user: int | None
    files: tuple[ApkFileHash, ...]


@dataclass(frozen=True, slots=True)
class ParsedApkHashes:
    """The plan's ``apk_hashes`` loop: a marker line per package, then ``sha256sum`` lines."""

    packages: tuple[PackageHashes, ...] = ()
    unreadable: tuple[str, ...] = ()
    """Paths ``sha256sum`` could not read (``sha256sum: PATH: Permission denied``)."""
    unknown: tuple[str, ...] = ()
