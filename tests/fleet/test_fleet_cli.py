"""``auditor fleet`` end to end: exit codes 0/1/2, skips, the page's safety, one-line errors."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from dataclasses import replace
from html import unescape
from pathlib import Path

from auditor.fleet.render import stylesheet
from auditor.fleet.run import run_fleet
from auditor.model import SpecialAccessKind
from auditor.report.html import content_security_policy
from tests.fleet.builders import SIGNER_A, SIGNER_B, hand_report, synthetic, third_party, with_apk, write_json
from tests.score.builders import allowed, apk, app, special


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=120)


def _fleet(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    for seed in (1, 2):
        write_json(synthetic(seed), folder / f"d{seed}.json")
    (folder / "broken.json").write_text('{"schema": "1.0", "apps": [')
    return folder


def test_exit_0_without_violations_and_broken_inputs_are_skipped(tmp_path: Path) -> None:
    folder = _fleet(tmp_path)
    page = tmp_path / "fleet.html"
    result = _run("fleet", str(folder), "--out", str(page), "-j", "1")
    assert result.returncode == 0, result.stderr
    assert "2 devices reviewed, 1 inputs skipped" in result.stdout
    assert "broken.json: not valid JSON" in result.stderr
    html = page.read_text(encoding="utf-8")
    assert "Fleet review: 2 devices" in html and "broken.json" in html
    strict = _run("fleet", str(folder), "--out", str(page), "-j", "1", "--strict")
    assert strict.returncode == 2


def test_exit_1_on_violations_with_the_example_policy(tmp_path: Path) -> None:
    folder = _fleet(tmp_path)
    root = Path(__file__).resolve().parents[2]
    result = _run(
        "fleet",
        str(folder),
        "--out",
        str(tmp_path / "f.html"),
        "-j",
        "2",
        "--policy",
        str(root / "examples" / "policy-strict.toml"),
        "--export-dir",
        str(tmp_path / "x"),
    )
    assert result.returncode == 1, result.stderr
    assert "policy violations on 2 devices" in result.stdout
    html = (tmp_path / "f.html").read_text(encoding="utf-8")
    assert "Policy violations" in html and "installer not allowed" in html
    assert (tmp_path / "x" / "violations.csv").stat().st_size > 100


def test_exit_2_on_unusable_input_and_malformed_policy(tmp_path: Path) -> None:
    nothing = _run("fleet", str(tmp_path / "missing"), "--out", str(tmp_path / "f.html"))
    assert nothing.returncode == 2 and "Traceback" not in nothing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    none_found = _run("fleet", str(empty), "--out", str(tmp_path / "f.html"))
    assert none_found.returncode == 2
    assert "no audit JSON, snapshot, bug report or androidqf acquisition found" in none_found.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[policy]\nname = "x"\n[exposure]\nmax_app = "high"\n')
    policy = _run("fleet", str(_fleet(tmp_path)), "--policy", str(bad), "--out", str(tmp_path / "f.html"))
    assert policy.returncode == 2
    assert (
        policy.stderr.strip()
        == f"error: {bad}:4: [exposure] max_app: expected a whole number from 0 to 100, got 'high'"
    )


def test_fleet_audits_snapshots_too(tmp_path: Path) -> None:
    from auditor.acquire.synthetic import write_synthetic

    (tmp_path / "in").mkdir()
    write_synthetic(tmp_path / "in" / "snap", 40, seed=8)
    write_json(synthetic(1), tmp_path / "in" / "d1.json")
    result = run_fleet([tmp_path / "in"], jobs=1)
    assert result.devices == 2
    assert result.skips == ()


def test_duplicate_devices_are_counted_once(tmp_path: Path) -> None:
    write_json(synthetic(1), tmp_path / "in" / "a.json")
    write_json(synthetic(1), tmp_path / "in" / "b.json")
    result = run_fleet([tmp_path / "in"], jobs=1)
    assert result.devices == 1
    assert "the same device" in result.skips[0].reason


def test_page_is_safe_with_hostile_text(tmp_path: Path) -> None:
    evil = "<img src=x onerror=alert(1)>\u202eevil"
    hostile_app = app(
        "com.x",
        allowed("CAMERA"),
        specials=(special(SpecialAccessKind.ACCESSIBILITY, evil, evil),),
        apk_facts=replace(apk("com.x", signer=SIGNER_A), label=evil),
    )
    report = hand_report("DEV<b>1</b>", (hostile_app, replace(hostile_app, package=evil)), model=evil)
    write_json(report, tmp_path / "in" / "d.json")
    page = tmp_path / "f.html"
    run_fleet([tmp_path / "in"], html=page, jobs=1)
    html = page.read_text(encoding="utf-8")
    assert "<img" not in html and "<b>1</b>" not in html and "\u202e" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;\\u{202e}evil" in html
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"?(https?:)?//", html)
    hrefs = set(re.findall(r'href="([^"]*)"', html))
    assert all(h.startswith("#") or h == "data:," for h in hrefs)
    # The CSP allows exactly the inlined stylesheet.
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None and style.group(1) == stylesheet()
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in content_security_policy(stylesheet())
    assert "script-src 'none'" in unescape(html)


def test_signer_mismatch_shows_on_the_page(tmp_path: Path) -> None:
    a, b = synthetic(1), synthetic(2)
    target = sorted({x.package for x in third_party(a)} & {x.package for x in third_party(b)})[0]
    write_json(with_apk(a, target, signer=SIGNER_A), tmp_path / "in" / "a.json")
    write_json(with_apk(b, target, signer=SIGNER_B), tmp_path / "in" / "b.json")
    page = tmp_path / "f.html"
    result = run_fleet([tmp_path / "in"], html=page, jobs=1)
    assert [e.package for e in result.view.signer_mismatches] == [target]
    html = page.read_text(encoding="utf-8")
    section = html[html.index('id="signers"') : html.index('id="inventory"')]
    assert target in section and SIGNER_A in section and SIGNER_B in section


def test_help_texts() -> None:
    for command in ("fleet", "diff"):
        result = _run(command, "--help")
        assert result.returncode == 0
        assert "Exit code" in result.stdout
    assert "--redact" in _run("audit", "--help").stdout
