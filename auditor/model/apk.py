"""APK facts: what static analysis of one APK file says (``auditor.apk``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
    sha1: str | None = None
    """SHA-1 of the DER certificate, lowercase hex: what stalkerware indicator lists name (Echap, MVT)."""
    md5: str | None = None
    """MD5 of the DER certificate, lowercase hex (some STIX2 lists use ``app:cert.md5``)."""


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
class ApkManifest:
    """What the binary manifest alone says about an APK (the part ``ApkFacts`` shares with the manifest reader)."""

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
    launcher_activities: tuple[str, ...]
    """Enabled activities and aliases with a MAIN/LAUNCHER intent filter."""


@dataclass(frozen=True, slots=True)
class ApkFacts(ApkManifest):
    """Everything static analysis says about one APK: the manifest's facts, and what the rest of the file adds."""

    network: ApkNetworkSecurity
    signing: ApkSigning
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
