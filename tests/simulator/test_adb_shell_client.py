"""The real adb-shell client against the simulator: auth, checksums, maxdata, flow control, sync."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from adb_shell import exceptions as adb_exc
from adb_shell.adb_device import AdbDevice, AdbDeviceTcp

from auditor.acquire.adb import AcquireError, AdbKey, AuthorizationError, DeviceTarget, open_connection
from auditor.acquire.adb.exitcode import split_exit_code, wrap_command
from auditor.acquire.adb.transport import NoDelayTcpTransport
from auditor.model import CommandStatus
from auditor.simulator import Answer, SimFile, Simulator
from auditor.simulator.fixture import build_snapshot
from tests.simulator.helpers import shared_key


def _stock(sim: Simulator) -> AdbDeviceTcp:
    return AdbDeviceTcp("127.0.0.1", sim.port, default_transport_timeout_s=10)


def test_stock_client_with_known_key() -> None:
    key = shared_key()
    with Simulator(build_snapshot(2), auth="accept", known_keys=[key.public_line]) as sim:
        dev = _stock(sim)
        prompts: list[object] = []
        dev.connect(rsa_keys=[key], auth_timeout_s=5, auth_callback=prompts.append)
        assert dev.shell("getprop ro.product.model") == "Simulated Pixel\n"
        assert prompts == [] and sim.stats.auth_prompts == 0
        dev.close()


def test_unknown_key_prompt_accept_then_remembered() -> None:
    key = AdbKey.generate()
    with Simulator(build_snapshot(1), auth="prompt-accept") as sim:
        dev = _stock(sim)
        prompts: list[object] = []
        dev.connect(rsa_keys=[key], auth_timeout_s=5, auth_callback=prompts.append)
        assert len(prompts) == 1 and sim.stats.auth_prompts == 1
        assert dev.shell("date +%s") == "1718000000\n"
        dev.close()
        # "Always allow": the next connection signs the token and is accepted without a prompt.
        dev.connect(rsa_keys=[key], auth_timeout_s=5, auth_callback=prompts.append)
        assert len(prompts) == 1 and sim.stats.auth_prompts == 1
        dev.close()


@pytest.mark.parametrize("mode", ["refuse", "accept"])
def test_unknown_key_not_allowed_times_out(mode: str) -> None:
    with Simulator(build_snapshot(1), auth=mode) as sim:  # type: ignore[arg-type]
        dev = _stock(sim)
        prompts: list[object] = []
        with pytest.raises(adb_exc.TcpTimeoutException):
            dev.connect(rsa_keys=[AdbKey.generate()], auth_timeout_s=0.3, auth_callback=prompts.append)
        assert len(prompts) == 1 and sim.stats.auth_prompts == 1
        assert sim.commands_received == []


def test_refuse_rejects_even_a_known_key_and_we_say_so() -> None:
    key = shared_key()
    said: list[str] = []

    class Say:
        def start(self, task: str, total: int | None = None) -> None: ...
        def advance(self, step: int = 1, detail: str = "") -> None: ...
        def say(self, message: str) -> None:
            said.append(message)

        def finish(self) -> None: ...

    with (
        Simulator(build_snapshot(1), auth="refuse", known_keys=[key.public_line]) as sim,
        pytest.raises(AuthorizationError, match="did not allow USB debugging within"),
    ):
        open_connection(DeviceTarget.tcp(sim.address), key=key, auth_timeout_s=0.3, observer=Say())
    assert said and said[0].startswith("Unlock the phone and allow USB debugging")


def test_auth_off_needs_no_key() -> None:
    with Simulator(build_snapshot(1), auth="off") as sim:
        dev = _stock(sim)
        dev.connect(rsa_keys=None)
        assert dev.shell("getprop ro.build.version.sdk") == "34\n"
        dev.close()


def test_three_megabytes_through_legacy_maxdata_4096() -> None:
    """adb-shell checks every checksum (it speaks 0x01000000), so intact output proves them right."""
    big = os.urandom(3 * 1024 * 1024)
    with Simulator(build_snapshot(1), maxdata=4096, overrides={"cat /big": Answer(big)}) as sim:
        conn = open_connection(DeviceTarget.tcp(sim.address), key=shared_key())
        try:
            received = b"".join(conn.shell(wrap_command("cat /big", "0a0b0c0d"), timeout_s=10))
        finally:
            conn.close()
        output, code = split_exit_code(received, "0a0b0c0d")
        assert code == 0 and hashlib.sha256(output).digest() == hashlib.sha256(big).digest()
        # one WRTE (and one OKAY back) per 4096 bytes: flow control held for every chunk
        assert sim.stats.packets_out >= len(big) // 4096
        assert sim.stats.packets_in >= len(big) // 4096


def test_stock_client_large_output_default_maxdata() -> None:
    big = os.urandom(3 * 1024 * 1024)
    with Simulator(build_snapshot(1), overrides={"cat /big": Answer(big)}) as sim:
        dev = _stock(sim)
        dev.connect()
        assert dev.shell("cat /big", decode=False) == big
        dev.close()


def test_sync_stat_and_pull_with_sha256(tmp_path: Path) -> None:
    blob = os.urandom(1_000_003)
    files = {"/sdcard/Download/evidence.bin": SimFile(blob, 0o100640, 1_712_345_678)}
    with Simulator(build_snapshot(1), files=files, maxdata=4096) as sim:
        conn = open_connection(DeviceTarget.tcp(sim.address), key=shared_key())
        try:
            st = conn.stat("/sdcard/Download/evidence.bin")
            assert (st.mode, st.size, st.mtime) == (0o100640, len(blob), 1_712_345_678)
            assert conn.pull("/sdcard/Download/evidence.bin", tmp_path / "e.bin") == len(blob)
            with pytest.raises(AcquireError, match="No such file"):
                conn.pull("/sdcard/missing", tmp_path / "m.bin")
            assert conn.stat("/sdcard/missing").size == 0
        finally:
            conn.close()
    assert hashlib.sha256((tmp_path / "e.bin").read_bytes()).hexdigest() == hashlib.sha256(blob).hexdigest()
    assert "sync:" in sim.services_received


def test_exit_codes_through_the_wrapper() -> None:
    denial = b"Permission Denial: can't dump appops\n"
    snap = build_snapshot(1, statuses={"dumpsys_appops": (CommandStatus.DENIED, None, denial)})
    with Simulator(snap) as sim:
        conn = open_connection(DeviceTarget.tcp(sim.address), key=shared_key())
        try:
            got = b"".join(conn.shell(wrap_command("dumpsys appops", "feedbeef"), timeout_s=5))
            assert split_exit_code(got, "feedbeef") == (denial, 255)
            got = b"".join(conn.shell(wrap_command("nosuchtool -x", "feedbeef"), timeout_s=5))
            assert split_exit_code(got, "feedbeef") == (b"/system/bin/sh: nosuchtool: not found\n", 127)
        finally:
            conn.close()


def test_no_delay_transport_with_stock_device_class() -> None:
    with Simulator(build_snapshot(1)) as sim:
        transport = NoDelayTcpTransport("127.0.0.1", sim.port)
        dev = AdbDevice(transport)
        dev.connect(rsa_keys=[shared_key()], transport_timeout_s=5)
        for _ in range(50):
            assert dev.shell("date +%s", transport_timeout_s=5) == "1718000000\n"
        dev.close()
        assert sim.stats.commands == 50


def test_bandwidth_cap_and_latency_keep_output_intact() -> None:
    snap = build_snapshot(20)
    with Simulator(snap, bandwidth_bps=200e6, latency_s=0.001, maxdata=16384) as sim:
        conn = open_connection(DeviceTarget.tcp(sim.address), key=shared_key())
        try:
            loop = next(c.command for c in snap.manifest.commands if c.id == "dumpsys_package")
            got = b"".join(conn.shell(wrap_command(loop, "0000aaaa"), timeout_s=10))
        finally:
            conn.close()
    assert split_exit_code(got, "0000aaaa") == (snap.outputs["dumpsys_package"], 0)
