"""``collect --resume`` completes a snapshot only from the phone it began on, and says how to resume.

Each test interrupts a collection from phone A (the simulator drops the connection), then resumes with the
simulator answering as phone B (another serial, another build, a restart …). Before, B's data completed
A's snapshot under A's identity; now another phone is refused with the snapshot untouched byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.acquire.adb import DeviceTarget, ResumeError
from auditor.acquire.collect import collect
from auditor.acquire.resume import resume_command
from auditor.identity import Identity, Sameness, compare
from auditor.model import CommandStatus, NoteLevel, Snapshot
from auditor.simulator import Simulator
from auditor.simulator.fixture import build_snapshot
from auditor.simulator.shell import Answer
from tests.simulator.helpers import shared_key

BOOT_ID = "cat /proc/sys/kernel/random/boot_id"
BUILD = "google/sim/sim:14/UQ1A.240105.004/11206848:user/release-keys"
BOOT_A = "5d8c4c5e-2b0f-4f5e-9d1a-3c6e7f8a9b0c"  # the fixture's (the section's example output)
BOOT_B = "0f6a1e2d-3c4b-4a59-8e7f-6d5c4b3a2910"


def _getprop(snapshot: Snapshot, serial: str = "SIM0001", build: str = BUILD) -> bytes:
    text = snapshot.outputs["getprop"].decode()
    return text.replace("[SIM0001]", f"[{serial}]").replace(f"[{BUILD}]", f"[{build}]").encode()


def _phone(snapshot: Snapshot, *, serial: str = "SIM0001", build: str = BUILD, boot: str = BOOT_A) -> dict[str, Answer]:
    return {"getprop": Answer(_getprop(snapshot, serial, build)), BOOT_ID: Answer(f"{boot}\n".encode())}


def _sim(snapshot: Snapshot, **options: object) -> Simulator:
    return Simulator(snapshot, auth="accept", known_keys=[shared_key().public_line], **options)  # type: ignore[arg-type]


def _interrupted(tmp_path: Path, snapshot: Snapshot, phone: dict[str, Answer]) -> Path:
    """A snapshot of ``phone`` whose collection stopped at the 6th command (the link dropped)."""
    out = tmp_path / "s"
    with _sim(snapshot, drop_at_command=6, overrides=phone) as sim:
        partial = collect(DeviceTarget.tcp(sim.address), out, key=shared_key())
    assert not partial.complete
    return out


def _state(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file and folder under ``folder`` with its content hash, mode and mtime (ns)."""
    found = {}
    for path in sorted([folder, *folder.rglob("*")]):
        st = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        found[str(path.relative_to(folder))] = (digest, st.st_mode, st.st_mtime_ns)
    return found


OTHER_PHONES = {
    "another serial": ({"serial": "R58M12ABCDE"}, "another phone"),
    "another build": ({"build": "google/sim/sim:15/AP3A.241005.015/12366759:user/release-keys"}, "another phone"),
    "another placeholder": ({"serial": "unknown"}, "another phone"),
}


@pytest.mark.parametrize("change", list(OTHER_PHONES), ids=list(OTHER_PHONES))
def test_resuming_with_another_phone_is_refused_and_nothing_changes(tmp_path: Path, change: str) -> None:
    snapshot = build_snapshot(5)
    out = _interrupted(tmp_path, snapshot, _phone(snapshot))
    before = _state(out)
    fields, words = OTHER_PHONES[change]
    with _sim(snapshot, overrides=_phone(snapshot, boot=BOOT_B, **fields)) as sim:  # type: ignore[arg-type]
        with pytest.raises(ResumeError, match=words) as refused:
            collect(DeviceTarget.tcp(sim.address), out, key=shared_key(), resume=True)
        # Only the identity was read: nothing of phone B's data was asked for.
        assert len(sim.commands_received) == 2
    assert "nothing was changed" in str(refused.value)
    assert _state(out) == before


