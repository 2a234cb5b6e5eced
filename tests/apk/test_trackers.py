"""Tracker matching: Exodus semantics, the own-package rule, evidence, and custom lists."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.apk import TrackerListError, load_trackers
from auditor.apk.trackers import TrackerDB
from auditor.model import ApkResult, ApkTracker
from tests.apk import factory

Analyse = Callable[..., ApkResult]


def test_bundled_list_loads(trackers: TrackerDB) -> None:
    assert len(trackers.trackers) == 432
    assert trackers.sha256 == "4fe6319f60286db64cf71b93597610a0b676135162b009b2845fe271dff905b7"
    assert trackers.path is None
    assert trackers.trackers[49].name == "Google Firebase Analytics"
    # Four empty signatures (from "a||b" joins) are dropped, as Exodus drops anything of <= 3 chars.
    assert all(len(s.pattern) >= 4 for s in trackers.signatures)
    assert len({(s.tracker_id, s.pattern) for s in trackers.signatures}) == len(trackers.signatures)


def test_firebase_and_facebook_present_with_evidence(trackers: TrackerDB) -> None:
    names = [
        "com.google.firebase.analytics.FirebaseAnalytics",
        "com.google.firebase.analytics.connector.Foo",
        "com.facebook.ads.AdView",
        "com.facebook.ads.internal.X",
        "com.google.android.gms.measurement.AppMeasurement",
        "com.example.app.Main",
    ]
    found = {t.name: t for t in trackers.match(names, "com.example.app")}
    fb = found["Facebook Ads"]
    assert fb == ApkTracker(
        id=fb.id,
        name="Facebook Ads",
        categories=fb.categories,
        website=fb.website,
        evidence=("com.facebook.ads",),
        matched_classes=2,
    )
    fa = found["Google Firebase Analytics"]
    # Its signatures: ...FirebaseAnalytics (a class), ...gms.measurement. (a package); not connector.Foo.
    assert fa.matched_classes == 2
    assert fa.evidence == (
        "com.google.android.gms.measurement.",
        "com.google.firebase.analytics.FirebaseAnalytics",
    )


def test_own_package_matches_are_not_reported(trackers: TrackerDB) -> None:
    """``com.tune`` (Tune) matches every class of TuneIn's own ``com.tunein.player``."""
    names = ["com.tunein.player.Main", "com.tunein.player.ui.Home"]
    assert [t.name for t in trackers.match(names, "com.tunein.player")] == []
    # In another app the same classes do match: the signature is broad, the rule is about ownership.
    assert [t.name for t in trackers.match(names, "org.radio")] == ["Tune"]
    # A real Tune class in TuneIn is still reported, with only it as evidence.
    both = trackers.match([*names, "com.tune.TuneEvent"], "com.tunein.player")
    assert [(t.name, t.evidence, t.matched_classes) for t in both] == [("Tune", ("com.tune",), 1)]


def test_leading_wildcard_signatures_match_mid_name(trackers: TrackerDB) -> None:
    """``.tealium.`` matches ``Lcom/tealium/…;`` in Exodus; dots are wildcards."""
    found = trackers.match(["com.tealium.library.Tealium"], "x.y")
    assert [(t.name, t.evidence) for t in found] == [("Tealium", ("com.tealium.",))]


