"""Assembling the audit report: one app per user, with derived effective access and special accesses.

Effective access is *derived*, never copied (android-platform.md §3.1): a permission is usable when
it is granted, is not REVOKED_COMPAT (legacy apps print ``granted=true`` for everything), and its
app-op allows it — where a uid-level mode overrides the package mode. Location is "all the time"
only with ACCESS_BACKGROUND_LOCATION and an ``allow`` op; ``foreground`` means "while in use".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from auditor import __version__
from auditor.analyse.catalogue import Catalogue, load_catalogue
from auditor.analyse.device_state import device_state
from auditor.analyse.hashes import with_device_hashes
from auditor.analyse.listed import (
    Listing,
    Stated,
    listed_app,
    listings,
    packages_json_note,
    stated_facts,
    unlisted_apps,
    unlisted_note,
)
from auditor.analyse.opview import OpIndex, OpView
from auditor.analyse.parsed import ParsedDevice
from auditor.analyse.special import special_accesses
from auditor.model import (
    SCHEMA_VERSION,
    AccessState,
    AppReport,
    AuditReport,
    DeviceInfo,
    EffectiveAccess,
    HistoryCoverage,
    InstallSource,
    Note,
    NoteLevel,
    OpEvent,
    OpEventKind,
    PackageUserState,
    ParsedPackage,
    ParsedSharedUser,
    PermissionKind,
    PermissionReport,
    PermissionState,
    SourceInfo,
    UidState,
    UserKind,
    UserReport,
)
from auditor.sections import APPOPS_DISCRETE, DUMPSYS_APPOPS, DUMPSYS_PACKAGE, GETPROP, PM_LIST_USERS

# Flag bit 8 prints as REVOKE_ON_UPGRADE up to Android 10 and REVOKED_COMPAT from 11: a legacy
# (targetSdk < 23) app whose permission the user turned off; `granted=true` stays, the op denies.
_DENYING_MODES = frozenset({"ignore", "deny", "errored"})
# Processes in these states are not visible to the user. A foreground service (fgsvc, fgsvcl) shows a
# notification and counts as foreground, as AppOpsManager's MODE_FOREGROUND treats it.
_BACKGROUND_STATES = frozenset({UidState.BACKGROUND, UidState.CACHED, UidState.GONE})
_LOCATION_PERMISSIONS = ("android.permission.ACCESS_FINE_LOCATION", "android.permission.ACCESS_COARSE_LOCATION")

# UserInfo flags (android.content.pm.UserInfo)
_FLAG_PRIMARY = 0x1
_FLAG_GUEST = 0x4
_FLAG_MANAGED_PROFILE = 0x20
_FLAG_PROFILE = 0x1000


def user_kind(user_id: int, flags: int) -> UserKind:
    """What kind of user a UserInfo is, from its flags."""
    if flags & _FLAG_MANAGED_PROFILE:
        return UserKind.WORK_PROFILE
    if flags & _FLAG_GUEST:
        return UserKind.GUEST
    if flags & _FLAG_PROFILE:
        return UserKind.CLONE_OR_OTHER_PROFILE
    if user_id == 0 or flags & _FLAG_PRIMARY:
        return UserKind.PRIMARY
    return UserKind.SECONDARY


def device_info(parsed: ParsedDevice, fallback: DeviceInfo | None = None) -> DeviceInfo:
    """Device identity from ``getprop`` (the manifest's copy when getprop is absent)."""
    props = parsed.one(GETPROP)
    if props is None:
        return fallback or DeviceInfo()
    p = props.values

    def first(*keys: str) -> str | None:
        for k in keys:
            v = p.get(k)
            if v:
                return v
        return None

    sdk = first("ro.build.version.sdk")
    return DeviceInfo(
        model=first("ro.product.model", "ro.product.system.model", "ro.product.vendor.model"),
        manufacturer=first("ro.product.manufacturer", "ro.product.system.manufacturer"),
        brand=first("ro.product.brand", "ro.product.system.brand"),
        android_release=first("ro.build.version.release", "ro.build.version.release_or_codename"),
        sdk=int(sdk) if sdk and sdk.isdigit() else None,
        security_patch=first("ro.build.version.security_patch"),
        fingerprint=first("ro.build.fingerprint", "ro.system.build.fingerprint"),
        serial=first("ro.serialno", "ro.boot.serialno"),
        timezone=first("persist.sys.timezone"),
    )


# ------------------------------------------------------------------------------------------------
# App-op lookups
# ------------------------------------------------------------------------------------------------


def _newest(events: Iterable[OpEvent]) -> OpEvent | None:
    best: OpEvent | None = None
    for ev in events:
        if best is None:
            best = ev
        elif ev.ago_ms is not None and best.ago_ms is not None:
            if ev.ago_ms < best.ago_ms:
                best = ev
        elif (ev.time or "") > (best.time or ""):
            best = ev
    return best


def access_state(event: OpEvent) -> AccessState:
    """Foreground or background, from the uid state the access was recorded in."""
    return uid_state_access(event.uid_state)


def uid_state_access(uid_state: UidState) -> AccessState:
    """Foreground or background for a uid state, whichever record printed it (regular dump or history)."""
    if uid_state is UidState.UNKNOWN:
        return AccessState.UNKNOWN
    return AccessState.BACKGROUND if uid_state in _BACKGROUND_STATES else AccessState.FOREGROUND


# ------------------------------------------------------------------------------------------------
# Permissions
# ------------------------------------------------------------------------------------------------


def _effective(
    *,
    kind: PermissionKind,
    granted: bool | None,
    flags: tuple[str, ...],
    mode: str | None,
    target_sdk: int | None,
    when_default_denies: bool,
) -> EffectiveAccess:
    if kind is PermissionKind.APPOP:
        # Special accesses: the op mode decides; `default` falls back to the permission (or denies).
        if mode == "allow":
            return EffectiveAccess.ALLOWED
        if mode in _DENYING_MODES:
            return EffectiveAccess.APPOP_DENIED
        if when_default_denies:
            return EffectiveAccess.DENIED
        if granted is None:
            return EffectiveAccess.UNKNOWN
        return EffectiveAccess.ALLOWED if granted else EffectiveAccess.DENIED
    if granted is None:
        return EffectiveAccess.UNKNOWN
    if not granted:
        return EffectiveAccess.DENIED
    if "REVOKED_COMPAT" in flags or ("REVOKE_ON_UPGRADE" in flags and (mode is None or mode in _DENYING_MODES)):
        return EffectiveAccess.REVOKED_COMPAT
    if mode in _DENYING_MODES:
        if target_sdk is not None and target_sdk < 23:
            return EffectiveAccess.REVOKED_COMPAT
        return EffectiveAccess.APPOP_DENIED
    if mode == "foreground":
        return EffectiveAccess.FOREGROUND_ONLY
    return EffectiveAccess.ALLOWED


@dataclass(frozen=True)
class _Grant:
    granted: bool
    flags: tuple[str, ...]


def _grants(states: Iterable[PermissionState]) -> dict[str, _Grant]:
    return {s.name: _Grant(s.granted, s.flags) for s in states}


def build_permissions(
    pkg: ParsedPackage,
    user_state: PackageUserState | None,
    shared: ParsedSharedUser | None,
    shared_state: PackageUserState | None,
    ops: OpView,
    *,
    have_appops: bool,
    catalogue: Catalogue,
) -> tuple[PermissionReport, ...]:
    """Every permission of one app for one user, with its derived effective access."""
    install = _grants(shared.install_permissions) if shared is not None else {}
    install.update(_grants(pkg.install_permissions))
    if user_state is not None:
        install.update(_grants(user_state.install_permissions))
    runtime: dict[str, _Grant] = {}
    # Runtime grants of a sharedUserId app live under `Shared users:` (android-platform.md §3.1).
    if shared_state is not None:
        runtime.update(_grants(shared_state.runtime_permissions))
    if user_state is not None:
        runtime.update(_grants(user_state.runtime_permissions))

    requested_known = pkg.requested_permissions is not None
    requested = {r.name for r in pkg.requested_permissions or ()}
    names = list(dict.fromkeys([*(r.name for r in pkg.requested_permissions or ()), *runtime, *install]))

    rows: dict[str, PermissionReport] = {}
    for name in names:
        info = catalogue.info(name)
        special = catalogue.special_appops.get(info.appop) if info and info.appop else None
        grant: _Grant | None
        if name in runtime:
            kind, grant = PermissionKind.RUNTIME, runtime[name]
        elif info is not None and info.kind is PermissionKind.APPOP:
            kind, grant = PermissionKind.APPOP, install.get(name)
        elif name in install:
            kind, grant = PermissionKind.INSTALL, install[name]
        elif info is not None and info.kind is PermissionKind.RUNTIME:
            # Requested but absent from runtime grants: older dumps list only changed permissions.
            kind, grant = PermissionKind.RUNTIME, _Grant(False, ())
        else:
            kind, grant = PermissionKind.INSTALL, _Grant(False, ())
        granted: bool | None = grant.granted if grant is not None else None
        if kind is PermissionKind.APPOP and grant is None and requested_known and name in requested:
            granted = False
        flags = grant.flags if grant is not None else ()
        appop = info.appop if info is not None else None
        mode = ops.mode(appop) if appop else None
        effective = _effective(
            kind=kind,
            granted=granted,
            flags=flags,
            mode=mode,
            target_sdk=pkg.target_sdk,
            when_default_denies=special is not None and special.when_default == "deny",
        )
        # Without app-op data a location grant of an app targeting 29+ without background location is
        # "while in use" by platform rule (the op is set to foreground when background is not granted).
        entry = ops.entries.get(appop) if appop else None
        events = entry.events if entry is not None else ()
        accesses = [e for e in events if e.kind is OpEventKind.ACCESS]
        newest = _newest(accesses)
        newest_bg = _newest(e for e in accesses if access_state(e) is AccessState.BACKGROUND)
        reject = _newest(e for e in events if e.kind is OpEventKind.REJECT)
        rows[name] = PermissionReport(
            name=name,
            kind=kind,
            requested=(name in requested) if requested_known else (True if name in runtime else None),
            granted=granted,
            flags=flags,
            effective=effective,
            appop=appop,
            appop_mode=mode,
            last_access=newest.time if newest else None,
            last_access_ago_ms=newest.ago_ms if newest else None,
            last_access_state=access_state(newest) if newest else None,
            last_background_access=(newest_bg.time or _ago_text(newest_bg.ago_ms)) if newest_bg else None,
            last_reject=(reject.time or _ago_text(reject.ago_ms)) if reject else None,
        )

    _apply_location_rules(rows, pkg.target_sdk, have_appops=have_appops, catalogue=catalogue)
    return tuple(rows.values())


def _ago_text(ago_ms: int | None) -> str | None:
    return None if ago_ms is None else f"-{ago_ms}ms"


def _apply_location_rules(
    rows: dict[str, PermissionReport], target_sdk: int | None, *, have_appops: bool, catalogue: Catalogue
) -> None:
    """Location: 'all the time' needs background location; without app-op data, apply the platform rule."""
    bg_name = catalogue.background_location
    bg = rows.get(bg_name)
    bg_granted = bg is not None and bool(bg.granted)
    if not have_appops and not bg_granted and (target_sdk or 0) >= 29:
        for name in _LOCATION_PERMISSIONS:
            row = rows.get(name)
            if row is not None and row.effective is EffectiveAccess.ALLOWED:
                rows[name] = replace(row, effective=EffectiveAccess.FOREGROUND_ONLY)
    if bg is not None and bg.granted:
        fg = [rows[n].effective for n in _LOCATION_PERMISSIONS if n in rows]
        if EffectiveAccess.ALLOWED in fg:
            eff = EffectiveAccess.ALLOWED
        elif EffectiveAccess.FOREGROUND_ONLY in fg:
            eff = EffectiveAccess.FOREGROUND_ONLY
        else:
            eff = EffectiveAccess.DENIED
        rows[bg_name] = replace(bg, effective=eff)


# ------------------------------------------------------------------------------------------------
# Install source
# ------------------------------------------------------------------------------------------------


def install_source(pkg: ParsedPackage | None, installer: str | None, catalogue: Catalogue) -> InstallSource:
    """Where an app came from (android-platform.md §5 sideload heuristics)."""
    if pkg is not None and ("SYSTEM" in pkg.flags or "UPDATED_SYSTEM_APP" in pkg.flags):
        return InstallSource.SYSTEM
    initiating = pkg.initiating_package if pkg is not None else None
    # `pm install -i com.android.vending` spoofs the installer; the initiator stays the shell.
    if initiating == "com.android.shell":
        return InstallSource.SIDELOADED
    if pkg is not None and pkg.package_source in (3, 4):
        return InstallSource.SIDELOADED
    if installer in catalogue.stores:
        return InstallSource.STORE
    if installer is None:
        if pkg is None:
            return InstallSource.UNKNOWN
        return InstallSource.SIDELOADED
    if installer in catalogue.sideload_installers:
        return InstallSource.SIDELOADED
    return InstallSource.OTHER_INSTALLER


# ------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------


def _uid(user: int, app_id: int | None) -> int | None:
    return None if app_id is None else user * 100000 + app_id


def _enabled(state: PackageUserState | None) -> bool | None:
    if state is None or state.enabled is None:
        return None
    return state.enabled in (0, 1)


NO_APPS = (
    "no installed app is known from this source (no package dump, package list or packages.json could be read): "
    "the apps were not audited, and the device score covers its settings only"
)


def build_report(parsed: ParsedDevice, source: SourceInfo, *, fallback_device: DeviceInfo | None = None) -> AuditReport:
    """Assemble the audit report from parsed facts."""
    catalogue = load_catalogue()
    notes: list[Note] = list(parsed.notes)
    device = device_info(parsed, fallback_device)

    dump = parsed.one(DUMPSYS_PACKAGE)
    appops = parsed.one(DUMPSYS_APPOPS)
    listed = listings(parsed)
    stated = stated_facts(parsed)
    unread = packages_json_note(parsed)
    if unread is not None:
        notes.append(unread)
    packages = dump.packages if dump is not None else ()
    shared_by_name = {s.name: s for s in dump.shared_users} if dump is not None else {}
    have_appops = appops is not None
    op_index = OpIndex.of(appops.uids if appops is not None else ())

    # Users: from `pm list users`, else inferred from the packages' User blocks.
    listed_users = parsed.one(PM_LIST_USERS)
    users: list[UserReport] = []
    if listed_users is not None and listed_users.users:
        users = [UserReport(u.id, u.name, user_kind(u.id, u.flags), u.flags, u.running) for u in listed_users.users]
    else:
        ids = sorted({s.user for p in packages for s in p.users} | set(listed) or {0})
        users = [UserReport(i, "", user_kind(i, 0), 0, True) for i in ids]
    user_ids = {u.id for u in users}

    apps: list[AppReport] = []
    covered: set[tuple[int, str]] = set()
    if dump is not None and packages and all(p.requested_permissions is None for p in packages):
        notes.append(
            Note(
                "dumpsys_package",
                NoteLevel.PARTIAL,
                "no per-package dump: permissions requested but never granted are not known",
            )
        )

    for pkg in packages:
        states = {s.user: s for s in pkg.users}
        if states:
            installed_users = [u for u, s in states.items() if s.installed is not False]
            # The dump speaks for every user it has a block for: a list's -u entry adds nothing there.
            covered.update((u, pkg.package) for u in states)
        else:
            installed_users = [u for u, by_name in listed.items() if pkg.package in by_name] or [0]
        shared = shared_by_name.get(pkg.shared_user) if pkg.shared_user else None
        shared_states = {s.user: s for s in shared.users} if shared is not None else {}
        for user in installed_users:
            state = states.get(user)
            uid = _uid(user, pkg.app_id)
            ops = op_index.view(uid, pkg.package)
            permissions = build_permissions(
                pkg,
                state,
                shared,
                shared_states.get(user),
                ops,
                have_appops=have_appops,
                catalogue=catalogue,
            )
            listing = listed.get(user, {}).get(pkg.package)
            app = _app(pkg, user, uid, state, permissions, ops, listing, parsed, catalogue)
            apps.append(_with_stated(app, stated.get(pkg.package)))
            covered.add((user, pkg.package))

    # Apps the package lists know but the package dump does not (or no dump at all). Their app-ops
    # are found by package name within the user when the list printed no uid (`-U` is Android 8+).
    for user, by_name in listed.items():
        for name, listing in by_name.items():
            if (user, name) in covered:
                continue
            if listing.uid is not None:
                listed_uid: int | None = listing.uid
                view = op_index.view(listing.uid, name)
            else:
                listed_uid, view = op_index.find(user, name)
            apps.append(listed_app(listing, listed_uid, view, parsed, catalogue))
            covered.add((user, name))

    # Apps only app-ops, special accesses or settings name: kept, never dropped (``auditor.analyse.listed``).
    unlisted = unlisted_apps(parsed, covered, op_index, catalogue)
    apps += unlisted
    note = unlisted_note(unlisted)
    if note is not None:
        notes.append(note)

    unknown_users = sorted({a.user for a in apps} - user_ids)
    if unknown_users:
        notes.append(Note("pm_list_users", NoteLevel.INFO, f"apps installed for users not listed: {unknown_users}"))
    apps = with_device_hashes(apps, parsed)
    apps.sort(key=lambda a: (a.user, a.package))
    # Imported here: the timeline reads this module's state rules.
    from auditor.analyse.timeline import attach_timeline

    timed = attach_timeline(apps, appops, parsed.one(APPOPS_DISCRETE), device, source)
    if timed.timeline.history is HistoryCoverage.NOT_KEPT:
        # An Android 11 or older device: the history is not missing from the source, it never existed.
        notes = [n for n in notes if not (n.section == APPOPS_DISCRETE.name and n.level is NoteLevel.MISSING)]
    notes.extend(timed.notes)
    if not any(a.installed for a in timed.apps):
        # No package dump, no package list, no packages.json (or all of them empty): an empty app list here
        # is "not looked at", and must never read as a phone with nothing on it.
        notes.insert(0, Note("packages", NoteLevel.MISSING, NO_APPS))  # first: summaries show the first notes
    return AuditReport(
        schema=SCHEMA_VERSION,
        tool_version=__version__,
        source=source,
        device=device,
        users=tuple(users),
        apps=timed.apps,
        notes=tuple(notes),
        device_state=device_state(parsed),
        timeline=timed.timeline,
    )


def _with_stated(app: AppReport, stated: Stated | None) -> AppReport:
    """The signer and APK hashes a source states without the APK (androidqf), on an app the dump describes."""
    if stated is None:
        return app
    return replace(app, signer=stated.signer, apk_sha256=stated.apk_sha256)


def _app(
    pkg: ParsedPackage,
    user: int,
    uid: int | None,
    state: PackageUserState | None,
    permissions: tuple[PermissionReport, ...],
    ops: OpView,
    listed: Listing | None,
    parsed: ParsedDevice,
    catalogue: Catalogue,
) -> AppReport:
    installer = pkg.installer or (listed.installer if listed is not None else None)
    covered_ops = {p.appop for p in permissions if p.appop} | set(catalogue.special_appops)
    extra_ops = tuple(e for op, e in ops.entries.items() if op not in covered_ops)
    return AppReport(
        package=pkg.package,
        user=user,
        uid=uid,
        app_id=pkg.app_id,
        version_code=pkg.version_code if pkg.version_code is not None else (listed.version_code if listed else None),
        version_name=pkg.version_name,
        min_sdk=pkg.min_sdk,
        target_sdk=pkg.target_sdk,
        system="SYSTEM" in pkg.flags or "UPDATED_SYSTEM_APP" in pkg.flags,
        updated_system="UPDATED_SYSTEM_APP" in pkg.flags,
        enabled=_enabled(state) if _enabled(state) is not None else (listed.enabled if listed else None),
        installer=installer,
        initiating_installer=pkg.initiating_package,
        install_source=install_source(pkg, installer, catalogue),
        package_source=pkg.package_source,
        first_install=(state.first_install_time if state else None) or pkg.first_install_time,
        last_update=pkg.last_update_time,
        code_path=pkg.code_path or (listed.path if listed else None),
        shared_user=pkg.shared_user,
        debuggable="DEBUGGABLE" in pkg.flags,
        permissions=permissions,
        special_access=special_accesses(pkg.package, user, permissions, ops.mode, parsed, catalogue),
        ops=extra_ops,
    )
