"""Where each app comes from: the operating system, the phone's own image, or installed afterwards.

A privacy researcher looks at an Android phone in three layers, and so does the report:

* the **platform** — the operating system itself. It holds powerful accesses by design (the phone app
  reads the call log, the shell holds nearly every permission) and cannot be removed. Android marks it
  three ways, each read here: a core uid (app id below ``Process.FIRST_APPLICATION_UID``, 10000), a
  shared ``android.uid.*`` user id, or the platform signing certificate (the signer of package
  ``android``), which Settings itself treats as "system" and refuses to disable;
* **preinstalled** apps — on the system, vendor or product image but not the platform: vendor, carrier
  and partner apps. They can usually be disabled (``pm disable-user``), and research on preinstalled
  software (Gamba et al., IEEE S&P 2020) found them full of custom permissions, trackers and data
  collection nobody chose;
* **installed** apps — put there afterwards by a store, a browser, a file manager, another app or adb.

Only an app on the system image can be platform or preinstalled: a package in a platform uid or signed
with the platform certificate but installed into ``/data`` as a fresh install is not the operating
system but something installed with its identity, and the origin rules say so
(``auditor.score.rules``: AUD-ORIGIN-*).

The signer is compared two ways. The APK's certificate SHA-256 is exact, but known only where the APKs
were pulled (``--apks``; the platform's own with ``--apks=all``). ``dumpsys package`` prints a short
hash per certificate for every package (``SignatureHashKind``): a 32-bit content hash from Android 9,
an object identity hash before. Equal hashes of one dump say "the same certificate" (near certainly
for content hashes; exactly for identity hashes, which are equal only for one shared object); that is
the direction used here, and only for apps already on the system image.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final, assert_never

from auditor.model import (
    AppOrigin,
    AppReport,
    AuditReport,
    DumpSignatures,
    FactoryCopy,
    NoteLevel,
    ParsedPackage,
    ParsedPackageDump,
    Provenance,
    Removal,
    SpecialAccessKind,
)
from auditor.parse.signatures import parse_signatures, same_signer

FIRST_APPLICATION_UID: Final = 10000
"""``android.os.Process.FIRST_APPLICATION_UID``: app ids below it belong to the system (1000 system,
1001 phone, 2000 shell …)."""
PLATFORM_SHARED_PREFIX: Final = "android.uid."
"""The operating system's shared user ids: ``android.uid.system``, ``.phone``, ``.shell``, ``.systemui`` …"""
PLATFORM_PACKAGE: Final = "android"
"""The framework package; its signer is the platform certificate."""

DUMPSYS_PACKAGE_SECTION: Final = "dumpsys_package"
"""The section of the note an app known only from a package list carries (``auditor.analyse.build``)."""
_OWNER_KINDS: Final = frozenset(
    {SpecialAccessKind.DEVICE_ADMIN, SpecialAccessKind.DEVICE_OWNER, SpecialAccessKind.PROFILE_OWNER}
)


@dataclass(frozen=True)
class PlatformKeys:
    """How the platform certificate shows in this report: package ``android``'s signer, as far as known."""

    signer_sha256: str | None
    """From the framework's analysed APK (``--apks=all``)."""
    signatures: DumpSignatures | None
    """From the dump's ``Package [android]`` block."""


def platform_keys(apps: Iterable[AppReport], android: ParsedPackage | None) -> PlatformKeys:
    """The platform certificate as the report knows it."""
    signer = next((s for a in apps if a.package == PLATFORM_PACKAGE and (s := a.signer_sha256)), None)
    return PlatformKeys(signer, parse_signatures(android.signatures) if android is not None else None)


def platform_signature(app: AppReport, signatures: DumpSignatures | None, keys: PlatformKeys) -> str | None:
    """How ``app`` is known to be signed with the platform certificate, or ``None``."""
    signer = app.signer_sha256
    if signer and keys.signer_sha256 and signer == keys.signer_sha256:
        return f"its signer SHA-256 {signer[:16]}… is package android's"
    if signatures is not None and keys.signatures is not None and same_signer(signatures, keys.signatures):
        shown = ", ".join(signatures.current)
        return f"its dumpsys signature hash {shown} ({signatures.kind.value}) is package android's"
    return None


# --------------------------------------------------------------------------------------------------
# Origin
# --------------------------------------------------------------------------------------------------


def image_of(path: str | None) -> str:
    """The partition an image path lies on (``/product/app/X`` → ``product``); ``system`` when not told."""
    if not path or not path.startswith("/"):
        return "system"
    first = path.split("/", 2)[1]
    if first in ("system", "system_ext", "product", "vendor", "odm", "oem", "apex") or first.startswith("my_"):
        return first
    return "system"


