"""The fixed persona apps every synthetic device holds, each built to show one auditing fact.

Personas are what tests and demos point at by name ("the flashlight reads contacts"), so their
grants, modes and access times are written out here rather than drawn at random. Only incidental
details (hashes, install directories, install dates) come from the persona random stream.
"""

from __future__ import annotations

import random

from auditor.acquire.synthetic import world as w
from auditor.acquire.synthetic.catalog import ANDROID as P
from auditor.acquire.synthetic.clock import at_local
from auditor.acquire.synthetic.world import (
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    PACKAGE_INSTALLER,
    SHELL,
    SOURCE_DOWNLOADED_FILE,
    SOURCE_UNSPECIFIED,
    WORK_USER,
    App,
    OpWriter,
    UserAppSpec,
    World,
    denied_fixed,
    denied_user,
    grant,
    granted_user,
    never_asked,
    one_time,
    ordered_flags,
    request_appop_permission,
    sync_uid_modes,
    user_app,
)

COMMON = (P + "INTERNET", P + "ACCESS_NETWORK_STATE", P + "WAKE_LOCK", P + "RECEIVE_BOOT_COMPLETED")
EXEMPT = "RESTRICTION_INSTALLER_EXEMPT"

STALKER = "com.example.stalker"
STALKER_A11Y = f"{STALKER}/{STALKER}.core.SyncService"
STALKER_LISTENER = f"{STALKER}/{STALKER}.core.NotificationBridge"
STALKER_ADMIN = f"{STALKER}/{STALKER}.core.DeviceAdminReceiver"
WORK_DPC = "com.example.workdpc"
WORK_DPC_ADMIN = f"{WORK_DPC}/{WORK_DPC}.receivers.AdminReceiver"
WATCH_LISTENER = "com.example.smartwatch/com.example.smartwatch.sync.NotificationRelayService"
PASSWORD_A11Y = "com.example.passwordmanager/com.example.passwordmanager.autofill.AccessibilityFillService"
KEYBOARD_IME = "com.example.keyboard/com.example.keyboard.ime.KeyboardService"


def add_personas(world: World, rng: random.Random, *, first_app_id: int) -> None:
    """Add every persona app (and the contacts shared-uid grants) to ``world``."""
    ids = iter(range(first_app_id, first_app_id + 10_000, 3))
    for build in (
        _flashlight,
        _maps,
        _messenger_bg,
        _messenger_fg,
        _stalker,
        _camera,
        _retrogame,
        _photoeditor,
        _oldweather,
        _devtool,
        _filemanager,
        _batterysaver,
        _smartwatch,
        _passwordmanager,
        _workdpc,
        _workmail,
        _keyboard,
    ):
        app = build(world, rng, next(ids))
        for user in app.installed_users():
            sync_uid_modes(app, user)
    _contacts_shared_uid(world)


def _new(world: World, rng: random.Random, app_id: int, spec: UserAppSpec, persona: str) -> App:
    app = world.add(user_app(world, rng, spec, app_id))
    app.persona = persona
    return app


def _flashlight(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.flashlight", "3.8.1", 381, target=33, install=(*COMMON, P + "FLASHLIGHT")),
        "Torch app granted contacts and location it has no need for; reads contacts in the background.",
    )
    for name in (
        P + "CAMERA",
        P + "READ_CONTACTS",
        P + "ACCESS_FINE_LOCATION",
        P + "ACCESS_COARSE_LOCATION",
        P + "POST_NOTIFICATIONS",
    ):
        grant(app, 0, name, True, granted_user())
    app.install.append(w.Perm("com.google.android.gms.permission.AD_ID", True))
    app.requested.append("com.google.android.gms.permission.AD_ID")
    o = OpWriter(world, app, 0)
    o.event("READ_CONTACTS", "top", 3 * DAY_MS + 2 * HOUR_MS + 915)
    o.event("READ_CONTACTS", "cch", 5 * HOUR_MS + 12 * MINUTE_MS + 44_120)
    o.event("COARSE_LOCATION", "top", 26 * HOUR_MS + 7 * MINUTE_MS + 3_004)
    o.event("FINE_LOCATION", "top", 26 * HOUR_MS + 7 * MINUTE_MS + 2_750)
    o.event("FINE_LOCATION", "bg", 3 * HOUR_MS + 1 * MINUTE_MS + 18_222, kind="Reject")
    o.event("CAMERA", "top", 2 * DAY_MS + 40 * MINUTE_MS + 116, duration_ms=95_004)
    # A vendor op, as OEM builds print them (name and code), with a plain access.
    o.event("MIUIOP(10021)", "top", 26 * HOUR_MS + 6 * MINUTE_MS + 999)
    # Its contact reads also show on the provider side, as proxied (untrusted) accesses.
    provider = world.by_name["com.android.providers.contacts"]
    proxy = f"uid={app.app_id}, pkg={app.package}, attributionTag=null"
    po = OpWriter(world, provider, 0)
    po.event("READ_CONTACTS", "fg", 3 * DAY_MS + 2 * HOUR_MS + 1_020, flags="upd", proxy=proxy)
    po.event("READ_CONTACTS", "cch", 5 * HOUR_MS + 12 * MINUTE_MS + 44_300, flags="upd", proxy=proxy)
    return app


