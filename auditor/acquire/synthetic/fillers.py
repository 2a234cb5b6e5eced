"""Plausible, varied third-party apps that fill the device up to ``n_apps``.

Each filler gets a kind (social, weather, fitness …) that decides which runtime permissions it asks
for; grant states, install sources, app-op usage and times are drawn from the seeded stream with
rough real-world proportions (most apps come from the store, most grants are user-set, most accesses
happen in the foreground). The proportions are not measured; they only need to give every code path
of the parsers and the analysis something to chew on, at any scale.
"""

from __future__ import annotations

import math
import random

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.catalog import ANDROID as P
from auditor.acquire.synthetic.world import (
    DAY_MS,
    PACKAGE_INSTALLER,
    SHELL,
    SOURCE_DOWNLOADED_FILE,
    SOURCE_LOCAL_FILE,
    SOURCE_STORE,
    SOURCE_UNSPECIFIED,
    STORE,
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
    pick,
    request_appop_permission,
    restriction_flags,
    sync_uid_modes,
    user_app,
)

_SUFFIXES = ("lite", "pro", "plus", "free", "go", "hd", "beta", "classic", "max", "mini")
_TAGS = ("analytics", "ads_sdk", "sync", "crash_reporter", "location_sdk")
_FOREGROUND_STATES = ("top", "top", "top", "fgsvc", "fg")
_ANY_STATES = ("top", "top", "fgsvc", "fg", "bg", "cch", "cch")
_LOCATION = (P + "ACCESS_FINE_LOCATION", P + "ACCESS_COARSE_LOCATION")
_MEDIA_SPLIT = (P + "READ_MEDIA_AUDIO", P + "READ_MEDIA_VIDEO", P + "READ_MEDIA_IMAGES")


def add_fillers(world: World, rng: random.Random, count: int, *, first_app_id: int) -> None:
    """Add ``count`` random third-party apps with app ids from ``first_app_id``."""
    kinds = list(cat.PRODUCT_KINDS)
    used = set(world.by_name)
    app_id = first_app_id
    for _ in range(count):
        kind = rng.choice(kinds)
        name = _package_name(rng, kind, used)
        used.add(name)
        app = _filler(world, rng, name, kind, app_id)
        for user in app.installed_users():
            _grants(app, rng, user)
            _usage(world, app, rng, user)
            sync_uid_modes(app, user)
        app_id += 1 + (rng.randint(1, 4) if rng.random() < 0.3 else 0)


def _package_name(rng: random.Random, kind: str, used: set[str]) -> str:
    for _ in range(6):
        name = f"com.{rng.choice(cat.VENDORS)}.{rng.choice(cat.PRODUCT_KINDS[kind])}"
        if name not in used:
            return name
    base = f"com.{rng.choice(cat.VENDORS)}.{rng.choice(cat.PRODUCT_KINDS[kind])}"
    for suffix in _SUFFIXES:
        if f"{base}.{suffix}" not in used:
            return f"{base}.{suffix}"
    n = 2
    while f"{base}{n}" in used:
        n += 1
    return f"{base}{n}"


def _install_source(rng: random.Random) -> tuple[str | None, str | None, str | None, int]:
    """(installer, initiating, originating, packageSource) with store installs dominating."""
    r = rng.random()
    if r < 0.90:
        return STORE, STORE, None, SOURCE_STORE
    if r < 0.94:
        return "com.amazon.venezia", "com.amazon.venezia", None, SOURCE_STORE
    if r < 0.97:
        return PACKAGE_INSTALLER, PACKAGE_INSTALLER, "com.google.android.documentsui", SOURCE_LOCAL_FILE
    if r < 0.985:
        return PACKAGE_INSTALLER, PACKAGE_INSTALLER, "com.android.chrome", SOURCE_DOWNLOADED_FILE
    return SHELL, SHELL, None, SOURCE_UNSPECIFIED


