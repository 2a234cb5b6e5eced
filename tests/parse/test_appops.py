"""Tests of ``auditor.parse.appops``: real captures read by eye, constructed samples per Android
version, and hostile input (garbage, truncation, mutated real lines)."""

from __future__ import annotations

import codecs
import functools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import (
    OpEntry,
    OpEvent,
    OpEventKind,
    PackageOps,
    ParsedAppOps,
    UidOps,
    UidState,
)
from auditor.parse.appops import (
    dumpsys,
    parse_appops_get,
    parse_appops_get_loop,
    parse_dumpsys_appops,
    parse_duration_ms,
)
from auditor.parse.appops.fields import slot_setters
from auditor.parse.appops.get import op_code
from auditor.parse.markers import marker_line
from auditor.parse.text import decode_output
from tests.parse.strategies import mutated
from tests.realdata import real_text

XIAOMI = "dellta77-xiaomi-pad6-android14/dumpsys_appops.txt"
SAMSUNG = "mvt-tests/android_data/dumpsys_appops.txt"
DUMPSTATE = "mvt-tests/android_data/bugreport/dumpstate.txt"

ACCESS, REJECT = OpEventKind.ACCESS, OpEventKind.REJECT

# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def all_events(parsed: ParsedAppOps) -> Iterator[OpEvent]:
    for uid in parsed.uids:
        for pkg in uid.packages:
            for entry in pkg.ops:
                yield from entry.events


def find_uid(parsed: ParsedAppOps, uid: int) -> UidOps:
    matches = [u for u in parsed.uids if u.uid == uid]
    assert len(matches) == 1, f"uid {uid}: {len(matches)} blocks"
    return matches[0]


def find_package(parsed: ParsedAppOps, uid: int, package: str) -> PackageOps:
    matches = [p for p in find_uid(parsed, uid).packages if p.package == package]
    assert len(matches) == 1
    return matches[0]


def find_op(pkg: PackageOps, name: str) -> OpEntry:
    matches = [e for e in pkg.ops if e.op == name]
    assert len(matches) == 1
    return matches[0]


def format_duration(ms: int) -> str:
    """TimeUtils.formatDuration, written from its description: ``0``, else sign, then every unit
    from the largest non-zero one down, milliseconds always."""
    if ms == 0:
        return "0"
    out = ["-" if ms < 0 else "+"]
    rest = abs(ms)
    started = False
    for size, unit in ((86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")):
        value, rest = divmod(rest, size)
        if value or started:
            out.append(f"{value}{unit}")
            started = True
    out.append(f"{rest}ms")
    return "".join(out)


def dumpstate_appops(text: str) -> str:
    """The ``DUMP OF SERVICE appops:`` section of a bug report, cut with plain string operations."""
    header = "DUMP OF SERVICE appops:\n"
    start = text.index(header) + len(header)
    end = text.index("\n--------- ", start)
    return text[start : end + 1]


# --------------------------------------------------------------------------------------------------
# parse_duration_ms
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("-1h2m3s4ms", -3_723_004),
        ("+1h2m3s4ms", 3_723_004),
        ("+5ms", 5),
        ("+12s34ms", 12_034),
        ("+1d0h0m5s0ms", 86_405_000),
        ("+3d4h0m0s0ms", 273_600_000),
        ("-314d1h25m2s33ms", -(314 * 86_400_000 + 3_600_000 + 25 * 60_000 + 2_033)),
        ("7ms", 7),  # unsigned: not printed by AOSP, accepted anyway
    ],
)
def test_duration_values(text: str, expected: int) -> None:
    assert parse_duration_ms(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "+", "-", "+5", "+5s", "+1h2m", "1h", "abc", "--5ms", "+1x5ms", " +5ms", "+5ms ", "+5ms)", "+٣ms"],
)
def test_duration_malformed(text: str) -> None:
    assert parse_duration_ms(text) is None


def test_duration_huge_digit_string_is_malformed_not_an_error() -> None:
    # int() refuses digit strings beyond Python's conversion limit; the parser must never get there.
    assert parse_duration_ms("+" + "9" * 5000 + "ms") is None


@given(st.integers(min_value=-(10**14), max_value=10**14))
def test_duration_round_trip(ms: int) -> None:
    assert parse_duration_ms(format_duration(ms)) == ms


@given(st.text(max_size=40))
def test_duration_never_raises(text: str) -> None:
    result = parse_duration_ms(text)
    assert result is None or isinstance(result, int)


# --------------------------------------------------------------------------------------------------
# Real capture: Xiaomi Pad 6, HyperOS, Android 14
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xiaomi() -> ParsedAppOps:
    return parse_dumpsys_appops(real_text(XIAOMI))


def test_xiaomi_counts(xiaomi: ParsedAppOps) -> None:
    assert len(xiaomi.uids) == 286
    assert sum(len(u.packages) for u in xiaomi.uids) == 337  # "    Package " blocks (335 names)
    assert sum(len(p.ops) for u in xiaomi.uids for p in u.packages) == 1628
    assert sum(len(u.uid_modes) for u in xiaomi.uids) == 595
    kinds = Counter(ev.kind for ev in all_events(xiaomi))
    assert kinds == {ACCESS: 1615, REJECT: 569}
    assert xiaomi.truncated is False
    # Every line inside the uid blocks was understood.
    assert [u.uid for u in xiaomi.uids if u.unknown] == []


def test_xiaomi_skipped_sections_leave_one_line_each(xiaomi: ParsedAppOps) -> None:
    assert xiaomi.unknown == (
        "skipped section: Settings",
        "  Profile owners:",
        "    User #0: u0a294",
        "skipped section: Op mode watchers",
        "skipped section: Package mode watchers",
        "skipped section: All op mode watchers",
        "skipped section: All op active watchers",
        "skipped section: All op started watchers",
        "skipped section: All op noted watchers",
        "skipped section: AppOps policy location tags",
        "skipped section: AppOps policy activity recognition tags",
    )


def test_xiaomi_uid_formats(xiaomi: ParsedAppOps) -> None:
    uids = [u.uid for u in xiaomi.uids]
    assert uids[:4] == [0, 1000, 1001, 1002]
    # "Uid u0ai0/u0ai1/u0ai9000/u0i1" at the end: app-zygote isolated 90000+n, and 99000 printed as
    # "ai9000" because formatUid tests appId > FIRST_ISOLATED_UID.
    assert uids[-4:] == [90000, 90001, 99000, 99001]
    assert 10328 in uids  # u0a328


