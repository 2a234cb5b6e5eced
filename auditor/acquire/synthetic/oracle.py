"""Freezing the world's records into ``SyntheticTruth`` (the oracle the round-trip tests compare with).

Derived facts (the newest access, the newest background access, which ops are special accesses) are
computed here from the same events the renderer prints, with the rules a correct parser plus
analysis should apply: newest = latest time over every uid state, flag and attribution tag;
background = ``bg``/``cch``.
"""

from __future__ import annotations

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.clock import TIMEZONE, UTC_OFFSET_MINUTES, local_time
from auditor.acquire.synthetic.render import USER_NAMES, device_info, role_holders
from auditor.acquire.synthetic.truth import (
    Persona,
    SyntheticTruth,
    TruthAccess,
    TruthApp,
    TruthOp,
    TruthPermission,
    TruthUser,
)
from auditor.acquire.synthetic.world import USERS, App, Event, Op, Perm, World
from auditor.model import AccessState, RoleHolder


def _perm(perm: Perm) -> TruthPermission:
    return TruthPermission(perm.name, perm.granted, perm.flags)


def _access(world: World, ev: Event) -> TruthAccess:
    background = ev.uid_state in cat.BACKGROUND_UID_STATES
    return TruthAccess(
        time=local_time(ev.t_ms, millis=True),
        ago_ms=world.now_ms - ev.t_ms,
        uid_state=ev.uid_state,
        state=AccessState.BACKGROUND if background else AccessState.FOREGROUND,
        flags=tuple(ev.flags.split("|")),
        attribution_tag=ev.tag,
        proxy=ev.proxy,
        duration_ms=ev.duration_ms,
    )


def _newest(world: World, events: list[Event]) -> TruthAccess | None:
    if not events:
        return None
    return _access(world, max(events, key=lambda e: e.t_ms))


def _op(world: World, op: Op) -> TruthOp:
    accesses = [e for e in op.events if e.kind == "Access"]
    return TruthOp(
        op=op.name,
        mode=op.mode,
        last_access=_newest(world, accesses),
        last_background_access=_newest(world, [e for e in accesses if e.uid_state in cat.BACKGROUND_UID_STATES]),
        last_reject=_newest(world, [e for e in op.events if e.kind == "Reject"]),
        running=op.running_since_ms is not None,
        switch=op.switch,
    )


def _app(world: World, app: App, user: int) -> TruthApp:
    state = app.users[user]
    modes = state.uid.modes
    return TruthApp(
        package=app.package,
        user=user,
        uid=world.uid(app, user),
        app_id=app.app_id,
        version_code=app.version_code,
        version_name=app.version_name,
        min_sdk=app.min_sdk,
        target_sdk=app.target_sdk,
        system=app.system,
        privileged=app.privileged,
        updated_system=app.updated,
        factory_version_code=app.factory_version_code if app.updated else None,
        debuggable=app.debuggable,
        platform_signed=app.platform_signed,
        installer=app.installer,
        initiating_installer=app.initiating,
        originating_installer=app.originating,
        package_source=app.package_source,
        shared_user=app.shared_user,
        code_path=app.code_path,
        apk_paths=tuple(app.apk_paths),
        first_install_time=local_time(state.first_install_ms),
        last_update_time=local_time(app.last_update_ms),
        enabled=state.enabled,
        requested_permissions=tuple(app.requested),
        install_permissions=tuple(_perm(p) for p in app.install),
        runtime_permissions=tuple(_perm(p) for p in state.runtime.values()),
        uid_modes=tuple((op, modes[op]) for op in sorted(modes, key=lambda o: cat.OP_CODES.get(o, 1 << 20))),
        ops=tuple(_op(world, op) for op in state.ops.values()),
        accessibility_services=tuple(c for c, _ in state.accessibility),
        notification_listeners=tuple(state.listeners),
        device_admin=state.admin[0] if state.admin else None,
        profile_owner=state.profile_owner,
        input_methods=tuple(state.input_methods),
        default_input_method=state.default_ime,
        roles=tuple(state.roles),
        persona=app.persona,
    )


def build_truth(world: World, n_apps: int) -> SyntheticTruth:
    """Freeze the world into the oracle: one ``TruthApp`` per (user, installed package)."""
    apps = [
        _app(world, app, user)
        for user in USERS
        for app in sorted(world.apps, key=lambda a: a.package)
        if app.users[user].installed
    ]
    roles = [
        RoleHolder(user=user, role=role, package=package)
        for user in USERS
        for role, holders in role_holders(world, user).items()
        for package in holders
    ]
    personas = [Persona(a.package, a.persona) for a in world.apps if a.persona]
    return SyntheticTruth(
        seed=world.seed,
        n_apps=n_apps,
        now_epoch_s=world.now_ms // 1000,
        timezone=TIMEZONE,
        utc_offset_minutes=UTC_OFFSET_MINUTES,
        device=device_info(world),
        users=tuple(TruthUser(u, USER_NAMES[u][0], USER_NAMES[u][1]) for u in USERS),
        apps=tuple(apps),
        roles=tuple(roles),
        personas=tuple(personas),
        notification_assistants=tuple(world.assistants),
    )