def platform_uid(app: AppReport) -> str | None:
    """Why the app's uid is the platform's, when it is: a core app id or an ``android.uid.*`` shared user."""
    if app.app_id is not None and 0 <= app.app_id < FIRST_APPLICATION_UID:
        return f"app id {app.app_id} (a platform uid, below {FIRST_APPLICATION_UID})"
    if app.shared_user and app.shared_user.startswith(PLATFORM_SHARED_PREFIX):
        return f"the platform's shared user id {app.shared_user}"
    return None


def flags_known(app: AppReport) -> bool:
    """Whether the source printed the app's package flags (SYSTEM, UPDATED_SYSTEM_APP …).

    An app known only from a package list (``pm list packages -f``, no package dump) has only its path:
    one in ``/data/app`` may be installed, or an updated system app. The analysis says so in a note.
    """
    return not any(n.section == DUMPSYS_PACKAGE_SECTION and n.level is NoteLevel.MISSING for n in app.notes)


def origin_of(
    app: AppReport,
    *,
    platform_signed: str | None = None,
    factory: FactoryCopy | None = None,
    known_flags: bool | None = None,
) -> tuple[AppOrigin, str]:
    """The origin of ``app`` and the fact it rests on.

    ``platform_signed`` says how the app is known to carry the platform certificate (``platform_signature``);
    without it, the uid alone decides between platform and preinstalled. ``known_flags`` says whether the
    source printed the package flags (``flags_known`` by default).
    """
    uid = platform_uid(app)
    if not app.system:
        if known_flags if known_flags is not None else flags_known(app):
            return AppOrigin.INSTALLED, f"not on the system image: installed afterwards ({app.install_source.value})"
        if uid is not None:
            # Only the platform's own packages hold a platform uid; in /data/app that is an update of one
            # (a mainline module such as the network stack) unless flags say otherwise, which they do not here.
            return (
                AppOrigin.PLATFORM,
                f"{uid}; this source prints no package flags, so its copy in {app.code_path} "
                "is taken for an update of a system package",
            )
        return AppOrigin.INSTALLED, (
            f"in {app.code_path or 'an unknown path'}: installed afterwards, or an updated preinstalled app "
            "(this source prints no package flags)"
        )
    if uid is not None:
        return AppOrigin.PLATFORM, uid
    if platform_signed is not None:
        return AppOrigin.PLATFORM, f"signed with the platform certificate: {platform_signed}"
    path = factory.code_path if factory is not None else (None if app.updated_system else app.code_path)
    updated = ", updated since" if app.updated_system else ""
    return AppOrigin.PREINSTALLED, f"on the {image_of(path)} image{updated}; not part of the platform"


def removal_of(app: AppReport, origin: AppOrigin) -> Removal:
    """What a person can do about the app: uninstall it, disable it, or nothing (the platform)."""
    match origin:
        case AppOrigin.INSTALLED:
            return Removal.UNINSTALL
        case AppOrigin.PLATFORM:
            return Removal.NONE
        case AppOrigin.PREINSTALLED:
            if app.enabled is False:
                return Removal.DISABLED
            # Settings greys out Disable for an active admin (AppButtonsPreferenceController), and
            # setEnabledSetting refuses a device or profile owner.
            if any(s.kind in _OWNER_KINDS for s in app.special_access):
                return Removal.DEACTIVATE_FIRST
            return Removal.DISABLE
        case _:
            assert_never(origin)


def _factory(hidden: ParsedPackage | None) -> FactoryCopy | None:
    if hidden is None:
        return None
    return FactoryCopy(hidden.code_path, hidden.version_code, parse_signatures(hidden.signatures))


def with_origin(
    app: AppReport, package: ParsedPackage | None, hidden: ParsedPackage | None, keys: PlatformKeys
) -> AppReport:
    """``app`` with its origin and provenance, from its own dump block and its factory copy's."""
    signatures = parse_signatures(package.signatures) if package is not None else None
    factory = _factory(hidden)
    signed = platform_signature(app, signatures, keys)
    origin, basis = origin_of(app, platform_signed=signed, factory=factory, known_flags=package is not None)
    provenance = Provenance(
        basis=basis,
        removal=removal_of(app, origin),
        signatures=signatures,
        factory=factory,
        platform_signature=signed,
    )
    return replace(app, origin=origin, provenance=provenance)


def with_origins(report: AuditReport, dump: ParsedPackageDump | None) -> AuditReport:
    """Every app of ``report`` with its origin (run after APK facts are merged: they carry signers)."""
    packages: Mapping[str, ParsedPackage] = {p.package: p for p in dump.packages} if dump is not None else {}
    hidden: Mapping[str, ParsedPackage] = (
        {p.package: p for p in dump.hidden_system_packages} if dump is not None else {}
    )
    keys = platform_keys(report.apps, packages.get(PLATFORM_PACKAGE))
    apps = tuple(with_origin(a, packages.get(a.package), hidden.get(a.package), keys) for a in report.apps)
    return replace(report, apps=apps)
