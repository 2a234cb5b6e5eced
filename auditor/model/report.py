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
from auditor.model.threats import IndicatorList, IndicatorMatch
from auditor.model.timeline import AccessEvent, AccessState, Timeline, UsageTotals

SCHEMA_VERSION = "1.2"
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


class AppPresence(StrEnum):
    """How the app is known to be on the device for this user: whether counting it as installed is right."""

    INSTALLED = "installed"
    """The package data lists it as installed for the user."""
    NOT_INSTALLED = "not_installed"
    """Listed only by ``pm list packages -u``: not installed for the user, its data kept (``pm uninstall -k``,
    or installed in another user or profile only). Listed, never counted as installed."""
    UNLISTED = "unlisted"
    """Not in the package data at all, but named by app-ops, an enabled accessibility service, a notification
    listener, a device admin, a role or a setting: uninstalled since, hidden from the listing, or an app of
    another user. What those sources say is kept and scored; its system flag is unknown, so it is treated
    as not part of the system image unless its uid is a platform uid."""


@dataclass(frozen=True, slots=True)
class SignerCertificate:
    """The certificate an app is signed with, as a source other than the APK itself states it (androidqf's
    ``packages.json``). Untrusted text, like every device-given string."""

    sha256: str
    """Lowercase hex SHA-256 of the DER certificate (what ``apksigner`` and Play show)."""
    sha1: str | None = None
    """Lowercase hex SHA-1 of the certificate: what many indicator lists (stalkerware) name."""
    subject: str | None = None
    issuer: str | None = None
    valid_from: str | None = None
    """As the source prints it (androidqf: RFC 3339, UTC)."""
    valid_to: str | None = None
    md5: str | None = None
    """Lowercase hex MD5 of the certificate (some STIX2 indicator lists name it)."""


class AppOrigin(StrEnum):
    """Where an app comes from: the operating system itself, what came with the phone, or what was installed.

    The distinction every privacy researcher makes: the platform holds powerful accesses by design and cannot
    be removed; preinstalled apps (vendor, carrier, partner apps) came with the phone and can usually be
    disabled; installed apps were put there afterwards and can be uninstalled. ``auditor.analyse.origin``
    decides it; docs/schema.md says how.
    """

    PLATFORM = "platform"
    """The operating system: a core uid (app id below 10000), a shared ``android.uid.*`` uid, or signed with
    the platform certificate; on the system image."""
    PREINSTALLED = "preinstalled"
    """On the system, vendor or product image, but not the platform (possibly updated since)."""
    INSTALLED = "installed"
    """Installed afterwards: by a store, a browser, a file manager, another app or adb."""


class Removal(StrEnum):
    """What a person can do to take an app out of reach, given its origin and state."""

    UNINSTALL = "uninstall"
    """An installed app: ``pm uninstall --user N`` removes it with its data."""
    DISABLE = "disable"
    """A preinstalled app: it cannot be uninstalled, but ``pm disable-user --user N`` turns it off for the user
    (``pm enable`` undoes it)."""
    DEACTIVATE_FIRST = "deactivate_first"
    """A preinstalled app that is an active device admin or owner: Android refuses to disable it until that is
    deactivated."""
    DISABLED = "disabled"
    """A preinstalled app already disabled for this user."""
    NONE = "none"
    """A platform component: part of the operating system (Settings offers no Disable for platform-signed
    apps)."""


class SignatureHashKind(StrEnum):
    """What the short hashes ``dumpsys package`` prints for signing certificates are (PackageSignatures)."""

    CONTENT = "content"
    """Android 9 and later (``version:N, signatures:[…]``): ``Signature.hashCode()``, a 32-bit hash of the
    certificate bytes. The same certificate prints the same value on every boot and device; different values
    mean different certificates; equal values almost always mean the same one."""
    IDENTITY = "identity"
    """Android 8.1 and earlier (``PackageSignatures{… [h]}``): ``System.identityHashCode`` of the certificate
    object. Equal values within one dump mean one shared object, so one certificate; different values prove
    nothing."""


