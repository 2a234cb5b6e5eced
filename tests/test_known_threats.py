"""The issue's acceptance case, end to end: an androidqf acquisition holding a known stalkerware package, an app
signed with a stalkerware vendor's certificate under an innocent name, a watchware app and unsafe settings is
reported with each finding, and an MVT-style STIX2 file given with --iocs flags the app it names."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.acquire.synthetic.forms import Form, write_form
from auditor.acquire.synthetic.threats import (
    DISGUISED_PACKAGE,
    STALKERWARE_PACKAGE,
    WATCHWARE_PACKAGE,
    spy_certificate_sha1,
    threat_stix,
    write_threat_stix,
)
from auditor.iocs import Indicators
from auditor.model import AuditReport, Confidence, Severity
from auditor.pipeline import audit_path
from auditor.score import safety


@pytest.fixture(scope="module")
def acquisition(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("threats")
    folder = write_form(root, Form.ANDROIDQF_FOLDER, 60, seed=3, threats=True)
    return folder, write_threat_stix(root)


def _ioc(report: AuditReport, package: str) -> list[tuple[str, Severity, Confidence]]:
    app = next(a for a in report.apps if a.package == package and a.user == 0)
    return [(f.rule_id, f.severity, f.confidence) for f in app.findings if f.rule_id.startswith("AUD-IOC")]


def test_each_known_threat_and_unsafe_setting_is_a_finding(acquisition: tuple[Path, Path]) -> None:
    folder, stix = acquisition
    report = audit_path(folder, indicators=Indicators.load([stix], env={}))
    assert _ioc(report, STALKERWARE_PACKAGE) == [("AUD-IOC-001", Severity.CRITICAL, Confidence.MEDIUM)]
    assert _ioc(report, WATCHWARE_PACKAGE) == [("AUD-IOC-002", Severity.HIGH, Confidence.MEDIUM)]
    # The innocent name is found by its signing certificate, as packages.json states it.
    assert _ioc(report, DISGUISED_PACKAGE) == [("AUD-IOC-001", Severity.CRITICAL, Confidence.HIGH)]
    disguised = next(a for a in report.apps if a.package == DISGUISED_PACKAGE)
    (finding,) = [f for f in disguised.findings if f.rule_id == "AUD-IOC-001"]
    assert finding.evidence == (
        f"Synthetic Spy (stalkerware): signing certificate SHA-1 {spy_certificate_sha1()} (stated by "
        f"packages.json); list threats.stix2 {report.indicator_lists[1].version}",
    )
    assert finding.safety == safety.STALKERWARE
    assert finding.remediation.startswith("When it is safe to do so, and only then:")
    assert [x.name for x in report.indicator_lists] == ["Echap stalkerware-indicators", "threats.stix2"]
    # The phone's settings (androidqf has no getenforce: SELinux stays unknown there; nor the phone's clock: the
    # patch's age stays unknown).
    assert [f.rule_id for f in report.device_findings] == [
        "AUD-ADB-002",
        "AUD-BOOT-001",
        "AUD-PROTECT-001",
        "AUD-PROTECT-003",
        "AUD-ROOT-001",
        "AUD-SECAPP-001",
        "AUD-ADB-001",
        "AUD-PROTECT-002",
        "AUD-ADB-003",
        "AUD-DEV-001",
        "AUD-PROTECT-004",
    ]
    secapp = next(f for f in report.device_findings if f.rule_id == "AUD-SECAPP-001")
    assert secapp.evidence == (
        "com.android.vending (Google Play Store (Play Protect's settings and updates)) is disabled for user 0",
    )


def test_without_the_stix_file_the_disguised_app_is_not_flagged(acquisition: tuple[Path, Path]) -> None:
    folder, _stix = acquisition
    report = audit_path(folder, indicators=Indicators.load(env={}))
    assert _ioc(report, DISGUISED_PACKAGE) == []
    assert _ioc(report, STALKERWARE_PACKAGE) == [("AUD-IOC-001", Severity.CRITICAL, Confidence.MEDIUM)]


def test_the_stix_file_is_mvt_shaped() -> None:
    bundle = json.loads(threat_stix())
    assert bundle["type"] == "bundle"
    assert [o["type"] for o in bundle["objects"]] == ["malware", "indicator", "relationship"]
    assert bundle["objects"][1]["pattern"] == f"[app:cert.sha1 = '{spy_certificate_sha1()}']"


def test_the_command_line_flags_the_app_the_stix_file_names(acquisition: tuple[Path, Path], tmp_path: Path) -> None:
    folder, stix = acquisition
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "auditor", "audit", str(folder), "--iocs", str(stix), "--out", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    disguised = next(a for a in data["apps"] if a["package"] == DISGUISED_PACKAGE)
    assert [m["family"] for m in disguised["indicator_matches"]] == ["Synthetic Spy"]
    bad = tmp_path / "bad.stix2"
    bad.write_text('{"type": "bundle"}')
    result = subprocess.run([*cmd[:-2], "--iocs", str(bad)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f'error: {bad}: not a STIX2 bundle (expected {{"type": "bundle", "objects": [...]}})'
    )


def test_the_terminal_summary_leads_known_threats_with_safety(acquisition: tuple[Path, Path]) -> None:
    from rich.console import Console

    from auditor.report.terminal import print_summary

    folder, stix = acquisition
    console = Console(record=True, width=1000, color_system=None)
    print_summary(audit_path(folder, indicators=Indicators.load([stix], env={})), console)
    lines = console.export_text().splitlines()
    start = lines.index("Known threats")
    assert lines[start + 1].startswith("  Safety first. Removing or disabling this app may alert the person who")
    assert lines[start + 2].startswith("  This is a monitoring app. That is fine if you set it up yourself")
    assert lines[start + 3].startswith(
        f"  CRITICAL Known stalkerware (AUD-IOC-001, high confidence): {DISGUISED_PACKAGE}@0 — Synthetic Spy"
    )
    assert not any("pm uninstall" in line for line in lines)


def test_auditor_iocs_lists_every_list_and_refuses_a_bad_one(tmp_path: Path) -> None:
    extra = tmp_path / "extra.stix2"
    extra.write_bytes(threat_stix())
    run = [sys.executable, "-m", "auditor", "iocs"]
    result = subprocess.run([*run, str(extra)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Echap stalkerware-indicators  version a04c5c1958bf (2026-06-21)  from bundled" in result.stdout
    assert "174 families (147 stalkerware, 27 watchware) · 646 package names · 486 certificate SHA-1s" in result.stdout
    assert f"extra.stix2  version {hashlib.sha256(extra.read_bytes()).hexdigest()[:12]}  from {extra}" in result.stdout
    assert "1 families (1 stalkerware) · 1 certificate SHA-1s" in result.stdout
    data = json.loads(subprocess.run([*run, "--json"], capture_output=True, text=True, timeout=120, check=True).stdout)
    assert [(x["name"], x["licence"], x["families"]) for x in data] == [
        ("Echap stalkerware-indicators", "CC-BY-4.0", 174)
    ]
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 40 + "]" * 40)
    result = subprocess.run([*run, str(deep)], capture_output=True, text=True, timeout=120, check=False)
    assert (result.returncode, result.stderr.strip()) == (2, f"error: {deep}: line 1: nested deeper than 16 levels")


def test_the_smallest_threat_device_has_exactly_the_apps_asked_for(tmp_path: Path) -> None:
    """``synth --threats --apps 31`` was an internal error (the threats were added on top of a full device)."""
    from auditor.acquire.synthetic import MIN_APPS, generate
    from auditor.acquire.synthetic.assemble import build_world
    from auditor.acquire.synthetic.threats import THREAT_APPS

    smallest = MIN_APPS + THREAT_APPS
    world = build_world(smallest, 1, 1_700_000_000_000, threats=True)
    assert len(world.apps) == smallest == 34
    assert {"com.ispyoo.traceyou", "com.wondershare.famisafe.kids"} <= {a.package for a in world.apps}
    with pytest.raises(ValueError, match="with threats, n_apps must be at least 34"):
        generate(smallest - 1, threats=True)
    refused = subprocess.run(
        [sys.executable, "-m", "auditor", "synth", str(tmp_path / "small"), "--apps", "33", "--threats"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (refused.returncode, refused.stderr.strip()) == (
        2,
        "error: --threats needs --apps 34 or more (the threats take three places)",
    )
    assert not (tmp_path / "small").exists()
