"""The access timeline as people read it: charts to scale, totals in words, and per-app event lists.

Everything here reads the ``AuditReport`` (``AppReport.events``, ``usage`` and ``AuditReport.timeline``)
and nothing else, and needs no template: the HTML page draws the charts, the terminal and Markdown
summaries print the background sessions of the last 24 hours, all from the same sessions the analysis
totals (``auditor.analyse.sessions``), so a drawn bar and a total always agree.

Charts. One per window (the last 24 hours and the 7 days of the history), each with a group per data
category (camera, microphone, location, then every other recorded op) and a lane per app. A bar is a
session: its x is its start, its width its length to scale (at least two units, so a short access stays
visible), filled when the app was in the background. Sessions closer than a unit are drawn as one bar
(its title says how many), so a week of minute-by-minute location reads stay a few hundred shapes.
Strings from the device (app names, attribution tags, proxy packages) go into the view as they are; the
page escapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, assert_never

from auditor.analyse.clock import format_local, local_ms
from auditor.analyse.sessions import DAY_MS, WINDOW_MS, Session, in_window, sessions
from auditor.model import (
    AccessEvent,
    AccessState,
    AppReport,
    AuditReport,
    DataCategory,
    EventSource,
    HistoryCoverage,
    OpEventKind,
    ProxyRole,
    TimeBasis,
    UsageTotals,
)
from auditor.report import words
from auditor.report.digest import app_name
from auditor.score.evidence import duration_words

WIDTH: Final = 1000
LEFT: Final = 230
"""Room for the lane labels (app names)."""
LANE: Final = 16
GROUP_GAP: Final = 22
TOP: Final = 24
MAX_LANES: Final = 12
"""Lanes per group and chart; the usage table below the chart lists every app."""
MAX_EVENT_ROWS: Final = 100
"""Events listed in an app's detail panel; the JSON and the timeline CSV hold all of them."""
CHART_GROUPS: Final = (DataCategory.CAMERA, DataCategory.MICROPHONE, DataCategory.LOCATION)
OTHER: Final = "Other recorded ops"


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    background: bool
    text: str


@dataclass(frozen=True, slots=True)
class ChartLane:
    app: AppReport
    label: str
    y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class ChartGroup:
    title: str
    y: float
    lanes: tuple[ChartLane, ...]
    more: int
    """Apps of the group left out of the chart (they are in the usage table)."""


@dataclass(frozen=True, slots=True)
class AxisTick:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    width: int
    height: int
    left: int
    ticks: tuple[AxisTick, ...]
    groups: tuple[ChartGroup, ...]


@dataclass(frozen=True, slots=True)
class UsageLine:
    app: AppReport
    totals: UsageTotals
    sentence: str
    op: str | None
    """The op, for a line of the other recorded ops (no data category)."""


@dataclass(frozen=True, slots=True)
class EventRow:
    time: str
    op: str
    kind: str
    state: str
    background: bool
    duration: str
    tag: str | None
    other: str | None
    record: str


@dataclass(frozen=True, slots=True)
class EventList:
    rows: tuple[EventRow, ...]
    more: int


@dataclass(frozen=True, slots=True)
class BackgroundSession:
    """One background session of the last 24 hours, for the summaries."""

    app: AppReport
    group: str
    start: str
    length: int | None


@dataclass(frozen=True, slots=True)
class TimelineView:
    end: str | None
    basis: str
    coverage: str
    charts: tuple[Chart, ...]
    usage: tuple[tuple[str, tuple[UsageLine, ...]], ...]
    """Usage lines per group title (camera, microphone, location, then each other op)."""
    lists: Mapping[int, EventList]
    """The event list of each app, by ``id(app)``."""
    sentences: Mapping[int, tuple[str, ...]]
    """The usage sentences of each app, by ``id(app)``."""
    background: tuple[UsageLine, ...]
    """Background use of the data categories, most first: what the section leads with."""

    def events_of(self, app: AppReport) -> EventList:
        return self.lists.get(id(app), EventList((), 0))

    def usage_of(self, app: AppReport) -> tuple[str, ...]:
        return self.sentences.get(id(app), ())


# --------------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------------


def group_title(category: DataCategory | None, ops: Sequence[str]) -> str:
    return words.category_label(category) if category is not None else (ops[0] if ops else "?")


def coverage_words(coverage: HistoryCoverage) -> str:
    match coverage:
        case HistoryCoverage.READ:
            return "the discrete access history (every access of the last 7 days) and the newest accesses Android keeps"
        case HistoryCoverage.NOT_KEPT:
            return "the newest accesses Android keeps (this Android version keeps no discrete access history)"
        case HistoryCoverage.NOT_IN_SOURCE:
            return "the newest accesses Android keeps (this source has no discrete access history)"
        case HistoryCoverage.UNREADABLE:
            return "the newest accesses Android keeps (the device printed no discrete access history)"
        case _:
            assert_never(coverage)


