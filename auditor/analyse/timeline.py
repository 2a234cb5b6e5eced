"""The access timeline: both app-op records read into one list of events per app, totalled and indexed.

Two records, one model (``auditor.model.timeline``):

* ``dumpsys appops`` keeps, per app and op, the newest access and rejection for each uid state, op
  flags and attribution tag, with the exact time, its age and the duration; a proxied access names its
  proxy (``proxy[uid=…, pkg=…, attributionTag=…]``).
* The discrete history (Android 12+) keeps every access to the discrete ops for its retention (7 days by
  default), quantised (time down, duration up, one minute by default), with attribution chains.

The merge rule. The regular dump's access of a key (op, attribution tag, uid state, flags) is the same
access as a history event of that key whose time lies in the quantum before it (``0 ≤ regular − history
< 1 min``: Android 12–15 round the history's time down, Android 16 prints it as recorded) and whose
duration fits (equal, the regular one rounded up to the minute, or either unknown). One event results
(``source: both``), with the regular dump's exact time and duration and the history's chain. Within the
history, an access that was started and then finished is printed twice at the same time, once without a
duration: the line without is dropped when one with a duration exists (a running op keeps its one line).

Every event is attached to the app whose uid and package it names; an event whose uid does not own its
package (an uninstalled app, or a line forged by a hostile attribution tag) is left out and counted in a
note. Permission rows take their last access and last background access from all events, so a
background access only the history holds makes the row "used in the background".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Final, assert_never

from auditor.analyse.build import uid_state_access
from auditor.analyse.clock import DeviceClock, format_local, local_ms, zone_of
from auditor.analyse.sessions import QUANTUM_MS, WINDOW_MS, usage_totals
from auditor.model import (
    AccessEvent,
    AccessState,
    AppReport,
    DataCategory,
    DeviceInfo,
    DiscreteAccess,
    EventRef,
    EventSource,
    HistoryCoverage,
    HistoryStatus,
    Note,
    NoteLevel,
    OpEvent,
    OpEventKind,
    ParsedAppOps,
    ParsedDiscreteHistory,
    PermissionReport,
    ProxyRole,
    SourceInfo,
    TimeBasis,
    Timeline,
    UidState,
)

SECTION: Final = "timeline"
"""The ``Note.section`` of the notes this stage adds."""
FIRST_SDK: Final = 31
"""Android 12, the first to keep a discrete access history."""


OP_CATEGORIES: Final[dict[str, DataCategory]] = {
    # The Privacy Dashboard's three, and every discrete op of Android 12–16 (DiscreteRegistry and
    # DiscreteOpsRegistry DEFAULT_DISCRETE_OPS), so every history event has a category.
    "CAMERA": DataCategory.CAMERA,
    "PHONE_CALL_CAMERA": DataCategory.CAMERA,
    "RECORD_AUDIO": DataCategory.MICROPHONE,
    "PHONE_CALL_MICROPHONE": DataCategory.MICROPHONE,
    "RECORD_AUDIO_HOTWORD": DataCategory.MICROPHONE,
    "RECEIVE_AMBIENT_TRIGGER_AUDIO": DataCategory.MICROPHONE,
    "RECEIVE_SANDBOX_TRIGGER_AUDIO": DataCategory.MICROPHONE,
    "FINE_LOCATION": DataCategory.LOCATION,
    "COARSE_LOCATION": DataCategory.LOCATION,
    "EMERGENCY_LOCATION": DataCategory.LOCATION,
    "MONITOR_LOCATION": DataCategory.LOCATION,
    "MONITOR_HIGH_POWER_LOCATION": DataCategory.LOCATION,
    "GPS": DataCategory.LOCATION,
    "READ_HEART_RATE": DataCategory.HEALTH,
    "READ_OXYGEN_SATURATION": DataCategory.HEALTH,
    "READ_SKIN_TEMPERATURE": DataCategory.HEALTH,
    "BODY_SENSORS": DataCategory.HEALTH,
    "ACTIVITY_RECOGNITION": DataCategory.HEALTH,
}
"""The data category an op's use reveals, for the timeline's lanes and totals; other ops are shown by name."""

# AppOpsManager ATTRIBUTION_FLAG_*: an attribution chain runs from its accessor (the app that touched the
# hardware) through intermediaries to its receiver (the app the data was for); only trusted chains
# (the system vouched for them) are assembled into proxy information, as DiscreteRegistry does.
_ACCESSOR, _INTERMEDIARY, _RECEIVER, _TRUSTED = 1, 2, 4, 8
_PROXIED_FLAGS: Final = frozenset({"tpd", "upd"})
_PROXY_FLAGS: Final = frozenset({"tp", "up"})
_PROXY_FIELDS: Final = re.compile(r"(uid|pkg|attributionTag)=([^,]*)")


@dataclass(frozen=True)
class TimelineResult:
    """What the stage adds to the report: apps with events and totals, the timeline, and notes."""

    apps: tuple[AppReport, ...]
    timeline: Timeline
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class _Proxy:
    role: ProxyRole | None
    package: str | None = None
    uid: int | None = None
    tag: str | None = None


_NO_PROXY: Final = _Proxy(None)


@dataclass
class _Placed:
    """An event being built, with its position on the device's local time axis (``None``: unknown)."""

    event: AccessEvent
    at: int | None