def _maps(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec(
            "com.example.maps",
            "11.4.2",
            1_104_020,
            install=(*COMMON, P + "FOREGROUND_SERVICE", P + "FOREGROUND_SERVICE_LOCATION"),
            splits=("config.arm64_v8a", "config.en", "config.xxhdpi"),
        ),
        "Location only while in use (op foreground): background location denied; also located through "
        "a Play services proxy; navigation currently running.",
    )
    grant(app, 0, P + "ACCESS_FINE_LOCATION", True, granted_user())
    grant(app, 0, P + "ACCESS_COARSE_LOCATION", True, granted_user())
    grant(app, 0, P + "ACCESS_BACKGROUND_LOCATION", False, denied_user(EXEMPT))
    grant(app, 0, P + "POST_NOTIFICATIONS", True, granted_user())
    o = OpWriter(world, app, 0)
    gms = world.by_name[w.GMS]
    proxy = f"uid={gms.app_id}, pkg={gms.package}, attributionTag=fused_location_provider"
    o.event("FINE_LOCATION", "top", 40 * MINUTE_MS + 12_204)
    o.event("FINE_LOCATION", "top", 41 * MINUTE_MS + 2_002, flags="tpd", proxy=proxy)
    o.event("FINE_LOCATION", "bg", 6 * HOUR_MS + 8_840, kind="Reject")
    nav = o.event("FINE_LOCATION", "fgsvcl", 12 * MINUTE_MS + 31_115, tag="navigation", duration_ms=751_115)
    app.users[0].ops["FINE_LOCATION"].running_since_ms = nav.t_ms
    o.event("COARSE_LOCATION", "top", 40 * MINUTE_MS + 12_301)
    o.op("MONITOR_LOCATION", "allow", switch="COARSE_LOCATION=allow")
    o.event("MONITOR_LOCATION", "fgsvcl", 12 * MINUTE_MS + 31_120, tag="navigation", duration_ms=751_110)
    app.users[0].uid.state = "fgsvcl"
    return app


def _messenger_bg(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.messenger.bg", "8.12.0", 8_120_004, install=(*COMMON, P + "FOREGROUND_SERVICE")),
        "Microphone allowed in every state and used from the background (bg and cch accesses).",
    )
    for name in (P + "RECORD_AUDIO", P + "CAMERA", P + "READ_CONTACTS", P + "POST_NOTIFICATIONS"):
        grant(app, 0, name, True, granted_user())
    o = OpWriter(world, app, 0)
    # The microphone is not restricted to the foreground: no uid mode, the package mode allow decides.
    app.users[0].keep_default.append("RECORD_AUDIO")
    o.event("RECORD_AUDIO", "top", 25 * HOUR_MS + 3 * MINUTE_MS + 9_001, duration_ms=131_000)
    o.event("RECORD_AUDIO", "bg", 35 * MINUTE_MS + 7_270, duration_ms=244_120)
    o.event("RECORD_AUDIO", "cch", 3 * HOUR_MS + 22 * MINUTE_MS + 411, duration_ms=61_002)
    # Only the discrete history still has this one: the bg access 35 minutes ago replaced it.
    o.past("RECORD_AUDIO", "bg", world.now_ms - at_local(world.now_ms, 2, 23, 50), duration_ms=180_000)
    o.event("CAMERA", "top", 2 * DAY_MS + 5 * HOUR_MS + 3_330, duration_ms=12_500)
    o.event("READ_CONTACTS", "fgsvc", 7 * HOUR_MS + 1_234)
    return app


