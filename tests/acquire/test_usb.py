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


def test_usb_without_device(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("usb1")
    from auditor.acquire.adb.usb import list_usb_devices

    assert isinstance(list_usb_devices(), list)  # no raw libusb error, whatever the bus holds
