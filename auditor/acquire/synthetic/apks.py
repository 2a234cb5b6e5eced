"""APK files for the synthetic device, so ``--apks`` and ``auditor demo`` have something real to pull.

Why: APK facts (labels, trackers, a hidden launcher icon, signers) only reach a report through the
whole path — ``pm path``, on-device hashing, sync pulls, analysis in isolated workers, the merge —
and the demo and the tests must walk that path without a phone. Each APK is decided here and written
by ``apkwriter`` (the formats, shared with the tests), small and fast (about a millisecond each),
with exactly the facts the device's text output already claims:

* ``AndroidManifest.xml`` in binary XML: package, versionCode/versionName, ``<uses-sdk>``, the
  requested permissions, an application label (a plain string, no ``resources.arsc``), a launcher
  activity — or, for the stalkerware persona, none, so it hides its icon — and the stalker's
  accessibility, notification-listener and device-admin components;
* ``classes.dex`` with the app's own classes plus the classes of the tracker SDKs chosen for it
  (names from the bundled Exodus Privacy list: Google AdMob, Facebook Analytics, Firebase
  Analytics …), so that several apps carry the same SDK and the device shows tracker pools;
* an APK Signature Scheme v2 block signed with a per-developer ECDSA P-256 key derived from a name,
  so signers are stable across runs (deterministic signatures where ``cryptography`` offers them)
  and the two work apps of one vendor share a signer;
* split APKs (``split_config.*.apk``) with a manifest only, as Android's config splits are.

``synthetic_apks(truth_or_snapshot)`` maps every device path of ``pm path`` to the bytes the
simulator serves there. Nothing here is copied from a real APK.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from auditor.acquire.synthetic.apkwriter import (
    AttrValue,
    AxmlLayout,
    Element,
    ZipStyle,
    add_signing_block,
    axml,
    derived_ec_signer,
    dex,
    el,
    record,
    zip_archive,
)
from auditor.acquire.synthetic.truth import SyntheticTruth
from auditor.model import CommandStatus, ParsedPackage, Section, Snapshot
from auditor.parse.packages import parse_dumpsys_package
from auditor.parse.pm_path import parse_pm_path_loop
from auditor.parse.signatures import parse_signatures, same_signer
from auditor.parse.text import decode_output

# --------------------------------------------------------------------------------------------------
# What each synthetic app carries
# --------------------------------------------------------------------------------------------------

TRACKER_SDKS: Mapping[str, tuple[str, ...]] = {
    "admob": ("com.google.android.gms.ads.AdView", "com.google.android.gms.ads.AdRequest"),
    "facebook_analytics": ("com.facebook.appevents.AppEventsLogger", "com.facebook.appevents.AppEventsConstants"),
    "facebook_login": ("com.facebook.login.LoginManager",),
    "firebase_analytics": ("com.google.firebase.analytics.FirebaseAnalytics",),
    "appsflyer": ("com.appsflyer.AppsFlyerLib",),
}
"""SDK → class names it brings, each matching one Exodus tracker's code signature."""

PERSONA_SDKS: Mapping[str, tuple[str, ...]] = {
    "com.example.flashlight": ("admob", "facebook_analytics", "appsflyer"),
    "com.example.retrogame": ("admob", "facebook_analytics", "firebase_analytics"),
    "com.example.photoeditor": ("admob", "facebook_login"),
    "com.example.oldweather": ("admob", "firebase_analytics"),
    "com.example.messenger.bg": ("facebook_analytics", "firebase_analytics"),
    "com.example.maps": ("firebase_analytics",),
    "com.example.batterysaver": ("admob", "appsflyer"),
    "com.example.stalker": (),
    "com.example.workdpc": (),
    "com.example.work.mail": (),
    "com.example.passwordmanager": (),
}
"""Persona apps get fixed SDKs (the story of each); other third-party apps draw them from their name."""

PERSONA_LABELS: Mapping[str, str] = {
    "com.example.stalker": "System Sync",
    "com.example.flashlight": "Super Bright Flashlight",
    "com.example.retrogame": "Retro Arcade",
    "com.example.oldweather": "Weather Classic",
    "com.example.work.mail": "Work Mail",
    "com.example.workdpc": "Work Policy",
}

