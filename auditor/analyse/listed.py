"""Apps the package dump does not describe: known from package lists, or only named elsewhere.

Three ways an app reaches the report besides the package dump, each with what is known and no more:

* **listed**: a package list names it (``pm list packages`` per user, androidqf's ``packages.json``).
  Its install source is classified from the list's installer like any other app's; ``packages.json``
  adds the system and disabled flags, the uid, the APK hashes and the signer certificate.
  A package ``packages.json`` shows as not installed for the user (listed by ``-u`` only) is reported
  with presence ``not_installed`` and never counted as installed.
* **unlisted**: no package data names it, but an app-op block, an enabled accessibility service, a
  notification listener, a device admin, a role or a secure setting does. Before, such a package was
  dropped without a word, which is how a real bug report hid an enabled accessibility service and
  install-unknown-apps grants. It is kept with what those sources say (its ops, with the uid's modes
  over them, and its special accesses), scored, and counted in a note. Its system flag is unknown and
  it cannot be shown to be part of the system image, so it is treated as an installed app (third-party
  rules apply to it) — unless its uid is a platform uid (below 10000: ``system``, ``phone``, ``root``
  …), which only platform-signed code can run as.

App-op blocks also supply the uid-level modes of listed apps (``OpIndex.view``), so a uid's
``COARSE_LOCATION: mode=ignore`` applies to an app known only from a list too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from auditor.analyse.catalogue import Catalogue
from auditor.analyse.opview import OpIndex, OpView
from auditor.analyse.parsed import ParsedDevice
from auditor.analyse.special import normalise_component, special_accesses
from auditor.model import (
    AppPresence,
    AppReport,
    ComponentGrant,
    InstallSource,
    ListedPackage,
    Note,
    NoteLevel,
    QfPackage,
    SignerCertificate,
)
from auditor.parse.settings import parse_component_list, parse_input_methods
from auditor.sections import (
    ANDROIDQF_PACKAGES,
    DUMPSYS_ACCESSIBILITY,
    DUMPSYS_DEVICE_POLICY,
    DUMPSYS_NOTIFICATION,
    DUMPSYS_ROLE,
    PM_LIST_PACKAGES,
    SETTINGS_SECURE,
)

FIRST_APPLICATION_UID = 10_000
"""``Process.FIRST_APPLICATION_UID``: app ids below it belong to the platform (system, phone, bluetooth …)."""
_SYSTEM_PATHS = ("/system", "/product", "/vendor", "/apex", "/system_ext")
_SECURE_PACKAGE_KEYS = ("always_on_vpn_app", "sms_default_application", "dialer_default_application")
_UNLISTED_NOTE = (
    "not in the package data (uninstalled since, hidden, or another user's): only what app-ops, special "
    "accesses and settings say about it is known; its permissions are unknown"
)


@dataclass(frozen=True)
class Listing:
    """What package lists say about one package for one user (``pm list packages`` and/or ``packages.json``)."""

    package: str
    user: int
    uid: int | None = None
    path: str | None = None
    version_code: int | None = None
    installer: str | None = None
    installer_known: bool = False
    """The list asked for installers, so ``installer=None`` means none was recorded (not "not asked")."""
    system: bool | None = None
    enabled: bool | None = None
    installed: bool = True
    signer: SignerCertificate | None = None
    apk_sha256: tuple[str, ...] = ()
    source: str = "pm list packages"


@dataclass(frozen=True)
class Stated:
    """Facts about a package a source states without the APK: its signer and APK hashes (device-wide)."""

    signer: SignerCertificate | None
    apk_sha256: tuple[str, ...]


def _from_pm(lp: ListedPackage, user: int) -> Listing:
    return Listing(
        package=lp.package,
        user=user,
        uid=lp.uid,
        path=lp.path,
        version_code=lp.version_code,
        installer=lp.installer,
        # `pm list packages` prints `installer=null` only with -i, but the parser folds it into None: unknown.
        installer_known=lp.installer is not None,
        system=bool(lp.path and lp.path.startswith(_SYSTEM_PATHS)) if lp.path else None,
    )


def _signer(p: QfPackage) -> SignerCertificate | None:
    """The signer of the base APK (the first file): every split is signed with the same certificate."""
    cert = next((f.certificate for f in p.files if f.certificate is not None), None)
    if cert is None:
        return None
    return SignerCertificate(
        cert.sha256, cert.sha1, cert.subject, cert.issuer, cert.valid_from, cert.valid_to, md5=cert.md5
    )


def _from_qf(p: QfPackage) -> Listing:
    return Listing(
        package=p.package,
        user=p.user if p.user is not None else 0,
        uid=p.uid,
        path=p.files[0].path if p.files else None,
        installer=p.installer,
        installer_known=p.installer_listed,
        system=p.system,
        enabled=None if p.disabled is None else not p.disabled,
        installed=p.installed is not False,
        signer=_signer(p),
        apk_sha256=tuple(f.sha256 for f in p.files if f.sha256),
        source="androidqf packages.json",
    )


def listings(parsed: ParsedDevice) -> dict[int, dict[str, Listing]]:
    """User → package → what the lists say. ``packages.json`` fills in what a ``pm list`` line lacks."""
    found: dict[int, dict[str, Listing]] = {}
    for user, lst in parsed.per_user(PM_LIST_PACKAGES).items():
        for lp in lst.packages:
            found.setdefault(user, {})[lp.package] = _from_pm(lp, user)
    qf = parsed.one(ANDROIDQF_PACKAGES)
    for p in qf.packages if qf is not None else ():
        listing = _from_qf(p)
        by_name = found.setdefault(listing.user, {})
        by_name.setdefault(listing.package, listing)
    return found


def stated_facts(parsed: ParsedDevice) -> dict[str, Stated]:
    """Package → signer and APK hashes stated by ``packages.json`` (they belong to the app whatever the source)."""
    qf = parsed.one(ANDROIDQF_PACKAGES)
    facts: dict[str, Stated] = {}
    for p in qf.packages if qf is not None else ():
        listing = _from_qf(p)
        if listing.signer is not None or listing.apk_sha256:
            facts.setdefault(p.package, Stated(listing.signer, listing.apk_sha256))
    return facts


def packages_json_note(parsed: ParsedDevice) -> Note | None:
    """What of ``packages.json`` could not be read (a broken file must not read as "no packages")."""
    qf = parsed.one(ANDROIDQF_PACKAGES)
    if qf is None or not qf.unknown:
        return None
    shown = "; ".join(qf.unknown[:5]) + (f"; … {len(qf.unknown) - 5} more" if len(qf.unknown) > 5 else "")
    return Note(ANDROIDQF_PACKAGES.name, NoteLevel.PARTIAL, f"packages.json: not understood: {shown}")


def listed_install_source(
    system: bool | None, installer: str | None, installer_known: bool, catalogue: Catalogue
) -> InstallSource:
    """The install source from what a list says, classified like the package dump's (android-platform.md §5)."""
    if system:
        return InstallSource.SYSTEM
    if installer is None:
        # No installer recorded: adb, or a file installed by something that does not record itself.
        return InstallSource.SIDELOADED if installer_known else InstallSource.UNKNOWN
    if installer in catalogue.stores:
        return InstallSource.STORE
    if installer in catalogue.sideload_installers:
        return InstallSource.SIDELOADED
    return InstallSource.OTHER_INSTALLER