def _filler(world: World, rng: random.Random, name: str, kind: str, app_id: int) -> App:
    if kind == "legacy":
        target = rng.choice((26, 28, 29, 30))
    else:
        target = rng.choices((34, 33, 32, 31, 30), weights=(50, 28, 8, 8, 6))[0]
    installer, initiating, originating, source = _install_source(rng)
    r = rng.random()
    users: tuple[int, ...] = (0, WORK_USER) if r < 0.04 else (WORK_USER,) if r < 0.05 else (0,)
    major = rng.randint(1, 30)
    minor = rng.randint(0, 20)
    splits: tuple[str, ...] = ()
    if rng.random() < 0.6:
        splits = ("config.arm64_v8a", "config.xxhdpi") + (("config.en",) if rng.random() < 0.5 else ())
    install = tuple(pick(rng, cat.COMMON_INSTALL_PERMS, 2, 8, always=(P + "INTERNET", P + "ACCESS_NETWORK_STATE")))
    spec = UserAppSpec(
        name,
        f"{major}.{minor}.{rng.randint(0, 99)}",
        major * 100_000 + minor * 1000 + rng.randint(0, 999),
        target=target,
        min_sdk=rng.choice((21, 23, 24, 26, 28)),
        installer=installer,
        initiating=initiating,
        originating=originating,
        source=source,
        install=install,
        users=users,
        age_days=(1, 900),
        splits=splits,
    )
    app = world.add(user_app(world, rng, spec, app_id))
    if installer == PACKAGE_INSTALLER:
        app.installer_uid = world.by_name[PACKAGE_INSTALLER].app_id
    elif installer == STORE:
        app.installer_uid = world.by_name[STORE].app_id
    wanted = [P + p for p in cat.KIND_RUNTIME[kind] if rng.random() < 0.8 or p == "POST_NOTIFICATIONS"]
    if P + "ACCESS_FINE_LOCATION" in wanted and P + "ACCESS_COARSE_LOCATION" not in wanted:
        wanted.append(P + "ACCESS_COARSE_LOCATION")
    if P + "ACCESS_BACKGROUND_LOCATION" in wanted and P + "ACCESS_FINE_LOCATION" not in wanted:
        wanted.remove(P + "ACCESS_BACKGROUND_LOCATION")
    if target < 33 and P + "POST_NOTIFICATIONS" in wanted:
        wanted.remove(P + "POST_NOTIFICATIONS")
    if target < 34 and P + "READ_MEDIA_VISUAL_USER_SELECTED" in wanted:
        wanted.remove(P + "READ_MEDIA_VISUAL_USER_SELECTED")
    for perm in wanted:
        if perm not in app.requested:
            app.requested.append(perm)
    for op_perm, p in (
        (P + "SYSTEM_ALERT_WINDOW", 0.04),
        (P + "PACKAGE_USAGE_STATS", 0.03),
        (P + "REQUEST_INSTALL_PACKAGES", 0.02),
        (P + "MANAGE_EXTERNAL_STORAGE", 0.02),
        (P + "SCHEDULE_EXACT_ALARM", 0.05),
    ):
        if rng.random() < p:
            request_appop_permission(app, op_perm)
    if rng.random() < 0.01:
        for user in app.installed_users():
            app.users[user].enabled = 3
            app.users[user].last_disabled_caller = "com.android.settings"
    if rng.random() < 0.03:
        app.users[app.installed_users()[0]].stopped = True
    if rng.random() < 0.05:
        app.large_heap = True
    for user in app.installed_users():
        app.users[user].uid.state = rng.choices(("cch", "bg", "top", "fgsvc", "fg"), weights=(80, 10, 2, 5, 3))[0]
        if user == WORK_USER:
            app.users[user].install_reason = rng.choice((1, 4))
    return app


def _choose_state(rng: random.Random, perm: str) -> tuple[bool, tuple[str, ...]]:
    r = rng.random()
    if r < 0.45:
        return True, granted_user()
    if r < 0.60:
        return False, never_asked()
    if r < 0.75:
        return False, denied_user()
    if r < 0.85:
        return False, denied_fixed()
    if perm in cat.ONE_TIME_CAPABLE:
        return True, one_time()
    return True, granted_user()


def _grants(app: App, rng: random.Random, user: int) -> None:
    """Runtime grant states for one user, keeping groups consistent (FINE with COARSE, splits)."""
    requested = [p for p in app.requested if p in cat.RUNTIME_OPS]
    decided: dict[str, tuple[bool, tuple[str, ...]]] = {}
    for perm in requested:
        if perm in decided or perm == cat.BACKGROUND_LOCATION:
            continue
        granted, flags = _choose_state(rng, perm)
        if perm in _LOCATION:
            for loc in _LOCATION:
                decided[loc] = (granted, flags)
        else:
            decided[perm] = (granted, flags)
    if cat.BACKGROUND_LOCATION in requested:
        fine = decided.get(P + "ACCESS_FINE_LOCATION")
        if fine and fine[0] and "ONE_TIME" not in fine[1] and rng.random() < 0.3:
            decided[cat.BACKGROUND_LOCATION] = (True, granted_user())
        else:
            decided[cat.BACKGROUND_LOCATION] = (False, denied_user() if fine and fine[0] else never_asked())
    # "Select photos": with images denied, some users picked a partial selection.
    if P + "READ_MEDIA_VISUAL_USER_SELECTED" in decided:
        images = decided.get(P + "READ_MEDIA_IMAGES")
        if images and not images[0] and rng.random() < 0.4:
            decided[P + "READ_MEDIA_VISUAL_USER_SELECTED"] = (True, granted_user())
    for perm, (granted, flags) in decided.items():
        extra = restriction_flags(perm, app.installer, False)
        grant(app, user, perm, granted, tuple(sorted({*flags, *extra}, key=cat.PERMISSION_FLAG_BITS.__getitem__)))
    # Implicit split permissions (not in the manifest): storage → media for pre-33 apps, images →
    # user-selected visual media for pre-34 apps, foreground → background location for pre-29 apps.
    runtime = app.users[user].runtime
    storage = runtime.get(P + "READ_EXTERNAL_STORAGE")
    if storage is not None and app.target_sdk < 33:
        for perm in _MEDIA_SPLIT:
            _implicit(app, user, perm, storage.granted)
    media = runtime.get(P + "READ_MEDIA_IMAGES")
    if media is not None and app.target_sdk < 34:
        _implicit(app, user, P + "READ_MEDIA_VISUAL_USER_SELECTED", media.granted)
    fine_perm = runtime.get(P + "ACCESS_FINE_LOCATION")
    if fine_perm is not None and app.target_sdk < 29 and cat.BACKGROUND_LOCATION not in runtime:
        _implicit(app, user, cat.BACKGROUND_LOCATION, fine_perm.granted)