SHARED_SIGNERS: Mapping[str, str] = {
    "com.example.workdpc": "Example Work Inc.",
    "com.example.work.mail": "Example Work Inc.",
}
"""Apps signed by one developer key (every other app has its own)."""

SPY_SIGNER = "Synthetic Spy Vendor"
"""The signing key of the threat scenario's app under an innocent name (``auditor.acquire.synthetic.threats``):
a certificate no real list names, whose SHA-1 a test indicator file (or ``synth --threats``'s STIX2 file)
names instead of forging a real stalkerware certificate."""

THREAT_SIGNERS: Mapping[str, str] = {"com.example.notes.pro": SPY_SIGNER}
"""Apps of the threat scenario signed with the spy vendor's key."""

HIDDEN_ICON = frozenset({"com.example.stalker"})
"""Apps without a launcher activity: no icon in the launcher."""

_STALKER = "com.example.stalker"
_P = "android.permission."


@dataclass(frozen=True)
class Component:
    """A ``<service>``/``<receiver>``/``<activity>`` with an optional permission and intent actions."""

    tag: str
    name: str
    permission: str | None = None
    actions: tuple[str, ...] = ()
    exported: bool = False


@dataclass(frozen=True)
class ApkSpec:
    """Everything one synthetic APK says."""

    package: str
    version_code: int
    version_name: str
    min_sdk: int
    target_sdk: int
    label: str
    permissions: tuple[str, ...] = ()
    launcher: bool = True
    classes: tuple[str, ...] = ()
    components: tuple[Component, ...] = ()
    signer: str | None = None
    """Common name of the signing key (``None``: unsigned)."""
    split: str | None = None
    """A config split's name (``config.arm64_v8a``): manifest only, no code."""
    extra: tuple[tuple[str, bytes], ...] = field(default=())


def _digest(package: str) -> bytes:
    return hashlib.sha256(package.encode()).digest()


def sdks_for(package: str) -> tuple[str, ...]:
    """The tracker SDKs a third-party app carries: fixed for personas, drawn from the name otherwise."""
    fixed = PERSONA_SDKS.get(package)
    if fixed is not None:
        return fixed
    d = _digest(package)
    chosen = []
    if d[0] % 3 == 0:
        chosen.append("admob")
    if d[1] % 4 == 0:
        chosen.append("facebook_analytics")
    if d[2] % 2 == 0:
        chosen.append("firebase_analytics")
    return tuple(chosen)


def label_for(package: str) -> str:
    """A readable label: the persona's, else the package's words after the vendor prefix."""
    if package in PERSONA_LABELS:
        return PERSONA_LABELS[package]
    words = [w for w in package.split(".")[1:] if w not in ("example", "android", "google", "apps")]
    return " ".join(w.capitalize() for w in words) or package


def _stalker_components() -> tuple[Component, ...]:
    core = f"{_STALKER}.core"
    return (
        Component("activity", f"{core}.SetupActivity"),
        Component(
            "service",
            f"{core}.SyncService",
            _P + "BIND_ACCESSIBILITY_SERVICE",
            ("android.accessibilityservice.AccessibilityService",),
        ),
        Component(
            "service",
            f"{core}.NotificationBridge",
            _P + "BIND_NOTIFICATION_LISTENER_SERVICE",
            ("android.service.notification.NotificationListenerService",),
        ),
        Component(
            "receiver",
            f"{core}.DeviceAdminReceiver",
            _P + "BIND_DEVICE_ADMIN",
            ("android.app.action.DEVICE_ADMIN_ENABLED",),
            exported=True,
        ),
    )


def spec_for(
    package: str,
    *,
    version_code: int,
    version_name: str,
    min_sdk: int,
    target_sdk: int,
    permissions: Iterable[str],
    system: bool,
    platform_signed: bool = False,
) -> ApkSpec:
    """The base APK of one app (system apps: no trackers). Apps the device's package dump shows signed like
    package ``android`` are signed by the platform key; every other app by its developer's, so the APKs and
    the dump agree on who signed what."""
    own = (f"{package}.MainActivity", f"{package}.data.Repository", f"{package}.ui.SettingsFragment")
    sdk_classes = () if system else tuple(c for s in sdks_for(package) for c in TRACKER_SDKS[s])
    components = _stalker_components() if package == _STALKER else ()
    signer = (
        "Android Platform"
        if platform_signed
        else THREAT_SIGNERS.get(package) or SHARED_SIGNERS.get(package, f"Developer of {package}")
    )
    return ApkSpec(
        package=package,
        version_code=version_code,
        version_name=version_name,
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        label=label_for(package),
        permissions=tuple(dict.fromkeys(permissions)),
        launcher=package not in HIDDEN_ICON,
        classes=own + sdk_classes,
        components=components,
        signer=signer,
    )


