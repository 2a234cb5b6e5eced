"""Printing the synthetic device in the text formats real Android 14 builds use.

Each function returns what one command of the plan prints. The shapes follow AOSP's dump code
(``Settings.dumpPackageLPr``, ``AppOpsService.dumpLocked``, ``AccessibilityUserState.dump``,
``ManagedServices.dump``, ``DevicePolicyData.dump``, ``RoleUserState.dump`` through
``DualDumpOutputStream``) and the real captures under ``shared/real-devices``: indentation, the
trailing space after ``OP (mode):``, the missing space after ``Reject: [bg-s]``, ``[ A|B]`` flag lists,
``null=[`` attribution wrappers and the like are reproduced on purpose, because parsers meet them.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.clock import TIMEZONE, format_duration, local_time
from auditor.acquire.synthetic.world import USERS, WORK_USER, App, Event, Op, Perm, SharedUser, World
from auditor.model import DeviceInfo
from auditor.parse.markers import marker_line

MODEL = "Synthetic Pixel"
MANUFACTURER = "Auditor"
BRAND = "auditor"
SECURITY_PATCH = "2024-05-05"
USER_NAMES = {0: ("Owner", 0xC13), WORK_USER: ("Work profile", 0x1030)}


def _text(lines: Iterable[str]) -> str:
    return "\n".join(lines) + "\n"


def device_info(world: World) -> DeviceInfo:
    """The identity ``getprop`` gives, as the manifest carries it."""
    return DeviceInfo(
        model=MODEL,
        manufacturer=MANUFACTURER,
        brand=BRAND,
        android_release="14",
        sdk=34,
        security_patch=SECURITY_PATCH,
        fingerprint=_fingerprint(world),
        serial=world.serial,
        timezone=TIMEZONE,
    )


def _fingerprint(world: World) -> str:
    return f"{BRAND}/synthetic_pixel/synthpix:14/{world.build_id}/{world.incremental}:user/release-keys"


# --------------------------------------------------------------------------------------------------
# getprop, date, pm list users
# --------------------------------------------------------------------------------------------------


def getprop(world: World) -> str:
    """``getprop``: ``[key]: [value]`` lines sorted by key (one value spans two lines)."""
    build_utc = (world.now_ms - 140 * 86_400_000) // 1000
    props = dict(cat.GETPROP_BASE)
    props.update(
        {
            "persist.sys.timezone": TIMEZONE,
            "ro.boot.serialno": world.serial,
            "ro.serialno": world.serial,
            "ro.build.fingerprint": _fingerprint(world),
            "ro.system.build.fingerprint": _fingerprint(world),
            "ro.vendor.build.fingerprint": _fingerprint(world),
            "ro.build.id": world.build_id,
            "ro.build.display.id": f"{world.build_id} release-keys",
            "ro.build.version.incremental": world.incremental,
            "ro.build.version.release": "14",
            "ro.build.version.release_or_codename": "14",
            "ro.build.version.sdk": "34",
            "ro.build.version.security_patch": SECURITY_PATCH,
            "ro.vendor.build.security_patch": SECURITY_PATCH,
            "ro.build.date.utc": str(build_utc),
            "ro.build.date": local_time(build_utc * 1000),
            "ro.product.model": MODEL,
            "ro.product.system.model": MODEL,
            "ro.product.vendor.model": MODEL,
            "ro.product.manufacturer": MANUFACTURER,
            "ro.product.system.manufacturer": MANUFACTURER,
            "ro.product.vendor.manufacturer": MANUFACTURER,
            "ro.product.brand": BRAND,
            "ro.product.system.brand": BRAND,
            "ro.product.name": "synthetic_pixel",
            "ro.product.device": "synthpix",
            "ro.product.board": "synthpix",
            # A value with a newline, as Android 13+ prints boot reasons: tests multi-line parsing.
            "persist.sys.boot.reason.history": (
                f"reboot,userrequested,{build_utc + 9_000_000}\nreboot,ota,{build_utc + 600}"
            ),
        }
    )
    return _text(f"[{key}]: [{props[key]}]" for key in sorted(props))


def date(world: World) -> str:
    """``date +%s``: the capture instant every relative app-op time is measured from."""
    return f"{world.now_ms // 1000}\n"


def pm_list_users(world: World) -> str:
    """``pm list users``: the owner and a managed work profile (flags 0x1030), both running."""
    lines = ["Users:"]
    for user in USERS:
        name, flags = USER_NAMES[user]
        lines.append(f"\tUserInfo{{{user}:{name}:{flags:x}}} running")
    return _text(lines)


# --------------------------------------------------------------------------------------------------
# pm list packages / pm path
# --------------------------------------------------------------------------------------------------


def pm_list_packages(world: World, user: int) -> str:
    """``pm list packages -f -U -i --show-versioncode --user N``: installed packages of one user."""
    lines = []
    for name in world.listing_order:
        app = world.by_name[name]
        if not app.users[user].installed:
            continue
        installer = app.installer or "null"
        lines.append(
            f"package:{app.apk_paths[0]}={name} versionCode:{app.version_code}  installer={installer}"
            f" uid:{world.uid(app, user)}"
        )
    return _text(lines)


def pm_path(world: World, user: int) -> str:
    """The plan's marked loop: ``pm path --user N`` for every package installed for that user."""
    lines = []
    for name in world.listing_order:
        app = world.by_name[name]
        if not app.users[user].installed:
            continue
        lines.append(marker_line(package=name, user=str(user)))
        lines.extend(f"package:{path}" for path in app.apk_paths)
    return _text(lines)


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


