"""Direct USB access through libusb (adb-shell's ``AdbDeviceUsb``), with errors a user can act on.

libusb errors arrive unwrapped from adb-shell: ``USBErrorBusy`` when another program (almost always
an adb server) has claimed the interface, ``USBErrorAccess`` when udev rules do not let this user
open the device. Both become one-line ``AcquireError``s; callers prefer the adb server whenever one
runs, so "busy" is only seen when a server runs somewhere we cannot talk to.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from adb_shell import exceptions as adb_exc

from auditor.acquire.adb.connection import DirectConnection, TransportKind
from auditor.acquire.adb.errors import (
    AcquireError,
    ConnectionLostError,
    NoDeviceError,
    UsbBusyError,
    UsbError,
)
from auditor.acquire.adb.keys import AdbKey
from auditor.progress import Observer

logger = logging.getLogger(__name__)

_NO_LIBUSB = (
    "direct USB needs libusb, which was not found: install it, or start an adb server ('adb start-server') "
    "and try again"
)


@dataclass(frozen=True)
class UsbCandidate:
    """An ADB interface seen on the USB bus."""

    serial: str | None
    """The USB serial number (what adb prints as the device serial); None when it cannot be read."""
    detail: str | None = None
    """Why the device could not be inspected (no permission …)."""


def _usb_transport_module() -> ModuleType:
    # Imported lazily: importing it opens a libusb context, which fails where libusb is missing.
    try:
        from adb_shell.transport import usb_transport
    except (ImportError, OSError) as e:
        raise UsbError(_NO_LIBUSB) from e
    except Exception as e:  # usb1.USBError from creating the libusb context (no USB subsystem)
        raise UsbError(f"direct USB is not available here ({type(e).__name__}); start an adb server instead") from e
    module: ModuleType = usb_transport
    return module


def map_usb_error(error: BaseException, serial: str | None) -> AcquireError:
    """The one-line error for a libusb or adb-shell USB exception."""
    name = type(error).__name__
    inner = getattr(error, "usb_error", None)
    if inner is not None:
        name = type(inner).__name__
    what = f"the USB device {serial}" if serial else "the USB device"
    if isinstance(error, adb_exc.UsbDeviceNotFoundError):
        return NoDeviceError(f"no USB device with serial {serial}" if serial else "no ADB device on USB")
    if name == "USBErrorBusy":
        return UsbBusyError(
            f"another program holds {what} (an adb server?): start it with 'adb start-server' so the auditor "
            "can go through it, or stop it with 'adb kill-server'"
        )
    if name == "USBErrorAccess":
        return UsbError(
            f"no permission to open {what}: add a udev rule for it (Android's 'Run apps on a hardware device' "
            "guide) or start an adb server ('adb start-server')"
        )
    if name in ("USBErrorNoDevice", "USBErrorNotFound"):
        return ConnectionLostError(f"{what} was unplugged")
    return UsbError(f"USB error on {what}: {name}")


def list_usb_devices() -> list[UsbCandidate]:
    """ADB interfaces on the USB bus (raises UsbError when libusb is unavailable)."""
    module = _usb_transport_module()
    found: list[UsbCandidate] = []
    try:
        transports: list[Any] = list(module.UsbTransport.find_all_adb_devices())
    except Exception as e:  # libusb raises its own hierarchy; never let it reach the user raw
        raise map_usb_error(e, None) from e
    for transport in transports:
        try:
            found.append(UsbCandidate(str(transport.serial_number)))
        except Exception as e:  # reading the serial opens the device: may lack permission
            found.append(UsbCandidate(None, str(map_usb_error(e, None))))
    return found


def open_usb(
    serial: str | None,
    *,
    key: AdbKey,
    auth_timeout_s: float,
    observer: Observer,
    connect_timeout_s: float = 10.0,
    extra_keys: Sequence[AdbKey] = (),
) -> DirectConnection:
    """Connect to a USB device directly (CNXN/AUTH over libusb)."""
    _usb_transport_module()
    from adb_shell.adb_device import AdbDeviceUsb

    try:
        device = AdbDeviceUsb(serial=serial, default_transport_timeout_s=connect_timeout_s)
    except Exception as e:
        raise map_usb_error(e, serial) from e
    connection = DirectConnection(
        device,
        kind=TransportKind.USB,
        description=f"USB device {serial or ''}".strip(),
        key=key,
        auth_timeout_s=auth_timeout_s,
        connect_timeout_s=connect_timeout_s,
        observer=observer,
        extra_keys=extra_keys,
    )
    try:
        connection.connect()
    except AcquireError:
        raise
    except Exception as e:  # usb1.USBErrorBusy and friends arrive unwrapped from claimInterface
        connection.close()
        raise map_usb_error(e, serial) from e
    return connection
