"""Hostile input files, through the command line: never a hang, a memory blow-up or an internal error.

Each case reproduces a failure the auditor had: a FIFO in a snapshot's ``raw/`` hung the audit, a ``raw/``
link to ``/dev/zero`` or ``--weights /dev/zero`` ended in ``MemoryError`` (exit 3), a link out of the
snapshot was read, and JSON or TOML nested 100,000 deep ended in ``RecursionError`` (exit 3). Inside an
input folder a refused file becomes a note (the audit goes on); a file named on the command line is one
line and exit 2. The rules are ``auditor.untrusted``'s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.acquire.dumpstate import cut_lines, decoded_lines
from auditor.acquire.sources import read_bugreport
from auditor.untrusted import Budget, UnsafeInputError

DEEP = 100_000
"""How deep the hostile JSON, TOML and YAML files nest."""
TIMEOUT = 60
"""A FIFO read blocks forever; every command here must end well before this."""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cwd / "cache"), "COLUMNS": "200"}
    env.pop("AUDITOR_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd, timeout=TIMEOUT, env=env
    )


def one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line of an exit-2 refusal (never a traceback, never an internal error)."""
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def snapshot() -> Path:
    """A synthetic snapshot, written once for the module."""
    folder = Path(tempfile.mkdtemp(prefix="untrusted-")) / "snap"
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "synth", str(folder), "--apps", "31"], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return folder


def copy_of(snapshot: Path, tmp_path: Path) -> Path:
    target = tmp_path / "snap"
    shutil.copytree(snapshot, target)
    return target


RAW = "raw/getprop.txt"


def _fifo(path: Path, tmp_path: Path) -> str:
    os.mkfifo(path)
    return "not a regular file (a FIFO); not read"


def _dev_zero(path: Path, tmp_path: Path) -> str:
    path.symlink_to("/dev/zero")
    return "leads outside the folder"


def _outside(path: Path, tmp_path: Path) -> str:
    secret = tmp_path / "secret.txt"
    secret.write_text("[ro.product.model]: [read from the auditing computer]\n")
    path.symlink_to(secret)
    return "leads outside the folder"


