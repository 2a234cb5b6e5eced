"""Finding devices and opening a connection to the one the user means.

Three ways to reach a phone, tried in this order:

1. a **running adb server** (port 5037, or where ``$ADB_SERVER_SOCKET`` / ``$ANDROID_ADB_SERVER_PORT``
   say, as for the official client): when it runs it owns every USB device, and it is the only way to
   reach phones paired for Android 11+ wireless debugging;
2. **USB directly** through libusb, for devices no server holds (no platform-tools needed);
3. **TCP** targets the user names (``--tcp HOST:PORT``), straight to adbd.

A device the server lists is never opened over libusb as well: that is what produces "busy". Direct
connections sign with the user's key, then with the keys of ``$ADB_VENDOR_KEYS``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import assert_never

from adb_shell.adb_device import AdbDevice

from auditor.acquire.adb.connection import AUTH_PROMPT, DeviceConnection, DirectConnection, TransportKind
from auditor.acquire.adb.errors import (
    AcquireError,
    AuthorizationError,
    ConnectError,
    NoDeviceError,
    SeveralDevicesError,
    UsbBusyError,
    UsbError,
)
from auditor.acquire.adb.identity import device_info
from auditor.acquire.adb.keys import AdbKey, load_or_create_key, vendor_keys
from auditor.acquire.adb.server import (
    DEFAULT_SERVER,
    AdbServerClient,
    ServerConnection,
    ServerDevice,
    ServerSetting,
)
from auditor.acquire.adb.transport import NoDelayTcpTransport
from auditor.acquire.adb.usb import list_usb_devices, open_usb
from auditor.acquire.plan import base_plan
from auditor.model import Section
from auditor.parse.props import parse_getprop
from auditor.parse.text import decode_output
from auditor.progress import NullObserver, Observer

logger = logging.getLogger(__name__)

DEFAULT_TCP_PORT = 5555


class DeviceState(StrEnum):
    """Whether a device can be collected from now."""

    DEVICE = "device"
    """Connected and authorized."""
    UNAUTHORIZED = "unauthorized"
    """The phone has not (yet) allowed USB debugging for this computer."""
    OFFLINE = "offline"
    """Seen but not answering (booting, held by another program, adbd restarting)."""
    NO_PERMISSION = "no permission"
    """The operating system does not let this user open the USB device (udev rules)."""


@dataclass(frozen=True)
class DeviceTarget:
    """What to connect to: enough to open a connection later, nothing open yet."""

    kind: TransportKind
    serial: str | None = None
    """The adb serial (server and USB targets)."""
    host: str | None = None
    port: int | None = None
    server: tuple[str, int] = DEFAULT_SERVER
    """The adb server to use for server targets (and to prefer for USB ones when it runs)."""

    @classmethod
    def tcp(cls, spec: str, server: tuple[str, int] = DEFAULT_SERVER) -> DeviceTarget:
        """A TCP target from ``HOST:PORT``, ``HOST`` (port 5555) or ``[IPv6]:PORT``; ``server`` is the adb server
        to go through when the port turns out to need it (a paired wireless-debugging port)."""
        text = spec.strip()
        host, port_text = text, ""
        if text.startswith("["):
            end = text.find("]")
            if end < 0:
                raise AcquireError(f"bad --tcp target {spec!r}: missing ']'")
            host, port_text = text[1:end], text[end + 1 :].lstrip(":")
        elif text.count(":") == 1:
            host, port_text = text.split(":")
        if not host:
            raise AcquireError(f"bad --tcp target {spec!r}: expected HOST:PORT")
        if not port_text:
            return cls(TransportKind.TCP, host=host, port=DEFAULT_TCP_PORT, server=server)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise AcquireError(f"bad --tcp target {spec!r}: the port must be a number from 1 to 65535")
        return cls(TransportKind.TCP, host=host, port=int(port_text), server=server)

    @classmethod
    def via_server(cls, serial: str, server: tuple[str, int] = DEFAULT_SERVER) -> DeviceTarget:
        """A device as the adb server at ``server`` names it."""
        return cls(TransportKind.SERVER, serial=serial, server=server)

    @classmethod
    def usb(cls, serial: str | None, server: tuple[str, int] = DEFAULT_SERVER) -> DeviceTarget:
        """A USB device by serial (None: the only one)."""
        return cls(TransportKind.USB, serial=serial, server=server)

    def __str__(self) -> str:
        if self.kind is TransportKind.TCP:
            host = f"[{self.host}]" if self.host and ":" in self.host else self.host
            return f"{host}:{self.port}"
        return self.serial or "USB device"


@dataclass(frozen=True)
class DeviceHandle:
    """A device found by ``discover_devices``: one line of ``auditor devices``."""

    target: DeviceTarget
    serial: str
    state: DeviceState
    model: str | None = None
    android_release: str | None = None
    sdk: int | None = None
    detail: str | None = None
    """Why it is not usable, in plain words (for ``unauthorized``, ``offline``, ``no permission``)."""

    @property
    def kind(self) -> TransportKind:
        return self.target.kind

    @property
    def usable(self) -> bool:
        """Whether collection can start (an unauthorized phone may still be allowed by the user)."""
        return self.state in (DeviceState.DEVICE, DeviceState.UNAUTHORIZED)


@dataclass(frozen=True)
class Discovery:
    """Devices found, and why some ways of looking found nothing (for a helpful "no device")."""

    devices: tuple[DeviceHandle, ...]
    problems: tuple[str, ...] = field(default=())
    server: ServerSetting | None = None
    """The adb server that was asked (``None``: none was)."""


def _server_state(state: str) -> DeviceState:
    if state == "device":
        return DeviceState.DEVICE
    if state in ("unauthorized", "authorizing"):
        return DeviceState.UNAUTHORIZED
    if state.startswith("no permissions"):
        return DeviceState.NO_PERMISSION
    return DeviceState.OFFLINE


_GETPROP = next(c for c in base_plan() if c.section is Section.GETPROP)


def identify(connection: DeviceConnection) -> tuple[str | None, str | None, int | None]:
    """Model, Android release and SDK, by the plan's own ``getprop`` command (read-only)."""
    data = b"".join(connection.shell(_GETPROP.command, timeout_s=_GETPROP.timeout_s))
    info = device_info(parse_getprop(decode_output(data).text).values)
    return info.model, info.android_release, info.sdk