def test_xiaomi_uid_mode_override(xiaomi: ParsedAppOps) -> None:
    system = find_uid(xiaomi, 1000)
    assert system.uid_modes[:3] == (
        ("COARSE_LOCATION", "ignore"),
        ("READ_CONTACTS", "ignore"),
        ("READ_CALL_LOG", "ignore"),
    )
    assert system.uid_modes[-1] == ("TURN_SCREEN_ON", "allow")
    assert len(system.uid_modes) == 11
    assert len(system.packages) == 35
    # u0a92 (com.android.calllogbackup & co.): uid modes before its packages.
    assert find_uid(xiaomi, 10092).uid_modes == (
        ("READ_SMS", "ignore"),
        ("READ_PHONE_NUMBERS", "ignore"),
        ("LEGACY_STORAGE", "ignore"),
    )


def test_xiaomi_op_mode_access_and_reject(xiaomi: ParsedAppOps) -> None:
    sec = find_package(xiaomi, 1000, "com.miui.securitycenter")
    saw = find_op(sec, "SYSTEM_ALERT_WINDOW")
    assert saw.mode == "deny"
    assert saw.events == (
        OpEvent(
            kind=ACCESS,
            uid_state=UidState.PERSISTENT,
            uid_state_raw="pers",
            flags=("s",),
            time="2026-04-25 20:42:44.349",
            ago_ms=8 * 86_400_000 + 21 * 3_600_000 + 47 * 60_000 + 17_388,  # (-8d21h47m17s388ms)
            duration_ms=27_565,  # duration=+27s565ms
        ),
        OpEvent(
            kind=REJECT,
            uid_state=UidState.PERSISTENT,
            uid_state_raw="pers",
            flags=("s",),
            time="2026-05-04 17:52:33.103",  # "Reject: [pers-s]2026-…": no space after "]"
            ago_ms=37 * 60_000 + 28_634,  # (-37m28s634ms)
        ),
    )
    assert find_op(sec, "WRITE_SMS") == OpEntry(op="WRITE_SMS", mode="ignore")


def test_xiaomi_reject_only(xiaomi: ParsedAppOps) -> None:
    entry = find_op(find_package(xiaomi, 1000, "com.android.dynsystem"), "MANAGE_EXTERNAL_STORAGE")
    assert entry.mode == "default"
    (ev,) = entry.events
    assert ev.kind is REJECT
    assert ev.time == "2026-05-02 10:58:13.652"
    assert ev.ago_ms == 199_908_085  # (-2d7h31m48s85ms)


def test_xiaomi_vendor_ops(xiaomi: ParsedAppOps) -> None:
    theme = find_package(xiaomi, 6101, "com.android.thememanager")
    assert find_op(theme, "MIUIOP(10001)").mode == "ask"
    assert find_op(theme, "MIUIOP(10008)").mode == "ignore"
    info = find_package(xiaomi, 10328, "com.liuzh.deviceinfo")
    entry = find_op(info, "MIUIOP(10037)")
    assert entry.mode == "allow"
    assert entry.events == (
        OpEvent(
            kind=ACCESS,
            uid_state=UidState.TOP,
            uid_state_raw="top",
            flags=("s",),
            time="2026-05-03 17:14:35.269",
            ago_ms=90_926_468,  # (-1d1h15m26s468ms)
        ),
    )


def test_xiaomi_proxy_access(xiaomi: ParsedAppOps) -> None:
    pkg = find_package(xiaomi, 10092, "com.android.providers.userdictionary")
    (ev,) = find_op(pkg, "READ_CONTACTS").events
    assert ev.uid_state is UidState.FOREGROUND
    assert ev.flags == ("upd",)
    assert ev.ago_ms == 121_918_913  # (-1d9h51m58s913ms)
    assert ev.proxy == "uid=10174, pkg=com.google.android.gm, attributionTag=null"
    assert sum(1 for e in all_events(xiaomi) if e.proxy is not None) == 24


def test_xiaomi_attribution_tags_and_switch(xiaomi: ParsedAppOps) -> None:
    entry = find_op(find_package(xiaomi, 1000, "android"), "MONITOR_LOCATION")
    assert entry.mode == "allow"
    assert entry.switch == "COARSE_LOCATION=allow"
    assert [(e.attribution_tag, e.kind) for e in entry.events] == [
        (None, ACCESS),  # "null=[" is no tag
        (None, REJECT),
        ("LocationService", ACCESS),
        ("LocationService", REJECT),
        ("SensorNotificationService", ACCESS),
        ("SensorNotificationService", REJECT),
        ("CountryDetector", REJECT),
    ]
    assert entry.events[0].duration_ms == 30_742
    tags = Counter(e.attribution_tag for e in all_events(xiaomi))
    assert tags[None] == 1987
    assert tags["nearby_connections"] == 19
    assert len(tags) == 44


def test_xiaomi_running_ops(xiaomi: ParsedAppOps) -> None:
    saw = find_op(find_package(xiaomi, 1000, "android"), "SYSTEM_ALERT_WINDOW")
    assert saw.running is True
    assert (saw.events[0].ago_ms, saw.events[0].duration_ms) == (2_769, 2_773)
    fgs = find_op(find_package(xiaomi, 10140, "com.xiaomi.aicr"), "START_FOREGROUND")
    assert fgs.running is True  # followed by "startNesting=2", read past
    assert [e.uid_state_raw for e in fgs.events] == ["fgsvc", "fg", "bg", "cch"]
    assert sum(1 for u in xiaomi.uids for p in u.packages for e in p.ops if e.running) == 19


def test_xiaomi_states_and_flags(xiaomi: ParsedAppOps) -> None:
    states = Counter(e.uid_state for e in all_events(xiaomi))
    assert states == {
        UidState.TOP: 552,
        UidState.CACHED: 532,
        UidState.FOREGROUND: 349,
        UidState.BACKGROUND: 292,
        UidState.FOREGROUND_SERVICE: 287,
        UidState.PERSISTENT: 172,
    }
    flags = Counter(f for e in all_events(xiaomi) for f in e.flags)
    assert flags == {"s": 2146, "tpd": 20, "tp": 9, "up": 5, "upd": 4}


