"""Reaching Android devices over ADB: through a running adb server, over USB, or over TCP.

The public surface (what the CLI calls):

* ``discover_devices`` / ``discover``: every reachable device with serial, model, Android version
  and state;
* ``select_target``: the device the user means (``--serial``, ``--tcp``, or the only one);
* ``open_connection``: one authorized connection (``DeviceConnection``);
* ``AcquireError`` and its subclasses: one-line messages for the user.

Collection itself is ``auditor.acquire.collect.collect``.
"""

from __future__ import annotations

from auditor.acquire.adb.connection import DeviceConnection, FileStat, TransportKind
from auditor.acquire.adb.discover import (
    DeviceHandle,
    DeviceState,
    DeviceTarget,
    Discovery,
    discover,
    discover_devices,
    open_connection,
    select_target,
)
from auditor.acquire.adb.errors import (
    AcquireError,
    AuthorizationError,
    CommandTimeoutError,
    ConnectError,
    ConnectionLostError,
    NoDeviceError,
    ProtocolError,
    ResumeError,
    ServerError,
    SeveralDevicesError,
    UsbBusyError,
    UsbError,
)
from auditor.acquire.adb.keys import AdbKey, default_keys_dir, load_or_create_key, vendor_keys
from auditor.acquire.adb.server import DEFAULT_SERVER, AdbServerClient, ServerSetting, server_setting, server_version

__all__ = [
    "DEFAULT_SERVER",
    "AcquireError",
    "AdbKey",
    "AdbServerClient",
    "AuthorizationError",
    "CommandTimeoutError",
    "ConnectError",
    "ConnectionLostError",
    "DeviceConnection",
    "DeviceHandle",
    "DeviceState",
    "DeviceTarget",
    "Discovery",
    "FileStat",
    "NoDeviceError",
    "ProtocolError",
    "ResumeError",
    "ServerError",
    "ServerSetting",
    "SeveralDevicesError",
    "TransportKind",
    "UsbBusyError",
    "UsbError",
    "default_keys_dir",
    "discover",
    "discover_devices",
    "load_or_create_key",
    "open_connection",
    "select_target",
    "server_setting",
    "server_version",
    "vendor_keys",
]
