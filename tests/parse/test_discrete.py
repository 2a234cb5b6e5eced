"""The discrete access history: every registry's dump form (Android 12, 12L–15, 16 XML, 16 SQLite), the
Android 11 marker, output without a history, and hostile or cut text.

The samples are written as AOSP's dump methods print them (``DiscreteRegistry``, ``DiscreteOpsXmlRegistry``,
``DiscreteOpsSqlRegistry``, called from ``AppOpsService.dump`` after ``"Discrete accesses: "`` with the
prefix ``"  "``): the trailing space after ``milliseconds``, the two spaces before ``attribution flags``
and the unindented table rows are on purpose.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from auditor.model import DiscreteAccess, HistoryStatus, ParsedDiscreteHistory, UidState
from auditor.parse.appops import discrete
from auditor.parse.appops.discrete import parse_discrete_history
from auditor.parse.appops.fields import slot_setters
from tests.parse.damage import GARBAGE, Contract, cut_points
from tests.parse.strategies import mutated


# The aggregated history that --history prints first (HistoricalRegistry.dump, StringDumpVisitor): its
# "Uid"/"Package" lines look like the discrete ones and must not be taken for them.
def _aosp(text: str) -> str:
    """A sample as written below, with each line-final ``·`` standing for the space AOSP prints there."""
    return text.replace("·\n", " \n")


AGGREGATED = """Current AppOps Service state:

  History:  mode=HISTORICAL_MODE_ENABLED_ACTIVE

    snapshot:
      begin = 2024-06-03 14:56:27.000  (-15m0s0ms)
      end = 2024-06-03 15:11:27.000  (0)

      Uid u0a234:
        Package com.example.stalker:
          CAMERA:
            bg = access=3
"""

# Android 12 as first released: no chain id line, no attribution flags.
ANDROID_12 = AGGREGATED + _aosp(
    """Discrete accesses:·
  Uid: 10234
    Package: com.example.stalker
      CAMERA
        Attribution: null
          Access [cch-s] at 2024-06-01 01:12:00.000
          Access [cch-s] at 2024-06-01 01:12:00.000 for 360000 milliseconds·
      RECORD_AUDIO
        Attribution: null
          Access [bg-s] at 2024-06-02 01:40:00.000 for 3120000 milliseconds·
  Uid: 1010240
    Package: com.example.messenger.fg
      CAMERA
        Attribution: video_call
          Access [top-s] at 2024-06-02 09:11:00.000 for 60000 milliseconds·
"""
)

# Android 12L–15: "Largest chain id:", attribution flags and chain ids, a proxied access (flags tpd).
ANDROID_14 = _aosp("""Current AppOps Service state:

Discrete accesses:·
  Largest chain id: 41
  Uid: 10213
    Package: com.example.maps
      FINE_LOCATION
        Attribution: null
          Access [top-tpd] at 2024-06-03 14:30:00.000
  Uid: 10216
    Package: com.example.messenger.fg
      RECORD_AUDIO
        Attribution: null
          Access [top-tpd] at 2024-06-03 12:07:00.000 for 60000 milliseconds  attribution flags=12 with chainId=41
  Uid: 10090
    Package: com.google.android.googlequicksearchbox
      RECORD_AUDIO
        Attribution: speech
          Access [fg-tp] at 2024-06-03 12:07:00.000 attribution flags=9 with chainId=41
""")

# Android 16, XML registry: a "Device:" level between the op and its attributions.
ANDROID_16_XML = _aosp("""Discrete accesses:·
  Largest chain id: 0
  Uid: 10234
    Package: com.example.stalker
      CAMERA
        Device: default:0
          Attribution: null
            Access [bg-s] at 2024-06-01 01:12:31.204 for 355120 milliseconds·
        Device: companion:2
          Attribution: null
            Access [top-s] at 2024-06-01 03:00:00.001
""")

# Android 16, SQLite registry: one unindented row per access; -1 means no duration / no chain.
ANDROID_16_SQL = _aosp("""Discrete accesses:·
  Largest chain id: 3
UID|PACKAGE_NAME|DEVICE_ID|OP_NAME|ATTRIBUTION_TAG|UID_STATE|OP_FLAGS|ATTR_FLAGS|CHAIN_ID|ACCESS_TIME|DURATION
10234|com.example.stalker|default:0|RECORD_AUDIO|null|bg|s|0|-1|2024-06-02 01:40:12.345|3118000
10216|com.example.messenger.fg|default:0|RECORD_AUDIO|voice|note|cch|tpd|12|3|2024-06-03 12:07:00.000|-1

