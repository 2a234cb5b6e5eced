"""The synthetic device as data: every app, grant, op and special access, decided before any text.

``build_world`` makes all choices (seeded, deterministic) into plain mutable records; ``render``
prints them in Android's formats and ``truth`` freezes them into the oracle. Keeping the decisions
in one place is what makes the round trip meaningful: the text and the truth come from the same
records, never from each other.

Randomness comes from separate named streams (personas, system apps, fillers), so the fixed persona
apps get the same grants and times whatever ``n_apps`` is.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.catalog import ANDROID as P

WORK_USER = 10
USERS = (0, WORK_USER)
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000

STORE = "com.android.vending"
PACKAGE_INSTALLER = "com.google.android.packageinstaller"
SHELL = "com.android.shell"
GMS = "com.google.android.gms"

# PackageInstaller.PACKAGE_SOURCE_*
SOURCE_UNSPECIFIED, SOURCE_OTHER, SOURCE_STORE, SOURCE_LOCAL_FILE, SOURCE_DOWNLOADED_FILE = range(5)


@dataclass
class Event:
    """One access or rejection as AppOpsService keeps it (newest per uid state and flags)."""

    kind: str
    """``Access`` or ``Reject``."""
    uid_state: str
    flags: str
    t_ms: int
    tag: str | None = None
    duration_ms: int | None = None
    proxy: str | None = None
    attribution: tuple[int, int] | None = None
    """(attribution flags, chain id) of an access made along an attribution chain (the discrete
    history prints them; the regular dump does not)."""


@dataclass
class Op:
    """One op of one package: its package mode, events and whether it is running now."""

    name: str
    mode: str
    events: list[Event] = field(default_factory=list)
    running_since_ms: int | None = None
    switch: str | None = None
    history_only: list[Event] = field(default_factory=list)
    """Older accesses the discrete history still holds: the regular dump shows a newer event of the
    same key (tag, uid state, flags) instead, since AppOpsService keeps one event per key."""


@dataclass
class Perm:
    """One permission state (install or runtime)."""

    name: str
    granted: bool
    flags: tuple[str, ...] = ()


@dataclass
class UidState:
    """What AppOpsService keeps per uid: its process state and uid-level modes."""

    state: str = "cch"
    modes: dict[str, str] = field(default_factory=dict)


@dataclass
class UserState:
    """A package for one user: install state, runtime grants, ops and special accesses."""

    user: int
    installed: bool
    first_install_ms: int = 0
    install_reason: int = 0
    enabled: int = 0
    last_disabled_caller: str | None = None
    stopped: bool = False
    not_launched: bool = False
    ce_inode: int = 0
    runtime: dict[str, Perm] = field(default_factory=dict)
    uid: UidState = field(default_factory=UidState)
    keep_default: list[str] = field(default_factory=list)
    """Ops the uid-mode sync must leave unset (the package mode decides, e.g. a mic usable in the background)."""
    ops: dict[str, Op] = field(default_factory=dict)
    accessibility: list[tuple[str, str]] = field(default_factory=list)
    """(component, label) of enabled accessibility services."""
    listeners: list[str] = field(default_factory=list)
    admin: tuple[str, tuple[str, ...]] | None = None
    """(receiver component, policy tags) when the app is an active device admin."""
    profile_owner: bool = False
    input_methods: list[str] = field(default_factory=list)
    default_ime: bool = False
    roles: list[str] = field(default_factory=list)


@dataclass
class SharedUser:
    """A sharedUserId: its members share one uid, one permission state and one app-op uid state."""

    name: str
    app_id: int
    packages: list[str] = field(default_factory=list)
    install: list[Perm] = field(default_factory=list)
    runtime: dict[int, dict[str, Perm]] = field(default_factory=dict)
    uid: dict[int, UidState] = field(default_factory=dict)
    hash: str = ""


@dataclass
class App:
    """One package, with its state for every user."""

    package: str
    app_id: int = 0
    version_code: int = 1
    version_name: str = "1.0"
    min_sdk: int = 26
    target_sdk: int = 34
    system: bool = False
    privileged: bool = False
    updated: bool = False
    debuggable: bool = False
    persistent: bool = False
    factory_path: str = ""
    factory_apk: str = ""
    factory_version_code: int = 0
    factory_version_name: str = ""
    code_path: str = ""
    splits: list[str] = field(default_factory=list)
    installer: str | None = None
    installer_uid: int = -1
    initiating: str | None = None
    originating: str | None = None
    update_owner: str | None = None
    package_source: int = SOURCE_UNSPECIFIED
    shared_user: str | None = None
    requested: list[str] = field(default_factory=list)
    install: list[Perm] = field(default_factory=list)
    declared: list[tuple[str, str]] = field(default_factory=list)
    timestamp_ms: int = 0
    last_update_ms: int = 0
    users: dict[int, UserState] = field(default_factory=dict)
    persona: str | None = None
    activities: list[str] = field(default_factory=list)
    receivers: list[tuple[str, str]] = field(default_factory=list)
    """(class, action) of manifest receivers, for the Receiver Resolver Table."""
    hashes: tuple[str, ...] = ()
    """identityHashCodes: package setting, Package object, signatures, activity filters …"""
    signature: str = ""
    key_set: int = 0
    large_heap: bool = False
    platform_signed: bool = False
    """Signed with the platform certificate: its signature hash is package ``android``'s."""

    def installed_users(self) -> list[int]:
        """The users the package is installed for."""
        return [u for u in USERS if self.users[u].installed]

    @property
    def apk_paths(self) -> list[str]:
        """What ``pm path`` prints: the base APK then one per split."""
        if self.code_path.endswith(".apk"):
            return [self.code_path]
        if not self.code_path.startswith("/data/app/"):
            return [f"{self.code_path}/{self.factory_apk}"]
        return [f"{self.code_path}/base.apk"] + [f"{self.code_path}/split_{s}.apk" for s in self.splits]


