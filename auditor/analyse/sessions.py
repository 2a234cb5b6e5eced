"""Sessions of use: an app's accesses to one category in one state, overlapping ones joined.

Why sessions and not accesses: Android notes fine and coarse location together, the discrete history
writes a started access twice (when it starts and when it finishes), and a recording may be noted
again while it runs. Counting those as separate uses would inflate every total. So accesses that
overlap in time, or start in the same minute (the history's quantum), are one session, whose length
is the union of their durations. The analysis totals sessions into ``UsageTotals``; the reports draw
and list the same sessions, so a total and its drawing always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from auditor.analyse.clock import format_local, local_ms
from auditor.model import AccessEvent, AccessState, DataCategory, OpEventKind, UsageTotals

QUANTUM_MS: Final = 60_000
"""The discrete history's default quantisation (``discrete_history_quantization_millis``)."""
WINDOW_MS: Final = 7 * 86_400_000
"""The discrete history's default retention (``discrete_history_cutoff_millis``): the window totals cover."""
DAY_MS: Final = 86_400_000


def position(event: AccessEvent, end: int | None) -> int | None:
    """Where an event sits on the device's local time axis: its printed time, else the capture minus its age."""
    at = local_ms(event.time)
    if at is None and event.ago_ms is not None and end is not None:
        return end - event.ago_ms
    return at


@dataclass(frozen=True, slots=True)
class Session:
    """One session: local start and end (ms), whether any access in it had a duration, and its first event."""

    start: int
    stop: int
    known: bool
    first: AccessEvent

    @property
    def length(self) -> int | None:
        return self.stop - self.start if self.known else None

    @property
    def time(self) -> str:
        """The device-local start as printed (the first event's time), else worked out."""
        return self.first.time or format_local(self.start)


@dataclass(slots=True)
class _Growing:
    """A session while accesses are still joining it (mutable, so joining costs no new object)."""

    start: int
    stop: int
    known: bool
    first: AccessEvent


def sessions(placed: Iterable[tuple[int, AccessEvent]]) -> list[Session]:
    """Join (position, event) pairs of one group into sessions, oldest first."""
    growing: list[_Growing] = []
    for at, event in sorted(placed, key=lambda p: p[0]):
        duration = event.duration_ms
        stop = at + (duration or 0)
        if growing:
            last = growing[-1]
            if at <= last.stop or at - last.start < QUANTUM_MS:
                last.stop = max(last.stop, stop)
                last.known = last.known or duration is not None
                continue
        growing.append(_Growing(at, stop, duration is not None, event))
    return [Session(g.start, g.stop, g.known, g.first) for g in growing]


def group_key(event: AccessEvent) -> str:
    """The category an event is totalled and drawn under: its data category, else ``op:<OP>``."""
    return event.category.value if event.category is not None else "op:" + event.op


def _totals(events: Sequence[AccessEvent], found: list[Session], end: int) -> UsageTotals:
    timed = [s for s in found if s.known]
    longest = max(timed, key=lambda s: (s.stop - s.start, s.start), default=None)
    newest = found[-1]
    recent = [s for s in found if s.start > end - DAY_MS]
    return UsageTotals(
        category=events[0].category,
        ops=tuple(sorted({e.op for e in events})),
        state=events[0].state,
        sessions=len(found),
        total_ms=sum(s.stop - s.start for s in timed),
        unknown_duration=len(found) - len(timed),
        longest_ms=longest.stop - longest.start if longest else None,
        longest_at=longest.time if longest else None,
        newest_at=newest.time,
        newest_ms=newest.length,
        sessions_24h=len(recent),
        total_ms_24h=sum(s.stop - s.start for s in recent if s.known),
    )


def in_window(
    events: Iterable[AccessEvent], end: int, *, ages: bool = True
) -> dict[tuple[str, AccessState], list[tuple[int, AccessEvent]]]:
    """Accesses inside the window ending at ``end``, by (group, state), with their positions.

    ``ages``: whether ``end`` is the capture, so that an event known only by its age can be placed.
    """
    groups: dict[tuple[str, AccessState], list[tuple[int, AccessEvent]]] = {}
    access = OpEventKind.ACCESS  # once: reading an enum member through its class costs a call
    for e in events:
        if e.kind is not access:
            continue
        at = position(e, end if ages else None)
        if at is not None and end - WINDOW_MS < at <= end:
            groups.setdefault((group_key(e), e.state), []).append((at, e))
    return groups


def usage_totals(events: Iterable[AccessEvent], end: int | None, *, ages: bool = True) -> tuple[UsageTotals, ...]:
    """Per data category (or op of none) and state, the sessions inside the window ending at ``end``.

    Ordered as ``DataCategory`` lists the categories, then ops by name; foreground before background.
    """
    if end is None:
        return ()
    groups = in_window(events, end, ages=ages)
    order = {c.value: i for i, c in enumerate(DataCategory)}
    states = list(AccessState)
    keys = sorted(groups, key=lambda k: (order.get(k[0], len(order)), k[0], states.index(k[1])))
    return tuple(_totals([e for _, e in groups[k]], sessions(groups[k]), end) for k in keys)