def _messenger_fg(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec(
            "com.example.messenger.fg",
            "5.3.7",
            530_700,
            install=(*COMMON, P + "FOREGROUND_SERVICE", P + "FOREGROUND_SERVICE_MICROPHONE"),
            users=(0, WORK_USER),
        ),
        "Microphone used only in the foreground (top, fgsvc), once through the assistant's speech service "
        "(an attribution chain); the work-profile copy has it denied and used the camera.",
    )
    for name in (P + "RECORD_AUDIO", P + "CAMERA", P + "READ_CONTACTS", P + "POST_NOTIFICATIONS"):
        grant(app, 0, name, True, granted_user())
    o = OpWriter(world, app, 0)
    o.event("RECORD_AUDIO", "top", 3 * HOUR_MS + 4 * MINUTE_MS + 5_005, duration_ms=48_200)
    o.event("RECORD_AUDIO", "fgsvc", 50 * MINUTE_MS + 20_777, duration_ms=612_003)
    o.event("CAMERA", "top", 3 * HOUR_MS + 4 * MINUTE_MS + 6_100, duration_ms=47_010)
    # A voice note dictated through the assistant's speech service: the service accesses the microphone
    # (trusted proxy, the chain's accessor) for the messenger (trusted proxied, the receiver).
    assistant = world.by_name["com.google.android.googlequicksearchbox"]
    chain = 41
    world.largest_chain_id = max(world.largest_chain_id, chain)
    voice_ago = 3 * HOUR_MS + 5 * MINUTE_MS + 2_500
    via = f"uid={assistant.app_id}, pkg={assistant.package}, attributionTag=speech"
    o.event("RECORD_AUDIO", "top", voice_ago, flags="tpd", duration_ms=45_000, proxy=via, attribution=(12, chain))
    OpWriter(world, assistant, 0).event(
        "RECORD_AUDIO", "fg", voice_ago, flags="tp", tag="speech", duration_ms=45_000, attribution=(9, chain)
    )
    grant(app, WORK_USER, P + "RECORD_AUDIO", False, denied_user())
    grant(app, WORK_USER, P + "CAMERA", True, granted_user())
    grant(app, WORK_USER, P + "READ_CONTACTS", False, never_asked())
    grant(app, WORK_USER, P + "POST_NOTIFICATIONS", True, granted_user())
    ow = OpWriter(world, app, WORK_USER)
    ow.event("CAMERA", "top", 28 * HOUR_MS + 50_001, duration_ms=20_000)
    ow.event("RECORD_AUDIO", "top", 28 * HOUR_MS + 49_000, kind="Reject")
    return app


