"""The access timeline as people read it: sentences, charts to scale, event lists, and the 24-hour summary."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.analyse.sessions import Session
from auditor.model import (
    AccessState,
    AppReport,
    AuditReport,
    DataCategory,
    EventSource,
    HistoryCoverage,
    ProxyRole,
    TimeBasis,
    UsageTotals,
)
from auditor.report import timeline_view as tv
from auditor.report.html import render_html
from tests.report.builders import PWN_SCRIPT, synthetic_report
from tests.report.test_html import parse


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return synthetic_report()


def _stalker(report: AuditReport) -> AppReport:
    return next(a for a in report.apps if a.package == "com.example.stalker")


def test_the_section_leads_with_background_use_in_words(report: AuditReport) -> None:
    view = tv.timeline_view(report)
    assert view is not None
    first = view.background[0]
    assert (first.app.package, first.sentence) == (
        "com.example.stalker",
        "Microphone in the background: 2 h 5 min in 7 days, 6 sessions, the longest 52 min at 01:40 (2024-06-03)",
    )
    assert all(u.totals.state is AccessState.BACKGROUND and u.totals.category for u in view.background)
    assert [title for title, _ in view.usage][:3] == ["Camera", "Microphone", "Location"]
    assert [title for title, _ in view.usage][-1] == tv.OTHER
    assert (view.end, view.basis) == ("2024-06-03 15:11:27.000", "the device's clock at capture")


def test_bars_are_sessions_drawn_to_scale(report: AuditReport) -> None:
    view = tv.timeline_view(report)
    assert view is not None
    day, week = view.charts
    assert (day.key, week.key) == ("24h", "7d")
    (mic,) = [g for g in day.groups if g.title == "Microphone"]
    lane = next(lane for lane in mic.lanes if lane.app.package == "com.example.stalker")
    assert lane.label == "com.example.stalker" and lane is mic.lanes[0]  # the most background time first
    night = next(b for b in lane.bars if "01:40" in b.text)
    # 52 minutes of a 24-hour axis 760 units wide; the window starts 2024-06-02 15:11:27.
    assert night.width == pytest.approx(52 / (24 * 60) * 760, abs=0.2)
    assert night.x == pytest.approx(230 + (10 * 60 + 28 + 33 / 60) / (24 * 60) * 760, abs=0.2)
    assert night.background and night.text == (
        "com.example.stalker, Microphone: 2024-06-03 01:40 for 52 min, in the background"
    )
    (week_mic,) = [g for g in week.groups if g.title == "Microphone"]
    week_lane = next(lane for lane in week_mic.lanes if lane.app.package == "com.example.stalker")
    assert len([b for b in week_lane.bars if b.background]) == 6
    assert [t.text for t in day.ticks][:2] == ["18:00", "21:00"]
    titles = [g.title for g in week.groups]
    assert titles[:3] == ["Camera", "Microphone", "Location"] and titles[-1] == tv.OTHER


def test_close_sessions_are_one_bar_that_says_so(report: AuditReport) -> None:
    view = tv.timeline_view(report)
    assert view is not None
    (location,) = [g for g in view.charts[1].groups if g.title == "Location"]
    lane = next(lane for lane in location.lanes if lane.app.package == "com.example.stalker")
    # 38 background sessions over a week, the closest 53 minutes apart (4 units): one bar each.
    assert len([b for b in lane.bars if b.background]) == 38
    # Sessions a minute apart on a week's axis (a tenth of a unit) are drawn as one bar.
    stalker = _stalker(report)
    first = stalker.events[0]
    start = 1_000_000_000
    close = [
        (Session(start, start + 60_000, True, first), True),
        (Session(start + 120_000, start + 180_000, True, first), True),
    ]
    (bar,) = tv._bars(close, start - 3_600_000, 7 * 86_400_000, "x")
    assert bar.text.endswith("(and 1 more session close to it)") and bar.width == 2.2


def test_event_lists_per_app(report: AuditReport) -> None:
    view = tv.timeline_view(report)
    assert view is not None
    rows = view.events_of(_stalker(report)).rows
    night = next(r for r in rows if r.time == "2024-06-02 01:12:00.000")
    assert night == tv.EventRow(
        time="2024-06-02 01:12:00.000",
        op="CAMERA",
        kind="access",
        state="in the background (cch)",
        background=True,
        duration="6 min",
        tag=None,
        other=None,
        record="history",
    )
    messenger = next(a for a in report.apps if a.package == "com.example.messenger.fg" and a.user == 0)
    voice = next(r for r in view.events_of(messenger).rows if r.other)
    assert (voice.other, voice.record) == ("through com.google.android.googlequicksearchbox", "both")
    assert view.usage_of(_stalker(report))[0].startswith("Location in the background: 5 s in 7 days, 38 sessions")


def test_long_lists_are_cut_and_counted(report: AuditReport) -> None:
    stalker = _stalker(report)
    many = replace(stalker, events=stalker.events * 3)
    view = tv.timeline_view(replace(report, apps=(many,)))
    assert view is not None
    listed = view.events_of(many)
    assert len(listed.rows) == tv.MAX_EVENT_ROWS and listed.more == 3 * len(stalker.events) - tv.MAX_EVENT_ROWS


def test_background_sessions_of_the_last_24_hours(report: AuditReport) -> None:
    found = tv.background_sessions_24h(report)
    assert [(s.app.package, s.group, s.start[:16], s.length) for s in found[:3]] == [
        ("com.example.stalker", "Location", "2024-06-03 15:03", 5_300),
        ("com.example.stalker", "Microphone", "2024-06-03 14:45", 900_000),
        ("com.example.messenger.bg", "Microphone", "2024-06-03 14:36", 244_120),
    ]
    assert {s.group for s in found} == {"Camera", "Microphone", "Location"}  # no op without a category
    assert all(s.start >= "2024-06-02 15:11" for s in found)


def test_a_report_without_a_timeline_or_a_capture_time(report: AuditReport) -> None:
    assert tv.timeline_view(replace(report, timeline=None)) is None
    assert tv.background_sessions_24h(replace(report, timeline=None)) == []
    assert report.timeline is not None
    unknown = replace(report, timeline=replace(report.timeline, end=None, basis=TimeBasis.NONE))
    view = tv.timeline_view(unknown)
    assert view is not None and view.charts == () and view.usage  # the totals the analysis made stay
    assert "no access timeline" in render_html(replace(report, timeline=None))


def test_usage_sentences() -> None:
    def totals(**fields: object) -> UsageTotals:
        base = UsageTotals(
            category=DataCategory.CAMERA,
            ops=("CAMERA",),
            state=AccessState.BACKGROUND,
            sessions=1,
            total_ms=0,
            unknown_duration=1,
            longest_ms=None,
            longest_at=None,
            newest_at="2024-06-03 10:08:26.697",
            newest_ms=None,
            sessions_24h=1,
            total_ms_24h=0,
        )
        return replace(base, **fields)  # type: ignore[arg-type]

    assert tv.usage_sentence(totals(), "Camera") == (
        "Camera in the background: 1 session (1 without a recorded duration) in 7 days, the most recent at 10:08 "
        "(2024-06-03)"
    )
    assert tv.usage_sentence(totals(state=AccessState.FOREGROUND, unknown_duration=0, total_ms=90_000), "Camera") == (
        "Camera app open: 1 min in 7 days, 1 session, the most recent at 10:08 (2024-06-03)"
    )


def test_every_member_has_words() -> None:
    assert len({tv.coverage_words(c) for c in HistoryCoverage}) == len(HistoryCoverage)
    assert len({tv.basis_words(b) for b in TimeBasis}) == len(TimeBasis)
    assert len({tv.state_words(s) for s in AccessState}) == len(AccessState)
    assert {tv._record(s) for s in EventSource} == {"history", "newest per state", "both"}
    base = next(e for a in synthetic_report().apps for e in a.events)
    assert [tv._other(replace(base, proxy_role=r, proxy_package="p")) for r in (None, *ProxyRole)] == [
        None,
        "through p",
        "for p",
    ]


def test_the_page_shows_the_timeline_and_escapes_what_apps_wrote(report: AuditReport) -> None:
    stalker = _stalker(report)
    evil = replace(
        stalker,
        events=tuple(
            replace(e, attribution_tag=PWN_SCRIPT, proxy_role=ProxyRole.THROUGH, proxy_package=PWN_SCRIPT)
            for e in stalker.events
        ),
    )
    html = render_html(replace(report, apps=tuple(evil if a is stalker else a for a in report.apps)))
    page = parse(html)
    assert [t for t, _a, _b in page.blocks].count("script") == 2
    section = html.split('<section id="timeline"', 1)[1].split("</section>", 1)[0]
    assert (
        "Microphone in the background: 2 h 5 min in 7 days, 6 sessions, the longest 52 min at 01:40 (2024-06-03)"
        in section
    )
    view = tv.timeline_view(report)
    assert view is not None
    assert section.count("<svg ") == 2 and section.count("<table ") == len(view.usage) == 5
    panel = html.split("<h4>Access history</h4>", 1)[1].split("</table>", 1)[0]
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;" in panel
    assert PWN_SCRIPT not in html
