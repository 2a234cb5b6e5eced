"""The access timeline: both app-op records as one list of events per app, merged, totalled and indexed.

Unit tests build the parsed records by hand (every value read off the test itself); the end-to-end test
audits a small snapshot whose history holds a background camera session the regular dump does not.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from auditor.analyse.clock import local_ms
from auditor.analyse.timeline import attach_timeline
from auditor.model import (
    AccessEvent,
    AccessLevel,
    AccessState,
    AppReport,
    CommandRecord,
    CommandStatus,
    DataCategory,
    DeviceInfo,
    DiscreteAccess,
    EffectiveAccess,
    EventRef,
    EventSource,
    HistoryCoverage,
    HistoryStatus,
    InstallSource,
    NoteLevel,
    OpEntry,
    OpEvent,
    OpEventKind,
    PackageOps,
    ParsedAppOps,
    ParsedDiscreteHistory,
    PermissionKind,
    PermissionReport,
    ProxyRole,
    Section,
    Snapshot,
    SourceInfo,
    TimeBasis,
    UidOps,
    UidState,
    UsageTotals,
)
from auditor.pipeline import audit_snapshot
from auditor.snapshot import new_manifest, sha256_hex

BERLIN = DeviceInfo(timezone="Europe/Berlin")
CAPTURE = SourceInfo(kind="snapshot", path="-", device_time="2024-06-03T09:41:27+00:00")
"""11:41:27 in Berlin (summer time, UTC+2)."""
END = "2024-06-03 11:41:27.000"
STATES = {"top": UidState.TOP, "fg": UidState.FOREGROUND, "bg": UidState.BACKGROUND, "cch": UidState.CACHED}
CAMERA = "android.permission.CAMERA"


def _app(package: str = "com.example.cam", user: int = 0, app_id: int = 10234, **fields: object) -> AppReport:
    base = AppReport(
        package=package,
        user=user,
        uid=user * 100_000 + app_id,
        app_id=app_id,
        version_code=1,
        version_name="1",
        min_sdk=24,
        target_sdk=34,
        system=False,
        updated_system=False,
        enabled=True,
        installer=None,
        initiating_installer=None,
        install_source=InstallSource.STORE,
        package_source=None,
        first_install=None,
        last_update=None,
        code_path=None,
        shared_user=None,
        debuggable=False,
        permissions=(),
        special_access=(),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def _camera_row(**fields: object) -> PermissionReport:
    row = PermissionReport(
        name=CAMERA,
        kind=PermissionKind.RUNTIME,
        requested=True,
        granted=True,
        flags=(),
        effective=EffectiveAccess.ALLOWED,
        appop="CAMERA",
        appop_mode="allow",
    )
    return replace(row, **fields)  # type: ignore[arg-type]


def _op_event(
    state: str,
    time: str | None,
    ago: int | None,
    *,
    flags: tuple[str, ...] = ("s",),
    duration: int | None = None,
    kind: OpEventKind = OpEventKind.ACCESS,
    tag: str | None = None,
    proxy: str | None = None,
) -> OpEvent:
    return OpEvent(kind, STATES[state], state, flags, time, ago, duration, tag, proxy)


def _regular(uid: int, package: str, *ops: tuple[str, tuple[OpEvent, ...]]) -> ParsedAppOps:
    entries = tuple(OpEntry(op, "allow", events) for op, events in ops)
    return ParsedAppOps(uids=(UidOps(uid, packages=(PackageOps(package, entries),)),))


def _h(
    op: str,
    state: str,
    time: str,
    duration: int | None = None,
    *,
    uid: int = 10234,
    package: str = "com.example.cam",
    flags: tuple[str, ...] = ("s",),
    tag: str | None = None,
    attribution: int = 0,
    chain: int | None = None,
) -> DiscreteAccess:
    return DiscreteAccess(uid, package, op, tag, STATES[state], state, flags, time, duration, attribution, chain)


def _history(*events: DiscreteAccess) -> ParsedDiscreteHistory:
    return ParsedDiscreteHistory(HistoryStatus.READ, events)


def _event(op: str, state: str, time: str | None, ago: int | None, **fields: object) -> AccessEvent:
    """The expected event of the Berlin device (UTC two hours behind local time in June)."""
    at = local_ms(time)
    base = AccessEvent(
        op=op,
        category={"CAMERA": DataCategory.CAMERA, "RECORD_AUDIO": DataCategory.MICROPHONE}.get(op),
        kind=OpEventKind.ACCESS,
        time=time,
        time_utc=None if at is None else f"{time[:10]}T{int(time[11:13]) - 2:02d}{time[13:]}Z",  # type: ignore[index]
        ago_ms=ago,
        duration_ms=None,
        uid_state=state,
        state=AccessState.BACKGROUND if state in ("bg", "cch") else AccessState.FOREGROUND,
        flags=("s",),
        attribution_tag=None,
        proxy_role=None,
        proxy_package=None,
        proxy_uid=None,
        proxy_attribution_tag=None,
        chain_id=None,
        device_id=None,
        source=EventSource.HISTORY,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# The merge rule
# --------------------------------------------------------------------------------------------------


def test_the_same_access_in_both_records_is_one_event_with_the_regular_dumps_precision() -> None:
    regular = _regular(
        10234, "com.example.cam", ("CAMERA", (_op_event("top", "2024-06-03 11:30:12.345", 674_655, duration=20_000),))
    )
    history = _history(
        _h("CAMERA", "top", "2024-06-03 11:30:00.000"),  # written when the access started
        _h("CAMERA", "top", "2024-06-03 11:30:00.000", 60_000),  # and when it finished, rounded up
        _h("CAMERA", "cch", "2024-06-01 02:10:00.000"),
        _h("CAMERA", "cch", "2024-06-01 02:10:00.000", 420_000),
    )
    row = _camera_row(
        last_access="2024-06-03 11:30:12.345", last_access_ago_ms=674_655, last_access_state=AccessState.FOREGROUND
    )
    result = attach_timeline([_app(permissions=(row,))], regular, history, BERLIN, CAPTURE)
    (app,) = result.apps
    assert app.events == (
        _event("CAMERA", "top", "2024-06-03 11:30:12.345", 674_655, duration_ms=20_000, source=EventSource.BOTH),
        _event("CAMERA", "cch", "2024-06-01 02:10:00.000", 207_087_000, duration_ms=420_000),
    )
    # The row keeps its newest access and gains the background one only the history holds.
    assert app.permissions == (replace(row, last_background_access="2024-06-01 02:10:00.000"),)
    assert result.notes == ()


@pytest.mark.parametrize(
    ("regular_time", "regular_duration", "history_time", "history_duration", "merged"),
    [
        ("2024-06-03 11:30:59.999", 20_000, "2024-06-03 11:30:00.000", 60_000, True),  # the same quantum
        ("2024-06-03 11:31:00.000", 20_000, "2024-06-03 11:30:00.000", 60_000, False),  # the next one
        ("2024-06-03 11:30:00.000", 20_000, "2024-06-03 11:30:00.000", 20_000, True),  # Android 16: as recorded
        ("2024-06-03 11:30:10.000", 20_000, "2024-06-03 11:30:00.000", 120_000, False),  # another duration
        ("2024-06-03 11:30:10.000", None, "2024-06-03 11:30:00.000", 120_000, True),  # one duration unknown
        ("2024-06-03 11:29:59.000", 20_000, "2024-06-03 11:30:00.000", 60_000, False),  # history after it
    ],
)
def test_which_accesses_merge(
    regular_time: str, regular_duration: int | None, history_time: str, history_duration: int, merged: bool
) -> None:
    regular = _regular(
        10234, "com.example.cam", ("CAMERA", (_op_event("top", regular_time, 1, duration=regular_duration),))
    )
    history = _history(_h("CAMERA", "top", history_time, history_duration))
    (app,) = attach_timeline([_app()], regular, history, BERLIN, CAPTURE).apps
    sources = sorted(e.source.value for e in app.events)
    assert sources == (["both"] if merged else ["history", "last_access"])
    if merged:
        assert app.events[0].duration_ms == (regular_duration if regular_duration is not None else history_duration)


def test_a_key_differing_in_state_flags_or_tag_never_merges() -> None:
    time = "2024-06-03 11:30:00.000"
    regular = _regular(10234, "com.example.cam", ("CAMERA", (_op_event("top", time, 1),)))
    for other in (
        _h("CAMERA", "fg", time),
        _h("CAMERA", "top", time, flags=("tpd",)),
        _h("CAMERA", "top", time, tag="video"),
        _h("RECORD_AUDIO", "top", time),
    ):
        (app,) = attach_timeline([_app()], regular, _history(other), BERLIN, CAPTURE).apps
        assert [e.source for e in app.events] == [EventSource.LAST_ACCESS, EventSource.HISTORY], other


def test_a_running_access_keeps_its_one_line_and_rejects_stay_regular() -> None:
    regular = _regular(
        10234,
        "com.example.cam",
        ("CAMERA", (_op_event("bg", "2024-06-03 09:00:00.000", 9_687_000, kind=OpEventKind.REJECT),)),
    )
    history = _history(_h("CAMERA", "top", "2024-06-03 11:40:00.000"))
    (app,) = attach_timeline([_app()], regular, history, BERLIN, CAPTURE).apps
    assert app.events == (
        _event("CAMERA", "top", "2024-06-03 11:40:00.000", 87_000),
        _event(
            "CAMERA",
            "bg",
            "2024-06-03 09:00:00.000",
            9_687_000,
            kind=OpEventKind.REJECT,
            source=EventSource.LAST_ACCESS,
        ),
    )


# --------------------------------------------------------------------------------------------------
# Proxies, users, foreign events
# --------------------------------------------------------------------------------------------------


def test_proxy_info_of_the_regular_dump() -> None:
    proxied = _op_event(
        "top",
        "2024-06-03 11:00:00.000",
        2_487_000,
        flags=("tpd",),
        proxy="uid=10090, pkg=com.google.android.gms, attributionTag=fused_location_provider",
    )
    android_10 = _op_event("top", "2024-06-03 10:00:00.000", 6_087_000, flags=("upd",), proxy="uid=0, pkg=null")
    proxy = _op_event("fg", "2024-06-03 09:00:00.000", 9_687_000, flags=("tp",))
    regular = _regular(10234, "com.example.cam", ("FINE_LOCATION", (proxied, android_10, proxy)))
    (app,) = attach_timeline([_app()], regular, None, BERLIN, CAPTURE).apps
    assert [(e.proxy_role, e.proxy_package, e.proxy_uid, e.proxy_attribution_tag) for e in app.events] == [
        (ProxyRole.THROUGH, "com.google.android.gms", 10090, "fused_location_provider"),
        (ProxyRole.THROUGH, None, 0, None),
        (ProxyRole.ON_BEHALF_OF, None, None, None),
    ]
    assert {e.category for e in app.events} == {DataCategory.LOCATION}


def test_attribution_chains_name_the_other_end() -> None:
    time = "2024-06-03 11:07:00.000"
    messenger = _app("com.example.messenger", app_id=10216)
    assistant = _app("com.example.assistant", app_id=10090)
    history = _history(
        _h(
            "RECORD_AUDIO",
            "top",
            time,
            uid=10216,
            package="com.example.messenger",
            flags=("tpd",),
            attribution=12,
            chain=41,
        ),
        _h(
            "RECORD_AUDIO",
            "fg",
            time,
            uid=10090,
            package="com.example.assistant",
            flags=("tp",),
            tag="speech",
            attribution=9,
            chain=41,
        ),
        # Untrusted (no flag 8): its chain is not assembled, only the op flags say how it took part.
        _h(
            "RECORD_AUDIO",
            "fg",
            time,
            uid=10090,
            package="com.example.assistant",
            flags=("tp",),
            attribution=1,
            chain=7,
        ),
    )
    result = attach_timeline([messenger, assistant], None, history, BERLIN, CAPTURE)
    got = {
        a.package: [(e.proxy_role, e.proxy_package, e.proxy_uid, e.proxy_attribution_tag, e.chain_id) for e in a.events]
        for a in result.apps
    }
    assert got == {
        "com.example.messenger": [(ProxyRole.THROUGH, "com.example.assistant", 10090, "speech", 41)],
        "com.example.assistant": [
            (ProxyRole.ON_BEHALF_OF, "com.example.messenger", 10216, None, 41),
            (ProxyRole.ON_BEHALF_OF, None, None, None, 7),
        ],
    }


def test_uids_carry_the_user_and_foreign_events_are_left_out() -> None:
    owner, work = _app(), _app(user=10)
    history = _history(
        _h("CAMERA", "top", "2024-06-02 09:11:00.000", 60_000, uid=1010234),
        _h("CAMERA", "bg", "2024-06-02 09:12:00.000", uid=10235),  # no such app
        _h("CAMERA", "bg", "2024-06-02 09:13:00.000", uid=10234, package="com.example.other"),  # not its package
    )
    result = attach_timeline([owner, work], None, history, BERLIN, CAPTURE)
    assert result.apps[0].events == ()
    assert [(e.time, e.duration_ms) for e in result.apps[1].events] == [("2024-06-02 09:11:00.000", 60_000)]
    assert result.timeline.events == (EventRef(10, "com.example.cam", 0),)
    assert [(n.section, n.level, n.message) for n in result.notes] == [
        (
            "timeline",
            NoteLevel.INFO,
            "2 discrete-history events name a uid and package of no listed app (uninstalled since, or not what "
            "they claim): left out of the timeline",
        )
    ]


# --------------------------------------------------------------------------------------------------
# Time: the window's end, ages, UTC
# --------------------------------------------------------------------------------------------------


def test_the_device_clock_in_its_zone_ends_the_window() -> None:
    timeline = attach_timeline([_app()], None, _history(), BERLIN, CAPTURE).timeline
    assert (timeline.start, timeline.end, timeline.end_utc) == (
        "2024-05-27 11:41:27.000",
        END,
        "2024-06-03T09:41:27.000Z",
    )
    assert (timeline.basis, timeline.time_zone, timeline.history) == (
        TimeBasis.DEVICE_CLOCK,
        "Europe/Berlin",
        HistoryCoverage.READ,
    )


def test_without_a_zone_the_regular_dumps_ages_give_the_end_and_no_utc_is_guessed() -> None:
    regular = _regular(10234, "com.example.cam", ("CAMERA", (_op_event("top", "2024-06-03 11:30:00.000", 687_000),)))
    history = _history(_h("CAMERA", "bg", "2024-06-03 01:00:00.000", 60_000))
    for device in (DeviceInfo(), DeviceInfo(timezone="Mars/Olympus_Mons"), DeviceInfo(timezone="../../etc/passwd")):
        result = attach_timeline([_app()], regular, history, device, CAPTURE)
        assert (result.timeline.end, result.timeline.basis, result.timeline.end_utc) == (END, TimeBasis.EVENT_AGE, None)
        assert [(e.time_utc, e.ago_ms) for e in result.apps[0].events] == [(None, 687_000), (None, 38_487_000)]
        (note,) = result.notes
        assert note.level is NoteLevel.INFO and note.message.endswith("event times are device-local only, without UTC")


def test_with_neither_the_newest_event_ends_the_window_and_no_age_is_made_up() -> None:
    history = _history(
        _h("CAMERA", "bg", "2024-06-03 01:00:00.000", 60_000), _h("CAMERA", "bg", "2024-06-01 01:00:00.000")
    )
    result = attach_timeline([_app()], None, history, DeviceInfo(), SourceInfo(kind="snapshot", path="-"))
    assert (result.timeline.end, result.timeline.basis) == ("2024-06-03 01:00:00.000", TimeBasis.NEWEST_EVENT)
    assert [e.ago_ms for e in result.apps[0].events] == [None, None]
    empty = attach_timeline([_app()], None, None, DeviceInfo(), SourceInfo(kind="snapshot", path="-")).timeline
    assert (empty.end, empty.basis, empty.history, empty.events) == (
        None,
        TimeBasis.NONE,
        HistoryCoverage.NOT_IN_SOURCE,
        (),
    )


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2024-01-15 12:00:00.000", "2024-01-15T11:00:00.000Z"),  # winter: UTC+1
        ("2024-07-15 12:00:00.250", "2024-07-15T10:00:00.250Z"),  # summer: UTC+2
        ("2024-10-27 02:30:00.000", "2024-10-27T00:30:00.000Z"),  # happens twice: the first (summer) one
        ("2024-03-31 02:30:00.000", "2024-03-31T01:30:00.000Z"),  # never happens: the offset before the change (+1)
    ],
)
def test_utc_comes_from_the_zone_database(local: str, utc: str) -> None:
    history = _history(_h("CAMERA", "top", local))
    (app,) = attach_timeline([_app()], None, history, BERLIN, CAPTURE).apps
    assert app.events[0].time_utc == utc


# --------------------------------------------------------------------------------------------------
# Totals
# --------------------------------------------------------------------------------------------------


def test_totals_count_sessions_by_category_and_state_within_the_window() -> None:
    history = _history(
        # Background microphone: three sessions (one made of two overlapping accesses), one without a duration.
        _h("RECORD_AUDIO", "bg", "2024-06-03 01:40:00.000", 3_120_000),
        _h("RECORD_AUDIO", "bg", "2024-06-03 02:00:00.000", 1_800_000),  # inside 01:40–02:32: one session of 52 min
        _h("RECORD_AUDIO", "cch", "2024-06-02 03:00:00.000", 600_000),
        _h("RECORD_AUDIO", "bg", "2024-06-01 23:00:00.000"),
        _h("RECORD_AUDIO", "bg", "2024-05-20 23:00:00.000", 60_000),  # before the window: not counted
        _h("RECORD_AUDIO", "top", "2024-06-03 11:00:00.000", 60_000),
    )
    (app,) = attach_timeline([_app()], None, history, BERLIN, CAPTURE).apps
    assert app.usage == (
        UsageTotals(
            category=DataCategory.MICROPHONE,
            ops=("RECORD_AUDIO",),
            state=AccessState.FOREGROUND,
            sessions=1,
            total_ms=60_000,
            unknown_duration=0,
            longest_ms=60_000,
            longest_at="2024-06-03 11:00:00.000",
            newest_at="2024-06-03 11:00:00.000",
            newest_ms=60_000,
            sessions_24h=1,
            total_ms_24h=60_000,
        ),
        UsageTotals(
            category=DataCategory.MICROPHONE,
            ops=("RECORD_AUDIO",),
            state=AccessState.BACKGROUND,
            sessions=3,
            total_ms=3_120_000 + 600_000,
            unknown_duration=1,
            longest_ms=3_120_000,
            longest_at="2024-06-03 01:40:00.000",
            newest_at="2024-06-03 01:40:00.000",
            newest_ms=3_120_000,
            sessions_24h=1,
            total_ms_24h=3_120_000,
        ),
    )
    # Every event stays in the list, the one before the window too.
    assert len(app.events) == 6


def test_accesses_noted_together_are_one_session_and_other_ops_are_totalled_by_name() -> None:
    time = "2024-06-03 10:00:00.000"
    regular = _regular(
        10234,
        "com.example.cam",
        ("COARSE_LOCATION", (_op_event("bg", time, 6_087_000),)),
        ("FINE_LOCATION", (_op_event("bg", "2024-06-03 10:00:00.400", 6_086_600),)),
        ("READ_CONTACTS", (_op_event("cch", time, 6_087_000),)),
    )
    (app,) = attach_timeline([_app()], regular, None, BERLIN, CAPTURE).apps
    assert [(u.category, u.ops, u.sessions, u.unknown_duration) for u in app.usage] == [
        (DataCategory.LOCATION, ("COARSE_LOCATION", "FINE_LOCATION"), 1, 1),
        (None, ("READ_CONTACTS",), 1, 1),
    ]


# --------------------------------------------------------------------------------------------------
# Coverage notes and the index
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "coverage", "level"),
    [
        (ParsedDiscreteHistory(HistoryStatus.NOT_SUPPORTED), HistoryCoverage.NOT_KEPT, NoteLevel.INFO),
        (ParsedDiscreteHistory(HistoryStatus.ABSENT), HistoryCoverage.UNREADABLE, NoteLevel.PARTIAL),
    ],
)
def test_a_device_without_a_history_says_so(
    history: ParsedDiscreteHistory, coverage: HistoryCoverage, level: NoteLevel
) -> None:
    result = attach_timeline([_app()], None, history, BERLIN, CAPTURE)
    assert result.timeline.history is coverage
    (note,) = result.notes
    assert (note.section, note.level) == ("timeline", level)
    assert note.message.endswith(
        "the timeline holds the newest access per uid state and flags that dumpsys appops keeps"
    )


def test_the_index_runs_newest_first_across_apps_with_untimed_events_last() -> None:
    a, b = _app("com.example.a", app_id=10001), _app("com.example.b", app_id=10002)
    regular = ParsedAppOps(
        uids=(
            UidOps(
                10001,
                packages=(PackageOps("com.example.a", (OpEntry("CAMERA", "allow", (_op_event("top", None, None),)),)),),
            ),
            UidOps(
                10002,
                packages=(
                    PackageOps(
                        "com.example.b",
                        (OpEntry("CAMERA", "allow", (_op_event("top", "2024-06-03 10:00:00.000", 1),)),),
                    ),
                ),
            ),
        )
    )
    history = _history(
        _h("CAMERA", "top", "2024-06-03 11:00:00.000", uid=10001, package="com.example.a"),
        _h("CAMERA", "top", "2024-06-02 11:00:00.000", uid=10002, package="com.example.b"),
    )
    timeline = attach_timeline([a, b], regular, history, BERLIN, CAPTURE).timeline
    assert timeline.events == (
        EventRef(0, "com.example.a", 0),
        EventRef(0, "com.example.b", 0),
        EventRef(0, "com.example.b", 1),
        EventRef(0, "com.example.a", 1),
    )


# --------------------------------------------------------------------------------------------------
# End to end: a background camera session that only the history holds
# --------------------------------------------------------------------------------------------------

_PACKAGE_DUMP = """Packages:
  Package [com.example.cam] (1a2b3c):
    appId=10234
    versionCode=1 minSdk=24 targetSdk=34
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]
    installerPackageName=com.android.vending
    requested permissions:
      android.permission.CAMERA
    User 0: ceDataInode=1 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0
      runtime permissions:
        android.permission.CAMERA: granted=true, flags=[ USER_SET ]