def _stalker(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec(
            STALKER,
            "1.0.3",
            4,
            target=31,
            min_sdk=24,
            installer=PACKAGE_INSTALLER,
            initiating=PACKAGE_INSTALLER,
            originating="com.android.chrome",
            source=SOURCE_DOWNLOADED_FILE,
            install=(
                *COMMON,
                P + "FOREGROUND_SERVICE",
                P + "QUERY_ALL_PACKAGES",
                P + "REQUEST_IGNORE_BATTERY_OPTIMIZATIONS",
                P + "ACCESS_WIFI_STATE",
            ),
            age_days=(9, 9.5),
            splits=(),
        ),
        "Sideloaded (packageSource=4) stalkerware: accessibility, notification listener, device admin, "
        "overlay, usage access, background location, camera and microphone used in the background; the "
        "discrete history adds a night-time camera session and night-time recordings (2 h 5 min in 6 "
        "sessions, the longest 52 min at 01:40) that the regular dump no longer shows.",
    )
    app.installer_uid = world.by_name[PACKAGE_INSTALLER].app_id
    for name in (
        P + "ACCESS_FINE_LOCATION",
        P + "ACCESS_COARSE_LOCATION",
        P + "CAMERA",
        P + "RECORD_AUDIO",
        P + "READ_CONTACTS",
        P + "READ_PHONE_STATE",
        P + "POST_NOTIFICATIONS",
    ):
        grant(app, 0, name, True, granted_user())
    # Sideloaded: no installer exemption on the (soft-restricted) background location.
    grant(app, 0, P + "ACCESS_BACKGROUND_LOCATION", True, granted_user())
    for name in (P + "SYSTEM_ALERT_WINDOW", P + "PACKAGE_USAGE_STATS"):
        request_appop_permission(app, name)
    o = OpWriter(world, app, 0)
    app.users[0].keep_default.extend(("CAMERA", "RECORD_AUDIO"))  # usable in every state
    o.event("FINE_LOCATION", "bg", 8 * MINUTE_MS + 2_113)
    o.event("FINE_LOCATION", "cch", 61 * MINUTE_MS + 555)
    o.event("FINE_LOCATION", "top", 9 * DAY_MS - 30 * MINUTE_MS)
    o.event("COARSE_LOCATION", "bg", 8 * MINUTE_MS + 2_300)
    o.event("CAMERA", "cch", 2 * HOUR_MS + 14 * MINUTE_MS + 9_870, duration_ms=30_000)
    o.event("CAMERA", "top", 9 * DAY_MS - 29 * MINUTE_MS, duration_ms=1_200)
    o.event("RECORD_AUDIO", "bg", 25 * MINUTE_MS + 40_404, duration_ms=900_000)
    # The discrete history keeps what newer accesses of the same key replaced in the regular dump:
    # a camera session last night and microphone recordings at night (bg), location every four hours.
    now = world.now_ms
    o.past("CAMERA", "cch", now - at_local(now, 1, 1, 12), duration_ms=360_000)
    for days, hour, minute, minutes in ((0, 1, 40, 52), (1, 2, 10, 20), (2, 1, 5, 18), (3, 3, 20, 12), (4, 0, 50, 8)):
        o.past("RECORD_AUDIO", "bg", now - at_local(now, days, hour, minute), duration_ms=minutes * MINUTE_MS)
    for days in range(7):
        for hour in (0, 4, 8, 12, 16, 20):
            at = at_local(now, days, hour, 5)
            if now - 6 * DAY_MS <= at < now - HOUR_MS:
                o.past("FINE_LOCATION", "bg", now - at)
    o.event("READ_CONTACTS", "cch", 4 * HOUR_MS + 2_222)
    o.op("SYSTEM_ALERT_WINDOW", "allow")
    o.event("SYSTEM_ALERT_WINDOW", "fgsvc", 8 * MINUTE_MS + 1_000, duration_ms=480_000)
    o.op("GET_USAGE_STATS", "allow")
    o.event("GET_USAGE_STATS", "bg", 8 * MINUTE_MS + 1_500)
    o.op("ACCESS_RESTRICTED_SETTINGS", "allow")
    o.event("ACCESS_RESTRICTED_SETTINGS", "top", 9 * DAY_MS - 40 * MINUTE_MS)
    o.op("AUTO_REVOKE_PERMISSIONS_IF_UNUSED", "ignore")
    o.op("RUN_ANY_IN_BACKGROUND", "allow")
    o.op("MONITOR_LOCATION", "allow", switch="COARSE_LOCATION=allow")
    o.event("MONITOR_LOCATION", "bg", 8 * MINUTE_MS + 2_000, duration_ms=5_000)
    state = app.users[0]
    state.uid.state = "fgsvc"
    state.accessibility.append((STALKER_A11Y, "System Sync"))
    state.listeners.append(STALKER_LISTENER)
    state.admin = (STALKER_ADMIN, ("limit-password", "watch-login", "reset-password", "force-lock", "wipe-data"))
    return app


def _camera(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.camera", "2.9.0", 290, install=(*COMMON, P + "VIBRATE")),
        "Camera app using the camera in the foreground only; location granted 'only this time' (ONE_TIME).",
    )
    for name in (
        P + "CAMERA",
        P + "RECORD_AUDIO",
        P + "READ_MEDIA_IMAGES",
        P + "READ_MEDIA_VIDEO",
        P + "ACCESS_MEDIA_LOCATION",
    ):
        grant(app, 0, name, True, granted_user())
    grant(app, 0, P + "ACCESS_FINE_LOCATION", True, one_time())
    grant(app, 0, P + "ACCESS_COARSE_LOCATION", True, one_time())
    o = OpWriter(world, app, 0)
    o.event("CAMERA", "top", 17 * MINUTE_MS + 2_040, duration_ms=204_880)
    o.event("RECORD_AUDIO", "top", 26 * HOUR_MS + 3_300, duration_ms=31_002)
    o.event("FINE_LOCATION", "top", 17 * MINUTE_MS + 1_900)
    o.event("COARSE_LOCATION", "top", 17 * MINUTE_MS + 1_950)
    o.event("READ_MEDIA_IMAGES", "top", 16 * MINUTE_MS + 4_400)
    app.users[0].uid.state = "top"
    return app