def test_a_placeholder_serial_after_a_restart_cannot_be_told_from_another_phone(tmp_path: Path) -> None:
    snapshot = build_snapshot(5)
    out = _interrupted(tmp_path, snapshot, _phone(snapshot, serial="0123456789ABCDEF"))
    before = _state(out)
    with (
        _sim(snapshot, overrides=_phone(snapshot, serial="0123456789ABCDEF", boot=BOOT_B)) as sim,
        pytest.raises(ResumeError, match="cannot tell whether the attached phone is the one"),
    ):
        collect(DeviceTarget.tcp(sim.address), out, key=shared_key(), resume=True)
    assert _state(out) == before


def test_the_same_phone_after_a_restart_completes_with_a_note(tmp_path: Path) -> None:
    snapshot = build_snapshot(5)
    out = _interrupted(tmp_path, snapshot, _phone(snapshot))
    with _sim(snapshot, overrides=_phone(snapshot, boot=BOOT_B)) as sim:
        done = collect(DeviceTarget.tcp(sim.address), out, key=shared_key(), resume=True)
    assert done.complete
    notes = [n for n in done.notes if n.section == "boot_id"]
    assert len(notes) == 1 and notes[0].level is NoteLevel.PARTIAL
    assert notes[0].message == (
        f"the phone restarted between the parts of this collection (boot id {BOOT_A}, then {BOOT_B}): "
        "app-op history, running processes and other live state come from two boots"
    )
    assert (out / "raw" / "boot_id.txt").read_text() == f"{BOOT_A}\n"  # the first part's boot stays on record


def test_the_same_phone_and_boot_resumes_without_a_note(tmp_path: Path) -> None:
    snapshot = build_snapshot(5)
    out = _interrupted(tmp_path, snapshot, _phone(snapshot, serial="0123456789ABCDEF"))
    with _sim(snapshot, overrides=_phone(snapshot, serial="0123456789ABCDEF")) as sim:
        done = collect(DeviceTarget.tcp(sim.address), out, key=shared_key(), resume=True)
    assert done.complete and not [n for n in done.notes if n.section == "boot_id"]


def _without_boot_id(out: Path) -> None:
    """Make ``out`` look like a snapshot from before the boot id was collected."""
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["commands"] = [c for c in manifest["commands"] if c["section"] != "boot_id"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "raw" / "boot_id.txt").unlink()


def test_an_older_snapshot_without_a_boot_id_compares_serial_and_build(tmp_path: Path) -> None:
    snapshot = build_snapshot(5)
    out = _interrupted(tmp_path, snapshot, _phone(snapshot))
    _without_boot_id(out)
    before = _state(out)
    with (
        _sim(snapshot, overrides=_phone(snapshot, serial="R58M12ABCDE", boot=BOOT_B)) as sim,
        pytest.raises(ResumeError, match="another phone"),
    ):
        collect(DeviceTarget.tcp(sim.address), out, key=shared_key(), resume=True)
    assert _state(out) == before
    with _sim(snapshot, overrides=_phone(snapshot, boot=BOOT_B)) as sim:
        done = collect(DeviceTarget.tcp(sim.address), out, key=shared_key(), resume=True)
    assert done.complete  # its own serial and build agree: the same phone
    assert next(c for c in done.commands if c.id == "boot_id").status is CommandStatus.OK