"""
_APPOPS = (
    "Current AppOps Service state:\n  Uid u0a234:\n    state=cch\n    Package com.example.cam:\n"
    "      CAMERA (allow): \n        null=[\n"
    "          Access: [top-s] 2024-06-03 11:30:00.000 (-11m27s0ms) duration=+20s0ms\n        ]\n"
)
_HISTORY = (
    "Current AppOps Service state:\n\nDiscrete accesses: \n  Largest chain id: 0\n  Uid: 10234\n"
    "    Package: com.example.cam\n      CAMERA\n        Attribution: null\n"
    "          Access [cch-s] at 2024-06-01 02:10:00.000\n"
    "          Access [cch-s] at 2024-06-01 02:10:00.000 for 420000 milliseconds \n"
    "          Access [top-s] at 2024-06-03 11:30:00.000\n"
    "          Access [top-s] at 2024-06-03 11:30:00.000 for 60000 milliseconds \n"
)


def snapshot(with_history: bool, sdk: int = 34) -> Snapshot:
    """A one-app phone (Berlin, captured 2024-06-03 09:41:27 UTC) whose regular dump shows the camera in the
    foreground only; its history also holds a 7-minute background session two nights before."""
    outputs = {
        Section.GETPROP: f"[persist.sys.timezone]: [Europe/Berlin]\n[ro.build.version.sdk]: [{sdk}]\n",
        Section.DATE: f"{int(datetime(2024, 6, 3, 9, 41, 27, tzinfo=UTC).timestamp())}\n",
        Section.PM_LIST_USERS: "Users:\n\tUserInfo{0:Owner:c13} running\n",
        Section.DUMPSYS_PACKAGE: _PACKAGE_DUMP,
        Section.DUMPSYS_APPOPS: _APPOPS,
    }
    if with_history:
        outputs[Section.APPOPS_DISCRETE] = _HISTORY
    records, blobs = [], {}
    for section, text in outputs.items():
        blob = text.encode()
        records.append(
            CommandRecord(section.value, "x", section, None, CommandStatus.OK, 0, len(blob), sha256_hex(blob))
        )
        blobs[section.value] = blob
    return Snapshot(new_manifest(source="snapshot", created_at="", commands=records), blobs, "test")


def test_a_background_camera_session_only_the_history_holds_is_reported_with_its_time_and_duration() -> None:
    report = audit_snapshot(snapshot(with_history=True))
    (app,) = report.apps
    assert [(e.time, e.state, e.duration_ms, e.source) for e in app.events] == [
        ("2024-06-03 11:30:00.000", AccessState.FOREGROUND, 20_000, EventSource.BOTH),
        ("2024-06-01 02:10:00.000", AccessState.BACKGROUND, 420_000, EventSource.HISTORY),
    ]
    assert app.events[1].time_utc == "2024-06-01T00:10:00.000Z"
    (row,) = app.permissions
    assert (row.last_access, row.last_access_state, row.last_background_access) == (
        "2024-06-03 11:30:00.000",
        AccessState.FOREGROUND,
        "2024-06-01 02:10:00.000",
    )
    assert report.timeline is not None and report.timeline.history is HistoryCoverage.READ
    # Scored as used in the background, and the finding cites the session.
    assert app.exposure is not None
    assert [(c.category, c.level) for c in app.exposure.categories] == [
        (DataCategory.CAMERA, AccessLevel.USED_BACKGROUND)
    ]
    (finding,) = app.findings
    assert finding.rule_id == "AUD-CAM-BG-001"
    assert finding.evidence[1] == "CAMERA background (cch) 2024-06-01 02:10:00.000 for 7 min [history]"

    without = audit_snapshot(snapshot(with_history=False))
    (plain,) = without.apps
    assert [e.source for e in plain.events] == [EventSource.LAST_ACCESS]
    assert plain.permissions[0].last_background_access is None
    assert without.timeline is not None and without.timeline.history is HistoryCoverage.NOT_IN_SOURCE
    assert plain.findings == ()


def test_an_android_11_device_keeps_no_history_whatever_the_source() -> None:
    missing = audit_snapshot(snapshot(with_history=False))
    assert ("appops_discrete", NoteLevel.MISSING) in {(n.section, n.level) for n in missing.notes}
    old = audit_snapshot(snapshot(with_history=False, sdk=30))
    assert old.timeline is not None and old.timeline.history is HistoryCoverage.NOT_KEPT
    assert [(n.section, n.level) for n in old.notes if n.section in ("appops_discrete", "timeline")] == [
        ("timeline", NoteLevel.INFO)
    ]


def test_uid_modes_apply_to_an_app_its_uid_block_does_not_list() -> None:
    """AppOpsService applies a uid-level mode to every package of the uid. A package without an op of its
    own is not listed in its uid's block; its first recorded access must not be what switches the uid's
    `foreground` mode on (that would lower its score by adding an event)."""
    quiet = "Current AppOps Service state:\n  Uid u0a234:\n    state=cch\n      CAMERA: mode=foreground\n"
    used = quiet + (
        "    Package com.example.cam:\n      CAMERA (allow): \n        null=[\n"
        "          Access: [top-s] 2024-06-03 11:30:00.000 (-11m27s0ms) duration=+20s0ms\n        ]\n"
    )
    scores = []
    for appops in (quiet, used):
        snap = snapshot(with_history=False)
        outputs = {**snap.outputs, "dumpsys_appops": appops.encode()}
        (app,) = audit_snapshot(replace(snap, outputs=outputs)).apps
        (row,) = app.permissions
        assert (row.appop_mode, row.effective) == ("foreground", EffectiveAccess.FOREGROUND_ONLY)
        assert app.exposure is not None
        scores.append(app.exposure.score)
    assert scores[1] >= scores[0]