def basis_words(basis: TimeBasis) -> str:
    match basis:
        case TimeBasis.DEVICE_CLOCK:
            return "the device's clock at capture"
        case TimeBasis.EVENT_AGE:
            return "the ages Android printed with its events"
        case TimeBasis.NEWEST_EVENT:
            return "the newest event (the capture time is unknown)"
        case TimeBasis.NONE:
            return "no event"
        case _:
            assert_never(basis)


def state_words(state: AccessState) -> str:
    match state:
        case AccessState.BACKGROUND:
            return "in the background"
        case AccessState.FOREGROUND:
            return "app open"
        case AccessState.UNKNOWN:
            return "state unknown"
        case _:
            assert_never(state)


def usage_sentence(totals: UsageTotals, title: str) -> str:
    """``Microphone in the background: 2 h 5 min in 7 days, 6 sessions, the longest 52 min at 01:40 (2024-06-03)``."""
    head = f"{title} {state_words(totals.state)}"
    parts: list[str] = []
    if totals.total_ms:
        parts.append(f"{duration_words(totals.total_ms)} in 7 days")
    count = f"{totals.sessions} session{'s' if totals.sessions != 1 else ''}"
    if totals.unknown_duration:
        count += f" ({totals.unknown_duration} without a recorded duration)"
    parts.append(count if parts else count + " in 7 days")
    if totals.longest_ms and totals.sessions > 1 and totals.longest_at:
        at = totals.longest_at
        parts.append(f"the longest {duration_words(totals.longest_ms)} at {at[11:16]} ({at[:10]})")
    elif totals.newest_at:
        parts.append(f"the most recent at {totals.newest_at[11:16]} ({totals.newest_at[:10]})")
    return f"{head}: " + ", ".join(parts)


def _other(event: AccessEvent) -> str | None:
    match event.proxy_role:
        case None:
            return None
        case ProxyRole.THROUGH:
            return f"through {event.proxy_package or 'another app'}"
        case ProxyRole.ON_BEHALF_OF:
            return f"for {event.proxy_package or 'another app'}"
        case _:
            assert_never(event.proxy_role)


def _record(source: EventSource) -> str:
    match source:
        case EventSource.LAST_ACCESS:
            return "newest per state"
        case EventSource.HISTORY:
            return "history"
        case EventSource.BOTH:
            return "both"
        case _:
            assert_never(source)


def event_row(event: AccessEvent) -> EventRow:
    return EventRow(
        time=event.time or (f"{duration_words(event.ago_ms)} before capture" if event.ago_ms is not None else "?"),
        op=event.op,
        kind="refused" if event.kind is OpEventKind.REJECT else "access",
        state=state_words(event.state) + f" ({event.uid_state})",
        background=event.state is AccessState.BACKGROUND,
        duration=duration_words(event.duration_ms) if event.duration_ms is not None else "",
        tag=event.attribution_tag,
        other=_other(event),
        record=_record(event.source),
    )


# --------------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------------


def _x(at: int, start: int, span: int) -> float:
    return round(LEFT + (at - start) / span * (WIDTH - 10 - LEFT), 1)


def _bars(found: Iterable[tuple[Session, bool]], start: int, span: int, label: str) -> tuple[Bar, ...]:
    """Sessions clipped to the window, as bars; bars closer than one unit drawn as one."""
    bars: list[tuple[float, float, bool, list[Session]]] = []
    for s, background in sorted(found, key=lambda p: p[0].start):
        if s.stop < start:
            continue
        x0 = _x(max(s.start, start), start, span)
        x1 = max(_x(s.stop, start, span), x0 + 2)
        if bars and x0 <= bars[-1][1] + 1 and bars[-1][2] == background:
            first, last, bg, members = bars[-1]
            bars[-1] = (first, max(last, x1), bg, [*members, s])
        else:
            bars.append((x0, x1, background, [s]))
    out = []
    for x0, x1, background, members in bars:
        s = members[0]
        text = f"{label}: {s.time[:16]}"
        if s.length is not None:
            text += f" for {duration_words(s.length)}"
        text += f", {state_words(s.first.state)}"
        if s.first.attribution_tag is not None:
            text += f", tag {s.first.attribution_tag}"
        other = _other(s.first)
        if other:
            text += f", {other}"
        if len(members) > 1:
            text += f" (and {len(members) - 1} more session{'s' if len(members) > 2 else ''} close to it)"
        out.append(Bar(x0, round(x1 - x0, 1), background, text))
    return tuple(out)


