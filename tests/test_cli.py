"""The command line: help texts, one-line errors with exit code 2, and a real audit run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.realdata import real_file


def run(
    *args: str, cwd: Path | None = None, cache: Path | None = None, columns: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m auditor …`` with its APK cache in a throw-away folder, never the user's."""
    import os
    import tempfile

    env = {**os.environ, "XDG_CACHE_HOME": str(cache or Path(tempfile.mkdtemp(prefix="auditor-cache-")))}
    if columns is not None:
        env["COLUMNS"] = str(columns)  # the width rich lays help out for
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd, timeout=120, env=env
    )


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("audit", "collect", "demo", "devices", "synth"):
        assert command in result.stdout


OPTIONS = {
    "audit": (
        "--out",
        "--format",
        "--serial",
        "--tcp",
        "--apks",
        "--weights",
        "--redact",
        "--redact-key-file",
        "--key",
        "--iocs",
    ),
    "devices": ("--tcp", "--no-usb"),
    "collect": ("--out", "--serial", "--tcp", "--resume", "--apks"),
    "demo": ("--apps", "--out-dir"),
    "apk": ("--format", "--trackers", "--no-cache"),
    "synth": ("--apps", "--seed", "--form", "--recipient", "--threats"),
    "fleet": (
        "--out",
        "--policy",
        "--export-dir",
        "--export-format",
        "--jobs",
        "--redact",
        "--redact-key-file",
        "--strict",
        "--key",
        "--iocs",
    ),
    "diff": ("--format", "--out", "--force", "--key"),
    "iocs": ("--json",),
}
"""Each command's own options, as its ``--help`` must list them."""

EXAMPLES = {
    "audit": "auditor audit snapshot/ --format html --out report.html",
    "devices": "auditor devices --tcp 192.168.1.20:5555",
    "collect": "auditor collect --out snapshot/ --apks",
    "demo": "auditor demo --apps 200",
    "apk": "auditor apk app.apk --format json",
    "synth": "auditor synth synth/ --apps 500 --seed 7",
    "fleet": "auditor fleet audits/ --policy policy.toml --out fleet.html",
    "diff": "auditor diff old/ new/ --format html --out d.html",
    "iocs": "auditor iocs pegasus.stix2",
}


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_each_command_explains_itself(command: str) -> None:
    result = run(command, "--help", columns=100)
    assert result.returncode == 0
    assert f"Usage: python -m auditor {command} [OPTIONS]" in result.stdout
    # The options table lists exactly this command's options (each first in its row; "*": required).
    listed = re.findall(r"^│ (?:\*  |   )?(--[a-z][a-z-]*)", result.stdout, flags=re.MULTILINE)
    assert listed == [*OPTIONS[command], "--help"]
    # And the help ends its text with one example, on a line of its own.
    assert re.search(rf"^ Example: {re.escape(EXAMPLES[command])}\s*$", result.stdout, flags=re.MULTILINE)


def test_every_command_is_covered() -> None:
    from typer.main import get_command

    from auditor.cli import app

    assert sorted(get_command(app).commands) == sorted(OPTIONS)  # type: ignore[attr-defined]