def _from_server(server: tuple[str, int], listed: Sequence[ServerDevice], timeout_s: float) -> list[DeviceHandle]:
    client = AdbServerClient(*server, timeout_s=timeout_s)
    handles = []
    for dev in listed:
        state = _server_state(dev.state)
        target = DeviceTarget.via_server(dev.serial, server)
        model = dev.attributes.get("model", "").replace("_", " ") or None
        release = sdk = detail = None
        if state is DeviceState.DEVICE:
            try:
                model, release, sdk = identify(ServerConnection(client, dev.serial))
            except AcquireError as e:
                detail = f"could not read its properties: {e}"
        elif state is DeviceState.UNAUTHORIZED:
            detail = "unlock the phone and allow USB debugging for this computer"
        else:
            detail = dev.state
        handles.append(DeviceHandle(target, dev.serial, state, model, release, sdk, detail))
    return handles


def _probe_direct(
    target: DeviceTarget, serial: str, key: AdbKey, auth_timeout_s: float, timeout_s: float
) -> DeviceHandle:
    try:
        connection = open_connection(
            target, key=key, auth_timeout_s=auth_timeout_s, connect_timeout_s=timeout_s, prefer_server=False
        )
    except AuthorizationError:
        return DeviceHandle(target, serial, DeviceState.UNAUTHORIZED, detail="allow USB debugging on the phone")
    except UsbBusyError as e:
        return DeviceHandle(target, serial, DeviceState.OFFLINE, detail=str(e))
    except UsbError as e:
        return DeviceHandle(target, serial, DeviceState.NO_PERMISSION, detail=str(e))
    except AcquireError as e:
        return DeviceHandle(target, serial, DeviceState.OFFLINE, detail=str(e))
    try:
        model, release, sdk = identify(connection)
    except AcquireError as e:
        return DeviceHandle(target, serial, DeviceState.DEVICE, detail=f"could not read its properties: {e}")
    finally:
        connection.close()
    return DeviceHandle(target, serial, DeviceState.DEVICE, model, release, sdk)


