"""``dumpsys appops --history --include-discrete 0`` of the synthetic device (Android 14).

``AppOpsService.dump`` with ``--history`` prints its header, the active watchers, then
``HistoricalRegistry.dump`` (the aggregated, log-compressed history: a snapshot of counts per uid,
package, op and uid state) and finally ``Discrete accesses: `` followed by ``DiscreteRegistry.dump``:
``Largest chain id:``, then ``Uid:`` / ``Package:`` / op / ``Attribution:`` / ``Access`` lines, two
spaces deeper per level. The quirks are reproduced because parsers meet them: the trailing space after
``Discrete accesses:`` and after ``milliseconds``, and the two spaces that makes before ``attribution
flags=``.
"""

from __future__ import annotations

from collections import Counter

from auditor.acquire.synthetic.clock import format_duration, local_time
from auditor.acquire.synthetic.history import HistoryEntry, discrete_history
from auditor.acquire.synthetic.render.appops import format_uid
from auditor.acquire.synthetic.render.device import text
from auditor.acquire.synthetic.world import DAY_MS, World

_AGGREGATE_MS = DAY_MS
"""The aggregated snapshot printed before the discrete history covers the last day."""


def _aggregated(world: World, entries: list[HistoryEntry]) -> list[str]:
    """``HistoricalRegistry.dump``: one snapshot of access counts (read past by the parser)."""
    begin = world.now_ms - _AGGREGATE_MS
    counts = Counter(
        (e.uid, e.package, e.op, e.uid_state) for e in entries if e.t_ms >= begin and e.duration_ms is None
    )
    lines = [
        "",
        "  History:  mode=HISTORICAL_MODE_ENABLED_ACTIVE",
        "",
        "    snapshot:",
        f"      begin = {local_time(begin, millis=True)}  ({format_duration(-_AGGREGATE_MS)})",
        f"      end = {local_time(world.now_ms, millis=True)}  (0)",
    ]
    last: tuple[int, str, str] | None = None
    for (uid, package, op, state), n in sorted(counts.items()):
        if last is None or last[:2] != (uid, package):
            lines += ["", f"      Uid {format_uid(uid)}:", f"        Package {package}:"]
        if last != (uid, package, op):
            lines.append(f"          {op}:")
        lines.append(f"            {state} = access={n}")
        last = (uid, package, op)
    return lines


def _access(entry: HistoryEntry) -> str:
    line = f"          Access [{entry.uid_state}-{entry.flags}] at {local_time(entry.t_ms, millis=True)}"
    if entry.duration_ms is not None:
        line += f" for {entry.duration_ms} milliseconds "
    if entry.attribution is not None:
        flags, chain = entry.attribution
        line += f" attribution flags={flags} with chainId={chain}"
    return line


def history_lines(entries: list[HistoryEntry], largest_chain_id: int) -> list[str]:
    """``DiscreteRegistry.dump`` after its ``Discrete accesses:`` header, for entries in print order."""
    lines = [f"  Largest chain id: {largest_chain_id}"]
    uid: int | None = None
    package: str | None = None
    op: str | None = None
    tag: str | None = None
    for e in entries:
        if e.uid != uid:
            uid, package, op = e.uid, None, None
            lines.append(f"  Uid: {e.uid}")
        if e.package != package:
            package, op = e.package, None
            lines.append(f"    Package: {e.package}")
        if e.op != op:
            op, tag = e.op, "\0"
            lines.append(f"      {e.op}")
        if e.tag != tag:
            tag = e.tag
            lines.append(f"        Attribution: {e.tag if e.tag is not None else 'null'}")
        lines.append(_access(e))
    return lines


def appops_discrete(world: World) -> str:
    """What the plan's discrete-history command prints on this Android 14 device."""
    entries = discrete_history(world)
    lines = [
        "Current AppOps Service state:",
        "",
        "  All op active watchers:",
        "    3db4f65 ->",
        "        [COARSE_LOCATION, FINE_LOCATION, CAMERA, RECORD_AUDIO]",
        "        ActiveCallback{93ffffd watchinguid=-1 from uid=1000 pid=2211}",
        "",
        *_aggregated(world, entries),
        "Discrete accesses: ",
        *history_lines(entries, world.largest_chain_id),
    ]
    return text(lines)