def test_xiaomi_ops_are_in_op_code_order(xiaomi: ParsedAppOps) -> None:
    """AppOpsService keeps ops in sparse arrays keyed by op code, so each list prints in ascending
    code order; ``appops get`` parsing relies on it, and this checks the code table against 2223
    real op lines (standard and MIUIOP)."""
    lists = [[n for n, _ in u.uid_modes] for u in xiaomi.uids]
    lists += [[e.op for e in p.ops] for u in xiaomi.uids for p in u.packages]
    for names in lists:
        codes = [c for c in (op_code(n) for n in names) if c is not None]
        assert len(codes) == len(names), names
        assert codes == sorted(codes) and len(set(codes)) == len(codes), names


# --------------------------------------------------------------------------------------------------
# Real capture: Samsung, Android 10 (events directly under the op), and the same in a bug report
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def samsung() -> ParsedAppOps:
    return parse_dumpsys_appops(real_text(SAMSUNG))


def test_samsung_structure(samsung: ParsedAppOps) -> None:
    assert [u.uid for u in samsung.uids] == [0, 1000, 10103, 10104, 10105, 10106, 10107, 10110]
    assert sum(len(u.packages) for u in samsung.uids) == 13
    assert samsung.unknown == ("skipped section: Settings", "skipped section: Op mode watchers")
    assert samsung.truncated is False
    assert find_uid(samsung, 10103).uid_modes == (("COARSE_LOCATION", "ignore"), ("LEGACY_STORAGE", "allow"))
    assert find_op(find_package(samsung, 0, "com.sec.epdg"), "MANAGE_IPSEC_TUNNELS").mode == "deny"


def test_samsung_events_without_tag_wrapper(samsung: ParsedAppOps) -> None:
    fb = find_package(samsung, 10103, "com.facebook.katana")
    (contacts,) = find_op(fb, "READ_CONTACTS").events
    assert contacts == OpEvent(
        kind=ACCESS,
        uid_state=UidState.BACKGROUND,
        uid_state_raw="bg",
        flags=("tpd",),
        time="2022-03-07 18:05:34.325",
        ago_ms=22 * 86_400_000 + 4 * 3_600_000 + 22 * 60_000 + 19_762,  # (-22d4h22m19s762ms)
    )
    sms = find_op(fb, "WRITE_SMS")
    assert sms.mode == "ignore"
    assert [(e.kind, e.uid_state_raw, e.time) for e in sms.events] == [
        (REJECT, "fg", "2021-05-19 22:02:52.054"),
        (REJECT, "bg", "2022-03-10 19:35:06.426"),
        (REJECT, "cch", "2022-03-29 18:48:02.923"),
    ]
    assert [e.duration_ms for e in find_op(fb, "WAKE_LOCK").events] == [None, 33, None]
    assert all(e.attribution_tag is None for e in all_events(samsung))


def test_samsung_android10_proxy(samsung: ParsedAppOps) -> None:
    fdroid = find_package(samsung, 10110, "org.fdroid.fdroid")
    (reject,) = find_op(fdroid, "SYSTEM_ALERT_WINDOW").events
    assert reject.kind is REJECT
    assert reject.proxy == "uid=0, pkg=null"  # Android 10 prints no attributionTag
    assert reject.ago_ms == 100 * 86_400_000 + 15 * 3_600_000 + 17 * 60_000 + 19_123
    toast = find_op(fdroid, "TOAST_WINDOW").events[0]
    assert (toast.duration_ms, toast.proxy) == (1_942, "uid=0, pkg=null")  # duration before proxy


def test_bugreport_section_matches_standalone_dump(samsung: ParsedAppOps) -> None:
    section = parse_dumpsys_appops(dumpstate_appops(real_text(DUMPSTATE)))
    assert len(section.uids) == 7
    assert sum(len(u.packages) for u in section.uids) == 12
    assert section.truncated is False
    # The bug report holds the first seven uid blocks of the same device's dump, line for line.
    assert section.uids == samsung.uids[:7]


# --------------------------------------------------------------------------------------------------
# Constructed samples per Android version
# --------------------------------------------------------------------------------------------------

ANDROID_14 = """\
Current AppOps Service state:
  Settings:
    top_state_settle_time=+5s0ms
  Op mode watchers:
    Op CAMERA:
      #0: ModeCallback{1 watchinguid=-1 flags=0x0 op=CAMERA from uid=1000 pid=1}
  Uid u0a234:
    state=top
    capability=LCMNFU
    appWidgetVisible=false
    pendingState=cch
    foregroundOps:
      FINE_LOCATION: WATCHER
      CAMERA: SILENT
    hasForegroundWatchers=false
      CAMERA: mode=ignore
    Package com.example:
      COARSE_LOCATION (foreground / switch FINE_LOCATION=allow):
        null=[
          Access: [top-s] 2024-05-01 12:00:00.123 (-1h2m3s4ms) duration=+2s0ms
          Access: [fgsvc-tpd] 2024-05-01 11:00:00.000 (-2h0m0s0ms) proxy[uid=1000, pkg=android, attributionTag=null]
          Reject: [bg-s]2024-05-01 09:00:00.000 (-4h0m0s0ms)
          Running start at: +5m0s0ms
        ]
        maps=[
          Access: [vnd-s|tp] 2024-05-01 12:30:00.000 (-30m0s0ms)
        ]
      MIUIOP(10004) (ask):
  Uid u10s1000:
    state=pers
    Package android:
      WAKE_LOCK (allow):
""".replace("):\n", "): \n")  # AOSP prints a space after "):" (Android 9+); kept out of the source