def _ticks(start: int, end: int, step: int) -> tuple[AxisTick, ...]:
    """Ticks at whole hours or days; none so close to the end that it would cover the capture's label."""
    first = (start // step + 1) * step
    span = end - start
    return tuple(
        AxisTick(_x(at, start, span), f"{_clock(at)}" if step < DAY_MS else _day(at))
        for at in range(first, end + 1, step)
        if _x(at, start, span) < WIDTH - 60
    )


def _clock(at: int) -> str:
    minutes = at // 60_000 % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day(at: int) -> str:
    return format_local(at)[5:10]


def _chart(
    key: str,
    title: str,
    span: int,
    step: int,
    end: int,
    per_app: Sequence[tuple[AppReport, dict[tuple[str, AccessState], list[tuple[int, AccessEvent]]]]],
) -> Chart:
    """One window: a group per data category with a lane per app, then one group of every other op, a lane
    per app and op."""
    start = end - span
    # group title → lane label → (app, sessions with their background flag)
    found: dict[str, dict[str, tuple[AppReport, list[tuple[Session, bool]]]]] = {}
    for app, by in per_app:
        name = app_name(app) + (f" (user {app.user})" if app.user else "")
        for (group, state), placed in by.items():
            other = group.startswith("op:")
            title_of = OTHER if other else words.category_label(DataCategory(group))
            label = f"{name} · {group[3:]}" if other else name
            current = [(s, state is AccessState.BACKGROUND) for s in sessions(placed) if s.stop >= start]
            if current:
                lane = found.setdefault(title_of, {}).setdefault(label, (app, []))
                lane[1].extend(current)
    order = [words.category_label(c) for c in (*CHART_GROUPS, *DataCategory)] + [OTHER]
    groups: list[ChartGroup] = []
    y = TOP
    for group_title in sorted(found, key=order.index):
        lanes = sorted(
            found[group_title].items(),
            key=lambda item: (
                -sum((s.length or 0) + 1 for s, bg in item[1][1] if bg),
                -sum((s.length or 0) + 1 for s, _ in item[1][1]),
                item[0],
            ),
        )
        title_y = y
        y += LANE
        drawn = []
        for label, (app, current) in lanes[:MAX_LANES]:
            drawn.append(ChartLane(app, label, y, _bars(current, start, span, f"{label}, {group_title}")))
            y += LANE
        groups.append(ChartGroup(group_title, title_y, tuple(drawn), max(0, len(lanes) - MAX_LANES)))
        y += GROUP_GAP - LANE
    return Chart(key, title, WIDTH, y + 6, LEFT, _ticks(start, end, step), tuple(groups))


# --------------------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------------------


def _end(report: AuditReport) -> tuple[int | None, bool]:
    timeline = report.timeline
    if timeline is None:
        return None, False
    return local_ms(timeline.end), timeline.basis in (TimeBasis.DEVICE_CLOCK, TimeBasis.EVENT_AGE)


def timeline_view(report: AuditReport) -> TimelineView | None:
    """The timeline section and the per-app event lists (``None`` when the report has no timeline)."""
    timeline = report.timeline
    if timeline is None:
        return None
    end, ages = _end(report)
    per_app = [(a, in_window(a.events, end, ages=ages)) for a in report.apps if a.events] if end is not None else []
    charts: tuple[Chart, ...] = ()
    if per_app and end is not None:
        charts = (
            _chart("24h", "Last 24 hours", DAY_MS, 3 * 3_600_000, end, per_app),
            _chart("7d", "Last 7 days", WINDOW_MS, DAY_MS, end, per_app),
        )
    usage: dict[str, list[UsageLine]] = {}
    for app in report.apps:
        for totals in app.usage:
            title = group_title(totals.category, totals.ops)
            line = UsageLine(app, totals, usage_sentence(totals, title), None if totals.category else title)
            usage.setdefault(title if totals.category else OTHER, []).append(line)
    order = [words.category_label(c) for c in (*CHART_GROUPS, *DataCategory)] + [OTHER]
    ordered = sorted(usage, key=order.index)
    for lines in usage.values():
        lines.sort(key=lambda u: (u.totals.state is not AccessState.BACKGROUND, -u.totals.total_ms, -u.totals.sessions))
    lists = {
        id(a): EventList(tuple(event_row(e) for e in a.events[:MAX_EVENT_ROWS]), max(0, len(a.events) - MAX_EVENT_ROWS))
        for a in report.apps
        if a.events
    }
    background = sorted(
        (
            u
            for lines in usage.values()
            for u in lines
            if u.totals.state is AccessState.BACKGROUND and u.totals.category
        ),
        key=lambda u: (-u.totals.total_ms, -u.totals.sessions, u.app.package, u.app.user),
    )
    return TimelineView(
        end=timeline.end,
        basis=basis_words(timeline.basis),
        coverage=coverage_words(timeline.history),
        charts=charts,
        usage=tuple((t, tuple(usage[t])) for t in ordered),
        lists=lists,
        sentences={
            id(a): tuple(usage_sentence(t, group_title(t.category, t.ops)) for t in a.usage)
            for a in report.apps
            if a.usage
        },
        background=tuple(background),
    )


def background_sessions_24h(report: AuditReport) -> list[BackgroundSession]:
    """Every background session of a data category (camera, microphone, location, health) that started in
    the 24 hours before the capture, newest first."""
    end, ages = _end(report)
    if end is None:
        return []
    found: list[tuple[int, BackgroundSession]] = []
    for app in report.apps:
        for (group, state), placed in in_window(app.events, end, ages=ages).items():
            if state is not AccessState.BACKGROUND or group.startswith("op:"):
                continue
            title = words.category_label(DataCategory(group))
            found += [
                (s.start, BackgroundSession(app, title, s.time, s.length))
                for s in sessions(placed)
                if s.start > end - DAY_MS
            ]
    found.sort(key=lambda p: p[0], reverse=True)
    return [s for _, s in found]