# --------------------------------------------------------------------------------------------------
# Proxies
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _role(flags: tuple[str, ...]) -> ProxyRole | None:
    """The role the op flags give (flag tuples repeat, so each is judged once)."""
    names = set(flags)
    if names & _PROXIED_FLAGS:
        return ProxyRole.THROUGH
    if names & _PROXY_FLAGS:
        return ProxyRole.ON_BEHALF_OF
    return None


def _proxy_text(text: str | None, flags: tuple[str, ...]) -> _Proxy:
    """``uid=1000, pkg=android, attributionTag=null`` (Android 10: ``uid=0, pkg=null``): whom the access went
    through. The regular dump prints it on the proxied app's event."""
    role = _role(flags)
    if not text:
        return _Proxy(role) if role else _NO_PROXY
    found = dict(_PROXY_FIELDS.findall(text))
    uid = found.get("uid", "")
    package = found.get("pkg") or None
    tag = found.get("attributionTag") or None
    return _Proxy(
        role or ProxyRole.THROUGH,
        None if package == "null" else package,
        int(uid) if uid.isascii() and uid.isdigit() and len(uid) <= 12 else None,
        None if tag == "null" else tag,
    )


@dataclass(frozen=True)
class _Member:
    package: str
    uid: int
    tag: str | None
    flags: int


@dataclass(frozen=True)
class _Chain:
    """The two ends of a trusted attribution chain, as far as the history names them."""

    accessor: _Member | None
    receiver: _Member | None


def _chains(events: Iterable[DiscreteAccess]) -> dict[int, _Chain]:
    members: dict[int, dict[_Member, None]] = {}
    for e in events:
        if e.chain_id is not None and e.attribution_flags & _TRUSTED:
            members.setdefault(e.chain_id, {})[_Member(e.package, e.uid, e.attribution_tag, e.attribution_flags)] = None
    return {
        chain: _Chain(
            next((m for m in found if m.flags & _ACCESSOR), None),
            next((m for m in found if m.flags & _RECEIVER), None),
        )
        for chain, found in members.items()
    }


def _chain_proxy(e: DiscreteAccess, chains: dict[int, _Chain]) -> _Proxy:
    """The other end of the event's attribution chain: for the receiver, the accessor it went through; for
    an accessor or intermediary, the receiver it was for."""
    role = _role(e.flags)
    chain = chains.get(e.chain_id) if e.chain_id is not None and e.attribution_flags & _TRUSTED else None
    if chain is None:
        return _Proxy(role) if role else _NO_PROXY
    if e.attribution_flags & _RECEIVER:
        role, other = ProxyRole.THROUGH, chain.accessor
    elif e.attribution_flags & (_ACCESSOR | _INTERMEDIARY):
        role, other = ProxyRole.ON_BEHALF_OF, chain.receiver
    else:
        return _Proxy(role) if role else _NO_PROXY
    if other is None or (other.uid, other.package) == (e.uid, e.package):
        return _Proxy(role)
    return _Proxy(role, other.package, other.uid, other.tag)


# --------------------------------------------------------------------------------------------------
# Events of one app
# --------------------------------------------------------------------------------------------------


_STATES: Final = {state: uid_state_access(state) for state in UidState}
"""Foreground or background per uid state, looked up instead of judged for each of many events."""


def _state(event: OpEvent | DiscreteAccess) -> AccessState:
    return _STATES[event.uid_state]


_HISTORY: Final = EventSource.HISTORY
_LAST_ACCESS: Final = EventSource.LAST_ACCESS
_ACCESS: Final = OpEventKind.ACCESS
# Module constants: reading an enum member through its class costs a descriptor call, and the history
# path runs once per event.


