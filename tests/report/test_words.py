"""Plain words: every enum member has them, and hostile characters are made visible."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import pytest

from auditor.model import (
    AccessLevel,
    AppOrigin,
    DataCategory,
    DevicePart,
    EffectiveAccess,
    Grade,
    InstallSource,
    NoteLevel,
    PermissionKind,
    Removal,
    Severity,
    SpecialAccessKind,
    UserKind,
)
from auditor.report import words


@pytest.mark.parametrize(
    ("enum", "fn"),
    [
        (EffectiveAccess, words.effective_words),
        (PermissionKind, words.permission_kind_words),
        (AccessLevel, words.level_phrase),
        (Grade, words.grade_words),
        (InstallSource, words.install_source_words),
        (UserKind, words.user_kind_words),
        (NoteLevel, words.note_level_words),
        (DataCategory, words.category_label),
        (AppOrigin, words.origin_words),
        (Removal, words.removal_words),
        (DevicePart, words.part_title),
    ],
)
def test_every_member_has_words(enum: type[Enum], fn: Callable[[Any], str]) -> None:
    said = [fn(member) for member in enum]
    assert all(isinstance(s, str) and s for s in said)
    assert len(set(said)) == len(said)


def test_every_special_access_has_a_title_and_a_meaning() -> None:
    seen = set()
    for kind in SpecialAccessKind:
        w = words.special_words(kind)
        assert w.title and w.meaning and not w.meaning.endswith(".")
        seen.add(w.title)
    assert len(seen) == len(SpecialAccessKind)
    assert words.special_words(SpecialAccessKind.ACCESSIBILITY).meaning.startswith("can read everything on your screen")


def test_level_short_is_empty_only_for_none_and_ranks_increase() -> None:
    assert [bool(words.level_short(lv)) for lv in AccessLevel] == [False] + [True] * (len(AccessLevel) - 1)
    assert [lv.rank for lv in AccessLevel] == list(range(len(AccessLevel)))


def test_severity_rank_orders_critical_first() -> None:
    assert sorted(Severity, key=words.severity_rank) == [
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
        Severity.INFO,
    ]


@pytest.mark.parametrize(
    ("flag", "granted", "said"),
    [
        ("USER_FIXED", False, "you denied it and chose don't ask again"),
        ("USER_FIXED", None, "you denied it and chose don't ask again"),
        ("USER_FIXED", True, "fixed by you: the app cannot ask"),
        ("ONE_TIME", True, "allowed only this time"),
        ("AUTO_REVOKED", False, "removed because the app was not used"),
        ("GRANTED_BY_ROLE", True, "granted because the app holds a role (such as default SMS app)"),
        ("POLICY_FIXED", True, "set by your organisation's device policy; you cannot change it"),
        ("REVOKED_COMPAT", True, "turned off for this old app, although it shows as granted"),
        ("1048576", True, "flag 1048576"),
    ],
)
def test_flag_words(flag: str, granted: bool | None, said: str) -> None:
    assert words.flag_words(flag, granted) == said


def test_flag_legend_covers_every_flag_with_words() -> None:
    legend = dict(words.flag_legend())
    assert "USER_FIXED" in legend and "ONE_TIME" in legend
    assert all(not meaning.startswith("flag ") for meaning in legend.values())


@pytest.mark.parametrize(
    ("role", "title"),
    [
        ("android.app.role.SMS", "Default SMS app"),
        ("android.app.role.DIALER", "Default phone app"),
        ("android.app.role.ASSISTANT", "Digital assistant"),
        ("android.app.role.SOMETHING_NEW", "Role SOMETHING_NEW"),
        (None, "Role ?"),
    ],
)
def test_role_words(role: str | None, title: str) -> None:
    assert words.role_words(role).title == title


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("android.permission.CAMERA", "CAMERA"),
        ("com.vendor.permission.X", "com.vendor.permission.X"),
        ("special:usage_access", "Usage access"),
        ("special:not_a_kind", "special:not_a_kind"),
        ("appop:MONITOR_LOCATION", "app-op MONITOR_LOCATION"),
    ],
)
def test_via_words(key: str, said: str) -> None:
    assert words.via_words(key) == said


def test_qualifier_words() -> None:
    assert words.qualifier_words("one_time") == "allowed only this time"
    assert words.qualifier_words("explained_by_role:SMS") == "expected of its role: default sms app"
    assert words.qualifier_words("brand_new") == "brand_new"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("com.example.app", "com.example.app"),
        ("Photo\u202egpj.exe", "Photo\\u{202e}gpj.exe"),
        ("a\nb\tc\x1b[31m", "a\\u{000a}b\\u{0009}c\\u{001b}[31m"),
        ("zero\u200bwidth", "zero\\u{200b}width"),
        ("Kamera 📷 Ünïcode", "Kamera 📷 Ünïcode"),
        ("\ud800", "\\u{d800}"),
    ],
)
def test_visible(text: str, shown: str) -> None:
    assert words.visible(text) == shown
