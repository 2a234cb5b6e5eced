"""Errors of live acquisition, each with a one-line message a user can act on.

``AcquireError`` derives from the project's ``AuditorError``, which the CLI catches: it prints the
message and exits 2. Every foreign error (socket, libusb, adb-shell, the adb server's ``FAIL`` text)
is wrapped with ``raise … from e`` so that a user never sees a raw traceback from a library they did
not choose.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from auditor.errors import AuditorError

if TYPE_CHECKING:
    from auditor.acquire.adb.discover import DeviceHandle


class AcquireError(AuditorError):
    """Base of every live-acquisition error; ``str(error)`` is one line for the user."""


class NoDeviceError(AcquireError):
    """No usable device was found (or the one asked for is not there)."""


class SeveralDevicesError(AcquireError):
    """More than one usable device and none was named: the CLI lists ``devices`` and asks."""

    def __init__(self, message: str, devices: Sequence[DeviceHandle]) -> None:
        super().__init__(message)
        self.devices = tuple(devices)


class ConnectError(AcquireError):
    """The device (or the adb server) cannot be reached at all."""


class AuthorizationError(AcquireError):
    """The phone did not allow USB debugging for this computer (refused, or no answer in time)."""


class UsbError(AcquireError):
    """Direct USB access failed (libusb missing, no permission, device held by another program)."""


class UsbBusyError(UsbError):
    """Another program (normally an adb server) holds the USB interface; go through the server."""


class ServerError(AcquireError):
    """The adb server answered ``FAIL`` or something that is not its protocol."""


class ConnectionLostError(AcquireError):
    """The connection dropped while a command ran (cable pulled, Wi-Fi lost, adbd restarted)."""


class PullLimitError(AcquireError):
    """A pulled file sent more bytes than allowed; the pull stopped there, whatever size STAT declared."""


class CommandTimeoutError(AcquireError):
    """A command stayed silent for longer than its plan allows."""


class ProtocolError(AcquireError):
    """The peer broke the ADB protocol (bad checksum, unknown packet)."""


class ResumeError(AcquireError):
    """``--resume`` was given a directory that is not a resumable snapshot of this device."""