@pytest.mark.parametrize("make", [_fifo, _dev_zero, _outside], ids=["fifo", "link-to-dev-zero", "link-outside"])
def test_a_refused_raw_file_is_a_note_and_the_audit_goes_on(
    snapshot: Path, tmp_path: Path, make: Callable[[Path, Path], str]
) -> None:
    snap = copy_of(snapshot, tmp_path)
    (snap / RAW).unlink()
    why = make(snap / RAW, tmp_path)
    result = run("audit", str(snap), "--format", "json", "--out", "report.json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    refused = [n["message"] for n in report["notes"] if n["section"] == "getprop" and n["level"] == "partial"]
    assert len(refused) == 1
    assert refused[0].startswith(RAW)
    assert why in refused[0]
    assert refused[0].endswith("(left out of the audit)")
    assert "read from the auditing computer" not in (tmp_path / "report.json").read_text()


def test_a_link_that_stays_inside_the_snapshot_is_read(snapshot: Path, tmp_path: Path) -> None:
    snap = copy_of(snapshot, tmp_path)
    (snap / RAW).rename(snap / "raw" / "moved.txt")
    (snap / RAW).symlink_to("moved.txt")
    result = run("audit", str(snap), "--format", "json", "--out", "report.json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["device"]["model"] is not None
    assert not [n for n in report["notes"] if n["section"] == "getprop" and n["level"] == "partial"]


def _special(kind: str, tmp_path: Path) -> Path:
    if kind == "dev-zero":
        return Path("/dev/zero")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    return fifo


def _deep_json(tmp_path: Path) -> Path:
    path = tmp_path / "deep.json"
    path.write_text('{"a":' * DEEP + "1" + "}" * DEEP)
    return path


USER_FILES: dict[str, Callable[[Path, Path], list[str]]] = {
    "--weights": lambda snap, f: ["audit", str(snap), "--weights", str(f), "--out", "r.json"],
    "--trackers": lambda snap, f: ["apk", str(snap / "manifest.json"), "--trackers", str(f)],
    "--policy": lambda snap, f: ["fleet", str(snap), "--policy", str(f), "--out", "fleet"],
    "--redact-key-file": lambda snap, f: ["audit", str(snap), "--redact", "--redact-key-file", str(f), "-o", "r.json"],
    "--iocs": lambda snap, f: ["audit", str(snap), "--iocs", str(f), "--out", "r.json"],
}


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
@pytest.mark.parametrize("option", sorted(USER_FILES))
def test_a_user_file_that_is_not_a_regular_file_is_one_line(
    snapshot: Path, tmp_path: Path, option: str, kind: str
) -> None:
    special = _special(kind, tmp_path)
    line = one_line_refusal(run(*USER_FILES[option](snapshot, special), cwd=tmp_path))
    assert f"{special}: not a regular file" in line
    assert ("(a device)" if kind == "dev-zero" else "(a FIFO)") in line


@pytest.mark.parametrize("option", ["--weights", "--trackers", "--iocs"])
def test_deep_json_in_a_user_file_is_one_line(snapshot: Path, tmp_path: Path, option: str) -> None:
    deep = _deep_json(tmp_path)
    line = one_line_refusal(run(*USER_FILES[option](snapshot, deep), cwd=tmp_path))
    assert f"{deep}: JSON nested too deeply; not read" in line


@pytest.mark.parametrize("value", ["[" * DEEP + "]" * DEEP, "{a=" * DEEP + "1" + "}" * DEEP])
def test_a_deep_toml_policy_is_one_line(snapshot: Path, tmp_path: Path, value: str) -> None:
    policy = tmp_path / "deep.toml"
    policy.write_text(f"x = {value}\n")
    line = one_line_refusal(run("fleet", str(snapshot), "--policy", str(policy), "--out", "fleet", cwd=tmp_path))
    assert f"{policy}: TOML nested too deeply; not read" in line


def test_deep_yaml_indicators_are_one_line(snapshot: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * DEEP + "]" * DEEP + "\n")
    line = one_line_refusal(run("audit", str(snapshot), "--iocs", str(deep), "--out", "r.json", cwd=tmp_path))
    assert f"{deep}: not valid YAML" in line


def test_a_deep_manifest_is_one_line(snapshot: Path, tmp_path: Path) -> None:
    snap = copy_of(snapshot, tmp_path)
    (snap / "manifest.json").write_text("[" * DEEP + "]" * DEEP)
    line = one_line_refusal(run("audit", str(snap), "--out", "r.json", cwd=tmp_path))
    assert "manifest.json: JSON nested too deeply; not read" in line


def test_a_deep_audit_json_is_one_line_in_diff_and_a_skip_in_fleet(snapshot: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep-audit.json"
    deep.write_text('{"schema": "1.0", "apps": ' + "[" * DEEP + "]" * DEEP + "}")
    line = one_line_refusal(run("diff", str(deep), str(snapshot), cwd=tmp_path))
    assert "deep-audit.json: JSON nested too deeply; not read" in line
    fleet = run("fleet", str(deep), str(snapshot), "--out", "fleet", cwd=tmp_path)
    assert "RecursionError" not in fleet.stderr + fleet.stdout
    assert "JSON nested too deeply" in fleet.stderr + fleet.stdout


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_auditing_a_special_file_is_one_line(tmp_path: Path, kind: str) -> None:
    special = _special(kind, tmp_path)
    line = one_line_refusal(run("audit", str(special), "--out", "r.json", cwd=tmp_path))
    assert "not a regular file" in line


def test_deep_androidqf_packages_json_is_a_note(tmp_path: Path) -> None:
    acq = tmp_path / "acq"
    acq.mkdir()
    (acq / "getprop.txt").write_text("[ro.product.model]: [Pixel]\n")
    (acq / "packages.json").write_text("[" * DEEP + "]" * DEEP)
    result = run("audit", str(acq), "--format", "json", "--out", "report.json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    text = (tmp_path / "report.json").read_text()
    assert "packages.json: JSON nested too deeply" in text


@pytest.mark.parametrize("make", [_fifo, _dev_zero, _outside], ids=["fifo", "link-to-dev-zero", "link-outside"])
def test_a_refused_androidqf_file_is_a_note(tmp_path: Path, make: Callable[[Path, Path], str]) -> None:
    acq = tmp_path / "acq"
    acq.mkdir()
    (acq / "getprop.txt").write_text("[ro.product.model]: [Pixel]\n")
    (acq / "dumpsys.txt").write_text("DUMP OF SERVICE package:\nPackages:\n")
    why = make(acq / "packages.json", tmp_path)
    result = run("audit", str(acq), "--format", "json", "--out", "report.json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["device"]["model"] == "Pixel"
    if make is _fifo:  # not listed at all: a FIFO is not a file of the acquisition
        return
    assert not any(why in n["message"] for n in report["notes"])  # a link out is never listed


# --------------------------------------------------------------------------------------------------
# Bug report bombs, with small caps (the 1000 MiB measurement is bench/bench_readers.py)
# --------------------------------------------------------------------------------------------------


def _bugreport(path: Path, body: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("main_entry.txt", "dumpstate.txt")
        zf.writestr("dumpstate.txt", body)
    return path


FILLER = b"x" * 99 + b"\n"


def test_a_section_over_its_cap_is_dropped_with_a_note_and_the_rest_is_kept() -> None:
    text = "DUMP OF SERVICE package:\n" + "x" * 99 + "\n" * 1 + ("y" * 99 + "\n") * 50
    text += (
        "--------- 0.1s was the duration of dumpsys package\nDUMP OF SERVICE appops:\nCurrent AppOps Service state:\n"
    )
    lines = ((line, True) for line in text.splitlines(keepends=True))
    cut = cut_lines(lines, {"package", "appops"}, section_limit=1000)
    assert cut.refused == ["DUMP OF SERVICE package: larger than 1000 bytes; not read"]
    assert cut.services == {"appops": "Current AppOps Service state:\n"}
    assert cut.service_names == ["package", "appops"]


def test_the_input_budget_bounds_what_is_kept_from_all_sections() -> None:
    text = "".join(f"DUMP OF SERVICE s{i}:\n" + "z" * 99 + "\n" for i in range(5))
    lines = ((line, True) for line in text.splitlines(keepends=True))
    cut = cut_lines(lines, None, budget=Budget("test", limit=250))
    assert sorted(cut.services) == ["s0", "s1"]
    assert cut.refused == [f"DUMP OF SERVICE s{i}: not read, the input would pass 250 bytes in all" for i in (2, 3, 4)]


def test_an_endless_line_is_read_in_pieces() -> None:
    import io

    pieces = list(decoded_lines(io.BytesIO(b"a" * (3 << 20) + b"\nb\n"), "x"))
    # 2 MiB at most in one piece; the pieces after the first of a line are never taken for a header
    assert [(len(p), whole) for p, whole in pieces] == [(2 << 20, True), ((1 << 20) + 1, False), (2, True)]


@pytest.mark.parametrize("where", ["package", "batterystats"])
def test_a_dumpstate_bomb_is_refused_whatever_section_it_fills(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    import auditor.acquire.bugreport as bugreport

    monkeypatch.setattr(bugreport, "MAX_DUMPSTATE_BYTES", 1 << 20)
    bomb = _bugreport(tmp_path / "bomb.zip", f"DUMP OF SERVICE {where}:\n".encode() + FILLER * (20 << 10))
    with pytest.raises(UnsafeInputError, match=r"dumpstate.txt inflates to more than 1 MiB; refusing \(zip bomb\?\)"):
        read_bugreport(bomb)