@dataclass(frozen=True, slots=True)
class DumpSignatures:
    """The signing-certificate hashes ``dumpsys package`` prints for one package (not certificate digests)."""

    kind: SignatureHashKind
    current: tuple[str, ...]
    """Hashes of the certificates the package is signed with now, as printed (lowercase hex)."""
    past: tuple[str, ...] = ()
    """Hashes of earlier certificates in its key-rotation lineage (APK Signature Scheme v3), Android 9+."""


@dataclass(frozen=True, slots=True)
class FactoryCopy:
    """The copy of an updated system app that stays on the system image (``Hidden system packages:``)."""

    code_path: str | None
    version_code: int | None
    signatures: DumpSignatures | None


@dataclass(frozen=True, slots=True)
class Provenance:
    """What an app's origin rests on, and the facts the origin rules compare."""

    basis: str
    """The fact the origin was decided on, in plain words, e.g. ``app id 1000 (a platform uid, below 10000)``."""
    removal: Removal
    signatures: DumpSignatures | None = None
    """The package's signing-certificate hashes as ``dumpsys package`` printed them, when it did."""
    factory: FactoryCopy | None = None
    """For an updated system app: its factory copy on the system image, when the dump lists it."""
    platform_signature: str | None = None
    """How the app is known to be signed with the platform certificate (the signer of package ``android``),
    when it is; ``None`` when it is not, or not known."""