@pytest.mark.parametrize(
    ("before", "now", "verdict"),
    [
        (Identity("A1", "b", "x"), Identity("A1", "b", "x"), Sameness.SAME),
        (Identity("A1", "b", "x"), Identity("A1", "b", "y"), Sameness.REBOOTED),
        (Identity("A1", "b", None), Identity("A1", "b", "y"), Sameness.SAME),
        (Identity("A1", "b", "x"), Identity("A2", "b", "x"), Sameness.OTHER),
        (Identity("A1", "b", "x"), Identity("A1", "c", "x"), Sameness.OTHER),
        (Identity("unknown", "b", "x"), Identity("unknown", "b", "x"), Sameness.SAME),
        (Identity("unknown", "b", "x"), Identity("unknown", "b", "y"), Sameness.UNSURE),
        (Identity("unknown", "b", None), Identity("unknown", "b", "y"), Sameness.UNVERIFIED),
        (Identity("unknown", "b", None), Identity("0123456789ABCDEF", "b", "y"), Sameness.OTHER),
        (Identity("", "b", None), Identity("", "b", None), Sameness.UNVERIFIED),
        (Identity(None, None, None), Identity("A2", "c", "y"), Sameness.SAME),  # stopped before getprop
        (Identity(None, None, "x"), Identity("A2", "c", "y"), Sameness.UNSURE),  # only another boot to go by
        (Identity(None, None, "x"), Identity("A2", "c", "x"), Sameness.SAME),
    ],
)
def test_compare(before: Identity, now: Identity, verdict: Sameness) -> None:
    assert compare(before, now) is verdict


# -- the printed resume command works as printed ----------------------------------------------------


@pytest.mark.parametrize(
    ("target", "flags"),
    [
        (DeviceTarget.tcp("127.0.0.1:5037"), ["--tcp", "127.0.0.1:5037"]),
        (DeviceTarget.tcp("[::1]:5555"), ["--tcp", "[::1]:5555"]),
        (DeviceTarget.via_server("R58M 12"), ["--serial", "R58M 12"]),
        (DeviceTarget.usb("R58M12"), ["--serial", "R58M12"]),
        (DeviceTarget.usb(None), []),
        (None, []),
    ],
)
def test_the_resume_command_quotes_the_folder_and_names_the_device(
    target: DeviceTarget | None, flags: list[str]
) -> None:
    folder = Path("my snaps/it's $HOME")
    printed = resume_command(folder, target)
    assert shlex.split(printed) == ["auditor", "collect", "--out", str(folder), "--resume", *flags]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_hint_after_a_dropped_link_completes_the_snapshot_as_printed(tmp_path: Path) -> None:
    # Before: the note said "'auditor collect --resume DIR'", which fails (no --out).
    snapshot = build_snapshot(5)
    env = {**os.environ, "HOME": str(tmp_path)}
    out = tmp_path / "snap shot (1)"
    with Simulator(snapshot, auth="off", drop_at_command=6) as sim:
        first = _cli("collect", "--tcp", sim.address, "--out", str(out), env=env)
        assert first.returncode == 1, first.stderr
        expected = resume_command(out, DeviceTarget.tcp(sim.address))
        assert f"INCOMPLETE (complete it with: {expected})" in first.stdout
        assert f"this completes the snapshot: {expected}" in first.stderr
        words = shlex.split(expected)
        assert words[0] == "auditor"
        second = _cli(*words[1:], env=env)
    assert second.returncode == 0, second.stderr
    assert "Snapshot complete" in second.stdout
    assert json.loads((out / "manifest.json").read_text())["complete"] is True


def test_the_cli_refuses_another_phone_in_one_line(tmp_path: Path) -> None:
    snapshot = build_snapshot(5)
    env = {**os.environ, "HOME": str(tmp_path)}
    out = tmp_path / "s"
    with Simulator(snapshot, auth="off", drop_at_command=6) as sim:
        assert _cli("collect", "--tcp", sim.address, "--out", str(out), env=env).returncode == 1
    before = _state(out)
    hostile = "EVIL\x1b]0;owned\x07\x1b[2J"
    with Simulator(snapshot, auth="off", overrides=_phone(snapshot, serial=hostile)) as sim:
        refused = _cli("collect", "--tcp", sim.address, "--out", str(out), "--resume", env=env)
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "another phone" in lines[0]
    assert "serial SIM0001" in lines[0] and "serial EVIL\\u{001b}]0;owned\\u{0007}\\u{001b}[2J" in lines[0]
    assert "\x1b" not in refused.stderr and "\x07" not in refused.stderr
    assert _state(out) == before
