"""The synthetic device's discrete access history, derived from the same events its regular dump prints.

What Android 13–15's ``DiscreteRegistry`` keeps, and so what this derivation keeps:

* the discrete ops (``DEFAULT_DISCRETE_OPS``): fine and coarse location, camera, microphone, the
  phone-call camera and microphone, ambient trigger audio;
* accesses with the discrete flags only (``OP_FLAGS_DISCRETE``): self, trusted proxy, trusted
  proxied (an untrusted proxy's access, ``upd``, is not kept);
* for the default retention (``DEFAULT_DISCRETE_HISTORY_CUTOFF``, 7 days) before the capture;
* quantised (``discretizeTimeStamp``, ``discretizeDuration``, one minute): the time rounded down,
  the duration up;
* an op with a duration (camera, microphone, a location request) recorded twice: when it starts,
  without a duration, and when it finishes, with one; the registry keeps both because their
  durations differ. An op still running has only the first.

So every regular access of a discrete op inside the window is in the history, and the history adds
the older accesses of each key that the regular dump replaced (``Op.history_only``). ``discrete_history``
is what both the renderer and the oracle read, so the text and the truth come from the same records.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.world import DAY_MS, MINUTE_MS, USERS, App, Event, Op, World

DISCRETE_OPS = (
    "FINE_LOCATION",
    "COARSE_LOCATION",
    "CAMERA",
    "RECORD_AUDIO",
    "PHONE_CALL_MICROPHONE",
    "PHONE_CALL_CAMERA",
    "RECEIVE_AMBIENT_TRIGGER_AUDIO",
)
"""DiscreteRegistry.DEFAULT_DISCRETE_OPS (Android 13–15)."""

DISCRETE_FLAGS = frozenset({"s", "tp", "tpd"})
"""OP_FLAGS_DISCRETE: OP_FLAG_SELF | OP_FLAG_TRUSTED_PROXIED | OP_FLAG_TRUSTED_PROXY."""

RETENTION_MS = 7 * DAY_MS
QUANTUM_MS = MINUTE_MS


@dataclass(frozen=True)
class HistoryEntry:
    """One ``Access`` line of the discrete history, as the device prints it."""

    uid: int
    package: str
    op: str
    tag: str | None
    uid_state: str
    flags: str
    t_ms: int
    """Quantised (rounded down to the minute)."""
    duration_ms: int | None
    """Quantised (rounded up to the minute); ``None`` for the line a start writes."""
    attribution: tuple[int, int] | None
    """(attribution flags, chain id), when the access was made along an attribution chain."""


def _entries(world: World, app: App, user: int, op: Op) -> list[HistoryEntry]:
    start = world.now_ms - RETENTION_MS
    events: list[Event] = [e for e in op.events if e.kind == "Access"] + op.history_only
    found: list[HistoryEntry] = []
    for ev in events:
        if ev.flags not in DISCRETE_FLAGS or ev.t_ms < start:
            continue
        t = ev.t_ms // QUANTUM_MS * QUANTUM_MS
        base = HistoryEntry(world.uid(app, user), app.package, op.name, ev.tag, ev.uid_state, ev.flags, t, None, None)
        lines = [base]
        running = op.running_since_ms == ev.t_ms
        if ev.duration_ms is not None and not running:
            quantised = -(-ev.duration_ms // QUANTUM_MS) * QUANTUM_MS
            lines.append(
                HistoryEntry(base.uid, base.package, base.op, base.tag, base.uid_state, base.flags, t, quantised, None)
            )
        if ev.attribution is not None:
            # A chain's attribution is known when the access starts: every line of it carries one.
            lines = [
                HistoryEntry(x.uid, x.package, x.op, x.tag, x.uid_state, x.flags, x.t_ms, x.duration_ms, ev.attribution)
                for x in lines
            ]
        found += lines
    return found


def discrete_history(world: World) -> list[HistoryEntry]:
    """Every line of the history, in the order the registry prints them.

    Uids ascending, then packages, ops by op code and attribution tags (``null`` first) in the
    registry's maps; each tag's events by time, a start before its finish.
    """
    found: list[HistoryEntry] = []
    for app in world.apps:
        for user in USERS:
            state = app.users[user]
            if not state.installed:
                continue
            for name in DISCRETE_OPS:
                op = state.ops.get(name)
                if op is not None:
                    found += _entries(world, app, user, op)
    found.sort(key=print_order)
    return found


def print_order(e: HistoryEntry) -> tuple[int, str, int, bool, str, int, bool, int, str]:
    """Where an entry is printed: uid, package, op code, tag (``null`` first), time, start before finish."""
    return (
        e.uid,
        e.package,
        cat.OP_CODES.get(e.op, 1 << 20),
        e.tag is not None,
        e.tag or "",
        e.t_ms,
        e.duration_ms is not None,
        cat.UID_STATE_ORDER.get(e.uid_state, 0),
        e.flags,
    )