def test_short_signatures_are_skipped(tmp_path: Path) -> None:
    doc = {"trackers": {"1": {"id": 1, "name": "Short", "code_signature": "a.b|abc|com.xyz", "categories": []}}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    db = load_trackers(path)
    assert [s.pattern for s in db.signatures] == ["com.xyz"]
    assert [(t.evidence, t.matched_classes) for t in db.match(["a.b.C", "abc.D", "com.xyz.Y"], "p")] == [
        (("com.xyz",), 1)
    ]


def test_custom_list_with_regex_syntax_uses_the_slow_path(tmp_path: Path) -> None:
    doc = {
        "trackers": {
            "7": {
                "id": 7,
                "name": "Regexy",
                "code_signature": r"com/spy(ware)?/|^Lorg/exact;$|com\.escaped\.",
                "categories": ["Analytics"],
                "website": "https://example.invalid",
            },
            "8": {"id": 8, "name": "No signature", "code_signature": "", "categories": []},
            "bad": "not an object",
        }
    }
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(doc))
    db = load_trackers(path)
    assert db.path == str(path)
    assert sorted(db.trackers) == [7, 8]
    # Matched against descriptors as dexdump prints them: an escaped dot never matches "/", as in Exodus.
    found = db.match(["com.spyware.Agent", "com.spy.Other", "org.exact", "com.spyx.No", "com.escaped.X"], "p")
    assert [(t.id, t.evidence, t.matched_classes) for t in found] == [(7, ("com.spy.", "com.spyware.", "org.exact"), 3)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "is not JSON"),
        (b"[]", 'has no "trackers" object'),
        (b'{"trackers": []}', 'has no "trackers" object'),
        (b'{"trackers": {"1": {"id": "one"}}}', "holds no trackers"),
    ],
)
def test_unusable_custom_lists(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "t.json"
    path.write_bytes(content)
    with pytest.raises(TrackerListError, match=message):
        load_trackers(path)


def test_missing_custom_list(tmp_path: Path) -> None:
    with pytest.raises(TrackerListError, match=r"^tracker list .*absent\.json: cannot read \(No such file"):
        load_trackers(tmp_path / "absent.json")


def test_trackers_in_an_apk_and_in_a_nested_apk(analyse: Analyse) -> None:
    inner = factory.build_apk(classes=["com.appsflyer.AppsFlyerLib"])
    apk = factory.build_apk(
        classes=["com.example.app.Main", "com.google.android.gms.ads.AdView"],
        extra=[("assets/plugin.apk", inner)],
        stored=["assets/plugin.apk"],
    )
    result = analyse(apk)
    assert result.facts is not None
    assert (result.facts.dex_files, result.facts.class_count) == (2, 3)
    assert [t.name for t in result.facts.trackers] == ["AppsFlyer", "Google AdMob"]


_PATTERNS = sorted({s.pattern for s in load_trackers().signatures})


@st.composite
def near_tracker_name(draw: st.DrawFn) -> str:
    """A class name built around a real signature: its dots replaced by dots or other characters,
    with random text before and after, so matches, near misses and mid-name hits all occur."""
    pattern = draw(st.sampled_from(_PATTERNS))
    body = "".join(draw(st.sampled_from([".", ".", "x", "$"])) if ch == "." else ch for ch in pattern)
    before = draw(st.sampled_from(["", "com.", "org.a", "io.x.", "Lcom."]))
    after = draw(st.sampled_from(["", "X", ".Y", "in.Z", "$1"]))
    return (before + body + after).strip(".") or "a.B"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            near_tracker_name(),
            st.from_regex(r"(com|io|org)\.[a-z]{1,10}(\.[a-z]{1,8}){0,3}\.[A-Z][a-z]{0,6}", fullmatch=True),
        ),
        max_size=40,
    ),
    st.sampled_from(["com.example.app", "com.tune", "com.facebook", "io.x"]),
)
def test_fast_matching_equals_exodus_regex_search(trackers: TrackerDB, names: list[str], package: str) -> None:
    """The literal-prefilter path finds exactly what ``re.search`` over descriptors finds."""
    names = list(dict.fromkeys(names)) + ["com.facebook.ads.X", "com.tunein.Y", "a.tealium.b.Z"]
    expected: dict[int, set[str]] = {}
    for sig in trackers.signatures:
        for name in names:
            if name.startswith(package + ".") or name == package:
                continue
            if re.search(sig.pattern, f"L{name};"):
                expected.setdefault(sig.tracker_id, set()).add(name)
    got = {t.id: t.matched_classes for t in trackers.match(names, package)}
    assert got == {k: len(v) for k, v in expected.items()}
