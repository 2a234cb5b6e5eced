"""Finding devices: through a server, at TCP targets; choosing the one the user means."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.acquire.adb import (
    AcquireError,
    ConnectError,
    DeviceState,
    DeviceTarget,
    NoDeviceError,
    SeveralDevicesError,
    TransportKind,
    discover,
    discover_devices,
    select_target,
)
from auditor.simulator import Simulator
from auditor.simulator.fixture import build_snapshot
from tests.simulator.helpers import FakeAdbServer, FakeDevice, free_port, shared_key


@pytest.mark.parametrize(
    ("spec", "host", "port"),
    [("10.0.0.5:5555", "10.0.0.5", 5555), ("phone.lan", "phone.lan", 5555), ("[::1]:6000", "::1", 6000)],
)
def test_tcp_target_parsing(spec: str, host: str, port: int) -> None:
    target = DeviceTarget.tcp(spec)
    assert (target.kind, target.host, target.port) == (TransportKind.TCP, host, port)


@pytest.mark.parametrize("spec", ["", ":5555", "host:99999", "host:abc", "[::1"])
def test_bad_tcp_targets(spec: str) -> None:
    with pytest.raises(AcquireError, match="bad --tcp target"):
        DeviceTarget.tcp(spec)


def test_tcp_targets_with_each_state(tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    (key_dir / "adbkey").write_bytes(shared_key().private_pem())
    closed = f"127.0.0.1:{free_port()}"
    with (
        Simulator(build_snapshot(1), auth="accept", known_keys=[shared_key().public_line]) as ok,
        Simulator(build_snapshot(1), auth="refuse") as refusing,
    ):
        found = discover_devices(
            server=None, usb=False, tcp=[ok.address, refusing.address, closed], keys_dir=key_dir, auth_timeout_s=0.3
        )
    by_serial = {h.serial: h for h in found}
    good = by_serial[ok.address]
    assert (good.state, good.model, good.android_release, good.sdk, good.kind) == (
        DeviceState.DEVICE,
        "Simulated Pixel",
        "14",
        34,
        TransportKind.TCP,
    )
    assert by_serial[refusing.address].state is DeviceState.UNAUTHORIZED
    assert by_serial[closed].state is DeviceState.OFFLINE and "cannot reach" in (by_serial[closed].detail or "")


def test_server_devices_are_identified() -> None:
    devices = [
        FakeDevice("AAA", snapshot=build_snapshot(1)),
        FakeDevice("BBB", "unauthorized"),
        FakeDevice("CCC", "offline"),
    ]
    with FakeAdbServer(devices) as server:
        found = discover(server=server.address, usb=False)
    by_serial = {h.serial: h for h in found.devices}
    assert (by_serial["AAA"].state, by_serial["AAA"].model, by_serial["AAA"].android_release) == (
        DeviceState.DEVICE,
        "Simulated Pixel",
        "14",
    )
    assert by_serial["AAA"].target == DeviceTarget.via_server("AAA", server.address)
    assert by_serial["BBB"].state is DeviceState.UNAUTHORIZED and "allow USB debugging" in (
        by_serial["BBB"].detail or ""
    )
    assert by_serial["CCC"].state is DeviceState.OFFLINE
    assert found.problems == ()


def test_no_server_is_a_reason_not_an_error() -> None:
    found = discover(server=("127.0.0.1", free_port()), usb=False)
    assert found.devices == () and "no adb server is running" in found.problems[0]
    with pytest.raises(NoDeviceError, match="no Android device found.*no adb server is running"):
        select_target(server=("127.0.0.1", free_port()), usb=False)


def test_select_the_only_device_or_ask() -> None:
    one = [FakeDevice("AAA", snapshot=build_snapshot(1)), FakeDevice("OFF", "offline")]
    with FakeAdbServer(one) as server:
        assert select_target(server=server.address, usb=False) == DeviceTarget.via_server("AAA", server.address)
        with pytest.raises(ConnectError, match="OFF is offline"):
            select_target(serial="OFF", server=server.address, usb=False)
        with pytest.raises(NoDeviceError, match="no device with serial ZZZ"):
            select_target(serial="ZZZ", server=server.address, usb=False)
    two = [FakeDevice("AAA", snapshot=build_snapshot(1)), FakeDevice("BBB", snapshot=build_snapshot(1))]
    with FakeAdbServer(two) as server:
        with pytest.raises(SeveralDevicesError) as raised:
            select_target(server=server.address, usb=False)
        assert [h.serial for h in raised.value.devices] == ["AAA", "BBB"]
        assert "choose one with --serial" in str(raised.value)
        assert select_target(serial="BBB", server=server.address, usb=False).serial == "BBB"


def test_tcp_option_needs_no_discovery() -> None:
    assert select_target(tcp="127.0.0.1:5555", server=None, usb=False) == DeviceTarget.tcp("127.0.0.1:5555")