@dataclass
class World:
    """The whole device."""

    seed: int
    now_ms: int
    apps: list[App] = field(default_factory=list)
    by_name: dict[str, App] = field(default_factory=dict)
    shared: dict[str, SharedUser] = field(default_factory=dict)
    listing_order: list[str] = field(default_factory=list)
    """Order in which ``pm list packages`` prints packages (hash order on a real device)."""
    assistants: list[tuple[int, str]] = field(default_factory=list)
    android_id: dict[int, str] = field(default_factory=dict)
    serial: str = ""
    largest_chain_id: int = 0
    """What the discrete history prints as ``Largest chain id:`` (the newest chain's id)."""
    build_id: str = "AP2A.240605.024"
    incremental: str = "11860263"
    props: dict[str, str] = field(default_factory=dict)
    """System properties that differ from the catalog's (the threat scenario's unlocked bootloader …)."""
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    """Settings that differ from the catalog's, by namespace (``global``, ``secure``; every user)."""
    root_paths: list[str] = field(default_factory=list)
    """Root tools present (the root check finds them); empty on a stock phone."""
    selinux: str = "Enforcing"
    """What ``getenforce`` prints."""
    boot_id: str = "2f1c7a52-8d3e-4b6a-9c0d-5e7f8a1b2c3d"
    """What ``/proc/sys/kernel/random/boot_id`` holds (a new random UUID at every boot of a real phone)."""

    def add(self, app: App) -> App:
        """Add a package; names are unique on a device."""
        if app.package in self.by_name:
            raise ValueError(f"duplicate package {app.package}")
        self.apps.append(app)
        self.by_name[app.package] = app
        return app

    def uid(self, app: App, user: int) -> int:
        """The full uid of ``app`` for ``user`` (user x 100000 + appId)."""
        return user * 100_000 + app.app_id


# --------------------------------------------------------------------------------------------------
# Small builders
# --------------------------------------------------------------------------------------------------


def ordered_flags(*names: str) -> tuple[str, ...]:
    """Flag names in Android's print order (ascending bit), without duplicates."""
    unique = dict.fromkeys(names)
    return tuple(sorted(unique, key=cat.PERMISSION_FLAG_BITS.__getitem__))


def hex_hash(rng: random.Random) -> str:
    """An identityHashCode-looking hex string."""
    return f"{rng.getrandbits(28):x}"