class _Builder:
    """Makes ``AccessEvent`` values for one device: its clock, the capture's local time and the chains."""

    def __init__(self, clock: DeviceClock | None, end: int | None, ages: bool, chains: dict[int, _Chain]):
        self.clock = clock
        self.end = end
        self.ages = ages
        """Whether ``end`` is the capture itself (ages can be worked out from it)."""
        self.chains = chains
        self.utc_cache: dict[int, str] = {}

    def utc(self, at: int | None) -> str | None:
        if at is None or self.clock is None:
            return None
        found = self.utc_cache.get(at)
        if found is None:
            found = self.utc_cache[at] = self.clock.utc(at)
        return found

    def regular(self, op: str, ev: OpEvent) -> _Placed:
        at = local_ms(ev.time)
        if at is None and ev.ago_ms is not None and self.end is not None and self.ages:
            at = self.end - ev.ago_ms
        proxy = _proxy_text(ev.proxy, ev.flags)
        event = AccessEvent(
            op=op,
            category=OP_CATEGORIES.get(op),
            kind=ev.kind,
            time=ev.time,
            time_utc=self.utc(at),
            ago_ms=ev.ago_ms,
            duration_ms=ev.duration_ms,
            uid_state=ev.uid_state_raw,
            state=_state(ev),
            flags=ev.flags,
            attribution_tag=ev.attribution_tag,
            proxy_role=proxy.role,
            proxy_package=proxy.package,
            proxy_uid=proxy.uid,
            proxy_attribution_tag=proxy.tag,
            chain_id=None,
            device_id=None,
            source=_LAST_ACCESS,
        )
        return _Placed(event, at)

    def history(self, e: DiscreteAccess) -> _Placed:
        at = local_ms(e.time)
        proxy = _chain_proxy(e, self.chains)
        event = AccessEvent(
            op=e.op,
            category=OP_CATEGORIES.get(e.op),
            kind=_ACCESS,
            time=e.time,
            time_utc=self.utc(at),
            ago_ms=self.end - at if at is not None and self.end is not None and self.ages else None,
            duration_ms=e.duration_ms,
            uid_state=e.uid_state_raw,
            state=_state(e),
            flags=e.flags,
            attribution_tag=e.attribution_tag,
            proxy_role=proxy.role,
            proxy_package=proxy.package,
            proxy_uid=proxy.uid,
            proxy_attribution_tag=proxy.tag,
            chain_id=e.chain_id,
            device_id=e.device,
            source=_HISTORY,
        )
        return _Placed(event, at)


def _without_start_lines(history: list[DiscreteAccess]) -> list[DiscreteAccess]:
    """Drop the line a started access writes when its finished line (same key and time, a duration) is there."""
    finished = {
        (e.op, e.attribution_tag, e.uid_state_raw, e.flags, e.time, e.device, e.attribution_flags, e.chain_id)
        for e in history
        if e.duration_ms is not None
    }
    kept: list[DiscreteAccess] = []
    seen: set[DiscreteAccess] = set()
    for e in history:
        key = (e.op, e.attribution_tag, e.uid_state_raw, e.flags, e.time, e.device, e.attribution_flags, e.chain_id)
        if (e.duration_ms is None and key in finished) or e in seen:
            continue
        seen.add(e)
        kept.append(e)
    return kept


