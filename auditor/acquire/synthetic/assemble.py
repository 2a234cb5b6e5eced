"""Assembling the whole synthetic device: system apps, personas, fillers, then cross-app wiring.

``build_world`` is the one place that decides the order of construction (which fixes app ids and
keeps personas independent of ``n_apps``) and the facts that span apps: roles and their grants,
the default IME, shared-uid merging, installer uids and the device's package listing order.
"""

from __future__ import annotations

import random

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.catalog import ANDROID as P
from auditor.acquire.synthetic.fillers import add_fillers
from auditor.acquire.synthetic.personas import add_personas
from auditor.acquire.synthetic.threats import THREAT_APPS, add_threats
from auditor.acquire.synthetic.world import (
    DAY_MS,
    GMS,
    HOUR_MS,
    MINUTE_MS,
    PACKAGE_INSTALLER,
    SHELL,
    SOURCE_DOWNLOADED_FILE,
    SOURCE_UNSPECIFIED,
    STORE,
    USERS,
    App,
    OpWriter,
    Perm,
    SharedUser,
    UidState,
    UserState,
    World,
    data_code_path,
    fill_identity,
    grant,
    hex_hash,
    install_perm_list,
    ordered_flags,
    pick,
    restriction_flags,
    sync_uid_modes,
)

# --------------------------------------------------------------------------------------------------
# System apps
# --------------------------------------------------------------------------------------------------


def _system_app(world: World, rng: random.Random, spec: cat.SystemAppSpec, app_id: int) -> App:
    app = App(package=spec.package, system=True, privileged=spec.privileged, persistent=spec.persistent)
    app.shared_user = spec.shared_user
    # A shared android.uid.* user id can be joined only with the platform certificate.
    app.platform_signed = spec.platform_signed or (spec.shared_user or "").startswith("android.uid.")
    if spec.shared_user is not None:
        app.app_id = cat.SHARED_USER_APP_IDS[spec.shared_user]
    else:
        app.app_id = app_id
    app.factory_path = spec.path
    app.factory_apk = spec.apk
    app.target_sdk = 34
    platform = spec.package.startswith("com.android.") or spec.package == "android"
    app.min_sdk = 34 if platform else rng.choice((28, 29, 30, 31))
    if spec.updated:
        app.updated = True
        app.factory_version_code = rng.randint(10_000_000, 99_999_999)
        app.version_code = app.factory_version_code + rng.randint(1_000, 9_000_000)
        app.factory_version_name = "factory-" + spec.version_name.split(" ")[0].split("-")[0]
        app.version_name = spec.version_name
        app.code_path = data_code_path(rng, spec.package)
        app.splits = ["config.arm64_v8a", "config.en", "config.xxhdpi"][: rng.randint(1, 3)]
        app.installer = STORE
        app.initiating = STORE
        app.update_owner = STORE if rng.random() < 0.5 else None
        app.package_source = SOURCE_UNSPECIFIED
    else:
        app.version_code = 34
        app.version_name = spec.version_name
        app.code_path = spec.path
    for user in USERS:
        installed = user == 0 or spec.in_work_profile
        app.users[user] = UserState(user=user, installed=installed, install_reason=0)
    fill_identity(world, rng, app)
    # System images are stamped at build time; firstInstallTime is the first boot.
    build_ms = world.now_ms - 140 * DAY_MS
    first_boot = world.now_ms - 120 * DAY_MS
    app.timestamp_ms = build_ms
    app.last_update_ms = build_ms
    for state in app.users.values():
        if state.installed:
            state.first_install_ms = first_boot + (0 if state.user == 0 else 31 * DAY_MS)
    if spec.updated:
        app.last_update_ms = world.now_ms - int(rng.uniform(1, 30) * DAY_MS)
        app.timestamp_ms = app.last_update_ms
    pool = cat.PRIVILEGED_INSTALL_PERMS if spec.privileged else cat.COMMON_INSTALL_PERMS[:16]
    install = pick(rng, pool, 6, 18, always=(P + "INTERNET", P + "WAKE_LOCK"))
    app.requested = install + list(spec.runtime)
    for user in USERS:
        state = app.users[user]
        for name in spec.runtime:
            flags = ("SYSTEM_FIXED", "GRANTED_BY_DEFAULT") if spec.privileged else ("GRANTED_BY_DEFAULT",)
            state.runtime[name] = Perm(name, True, ordered_flags(*flags, *restriction_flags(name, None, True)))
        state.uid.state = "pers" if spec.persistent else "cch"
    app.install = install_perm_list(install)
    app.activities = [".MainActivity"] if rng.random() < 0.5 else []
    return app