@dataclass(frozen=True, slots=True)
class AppReport:
    """One app of one user: installed, or (``presence``) kept only as data, or named only outside the package data."""

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
    presence: AppPresence = AppPresence.INSTALLED
    """Installed, listed but not installed for this user, or named only outside the package data."""
    signer: SignerCertificate | None = None
    """The signer certificate a source states without the APK (androidqf); ``apk`` has it when APKs were analysed.
    Read the signer through ``signer_sha256``, which prefers the APK's own."""
    apk_sha256: tuple[str, ...] = ()
    """Lowercase hex SHA-256 of each APK file (base, then splits): hashed on the phone (live collection), stated
    by the source (androidqf) or of the pulled files (``--apks``)."""
    indicator_matches: tuple[IndicatorMatch, ...] = ()
    """Indicators of known stalkerware, watchware or spyware that match this app (package name, signing
    certificate, APK hash), from the lists in ``AuditReport.indicator_lists``."""

    origin: AppOrigin | None = None
    """Platform, preinstalled or installed (``auditor.analyse.origin``); ``None`` only in reports written before
    schema 1.1, whose readers decide it from the other fields (``auditor.score.scope.app_origin``)."""
    provenance: Provenance | None = None
    """What the origin rests on: its basis, what the person can do about the app, signature hashes."""

    events: tuple[AccessEvent, ...] = ()
    """Every recorded access and rejection of the app, from the regular dump and the discrete history,
    newest first (``auditor.analyse.timeline``)."""
    usage: tuple[UsageTotals, ...] = ()
    """The app's accesses in the timeline's window, totalled per data category (or op) and state."""

    @property
    def signer_sha256(self) -> str | None:
        """The signer certificate's SHA-256: from the analysed APK when there is one, else the stated ``signer``.

        Every consumer (signer pools, fleet signer mismatches, policy's blocked signers, diffs) reads it here,
        so an app known from androidqf without its APK is compared exactly like one whose APK was pulled.
        """
        if self.apk is not None and self.apk.signing.signer_sha256:
            return self.apk.signing.signer_sha256
        return self.signer.sha256 if self.signer is not None else None

    @property
    def installed(self) -> bool:
        """Whether the app counts as installed for its user (counts and summaries use this)."""
        return self.presence is AppPresence.INSTALLED


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
class DeviceState:
    """Facts about the phone itself rather than one app, as far as the source holds them.

    Each field is ``None`` when the source did not hold the fact (unknown), and empty when it was looked
    for and nothing was there: "no root tool found" and "root tools not checked" must not read alike.
    """

    adb_host_keys: tuple[str, ...] | None = None
    """Fingerprints (MD5 of the key, as the phone's "Allow USB debugging?" dialog shows) of every computer the
    phone trusts for USB debugging (``dumpsys adb``). ``None``: the source has no ``dumpsys adb``."""
    root_binaries: tuple[str, ...] | None = None
    """Paths of root tools found (``su``, Magisk, BusyBox). ``None``: not checked by this source."""
    root_unchecked: tuple[str, ...] = ()
    """Paths the check could not look at (permission denied): neither found nor absent."""
    processes: tuple[str, ...] | None = None
    """Names of the processes running at capture, each once (for matching indicators). ``None``: not in the
    source."""

    # The phone's own safety settings (``auditor.analyse.device_state``). ``None``: the source lacks the
    # namespace or property; a setting the namespace does not list holds Android's default.
    usb_debugging: bool | None = None
    """USB debugging is on (settings global ``adb_enabled``)."""
    wireless_debugging: bool | None = None
    """Wireless debugging is on (``adb_wifi_enabled``, Android 11+; absent on older releases: off)."""
    adb_authentication: bool | None = None
    """Whether adb asks the phone's owner before trusting a computer (``ro.adb.secure``; ``False``: any computer
    plugged in gets a shell without the "Allow USB debugging?" prompt)."""
    developer_options: bool | None = None
    """Developer options are on (``development_settings_enabled``)."""
    verify_apps: bool | None = None
    """Play Protect's verifier checks installs (``package_verifier_enable``; absent: on, Android's default)."""
    verify_adb_installs: bool | None = None
    """Apps installed over USB are verified too (``verifier_verify_adb_installs``; absent: on)."""
    play_protect_scanning: bool | None = None
    """Play Protect's "Scan apps" switch (``package_verifier_user_consent``: 1 on, -1 off; 0 or absent: never
    asked, unknown)."""
    harmful_app_upload: bool | None = None
    """Play Protect sends unknown apps to Google for checking (``upload_apk_enable``; absent: unknown)."""
    unknown_sources: bool | None = None
    """Android 7 and older: installs from unknown sources allowed for every app (``install_non_market_apps``).
    ``None`` from Android 8 on, where the permission is per app (special access "Install unknown apps")."""
    verified_boot_state: str | None = None
    """``ro.boot.verifiedbootstate``: ``green`` (locked, the maker's system), ``yellow`` (another key),
    ``orange`` (unlocked bootloader), ``red`` (verification failed)."""
    flash_locked: bool | None = None
    """``ro.boot.flash.locked``: the bootloader refuses to flash other software."""
    vbmeta_device_state: str | None = None
    """``ro.boot.vbmeta.device_state``: ``locked`` or ``unlocked`` (Android Verified Boot 2.0)."""
    selinux: str | None = None
    """SELinux mode, lower case: ``enforcing``, ``permissive`` or ``disabled`` (``getenforce``; without it, a
    permissive ``ro.boot.selinux`` boot setting)."""
    selinux_evidence: str | None = None
    """Where ``selinux`` was read: ``getenforce`` or ``ro.boot.selinux``."""
    debuggable_build: bool | None = None
    """``ro.debuggable=1``: a userdebug or eng build, where ``adb root`` gives a root shell."""
    encryption: str | None = None
    """``ro.crypto.state``: ``encrypted`` or ``unencrypted``."""


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
    device_state: DeviceState | None = None
    """Facts about the phone itself (trusted computers, root tools, running processes)."""
    device_findings: tuple[Finding, ...] = ()
    """Rule hits about the phone itself rather than one app (e.g. root tools present)."""
    timeline: Timeline | None = None
    """The device's access timeline: its window and every app's events, newest first."""
    indicator_lists: tuple[IndicatorList, ...] = ()
    """The indicator lists the audit was matched against (empty: no matching ran). A list is incomplete by
    nature: no match never means no stalkerware."""
    device_matches: tuple[IndicatorMatch, ...] = ()
    """Indicators that match the phone rather than one app: system properties, running processes (including
    a process whose package no app of the report has)."""
