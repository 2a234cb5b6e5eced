"""Ctrl-C during a live collection: one line, exit 130, the partial snapshot kept, marked and resumable.

Before: typer turned Ctrl-C into a bare exit 130 with an empty line; the snapshot said nothing about the
interruption and nothing said how to complete it. The phone is the simulator, answering slowly (a latency
per round trip) so that SIGINT lands mid-collection, in a real ``auditor`` process.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.acquire.adb import DeviceTarget
from auditor.acquire.adb.connection import DirectConnection, TransportKind
from auditor.acquire.adb.errors import AcquireError
from auditor.acquire.resume import resume_command
from auditor.simulator import Simulator
from auditor.simulator.fixture import build_snapshot
from tests.simulator.helpers import shared_key


def _ok_commands(out: Path) -> int:
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return 0
    return sum(c["status"] == "ok" for c in manifest["commands"])


@pytest.mark.parametrize("command", ["collect", "audit"])
def test_ctrl_c_mid_collection_keeps_a_marked_resumable_snapshot(tmp_path: Path, command: str) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    snapshot = build_snapshot(5)
    with Simulator(snapshot, auth="off", latency_s=0.25) as sim:
        if command == "collect":
            out = tmp_path / "snap"
            args = ["collect", "--tcp", sim.address, "--out", str(out)]
        else:  # audit without a PATH collects into reports/snapshot-<serial>-<time> first
            args = ["audit", "--tcp", sim.address]
        proc = subprocess.Popen(
            [sys.executable, "-m", "auditor", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        deadline = time.monotonic() + 60
        if command == "audit":
            while not list((tmp_path / "reports").glob("snapshot-*")) and time.monotonic() < deadline:
                time.sleep(0.05)
            out = next((tmp_path / "reports").glob("snapshot-*"))
        while _ok_commands(out) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stderr
        hint = resume_command(out.relative_to(tmp_path) if command == "audit" else out, DeviceTarget.tcp(sim.address))
        assert "Traceback" not in stderr and "internal error" not in stderr
        assert [line for line in stderr.splitlines() if line.strip()] == [
            f"interrupted: the partial snapshot is kept in {out.relative_to(tmp_path) if command == 'audit' else out} "
            f"(incomplete); this completes it: {hint}"
        ]
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["complete"] is False
        assert 3 <= _ok_commands(out) < len(manifest["commands"])
        note = next(n for n in manifest["notes"] if n["message"].startswith("collection interrupted (Ctrl-C)"))
        assert note["level"] == "partial" and note["message"].endswith(f"this completes the snapshot: {hint}")
        not_run = [c for c in manifest["commands"] if c["status"] == "skipped"]
        assert not_run and all(c["error"] == "not run: the collection was interrupted before it" for c in not_run)
        # The printed command, as printed, completes it.
        words = shlex.split(hint)
        resumed = subprocess.run(
            [sys.executable, "-m", "auditor", *words[1:]],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((out / "manifest.json").read_text())["complete"] is True


def test_ctrl_c_while_the_phone_asks_to_allow_debugging_is_one_line(tmp_path: Path) -> None:
    # The real wait (adb-shell's handshake with our auth callback) over TCP: the simulated phone shows its
    # dialog and nobody taps Allow. Over USB the same code waits in libusb, which CI has no hardware for.
    env = {**os.environ, "HOME": str(tmp_path)}
    out = tmp_path / "snap"
    with Simulator(build_snapshot(3), auth="refuse") as sim:
        proc = subprocess.Popen(
            [sys.executable, "-m", "auditor", "collect", "--tcp", sim.address, "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 60
        while sim.stats.auth_prompts < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the prompt is printed just after the key is sent
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "Unlock the phone and allow USB debugging for this computer (waiting up to 60 s).",
        "interrupted",
    ]
    assert not out.exists()  # nothing was collected, so nothing was written


class _Interrupting:
    """Stands in for adb-shell's ``AdbDevice`` over libusb (no USB hardware in CI): its handshake is
    interrupted while it waits for "allow USB debugging".

    It implements the part of ``AdbDevice`` the connection uses; ``close`` fails the way a libusb handle
    does when the interrupted transfer left it unusable: the second exception whose traceback the person
    used to see when the handle was left to be finalised at exit.
    """

    def __init__(self) -> None:
        self.closed = 0

    def connect(self, **options: object) -> None:
        callback = options["auth_callback"]
        assert callable(callback)
        callback(self)  # the phone shows its dialog
        raise KeyboardInterrupt  # Ctrl-C while waiting for the person to tap Allow

    def close(self) -> None:
        self.closed += 1
        raise RuntimeError("LIBUSB_ERROR_INTERRUPTED [-10]")


def test_ctrl_c_while_waiting_for_usb_debugging_is_only_the_interruption() -> None:
    device = _Interrupting()
    connection = DirectConnection(
        device,  # type: ignore[arg-type]
        kind=TransportKind.USB,
        description="USB device X",
        key=shared_key(),
    )
    with pytest.raises(KeyboardInterrupt) as caught:
        connection.connect()
    assert device.closed == 1  # the half-open handle is released at once
    assert caught.value.__context__ is None or not isinstance(caught.value.__context__, RuntimeError)
    connection.close()  # and closing again stays quiet
    assert device.closed == 2
    assert not isinstance(caught.value, AcquireError)
