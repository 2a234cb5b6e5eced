"""The command line: help texts, one-line errors with exit code 2, and a real audit run."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.realdata import real_file


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("audit", "demo", "synth"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["audit", "demo", "synth"])
def test_each_command_explains_itself(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout
    assert len(result.stdout.splitlines()) > 5


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
    out = tmp_path / "out" / "report.json"
    result = run("audit", str(zpath), "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["schema"] == "1.0"
    assert [a["package"] for a in data["apps"]] == [
        "com.instagram.android",
        "com.samsung.android.provider.filterprovider",
    ]
    assert "Report written to" in result.stdout
    assert "Incomplete" in result.stdout


def test_audit_to_stdout(tmp_path: Path) -> None:
    result = run("audit", str(real_file("mvt-tests/androidqf")), "--out", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"]["kind"] == "androidqf"
