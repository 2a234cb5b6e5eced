"""Device exposure: the top app named, a share of the next, master keys, pools; the whole report filled."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

import pytest

from auditor.model import (
    SCHEMA_VERSION,
    AppOrigin,
    AuditReport,
    DataCategory,
    DeviceInfo,
    DevicePart,
    InstallSource,
    SourceInfo,
)
from auditor.model import SpecialAccessKind as K
from auditor.report.json_report import report_json
from auditor.score import find, load_weights, score_app, score_report
from auditor.score.device import score_device
from auditor.score.parts import PARTS, app_part, part_words
from tests.score.builders import allowed, apk, app, in_use, special, tracker

W = load_weights()
ADMOB = tracker("Google AdMob", "Advertisement")
SIGNER = "ab" * 32


def _report(*apps: object) -> AuditReport:
    from auditor.model import AppReport

    assert all(isinstance(a, AppReport) for a in apps)
    return AuditReport(
        schema=SCHEMA_VERSION,
        tool_version="test",
        source=SourceInfo(kind="synthetic", path="hand-built"),
        device=DeviceInfo(model="Test"),
        users=(),
        apps=tuple(apps),  # type: ignore[arg-type]
    )


def small_report() -> AuditReport:
    """Five apps: two share a signer and AdMob, one is a system app, one holds accessibility."""
    return _report(
        app(
            "com.vendor.one",
            allowed("READ_CONTACTS"),
            apk_facts=apk("com.vendor.one", signer=SIGNER, trackers=(ADMOB,)),
        ),
        app(
            "com.vendor.two",
            in_use("ACCESS_FINE_LOCATION"),
            apk_facts=apk("com.vendor.two", signer=SIGNER, trackers=(ADMOB,)),
        ),
        app("com.android.system.thing", allowed("RECORD_AUDIO", "CAMERA", "READ_CONTACTS"), system=True),
        app(
            "com.example.helper",
            specials=(special(K.ACCESSIBILITY, "com.example.helper/.A11y"),),
            source=InstallSource.STORE,
        ),
        app("com.example.quiet"),
    )


def test_device_reasons_name_the_top_app_the_next_apps_master_keys_and_pools() -> None:
    report = score_report(small_report())
    device = report.device_exposure
    assert device is not None
    scores = {a.package: a.exposure.score for a in report.apps if a.exposure}
    rules = [r.rule for r in device.reasons]
    assert rules[0] == "device.top_app"
    assert "com.example.helper@0" in device.reasons[0].text  # accessibility: 48, the highest
    assert device.reasons[0].points == scores["com.example.helper"]
    assert rules.count("device.next_app") == 2
    keys = next(r for r in device.reasons if r.rule == "device.master_keys")
    assert keys.points == 3
    assert keys.evidence == (
        "com.example.helper@0: special accessibility_service com.example.helper/.A11y (test fixture)",
    )
    assert sum(r.points for r in device.reasons) == device.score


def test_preinstalled_apps_count_at_their_part_s_share() -> None:
    report = score_report(
        _report(app("com.vendor.big", allowed("RECORD_AUDIO", "CAMERA", "READ_CONTACTS"), system=True))
    )
    app_score = report.apps[0].exposure.score  # type: ignore[union-attr]
    assert app_score == 24  # microphone 14×60% → 8, camera 10×60% = 6, contacts 12×60% → 7, breadth 3
    device = report.device_exposure
    assert device is not None
    assert W.device.parts[DevicePart.PREINSTALLED_APPS].percent == 10
    (top,) = device.reasons
    assert (top.rule, top.points, top.part) == ("device.top_app", 2, DevicePart.PREINSTALLED_APPS)  # 24×10% → 2
    assert top.text == "Highest preinstalled app score: com.vendor.big@0 scores 24, counted at 10%"
    assert [(p.part, p.points, p.apps, p.percent) for p in device.parts] == [
        (DevicePart.KNOWN_THREATS, 0, 0, 100),
        (DevicePart.INSTALLED_APPS, 0, 0, 100),
        (DevicePart.PREINSTALLED_APPS, 2, 1, 10),
        (DevicePart.ALTERED_SYSTEM_APPS, 0, 0, 100),
        (DevicePart.PHONE_SETTINGS, 0, 0, 100),
    ]
    assert device.platform is None


def test_the_platform_is_context_and_counts_nothing() -> None:
    phone = replace(
        app("com.android.phone", allowed("READ_CALL_LOG", "READ_SMS", "READ_CONTACTS", "CALL_PHONE"), system=True),
        app_id=1001,
        shared_user="android.uid.phone",
    )
    shell = replace(app("com.android.shell", allowed("READ_CONTACTS"), system=True), app_id=2000)
    report = score_report(_report(phone, shell, app("com.example.notes", in_use("CAMERA"))))
    device = report.device_exposure
    assert device is not None
    assert [r.text for r in device.reasons] == ["Highest installed app score: com.example.notes@0 scores 4"]
    assert device.score == 4
    assert device.platform is not None
    assert (device.platform.apps, device.platform.categories, device.platform.master_keys) == (
        2,
        (DataCategory.CONTACTS, DataCategory.MESSAGES, DataCategory.DEVICE_CONTROL),
        0,
    )
    assert device.platform.text == (
        "The operating system's own components (2) hold their accesses by design and are not counted: together "
        "they reach contacts, messages and device_control"
    )


def test_an_altered_system_app_counts_in_full() -> None:
    phone = replace(
        app("com.android.phone", allowed("READ_CALL_LOG", "READ_SMS", "READ_CONTACTS"), system=True),
        app_id=1001,
        shared_user="android.uid.phone",
        updated_system=True,
        initiating_installer="com.android.shell",
    )
    report = score_report(_report(phone))
    (scored,) = report.apps
    assert "AUD-ORIGIN-003" in {f.rule_id for f in scored.findings}
    device = report.device_exposure
    assert device is not None and scored.exposure is not None
    (top,) = device.reasons
    assert (top.part, top.points) == (DevicePart.ALTERED_SYSTEM_APPS, scored.exposure.score)
    assert device.platform is None


def test_pools_of_a_shared_signer_and_a_tracker_sdk() -> None:
    device = score_report(small_report()).device_exposure
    assert device is not None
    pools = {(p.kind, p.name): p for p in device.pools}
    signer = pools[("shared_signer", SIGNER)]
    assert signer.apps == ("com.vendor.one@0", "com.vendor.two@0")
    assert signer.categories == (DataCategory.LOCATION, DataCategory.CONTACTS)
    assert signer.text == "2 apps sharing signer abababababababab… together reach location and contacts"
    sdk = pools[("tracker_sdk", "Google AdMob")]
    assert sdk.text == "SDK Google AdMob sits in 2 apps that together reach location and contacts"
    pool_reasons = [r for r in device.reasons if r.rule.startswith("pool.")]
    assert [(r.rule, r.points) for r in pool_reasons] == [("pool.shared_signer", 2), ("pool.tracker_sdk", 2)]


def test_shared_uid_pools_skip_system_apps_and_single_packages() -> None:
    apps = [
        app("com.a", allowed("READ_SMS"), shared_user="com.shared"),
        app("com.b", allowed("CAMERA"), shared_user="com.shared"),
        app("com.c", allowed("CAMERA"), shared_user="com.alone"),
        app("com.d", allowed("CAMERA"), shared_user="android.uid.system", system=True),
        app("com.e", allowed("CAMERA"), shared_user="android.uid.system", system=True),
        app("com.c", allowed("READ_SMS"), shared_user="com.alone", user=10),
    ]
    device = score_device(apps, W, lambda a: score_app(a, W))
    assert [(p.kind, p.name, p.apps) for p in device.pools] == [
        ("shared_uid", "com.shared", ("com.a@0", "com.b@0")),
    ]
    assert device.pools[0].categories == (DataCategory.MESSAGES, DataCategory.CAMERA)


def test_an_empty_device_scores_zero() -> None:
    device = score_device([], W, lambda a: score_app(a, W))
    assert (device.score, device.reasons, device.pools) == (0, (), ())


def test_the_scored_report_serialises_with_exposure_findings_and_device_exposure() -> None:
    data = json.loads(report_json(score_report(small_report())))
    helper = next(a for a in data["apps"] if a["package"] == "com.example.helper")
    assert set(helper["exposure"]) == {"score", "grade", "categories", "reasons", "profiles"}
    assert {"category", "level", "points", "via", "qualifiers"} == set(helper["exposure"]["categories"][0])
    assert helper["findings"][0]["rule_id"] == "AUD-A11Y-001"
    assert data["device_exposure"]["score"] >= helper["exposure"]["score"]
    assert data["weights"]["source"] == "built-in"


# --------------------------------------------------------------------------------------------------
# The synthetic device, through the real pipeline
# --------------------------------------------------------------------------------------------------


@cache
def synthetic_scored(n_apps: int = 40) -> AuditReport:
    from auditor.acquire.synthetic import generate
    from auditor.pipeline import audit_snapshot

    snapshot, _ = generate(n_apps, seed=0)
    return score_report(audit_snapshot(snapshot))


@pytest.mark.parametrize("n_apps", [40, 120])
def test_every_reason_of_the_synthetic_device_sums_exactly(n_apps: int) -> None:
    report = synthetic_scored(n_apps)
    assert report.apps
    for a in report.apps:
        assert a.exposure is not None
        assert sum(r.points for r in a.exposure.reasons) == a.exposure.score, a.package
        for r in a.exposure.reasons:
            assert r.evidence or r.rule == "cap", (a.package, r.rule)
    device = report.device_exposure
    assert device is not None
    assert sum(r.points for r in device.reasons) == device.score


def test_the_synthetic_stalker_tops_the_device_with_its_findings() -> None:
    report = synthetic_scored()
    stalker = next(a for a in report.apps if a.package == "com.example.stalker")
    assert stalker.exposure is not None and stalker.exposure.score == 100
    assert "stalkerware_like" in stalker.exposure.profiles
    ids = [f.rule_id for f in stalker.findings]
    assert ids[0] == "AUD-STALKER-001"
    assert {"AUD-A11Y-001", "AUD-NLS-001", "AUD-ADMIN-001", "AUD-MIC-BG-001", "AUD-SIDELOAD-001"} <= set(ids)
    device = report.device_exposure
    assert device is not None
    assert device.reasons[0].text.startswith("Highest installed app score: com.example.stalker@0")
    flash = next(a for a in report.apps if a.package == "com.example.flashlight")
    maps = next(a for a in report.apps if a.package == "com.example.maps")
    assert flash.exposure is not None and maps.exposure is not None
    assert flash.exposure.score > maps.exposure.score
    bg = next(a for a in report.apps if a.package == "com.example.messenger.bg")
    fg = next(a for a in report.apps if a.package == "com.example.messenger.fg")
    assert bg.exposure is not None and fg.exposure is not None
    assert bg.exposure.score > fg.exposure.score


@pytest.mark.parametrize("part", list(DevicePart))
def test_every_part_is_declared_computed_weighted_and_named(part: DevicePart) -> None:
    assert PARTS[part] is not None
    assert W.device.parts[part].rationale
    noun, title = part_words(part)
    assert noun and title


@pytest.mark.parametrize("origin", list(AppOrigin))
def test_every_origin_has_its_part(origin: AppOrigin) -> None:
    plain = replace(app("com.x"), origin=origin)
    expected = {
        AppOrigin.INSTALLED: DevicePart.INSTALLED_APPS,
        AppOrigin.PREINSTALLED: DevicePart.PREINSTALLED_APPS,
        AppOrigin.PLATFORM: None,
    }
    assert app_part(plain) is expected[origin]
    altered = replace(plain, findings=find(replace(app("com.x"), app_id=1000)))
    assert {f.rule_id for f in altered.findings} == {"AUD-ORIGIN-001"}
    assert app_part(altered) is (
        DevicePart.INSTALLED_APPS if origin is AppOrigin.INSTALLED else DevicePart.ALTERED_SYSTEM_APPS
    )
