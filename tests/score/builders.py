"""Hand-built AppReports for scoring tests: terse, but every field is what the analysis would derive."""

from __future__ import annotations

import zlib

from auditor.analyse.catalogue import load_catalogue
from auditor.model import (
    AccessState,
    ApkFacts,
    ApkRequestedPermission,
    ApkSigning,
    ApkTracker,
    AppReport,
    EffectiveAccess,
    InstallSource,
    PermissionKind,
    PermissionReport,
    SpecialAccessKind,
    SpecialAccessReport,
)
from tests.builders import apk_facts

P = "android.permission."
CAT = load_catalogue()
_INSTALLERS = {
    InstallSource.STORE: "com.android.vending",
    InstallSource.SIDELOADED: "com.google.android.packageinstaller",
    InstallSource.OTHER_INSTALLER: "com.example.somestore",
    InstallSource.SYSTEM: None,
    InstallSource.UNKNOWN: None,
}


def full(name: str) -> str:
    """``CAMERA`` → ``android.permission.CAMERA``; full names and Health Connect names pass through."""
    return name if "." in name else P + name


def perm(
    name: str,
    effective: EffectiveAccess = EffectiveAccess.ALLOWED,
    *,
    flags: tuple[str, ...] = (),
    used: str | None = None,
    requested: bool | None = True,
    granted: bool | None = None,
) -> PermissionReport:
    """One permission row. ``used`` is ``"fg"`` or ``"bg"`` for a recorded access."""
    name = full(name)
    info = CAT.info(name)
    kind = info.kind if info is not None else PermissionKind.INSTALL
    appop = info.appop if info is not None else None
    if granted is None and effective is not EffectiveAccess.UNKNOWN:
        granted = effective in (EffectiveAccess.ALLOWED, EffectiveAccess.FOREGROUND_ONLY)
    mode = {EffectiveAccess.ALLOWED: "allow", EffectiveAccess.FOREGROUND_ONLY: "foreground"}.get(effective)
    state = {"fg": AccessState.FOREGROUND, "bg": AccessState.BACKGROUND}.get(used or "")
    return PermissionReport(
        name=name,
        kind=kind,
        requested=requested,
        granted=granted,
        flags=flags,
        effective=effective,
        appop=appop,
        appop_mode=mode if appop else None,
        last_access="2024-05-01 11:00:00.000" if used else None,
        last_access_state=state,
        last_background_access="2024-05-01 11:00:00.000" if used == "bg" else None,
    )


def allowed(*names: str, flags: tuple[str, ...] = (), used: str | None = None) -> tuple[PermissionReport, ...]:
    return tuple(perm(n, EffectiveAccess.ALLOWED, flags=flags, used=used) for n in names)


def in_use(*names: str, flags: tuple[str, ...] = (), used: str | None = None) -> tuple[PermissionReport, ...]:
    return tuple(perm(n, EffectiveAccess.FOREGROUND_ONLY, flags=flags, used=used) for n in names)


def denied(*names: str, flags: tuple[str, ...] = ()) -> tuple[PermissionReport, ...]:
    return tuple(perm(n, EffectiveAccess.DENIED, flags=flags) for n in names)


def special(kind: SpecialAccessKind, detail: str | None = None, evidence: str = "test fixture") -> SpecialAccessReport:
    return SpecialAccessReport(kind=kind, detail=detail, evidence=evidence)


def role(name: str) -> SpecialAccessReport:
    return special(SpecialAccessKind.ROLE, f"android.app.role.{name}", "dumpsys role")


def tracker(name: str, *categories: str, tid: int = 0) -> ApkTracker:
    return ApkTracker(
        id=tid or zlib.crc32(name.encode()) % 1000,
        name=name,
        categories=categories,
        website=None,
        evidence=(f"com.{name.lower().replace(' ', '')}.sdk",),
        matched_classes=3,
    )


def apk(
    package: str,
    *,
    trackers: tuple[ApkTracker, ...] = (),
    hides_icon: bool = False,
    signer: str | None = None,
    permissions: tuple[str, ...] = (),
    debuggable: bool = False,
    target_sdk: int | None = 34,
) -> ApkFacts:
    """APK facts with the fields scoring reads named by what they mean (short permission names)."""
    return apk_facts(
        package,
        target_sdk=target_sdk,
        permissions=tuple(ApkRequestedPermission(full(p)) for p in permissions),
        debuggable=debuggable,
        signing=ApkSigning(signer_sha256=signer, signer_scheme=None),
        launcher_activities=() if hides_icon else (f"{package}.Main",),
        hides_launcher_icon=hides_icon,
        trackers=trackers,
    )


def app(
    package: str,
    *permissions: PermissionReport | tuple[PermissionReport, ...],
    specials: tuple[SpecialAccessReport, ...] = (),
    source: InstallSource = InstallSource.STORE,
    system: bool = False,
    target_sdk: int = 34,
    internet: bool = True,
    boot: bool = False,
    apk_facts: ApkFacts | None = None,
    debuggable: bool = False,
    shared_user: str | None = None,
    user: int = 0,
) -> AppReport:
    """An app for one user. INTERNET (and RECEIVE_BOOT_COMPLETED with ``boot``) are added as install rows."""
    rows: list[PermissionReport] = []
    for p in permissions:
        rows.extend(p if isinstance(p, tuple) else (p,))
    if internet:
        rows.append(perm("INTERNET"))
    if boot:
        rows.append(perm("RECEIVE_BOOT_COMPLETED"))
    if system:
        source = InstallSource.SYSTEM
    return AppReport(
        package=package,
        user=user,
        uid=user * 100000 + 10000 + zlib.crc32(package.encode()) % 9000,
        app_id=10000 + zlib.crc32(package.encode()) % 9000,
        version_code=1,
        version_name="1.0",
        min_sdk=24,
        target_sdk=target_sdk,
        system=system,
        updated_system=False,
        enabled=True,
        installer=_INSTALLERS[source],
        initiating_installer=_INSTALLERS[source],
        install_source=source,
        package_source=None,
        first_install="2024-01-01 10:00:00",
        last_update="2024-01-01 10:00:00",
        code_path=f"/data/app/{package}-1",
        shared_user=shared_user,
        debuggable=debuggable,
        permissions=tuple(rows),
        special_access=specials,
        apk=apk_facts,
    )
