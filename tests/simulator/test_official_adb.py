"""The official adb client (Debian package ``adb``) against the simulator.

Each test starts a private adb server (its own port and HOME), so a server the developer runs is
never touched. Skipped only where ``adb`` is not installed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from auditor.simulator import SimFile, Simulator
from auditor.simulator.fixture import build_snapshot
from tests.simulator.helpers import official_adb


def test_connect_shell_and_pull(tmp_path: Path) -> None:
    blob = os.urandom(200_000)
    with (
        official_adb(tmp_path) as adb,
        Simulator(build_snapshot(3), auth="accept", files={"/sdcard/report.bin": SimFile(blob)}) as sim,
    ):
        sim.trust(adb.public_key)  # this adb server's key was allowed before
        assert adb.run("connect", sim.address).stdout.strip() == f"connected to {sim.address}"
        assert adb.wait_state(sim.address, "device") == "device"
        model = adb.run("-s", sim.address, "shell", "getprop", "ro.product.model")
        assert model.returncode == 0 and model.stdout == "Simulated Pixel\n"
        props = adb.run("-s", sim.address, "shell", "getprop").stdout
        assert "[ro.build.version.release]: [14]" in props
        pulled = adb.run("-s", sim.address, "pull", "/sdcard/report.bin", str(tmp_path / "r.bin"))
        assert pulled.returncode == 0, pulled.stderr
        assert hashlib.sha256((tmp_path / "r.bin").read_bytes()).digest() == hashlib.sha256(blob).digest()
        missing = adb.run("-s", sim.address, "pull", "/sdcard/none", str(tmp_path / "n.bin"))
        assert missing.returncode != 0
        assert "getprop ro.product.model" in sim.commands_received


def test_official_client_prompt_then_allowed(tmp_path: Path) -> None:
    with official_adb(tmp_path) as adb, Simulator(build_snapshot(1), auth="prompt-accept") as sim:
        adb.run("connect", sim.address)  # adb 29 prints "failed to authenticate" while the prompt is up
        assert adb.wait_state(sim.address, "device") == "device"
        assert sim.stats.auth_prompts >= 1
        assert adb.run("-s", sim.address, "shell", "date", "+%s").stdout == "1718000000\n"


def test_official_client_refused_stays_unauthorized(tmp_path: Path) -> None:
    with official_adb(tmp_path) as adb, Simulator(build_snapshot(1), auth="refuse") as sim:
        adb.run("connect", sim.address)
        assert adb.wait_state(sim.address, "unauthorized", deadline_s=10) == "unauthorized"
        assert sim.commands_received == []