def test_missing_path_is_one_line_exit_2(tmp_path: Path) -> None:
    result = run("audit", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_exits_2() -> None:
    result = run("audit", "--format", "pdf", "x")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_bad_out_extension_is_one_line(tmp_path: Path) -> None:
    result = run("audit", str(tmp_path), "--out", str(tmp_path / "r.docx"))
    assert result.returncode == 2
    assert "cannot tell the report format" in result.stderr


def test_audit_bugreport_to_json(tmp_path: Path) -> None:
    folder = real_file("mvt-tests/android_data/bugreport")
    zpath = tmp_path / "br.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.write(folder / "main_entry.txt", "main_entry.txt")
        zf.write(folder / "dumpstate.txt", "dumpstate.txt")
    out = tmp_path / "report.json"
    result = run("audit", str(zpath), "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["schema"] == "1.2"
    installed = [a["package"] for a in data["apps"] if a["presence"] == "installed"]
    assert installed == ["com.instagram.android", "com.samsung.android.provider.filterprovider"]
    assert len(data["apps"]) == 13  # and the 11 packages only app-ops name (tests/acquire/test_offline.py)
    assert "Report written to" in result.stdout
    assert "Incomplete" in result.stdout


def test_audit_to_stdout(tmp_path: Path) -> None:
    result = run("audit", str(real_file("mvt-tests/androidqf")), "--out", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"]["kind"] == "androidqf"


def test_demo_writes_report(tmp_path: Path) -> None:
    result = run("demo", "--out-dir", str(tmp_path), cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert "demo.html" in result.stdout
    html = (tmp_path / "demo.html").read_text()
    assert html.lower().startswith("<!doctype html>") and "Content-Security-Policy" in html
    data = json.loads((tmp_path / "demo.json").read_text())
    stalker = next(a for a in data["apps"] if a["package"] == "com.example.stalker")
    assert stalker["apk"]["hides_launcher_icon"] is True
    assert any(p["kind"] == "tracker_sdk" for p in data["device_exposure"]["pools"])
    assert data["source"]["kind"] == "adb-tcp"
    assert data["device"]["model"] == "Synthetic Pixel"
    assert {u["kind"] for u in data["users"]} == {"primary", "work_profile"}
    assert (tmp_path / "demo-snapshot" / "manifest.json").is_file()


def test_collect_and_audit_live_over_tcp(tmp_path: Path) -> None:
    """The CLI against the simulator over the real protocol: collect, then audit --tcp in one go."""
    import os

    from auditor.acquire.synthetic import generate
    from auditor.simulator import Simulator

    snapshot, _ = generate(40)
    env = {**os.environ, "HOME": str(tmp_path)}  # a fresh ~/.android/adbkey is made there
    with Simulator(snapshot, auth="off") as sim:
        out = tmp_path / "snap"
        collected = subprocess.run(
            [sys.executable, "-m", "auditor", "collect", "--tcp", sim.address, "--out", str(out)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert collected.returncode == 0, collected.stderr
        assert "Snapshot complete" in collected.stdout
        assert (tmp_path / ".android" / "adbkey").stat().st_mode & 0o777 == 0o600
        again = subprocess.run(
            [sys.executable, "-m", "auditor", "collect", "--tcp", sim.address, "--out", str(out)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert again.returncode == 2 and "is not empty" in again.stderr
        report = tmp_path / "live.json"
        audited = subprocess.run(
            [sys.executable, "-m", "auditor", "audit", "--tcp", sim.address, "--out", str(report)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=tmp_path,
        )
        assert audited.returncode == 0, audited.stderr
    data = json.loads(report.read_text())
    assert data["device"]["model"] == "Synthetic Pixel"
    assert len({a["package"] for a in data["apps"]}) >= 40


def test_no_device_is_one_line(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "collect", "--tcp", "127.0.0.1:9", "--out", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr


def test_weights_override_is_used_and_recorded(tmp_path: Path) -> None:
    folder = real_file("mvt-tests/androidqf")
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"categories": {"location": {"points": 30, "rationale": "our policy"}}}))
    result = run("audit", str(folder), "--out", str(tmp_path / "r.json"), "--weights", str(weights))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["weights"]["source"] == str(weights)
    default = json.loads(run("audit", str(folder), "--out", "-").stdout)
    assert default["weights"]["source"] == "built-in"
    assert default["device_exposure"]["score"] >= 0


def test_bad_weights_file_is_one_line(tmp_path: Path) -> None:
    weights = tmp_path / "w.json"
    weights.write_text('{"categories": {"location": {"points": -5}}}')
    result = run("audit", str(real_file("mvt-tests/androidqf")), "--out", "-", "--weights", str(weights))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr


def test_apk_command_text_json_and_exit_codes(tmp_path: Path) -> None:
    from tests.apk import factory as f

    root = f.manifest(
        "com.example.spy",
        permissions=["android.permission.RECORD_AUDIO"],
        app_attrs={"android:label": "<b>Spy</b>"},
        components=[f.activity(".Main")],
    )
    good = tmp_path / "spy.apk"
    good.write_bytes(f.build_apk(root, classes=["com.example.spy.Main", "com.google.android.gms.ads.AdView"]))
    env_home = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    import os

    text = subprocess.run(
        [sys.executable, "-m", "auditor", "apk", str(good)],
        capture_output=True,
        text=True,
        env={**os.environ, **env_home},
        timeout=120,
    )
    assert text.returncode == 0, text.stderr
    assert "package     com.example.spy" in text.stdout
    assert "Google AdMob [Advertisement]" in text.stdout
    assert "launcher    none: icon hidden" in text.stdout
    junk = tmp_path / "junk.apk"
    junk.write_bytes(b"")
    as_json = subprocess.run(
        [sys.executable, "-m", "auditor", "apk", "--format", "json", str(good), str(junk)],
        capture_output=True,
        text=True,
        env={**os.environ, **env_home},
        timeout=120,
    )
    assert as_json.returncode == 2
    data = json.loads(as_json.stdout)
    statuses = [r["status"] for r in data["results"]]
    assert statuses == ["ok", "skipped"]
    assert data["results"][0]["facts"]["label"] == "<b>Spy</b>"


def test_error_text_with_brackets_is_shown_verbatim(tmp_path: Path) -> None:
    """Rich markup must not eat device- or user-given text such as "[exposure]" in an error."""
    weird = tmp_path / "[red]gone[/red]"
    result = run("audit", str(weird))
    assert result.returncode == 2
    assert "[red]gone[/red]" in result.stderr


def test_fleet_page_to_standard_output_keeps_the_summary_off_it(tmp_path: Path) -> None:
    from tests.fleet.builders import synthetic, write_json

    write_json(synthetic(1), tmp_path / "in" / "d1.json")
    result = run("fleet", str(tmp_path / "in"), "--out", "-", "-j", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!doctype html>") and result.stdout.endswith("</body>\n</html>")
    assert "1 devices reviewed, 0 inputs skipped" in result.stderr
    assert not (tmp_path / "-").exists()