def _retrogame(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.retrogame", "2.1", 21, target=22, min_sdk=16, install=COMMON, splits=()),
        "Legacy app (targetSdk 22): every runtime permission shows granted=true; phone state and contacts "
        "are compat-revoked (REVOKED_COMPAT, op ignore); location stays allowed all the time.",
    )
    grant(
        app,
        0,
        P + "READ_PHONE_STATE",
        True,
        ordered_flags("USER_SET", "REVOKED_COMPAT", "USER_SENSITIVE_WHEN_GRANTED", "USER_SENSITIVE_WHEN_DENIED"),
    )
    grant(
        app,
        0,
        P + "READ_CONTACTS",
        True,
        ordered_flags("USER_SET", "REVOKED_COMPAT", "USER_SENSITIVE_WHEN_GRANTED", "USER_SENSITIVE_WHEN_DENIED"),
    )
    grant(app, 0, P + "GET_ACCOUNTS", True, never_asked())
    grant(app, 0, P + "ACCESS_FINE_LOCATION", True, never_asked())
    grant(app, 0, P + "ACCESS_COARSE_LOCATION", True, never_asked())
    # A split permission: pre-29 apps get background location implicitly with the foreground one.
    grant(app, 0, P + "ACCESS_BACKGROUND_LOCATION", True, never_asked(EXEMPT), requested=False)
    grant(app, 0, P + "READ_EXTERNAL_STORAGE", True, never_asked(EXEMPT))
    grant(app, 0, P + "WRITE_EXTERNAL_STORAGE", True, never_asked(EXEMPT))
    o = OpWriter(world, app, 0)
    o.event("FINE_LOCATION", "cch", 5 * HOUR_MS + 3 * MINUTE_MS + 303)
    o.event("READ_PHONE_STATE", "top", 2 * DAY_MS + 4_040, kind="Reject")
    o.op("LEGACY_STORAGE", "allow")
    return app


def _photoeditor(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.photoeditor", "6.0.2", 60_002, install=COMMON),
        "'Select photos' partial access (VISUAL_USER_SELECTED granted, READ_MEDIA_IMAGES denied); camera "
        "granted but a uid mode ignore overrides the package mode allow.",
    )
    grant(app, 0, P + "READ_MEDIA_IMAGES", False, denied_user())
    grant(app, 0, P + "READ_MEDIA_VIDEO", False, denied_user())
    grant(app, 0, P + "READ_MEDIA_VISUAL_USER_SELECTED", True, granted_user())
    grant(app, 0, P + "CAMERA", True, granted_user())
    o = OpWriter(world, app, 0)
    o.uid_mode("CAMERA", "ignore")
    o.event("CAMERA", "top", 4 * DAY_MS + 1_234, duration_ms=9_000)
    o.event("CAMERA", "top", 2 * HOUR_MS + 5 * MINUTE_MS + 777, kind="Reject")
    o.event("READ_MEDIA_VISUAL_USER_SELECTED", "top", 2 * HOUR_MS + 4 * MINUTE_MS + 12)
    return app


def _oldweather(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.oldweather", "4.4.0", 440, target=33, install=COMMON, age_days=(300, 420)),
        "Unused app whose location and notification grants were auto-revoked (AUTO_REVOKED).",
    )
    for name in (P + "ACCESS_FINE_LOCATION", P + "ACCESS_COARSE_LOCATION", P + "POST_NOTIFICATIONS"):
        grant(app, 0, name, False, denied_user("AUTO_REVOKED"))
    o = OpWriter(world, app, 0)
    o.event("FINE_LOCATION", "top", 121 * DAY_MS + 3 * HOUR_MS + 5_005)
    app.users[0].stopped = True
    return app


def _devtool(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec(
            "com.example.devtool",
            "0.9.0-debug",
            90,
            installer=None,
            initiating=SHELL,
            source=SOURCE_UNSPECIFIED,
            install=(*COMMON, P + "WRITE_SECURE_SETTINGS", P + "QUERY_ALL_PACKAGES"),
            debuggable=True,
            splits=(),
            age_days=(2, 3),
        ),
        "Debuggable build (DEBUGGABLE) installed over adb (initiatingPackageName=com.android.shell) holding "
        "WRITE_SECURE_SETTINGS.",
    )
    grant(app, 0, P + "POST_NOTIFICATIONS", True, granted_user())
    o = OpWriter(world, app, 0)
    o.event("WRITE_SETTINGS", "top", 30 * HOUR_MS + 1_010, kind="Reject")
    return app