def listed_app(listing: Listing, uid: int | None, ops: OpView, parsed: ParsedDevice, catalogue: Catalogue) -> AppReport:
    """An app known only from package lists: identity, install source, ops and special accesses."""
    notes = [Note("dumpsys_package", NoteLevel.MISSING, "not in the package dump: permissions unknown")]
    if not listing.installed:
        notes.append(
            Note(
                "package data",
                NoteLevel.INFO,
                f"{listing.source} lists it only with -u: not installed for user {listing.user} (its data is kept)",
            )
        )
    return AppReport(
        package=listing.package,
        user=listing.user,
        uid=uid,
        app_id=uid % 100_000 if uid is not None else None,
        version_code=listing.version_code,
        version_name=None,
        min_sdk=None,
        target_sdk=None,
        system=bool(listing.system),
        updated_system=False,
        enabled=listing.enabled,
        installer=listing.installer,
        initiating_installer=None,
        install_source=listed_install_source(listing.system, listing.installer, listing.installer_known, catalogue),
        package_source=None,
        first_install=None,
        last_update=None,
        code_path=listing.path,
        shared_user=None,
        debuggable=False,
        permissions=(),
        special_access=special_accesses(listing.package, listing.user, (), ops.mode, parsed, catalogue),
        ops=ops.effective_entries(),
        notes=tuple(notes),
        presence=AppPresence.INSTALLED if listing.installed else AppPresence.NOT_INSTALLED,
        signer=listing.signer,
        apk_sha256=listing.apk_sha256,
    )