def _package_block(world: World, app: App, *, hidden: bool) -> list[str]:
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
    if app.requested:
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
    return _text(lines)


# --------------------------------------------------------------------------------------------------
# dumpsys appops
# --------------------------------------------------------------------------------------------------


def format_uid(uid: int) -> str:
    """``UserHandle.formatUid``: ``u0a123`` for apps, ``1000`` / ``u10s1000`` for system uids."""
    user, app_id = divmod(uid, 100_000)
    if app_id >= 10_000:
        return f"u{user}a{app_id - 10_000}"
    return str(app_id) if user == 0 else f"u{user}s{app_id}"


def _op_code(name: str) -> int:
    code = cat.OP_CODES.get(name)
    if code is not None:
        return code
    digits = "".join(c for c in name if c.isdigit())
    return int(digits) if digits else 100_000


def _event_line(world: World, ev: Event) -> str:
    when = local_time(ev.t_ms, millis=True)
    rel = format_duration(ev.t_ms - world.now_ms)
    key = f"[{ev.uid_state}-{ev.flags}]"
    if ev.kind == "Reject":
        # No space between the key and the time: a real quirk of AppOpsService's dump.
        text = f"          Reject: {key}{when} ({rel})"
    else:
        text = f"          Access: {key} {when} ({rel})"
    if ev.duration_ms:
        text += f" duration={format_duration(ev.duration_ms)}"
    if ev.proxy:
        text += f" proxy[{ev.proxy}]"
    return text


def _op_lines(world: World, op: Op) -> list[str]:
    mode = op.mode + (f" / switch {op.switch}" if op.switch else "")
    lines = [f"      {op.name} ({mode}): "]
    tags: list[str | None] = []
    for ev in op.events:
        if ev.tag not in tags:
            tags.append(ev.tag)
    tags.sort(key=lambda t: (t is not None, t or ""))
    for tag in tags:
        events = [e for e in op.events if e.tag == tag]
        lines.append(f"        {tag or 'null'}=[")
        for kind in ("Access", "Reject"):
            chosen = sorted(
                (e for e in events if e.kind == kind), key=lambda e: (cat.UID_STATE_ORDER[e.uid_state], e.flags)
            )
            lines += [_event_line(world, e) for e in chosen]
        if op.running_since_ms is not None and any(e.t_ms == op.running_since_ms for e in events):
            lines.append(f"          Running start at: {format_duration(world.now_ms - op.running_since_ms)}")
        lines.append("        ]")
    return lines


