"""USB: libusb errors become one-line messages, and a server holding the device is preferred."""

from __future__ import annotations

import pytest
from adb_shell import exceptions as adb_exc

from auditor.acquire.adb import ConnectionLostError, NoDeviceError, UsbBusyError, UsbError
from auditor.acquire.adb.discover import DeviceTarget, open_connection
from auditor.acquire.adb.server import ServerConnection
from auditor.acquire.adb.usb import map_usb_error
from auditor.simulator.fixture import build_snapshot
from tests.simulator.helpers import FakeAdbServer, FakeDevice


def _usb_error(name: str) -> Exception:
    # usb1's exception classes, by name: the mapping must not need libusb to be importable.
    error: Exception = type(name, (Exception,), {})("LIBUSB_ERROR")
    return error


def test_busy_means_a_server_holds_it() -> None:
    err = map_usb_error(_usb_error("USBErrorBusy"), "R58M")
    assert isinstance(err, UsbBusyError)
    assert "another program holds the USB device R58M" in str(err) and "adb start-server" in str(err)


def test_access_points_to_udev_rules() -> None:
    err = map_usb_error(_usb_error("USBErrorAccess"), None)
    assert isinstance(err, UsbError) and "udev rule" in str(err)


def test_wrapped_read_errors_and_unplug() -> None:
    wrapped = adb_exc.UsbReadFailedError("read failed", _usb_error("USBErrorNoDevice"))
    assert isinstance(map_usb_error(wrapped, "X"), ConnectionLostError)
    assert isinstance(map_usb_error(adb_exc.UsbDeviceNotFoundError("none"), "X"), NoDeviceError)
    assert "\n" not in str(map_usb_error(_usb_error("USBErrorOther"), "X"))


def test_usb_target_goes_through_a_server_that_lists_it() -> None:
    with FakeAdbServer([FakeDevice("R58M", snapshot=build_snapshot(1))]) as server:
        conn = open_connection(DeviceTarget.usb("R58M", server.address))
        assert isinstance(conn, ServerConnection)
        assert b"Simulated Pixel" in b"".join(conn.shell("getprop ro.product.model", timeout_s=5))


def test_usb_listing_on_this_machine_never_leaks_a_libusb_error() -> None:
    """Whatever this machine's bus holds (the only check that can run against real libusb here)."""
    pytest.importorskip("usb1")
    from auditor.acquire.adb.usb import UsbCandidate, list_usb_devices

    try:
        found = list_usb_devices()
    except UsbError as e:  # no USB subsystem (a container): one line saying what to do instead
        assert "adb server" in str(e) or "libusb" in str(e)
    else:
        assert all(isinstance(c, UsbCandidate) for c in found)


class _Transport:
    """An ADB interface as adb-shell's ``UsbTransport`` shows it; reading its serial may fail."""

    def __init__(self, serial: str | Exception) -> None:
        self._serial = serial

    @property
    def serial_number(self) -> str:
        if isinstance(self._serial, Exception):
            raise self._serial
        return self._serial


def test_usb_listing_names_each_interface_and_why_one_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from auditor.acquire.adb import usb

    transports = [_Transport("R58M"), _Transport(_usb_error("USBErrorAccess"))]
    fake = SimpleNamespace(UsbTransport=SimpleNamespace(find_all_adb_devices=lambda: iter(transports)))
    monkeypatch.setattr(usb, "_usb_transport_module", lambda: fake)
    found = usb.list_usb_devices()
    assert [c.serial for c in found] == ["R58M", None]
    assert found[0].detail is None
    assert found[1].detail is not None and found[1].detail.startswith("no permission to open the USB device: ")

    def busy() -> list[_Transport]:
        raise _usb_error("USBErrorBusy")

    fake.UsbTransport.find_all_adb_devices = busy
    with pytest.raises(UsbBusyError, match="another program holds the USB device"):
        usb.list_usb_devices()
