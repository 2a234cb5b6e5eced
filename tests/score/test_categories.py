"""The category table covers every source, and levels and qualifiers come out as the issue defines them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.analyse.catalogue import load_catalogue
from auditor.model import (
    AccessLevel,
    AppReport,
    DataCategory,
    EffectiveAccess,
    OpEntry,
    OpEvent,
    OpEventKind,
    PermissionKind,
    SpecialAccessKind,
    UidState,
)
from auditor.score import load_weights, score_app
from auditor.score.categories import (
    APPOP_PREFIX,
    app_reach,
    load_categories,
    parse_categories,
    permission_level,
    special_key,
)
from auditor.score.exposure import CATEGORY_LABELS, AppFacts, level_phrase
from auditor.score.weights import CategoryCondition, EvidenceCondition, Fact, FactCondition, SpecialCondition
from tests.score.builders import allowed, app, denied, in_use, perm, role, special

TABLE = load_categories()
W = load_weights()


def test_every_runtime_and_appop_permission_of_the_catalogue_is_mapped_or_said_to_reach_nothing() -> None:
    catalogue = load_catalogue()
    for name, info in catalogue.permissions.items():
        if info.kind in (PermissionKind.RUNTIME, PermissionKind.APPOP):
            assert TABLE.knows(name), name
    for prefix in catalogue.runtime_prefixes:
        assert TABLE.lookup(prefix + "READ_HEART_RATE"), prefix


def test_every_special_access_kind_is_mapped_or_said_to_reach_nothing() -> None:
    for kind in SpecialAccessKind:
        assert TABLE.knows(special_key(kind)), kind


def test_every_entry_has_a_rationale_and_every_category_is_reachable() -> None:
    reached = set()
    for key, entries in TABLE.entries.items():
        for entry in entries:
            assert len(entry.rationale) > 20, key
            reached.add(entry.category)
    assert reached == set(DataCategory)
    assert all(len(r) > 20 for r in TABLE.no_data.values())


def test_app_op_keys_name_ops_that_are_not_already_permissions() -> None:
    catalogue_ops = {i.appop for i in load_catalogue().permissions.values() if i.appop}
    for key in TABLE.entries:
        if key.startswith(APPOP_PREFIX):
            assert key.removeprefix(APPOP_PREFIX) not in catalogue_ops, key


def test_every_qualifier_has_a_factor() -> None:
    assert set(W.qualifiers) >= TABLE.qualifiers


def test_a_malformed_table_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a category and a rationale"):
        parse_categories('{"entries": {"x": [{"category": "location"}]}, "no_data": {}, "roles": {}}')


# --------------------------------------------------------------------------------------------------
# Levels: every EffectiveAccess member
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "used", "expected"),
    [
        (EffectiveAccess.ALLOWED, None, AccessLevel.ALL_THE_TIME),
        (EffectiveAccess.ALLOWED, "fg", AccessLevel.USED_FOREGROUND),
        (EffectiveAccess.ALLOWED, "bg", AccessLevel.USED_BACKGROUND),
        (EffectiveAccess.FOREGROUND_ONLY, None, AccessLevel.WHILE_IN_USE),
        (EffectiveAccess.FOREGROUND_ONLY, "fg", AccessLevel.USED_FOREGROUND),
        (EffectiveAccess.FOREGROUND_ONLY, "bg", AccessLevel.USED_BACKGROUND),
        (EffectiveAccess.DENIED, None, AccessLevel.REQUESTED),
        (EffectiveAccess.DENIED, "bg", AccessLevel.REQUESTED),  # used before the revoke: history, not reach
        (EffectiveAccess.REVOKED_COMPAT, "fg", AccessLevel.REQUESTED),
        (EffectiveAccess.APPOP_DENIED, None, AccessLevel.REQUESTED),
        (EffectiveAccess.NOT_REQUESTED, None, AccessLevel.NONE),
        (EffectiveAccess.UNKNOWN, None, AccessLevel.REQUESTED),
        (EffectiveAccess.UNKNOWN, "bg", AccessLevel.USED_BACKGROUND),  # the access proves the reach
    ],
)
def test_permission_level(effective: EffectiveAccess, used: str | None, expected: AccessLevel) -> None:
    row = perm("CAMERA", effective, used=used)
    assert permission_level(row)[0] is expected


UNUSED_LEVEL = {
    EffectiveAccess.ALLOWED: AccessLevel.ALL_THE_TIME,
    EffectiveAccess.FOREGROUND_ONLY: AccessLevel.WHILE_IN_USE,
    EffectiveAccess.DENIED: AccessLevel.REQUESTED,
    EffectiveAccess.REVOKED_COMPAT: AccessLevel.REQUESTED,
    EffectiveAccess.APPOP_DENIED: AccessLevel.REQUESTED,
    EffectiveAccess.NOT_REQUESTED: AccessLevel.NONE,
    EffectiveAccess.UNKNOWN: AccessLevel.REQUESTED,
}
"""The level of each effective access when no use is recorded."""


def test_every_effective_access_member_has_a_level() -> None:
    assert set(UNUSED_LEVEL) == set(EffectiveAccess)  # a new member needs its level stated here
    for effective, expected in UNUSED_LEVEL.items():
        assert permission_level(perm("CAMERA", effective))[0] is expected


def test_an_allowed_app_op_special_permission_is_special_access() -> None:
    row = perm("SYSTEM_ALERT_WINDOW", EffectiveAccess.ALLOWED)
    assert row.kind is PermissionKind.APPOP
    assert permission_level(row) == (AccessLevel.SPECIAL_ACCESS, True)


def test_not_requested_rows_of_a_known_list_are_not_requested() -> None:
    assert permission_level(perm("CAMERA", EffectiveAccess.DENIED, requested=False))[0] is AccessLevel.NONE


def test_every_access_level_reads_in_words_and_ranks_in_order() -> None:
    phrases = {level_phrase(lv) for lv in AccessLevel}
    assert len(phrases) == len(AccessLevel)
    assert [lv.rank for lv in AccessLevel] == list(range(len(AccessLevel)))


def test_every_category_has_a_label_and_a_weight() -> None:
    assert set(CATEGORY_LABELS) == set(DataCategory) == set(W.categories)


def test_every_fact_and_condition_kind_is_handled() -> None:
    facts = AppFacts(True, False, True, True, True, False, None, False)
    assert all(facts.holds(f) for f in Fact)
    kinds = {type(c) for p in W.profiles for clause in p.requires for c in clause}
    assert kinds == {CategoryCondition, EvidenceCondition, SpecialCondition, FactCondition}


# --------------------------------------------------------------------------------------------------
# Reach and qualifiers
# --------------------------------------------------------------------------------------------------


def _category(a: AppReport, category: DataCategory) -> tuple[AccessLevel, tuple[str, ...], int]:
    found = {c.category: c for c in score_app(a, W).categories}[category]
    return found.level, found.qualifiers, found.points


def test_approximate_location_only() -> None:
    a = app("x", in_use("ACCESS_COARSE_LOCATION"), denied("ACCESS_FINE_LOCATION"))
    level, qualifiers, points = _category(a, DataCategory.LOCATION)
    assert level is AccessLevel.WHILE_IN_USE
    assert "approximate_only" in qualifiers
    assert points == 3  # 16 × 35% × 60% = 3.36
    precise = app("x", in_use("ACCESS_COARSE_LOCATION", "ACCESS_FINE_LOCATION"))
    assert _category(precise, DataCategory.LOCATION) == (AccessLevel.WHILE_IN_USE, (), 6)  # 16 × 35% = 5.6


def test_selected_photos_only_scores_below_full_access() -> None:
    partial = app("x", allowed("READ_MEDIA_VISUAL_USER_SELECTED"), denied("READ_MEDIA_IMAGES"))
    level, qualifiers, points = _category(partial, DataCategory.MEDIA)
    assert (level, points) == (AccessLevel.ALL_THE_TIME, 2)  # 10 × 60% × 40% = 2.4
    assert "selected_photos_only" in qualifiers
    assert _category(app("x", allowed("READ_MEDIA_IMAGES")), DataCategory.MEDIA)[2] == 6


def test_one_time_user_fixed_and_auto_revoked_are_shown_as_what_they_are() -> None:
    a = app(
        "x",
        in_use("ACCESS_FINE_LOCATION", flags=("ONE_TIME",)),
        denied("READ_CONTACTS", flags=("USER_SET", "USER_FIXED")),
        perm("CAMERA", EffectiveAccess.DENIED, flags=("AUTO_REVOKED",)),
    )
    assert "one_time" in _category(a, DataCategory.LOCATION)[1]
    assert _category(a, DataCategory.CONTACTS) == (AccessLevel.REQUESTED, ("user_fixed_denial",), 0)
    assert _category(a, DataCategory.CAMERA) == (AccessLevel.REQUESTED, ("auto_revoked",), 0)


def test_role_explains_without_lowering() -> None:
    rows = allowed("READ_CALL_LOG", "READ_CONTACTS")
    with_role = app("com.android.dialer", rows, specials=(role("DIALER"),), system=True)
    without = app("com.android.dialer", rows, system=True)
    level, qualifiers, points = _category(with_role, DataCategory.CONTACTS)
    assert "explained_by_role:DIALER" in qualifiers
    assert _category(without, DataCategory.CONTACTS)[2] == points
    reason = next(r for r in score_app(with_role, W).reasons if r.rule == "category.contacts")
    assert "explained by the DIALER role" in reason.text


def test_granted_by_role_flag_names_the_held_role() -> None:
    a = app("x", allowed("CAMERA", flags=("GRANTED_BY_ROLE",)), specials=(role("SMS"),))
    assert "explained_by_role:SMS" in _category(a, DataCategory.CAMERA)[1]
    b = app("x", allowed("CAMERA", flags=("GRANTED_BY_ROLE",)))
    assert "explained_by_role:unnamed" in _category(b, DataCategory.CAMERA)[1]


def test_accessibility_reaches_screen_messages_and_control() -> None:
    a = app("x", specials=(special(SpecialAccessKind.ACCESSIBILITY, "x/.S"),))
    reach = app_reach(a)
    assert {c: r.level for c, r in reach.categories.items()} == {
        DataCategory.SCREEN_INPUT: AccessLevel.SPECIAL_ACCESS,
        DataCategory.MESSAGES: AccessLevel.SPECIAL_ACCESS,
        DataCategory.DEVICE_CONTROL: AccessLevel.SPECIAL_ACCESS,
    }


def test_background_location_permission_does_not_score_precision_it_does_not_have() -> None:
    coarse = app("x", allowed("ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION"), denied("ACCESS_FINE_LOCATION"))
    fine = app("x", allowed("ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION", "ACCESS_FINE_LOCATION"))
    assert _category(coarse, DataCategory.LOCATION)[2] < _category(fine, DataCategory.LOCATION)[2]


def test_an_op_no_permission_covers_counts_only_when_used() -> None:
    event = OpEvent(OpEventKind.ACCESS, UidState.BACKGROUND, "bg", time="2024-05-01 11:00:00.000")
    used = replace(app("x"), ops=(OpEntry("READ_CLIPBOARD", "allow", (event,)),))
    idle = replace(used, ops=(OpEntry("READ_CLIPBOARD", "allow"),))
    denied_op = replace(used, ops=(OpEntry("READ_CLIPBOARD", "ignore", (event,)),))
    reach = app_reach(used).categories[DataCategory.SCREEN_INPUT]
    assert reach.level is AccessLevel.USED_BACKGROUND
    assert reach.evidence[0].text == "op READ_CLIPBOARD=allow last access 2024-05-01 11:00:00.000 (background)"
    assert DataCategory.SCREEN_INPUT not in app_reach(idle).categories
    assert DataCategory.SCREEN_INPUT not in app_reach(denied_op).categories