def discover(
    *,
    server: tuple[str, int] | ServerSetting | None = DEFAULT_SERVER,
    usb: bool = True,
    tcp: Iterable[str] = (),
    keys_dir: Path | None = None,
    auth_timeout_s: float = 3.0,
    timeout_s: float = 5.0,
) -> Discovery:
    """Every reachable device, with the reasons some ways of looking found nothing.

    ``auth_timeout_s`` is short on purpose: listing should not wait for a person; a phone that has
    not allowed this computer is listed as ``unauthorized`` (and its dialog is now on screen).
    """
    handles: list[DeviceHandle] = []
    problems: list[str] = []
    server_serials: set[str] = set()
    asked = server if isinstance(server, ServerSetting) or server is None else ServerSetting(server, "default")
    server = asked.address if asked is not None else None
    if server is not None:
        try:
            listed = AdbServerClient(*server, timeout_s=timeout_s).devices()
        except ConnectError:
            problems.append(f"no adb server is running at {asked}")
        except AcquireError as e:
            problems.append(str(e))
        else:
            server_serials = {d.serial for d in listed}
            handles += _from_server(server, listed, timeout_s)
    key: AdbKey | None = None
    if usb:
        try:
            candidates = list_usb_devices()
        except AcquireError as e:
            problems.append(str(e))
            candidates = []
        for cand in candidates:
            if cand.serial is not None and cand.serial in server_serials:
                continue  # the server holds it; opening it over libusb would only give "busy"
            target = DeviceTarget.usb(cand.serial, server or DEFAULT_SERVER)
            if cand.serial is None:
                handles.append(DeviceHandle(target, "?", DeviceState.NO_PERMISSION, detail=cand.detail))
                continue
            key = key or load_or_create_key(keys_dir)
            handles.append(_probe_direct(target, cand.serial, key, auth_timeout_s, timeout_s))
    for spec in tcp:
        target = DeviceTarget.tcp(spec, server or DEFAULT_SERVER)
        key = key or load_or_create_key(keys_dir)
        handles.append(_probe_direct(target, str(target), key, auth_timeout_s, timeout_s))
    return Discovery(tuple(handles), tuple(problems), asked)


def discover_devices(
    *,
    server: tuple[str, int] | ServerSetting | None = DEFAULT_SERVER,
    usb: bool = True,
    tcp: Iterable[str] = (),
    keys_dir: Path | None = None,
    auth_timeout_s: float = 3.0,
) -> list[DeviceHandle]:
    """Every device reachable through the adb server, over USB and at the given TCP targets.

    Each handle has the serial, model, Android version and state (``device``, ``unauthorized``,
    ``offline``, ``no permission``) and the target to pass to ``collect``. Never raises for a way
    of looking that finds nothing (no server running, no libusb); see ``discover`` for the reasons.
    """
    return list(discover(server=server, usb=usb, tcp=tcp, keys_dir=keys_dir, auth_timeout_s=auth_timeout_s).devices)


def select_target(
    *,
    serial: str | None = None,
    tcp: str | None = None,
    server: tuple[str, int] | ServerSetting | None = DEFAULT_SERVER,
    usb: bool = True,
    keys_dir: Path | None = None,
) -> DeviceTarget:
    """The device the user means: ``--tcp``, ``--serial``, or the only one attached.

    Raises NoDeviceError (with what was tried), SeveralDevicesError (its ``devices`` are the
    candidates for the CLI to list and ask), or the error that makes a named device unusable.
    """
    if tcp is not None:
        address = server.address if isinstance(server, ServerSetting) else server
        return DeviceTarget.tcp(tcp, address or DEFAULT_SERVER)
    found = discover(server=server, usb=usb, keys_dir=keys_dir)
    candidates = [h for h in found.devices if serial is None or h.serial == serial]
    why = "; ".join(found.problems)
    if serial is not None and not candidates:
        raise NoDeviceError(f"no device with serial {serial}" + (f" ({why})" if why else ""))
    usable = [h for h in candidates if h.usable]
    if not usable:
        if candidates:
            h = candidates[0]
            raise ConnectError(f"{h.serial} is {h.state.value}: {h.detail or 'not answering'}")
        raise NoDeviceError(
            "no Android device found: connect one with USB debugging on, or use --tcp HOST:PORT"
            + (f" ({why})" if why else "")
        )
    if len(usable) > 1:
        names = ", ".join(h.serial for h in usable)
        raise SeveralDevicesError(f"several devices are attached ({names}): choose one with --serial", usable)
    return usable[0].target


