"""The adb server host-protocol client: against a fake server in the test, and the real one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from auditor.acquire.adb import (
    AdbServerClient,
    AuthorizationError,
    ConnectError,
    DeviceState,
    DeviceTarget,
    NoDeviceError,
    discover,
    open_connection,
    server_version,
)
from auditor.acquire.adb.exitcode import split_exit_code, unwrap_command, wrap_command
from auditor.acquire.adb.server import ServerConnection, parse_devices_l
from auditor.acquire.collect import collect
from auditor.acquire.plan import full_plan
from auditor.model import CommandStatus
from auditor.simulator import SimFile, Simulator
from auditor.simulator.fixture import build_snapshot
from tests.simulator.helpers import FakeAdbServer, FakeDevice, free_port, official_adb


def test_parse_devices_l() -> None:
    text = (
        "0123456789ABCDEF       device usb:1-1 product:oriole model:Pixel_6 device:oriole transport_id:3\n"
        "192.168.1.20:5555      unauthorized transport_id:4\n"
        "R58M123                no permissions (missing udev rules? user is in the plugdev group); "
        "see [http://developer.android.com/tools/device.html] usb:1-2 transport_id:5\n"
        "emulator-5554          offline transport_id:6\n"
    )
    devices = parse_devices_l(text)
    assert [(d.serial, d.state) for d in devices] == [
        ("0123456789ABCDEF", "device"),
        ("192.168.1.20:5555", "unauthorized"),
        (
            "R58M123",
            "no permissions (missing udev rules? user is in the plugdev group); "
            "see [http://developer.android.com/tools/device.html]",
        ),
        ("emulator-5554", "offline"),
    ]
    assert devices[0].attributes == {
        "usb": "1-1",
        "product": "oriole",
        "model": "Pixel_6",
        "device": "oriole",
        "transport_id": "3",
    }


def test_fake_server_version_devices_shell_sync(tmp_path: Path) -> None:
    blob = os.urandom(150_000)
    dev = FakeDevice("SER1", snapshot=build_snapshot(2), files={"/data/local/tmp/f": SimFile(blob, 0o100600, 7)})
    with FakeAdbServer([dev, FakeDevice("SER2", "unauthorized")]) as server:
        client = AdbServerClient(*server.address)
        assert client.version() == 0x29
        assert [(d.serial, d.state) for d in client.devices()] == [("SER1", "device"), ("SER2", "unauthorized")]
        conn = ServerConnection(client, "SER1")
        out = b"".join(conn.shell(wrap_command("date +%s", "99990000"), timeout_s=5))
        assert split_exit_code(out, "99990000") == (b"1718000000\n", 0)
        st = conn.stat("/data/local/tmp/f")
        assert (st.mode, st.size, st.mtime) == (0o100600, len(blob), 7)
        assert conn.pull("/data/local/tmp/f", tmp_path / "f") == len(blob)
        assert (tmp_path / "f").read_bytes() == blob
        with pytest.raises(Exception, match="No such file"):
            conn.pull("/none", tmp_path / "n")
        with pytest.raises(NoDeviceError, match="device not found"):
            list(ServerConnection(client, "NOPE").shell("date", timeout_s=5))
        with pytest.raises(AuthorizationError, match="allowed USB debugging"):
            list(ServerConnection(client, "SER2").shell("date", timeout_s=5))
        assert "host:transport:SER1" in server.requests


def test_no_server_is_connect_error_and_version_none() -> None:
    port = free_port()
    assert server_version("127.0.0.1", port) is None
    with pytest.raises(ConnectError, match="no adb server"):
        AdbServerClient("127.0.0.1", port).devices()


def test_unauthorized_through_server_waits_then_gives_up() -> None:
    said: list[str] = []

    class Obs:
        def start(self, task: str, total: int | None = None) -> None: ...
        def advance(self, step: int = 1, detail: str = "") -> None: ...
        def say(self, message: str) -> None:
            said.append(message)

        def finish(self) -> None: ...

    with (
        FakeAdbServer([FakeDevice("SER2", "unauthorized")]) as server,
        pytest.raises(AuthorizationError, match="did not allow USB debugging within 0 s"),
    ):
        open_connection(DeviceTarget.via_server("SER2", server.address), auth_timeout_s=0.2, observer=Obs())
    assert said == ["Unlock the phone and allow USB debugging for this computer (waiting up to 0 s)."]


def test_real_adb_server(tmp_path: Path) -> None:
    """Our client against the official server, which holds the (simulated) device."""
    blob = os.urandom(100_000)
    with (
        official_adb(tmp_path) as adb,
        Simulator(build_snapshot(20, users=(0, 10)), auth="accept", files={"/sdcard/x": SimFile(blob)}) as sim,
    ):
        sim.trust(adb.public_key)
        adb.run("connect", sim.address)
        assert adb.wait_state(sim.address, "device") == "device"
        client = AdbServerClient("127.0.0.1", adb.port)
        assert client.version() >= 31
        listed = {d.serial: d for d in client.devices()}
        assert listed[sim.address].state == "device" and listed[sim.address].attributes["model"] == "Simulated_Pixel"

        found = discover(server=("127.0.0.1", adb.port), usb=False)
        handle = next(h for h in found.devices if h.serial == sim.address)
        assert (handle.state, handle.model, handle.android_release, handle.sdk) == (
            DeviceState.DEVICE,
            "Simulated Pixel",
            "14",
            34,
        )

        conn = ServerConnection(client, sim.address)
        assert conn.pull("/sdcard/x", tmp_path / "x") == len(blob)
        assert hashlib.sha256((tmp_path / "x").read_bytes()).digest() == hashlib.sha256(blob).digest()

        before = len(sim.commands_received)
        manifest = collect(handle.target, tmp_path / "snap")
        assert manifest.complete and manifest.source == "adb-server" and manifest.users == (0, 10)
        assert all(c.status is CommandStatus.OK for c in manifest.commands)
        plan = {c.command for c in full_plan(manifest.users)}
        sent = sim.commands_received[before:]
        assert len(sent) == len(plan) and all(unwrap_command(c)[0] in plan for c in sent)