def _implicit(app: App, user: int, perm: str, granted: bool) -> None:
    flags = [*cat.SENSITIVE, "REVOKE_WHEN_REQUESTED", *restriction_flags(perm, app.installer, False)]
    ordered = tuple(sorted(set(flags), key=cat.PERMISSION_FLAG_BITS.__getitem__))
    grant(app, user, perm, granted, ordered, requested=False)


def _ago(rng: random.Random, low_ms: int = 30_000, high_ms: int = 20 * DAY_MS) -> int:
    """A log-uniform age: most accesses are recent, a few are weeks old."""
    return int(math.exp(rng.uniform(math.log(low_ms), math.log(high_ms))))


def _usage(world: World, app: App, rng: random.Random, user: int) -> None:
    """App-op history for one user: permission use, a few generic ops and special-access modes."""
    o = OpWriter(world, app, user)
    state = app.users[user]
    runtime = state.runtime
    bg_location = runtime.get(cat.BACKGROUND_LOCATION)
    tags = rng.sample(_TAGS, 2) if rng.random() < 0.1 else []
    for perm in list(runtime.values()):
        op = cat.RUNTIME_OPS.get(perm.name)
        if op is None:
            continue
        if not perm.granted or "REVOKED_COMPAT" in perm.flags:
            if rng.random() < 0.1:
                o.event(op, "top", _ago(rng), kind="Reject")
            continue
        if rng.random() > 0.55:
            continue
        location = op in ("FINE_LOCATION", "COARSE_LOCATION")
        foreground_only = op in cat.FOREGROUND_CAPABLE_OPS and not (
            location and bg_location is not None and bg_location.granted and "ONE_TIME" not in perm.flags
        )
        pool = _FOREGROUND_STATES if foreground_only else _ANY_STATES
        states = list(dict.fromkeys(rng.choice(pool) for _ in range(rng.randint(1, 3))))
        for uid_state in states:
            duration = rng.randint(50, 600_000) if op in ("CAMERA", "RECORD_AUDIO") or location else None
            tag = rng.choice(tags) if tags and rng.random() < 0.3 else None
            o.event(op, uid_state, _ago(rng), duration_ms=duration, tag=tag)
        if foreground_only and rng.random() < 0.15:
            o.event(op, "bg", _ago(rng), kind="Reject")
    if rng.random() < 0.5:
        o.event("WAKE_LOCK", rng.choice(("cch", "bg", "fgsvc")), _ago(rng, 2_000), duration_ms=rng.randint(1, 90_000))
    r = rng.random()
    if r < 0.25:
        o.op("RUN_ANY_IN_BACKGROUND", "allow")
        o.event("RUN_ANY_IN_BACKGROUND", "cch", _ago(rng))
    elif r < 0.29:
        o.op("RUN_ANY_IN_BACKGROUND", "ignore")
    if rng.random() < 0.15:
        o.event("START_FOREGROUND", "top", _ago(rng), duration_ms=rng.randint(1, 5_000))
    if rng.random() < 0.08:
        o.event("READ_CLIPBOARD", rng.choice(("top", "top", "cch")), _ago(rng))
    notif = runtime.get(P + "POST_NOTIFICATIONS")
    if notif is not None and notif.granted and "POST_NOTIFICATION" not in state.ops and rng.random() < 0.4:
        o.event("POST_NOTIFICATION", "cch", _ago(rng))
    if rng.random() < 0.03:
        o.op("AUTO_REVOKE_PERMISSIONS_IF_UNUSED", "ignore")
    for special, requested in cat.SPECIAL_APPOPS.items():
        if requested and requested in app.requested and rng.random() < 0.5:
            o.op(special, "allow")
            if rng.random() < 0.5:
                o.event(special, "top", _ago(rng))