def test_android14_sample() -> None:
    parsed = parse_dumpsys_appops(ANDROID_14)
    assert parsed.unknown == ("skipped section: Settings", "skipped section: Op mode watchers")
    assert parsed.truncated is False
    uid, system = parsed.uids
    assert uid.uid == 10234
    assert uid.uid_modes == (("CAMERA", "ignore"),)  # foregroundOps lines are not uid modes
    assert uid.unknown == ()
    (pkg,) = uid.packages
    coarse, vendor = pkg.ops
    assert vendor == OpEntry(op="MIUIOP(10004)", mode="ask")
    assert (coarse.op, coarse.mode, coarse.switch, coarse.running) == (
        "COARSE_LOCATION",
        "foreground",
        "FINE_LOCATION=allow",
        True,
    )
    assert coarse.events == (
        OpEvent(ACCESS, UidState.TOP, "top", ("s",), "2024-05-01 12:00:00.123", 3_723_004, 2_000),
        OpEvent(
            ACCESS,
            UidState.FOREGROUND_SERVICE,
            "fgsvc",
            ("tpd",),
            "2024-05-01 11:00:00.000",
            7_200_000,
            proxy="uid=1000, pkg=android, attributionTag=null",
        ),
        OpEvent(REJECT, UidState.BACKGROUND, "bg", ("s",), "2024-05-01 09:00:00.000", 14_400_000),
        OpEvent(
            ACCESS,
            UidState.UNKNOWN,  # a state this tool does not know stays as printed
            "vnd",
            ("s", "tp"),
            "2024-05-01 12:30:00.000",
            1_800_000,
            attribution_tag="maps",
        ),
    )
    assert system.uid == 1_001_000  # u10s1000: system uid of user 10
    assert system.packages == (PackageOps("android", (OpEntry(op="WAKE_LOCK", mode="allow"),)),)


def test_fast_path_event_equals_keyword_construction() -> None:
    """The hot path builds events positionally; this pins it to the model's field names."""
    text = "  Uid 1000:\n    Package p:\n      CAMERA (allow):\n        t=[\n"
    text += "          Access: [cch-s|tpd] 2024-01-01 00:00:00.000 (-5ms) duration=+1ms proxy[uid=1]\n"
    text += "        ]\n"
    (uid,) = parse_dumpsys_appops(text).uids
    (event,) = uid.packages[0].ops[0].events
    assert event == OpEvent(
        kind=ACCESS,
        uid_state=UidState.CACHED,
        uid_state_raw="cch",
        flags=("s", "tpd"),
        time="2024-01-01 00:00:00.000",
        ago_ms=5,
        duration_ms=1,
        attribution_tag="t",
        proxy="uid=1",
    )


def test_slot_built_objects_equal_class_built_ones() -> None:
    """Events and ops are built slot by slot (dumpsys._new_event, _new_op_entry): every field,
    each with a value of its own, must land where the class puts it."""
    event = OpEvent(REJECT, UidState.BACKGROUND, "bg", ("tp",), "t", 7, 8, "tag", "proxy")
    built = dumpsys._new_event(REJECT, UidState.BACKGROUND, "bg", ("tp",), "t", 7, 8, "tag", "proxy")
    assert built == event and repr(built) == repr(event) and type(built) is OpEvent
    entry = OpEntry("CAMERA", "allow", (event,), True, "X=allow")
    assert dumpsys._new_op_entry("CAMERA", "allow", (event,), True, "X=allow") == entry


def test_slot_builder_refuses_a_changed_model() -> None:
    with pytest.raises(TypeError, match="OpEntry changed"):
        slot_setters(OpEntry, ("op", "mode", "events", "running"))
    with pytest.raises(TypeError, match="OpEvent changed"):
        slot_setters(
            OpEvent,
            (
                "uid_state",
                "kind",
                "uid_state_raw",
                "flags",
                "time",
                "ago_ms",
                "duration_ms",
                "attribution_tag",
                "proxy",
            ),
        )


@pytest.mark.parametrize("state", [s for s in UidState if s is not UidState.UNKNOWN])
def test_every_uid_state_maps(state: UidState) -> None:
    text = f"  Uid 1000:\n    Package p:\n      CAMERA (allow):\n          Access: [{state.value}-s] 2024 (-1ms)\n"
    (event,) = parse_dumpsys_appops(text).uids[0].packages[0].ops[0].events
    assert (event.uid_state, event.uid_state_raw) == (state, state.value)


def test_unknown_uid_state_keeps_raw_text() -> None:
    text = "  Uid 1000:\n    Package p:\n      CAMERA (allow):\n          Reject: [unknown-s]2024 (-1ms)\n"
    (event,) = parse_dumpsys_appops(text).uids[0].packages[0].ops[0].events
    assert (event.uid_state, event.uid_state_raw) == (UidState.UNKNOWN, "unknown")


ANDROID_10 = """\
Current AppOps Service state:
  Uid u0a103:
    state=cch
      COARSE_LOCATION: mode=ignore
    Package com.example:
      READ_CONTACTS (allow):
          Access: [bg-tpd] 2022-03-07 18:05:34.325 (-22d4h22m19s762ms)
      WRITE_SMS (ignore):
          Reject: [fg-s]2021-05-19 22:02:52.054 (-314d1h25m2s33ms)
          Reject: [cch-s]2022-03-29 18:48:02.923 (-4h39m51s164ms)
      RECORD_AUDIO (allow):
          Access: [top-s] 2022-03-29 23:03:03.763 (-24m50s324ms) duration=+33ms proxy[uid=0, pkg=null]
          Running start at: +1s0ms
"""


def test_android10_sample_without_wrapper() -> None:
    parsed = parse_dumpsys_appops(ANDROID_10)
    assert parsed.unknown == () and parsed.truncated is False
    (uid,) = parsed.uids
    assert uid.uid_modes == (("COARSE_LOCATION", "ignore"),)
    contacts, sms, audio = uid.packages[0].ops
    assert contacts.events[0].flags == ("tpd",)
    assert [e.ago_ms for e in sms.events] == [
        314 * 86_400_000 + 3_600_000 + 25 * 60_000 + 2_033,
        4 * 3_600_000 + 39 * 60_000 + 51_164,
    ]
    assert audio.running is True
    (ev,) = audio.events
    assert (ev.duration_ms, ev.proxy, ev.attribution_tag) == (33, "uid=0, pkg=null", None)


ANDROID_9 = """\
Current AppOps Service state:
  Uid u0a50:
    state=top
    startNesting=1
    Package com.example.old:
      CAMERA (allow):
          Access: top   = 2019-03-01 10:00:00.000 (-1h0m0s0ms)
                  bg    = 2019-02-28 09:00:00.000 (-1d2h0m0s0ms)
          Reject: cch   = 2019-02-27 10:00:00.000 (-2d1h0m0s0ms)
          duration=+5s0ms
      MONITOR_LOCATION (allow / switch COARSE_LOCATION=allow):
          Access: fgsvc = 2019-03-01 10:59:00.000 (-1m0s0ms)
          Running start at: +1m0s0ms
          startNesting=1
""".replace("):\n", "): \n")


