"""APK files for the synthetic device, so ``--apks`` and ``auditor demo`` have something real to pull.

Why: APK facts (labels, trackers, a hidden launcher icon, signers) only reach a report through the
whole path — ``pm path``, on-device hashing, sync pulls, analysis in isolated workers, the merge —
and the demo and the tests must walk that path without a phone. Each APK is built here from its
published formats, small and fast (about a millisecond each), with exactly the facts the device's
text output already claims:

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

import functools
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from auditor.acquire.synthetic.truth import SyntheticTruth
from auditor.model import CommandStatus, ParsedPackage, Section, Snapshot
from auditor.parse.packages import parse_dumpsys_package
from auditor.parse.pm_path import parse_pm_path_loop
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
) -> ApkSpec:
    """The base APK of one app (system apps: no trackers, signed by the platform key)."""
    own = (f"{package}.MainActivity", f"{package}.data.Repository", f"{package}.ui.SettingsFragment")
    sdk_classes = () if system else tuple(c for s in sdks_for(package) for c in TRACKER_SDKS[s])
    components = _stalker_components() if package == _STALKER else ()
    signer = "Android Platform" if system else SHARED_SIGNERS.get(package, f"Developer of {package}")
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
# Binary XML (AndroidManifest.xml)
# --------------------------------------------------------------------------------------------------

ANDROID_NS = "http://schemas.android.com/apk/res/android"
_ATTR_IDS: Mapping[str, int] = {
    "label": 0x01010001,
    "name": 0x01010003,
    "permission": 0x01010006,
    "exported": 0x01010010,
    "minSdkVersion": 0x0101020C,
    "versionCode": 0x0101021B,
    "versionName": 0x0101021C,
    "targetSdkVersion": 0x01010270,
}
"""Framework ids (android.R.attr) of the attributes written; Android finds attributes by these ids."""
_T_STRING, _T_INT_DEC, _T_BOOL = 0x03, 0x10, 0x12
_NO_INDEX = 0xFFFFFFFF

Attr = tuple[str, str | int | bool]
"""(``android:name`` or a plain name, value)."""


@dataclass
class _El:
    tag: str
    attrs: list[Attr]
    children: list[_El] = field(default_factory=list)


def _utf8_len(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xFF])


def _string_pool(strings: Sequence[str]) -> bytes:
    """A UTF-8 ResStringPool chunk (lengths in UTF-16 units, then in bytes)."""
    data = bytearray()
    offsets = []
    for s in strings:
        raw = s.encode("utf-8")
        offsets.append(len(data))
        data += _utf8_len(len(s.encode("utf-16-le")) // 2) + _utf8_len(len(raw)) + raw + b"\0"
    data += b"\0" * (-len(data) % 4)
    start = 28 + 4 * len(strings)
    head = struct.pack("<HHL5L", 0x0001, 28, start + len(data), len(strings), 0, 0x100, start, 0)
    return head + struct.pack(f"<{len(offsets)}L", *offsets) + bytes(data)


def _node(kind: int, body: bytes) -> bytes:
    """An XML tree node: 16-byte header (type, header size, size, line number, no comment), then body."""
    return struct.pack("<HHLLL", kind, 16, 16 + len(body), 1, _NO_INDEX) + body


def axml(root: _El) -> bytes:
    """Compile an element tree to binary XML, laid out as aapt2 does (resource-mapped names first)."""
    elements: list[_El] = []
    stack = [root]
    while stack:
        e = stack.pop()
        elements.append(e)
        stack.extend(reversed(e.children))
    mapped = sorted(
        {k[8:] for e in elements for k, _ in e.attrs if k.startswith("android:") and k[8:] in _ATTR_IDS},
        key=_ATTR_IDS.__getitem__,
    )
    strings: list[str] = list(mapped)
    index = {s: i for i, s in enumerate(strings)}

    def idx(s: str) -> int:
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    idx("android")
    idx(ANDROID_NS)
    for e in elements:
        idx(e.tag)
        for key, value in e.attrs:
            idx(key[8:] if key.startswith("android:") else key)
            if isinstance(value, str):
                idx(value)
    ns = struct.pack("<2L", index["android"], index[ANDROID_NS])
    out = [_string_pool(strings)]
    ids = [_ATTR_IDS[n] for n in mapped]
    out.append(struct.pack("<HHL", 0x0180, 8, 8 + 4 * len(ids)) + struct.pack(f"<{len(ids)}L", *ids))
    out.append(_node(0x0100, ns))

    def emit(e: _El) -> None:
        attrs = []
        for key, value in e.attrs:
            android = key.startswith("android:")
            name = key[8:] if android else key
            if isinstance(value, bool):
                raw, kind, data = _NO_INDEX, _T_BOOL, 0xFFFFFFFF if value else 0
            elif isinstance(value, int):
                raw, kind, data = _NO_INDEX, _T_INT_DEC, value & 0xFFFFFFFF
            else:
                raw = data = index[value]
                kind = _T_STRING
            sort_key = _ATTR_IDS.get(name, 0x7FFFFFFF) if android else 0x7FFFFFFF
            packed = struct.pack(
                "<3LHBBL", index[ANDROID_NS] if android else _NO_INDEX, index[name], raw, 8, 0, kind, data
            )
            attrs.append((sort_key, packed))
        attrs.sort(key=lambda a: a[0])
        head = struct.pack("<2L6H", _NO_INDEX, index[e.tag], 20, 20, len(attrs), 0, 0, 0)
        out.append(_node(0x0102, head + b"".join(a for _, a in attrs)))
        for child in e.children:
            emit(child)
        out.append(_node(0x0103, struct.pack("<2L", _NO_INDEX, index[e.tag])))

    emit(root)
    out.append(_node(0x0101, ns))
    body = b"".join(out)
    return struct.pack("<HHL", 0x0003, 8, 8 + len(body)) + body


def _filter(actions: Iterable[str], categories: Iterable[str] = ()) -> _El:
    return _El(
        "intent-filter",
        [],
        [_El("action", [("android:name", a)]) for a in actions]
        + [_El("category", [("android:name", c)]) for c in categories],
    )


def manifest(spec: ApkSpec) -> bytes:
    """The binary ``AndroidManifest.xml`` of a spec."""
    root_attrs: list[Attr] = [
        ("android:versionCode", spec.version_code),
        ("android:versionName", spec.version_name),
        ("package", spec.package),
    ]
    if spec.split is not None:
        root_attrs.append(("split", spec.split))
        return axml(_El("manifest", root_attrs, [_El("application", [])]))
    children = [
        _El("uses-sdk", [("android:minSdkVersion", spec.min_sdk), ("android:targetSdkVersion", spec.target_sdk)])
    ]
    children += [_El("uses-permission", [("android:name", p)]) for p in spec.permissions]
    app = _El("application", [("android:label", spec.label)])
    main: list[Attr] = [("android:name", f"{spec.package}.MainActivity"), ("android:exported", spec.launcher)]
    app.children.append(
        _El(
            "activity",
            main,
            [_filter(["android.intent.action.MAIN"], ["android.intent.category.LAUNCHER"])] if spec.launcher else [],
        )
    )
    for c in spec.components:
        attrs: list[Attr] = [("android:name", c.name), ("android:exported", c.exported or bool(c.actions))]
        if c.permission:
            attrs.append(("android:permission", c.permission))
        app.children.append(_El(c.tag, attrs, [_filter(c.actions)] if c.actions else []))
    children.append(app)
    return axml(_El("manifest", root_attrs, children))


# --------------------------------------------------------------------------------------------------
# DEX: header, string_ids, type_ids, class_defs, string data, map list
# --------------------------------------------------------------------------------------------------


def _uleb128(n: int) -> bytes:
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def dex(class_names: Iterable[str]) -> bytes:
    """A DEX 035 file defining public classes (ASCII binary names) that extend java.lang.Object.

    Only the tables a class listing reads are present, with a valid checksum and SHA-1 signature;
    there is no code, so no method or field tables are needed.
    """
    descriptors = sorted({"L" + n.replace(".", "/") + ";" for n in class_names} | {"Ljava/lang/Object;"})
    n = len(descriptors)
    classes = [i for i, d in enumerate(descriptors) if d != "Ljava/lang/Object;"]
    obj = descriptors.index("Ljava/lang/Object;")
    string_ids_off = 0x70
    type_ids_off = string_ids_off + 4 * n
    class_defs_off = type_ids_off + 4 * n
    data_off = class_defs_off + 32 * len(classes)
    string_data = bytearray()
    string_offs = []
    for d in descriptors:  # ASCII: byte order is UTF-16 order, as the format requires
        string_offs.append(data_off + len(string_data))
        string_data += _uleb128(len(d)) + d.encode("ascii") + b"\0"
    string_data += b"\0" * (-(data_off + len(string_data)) % 4)
    map_off = data_off + len(string_data)
    items = [
        (0x0000, 1, 0),
        (0x0001, n, string_ids_off),
        (0x0002, n, type_ids_off),
        (0x0006, len(classes), class_defs_off),
        (0x2002, n, data_off),
        (0x1000, 1, map_off),
    ]
    map_list = struct.pack("<L", len(items)) + b"".join(struct.pack("<HHLL", t, 0, c, o) for t, c, o in items)
    size = map_off + len(map_list)
    body = (
        struct.pack(f"<{n}L", *string_offs)
        + struct.pack(f"<{n}L", *range(n))  # type i is string i: every string is a descriptor
        + b"".join(struct.pack("<8L", c, 0x1, obj, 0, _NO_INDEX, 0, 0, 0) for c in classes)
        + bytes(string_data)
        + map_list
    )
    header = bytearray(b"dex\n035\0" + bytes(0x70 - 8))
    layout = [size, 0x70, 0x12345678, 0, 0, map_off]  # file and header size, endian tag, no link, map list
    layout += [n, string_ids_off, n, type_ids_off, 0, 0, 0, 0, 0, 0]  # strings, types; no protos/fields/methods
    layout += [len(classes), class_defs_off, size - data_off, data_off]
    struct.pack_into("<20L", header, 0x20, *layout)
    out = header + body
    out[12:32] = hashlib.sha1(out[32:]).digest()
    struct.pack_into("<L", out, 8, zlib.adler32(out[12:]))
    return bytes(out)


# --------------------------------------------------------------------------------------------------
# Zip and APK Signature Scheme v2
# --------------------------------------------------------------------------------------------------

_EPOCH = (2008, 1, 1, 0, 0, 0)
_V2_BLOCK_ID = 0x7109871A
_ECDSA_SHA256 = 0x0201


@dataclass(frozen=True)
class _Signer:
    key: ec.EllipticCurvePrivateKey
    cert_der: bytes
    spki_der: bytes


def _ecdsa(deterministic: bool) -> ec.ECDSA:
    try:
        return ec.ECDSA(hashes.SHA256(), deterministic_signing=deterministic)
    except TypeError:  # cryptography < 44: randomised signatures only
        return ec.ECDSA(hashes.SHA256())


@functools.lru_cache(maxsize=4096)
def _signer(common_name: str) -> _Signer:
    """A P-256 key derived from the name, with a self-signed certificate (stable across runs)."""
    secret = int.from_bytes(hashlib.sha256(b"auditor synthetic signer\0" + common_name.encode()).digest(), "big")
    key = ec.derive_private_key(secret % (2**255) + 1, ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(secret % (2**63) + 1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2050, 1, 1, tzinfo=UTC))
    )
    try:
        cert = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    except TypeError:  # cryptography < 44
        cert = builder.sign(key, hashes.SHA256())
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _Signer(key, cert.public_bytes(serialization.Encoding.DER), spki)


def _lp(data: bytes) -> bytes:
    return struct.pack("<L", len(data)) + data


def _chunked_sha256(sections: Iterable[bytes]) -> bytes:
    """The v2 content digest: SHA-256 over 1 MiB chunks of the signed sections, then over those."""
    digests = []
    for section in sections:
        for at in range(0, len(section), 1 << 20):
            chunk = section[at : at + (1 << 20)]
            digests.append(hashlib.sha256(b"\xa5" + struct.pack("<L", len(chunk)) + chunk).digest())
    return hashlib.sha256(b"\x5a" + struct.pack("<L", len(digests)) + b"".join(digests)).digest()


def sign_v2(apk: bytes, common_name: str) -> bytes:
    """Insert an APK Signing Block with one v2 signer in front of the central directory.

    The digest covers the entries, the central directory and the end record (whose directory offset
    then still names the start of the signing block), as the v2 scheme defines.
    """
    eocd = apk.rfind(b"PK\x05\x06")
    (cd,) = struct.unpack_from("<L", apk, eocd + 16)
    signer = _signer(common_name)
    digest = _chunked_sha256((apk[:cd], apk[cd:eocd], apk[eocd:]))
    signed = (
        _lp(_lp(struct.pack("<L", _ECDSA_SHA256) + _lp(digest))) + _lp(_lp(signer.cert_der)) + _lp(b"")  # attributes
    )
    signature = signer.key.sign(signed, _ecdsa(True))
    one = _lp(signed) + _lp(_lp(struct.pack("<L", _ECDSA_SHA256) + _lp(signature))) + _lp(signer.spki_der)
    value = _lp(_lp(one))
    pair = struct.pack("<QL", 4 + len(value), _V2_BLOCK_ID) + value
    size = len(pair) + 8 + 16
    block = struct.pack("<Q", size) + pair + struct.pack("<Q", size) + b"APK Sig Block 42"
    out = bytearray(apk[:cd] + block + apk[cd:])
    struct.pack_into("<L", out, eocd + len(block) + 16, cd + len(block))
    return bytes(out)


def build_apk(spec: ApkSpec) -> bytes:
    """The APK file of a spec: manifest, ``classes.dex`` (base APKs), extra entries, v2 signature."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        entries = [("AndroidManifest.xml", manifest(spec))]
        if spec.split is None:
            entries.append(("classes.dex", dex(spec.classes)))
        entries.extend(spec.extra)
        for name, data in entries:
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    apk = buf.getvalue()
    return sign_v2(apk, spec.signer) if spec.signer is not None else apk


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
    apps = []
    for package, found in paths.items():
        dumped = dumps.get(package)
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
        base = spec_for(
            app.package,
            version_code=app.version_code,
            version_name=app.version_name,
            min_sdk=app.min_sdk,
            target_sdk=app.target_sdk,
            permissions=app.permissions,
            system=app.system,
        )
        for path in app.paths:
            split = _split_name(path)
            spec = (
                base
                if split is None
                else ApkSpec(
                    package=app.package,
                    version_code=app.version_code,
                    version_name=app.version_name,
                    min_sdk=app.min_sdk,
                    target_sdk=app.target_sdk,
                    label=base.label,
                    split=split,
                    signer=base.signer,
                )
            )
            files[path] = build_apk(spec)
    return files