def _wait_authorized(client: AdbServerClient, serial: str, auth_timeout_s: float, observer: Observer) -> None:
    """Through a server, an unauthorized phone shows its dialog; poll until allowed or timeout."""
    deadline = time.monotonic() + auth_timeout_s
    said = False
    while True:
        listed = {d.serial: d for d in client.devices()}
        dev = listed.get(serial)
        if dev is None:
            raise NoDeviceError(f"the adb server at {client.host}:{client.port} does not list {serial}")
        state = _server_state(dev.state)
        if state is DeviceState.DEVICE:
            return
        transient = dev.state in ("connecting", "authorizing")  # the server is still handshaking
        if state is not DeviceState.UNAUTHORIZED and not transient:
            raise ConnectError(f"{serial} is {dev.state}")
        if state is DeviceState.UNAUTHORIZED and not said:
            observer.say(AUTH_PROMPT.format(timeout=auth_timeout_s))
            said = True
        if time.monotonic() >= deadline:
            raise AuthorizationError(
                f"the phone did not allow USB debugging within {auth_timeout_s:.0f} s: unlock it, tap Allow "
                "and try again"
            )
        time.sleep(0.5)


def _server_lists(server: tuple[str, int], serial: str | None, timeout_s: float) -> AdbServerClient | None:
    """The server's client when it runs and lists ``serial`` as a usable device."""
    if serial is None:
        return None
    client = AdbServerClient(*server, timeout_s=timeout_s)
    try:
        listed = client.devices()
    except AcquireError:
        return None
    return client if any(d.serial == serial and d.state != "offline" for d in listed) else None


def open_connection(
    target: DeviceTarget,
    *,
    key: AdbKey | None = None,
    keys_dir: Path | None = None,
    auth_timeout_s: float = 60.0,
    connect_timeout_s: float = 10.0,
    observer: Observer | None = None,
    prefer_server: bool = True,
) -> DeviceConnection:
    """Open one connection to ``target``, authorizing as needed (the observer relays the prompt).

    ``key`` defaults to the official adb key in ``keys_dir`` (created if absent); the keys of
    ``$ADB_VENDOR_KEYS`` are tried after it. For USB targets a running adb server that holds the device is
    used instead of libusb.
    """
    observer = observer or NullObserver()
    if target.kind is TransportKind.SERVER:
        assert target.serial is not None
        client = AdbServerClient(*target.server, timeout_s=connect_timeout_s)
        _wait_authorized(client, target.serial, auth_timeout_s, observer)
        return ServerConnection(client, target.serial)
    if target.kind is TransportKind.USB:
        if prefer_server:
            client_or_none = _server_lists(target.server, target.serial, connect_timeout_s)
            if client_or_none is not None:
                assert target.serial is not None
                _wait_authorized(client_or_none, target.serial, auth_timeout_s, observer)
                return ServerConnection(client_or_none, target.serial)
        return open_usb(
            target.serial,
            key=key or load_or_create_key(keys_dir),
            auth_timeout_s=auth_timeout_s,
            observer=observer,
            connect_timeout_s=connect_timeout_s,
            extra_keys=vendor_keys(),
        )
    if target.kind is TransportKind.TCP:
        assert target.host is not None and target.port is not None
        transport = NoDelayTcpTransport(target.host, target.port)
        connection = DirectConnection(
            AdbDevice(transport),
            kind=TransportKind.TCP,
            description=f"{target} over TCP",
            key=key or load_or_create_key(keys_dir),
            auth_timeout_s=auth_timeout_s,
            connect_timeout_s=connect_timeout_s,
            observer=observer,
            extra_keys=vendor_keys(),
        )
        try:
            connection.connect()
        except ConnectError:
            # A TLS-only wireless-debugging port the official adb has paired: go through its server.
            client_or_none = _server_lists(target.server, str(target), connect_timeout_s) if prefer_server else None
            if client_or_none is None:
                raise
            return ServerConnection(client_or_none, str(target))
        return connection
    assert_never(target.kind)