def test_android9_sample_padded_states_and_continuations() -> None:
    parsed = parse_dumpsys_appops(ANDROID_9)
    assert parsed.unknown == () and parsed.truncated is False
    (uid,) = parsed.uids
    assert uid.unknown == ()
    camera, monitor = uid.packages[0].ops
    assert camera.events == (
        # the op's one duration belongs to its newest access
        OpEvent(ACCESS, UidState.TOP, "top", (), "2019-03-01 10:00:00.000", 3_600_000, 5_000),
        OpEvent(ACCESS, UidState.BACKGROUND, "bg", (), "2019-02-28 09:00:00.000", 93_600_000),
        OpEvent(REJECT, UidState.CACHED, "cch", (), "2019-02-27 10:00:00.000", 176_400_000),
    )
    assert monitor.switch == "COARSE_LOCATION=allow"
    assert monitor.running is True
    assert monitor.events[0].uid_state is UidState.FOREGROUND_SERVICE


ANDROID_8 = """\
Current AppOps Service state:
  Uid u0a50:
      COARSE_LOCATION: mode=1
    Package com.example.old:
      CAMERA: mode=0; time=+1h0m0s0ms ago; rejectTime=+2h0m0s0ms ago; duration=+5s0ms
      RECORD_AUDIO: mode=0; time=+5s0ms ago (running)
      WAKE_LOCK: mode=1
"""


def test_android8_sample_numeric_modes_and_relative_times() -> None:
    parsed = parse_dumpsys_appops(ANDROID_8)
    assert parsed.unknown == () and parsed.truncated is False
    (uid,) = parsed.uids
    assert uid.unknown == ()
    assert uid.uid_modes == (("COARSE_LOCATION", "ignore"),)
    camera, audio, wake = uid.packages[0].ops
    assert camera.mode == "allow"
    assert [(e.kind, e.ago_ms, e.duration_ms, e.uid_state) for e in camera.events] == [
        (ACCESS, 3_600_000, 5_000, UidState.UNKNOWN),
        (REJECT, 7_200_000, None, UidState.UNKNOWN),
    ]
    assert audio.running is True and audio.events[0].ago_ms == 5_000
    assert wake == OpEntry(op="WAKE_LOCK", mode="ignore")


@pytest.mark.parametrize(
    ("printed", "uid"),
    [
        ("0", 0),
        ("1000", 1000),
        ("u0a234", 10234),
        ("u10a234", 1_010_234),
        ("u10s1000", 1_001_000),
        ("u0i1", 99_001),
        ("u0ai0", 90_000),
        ("u0ai9000", 99_000),
        ("u999a12", 99_910_012),
    ],
)
def test_format_uid(printed: str, uid: int) -> None:
    (block,) = parse_dumpsys_appops(f"  Uid {printed}:\n    state=cch\n").uids
    assert block.uid == uid
    assert block.unknown == ()


@pytest.mark.parametrize("printed", ["", "u", "ux", "u0", "u0a", "u0x5", "u0a5x", "abc", "-5", "u0a" + "9" * 40])
def test_unparseable_uid_keeps_block_under_minus_one(printed: str) -> None:
    text = f"  Uid {printed}:\n    Package p:\n      CAMERA (allow):\n"
    (block,) = parse_dumpsys_appops(text).uids
    assert block.uid == -1
    assert block.unknown == (f"  Uid {printed}:",)
    assert block.packages[0].ops == (OpEntry(op="CAMERA", mode="allow"),)


def test_history_and_discrete_sections_are_skipped_whole() -> None:
    text = (
        "Current AppOps Service state:\n"
        "  Uid u0a1:\n"
        "    Package a:\n"
        "      CAMERA (allow):\n"
        "\n"
        "  History:  mode=HISTORICAL_MODE_ENABLED_ACTIVE\n"
        "    Uid u0a166:\n"
        "      Package com.example.keyboard:\n"
        "        READ_CLIPBOARD:\n"
        "          [bg-s] = access=3\n"
        "Discrete accesses: \n"
        "  Largest chain id: 0\n"
        "  Uid: 10123\n"
        "    Package: com.example.camera\n"
        "      CAMERA\n"
        "        Attribution: null\n"
        "          Access [top-s] at 2024-05-01 12:34:00.000 for 60000 milliseconds\n"
    )
    parsed = parse_dumpsys_appops(text)
    assert [u.uid for u in parsed.uids] == [10001]
    assert parsed.unknown == ("skipped section: History", "skipped section: Discrete accesses")


def test_lines_not_understood_stay_with_their_uid() -> None:
    text = (
        "  Uid 1000:\n"
        "    someNewKey=1\n"
        "      CAMERA: WATCHER\n"
        "    Package p:\n"
        "      CAMERA (allow):\n"
        "          Access: [top-s] 2024 (-1ms) mystery=1\n"
        "          Something new\n"
    )
    (uid,) = parse_dumpsys_appops(text).uids
    assert uid.unknown == (
        "    someNewKey=1",
        "      CAMERA: WATCHER",
        "          Access: [top-s] 2024 (-1ms) mystery=1",
        "          Something new",
    )
    # The readable part of the odd event line is kept.
    assert uid.packages[0].ops[0].events[0].ago_ms == 1


def test_event_fields_in_any_order() -> None:
    text = (
        "  Uid 1000:\n    Package p:\n      CAMERA (allow):\n"
        "          Access: [top-s] 2024-01-01 00:00:00.000 duration=+5ms (-1s0ms)\n"
        "          Access: [bg-s] 2024-01-01 00:00:00.000 (-2s0ms) proxy[uid=1] duration=+6ms\n"
    )
    (uid,) = parse_dumpsys_appops(text).uids
    assert uid.unknown == ()
    first, second = uid.packages[0].ops[0].events
    assert (first.time, first.ago_ms, first.duration_ms) == ("2024-01-01 00:00:00.000", 1_000, 5)
    assert (second.ago_ms, second.duration_ms, second.proxy) == (2_000, 6, "uid=1")