# --------------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------------

MIN_APPS = 31
"""Core system apps plus personas; ``n_apps`` below this cannot hold every persona."""


def build_world(n_apps: int, seed: int, now_ms: int, *, threats: bool = False) -> World:
    """Decide everything the synthetic device will print; ``threats`` adds the known-threat scenario
    (``auditor.acquire.synthetic.threats``) in place of three fillers."""
    if n_apps < MIN_APPS:
        raise ValueError(f"n_apps must be at least {MIN_APPS} (system core and persona apps)")
    if threats and n_apps < MIN_APPS + THREAT_APPS:
        raise ValueError(f"with threats, n_apps must be at least {MIN_APPS + THREAT_APPS} (they take three places)")
    world = World(seed=seed, now_ms=now_ms)
    rng_sys = random.Random(f"synthetic:{seed}:system")
    rng_persona = random.Random(f"synthetic:{seed}:personas")
    rng_fill = random.Random(f"synthetic:{seed}:fillers")
    rng_misc = random.Random(f"synthetic:{seed}:misc")

    world.serial = "".join(rng_misc.choice("0123456789ABCDEF") for _ in range(14))
    world.android_id = {u: f"{rng_misc.getrandbits(64):016x}" for u in USERS}

    for su_name, app_id in cat.SHARED_USER_APP_IDS.items():
        world.shared[su_name] = SharedUser(su_name, app_id, hash=hex_hash(rng_sys))

    # App id ranges never overlap: shared system uids 10010-10012, core 10020-10059, extra system apps
    # 10070-10189, personas from 10210, fillers after them.
    next_sys_id = 10020
    for spec in cat.CORE_SYSTEM_APPS:
        world.add(_system_app(world, rng_sys, spec, next_sys_id))
        next_sys_id += 1 + rng_sys.randint(0, 2)
    # The notification assistant every user has: its own random stream, so adding it left the other
    # apps' details as they were.
    rng_assistant = random.Random(f"synthetic:{seed}:assistant")
    world.add(_system_app(world, rng_assistant, cat.NOTIFICATION_ASSISTANT, next_sys_id))

    add_personas(world, rng_persona, first_app_id=10210)

    room = n_apps - len(world.apps)
    # The threats' places are kept free (only a device this small has fewer extra system apps for it).
    n_extra_sys = min(len(cat.EXTRA_SYSTEM_APPS), room // 2, room - (THREAT_APPS if threats else 0))
    next_sys_id = 10070
    for spec in cat.EXTRA_SYSTEM_APPS[:n_extra_sys]:
        world.add(_system_app(world, rng_sys, spec, next_sys_id))
        next_sys_id += 1 + rng_sys.randint(0, 2)

    next_user_id = max(a.app_id for a in world.apps) + 7
    add_fillers(world, rng_fill, n_apps - len(world.apps) - (THREAT_APPS if threats else 0), first_app_id=next_user_id)
    if threats:
        rng_threats = random.Random(f"synthetic:{seed}:threats")
        add_threats(world, rng_threats, first_app_id=max(a.app_id for a in world.apps) + 7)
    assert len(world.apps) == n_apps, (len(world.apps), n_apps)

    _system_behaviour(world, rng_sys)
    _finish(world, rng_misc)
    return world


def _system_behaviour(world: World, rng: random.Random) -> None:
    """Role grants, default-handler ops and a few persistent-process accesses of system apps."""
    dialer = world.by_name["com.android.dialer"]
    for name in (
        P + "READ_CALL_LOG",
        P + "WRITE_CALL_LOG",
        P + "CALL_PHONE",
        P + "READ_PHONE_STATE",
        P + "READ_CONTACTS",
        P + "WRITE_CONTACTS",
        P + "RECORD_AUDIO",
        P + "ANSWER_PHONE_CALLS",
        P + "READ_PHONE_NUMBERS",
    ):
        restricted = restriction_flags(name, None, True)
        grant(dialer, 0, name, True, ordered_flags(*restricted, "GRANTED_BY_ROLE"))
    dialer.users[0].roles.append("android.app.role.DIALER")
    dialer.persona = (
        "System dialer (updated system app) holding the call log through the DIALER role (GRANTED_BY_ROLE)."
    )
    w = OpWriter(world, dialer, 0)
    w.event("READ_CALL_LOG", "top", 47 * MINUTE_MS + 3_211)
    w.event("READ_CALL_LOG", "fgsvc", 5 * HOUR_MS + 17 * MINUTE_MS + 480)
    w.event("READ_CONTACTS", "top", 47 * MINUTE_MS + 3_998)
    w.event("RECORD_AUDIO", "fgsvc", 26 * HOUR_MS + 4 * MINUTE_MS + 77, duration_ms=182_340)

    messaging = world.by_name["com.google.android.apps.messaging"]
    for name in (
        P + "READ_SMS",
        P + "SEND_SMS",
        P + "RECEIVE_SMS",
        P + "RECEIVE_MMS",
        P + "READ_CONTACTS",
        P + "READ_PHONE_STATE",
        P + "POST_NOTIFICATIONS",
    ):
        grant(messaging, 0, name, True, ordered_flags(*restriction_flags(name, None, True), "GRANTED_BY_ROLE"))
    messaging.users[0].roles.append("android.app.role.SMS")
    w = OpWriter(world, messaging, 0)
    w.event("READ_SMS", "top", 3 * HOUR_MS + 12_345)
    w.event("READ_SMS", "cch", 9 * MINUTE_MS + 5_021)
    w.event("RECEIVE_SMS", "cch", 9 * MINUTE_MS + 6_002)

    world.by_name["com.google.android.googlequicksearchbox"].users[0].roles.append("android.app.role.ASSISTANT")
    chrome = world.by_name["com.android.chrome"]
    for user in USERS:
        chrome.users[user].roles.append("android.app.role.BROWSER")
    world.by_name["com.android.launcher3"].users[0].roles.append("android.app.role.HOME")
    if "com.google.android.apps.photos" in world.by_name:
        world.by_name["com.google.android.apps.photos"].users[0].roles.append("android.app.role.SYSTEM_GALLERY")
    if "com.android.emergency" in world.by_name:
        world.by_name["com.android.emergency"].users[0].roles.append("android.app.role.EMERGENCY")

    latin = world.by_name["com.google.android.inputmethod.latin"]
    ime = "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"
    for user in USERS:
        latin.users[user].input_methods.append(ime)
        latin.users[user].default_ime = True

    gms = world.by_name[GMS]
    gms.users[0].uid.state = "pers"
    w = OpWriter(world, gms, 0)
    w.event("FINE_LOCATION", "pers", 2 * MINUTE_MS + 511, tag="fused_location_provider", flags="tp")
    w.event("FINE_LOCATION", "pers", 36 * MINUTE_MS + 902, tag="network_location_provider")
    w.event("COARSE_LOCATION", "pers", 2 * MINUTE_MS + 777, tag="fused_location_provider", flags="tp")
    w.event("WAKE_LOCK", "pers", 14_220, duration_ms=1_085)
    w.op("RUN_ANY_IN_BACKGROUND", "allow")

    android = world.by_name["android"]
    w = OpWriter(world, android, 0)
    w.event("WAKE_LOCK", "pers", 12_868, duration_ms=15)
    w.event("FINE_LOCATION", "pers", 10 * HOUR_MS + 26 * MINUTE_MS + 50_504)
    w.event("GET_USAGE_STATS", "pers", 1_636, kind="Reject")
    for app in world.apps:
        if app.platform_signed:
            app.signature = android.signature

    _platform_and_vendor_behaviour(world)

    for app in world.apps:
        if app.system:
            for user in app.installed_users():
                sync_uid_modes(app, user)
    world.assistants = [(u, cat.NOTIFICATION_ASSISTANT_COMPONENT) for u in USERS]


def _platform_and_vendor_behaviour(world: World) -> None:
    """The trap every real phone sets: the platform's phone process holds every telephony permission and uses
    them all the time; a vendor's analytics service follows the location in the background (both present when the
    device has room for them); and the store was updated from a downloaded file (a system app updated from a
    sideload: an abnormal origin)."""
    phone = world.by_name.get("com.android.phone")
    if phone is not None:
        phone.persona = "The platform's phone process: every telephony permission by design (never a finding)."
        w = OpWriter(world, phone, 0)
        w.event("READ_CALL_LOG", "pers", 41 * MINUTE_MS + 2_118)
        w.event("READ_SMS", "pers", 9 * MINUTE_MS + 6_440)
        w.event("READ_CONTACTS", "pers", 41 * MINUTE_MS + 2_604)
        w.event("FINE_LOCATION", "pers", 3 * HOUR_MS + 8_812, tag="emergency_location")
    analytics = world.by_name.get("com.oem.analytics")
    if analytics is not None:
        analytics.persona = "A vendor's analytics service, preinstalled: background location and phone state."
        w = OpWriter(world, analytics, 0)
        w.event("FINE_LOCATION", "cch", 52 * MINUTE_MS + 7_310)
        w.event("FINE_LOCATION", "bg", 6 * HOUR_MS + 1_205)
        w.event("READ_PHONE_STATE", "cch", 52 * MINUTE_MS + 7_402)
    store = world.by_name[STORE]
    store.installer = PACKAGE_INSTALLER
    store.initiating = PACKAGE_INSTALLER
    store.originating = "com.android.chrome"
    store.update_owner = None
    store.package_source = SOURCE_DOWNLOADED_FILE
    store.persona = "The store app, updated over its system copy from a downloaded APK (AUD-ORIGIN-003)."


def _finish(world: World, rng: random.Random) -> None:
    """Shared-user bookkeeping and the device's package listing order."""
    for app in world.apps:
        if app.shared_user is None:
            continue
        su = world.shared[app.shared_user]
        su.packages.append(app.package)
        for perm in app.install:
            if all(p.name != perm.name for p in su.install):
                su.install.append(perm)
        for user in USERS:
            runtime = su.runtime.setdefault(user, {})
            uid = su.uid.setdefault(user, UidState(state="pers" if su.app_id < 10000 else "cch"))
            state = app.users[user]
            for name, perm in state.runtime.items():
                runtime.setdefault(name, perm)
            for op, mode in state.uid.modes.items():
                uid.modes.setdefault(op, mode)
    # A shared uid has one permission state and one uid state: every member sees the merged ones.
    for app in world.apps:
        if app.shared_user is None:
            continue
        su = world.shared[app.shared_user]
        for user in USERS:
            app.users[user].runtime = su.runtime[user]
            app.users[user].uid = su.uid[user]
        app.install = su.install
    # installerPackageUid: the installer's uid when it is installed here (shell is uid 2000).
    for app in world.apps:
        if app.installer is not None and app.installer_uid == -1:
            installer = world.by_name.get(app.installer)
            app.installer_uid = installer.app_id if installer else 2000 if app.installer == SHELL else -1
    order = [a.package for a in world.apps]
    rng.shuffle(order)
    world.listing_order = order