def dumpsys_appops(world: World) -> str:
    """``dumpsys appops`` (Android 14): settings, profile owners, watchers, then one block per uid."""
    dpc_uids = [
        (user, world.uid(app, user))
        for app in world.apps
        for user in USERS
        if app.users[user].installed and app.users[user].profile_owner
    ]
    lines = [
        "Current AppOps Service state:",
        "  Settings:",
        "    top_state_settle_time=+5s0ms",
        "    fg_service_state_settle_time=+5s0ms",
        "    bg_state_settle_time=+1s0ms",
        "",
        "  Profile owners:",
        *(f"    User #{user}: {format_uid(uid)}" for user, uid in dpc_uids),
        "",
        "  Op mode watchers:",
        "    Op COARSE_LOCATION:",
        "      #0: ModeCallback{2b1d7e0 watchinguid=-1 flags=0x1 op=COARSE_LOCATION from uid=1000 pid=1532}",
        "    Op FINE_LOCATION:",
        "      #0: ModeCallback{7c2a9f1 watchinguid=-1 flags=0x1 op=FINE_LOCATION from uid=1000 pid=1532}",
        "    Op CAMERA:",
        "      #0: ModeCallback{e99d66c watchinguid=-1 flags=0x1 op=CAMERA from uid=1000 pid=1532}",
        "  All op active watchers:",
        "    3db4f65 ->",
        "        [COARSE_LOCATION, FINE_LOCATION, CAMERA, RECORD_AUDIO]",
        "        ActiveCallback{93ffffd watchinguid=-1 from uid=1000 pid=2211}",
        "",
    ]
    # One block per uid; a shared uid holds every member package.
    uids: dict[int, list[App]] = {}
    for app in world.apps:
        for user in USERS:
            if app.users[user].installed:
                uids.setdefault(world.uid(app, user), []).append(app)
    for uid in sorted(uids):
        user = uid // 100_000
        members = uids[uid]
        uid_state = members[0].users[user].uid
        lines += [
            f"  Uid {format_uid(uid)}:",
            f"    state={uid_state.state}",
            f"    capability={cat.CAPABILITIES[uid_state.state]}",
            "    appWidgetVisible=false",
        ]
        for op in sorted(uid_state.modes, key=_op_code):
            lines.append(f"      {op}: mode={uid_state.modes[op]}")
        for app in members:
            ops = app.users[user].ops
            if not ops:
                continue
            lines.append(f"    Package {app.package}:")
            for name in sorted(ops, key=_op_code):
                lines += _op_lines(world, ops[name])
    gms = world.by_name["com.google.android.gms"]
    lines += [
        "",
        "",
        "  AppOps policy location tags:",
        "    #0: 1000=android[LocationService]",
        f"    #1: {gms.app_id}=com.google.android.gms[fused_location_provider, network_location_provider]",
    ]
    return _text(lines)


# --------------------------------------------------------------------------------------------------
# dumpsys accessibility / notification / device_policy / role
# --------------------------------------------------------------------------------------------------


def dumpsys_accessibility(world: World) -> str:
    """``dumpsys accessibility`` (Android 14+): one ``User state[`` block per user."""
    lines = [
        "ACCESSIBILITY MANAGER (dumpsys accessibility)",
        "",
        "currentUserId=0",
        "hasWindowMagnificationConnection=false",
        "Magnifier on display#0",
        "    MagnificationConfig[mode: 1, activated: false, scale: 1.0, centerX: 540.0, centerY: 1200.0] ",
        "    Magnification region=SkRegion((0,0,1080,2400))",
        "    IdOfLastServiceToMagnify=-1",
        "    SupportWindowMagnification=true",
        "    WindowMagnificationConnectionState=DISCONNECTED",
    ]
    for user in USERS:
        services = [s for app in world.apps for s in app.users[user].accessibility if app.users[user].installed]
        bound = ", \n                     ".join(
            f"Service[label={label}, feedbackType[FEEDBACK_GENERIC], capabilities=1, eventTypes=TYPES_ALL_MASK,"
            " notificationTimeout=100, requestA11yBtn=false]"
            for _, label in services
        )
        enabled = ", ".join(f"{{{component}}}" for component, _ in services)
        clients = "".join(f"[{component.split('/')[0]}]" for component, _ in services) or "[com.android.systemui]"
        lines += [
            "User state[",
            f"     attributes:{{id={user}, touchExplorationEnabled=false, serviceHandlesDoubleTap=false,"
            " requestMultiFingerGestures=false, requestTwoFingerPassthrough=false, sendMotionEventsEnabledfalse,"
            " displayMagnificationEnabled=false, autoclickEnabled=false, nonInteractiveUiTimeout=0,"
            f" interactiveUiTimeout=0, installedServiceCount={len(services) + 1}, magnificationModes={{0=1}},"
            " magnificationCapabilities=3, audioDescriptionByDefaultEnabled=false,"
            " magnificationFollowTypingEnabled=false, alwaysOnMagnificationEnabled=false}",
            "     shortcut key:{}",
            "     button:{}",
            "     button target:{null}",
            f"     Bound services:{{{bound}}}",
            f"     Enabled services:{{{enabled}}}",
            "     Binding services:{}",
            "     Crashed services:{}",
            "     Client list info:{",
            "          Client list callbacks: 4",
            "          Client list killed: false",
            "          Client list broadcasts count: -1",
            "          Registered clients:{",
            f"{clients}}}]",
        ]
    lines += [
        "Global Info [ Top focused display Id = 0",
        "     Active Window Id = 41",
        "     Top Focused Window Id = 41",
        "     Accessibility Focused Window Id = -1 ]",
        "",
        "A11yInputFilter Info : ",
        "Enabled features of Display [0] = [KeyboardInterceptor]",
        "",
        "Proxy manager state:",
        "    Number of proxy connections: 0",
        "    Registered proxy connections:",
        "Accessibility Display Listener:",
        f"    SystemUI uid: {cat.SHARED_USER_APP_IDS['android.uid.systemui']}",
        "    1 valid display: 0",
    ]
    return _text(lines)