# --------------------------------------------------------------------------------------------------
# appops get
# --------------------------------------------------------------------------------------------------

GET_SAMPLE = """\
Uid mode: CAMERA: ignore
RECORD_AUDIO: ignore
COARSE_LOCATION: foreground; time=+1h2m3s4ms ago; duration=+5s0ms
RECORD_AUDIO: allow; time=+12s34ms ago (running)
READ_SMS: ignore; rejectTime=+3d4h0m0s0ms ago
"""


def unknown_access(ago: int, duration: int | None = None, tag: str | None = None) -> OpEvent:
    return OpEvent(
        kind=ACCESS,
        uid_state=UidState.UNKNOWN,
        uid_state_raw="unknown",
        ago_ms=ago,
        duration_ms=duration,
        attribution_tag=tag,
    )


def test_appops_get_sample() -> None:
    result = parse_appops_get(GET_SAMPLE, "com.example", 10234)
    assert result.uid == 10234
    assert result.uid_modes == (("CAMERA", "ignore"), ("RECORD_AUDIO", "ignore"))
    assert result.unknown == ()
    (pkg,) = result.packages
    assert pkg.package == "com.example"
    assert pkg.ops == (
        OpEntry(op="COARSE_LOCATION", mode="foreground", events=(unknown_access(3_723_004, 5_000),)),
        OpEntry(op="RECORD_AUDIO", mode="allow", events=(unknown_access(12_034),), running=True),
        OpEntry(
            op="READ_SMS",
            mode="ignore",
            events=(OpEvent(REJECT, UidState.UNKNOWN, "unknown", ago_ms=273_600_000),),
        ),
    )


def test_appops_get_order_ends_uid_part() -> None:
    # A mode-only package line whose op code is not above the last uid op starts the package part
    # (uid ops and package ops are each printed in ascending op-code order).
    text = "Uid mode: CAMERA: ignore\nREAD_SMS: ignore\nSYSTEM_ALERT_WINDOW: allow\nWAKE_LOCK: allow\n"
    result = parse_appops_get(text, "p")
    assert result.uid_modes == (("CAMERA", "ignore"),)  # READ_SMS (14) < CAMERA (26)
    assert [e.op for e in result.packages[0].ops] == ["READ_SMS", "SYSTEM_ALERT_WINDOW", "WAKE_LOCK"]


def test_appops_get_repeated_op_ends_uid_part() -> None:
    text = "Uid mode: MIUIOP(10001): ask\nMIUIOP(10001): allow\n"
    result = parse_appops_get(text, "p")
    assert result.uid_modes == (("MIUIOP(10001)", "ask"),)
    assert result.packages[0].ops == (OpEntry(op="MIUIOP(10001)", mode="allow"),)


def test_appops_get_by_uid_has_only_uid_modes() -> None:
    text = "Uid mode: COARSE_LOCATION: foreground\nFINE_LOCATION: foreground\nCAMERA: ignore\n"
    result = parse_appops_get(text, uid=10234)
    assert result.uid_modes == (
        ("COARSE_LOCATION", "foreground"),
        ("FINE_LOCATION", "foreground"),
        ("CAMERA", "ignore"),
    )
    assert result.packages == ()


def test_appops_get_no_operations() -> None:
    assert parse_appops_get("No operations.\n", "p") == UidOps(uid=-1, packages=(PackageOps("p"),))
    result = parse_appops_get("No operations.\nDefault mode: allow\n", "p", 5)
    assert result.packages == (PackageOps("p"),)
    assert result.unknown == ("Default mode: allow",)


def test_appops_get_error_claims_nothing() -> None:
    result = parse_appops_get("Error: No UID for com.gone in user 0\n", "com.gone")
    assert result.packages == ()
    assert result.unknown == ("Error: No UID for com.gone in user 0",)
    assert parse_appops_get("", "p") == UidOps(uid=-1)


def test_appops_get_running_without_time_and_attribution() -> None:
    text = "CAMERA: allow (running)\nRECORD_AUDIO: allow (assistant); time=+1s0ms ago\n"
    camera, audio = parse_appops_get(text, "p").packages[0].ops
    assert camera == OpEntry(op="CAMERA", mode="allow", running=True)
    assert audio.events == (unknown_access(1_000, tag="assistant"),)


def test_appops_get_fields_in_any_order_and_separator() -> None:
    text = "CAMERA: allow; duration=+5ms; time=+1s0ms ago\nWAKE_LOCK: allow time=+2s0ms ago rejectTime=+3s0ms ago\n"
    camera, wake = parse_appops_get(text, "p").packages[0].ops
    assert camera.events == (unknown_access(1_000, 5),)
    assert [(e.kind, e.ago_ms) for e in wake.events] == [(ACCESS, 2_000), (REJECT, 3_000)]


@pytest.mark.parametrize(
    "line",
    [
        "Error: No UID for com.gone in user 0",
        "Error: Unknown operation string: FOO",
        "java.lang.SecurityException: uid 2000 does not have android.permission.UPDATE_APP_OPS_STATS.",
        "Security exception: Package com.x does not belong to 2000",
    ],
)
def test_appops_get_error_lines_are_not_ops(line: str) -> None:
    result = parse_appops_get(line + "\n", "p")
    assert result == UidOps(uid=-1, unknown=(line,))


def test_appops_get_keeps_unreadable_parts() -> None:
    text = "CAMERA: allow; time=+1h ago; weird=1\n"
    result = parse_appops_get(text, "p")
    assert result.unknown == ("CAMERA: allow; time=+1h ago; weird=1",)
    assert result.packages[0].ops[0].events[0].ago_ms is None  # "+1h" lacks the ms part


