"""``dumpsys package`` of the synthetic device: the plan's per-package loop, as ``Settings.dumpPackageLPr`` prints,
and the full dump (no package argument) that bug reports and androidqf hold."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.clock import local_time
from auditor.acquire.synthetic.render.device import text
from auditor.acquire.synthetic.world import USERS, App, Perm, SharedUser, World
from auditor.parse.markers import marker_line

# --------------------------------------------------------------------------------------------------
# dumpsys package (the plan's per-package loop)
# --------------------------------------------------------------------------------------------------

_FLAG_ORDER = (
    "SYSTEM",
    "DEBUGGABLE",
    "HAS_CODE",
    "PERSISTENT",
    "ALLOW_CLEAR_USER_DATA",
    "UPDATED_SYSTEM_APP",
    "ALLOW_BACKUP",
    "LARGE_HEAP",
)
_PRIVATE_ORDER = (
    "PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE",
    "ALLOW_AUDIO_PLAYBACK_CAPTURE",
    "DEFAULT_TO_DEVICE_PROTECTED_STORAGE",
    "DIRECT_BOOT_AWARE",
    "HAS_DOMAIN_URLS",
    "PARTIALLY_DIRECT_BOOT_AWARE",
    "PRIVILEGED",
    "PRODUCT",
    "SYSTEM_EXT",
    "PRIVATE_FLAG_ALLOW_NATIVE_HEAP_POINTER_TAGGING",
)


def _flag_list(names: Iterable[str], order: tuple[str, ...]) -> str:
    """``printFlags``: ``[ A B ]`` with a space after every name."""
    present = set(names)
    return "[ " + "".join(f"{n} " for n in order if n in present) + "]"


def _perm_line(perm: Perm, indent: str, user: int | None = None) -> str:
    text = f"{indent}{perm.name}: granted={'true' if perm.granted else 'false'}"
    if perm.flags:
        text += ", flags=[ " + "|".join(perm.flags) + "]"
    if user is not None:
        text += f", userId={user}"
    return text


def _app_flags(app: App, *, hidden: bool) -> list[str]:
    flags = ["HAS_CODE"]
    if app.system:
        flags.append("SYSTEM")
    if app.debuggable:
        flags.append("DEBUGGABLE")
    if app.persistent:
        flags.append("PERSISTENT")
    else:
        flags.append("ALLOW_CLEAR_USER_DATA")
    if app.updated and not hidden:
        flags.append("UPDATED_SYSTEM_APP")
    if not app.system or app.updated:
        flags.append("ALLOW_BACKUP")
    if app.large_heap:
        flags.append("LARGE_HEAP")
    return flags


def _private_flags(app: App) -> list[str]:
    flags = [
        "PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE",
        "ALLOW_AUDIO_PLAYBACK_CAPTURE",
        "PRIVATE_FLAG_ALLOW_NATIVE_HEAP_POINTER_TAGGING",
    ]
    if app.system:
        flags += ["DEFAULT_TO_DEVICE_PROTECTED_STORAGE", "DIRECT_BOOT_AWARE"]
        if app.privileged:
            flags.append("PRIVILEGED")
        if app.factory_path.startswith("/product/"):
            flags.append("PRODUCT")
        elif app.factory_path.startswith("/system_ext/"):
            flags.append("SYSTEM_EXT")
    if app.activities and not app.system:
        flags.append("HAS_DOMAIN_URLS")
    return flags


def _gids(perms: Iterable[Perm]) -> str | None:
    names = {p.name for p in perms if p.granted}
    gids = []
    if cat.ANDROID + "BLUETOOTH_ADMIN" in names:
        gids.append(3001)
    if cat.ANDROID + "BLUETOOTH" in names:
        gids.append(3002)
    if cat.ANDROID + "INTERNET" in names:
        gids.append(3003)
    return "[" + ", ".join(map(str, gids)) + "]" if gids else None


def _package_block(world: World, app: App, *, hidden: bool, with_requested: bool = True) -> list[str]:
    h = app.hashes
    code_path = app.factory_path if hidden else app.code_path
    version_code = app.factory_version_code if hidden else app.version_code
    version_name = app.factory_version_name if hidden else app.version_name
    is_apk = code_path.endswith(".apk")
    lines = [f"  Package [{app.package}] ({h[5] if hidden else h[0]}):", f"    appId={app.app_id}"]
    if app.shared_user:
        su = world.shared[app.shared_user]
        lines.append(f"    sharedUser=SharedUserSetting{{{su.hash} {su.name}/{su.app_id}}}")
    native = code_path.startswith("/data/app/") and bool(app.splits)
    lines += [
        f"    pkg=Package{{{h[6] if hidden else h[1]} {app.package}}}",
        f"    codePath={code_path}",
        f"    resourcePath={code_path}",
        f"    legacyNativeLibraryDir={code_path if is_apk else code_path + '/lib'}",
        "    extractNativeLibs=false",
        f"    primaryCpuAbi={'arm64-v8a' if native else 'null'}",
        "    secondaryCpuAbi=null",
        "    cpuAbiOverride=null",
        f"    versionCode={version_code} minSdk={app.min_sdk} targetSdk={app.target_sdk}",
        "    minExtensionVersions=[]",
        f"    versionName={version_name}",
        f"    hiddenApiEnforcementPolicy={0 if app.system else 2}",
        "    usesNonSdkApi=false",
        "    splits=[" + ", ".join(["base", *([] if hidden else app.splits)]) + "]",
        f"    apkSigningVersion={2 if hidden or app.target_sdk < 28 else 3}",
        "    flags=" + _flag_list(_app_flags(app, hidden=hidden), _FLAG_ORDER),
        "    privateFlags=" + _flag_list(_private_flags(app), _PRIVATE_ORDER),
        "    forceQueryable=" + ("true" if app.system and not hidden and app.persistent else "false"),
        "    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]",
    ]
    timestamp = (world.now_ms - 140 * 86_400_000) if hidden else app.timestamp_ms
    installer = None if hidden else app.installer
    lines += [
        f"    timeStamp={local_time(timestamp)}",
        f"    lastUpdateTime={local_time(timestamp if hidden else app.last_update_ms)}",
        f"    installerPackageName={installer or 'null'}",
        f"    installerPackageUid={-1 if hidden or app.installer is None else app.installer_uid}",
        f"    initiatingPackageName={'null' if hidden else app.initiating or 'null'}",
        f"    originatingPackageName={'null' if hidden else app.originating or 'null'}",
    ]
    if app.update_owner and not hidden:
        lines.append(f"    updateOwnerPackageName={app.update_owner}")
    lines += [
        f"    packageSource={0 if hidden else app.package_source}",
        "    appMetadataFilePath=null",
        f"    signatures=PackageSignatures{{{h[2]} version:{2 if hidden else 3}, signatures:[{app.signature}],"
        " past signatures:[]}",
        "    installPermissionsFixed=true",
        "    pkgFlags=" + _flag_list(_app_flags(app, hidden=hidden), _FLAG_ORDER),
        "    privatePkgFlags=" + _flag_list(_private_flags(app), _PRIVATE_ORDER),
        "    apexModuleName=null",
    ]
    if app.declared:
        lines.append("    declared permissions:")
        lines += [f"      {name}: prot={prot}, INSTALLED" for name, prot in app.declared]
    if app.requested and with_requested:
        lines.append("    requested permissions:")
        lines += [f"      {name}" for name in app.requested]
    if app.install:
        lines.append("    install permissions:")
        lines += [_perm_line(p, "      ") for p in app.install]
    for user in USERS:
        lines += _user_block(app, user, with_runtime=app.shared_user is None)
    return lines


def _user_block(app: App, user: int, *, with_runtime: bool) -> list[str]:
    state = app.users[user]
    installed = state.installed
    lines = [
        f"    User {user}: ceDataInode={state.ce_inode if installed else 0} installed={str(installed).lower()}"
        f" hidden=false suspended=false distractionFlags=0 stopped={str(state.stopped).lower()}"
        f" notLaunched={str(state.not_launched).lower()} enabled={state.enabled} instant=false virtual=false",
        f"      installReason={state.install_reason if installed else 0}",
        f"      dataDir=/data/user/{user}/{app.package}" if user else f"      dataDir=/data/user/0/{app.package}",
        f"      firstInstallTime={local_time(state.first_install_ms if installed else 0)}",
        f"      uninstallReason={0}",
    ]
    if state.last_disabled_caller:
        lines.append(f"      lastDisabledCaller: {state.last_disabled_caller}")
    if with_runtime:
        gids = _gids(app.install)
        if gids:
            lines.append(f"      gids={gids}")
        lines.append("      runtime permissions:")
        if installed:
            lines += [_perm_line(p, "        ") for p in state.runtime.values()]
    return lines


def _shared_user_block(world: World, su: SharedUser) -> list[str]:
    lines = [f"  SharedUser [{su.name}] ({su.hash}):", f"    appId={su.app_id}", "    Packages"]
    lines += [f"      PackageSetting{{{world.by_name[name].hashes[3]} {name}/{su.app_id}}}" for name in su.packages]
    if su.install:
        lines.append("    install permissions:")
        lines += [_perm_line(p, "      ") for p in su.install]
    for user in USERS:
        runtime = su.runtime.get(user, {})
        gids = cat.SHARED_USER_GIDS.get(su.name)
        if not gids and not runtime:
            continue
        lines.append(f"    User {user}: ")
        if gids:
            lines.append(f"      gids={gids}")
        lines.append("      runtime permissions:")
        lines += [_perm_line(p, "        ") for p in runtime.values()]
    return lines


def _package_dump(world: World, app: App) -> list[str]:
    """What ``dumpsys package <pkg>`` prints for one package (sections with a blank line between)."""
    h = app.hashes
    sections: list[list[str]] = []
    if app.activities:
        sections.append(
            [
                "Activity Resolver Table:",
                "  Non-Data Actions:",
                "      android.intent.action.MAIN:",
                f"        {h[4]} {app.package}/{app.activities[0]} filter {h[7]}",
                '          Action: "android.intent.action.MAIN"',
                '          Category: "android.intent.category.LAUNCHER"',
            ]
        )
    sections.append(["Key Set Manager:", f"  [{app.package}]", f"      Signing KeySets: {app.key_set}"])
    sections.append(["Packages:", *_package_block(world, app, hidden=False)])
    if app.updated:
        sections.append(["Hidden system packages:", *_package_block(world, app, hidden=True)])
    if app.shared_user:
        sections.append(["Shared users:", *_shared_user_block(world, world.shared[app.shared_user])])
    if app.code_path.startswith("/data/app/") and app.key_set % 3 == 0:
        sections.append(
            [
                "Dexopt state:",
                f"  [{app.package}]",
                f"    path: {app.apk_paths[0]}",
                "      arm64: [status=speed-profile] [reason=bg-dexopt] [primary-abi]",
            ]
        )
    lines: list[str] = []
    for i, section in enumerate(sections):
        if i:
            lines.append("")
        lines += section
    return lines


def dumpsys_package(world: World) -> str:
    """The plan's loop: a marker line, then ``dumpsys package <pkg>``, for every package (``-u``)."""
    lines: list[str] = []
    for name in world.listing_order:
        lines.append(marker_line(package=name))
        lines += _package_dump(world, world.by_name[name])
    return text(lines)


def dumpsys_package_full(world: World) -> str:
    """``dumpsys package`` without a package: every package once, then the hidden factory copies and the shared
    users. Without a package argument ``dumpAll`` is false, so no ``requested permissions:`` are printed
    (android-platform.md §3.1): what a bug report and androidqf's dumpsys.txt hold."""
    lines = ["Packages:"]
    for name in world.listing_order:
        lines += _package_block(world, world.by_name[name], hidden=False, with_requested=False)
    updated = [world.by_name[name] for name in world.listing_order if world.by_name[name].updated]
    if updated:
        lines += ["", "Hidden system packages:"]
        for app in updated:
            lines += _package_block(world, app, hidden=True, with_requested=False)
    if world.shared:
        lines += ["", "Shared users:"]
        for su in world.shared.values():
            if su.packages:
                lines += _shared_user_block(world, su)
    return text(lines)
