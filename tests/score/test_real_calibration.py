"""The real captures keep the order an expert gives them (``real_calibration.py``), and docs/scoring.md says so."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.model import AppOrigin, DevicePart, InstallSource, SpecialAccessKind
from auditor.report.csv_report import report_csv
from auditor.report.digest import top_apps
from auditor.report.markdown_report import report_markdown
from auditor.score import score_report
from tests.realreports import multibox, xiaomi
from tests.score.builders import allowed, app
from tests.score.real_calibration import REAL_CASES, RealCase
from tests.score.test_device import small_report

SCORING_MD = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


@pytest.mark.parametrize("case", REAL_CASES, ids=[c.name for c in REAL_CASES])
def test_the_apps_that_matter_most_lead_in_the_expert_s_order(case: RealCase) -> None:
    top = top_apps(case.report(), 10)
    assert [t.app.package for t in top[: len(case.leads)]] == [lead.package for lead in case.leads]


@pytest.mark.parametrize("case", REAL_CASES, ids=[c.name for c in REAL_CASES])
def test_no_platform_component_is_in_the_top_ten(case: RealCase) -> None:
    top = top_apps(case.report(), 10)
    assert len(top) == 10
    assert all(t.origin is not AppOrigin.PLATFORM for t in top)


@pytest.mark.parametrize("case", REAL_CASES, ids=[c.name for c in REAL_CASES])
def test_docs_state_each_case_with_its_order_and_reasons(case: RealCase) -> None:
    text = SCORING_MD.read_text("utf-8")
    section = text.split(f"#### `{case.name}`", 1)[1].split("####", 1)[0]
    assert " ".join(case.summary.split()) in " ".join(section.split())
    positions = [section.index(f"`{lead.package}`") for lead in case.leads]
    assert positions == sorted(positions)
    for lead in case.leads:
        assert " ".join(lead.why.split()) in " ".join(section.split()), lead.package


def test_the_tv_box_its_sideloaded_apps_first_then_the_google_stack() -> None:
    report = multibox()
    top = top_apps(report, 10)
    sideloaded = {a.package for a in report.apps if a.install_source is InstallSource.SIDELOADED}
    assert len(sideloaded) == 8
    assert sideloaded <= {t.app.package for t in top}  # all eight among the first ten
    google = top[3]
    assert (google.origin, google.app.shared_user, google.score, google.counted) == (
        AppOrigin.PREINSTALLED,
        "com.google.uid.shared",
        100,
        10,
    )
    assert sorted(a.package for a in google.also) == [
        "com.google.android.gms",
        "com.google.android.gsf",
        "com.google.android.gsf.login",
    ]
    assert [t.app.package for t in top if t.origin is AppOrigin.PREINSTALLED] == [
        "com.google.android.backuptransport",
        "com.android.vending",
    ]
    device = report.device_exposure
    assert device is not None
    # 40 (D) from its apps, as before its settings counted; its build adds 24: any computer gets a shell without
    # asking (ro.adb.secure=0, 8), SELinux permissive at boot (8), a debuggable build (4), no encryption (4).
    assert (device.score, device.grade.value) == (64, "E")
    points = {p.part: p.points for p in device.parts}
    assert points == {
        DevicePart.KNOWN_THREATS: 0,
        DevicePart.INSTALLED_APPS: 28,  # Kodi 25, a tenth of SSHDroid (20) and of init.d (14)
        DevicePart.PREINSTALLED_APPS: 12,  # Play services' uid at 100, a tenth: 10, then 1 and 1
        DevicePart.ALTERED_SYSTEM_APPS: 0,
        DevicePart.PHONE_SETTINGS: 24,
    }
    assert [f.rule_id for f in report.device_findings] == ["AUD-ADB-004", "AUD-SELINUX-001", "AUD-CRYPT-001",
                                                           "AUD-ROOT-002"]  # fmt: skip
    assert device.platform is not None and device.platform.apps == 42


def test_the_tablet_its_accessibility_apps_first() -> None:
    report = xiaomi()
    holders = {
        a.package
        for a in report.apps
        if a.origin is AppOrigin.INSTALLED and any(s.kind is SpecialAccessKind.ACCESSIBILITY for s in a.special_access)
    }
    assert len(holders) == 8
    assert {t.app.package for t in top_apps(report, 8)} == holders
    device = report.device_exposure
    assert device is not None
    points = {p.part: p.points for p in device.parts}
    # MacroDroid 81, a tenth of RethinkDNS (81) and Scene (75), ten master-key holders (at most 9): 106 before the
    # cap; the MIUI camera (29) at a tenth: 3.
    assert (points[DevicePart.INSTALLED_APPS], points[DevicePart.PREINSTALLED_APPS]) == (106, 3)
    assert (device.score, device.grade.value) == (100, "F")


def test_the_markdown_summary_says_the_same() -> None:
    md = report_markdown(multibox())
    assert "By part: Installed apps: +28 (8 apps); Preinstalled apps: +12 (34 apps); Phone settings: +24." in md
    assert "The operating system's own components (42) hold their accesses by design: context, not counted." in md
    assert "| C | 25 | `org.xbmc.kodi` | installed |" in md
    assert "| F | 100 | `com.google.android.backuptransport` and 3 more sharing its uid | came with the phone |" in md


def test_the_issue_s_android_12_phone_in_miniature() -> None:
    """One sideloaded, debuggable test app that reaches nothing; a preinstalled app and the phone process at F."""
    tester = app("com.example.testapp", source=InstallSource.SIDELOADED, debuggable=True, internet=False)
    everything = allowed(
        "READ_CONTACTS",
        "READ_CALL_LOG",
        "READ_SMS",
        "RECEIVE_SMS",
        "ACCESS_FINE_LOCATION",
        "READ_CALENDAR",
        "BODY_SENSORS",
    )
    gms = app("com.google.android.gms", everything, allowed("RECORD_AUDIO", "CAMERA", "READ_PHONE_STATE"), system=True)
    phone = replace(
        app("com.android.phone", everything, allowed("RECORD_AUDIO", "CALL_PHONE"), system=True),
        app_id=1001,
        shared_user="android.uid.phone",
    )
    report = score_report(replace(small_report(), apps=(tester, gms, phone)))
    scores = {a.package: a.exposure.score for a in report.apps if a.exposure}
    assert scores["com.example.testapp"] == 13  # sideloaded 8 + debuggable 5
    assert scores["com.google.android.gms"] >= 70 and scores["com.android.phone"] >= 70  # both F
    assert [t.app.package for t in top_apps(report)] == ["com.example.testapp", "com.google.android.gms"]
    device = report.device_exposure
    assert device is not None
    # The test app in full, Play services at a tenth (rounded half up), the phone as context.
    assert device.score == 13 + (scores["com.google.android.gms"] * 10 + 50) // 100


def test_the_csv_says_each_app_s_origin() -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(multibox()))))
    origin = {r["package"]: r["origin"] for r in rows}
    assert (origin["org.xbmc.kodi"], origin["com.google.android.gms"], origin["com.android.shell"]) == (
        "installed",
        "preinstalled",
        "platform",
    )