def test_appops_get_loop_groups_by_uid() -> None:
    text = (
        "stray line\n"
        + marker_line(package="a", user="0", uid="10001")
        + "\nUid mode: CAMERA: ignore\nWAKE_LOCK: allow; time=+1s0ms ago\n"
        + marker_line(package="b", user="0", uid="10001")
        + "\nUid mode: CAMERA: ignore\nNo operations.\n"
        + marker_line(package="c", user="10", uid="1010002")
        + "\nNo operations.\n"
        + marker_line(package="d", user="0")
        + "\nNo operations.\n"
        + marker_line(package="e", user="0")
        + "\nError: No UID for e in user 0\n"
    )
    parsed = parse_appops_get_loop(text)
    assert parsed.unknown == ("stray line",)
    assert parsed.truncated is False
    shared, other, no_uid_d, no_uid_e = parsed.uids
    assert shared.uid == 10001
    assert shared.uid_modes == (("CAMERA", "ignore"),)  # printed twice, kept once
    assert [p.package for p in shared.packages] == ["a", "b"]
    assert shared.packages[0].ops[0].events == (unknown_access(1_000),)
    assert (other.uid, other.packages) == (1_010_002, (PackageOps("c"),))
    assert (no_uid_d.uid, no_uid_d.packages) == (-1, (PackageOps("d"),))
    assert (no_uid_e.uid, no_uid_e.packages, no_uid_e.unknown) == (-1, (), ("Error: No UID for e in user 0",))


def test_appops_get_loop_crlf_and_truncation() -> None:
    text = marker_line(package="a", user="0", uid="10001") + "\nCAMERA: allow; time=+1s0ms ago\n"
    clean = parse_appops_get_loop(text)
    assert parse_appops_get_loop(text.replace("\n", "\r\n")) == clean
    cut = parse_appops_get_loop(text[:-8])  # "…time=+1s0" : the last line is cut
    assert cut.truncated is True
    assert clean.truncated is False


# --------------------------------------------------------------------------------------------------
# Hostile input: a damaged capture gives part of the intact result, never something else, and
# says what it could not read
# --------------------------------------------------------------------------------------------------

EventKey = tuple[int, str, OpEvent]


def event_keys(parsed: ParsedAppOps) -> set[EventKey]:
    """Every event as (uid, op, event). Package and attribution tag are left out: a damaged
    ``Package`` or ``<tag>=[`` line rightly leaves the next lines with the package or tag before."""
    return {
        (uid.uid, entry.op, replace(ev, attribution_tag=None))
        for uid in parsed.uids
        for pkg in uid.packages
        for entry in pkg.ops
        for ev in entry.events
    }


def all_unknown(parsed: ParsedAppOps) -> list[str]:
    return [*parsed.unknown, *(line for uid in parsed.uids for line in uid.unknown)]


def uid_of_lines(text: str) -> list[int | None]:
    """For each line of a dump, the uid block it is in (read from the ``  Uid …:`` headers alone)."""
    owners: list[int | None] = []
    current: int | None = None
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if indent < 2 and stripped:
            current = None
        elif indent == 2 and stripped:
            current = find_uid_number(stripped)
        owners.append(current)
    return owners


def find_uid_number(header: str) -> int | None:
    """``Uid u0a92:`` → 10092, through the parser on a one-line dump (``None``: not a uid header)."""
    if not (header.startswith("Uid ") and header.rstrip().endswith(":")):
        return None
    (block,) = parse_dumpsys_appops("  " + header + "\n").uids
    return block.uid


@pytest.mark.parametrize(
    ("text", "unknown", "truncated"),
    [
        ("", (), False),
        ("\n", (), False),
        ("   \n\t\n", ("\t",), False),  # a blank line is skipped, a tab is a line not understood
        ("\x00\x00", ("\x00\x00",), True),  # not understood and no final newline: cut
        ("]", ("]",), True),
        ("=[", ("=[",), True),
        ("  Uid", ("  Uid",), True),
        ("Uid mode: ", ("Uid mode: ",), True),
    ],
)
def test_degenerate_dumpsys_input(text: str, unknown: tuple[str, ...], truncated: bool) -> None:
    assert parse_dumpsys_appops(text) == ParsedAppOps(uids=(), truncated=truncated, unknown=unknown)


def test_degenerate_uid_header_keeps_its_block() -> None:
    assert parse_dumpsys_appops("  Uid :") == ParsedAppOps(uids=(UidOps(uid=-1, unknown=("  Uid :",)),))


@pytest.mark.parametrize("text", ["\x00\x00", "]", "=[", "  Uid", "  Uid :", "Uid mode: "])
def test_degenerate_get_input(text: str) -> None:
    assert parse_appops_get(text) == UidOps(uid=-1, unknown=(text,))
    assert parse_appops_get_loop(text) == ParsedAppOps(uids=(), truncated=True, unknown=(text,))


@pytest.mark.parametrize("text", ["", "\n", "   \n\t\n"])
def test_blank_get_input(text: str) -> None:
    assert parse_appops_get(text) == UidOps(uid=-1)
    assert parse_appops_get_loop(text) == ParsedAppOps(uids=())


def test_empty_input_is_empty() -> None:
    assert parse_dumpsys_appops("") == ParsedAppOps(uids=())
    assert parse_appops_get_loop("") == ParsedAppOps(uids=())


def test_binary_garbage_is_kept_line_for_line() -> None:
    rng = random.Random(1234)
    for size in (1, 100, 10_000, 200_000):
        text = decode_output(rng.randbytes(size)).text
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        parsed = parse_dumpsys_appops(text)
        assert parsed.uids == ()
        # Every line with something after its indentation is kept as it was, in order.
        assert parsed.unknown == tuple(line for line in lines if line.lstrip(" "))
        assert parsed.truncated is (not text.endswith(("\n", "\r")))
        got = parse_appops_get(text)
        assert (got.uid_modes, got.packages) == ((), ())
        assert got.unknown == tuple(line for line in lines if line.strip())


def test_binary_garbage_inside_the_real_capture(xiaomi: ParsedAppOps) -> None:
    text = real_text(XIAOMI)
    intact = event_keys(xiaomi)
    at = text.index("    Package com.miui.securitycenter:\n")
    garbage = decode_output(random.Random(5).randbytes(3000)).text
    garbage = garbage.replace("\r", "").replace("\n", "").replace("=", "").replace("(", "")
    damaged = parse_dumpsys_appops(text[:at] + "    " + garbage + "\n" + text[at:])
    # The garbage line is kept in uid 1000, whose packages continue; the securitycenter header
    # after it still opens its package, so nothing is lost.
    (system,) = [u for u in damaged.uids if u.uid == 1000]
    assert system.unknown == ("    " + garbage,)
    assert event_keys(damaged) == intact
    assert [u for u in damaged.uids if u.uid != 1000] == [u for u in xiaomi.uids if u.uid != 1000]