# --------------------------------------------------------------------------------------------------
# Unlisted apps
# --------------------------------------------------------------------------------------------------


def _grants(grants: Iterable[ComponentGrant]) -> Iterator[tuple[int, str]]:
    for g in grants:
        yield g.user, normalise_component(g.component).partition("/")[0]


def named_packages(parsed: ParsedDevice, ops: OpIndex) -> dict[tuple[int, str], int | None]:
    """(user, package) → uid (when an app-op block gives it) of every package a non-package source names."""
    named: dict[tuple[int, str], int | None] = {}
    for uid, package in ops.packages():
        if uid >= 0:
            named.setdefault((uid // 100_000, package), uid)
    found: list[tuple[int, str]] = []
    accessibility = parsed.one(DUMPSYS_ACCESSIBILITY)
    if accessibility is not None:
        found += _grants((*accessibility.enabled, *accessibility.bound))
    listeners = parsed.one(DUMPSYS_NOTIFICATION)
    if listeners is not None:
        found += _grants((*listeners.allowed, *listeners.assistants))
    policy = parsed.one(DUMPSYS_DEVICE_POLICY)
    if policy is not None:
        owner = (policy.device_owner,) if policy.device_owner is not None else ()
        found += _grants((*policy.admins, *owner, *policy.profile_owners))
    roles = parsed.one(DUMPSYS_ROLE)
    if roles is not None:
        found += [(h.user, h.package) for h in roles.holders]
    for user, secure in parsed.per_user(SETTINGS_SECURE).items():
        values = secure.values
        for setting in ("enabled_accessibility_services", "enabled_notification_listeners"):
            found += _grants(parse_component_list(values.get(setting, ""), user))
        found += _grants(parse_input_methods(values.get("enabled_input_methods", ""), user))
        default_ime = values.get("default_input_method", "")
        if default_ime and "/" in default_ime:
            found.append((user, default_ime.partition("/")[0]))
        found += [(user, values[k]) for k in _SECURE_PACKAGE_KEYS if values.get(k) and values[k] != "null"]
    for user_package in found:
        if user_package[1]:
            named.setdefault(user_package, None)
    return named


def unlisted_apps(
    parsed: ParsedDevice, covered: set[tuple[int, str]], ops: OpIndex, catalogue: Catalogue
) -> list[AppReport]:
    """Every package named outside the package data and absent from it, with what is said about it."""
    apps = []
    for (user, package), uid in sorted(named_packages(parsed, ops).items()):
        if (user, package) in covered:
            continue
        view = ops.view(uid, package)
        app_id = uid % 100_000 if uid is not None else None
        platform = app_id is not None and app_id < FIRST_APPLICATION_UID
        specials = special_accesses(package, user, (), view.mode, parsed, catalogue)
        apps.append(
            AppReport(
                package=package,
                user=user,
                uid=uid,
                app_id=app_id,
                version_code=None,
                version_name=None,
                min_sdk=None,
                target_sdk=None,
                system=platform,
                updated_system=False,
                enabled=None,
                installer=None,
                initiating_installer=None,
                install_source=InstallSource.SYSTEM if platform else InstallSource.UNKNOWN,
                package_source=None,
                first_install=None,
                last_update=None,
                code_path=None,
                shared_user=None,
                debuggable=False,
                permissions=(),
                special_access=specials,
                ops=view.effective_entries(),
                notes=(Note("package data", NoteLevel.MISSING, _UNLISTED_NOTE),),
                presence=AppPresence.UNLISTED,
            )
        )
    return apps


def unlisted_note(apps: Iterable[AppReport]) -> Note | None:
    """The report's note counting unlisted apps (``None`` when there are none)."""
    unlisted = [a for a in apps if a.presence is AppPresence.UNLISTED]
    if not unlisted:
        return None
    keys = sum(1 for a in unlisted if a.special_access)
    return Note(
        "package data",
        NoteLevel.PARTIAL,
        f"{len(unlisted)} apps are named by app-ops, special accesses or settings but absent from the package "
        f"data (uninstalled since, hidden, or another user's); they are listed as unlisted, {keys} of them "
        "with special accesses, and their permissions are unknown",
    )