def dumpsys_notification(world: World) -> str:
    """Only what the plan's ``sed`` keeps: the listener and assistant parts of ``dumpsys notification``."""
    per_user = {
        user: [c for app in world.apps if app.users[user].installed for c in app.users[user].listeners]
        for user in USERS
    }
    lines = ["  Notification listeners:", "    Allowed notification listeners:"]
    # ManagedServices prints each user's approved set joined by ":", even when it is empty.
    lines += [f"      {':'.join(per_user[user])} (user: {user} isPrimary: true)" for user in USERS]
    lines.append("    Has user set:")
    lines += [f"      userId={user} value={{{', '.join(per_user[user])}}}" for user in USERS if per_user[user]]
    enabled = [c for user in USERS for c in per_user[user]]
    lines.append(f"(user 0):   All notification listeners ({len(enabled)}) enabled for current profiles:")
    lines += [f"      ComponentInfo{{{c}}}" for c in enabled]
    live = [
        "      ComponentInfo{android/com.android.server.notification.NotificationListenerService$Wrapper}"
        " (user -1): android.service.notification.NotificationListenerService$NotificationListenerWrapper@3f7260e"
        " SYSTEM",
    ]
    for i, (user, component) in enumerate((u, c) for u in USERS for c in per_user[u]):
        live.append(
            f"      ComponentInfo{{{component}}} (user {user}):"
            f" android.service.notification.INotificationListener$Stub$Proxy@{0x51A0C3 + 7919 * i:x}"
        )
    lines.append(f"    Live notification listeners ({len(live)}):")
    lines += live
    lines += [
        "    Snoozed notification listeners (0):",
        "  Notification assistant services:",
        "    Allowed notification assistants:",
    ]
    lines += [f"      {c} (user: {user} isPrimary: true isUserChanged: false)" for user, c in world.assistants]
    lines.append("    Has user set:")
    return _text(lines)


def _short_component(component: str) -> str:
    """``ComponentName.flattenToShortString``: ``pkg/.Cls`` when the class is inside the package."""
    package, cls = component.split("/", 1)
    if cls.startswith(package + "."):
        return f"{package}/{cls[len(package) :]}"
    return component


def dumpsys_device_policy(world: World) -> str:
    """``dumpsys device_policy``: profile owner, then ``Enabled Device Admins`` per user."""
    lines = [
        "Current Device Policy Manager state:",
        "  Immutable state:",
        "    mHasFeature=true",
        "    mIsWatch=false",
        "    mIsAutomotive=false",
        "    mHasTelephonyFeature=true",
        "    mSafetyChecker=null",
    ]
    for app in world.apps:
        for user in USERS:
            state = app.users[user]
            if state.installed and state.profile_owner and state.admin:
                lines += [
                    f"  Profile Owner (User {user}): ",
                    f"    admin=ComponentInfo{{{state.admin[0]}}}",
                    "    name=",
                    f"    package={app.package}",
                    "    isOrganizationOwnedDevice=false",
                ]
    for user in USERS:
        lines += ["", f"  Enabled Device Admins (User {user}, provisioningState: 3):"]
        for app in world.apps:
            state = app.users[user]
            if not (state.installed and state.admin):
                continue
            component, policies = state.admin
            lines += [
                f"    {_short_component(component)}:",
                f"      uid={world.uid(app, user)}",
                "      testOnlyAdmin=false",
                "      policies:",
                *(f"        {p}" for p in policies),
                "      passwordQuality=0x0",
                "      minimumPasswordLength=0",
                "      passwordHistoryLength=0",
                "      maximumTimeToUnlock=0",
                "      maximumFailedPasswordsForWipe=0",
                "      disableCamera=false",
            ]
        lines += [
            "",
            "    mPasswordOwner=-1",
            "    mPasswordTokenHandle=0",
            "    mAppsSuspended=false",
            "    mUserSetupComplete=true",
            "    mAffiliationIds=[]",
            "    mNewUserDisclaimer=not_needed",
        ]
    return _text(lines)


