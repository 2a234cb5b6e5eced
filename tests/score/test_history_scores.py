"""Scoring from the access history: background use counts from any event, and adding one never lowers a score.

The apps are the random apps of ``test_properties``; their events come from random regular and discrete
records put through the real assembly (``attach_timeline``), so what is scored is what an audit builds.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.analyse.timeline import attach_timeline
from auditor.model import (
    AccessLevel,
    AppReport,
    DataCategory,
    DeviceInfo,
    DiscreteAccess,
    EffectiveAccess,
    HistoryStatus,
    OpEntry,
    OpEvent,
    OpEventKind,
    PackageOps,
    ParsedAppOps,
    ParsedDiscreteHistory,
    SourceInfo,
    UidOps,
    UidState,
)
from auditor.score import score_app
from auditor.score.rules import find
from tests.score.builders import app, perm
from tests.score.test_properties import W, apps

DEVICE = DeviceInfo(timezone="UTC")
SOURCE = SourceInfo(kind="snapshot", path="-", device_time="2024-06-03T12:00:00+00:00")
OPS = ("CAMERA", "RECORD_AUDIO", "FINE_LOCATION", "COARSE_LOCATION", "PHONE_CALL_MICROPHONE", "READ_CLIPBOARD")
STATES = {"top": UidState.TOP, "fgsvc": UidState.FOREGROUND_SERVICE, "bg": UidState.BACKGROUND, "cch": UidState.CACHED}


def _time(minutes_before: int) -> str:
    total = 12 * 60 + 3 * 24 * 60 - minutes_before  # minutes since 2024-05-31 00:00, the capture is 06-03 12:00
    day, rest = divmod(total, 24 * 60)
    return f"2024-{'05' if day == 0 else '06'}-{31 if day == 0 else day:02d} {rest // 60:02d}:{rest % 60:02d}:00.000"


@st.composite
def history_events(draw: st.DrawFn, uid: int, package: str) -> DiscreteAccess:
    state = draw(st.sampled_from(sorted(STATES)))
    return DiscreteAccess(
        uid=uid,
        package=package,
        op=draw(st.sampled_from(OPS)),
        attribution_tag=draw(st.sampled_from((None, "sync"))),
        uid_state=STATES[state],
        uid_state_raw=state,
        flags=(draw(st.sampled_from(("s", "tpd", "tp"))),),
        time=_time(draw(st.integers(0, 3 * 24 * 60))),
        duration_ms=draw(st.sampled_from((None, 60_000, 3_600_000))),
    )


@st.composite
def regular_events(draw: st.DrawFn) -> tuple[str, OpEvent]:
    state = draw(st.sampled_from(sorted(STATES)))
    minutes = draw(st.integers(0, 3 * 24 * 60))
    event = OpEvent(
        kind=draw(st.sampled_from(list(OpEventKind))),
        uid_state=STATES[state],
        uid_state_raw=state,
        flags=("s",),
        time=_time(minutes),
        ago_ms=minutes * 60_000,
        duration_ms=draw(st.sampled_from((None, 30_000))),
    )
    return draw(st.sampled_from(OPS)), event


def _assemble(a: AppReport, regular: list[tuple[str, OpEvent]], history: list[DiscreteAccess]) -> AppReport:
    assert a.uid is not None
    entries = tuple(
        OpEntry(op, "allow", tuple(e for o, e in regular if o == op)) for op in dict.fromkeys(o for o, _ in regular)
    )
    appops = ParsedAppOps(uids=(UidOps(a.uid, packages=(PackageOps(a.package, entries),)),))
    (assembled,) = attach_timeline(
        [a], appops, ParsedDiscreteHistory(HistoryStatus.READ, tuple(history)), DEVICE, SOURCE
    ).apps
    return assembled


@settings(max_examples=250, deadline=None)
@given(st.data())
def test_adding_an_event_never_lowers_the_app_score(data: st.DataObject) -> None:
    a = data.draw(apps())
    assert a.uid is not None
    regular = data.draw(st.lists(regular_events(), max_size=4))
    history = data.draw(st.lists(history_events(a.uid, a.package), max_size=6))
    before = score_app(_assemble(a, regular, history), W)
    if data.draw(st.booleans()):
        history = [*history, data.draw(history_events(a.uid, a.package))]
    else:
        regular = [*regular, data.draw(regular_events())]
    after = score_app(_assemble(a, regular, history), W)
    assert after.score >= before.score, (before.reasons, after.reasons)
    levels = {c.category: c.level.rank for c in after.categories}
    assert all(levels.get(c.category, 0) >= c.level.rank for c in before.categories)


def test_a_background_camera_access_two_days_ago_and_foreground_use_since_is_still_background() -> None:
    camera = perm("CAMERA", EffectiveAccess.ALLOWED)
    a = app("com.example.cam", camera)
    assert a.uid is not None
    regular = [("CAMERA", OpEvent(OpEventKind.ACCESS, UidState.TOP, "top", ("s",), _time(10), 600_000, 20_000))]
    history = [
        DiscreteAccess(a.uid, a.package, "CAMERA", None, UidState.CACHED, "cch", ("s",), _time(2 * 24 * 60), 180_000),
        DiscreteAccess(a.uid, a.package, "CAMERA", None, UidState.TOP, "top", ("s",), _time(11), 60_000),
    ]
    plain = _assemble(a, regular, [])
    full = _assemble(a, regular, history)
    level = {c.category: c.level for c in score_app(full, W).categories}
    assert level[DataCategory.CAMERA] is AccessLevel.USED_BACKGROUND
    assert {c.category: c.level for c in score_app(plain, W).categories}[
        DataCategory.CAMERA
    ] is AccessLevel.USED_FOREGROUND
    reason = next(r for r in score_app(full, W).reasons if r.rule == "category.camera")
    assert reason.evidence == (
        "android.permission.CAMERA granted=true op CAMERA=allow last access 2024-06-03 11:50:00.000 (foreground) "
        "last background access 2024-06-01 12:00:00.000; background use in 7 days: 1 session, 3 min, "
        "the most recent 2024-06-01 12:00 for 3 min",
    )
    (finding,) = [f for f in find(full) if f.rule_id == "AUD-CAM-BG-001"]
    assert finding.evidence == (
        reason.evidence[0],
        "CAMERA background (cch) 2024-06-01 12:00:00.000 for 3 min [history]",
    )
    # Revoked since: the past use is history, not reach (as for the regular dump's accesses).
    revoked = replace(
        full, permissions=tuple(replace(p, effective=EffectiveAccess.DENIED, granted=False) for p in full.permissions)
    )
    assert DataCategory.CAMERA not in {
        c.category for c in score_app(revoked, W).categories if c.level.rank > AccessLevel.REQUESTED.rank
    }


def test_an_op_known_only_from_the_history_counts() -> None:
    a = app("com.example.dialer", internet=True)
    assert a.uid is not None
    history = [
        DiscreteAccess(
            a.uid, a.package, "PHONE_CALL_MICROPHONE", None, UidState.BACKGROUND, "bg", ("s",), _time(30), 600_000
        )
    ]
    assembled = _assemble(a, [], history)
    categories = {c.category: c.level for c in score_app(assembled, W).categories}
    assert categories[DataCategory.MICROPHONE] is AccessLevel.USED_BACKGROUND