def _filemanager(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.filemanager", "7.1.5", 7_105, install=COMMON),
        "All-files access (MANAGE_EXTERNAL_STORAGE allow) and allowed to install unknown apps.",
    )
    for name in (P + "READ_MEDIA_IMAGES", P + "READ_MEDIA_VIDEO", P + "READ_MEDIA_AUDIO", P + "POST_NOTIFICATIONS"):
        grant(app, 0, name, True, granted_user())
    for name in (P + "MANAGE_EXTERNAL_STORAGE", P + "REQUEST_INSTALL_PACKAGES"):
        request_appop_permission(app, name)
    o = OpWriter(world, app, 0)
    o.op("MANAGE_EXTERNAL_STORAGE", "allow")
    o.event("MANAGE_EXTERNAL_STORAGE", "top", 6 * HOUR_MS + 40_000)
    o.op("REQUEST_INSTALL_PACKAGES", "allow")
    o.event("REQUEST_INSTALL_PACKAGES", "top", 10 * DAY_MS + 2_000)
    return app


def _batterysaver(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.batterysaver", "12.0", 1200, install=(*COMMON, P + "QUERY_ALL_PACKAGES")),
        "Usage access (GET_USAGE_STATS allow), draws over other apps and modifies system settings.",
    )
    grant(app, 0, P + "POST_NOTIFICATIONS", True, granted_user())
    for name in (P + "PACKAGE_USAGE_STATS", P + "SYSTEM_ALERT_WINDOW", P + "WRITE_SETTINGS"):
        request_appop_permission(app, name)
    o = OpWriter(world, app, 0)
    for op in ("GET_USAGE_STATS", "SYSTEM_ALERT_WINDOW", "WRITE_SETTINGS"):
        o.op(op, "allow")
    o.event("GET_USAGE_STATS", "cch", 13 * MINUTE_MS + 4_444)
    o.event("SYSTEM_ALERT_WINDOW", "top", 2 * DAY_MS + 2_000, duration_ms=2_500)
    return app


def _smartwatch(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec(
            "com.example.smartwatch",
            "3.22.1",
            322_100,
            install=(*COMMON, P + "BLUETOOTH", P + "FOREGROUND_SERVICE", P + "FOREGROUND_SERVICE_CONNECTED_DEVICE"),
        ),
        "Watch companion: legitimate notification listener, companion-watch role, background location.",
    )
    for name in (
        P + "BLUETOOTH_CONNECT",
        P + "BLUETOOTH_SCAN",
        P + "READ_CONTACTS",
        P + "READ_PHONE_STATE",
        P + "POST_NOTIFICATIONS",
        P + "ACCESS_FINE_LOCATION",
        P + "ACCESS_COARSE_LOCATION",
    ):
        grant(app, 0, name, True, granted_user())
    grant(app, 0, P + "READ_CALL_LOG", True, granted_user(EXEMPT))
    grant(app, 0, P + "ACCESS_BACKGROUND_LOCATION", True, granted_user(EXEMPT))
    o = OpWriter(world, app, 0)
    o.event("FINE_LOCATION", "fgsvc", 44 * MINUTE_MS + 1_001)
    o.event("FINE_LOCATION", "bg", 2 * HOUR_MS + 9_009)
    o.event("READ_CONTACTS", "cch", 5 * HOUR_MS + 3_003)
    o.event("READ_CALL_LOG", "cch", 5 * HOUR_MS + 3_500)
    state = app.users[0]
    state.listeners.append(WATCH_LISTENER)
    state.roles.append("android.app.role.COMPANION_DEVICE_WATCH")
    state.uid.state = "fgsvc"
    return app


def _passwordmanager(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.passwordmanager", "2024.5.1", 20_240_501, install=(*COMMON, P + "USE_BIOMETRIC")),
        "Password manager with an enabled accessibility service (legitimate autofill use).",
    )
    grant(app, 0, P + "CAMERA", True, granted_user())
    grant(app, 0, P + "POST_NOTIFICATIONS", False, denied_fixed())
    o = OpWriter(world, app, 0)
    o.event("CAMERA", "top", 12 * DAY_MS + 3_000, duration_ms=8_000)
    app.users[0].accessibility.append((PASSWORD_A11Y, "Password autofill"))
    return app