def test_crlf_and_utf16_decode_to_the_same_result(xiaomi: ParsedAppOps) -> None:
    raw = real_text(XIAOMI)
    crlf = decode_output(raw.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_appops(crlf) == xiaomi
    utf16 = decode_output(codecs.BOM_UTF16_LE + raw.encode("utf-16-le")).text
    assert parse_dumpsys_appops(utf16) == xiaomi
    # And CRLF text that did not go through the decoder.
    assert parse_dumpsys_appops(raw.replace("\n", "\r\n")) == xiaomi


def test_truncation_at_many_points(xiaomi: ParsedAppOps) -> None:
    text = real_text(XIAOMI)
    intact = event_keys(xiaomi)
    previous = 0
    for cut in [*range(0, len(text), 997), len(text)]:
        part = parse_dumpsys_appops(text[:cut])
        # Everything but the last (possibly partial) uid block is identical to the full parse …
        complete = part.uids[:-1]
        assert complete == xiaomi.uids[: len(complete)]
        # … and the last one holds only what the intact dump has, except the event on the cut line.
        keys = event_keys(part)
        assert len(keys - intact) <= 1
        # Events only ever accumulate as the cut moves on (none lost before the cut line).
        assert len(keys & intact) >= previous - 1
        previous = len(keys & intact)
        # A cut inside "<tag>=[" … "]" is always reported.
        opened, closed = text.rfind("=[\n", 0, cut), text.rfind("\n        ]", 0, cut)
        if opened > closed and not text[:cut].endswith("=[\n") and cut > 0:
            assert part.truncated is True, cut
    assert previous == len(intact)


def test_truncation_is_detected() -> None:
    text = real_text(XIAOMI)
    event = "          Access: [top-s] 2026-05-03 17:14:35.269 (-1d1h15m26s468ms)\n"
    end = text.index(event) + len(event)
    assert parse_dumpsys_appops(text[:end]).truncated is True  # inside "null=[" … "]"
    assert parse_dumpsys_appops(text[: end - 10]).truncated is True  # mid-line
    assert parse_dumpsys_appops(text[: end + len("        ]\n")]).truncated is False


@functools.cache
def _xiaomi_facts() -> tuple[list[str], list[int], list[int | None], set[EventKey], set[int]]:
    """The Xiaomi capture's lines, the lines worth damaging (those of the uid blocks that say
    something; not the entries of foregroundOps, which are skipped), each line's uid, and the
    intact parse's events and uids."""
    text = real_text(XIAOMI)
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("  Uid "))
    last = next(i for i in range(len(lines) - 1, 0, -1) if lines[i].startswith("  Uid "))
    candidates, in_foreground_ops = [], False
    for i in range(first, last):
        indent = len(lines[i]) - len(lines[i].lstrip(" "))
        if indent <= 4:
            in_foreground_ops = lines[i].strip() == "foregroundOps:"
        elif lines[i].strip() and not (in_foreground_ops and indent == 6):
            candidates.append(i)
        if indent <= 4 and lines[i].strip() and not in_foreground_ops:
            candidates.append(i)
    intact = parse_dumpsys_appops(text)
    return lines, candidates, uid_of_lines(text), event_keys(intact), {u.uid for u in intact.uids}


@settings(max_examples=100, deadline=None)
@given(choice=st.integers(min_value=0), noise=st.binary(min_size=1, max_size=60))
def test_one_damaged_line_costs_only_its_own_block(choice: int, noise: bytes) -> None:
    lines, candidates, owners, intact, uids = _xiaomi_facts()
    i = candidates[choice % len(candidates)]
    garbage = decode_output(noise).text.replace("\r", "").replace("\n", "")
    indent = len(lines[i]) - len(lines[i].lstrip(" "))
    damaged_line = " " * indent + "\x00" + garbage  # never a valid line: no line starts with NUL
    damaged = parse_dumpsys_appops("\n".join([*lines[:i], damaged_line, *lines[i + 1 :]]))

    # The damaged line is kept, as it was.
    assert damaged_line in all_unknown(damaged)
    # Nothing is invented …
    keys = event_keys(damaged)
    assert keys <= intact
    assert {u.uid for u in damaged.uids} <= uids
    # … and only the damaged line's uid block can lose events (all of them when its "Uid" header
    # was the damaged line; at most one when it was an event line).
    lost = intact - keys
    assert {uid for uid, _, _ in lost} <= {owners[i]}
    if lines[i].lstrip().startswith(("Access:", "Reject:")):
        assert len(lost) <= 1


@settings(max_examples=300, deadline=None)
@given(mutated(ANDROID_14 + ANDROID_9 + ANDROID_8))
def test_damage_never_reaches_back(text: str) -> None:
    """Uid blocks before the first damaged character read exactly as in the intact sample."""
    sample = ANDROID_14 + ANDROID_9 + ANDROID_8
    intact = parse_dumpsys_appops(sample)
    same = 0
    while same < min(len(text), len(sample)) and text[same] == sample[same]:
        same += 1
    # A block is safe when the next uid's header line is complete before the damage.
    headers = [m for m in range(len(sample)) if sample.startswith("\n  Uid ", m)]
    safe = sum(1 for m in headers if sample.find("\n", m + 1) < same) - 1
    parsed = parse_dumpsys_appops(text)
    if safe > 0:
        assert parsed.uids[:safe] == intact.uids[:safe]
    # Whatever the damage, every line kept as not understood is a line of the input.
    notes = {line for line in parsed.unknown if line.startswith("skipped section: ")}
    assert set(all_unknown(parsed)) - notes <= set(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


@settings(max_examples=300, deadline=None)
@given(mutated(GET_SAMPLE))
def test_appops_get_keeps_what_it_cannot_read(text: str) -> None:
    result = parse_appops_get(text, "p", 7)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert set(result.unknown) <= set(lines)
    # Every op read comes from a line of the input, and so does every uid mode.
    stripped = {line.strip() for line in lines}
    for name, mode in result.uid_modes:
        assert any(name in line and mode in line for line in stripped)
    for pkg in result.packages:
        for entry in pkg.ops:
            assert any(line.startswith(entry.op) or entry.op in line for line in stripped)
    if text == GET_SAMPLE:
        assert result == parse_appops_get(GET_SAMPLE, "p", 7)