# --------------------------------------------------------------------------------------------------
# The files
# --------------------------------------------------------------------------------------------------

ZIP_STYLE = ZipStyle(made_by=0x0314, dos_date=0x3821, utf8_names=False, external_attr=0o600 << 16)
"""The header fields the device's APKs carry (made by Unix zip 2.0, dated 2008-01-01, mode 0600).

They were first written with Python's ``zipfile``; kept as they were so each APK keeps its bytes,
and with them the SHA-256 the demo and its tests know it by.
"""


def _filter(actions: Iterable[str], categories: Iterable[str] = ()) -> Element:
    return el(
        "intent-filter",
        {},
        *(el("action", {"android:name": a}) for a in actions),
        *(el("category", {"android:name": c}) for c in categories),
    )


def manifest(spec: ApkSpec) -> bytes:
    """The binary ``AndroidManifest.xml`` of a spec (UTF-8 string pool)."""
    root_attrs: dict[str, AttrValue] = {
        "android:versionCode": spec.version_code,
        "android:versionName": spec.version_name,
        "package": spec.package,
    }
    layout = AxmlLayout(utf8=True)
    if spec.split is not None:
        root_attrs["split"] = spec.split
        return axml(el("manifest", root_attrs, el("application")), layout=layout)
    children = [
        el("uses-sdk", {"android:minSdkVersion": spec.min_sdk, "android:targetSdkVersion": spec.target_sdk}),
        *(el("uses-permission", {"android:name": p}) for p in spec.permissions),
    ]
    launcher = [_filter(["android.intent.action.MAIN"], ["android.intent.category.LAUNCHER"])] if spec.launcher else []
    main_name = f"{spec.package}.MainActivity"
    main = el("activity", {"android:name": main_name, "android:exported": spec.launcher}, *launcher)
    app = el("application", {"android:label": spec.label}, main)
    for c in spec.components:
        attrs: dict[str, AttrValue] = {"android:name": c.name, "android:exported": c.exported or bool(c.actions)}
        if c.permission:
            attrs["android:permission"] = c.permission
        app.children.append(el(c.tag, attrs, *([_filter(c.actions)] if c.actions else [])))
    children.append(app)
    return axml(el("manifest", root_attrs, *children), layout=layout)


@lru_cache(maxsize=8192)
def build_apk(spec: ApkSpec) -> bytes:
    """The APK file of a spec: manifest, ``classes.dex`` (base APKs), extra entries, v2 signature.

    Cached: the same spec always gives the same bytes, and the synthetic device hashes its APKs (the plan's
    ``apk_hashes``) as well as serving them."""
    entries = [("AndroidManifest.xml", manifest(spec))]
    if spec.split is None:
        entries.append(("classes.dex", dex(list(dict.fromkeys(spec.classes)))))
    entries.extend(spec.extra)
    apk = zip_archive([record(name, data) for name, data in entries], style=ZIP_STYLE)
    return add_signing_block(apk, derived_ec_signer(spec.signer)) if spec.signer is not None else apk


# --------------------------------------------------------------------------------------------------
# The device's APKs
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _App:
    package: str
    version_code: int
    version_name: str
    min_sdk: int
    target_sdk: int
    permissions: tuple[str, ...]
    system: bool
    paths: tuple[str, ...]
    platform_signed: bool
    """Signed like package ``android`` in the device's package dump: its APKs get the platform key."""


def _from_truth(truth: SyntheticTruth) -> list[_App]:
    apps: dict[str, _App] = {}
    for a in truth.apps:
        apps.setdefault(
            a.package,
            _App(
                a.package,
                a.version_code,
                a.version_name,
                a.min_sdk,
                a.target_sdk,
                a.requested_permissions,
                a.system,
                a.apk_paths,
                a.platform_signed,
            ),
        )
    return list(apps.values())


