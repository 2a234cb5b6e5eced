"""``dumpsys appops`` of the synthetic device, as ``AppOpsService.dumpLocked`` prints it (Android 14)."""

from __future__ import annotations

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.clock import format_duration, local_time
from auditor.acquire.synthetic.render.device import text
from auditor.acquire.synthetic.world import USERS, App, Event, Op, World

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
    return text(lines)