def _workdpc(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec(
            WORK_DPC,
            "105.3.0",
            105_300,
            install=(*COMMON, P + "MANAGE_PROFILE_AND_DEVICE_OWNERS", P + "QUERY_ALL_PACKAGES"),
            users=(WORK_USER,),
        ),
        "Work-profile device policy controller: profile owner and device admin of user 10 only.",
    )
    app.users[WORK_USER].install_reason = 1
    grant(app, WORK_USER, P + "READ_PHONE_STATE", True, ordered_flags("SYSTEM_FIXED", "GRANTED_BY_DEFAULT"))
    grant(app, WORK_USER, P + "POST_NOTIFICATIONS", True, ordered_flags("POLICY_FIXED", *granted_user()))
    state = app.users[WORK_USER]
    state.admin = (
        WORK_DPC_ADMIN,
        (
            "limit-password",
            "watch-login",
            "reset-password",
            "force-lock",
            "wipe-data",
            "expire-password",
            "encrypted-storage",
            "disable-camera",
            "disable-keyguard-features",
        ),
    )
    state.profile_owner = True
    o = OpWriter(world, app, WORK_USER)
    o.event("READ_PHONE_STATE", "cch", 6 * HOUR_MS + 660)
    return app


def _workmail(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec(
            "com.example.work.mail",
            "24.18.0",
            2_418_000,
            install=(*COMMON, P + "READ_SYNC_SETTINGS"),
            users=(WORK_USER,),
        ),
        "Work-only app pushed by the DPC (installReason=1); camera denied by policy (POLICY_FIXED).",
    )
    app.users[WORK_USER].install_reason = 1
    for name in (
        P + "READ_CONTACTS",
        P + "WRITE_CONTACTS",
        P + "READ_CALENDAR",
        P + "WRITE_CALENDAR",
        P + "POST_NOTIFICATIONS",
    ):
        grant(app, WORK_USER, name, True, granted_user())
    grant(app, WORK_USER, P + "CAMERA", False, ordered_flags("POLICY_FIXED", *never_asked()))
    o = OpWriter(world, app, WORK_USER)
    o.event("READ_CALENDAR", "cch", 25 * MINUTE_MS + 1_999)
    o.event("READ_CONTACTS", "top", 3 * HOUR_MS + 1_500)
    return app


def _keyboard(world: World, rng: random.Random, app_id: int) -> App:
    app = _new(
        world,
        rng,
        app_id,
        UserAppSpec("com.example.keyboard", "9.7.3", 97_030, install=(*COMMON, P + "VIBRATE")),
        "Third-party keyboard enabled as an input method (not the default); reads the clipboard.",
    )
    grant(app, 0, P + "READ_CONTACTS", True, granted_user())
    grant(app, 0, P + "RECORD_AUDIO", False, never_asked())
    o = OpWriter(world, app, 0)
    o.event("READ_CLIPBOARD", "top", 22 * MINUTE_MS + 8_080)
    o.event("READ_CLIPBOARD", "cch", 3 * HOUR_MS + 3_030)
    app.users[0].input_methods.append(KEYBOARD_IME)
    return app


def _contacts_shared_uid(world: World) -> None:
    """Runtime grants of ``android.uid.shared``: they print once, under ``Shared users:``."""
    contacts = world.by_name["com.android.contacts"]
    provider = world.by_name["com.android.providers.contacts"]
    flags = ordered_flags("SYSTEM_FIXED", "GRANTED_BY_DEFAULT")
    for user in w.USERS:
        for name in (
            P + "READ_CONTACTS",
            P + "WRITE_CONTACTS",
            P + "GET_ACCOUNTS",
            P + "READ_PHONE_STATE",
            P + "CALL_PHONE",
        ):
            grant(contacts, user, name, True, flags)
        for name in (P + "READ_CALL_LOG", P + "WRITE_CALL_LOG"):
            exempt = ordered_flags("SYSTEM_FIXED", "GRANTED_BY_DEFAULT", "RESTRICTION_SYSTEM_EXEMPT")
            grant(provider, user, name, True, exempt)
    contacts.persona = (
        "Shares uid android.uid.shared with the contacts provider: its runtime grants print under Shared users."
    )
    o = OpWriter(world, contacts, 0)
    o.event("READ_CONTACTS", "top", 2 * DAY_MS + 6 * HOUR_MS + 2_468)
    provider.users[0].uid.state = "fg"