def _fits(regular: int | None, history: int | None) -> bool:
    if regular is None or history is None:
        return True
    return history in (regular, -(-regular // QUANTUM_MS) * QUANTUM_MS)


def _merge(regular: _Placed, history: _Placed) -> _Placed:
    r, h = regular.event, history.event
    proxy_from_history = r.proxy_package is None and h.proxy_package is not None
    source = h if proxy_from_history else r
    merged = replace(
        r,
        duration_ms=r.duration_ms if r.duration_ms is not None else h.duration_ms,
        time_utc=r.time_utc or h.time_utc,
        proxy_role=source.proxy_role or r.proxy_role or h.proxy_role,
        proxy_package=source.proxy_package,
        proxy_uid=source.proxy_uid,
        proxy_attribution_tag=source.proxy_attribution_tag,
        chain_id=h.chain_id,
        device_id=h.device_id,
        source=EventSource.BOTH,
    )
    return _Placed(merged, regular.at)


def _app_events(builder: _Builder, regular: list[tuple[str, OpEvent]], history: list[DiscreteAccess]) -> list[_Placed]:
    """One app's events from both records, duplicates merged."""
    waiting: dict[tuple[str, str | None, str, tuple[str, ...]], list[_Placed]] = {}
    for e in _without_start_lines(history):
        placed = builder.history(e)
        waiting.setdefault((e.op, e.attribution_tag, e.uid_state_raw, e.flags), []).append(placed)
    found: list[_Placed] = []
    for op, ev in regular:
        placed = builder.regular(op, ev)
        if ev.kind is _ACCESS and placed.at is not None:
            candidates = waiting.get((op, ev.attribution_tag, ev.uid_state_raw, ev.flags), [])
            for i, other in enumerate(candidates):
                if (
                    other.at is not None
                    and 0 <= placed.at - other.at < QUANTUM_MS
                    and _fits(ev.duration_ms, other.event.duration_ms)
                ):
                    placed = _merge(placed, candidates.pop(i))
                    break
        found.append(placed)
    for rest in waiting.values():
        found += rest
    return found


def _newest_first(placed: Iterable[_Placed]) -> list[_Placed]:
    """By position, newest first; events with no position last, in their order."""
    timed = sorted((p for p in placed if p.at is not None), key=lambda p: p.at or 0, reverse=True)
    return timed + [p for p in placed if p.at is None]


# --------------------------------------------------------------------------------------------------
# Permission rows
# --------------------------------------------------------------------------------------------------


def _rows(permissions: tuple[PermissionReport, ...], placed: Sequence[_Placed]) -> tuple[PermissionReport, ...]:
    """Rows take their last access and last background access from all their op's events.

    The regular dump's own newest accesses are already there (``build_permissions``); what changes a row
    is an access only the history holds, newer than what the row has (a background one, usually).
    """
    by_op: dict[str, list[_Placed]] = {}
    for p in placed:
        if p.event.kind is _ACCESS and p.at is not None and p.event.time is not None:
            by_op.setdefault(p.event.op, []).append(p)
    if not by_op:
        return permissions
    out: list[PermissionReport] = []
    for row in permissions:
        accesses = by_op.get(row.appop or "", [])
        if not accesses:
            out.append(row)
            continue
        newest = max(accesses, key=lambda p: p.at or 0)
        background = [p for p in accesses if p.event.state is AccessState.BACKGROUND]
        newest_bg = max(background, key=lambda p: p.at or 0, default=None)
        if (local_ms(row.last_access) or -1) < (newest.at or 0):
            row = replace(
                row,
                last_access=newest.event.time,
                last_access_ago_ms=newest.event.ago_ms,
                last_access_state=newest.event.state,
            )
        if newest_bg is not None and (local_ms(row.last_background_access) or -1) < (newest_bg.at or 0):
            row = replace(row, last_background_access=newest_bg.event.time)
        out.append(row)
    return tuple(out)


# --------------------------------------------------------------------------------------------------
# The device
# --------------------------------------------------------------------------------------------------


def _coverage(history: ParsedDiscreteHistory | None) -> HistoryCoverage:
    if history is None:
        return HistoryCoverage.NOT_IN_SOURCE
    match history.status:
        case HistoryStatus.READ:
            return HistoryCoverage.READ
        case HistoryStatus.NOT_SUPPORTED:
            return HistoryCoverage.NOT_KEPT
        case HistoryStatus.ABSENT:
            return HistoryCoverage.UNREADABLE
        case _:
            assert_never(history.status)


def _end(
    clock: DeviceClock | None, device_time: str | None, regular: Iterable[OpEvent], newest: int | None
) -> tuple[int | None, TimeBasis]:
    """The capture in device-local time, and how it is known."""
    if clock is not None and device_time:
        try:
            return clock.local_of(datetime.fromisoformat(device_time.replace("Z", "+00:00"))), TimeBasis.DEVICE_CLOCK
        except ValueError:
            pass
    for ev in regular:
        at = local_ms(ev.time)
        if at is not None and ev.ago_ms is not None:
            return at + ev.ago_ms, TimeBasis.EVENT_AGE
    if newest is not None:
        return newest, TimeBasis.NEWEST_EVENT
    return None, TimeBasis.NONE


def attach_timeline(
    apps: Sequence[AppReport],
    appops: ParsedAppOps | None,
    history: ParsedDiscreteHistory | None,
    device: DeviceInfo,
    source: SourceInfo,
) -> TimelineResult:
    """Every app's events, newest first, with its usage totals and updated permission rows; the timeline."""
    notes: list[Note] = []
    coverage = _coverage(history)
    if coverage is HistoryCoverage.NOT_IN_SOURCE and device.sdk is not None and device.sdk < FIRST_SDK:
        coverage = HistoryCoverage.NOT_KEPT  # whatever the source, this Android version keeps none
    zone = zone_of(device.timezone)
    clock = DeviceClock(zone) if zone is not None else None
    regular: dict[tuple[int, str], list[tuple[str, OpEvent]]] = {}
    for uid in appops.uids if appops is not None else ():
        for pkg in uid.packages:
            regular[(uid.uid, pkg.package)] = [(entry.op, ev) for entry in pkg.ops for ev in entry.events]
    discrete: dict[tuple[int, str], list[DiscreteAccess]] = {}
    history_events = history.events if history is not None else ()
    for e in history_events:
        discrete.setdefault((e.uid, e.package), []).append(e)

    every_regular = (ev for events in regular.values() for _, ev in events)
    newest = max((at for e in history_events if (at := local_ms(e.time)) is not None), default=None)
    end, basis = _end(clock, source.device_time, every_regular, newest)
    builder = _Builder(clock, end, basis in (TimeBasis.DEVICE_CLOCK, TimeBasis.EVENT_AGE), _chains(history_events))

    placed_by_app: list[list[_Placed]] = []
    owned: set[tuple[int, str]] = set()
    for app in apps:
        key = (app.uid, app.package) if app.uid is not None else None
        if key is not None:
            owned.add(key)
        events = _app_events(builder, regular.get(key, []), discrete.get(key, [])) if key else []
        placed_by_app.append(_newest_first(events))

    foreign = sum(len(v) for k, v in discrete.items() if k not in owned)
    if foreign:
        notes.append(
            Note(
                SECTION,
                NoteLevel.INFO,
                f"{foreign} discrete-history events name a uid and package of no listed app (uninstalled since, or "
                "not what they claim): left out of the timeline",
            )
        )
    notes += _coverage_notes(coverage, device, zone is not None or not any(placed_by_app))

    new_apps: list[AppReport] = []
    refs: list[tuple[int, EventRef]] = []
    no_time = -(1 << 62)
    for app, placed in zip(apps, placed_by_app, strict=True):
        if not placed:
            new_apps.append(app)
            continue
        new_apps.append(
            replace(
                app,
                permissions=_rows(app.permissions, placed),
                events=tuple(p.event for p in placed),
                usage=usage_totals((p.event for p in placed), end, ages=builder.ages),
            )
        )
        refs += [
            (p.at if p.at is not None else no_time, EventRef(app.user, app.package, i)) for i, p in enumerate(placed)
        ]
    refs.sort(key=lambda r: r[0], reverse=True)
    timeline = Timeline(
        history=coverage,
        start=format_local(end - WINDOW_MS) if end is not None else None,
        end=format_local(end) if end is not None else None,
        end_utc=builder.utc(end),
        basis=basis,
        time_zone=device.timezone if zone is not None else None,
        events=tuple(r for _, r in refs),
    )
    return TimelineResult(tuple(new_apps), timeline, tuple(notes))


def _coverage_notes(coverage: HistoryCoverage, device: DeviceInfo, utc: bool) -> list[Note]:
    notes: list[Note] = []
    match coverage:
        case HistoryCoverage.READ | HistoryCoverage.NOT_IN_SOURCE:
            pass  # read; or the analysis already says the section is not in this source
        case HistoryCoverage.NOT_KEPT:
            notes.append(
                Note(
                    SECTION,
                    NoteLevel.INFO,
                    "Android 11 and older keep no discrete access history: the timeline holds the newest access "
                    "per uid state and flags that dumpsys appops keeps",
                )
            )
        case HistoryCoverage.UNREADABLE:
            notes.append(
                Note(
                    SECTION,
                    NoteLevel.PARTIAL,
                    "the device printed no discrete access history: the timeline holds the newest access per uid "
                    "state and flags that dumpsys appops keeps",
                )
            )
        case _:
            assert_never(coverage)
    if not utc:
        why = (
            f"the device's time zone {device.timezone!r} is not in this computer's time zone database"
            if device.timezone
            else "the device's time zone is unknown"
        )
        notes.append(Note(SECTION, NoteLevel.INFO, f"{why}: event times are device-local only, without UTC"))
    return notes