def _from_snapshot(snapshot: Snapshot) -> list[_App]:
    paths: dict[str, list[str]] = {}
    dumps: dict[str, ParsedPackage] = {}
    for rec in snapshot.manifest.commands:
        blob = snapshot.outputs.get(rec.id)
        if blob is None or rec.status is not CommandStatus.OK:
            continue
        if rec.section is Section.PM_PATH:
            for entry in parse_pm_path_loop(decode_output(blob).text, user=rec.user).packages:
                known = paths.setdefault(entry.package, [])
                known.extend(p for p in entry.paths if p not in known)
        elif rec.section is Section.DUMPSYS_PACKAGE:
            for pkg in parse_dumpsys_package(decode_output(blob).text).packages:
                dumps.setdefault(pkg.package, pkg)
    android = dumps.get("android")
    platform = parse_signatures(android.signatures) if android is not None else None
    apps = []
    for package, found in paths.items():
        dumped = dumps.get(package)
        signatures = parse_signatures(dumped.signatures) if dumped is not None else None
        flags = set(dumped.flags) | set(dumped.pkg_flags) if dumped else set()
        requested = tuple(r.name for r in dumped.requested_permissions or ()) if dumped else ()
        apps.append(
            _App(
                package,
                (dumped.version_code if dumped else None) or 1,
                (dumped.version_name if dumped else None) or "1.0",
                (dumped.min_sdk if dumped else None) or 24,
                (dumped.target_sdk if dumped else None) or 34,
                requested,
                bool(flags & {"SYSTEM", "UPDATED_SYSTEM_APP"}),
                tuple(found),
                platform is not None and signatures is not None and same_signer(signatures, platform),
            )
        )
    return apps


def _split_name(path: str) -> str | None:
    """``…/split_config.arm64_v8a.apk`` → ``config.arm64_v8a``; ``None`` for a base APK."""
    file = path.rsplit("/", 1)[-1]
    if file.startswith("split_") and file.endswith(".apk"):
        return file[len("split_") : -len(".apk")]
    return None


def synthetic_apks(source: SyntheticTruth | Snapshot, *, include_system: bool = False) -> dict[str, bytes]:
    """Device path → APK bytes for every ``pm path`` entry of the device's apps.

    ``source`` is the synthetic truth or a snapshot (any snapshot whose ``pm path`` and ``dumpsys
    package`` outputs parse, e.g. the simulator's fixture). System apps (flag ``SYSTEM`` or
    ``UPDATED_SYSTEM_APP``) get APKs only with ``include_system``, for ``--apks=all``.
    """
    apps = _from_truth(source) if isinstance(source, SyntheticTruth) else _from_snapshot(source)
    files: dict[str, bytes] = {}
    for app in apps:
        if app.system and not include_system:
            continue
        files.update(
            app_files(
                app.package,
                version_code=app.version_code,
                version_name=app.version_name,
                min_sdk=app.min_sdk,
                target_sdk=app.target_sdk,
                permissions=app.permissions,
                system=app.system,
                paths=app.paths,
                platform_signed=app.platform_signed,
            )
        )
    return files


def app_files(
    package: str,
    *,
    version_code: int,
    version_name: str,
    min_sdk: int,
    target_sdk: int,
    permissions: Iterable[str],
    system: bool,
    paths: Sequence[str],
    platform_signed: bool = False,
) -> dict[str, bytes]:
    """Device path → bytes of one app's APKs (base and config splits, as ``pm path`` lists them)."""
    base = spec_for(
        package,
        version_code=version_code,
        version_name=version_name,
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        permissions=permissions,
        system=system,
        platform_signed=platform_signed,
    )
    files: dict[str, bytes] = {}
    for path in paths:
        split = _split_name(path)
        spec = (
            base
            if split is None
            else ApkSpec(
                package=package,
                version_code=version_code,
                version_name=version_name,
                min_sdk=min_sdk,
                target_sdk=target_sdk,
                label=base.label,
                split=split,
                signer=base.signer,
            )
        )
        files[path] = build_apk(spec)
    return files
