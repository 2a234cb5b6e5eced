"""What every human-facing format shows first: top apps, master keys, recent access, trackers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.model import AccessState, AuditReport, DataCategory, DeviceInfo
from auditor.report import digest


def test_top_apps_by_score_with_why(hand: AuditReport) -> None:
    top = digest.top_apps(hand)
    assert [(t.app.package, t.app.user, t.score) for t in top] == [
        ("com.example.spy", 0, 71),
        ("com.example.spy", 10, 3),
    ]
    # Strongest first; a combination by its name; at most three.
    assert top[0].why == "Spy-like; Screen and input: special access enabled; Camera: used in the background"


def test_top_apps_on_the_synthetic_device_start_with_the_stalkerware(synthetic: AuditReport) -> None:
    top = digest.top_apps(synthetic)
    assert top[0].app.package == "com.example.stalker"
    assert top[0].why.startswith("Stalkerware-like; ")
    scores = [t.score or 0 for t in top]
    assert scores == sorted(scores, reverse=True)


def test_key_groups_put_master_keys_first_in_order(synthetic: AuditReport) -> None:
    groups = digest.key_groups(synthetic)
    masters = [g.master for g in groups]
    assert masters == sorted(masters, reverse=True)  # every master key before every other access
    keys = [g.key for g in groups]
    assert keys[0] == "accessibility_service"
    assert "role:SMS" in keys and "role:BROWSER" in keys
    assert keys.index("role:SMS") < keys.index("role:BROWSER")
    assert not next(g for g in groups if g.key == "role:BROWSER").master
    acc = next(g for g in groups if g.key == "accessibility_service")
    assert [h.app.package for h in acc.holders] == ["com.example.passwordmanager", "com.example.stalker"]
    assert acc.third_party == 2


def test_recent_access_newest_first_with_state_and_background(hand: AuditReport, synthetic: AuditReport) -> None:
    recent = digest.recent_access(hand)
    assert [(u.app.package, u.via, u.ago_ms, u.state) for u in recent["camera"]] == [
        ("com.example.spy", "CAMERA", 3_600_000, AccessState.BACKGROUND)
    ]
    assert [(u.via, u.time, u.last_background) for u in recent["location"]] == [
        ("MONITOR_LOCATION", "2024-06-03 13:00:00.000", "2024-06-03 13:00:00.000")
    ]
    assert recent["microphone"] == []
    mic = digest.recent_access(synthetic)["microphone"]
    assert [u.app.package for u in mic][:2] == ["com.example.stalker", "com.example.messenger.bg"]
    agos = [u.ago_ms for u in mic]
    assert None not in agos and agos == sorted(agos)  # type: ignore[type-var]


def test_tracker_reach_unites_what_its_apps_reach(hand: AuditReport) -> None:
    (t,) = digest.tracker_reach(hand)
    assert t.name == "Tracker X"
    assert [a.package for a in t.apps] == ["com.example.notes", "com.example.spy"]
    assert t.reach == (DataCategory.CAMERA, DataCategory.SCREEN_INPUT)  # requested-only microphone is not reach


@pytest.mark.parametrize(
    ("patch", "collected", "days"),
    [
        ("2024-05-05", "2024-06-03T09:41:27Z", 29),
        ("2024-05-05", None, None),
        (None, "2024-06-03T09:41:27Z", None),
        ("garbage", "2024-06-03T09:41:27Z", None),
        ("2024-07-01", "2024-06-03T09:41:27+00:00", -28),
    ],
)
def test_patch_age(patch: str | None, collected: str | None, days: int | None) -> None:
    assert digest.patch_age_days(DeviceInfo(security_patch=patch), collected) == days


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (0, "0 days"),
        (1, "1 day"),
        (44, "44 days"),
        (150, "5 months"),
        (800, "2.2 years"),
        (-3, "dated after the capture"),
    ],
)
def test_age_words(days: int, said: str) -> None:
    assert digest.age_words(days) == said


def test_device_title_does_not_repeat_the_maker() -> None:
    assert digest.device_title(DeviceInfo(manufacturer="Google", model="Pixel 8")) == "Google Pixel 8"
    assert digest.device_title(DeviceInfo(manufacturer="samsung", model="Samsung Galaxy")) == "Samsung Galaxy"
    assert digest.device_title(DeviceInfo()) == "Unknown device"


def test_device_serial_is_read_in_one_place(hand: AuditReport) -> None:
    assert digest.device_serial(hand) == "SER123"
    assert digest.device_serial(replace(hand, device=replace(hand.device, serial=None))) is None