ROLES = (
    "android.app.role.ASSISTANT",
    "android.app.role.BROWSER",
    "android.app.role.CALL_REDIRECTION",
    "android.app.role.CALL_SCREENING",
    "android.app.role.COMPANION_DEVICE_WATCH",
    "android.app.role.DIALER",
    "android.app.role.EMERGENCY",
    "android.app.role.HOME",
    "android.app.role.NOTES",
    "android.app.role.SMS",
    "android.app.role.SYSTEM_GALLERY",
)


def role_holders(world: World, user: int) -> dict[str, list[str]]:
    """Every role of ``ROLES`` with its holders for ``user`` (empty list: no holder)."""
    holders: dict[str, list[str]] = {role: [] for role in ROLES}
    for app in world.apps:
        state = app.users[user]
        if state.installed:
            for role in state.roles:
                holders[role].append(app.package)
    return holders


def dumpsys_role(world: World) -> str:
    """``dumpsys role``: RoleService's DualDumpOutputStream text (repeated fields become ``name=[``)."""
    lines = ["ROLE STATE (dumpsys role):", "{", "  user_states=["]
    for user in USERS:
        lines += [
            "    {",
            f"      user_id={user}",
            "      version=2",
            f"      packages_hash={world.android_id[user].upper()}{world.android_id[user][:8].upper()}",
            "      roles=[",
        ]
        for role, holders in role_holders(world, user).items():
            lines += ["        {", f"          name={role}", "          fallback_enabled=true"]
            if len(holders) == 1:
                lines.append(f"          holders={holders[0]}")
            elif holders:
                lines += ["          holders=[", *(f"            {h}" for h in holders), "          ]"]
            lines.append("        }")
        lines += ["      ]", "    }"]
    lines += ["  ]", "}"]
    return _text(lines)


# --------------------------------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------------------------------


def _settings(values: dict[str, str]) -> str:
    """``settings list``: ``name=value`` lines sorted as whole lines."""
    return _text(sorted(f"{k}={v}" for k, v in values.items()))


def settings_global(world: World) -> str:
    """``settings list global``."""
    return _settings(dict(cat.SETTINGS_GLOBAL_BASE))


def settings_system(world: World, user: int) -> str:
    """``settings --user N list system``."""
    values = dict(cat.SETTINGS_SYSTEM_BASE)
    if user != 0:
        values["screen_brightness"] = "128"
    return _settings(values)


def enabled_input_methods(world: World, user: int) -> list[str]:
    """Enabled IME components of ``user`` in app order."""
    return [ime for app in world.apps if app.users[user].installed for ime in app.users[user].input_methods]


def settings_secure(world: World, user: int) -> str:
    """``settings --user N list secure`` with the special-access settings of that user."""
    values = dict(cat.SETTINGS_SECURE_BASE)
    installed = [app for app in world.apps if app.users[user].installed]
    a11y = [c for app in installed for c, _ in app.users[user].accessibility]
    listeners = [c for app in installed for c in app.users[user].listeners]
    imes = enabled_input_methods(world, user)
    default_ime = next(
        (c for app in installed if app.users[user].default_ime for c in app.users[user].input_methods), ""
    )
    values.update(
        {
            "android_id": world.android_id[user],
            "accessibility_enabled": "1" if a11y else "0",
            "enabled_accessibility_services": ":".join(a11y),
            "enabled_notification_listeners": ":".join(listeners),
            "enabled_notification_assistant": next((c for u, c in world.assistants if u == user), ""),
            # Every IME carries its enabled subtype hash codes after ";" (here: one per IME).
            "enabled_input_methods": ":".join(f"{ime};{-1_890_000_000 + 7 * i}" for i, ime in enumerate(imes)),
            "default_input_method": default_ime,
            "dialer_default_application": "com.android.dialer" if user == 0 else "",
            "bluetooth_address": "F8:0F:F9:12:A4:5C" if user == 0 else "null",
            "user_setup_complete": "1",
        }
    )
    if user == 0:
        values["assistant"] = values["voice_interaction_service"]
    else:
        del values["voice_interaction_service"]
        values["managed_profile_contact_remote_search"] = "0"
    return _settings(values)