def _b64(rng: random.Random) -> str:
    """22 URL-safe base64 characters (16 random bytes), as in ``/data/app/~~<b64>==``."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).decode()[:22]


def data_code_path(rng: random.Random, package: str) -> str:
    """``/data/app/~~<random>==/<pkg>-<random>==`` (Android 11+ randomised install directories)."""
    return f"/data/app/~~{_b64(rng)}==/{package}-{_b64(rng)}=="


def granted_user(*extra: str) -> tuple[str, ...]:
    """Granted by the user from the permission dialog."""
    return ordered_flags("USER_SET", *cat.SENSITIVE, *extra)


def denied_user(*extra: str) -> tuple[str, ...]:
    """Denied once by the user (the app may ask again)."""
    return ordered_flags("USER_SET", *cat.SENSITIVE, *extra)


def denied_fixed(*extra: str) -> tuple[str, ...]:
    """Denied twice: "don't ask again" (USER_FIXED)."""
    return ordered_flags("USER_SET", "USER_FIXED", *cat.SENSITIVE, *extra)


def never_asked(*extra: str) -> tuple[str, ...]:
    """Requested but never answered."""
    return ordered_flags(*cat.SENSITIVE, *extra)


def one_time(*extra: str) -> tuple[str, ...]:
    """Granted 'only this time' (location, camera, microphone only)."""
    return ordered_flags(*cat.SENSITIVE, "ONE_TIME", *extra)


def restriction_flags(name: str, installer: str | None, system: bool) -> tuple[str, ...]:
    """Restricted permissions of store or system installs are allow-listed (exempt)."""
    if name not in cat.RESTRICTED_PERMS:
        return ()
    if system:
        return ("RESTRICTION_SYSTEM_EXEMPT",)
    if installer == STORE:
        return ("RESTRICTION_INSTALLER_EXEMPT",)
    return ()


# --------------------------------------------------------------------------------------------------
# Ops and events
# --------------------------------------------------------------------------------------------------


class OpWriter:
    """Adds ops and events to one (app, user) while keeping AppOpsService's invariants.

    AppOpsService keeps one event per (attribution tag, uid state, flags) key, so a key is never
    repeated; event times inside one op are kept distinct so that "the newest" is unambiguous.
    """

    def __init__(self, world: World, app: App, user: int) -> None:
        self.world = world
        self.app = app
        self.state = app.users[user]

    def op(self, name: str, mode: str | None = None, switch: str | None = None) -> Op:
        """The op entry, created with its default mode; ``mode`` sets the package mode."""
        ops = self.state.ops
        if name not in ops:
            ops[name] = Op(name, mode or default_mode(name), switch=switch)
        elif mode is not None:
            ops[name].mode = mode
        return ops[name]

    def event(
        self,
        name: str,
        uid_state: str,
        ago_ms: int,
        *,
        kind: str = "Access",
        flags: str = "s",
        tag: str | None = None,
        duration_ms: int | None = None,
        proxy: str | None = None,
        attribution: tuple[int, int] | None = None,
    ) -> Event:
        """Record an access or rejection ``ago_ms`` before the capture."""
        op = self.op(name)
        for existing in op.events:
            if (existing.kind, existing.uid_state, existing.flags, existing.tag) == (kind, uid_state, flags, tag):
                raise ValueError(f"{self.app.package} {name}: duplicate {kind} key {uid_state}-{flags}")
        t_ms = self.world.now_ms - max(ago_ms, 1)
        times = {e.t_ms for e in op.events}
        while t_ms in times:
            t_ms -= 1
        ev = Event(kind, uid_state, flags, t_ms, tag, duration_ms, proxy, attribution)
        op.events.append(ev)
        return ev

    def past(
        self,
        name: str,
        uid_state: str,
        ago_ms: int,
        *,
        flags: str = "s",
        tag: str | None = None,
        duration_ms: int | None = None,
    ) -> Event:
        """Record an older access that only the discrete history keeps.

        AppOpsService keeps the newest access per (tag, uid state, flags), so an older one can be gone
        from the regular dump only when a newer access of the same key replaced it there: refused
        otherwise, which keeps the synthetic history consistent with the regular dump.
        """
        op = self.op(name)
        t_ms = self.world.now_ms - max(ago_ms, 1)
        newer = [
            e
            for e in op.events
            if (e.kind, e.uid_state, e.flags, e.tag) == ("Access", uid_state, flags, tag) and e.t_ms > t_ms
        ]
        if not newer:
            raise ValueError(f"{self.app.package} {name}: no newer {uid_state}-{flags} access replaces this one")
        ev = Event("Access", uid_state, flags, t_ms, tag, duration_ms)
        op.history_only.append(ev)
        return ev

    def uid_mode(self, name: str, mode: str) -> None:
        """Set a uid-level mode (it overrides the package mode)."""
        self.state.uid.modes[name] = mode


def default_mode(op: str) -> str:
    """The mode printed for an op nobody set (AppOpsManager.opToDefaultMode)."""
    return "default" if op in cat.DEFAULT_MODE_DEFAULT_OPS else "allow"


def sync_uid_modes(app: App, user: int) -> None:
    """Derive uid modes from runtime grants, as PermissionPolicyService does since Android 11.

    Only non-default modes are kept (a uid mode equal to the default is removed): ``foreground``
    for a foreground-only grant of an op with a background permission, ``ignore`` for a denied or
    compat-revoked permission. Explicit modes set earlier (a persona's override) win.
    """
    state = app.users[user]
    runtime = state.runtime
    bg_granted = runtime.get(cat.BACKGROUND_LOCATION)
    for perm in runtime.values():
        op = cat.RUNTIME_OPS.get(perm.name)
        if op is None or op in state.uid.modes or op in state.keep_default:
            continue
        if not perm.granted or "REVOKED_COMPAT" in perm.flags:
            state.uid.modes[op] = "ignore"
        elif op in ("FINE_LOCATION", "COARSE_LOCATION"):
            all_the_time = bg_granted is not None and bg_granted.granted and "ONE_TIME" not in perm.flags
            if not all_the_time:
                state.uid.modes[op] = "foreground"
        elif op in cat.FOREGROUND_CAPABLE_OPS:
            state.uid.modes[op] = "foreground"


# --------------------------------------------------------------------------------------------------
# App skeletons
# --------------------------------------------------------------------------------------------------


def fill_identity(world: World, rng: random.Random, app: App) -> None:
    """Fill identity hashes, signing and user states shared by every kind of app."""
    app.hashes = tuple(hex_hash(rng) for _ in range(8))
    app.signature = f"{rng.getrandbits(32):08x}"
    app.key_set = rng.randint(20, 400)
    for user in USERS:
        app.users.setdefault(user, UserState(user=user, installed=False))
    for state in app.users.values():
        if state.installed:
            state.ce_inode = rng.randint(10_000, 900_000)


def set_install_times(world: World, rng: random.Random, app: App, *, min_age_days: float, max_age_days: float) -> None:
    """First install and last update somewhere in the given age range."""
    first = world.now_ms - int(rng.uniform(min_age_days, max_age_days) * DAY_MS)
    update = first + int(rng.random() * (world.now_ms - first) * 0.9)
    app.timestamp_ms = update
    app.last_update_ms = update
    for state in app.users.values():
        if state.installed:
            state.first_install_ms = first + (0 if state.user == 0 else int(rng.uniform(0, 2) * DAY_MS))


def install_perm_list(names: list[str], granted: bool = True) -> list[Perm]:
    """Install permissions with one grant state."""
    return [Perm(n, granted) for n in names]


def pick(rng: random.Random, pool: tuple[str, ...], k_min: int, k_max: int, always: tuple[str, ...] = ()) -> list[str]:
    """``always`` plus a random sample of ``pool`` (k between k_min and k_max)."""
    k = rng.randint(k_min, min(k_max, len(pool)))
    chosen = list(always) + [p for p in rng.sample(pool, k) if p not in always]
    return chosen


# --------------------------------------------------------------------------------------------------
# Third-party app builder
# --------------------------------------------------------------------------------------------------


@dataclass
class UserAppSpec:
    """Keyword bundle for ``user_app`` so persona definitions read as a table."""

    package: str
    version_name: str
    version_code: int
    target: int = 34
    min_sdk: int = 26
    installer: str | None = STORE
    initiating: str | None = STORE
    originating: str | None = None
    source: int = SOURCE_STORE
    install: tuple[str, ...] = (P + "INTERNET", P + "ACCESS_NETWORK_STATE", P + "WAKE_LOCK")
    users: tuple[int, ...] = (0,)
    age_days: tuple[float, float] = (20, 400)
    splits: tuple[str, ...] = ("config.arm64_v8a", "config.xxhdpi")
    debuggable: bool = False


def user_app(world: World, rng: random.Random, spec: UserAppSpec, app_id: int) -> App:
    """A third-party app installed for ``spec.users``, with no runtime grant yet."""
    app = App(package=spec.package, app_id=app_id)
    app.version_name = spec.version_name
    app.version_code = spec.version_code
    app.target_sdk = spec.target
    app.min_sdk = spec.min_sdk
    app.installer = spec.installer
    app.initiating = spec.initiating
    app.originating = spec.originating
    app.package_source = spec.source
    app.debuggable = spec.debuggable
    app.code_path = data_code_path(rng, spec.package)
    app.splits = list(spec.splits)
    for user in USERS:
        app.users[user] = UserState(user=user, installed=user in spec.users, install_reason=4)
    fill_identity(world, rng, app)
    set_install_times(world, rng, app, min_age_days=spec.age_days[0], max_age_days=spec.age_days[1])
    app.install = install_perm_list(list(spec.install))
    app.requested = list(spec.install)
    if spec.target >= 33:
        own = f"{spec.package}.DYNAMIC_RECEIVER_NOT_EXPORTED_PERMISSION"
        app.declared.append((own, "signature"))
        app.install.append(Perm(own, True))
        app.requested.append(own)
    app.activities = [".MainActivity", ".ui.SettingsActivity"] if rng.random() < 0.7 else []
    return app


def grant(app: App, user: int, name: str, granted: bool, flags: tuple[str, ...], *, requested: bool = True) -> None:
    """Set one runtime permission state for one user (and request it, unless implicit)."""
    app.users[user].runtime[name] = Perm(name, granted, flags)
    if requested and name not in app.requested:
        app.requested.append(name)


def request_appop_permission(app: App, name: str) -> None:
    """Request an app-op-backed permission (printed ``granted=false``: the op decides)."""
    if name not in app.requested:
        app.requested.append(name)
    app.install.append(Perm(name, False))
