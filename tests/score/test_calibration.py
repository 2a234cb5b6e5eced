"""The labelled calibration set keeps its order, and the issue's examples come out as it says."""

from __future__ import annotations

import pytest

from auditor.model import DataCategory, Grade
from auditor.score import find, load_weights, score_app
from tests.score.calibration import BOTTOM, EQUAL_ALLOWED, ORDER, PROFILES, TOP

W = load_weights()
SCORES = {name: score_app(a, W) for name, a in PROFILES.items()}


def test_the_set_is_large_enough_and_every_profile_is_ordered() -> None:
    assert len(PROFILES) >= 25
    named = {n for pair in ORDER for n in pair[:2]} | {TOP, *BOTTOM}
    assert named == set(PROFILES), sorted(set(PROFILES) ^ named)


@pytest.mark.parametrize(("lower", "higher", "why"), ORDER, ids=[f"{lo}<{hi}" for lo, hi, _ in ORDER])
def test_order(lower: str, higher: str, why: str) -> None:
    low, high = SCORES[lower].score, SCORES[higher].score
    if (lower, higher) in EQUAL_ALLOWED:
        assert low <= high, why
    else:
        assert low < high, f"{lower} ({low}) should score below {higher} ({high}): {why}"


def test_the_sideloaded_spy_tops_every_profile() -> None:
    top = SCORES[TOP].score
    assert top == 100
    assert all(e.score < top for name, e in SCORES.items() if name != TOP)
    assert SCORES[TOP].grade is Grade.F
    assert set(SCORES[TOP].profiles) >= {"stalkerware_like", "movement_tracking"}


def test_nothing_granted_scores_zero() -> None:
    for name in BOTTOM:
        assert SCORES[name].score == 0, name
        assert SCORES[name].grade is Grade.A


def test_the_system_dialer_is_explained_by_its_role() -> None:
    exposure = SCORES["system_dialer"]
    contacts = next(c for c in exposure.categories if c.category is DataCategory.CONTACTS)
    assert "explained_by_role:DIALER" in contacts.qualifiers
    assert contacts.points > 0  # said, not discounted
    reason = next(r for r in exposure.reasons if r.rule == "category.contacts")
    assert "explained by the DIALER role" in reason.text
    assert any("READ_CALL_LOG granted=true flags=[GRANTED_BY_ROLE]" in e for e in reason.evidence)
    assert not [f for f in find(PROFILES["system_dialer"]) if f.rule_id == "AUD-CALLLOG-001"]


def test_the_sms_app_holds_sms_by_role_and_draws_no_sms_finding() -> None:
    messages = next(c for c in SCORES["sms_app_with_role"].categories if c.category is DataCategory.MESSAGES)
    assert "explained_by_role:SMS" in messages.qualifiers
    assert [f.rule_id for f in find(PROFILES["sms_app_with_role"])] == []
    assert "AUD-SMS-001" in {f.rule_id for f in find(PROFILES["sms_reader_without_role"])}


def test_exact_scores_of_a_few_profiles() -> None:
    # Read off by hand from weights.json, so a weight change shows here first.
    # flashlight: location 16×65% = 10.4 → 10; contacts 12×60% = 7.2 → 7; AdMob (advertisement) 2.
    assert [(r.rule, r.points) for r in SCORES["flashlight_contacts_location"].reasons] == [
        ("category.location", 10),
        ("category.contacts", 7),
        ("modifier.tracker", 2),
    ]
    # offline notes: camera 7 + microphone 9 + photos 6 + breadth 3 = 25, halved down: −12.
    assert SCORES["notes_offline"].score == 13
    assert SCORES["notes_online"].score == 25
    # tracker-heavy game: 8 SDKs, capped at 12 points in all.
    assert SCORES["tracker_heavy_game"].score == 12


def test_scores_are_within_range_and_reasons_sum_exactly() -> None:
    for name, e in SCORES.items():
        assert 0 <= e.score <= 100, name
        assert sum(r.points for r in e.reasons) == e.score, name
        assert e.grade is W.grades.grade(e.score)
