"""What the synthetic device was *meant* to say: the oracle for round-trip tests and benchmarks.

The generator decides every fact first (this module's dataclasses) and only then prints Android text
from them, so a test can parse the text back and compare with what was intended. These types are a
test and bench oracle, not part of the audit model: they describe one (user, package) the way the
generator chose it, in the vocabulary Android prints (flag names, op names, mode names, raw uid
states), without any of the analysis' judgements.

Times are device-local wall-clock strings exactly as ``dumpsys`` prints them (``yyyy-MM-dd HH:mm:ss``
for packages, with ``.SSS`` for app-ops), plus ``ago_ms`` relative to the ``date +%s`` output.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.acquire.synthetic.catalog import SPECIAL_APPOPS
from auditor.model import AccessState, DeviceInfo, RoleHolder


@dataclass(frozen=True)
class TruthPermission:
    """One permission state as ``dumpsys package`` prints it (``name: granted=…, flags=[ …]``)."""

    name: str
    granted: bool
    flags: tuple[str, ...] = ()
    """Flag names in the order Android prints them (ascending bit)."""


@dataclass(frozen=True)
class TruthAccess:
    """One ``Access:``/``Reject:`` event of an op (the newest of its kind is kept in ``TruthOp``)."""

    time: str
    """Device-local ``yyyy-MM-dd HH:mm:ss.SSS``."""
    ago_ms: int
    """Milliseconds before the ``date +%s`` instant (the ``(-1h2m3s4ms)`` text, as a number)."""
    uid_state: str
    """Raw uid state: ``top``, ``fgsvc``, ``fg``, ``bg``, ``cch``, ``pers``."""
    state: AccessState
    """``bg``/``cch`` are background; every other state is foreground."""
    flags: tuple[str, ...] = ("s",)
    """Op flags: ``s`` self, ``tp``/``up`` proxy, ``tpd``/``upd`` proxied."""
    attribution_tag: str | None = None
    proxy: str | None = None
    """Inner text of ``proxy[…]`` (``uid=…, pkg=…, attributionTag=…``) when the access was proxied."""
    duration_ms: int | None = None


@dataclass(frozen=True)
class TruthOp:
    """One op listed under ``Package <pkg>:`` in ``dumpsys appops``."""

    op: str
    mode: str
    """The package-level mode printed in ``OP (mode):``; a uid mode may override it (``TruthApp``)."""
    last_access: TruthAccess | None = None
    """Newest ``Access:`` over every uid state, flag and attribution tag."""
    last_background_access: TruthAccess | None = None
    """Newest ``Access:`` in a background state (``bg``/``cch``), which may be older than the newest."""
    last_reject: TruthAccess | None = None
    running: bool = False
    switch: str | None = None
    """``X=mode`` of the ``/ switch X=mode`` suffix, when the op is controlled by another op."""


@dataclass(frozen=True)
class TruthApp:
    """One package as installed for one user, with every fact the generator put in the outputs."""

    package: str
    user: int
    uid: int
    app_id: int
    version_code: int
    version_name: str
    min_sdk: int
    target_sdk: int
    system: bool
    privileged: bool
    updated_system: bool
    """An update of a preinstalled app: ``Hidden system packages:`` holds the factory copy."""
    factory_version_code: int | None
    """versionCode of the hidden factory copy (``None`` unless ``updated_system``)."""
    debuggable: bool
    platform_signed: bool
    """Signed with the platform certificate (package ``android``'s); every ``android.uid.*`` member is."""
    installer: str | None
    initiating_installer: str | None
    originating_installer: str | None
    package_source: int
    shared_user: str | None
    code_path: str
    apk_paths: tuple[str, ...]
    """What ``pm path`` prints (without ``package:``): base.apk first, then splits."""
    first_install_time: str
    """Per-user ``firstInstallTime=`` (local ``yyyy-MM-dd HH:mm:ss``)."""
    last_update_time: str
    enabled: int
    """COMPONENT_ENABLED_STATE of the ``User N:`` line (0 default, 3 disabled by user)."""
    requested_permissions: tuple[str, ...]
    install_permissions: tuple[TruthPermission, ...]
    runtime_permissions: tuple[TruthPermission, ...]
    """Runtime permissions of this uid for this user (for a shared uid they print under ``Shared users:``)."""
    uid_modes: tuple[tuple[str, str], ...]
    """Uid-level modes of this app's uid (``CAMERA: mode=foreground``); they override package modes."""
    ops: tuple[TruthOp, ...]
    accessibility_services: tuple[str, ...] = ()
    """Enabled accessibility services of this package for this user (``pkg/full.Class``)."""
    notification_listeners: tuple[str, ...] = ()
    device_admin: str | None = None
    """Active device admin receiver (``pkg/full.Class``) for this user."""
    profile_owner: bool = False
    input_methods: tuple[str, ...] = ()
    """Enabled input methods of this package (``enabled_input_methods``)."""
    default_input_method: bool = False
    roles: tuple[str, ...] = ()
    """Roles this package holds for this user (``android.app.role.DIALER`` …)."""
    persona: str | None = None
    """For the fixed persona apps: what the app is meant to show (one sentence)."""

    def permission(self, name: str) -> TruthPermission | None:
        """The runtime or install permission state named ``name`` (full name), if any."""
        for perm in self.runtime_permissions + self.install_permissions:
            if perm.name == name:
                return perm
        return None

    def op(self, name: str) -> TruthOp | None:
        """The package-level op entry named ``name``, if the dump lists one."""
        for entry in self.ops:
            if entry.op == name:
                return entry
        return None

    def uid_mode(self, op: str) -> str | None:
        """The uid-level mode of ``op`` for this app's uid, if one is set."""
        for name, mode in self.uid_modes:
            if name == op:
                return mode
        return None

    def effective_mode(self, op: str) -> str | None:
        """The mode that decides: the uid mode when one is set, else the package mode (None: unset)."""
        uid_mode = self.uid_mode(op)
        if uid_mode is not None:
            return uid_mode
        entry = self.op(op)
        return entry.mode if entry else None

    @property
    def appop_specials(self) -> tuple[str, ...]:
        """Special-access ops (overlay, usage access, install apps, all files …) allowed for this app."""
        return tuple(op for op in SPECIAL_APPOPS if self.effective_mode(op) == "allow")


@dataclass(frozen=True)
class TruthUser:
    """One line of ``pm list users``."""

    id: int
    name: str
    flags: int


@dataclass(frozen=True)
class Persona:
    """A fixed, named app that every synthetic device has, and the fact it exists to show."""

    package: str
    summary: str


@dataclass(frozen=True)
class SyntheticTruth:
    """Everything the synthetic device says, as intended by the generator."""

    seed: int
    n_apps: int
    now_epoch_s: int
    """What ``date +%s`` prints; every ``ago_ms`` is relative to ``now_epoch_s * 1000``."""
    timezone: str
    utc_offset_minutes: int
    device: DeviceInfo
    users: tuple[TruthUser, ...]
    apps: tuple[TruthApp, ...]
    """One entry per (user, installed package), sorted by user then package."""
    roles: tuple[RoleHolder, ...]
    personas: tuple[Persona, ...]
    notification_assistants: tuple[tuple[int, str], ...] = ()
    """(user, component) of the allowed notification assistant."""

    def app(self, package: str, user: int = 0) -> TruthApp:
        """The app installed for ``user``; raises KeyError when it is not installed there."""
        for app in self.apps:
            if app.package == package and app.user == user:
                return app
        raise KeyError(f"{package} is not installed for user {user}")

    def apps_for_user(self, user: int) -> tuple[TruthApp, ...]:
        """Every app installed for ``user``."""
        return tuple(app for app in self.apps if app.user == user)

    @property
    def packages(self) -> tuple[str, ...]:
        """Every package known to any user (what ``pm list packages -u`` lists), sorted."""
        return tuple(sorted({app.package for app in self.apps}))