""")

NOT_SUPPORTED = "##auditor## history=none sdk=30\n"


def _ev(
    uid: int,
    package: str,
    op: str,
    state: UidState,
    raw: str,
    flags: tuple[str, ...],
    time: str,
    duration: int | None = None,
    *,
    tag: str | None = None,
    attribution: int = 0,
    chain: int | None = None,
    device: str | None = None,
) -> DiscreteAccess:
    return DiscreteAccess(uid, package, op, tag, state, raw, flags, time, duration, attribution, chain, device)


CCH, BG, TOP, FG = UidState.CACHED, UidState.BACKGROUND, UidState.TOP, UidState.FOREGROUND


def test_android_12_first_form() -> None:
    parsed = parse_discrete_history(ANDROID_12)
    assert parsed == ParsedDiscreteHistory(
        status=HistoryStatus.READ,
        events=(
            _ev(10234, "com.example.stalker", "CAMERA", CCH, "cch", ("s",), "2024-06-01 01:12:00.000"),
            _ev(10234, "com.example.stalker", "CAMERA", CCH, "cch", ("s",), "2024-06-01 01:12:00.000", 360_000),
            _ev(10234, "com.example.stalker", "RECORD_AUDIO", BG, "bg", ("s",), "2024-06-02 01:40:00.000", 3_120_000),
            _ev(
                1010240,
                "com.example.messenger.fg",
                "CAMERA",
                TOP,
                "top",
                ("s",),
                "2024-06-02 09:11:00.000",
                60_000,
                tag="video_call",
            ),
        ),
        skipped_lines=9,
    )


def test_android_14_chains_and_proxies() -> None:
    parsed = parse_discrete_history(ANDROID_14)
    assert parsed.status is HistoryStatus.READ and parsed.largest_chain_id == 41 and parsed.unknown == ()
    assert parsed.skipped_lines == 1  # "Current AppOps Service state:"
    assert parsed.events == (
        _ev(10213, "com.example.maps", "FINE_LOCATION", TOP, "top", ("tpd",), "2024-06-03 14:30:00.000"),
        _ev(
            10216,
            "com.example.messenger.fg",
            "RECORD_AUDIO",
            TOP,
            "top",
            ("tpd",),
            "2024-06-03 12:07:00.000",
            60_000,
            attribution=12,
            chain=41,
        ),
        _ev(
            10090,
            "com.google.android.googlequicksearchbox",
            "RECORD_AUDIO",
            FG,
            "fg",
            ("tp",),
            "2024-06-03 12:07:00.000",
            tag="speech",
            attribution=9,
            chain=41,
        ),
    )


def test_android_16_xml_device_level() -> None:
    parsed = parse_discrete_history(ANDROID_16_XML)
    assert parsed.unknown == () and parsed.largest_chain_id == 0
    assert parsed.events == (
        _ev(
            10234,
            "com.example.stalker",
            "CAMERA",
            BG,
            "bg",
            ("s",),
            "2024-06-01 01:12:31.204",
            355_120,
            device="default:0",
        ),
        _ev(
            10234, "com.example.stalker", "CAMERA", TOP, "top", ("s",), "2024-06-01 03:00:00.001", device="companion:2"
        ),
    )


def test_android_16_sqlite_table_keeps_a_tag_with_the_separator_whole() -> None:
    parsed = parse_discrete_history(ANDROID_16_SQL)
    assert parsed.table and parsed.largest_chain_id == 3 and parsed.unknown == ()
    assert parsed.events == (
        _ev(
            10234,
            "com.example.stalker",
            "RECORD_AUDIO",
            BG,
            "bg",
            ("s",),
            "2024-06-02 01:40:12.345",
            3_118_000,
            device="default:0",
        ),
        _ev(
            10216,
            "com.example.messenger.fg",
            "RECORD_AUDIO",
            CCH,
            "cch",
            ("tpd",),
            "2024-06-03 12:07:00.000",
            tag="voice|note",
            attribution=12,
            chain=3,
            device="default:0",
        ),
    )


def test_an_empty_history_is_read_and_says_so() -> None:
    parsed = parse_discrete_history("Current AppOps Service state:\n\nDiscrete accesses: \n  Largest chain id: 0\n")
    assert parsed == ParsedDiscreteHistory(HistoryStatus.READ, (), largest_chain_id=0, skipped_lines=1)


def test_android_11_marker_and_output_without_history() -> None:
    assert parse_discrete_history(NOT_SUPPORTED) == ParsedDiscreteHistory(HistoryStatus.NOT_SUPPORTED)
    # A build whose dump does not know the option answers with a line of its own: kept, nothing read.
    refused = parse_discrete_history("Current AppOps Service state:\nUnknown option: --include-discrete\n")
    assert refused == ParsedDiscreteHistory(
        HistoryStatus.ABSENT, unknown=("Current AppOps Service state:", "Unknown option: --include-discrete")
    )


def test_crlf_line_ends_read_alike() -> None:
    assert parse_discrete_history(ANDROID_14.replace("\n", "\r\n")) == parse_discrete_history(ANDROID_14)


def test_lines_out_of_place_are_kept_not_guessed() -> None:
    text = (
        "Discrete accesses: \n"
        "          Access [bg-s] at 2024-06-01 01:00:00.000\n"  # no uid, package, op or tag yet
        "  Uid: u0a12\n"  # not a plain number: the block's events have no owner
        "    Package: com.x\n"
        "      CAMERA\n"
        "        Attribution: null\n"
        "          Access [bg-s] at 2024-06-01 01:01:00.000\n"
        "  Uid: 10012\n"
        "    Package: com.x\n"
        "      CAMERA\n"
        "          Access [bg-s] at 2024-06-01 01:02:00.000\n"  # before any Attribution line
        "        Attribution: null\n"
        "          Access [bg-s] at 2024-06-01 01:03:00.000 for 12 seconds\n"  # not AOSP's words
        "          Access [bg-s] at 2024-06-01 01:04:00.000 for 60000 milliseconds \n"
        "      what is this\n"
    )
    parsed = parse_discrete_history(text)
    assert parsed.events == (_ev(10012, "com.x", "CAMERA", BG, "bg", ("s",), "2024-06-01 01:04:00.000", 60_000),)
    assert parsed.unknown == (
        "          Access [bg-s] at 2024-06-01 01:00:00.000",
        "  Uid: u0a12",
        "    Package: com.x",
        "      CAMERA",
        "        Attribution: null",
        "          Access [bg-s] at 2024-06-01 01:01:00.000",
        "          Access [bg-s] at 2024-06-01 01:02:00.000",
        "          Access [bg-s] at 2024-06-01 01:03:00.000 for 12 seconds",
        "      what is this",
    )


def test_hostile_tags_and_vendor_values_are_kept_verbatim() -> None:
    tag = " <script>alert(1)</script> \u202e"
    text = (
        "Discrete accesses: \n  Uid: 10012\n    Package: com.x\n      MIUIOP(10021)\n"
        f"        Attribution: {tag}\n"
        "          Access [vendorstate-s|tp] at ٢٠٢٤-٠٦-٠١ ٠١:٠٠:٠٠٫٠٠٠\n"
    )
    (event,) = parse_discrete_history(text).events
    assert event.attribution_tag == tag and event.op == "MIUIOP(10021)"
    assert (event.uid_state, event.uid_state_raw, event.flags) == (UidState.UNKNOWN, "vendorstate", ("s", "tp"))
    assert event.time == "٢٠٢٤-٠٦-٠١ ٠١:٠٠:٠٠٫٠٠٠"  # a locale's digits: kept as printed


def test_slot_built_events_equal_class_built_ones() -> None:
    built = discrete._new_access(1, "p", "o", "t", (BG, "bg", ("s",)), "x", 2, 3, 4, "d")
    assert built == _ev(1, "p", "o", BG, "bg", ("s",), "x", 2, tag="t", attribution=3, chain=4, device="d")
    assert type(built) is DiscreteAccess
    with pytest.raises(TypeError, match="DiscreteAccess changed"):
        slot_setters(DiscreteAccess, ("uid", "package"))


# --------------------------------------------------------------------------------------------------
# Damage
# --------------------------------------------------------------------------------------------------

CONTRACT: Contract[ParsedDiscreteHistory, DiscreteAccess] = Contract(
    parse=parse_discrete_history,
    facts=lambda r: frozenset(r.events),
    evidence=lambda e: r"Access \[" + e.uid_state_raw + r"-[^\]]*\] at " + e.time.replace(".", r"\.") + r"[^\n]*",
)


@pytest.mark.parametrize("sample", [ANDROID_12, ANDROID_14, ANDROID_16_XML], ids=["12", "14", "16-xml"])
def test_a_cut_anywhere_invents_nothing_and_says_what_it_lost(sample: str) -> None:
    full = parse_discrete_history(sample)
    for cut in cut_points(sample, 200):
        result = CONTRACT.check_cut(sample, cut, full=full)
        last_line = sample[:cut].rsplit("\n", 1)[-1]
        assert result.truncated is bool(last_line.strip()), cut


def test_a_cut_table_row_is_not_read_as_a_shorter_one() -> None:
    cut = ANDROID_16_SQL.index("|3118000") + 5  # "…|311": a duration that is not the one printed
    parsed = parse_discrete_history(ANDROID_16_SQL[:cut])
    assert parsed.events == () and parsed.truncated
    assert parsed.unknown == (ANDROID_16_SQL[ANDROID_16_SQL.index("10234|") : cut],)


def test_garbage_around_a_history_costs_only_garbage() -> None:
    parsed = parse_discrete_history(GARBAGE + "\n" + ANDROID_14 + GARBAGE + "\n")
    assert parsed.events == parse_discrete_history(ANDROID_14).events
    assert parsed.status is HistoryStatus.READ


@settings(max_examples=300, deadline=None)
@given(mutated(ANDROID_12 + ANDROID_14 + ANDROID_16_XML + ANDROID_16_SQL))
def test_hostile_text_never_crashes(text: str) -> None:
    parsed = parse_discrete_history(text)
    assert all(isinstance(e, DiscreteAccess) for e in parsed.events)
    assert len(parsed.unknown) <= 1001
