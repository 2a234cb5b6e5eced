"""A client of the adb server's host protocol (the official ``adb`` daemon on port 5037).

When the official adb server runs it owns every USB device (libusb then reports "busy"), and it is
the only way to reach phones paired for Android 11+ wireless debugging (TLS). Its protocol is small
(AOSP ``packages/modules/adb/SERVICES.TXT`` and ``protocol.txt``):

* every request is 4 hex digits giving the length, then the text; the answer is ``OKAY``, or
  ``FAIL`` followed by 4 hex digits of length and a message;
* ``host:version`` and ``host:devices-l`` answer with a length-prefixed payload;
* ``host:transport:<serial>`` switches the socket to that device; the next request names a device
  service (``shell:<cmd>``, ``exec:<cmd>``, ``sync:``) whose stream then runs on the socket until
  EOF (so each command needs a fresh socket to the server; the server keeps one link to the device);
* ``sync:`` speaks the file-sync protocol directly: ``STAT``/``RECV`` + u32 length + path, answered
  by ``STAT`` mode/size/mtime or ``DATA`` blocks then ``DONE``, or ``FAIL`` + message.

Written here rather than taken from a library: about 150 lines, no new dependency.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from auditor.acquire.adb.connection import FileStat, PullSink, TransportKind
from auditor.acquire.adb.errors import (
    AcquireError,
    AuthorizationError,
    CommandTimeoutError,
    ConnectError,
    ConnectionLostError,
    NoDeviceError,
    ServerError,
)

logger = logging.getLogger(__name__)

DEFAULT_SERVER = ("127.0.0.1", 5037)


@dataclass(frozen=True)
class ServerSetting:
    """The adb server the official client would ask, and which setting named it (said to the user)."""

    address: tuple[str, int]
    origin: str
    """``ADB_SERVER_SOCKET``, ``ANDROID_ADB_SERVER_PORT`` or ``default``."""

    def __str__(self) -> str:
        host, port = self.address
        where = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
        return where if self.origin == "default" else f"{where} (from ${self.origin})"


def _port(text: str, name: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise AcquireError(f"${name}: {text[:40]!r} is not a port from 1 to 65535")
    return int(text)


def server_setting(environ: Mapping[str, str] | None = None) -> ServerSetting:
    """Where the adb server is, by adb's own conventions: ``$ADB_SERVER_SOCKET`` (``tcp:PORT`` or
    ``tcp:HOST:PORT``), else ``$ANDROID_ADB_SERVER_PORT`` on this computer, else 127.0.0.1:5037.

    A Unix-socket ``ADB_SERVER_SOCKET`` (``localfilesystem:``/``localabstract:``) is refused in one line:
    the auditor speaks to the server over TCP only.
    """
    env = os.environ if environ is None else environ
    socket_spec = env.get("ADB_SERVER_SOCKET", "").strip()
    if socket_spec:
        kind, _, rest = socket_spec.partition(":")
        if kind != "tcp" or not rest:
            raise AcquireError(
                f"$ADB_SERVER_SOCKET={socket_spec[:60]!r}: only tcp:PORT or tcp:HOST:PORT servers are supported"
            )
        host, sep, port = rest.rpartition(":")
        host = host.strip("[]") if sep else DEFAULT_SERVER[0]
        if host in ("", "localhost"):
            host = DEFAULT_SERVER[0]
        return ServerSetting((host, _port(port, "ADB_SERVER_SOCKET")), "ADB_SERVER_SOCKET")
    port_text = env.get("ANDROID_ADB_SERVER_PORT", "").strip()
    if port_text:
        return ServerSetting(
            (DEFAULT_SERVER[0], _port(port_text, "ANDROID_ADB_SERVER_PORT")), "ANDROID_ADB_SERVER_PORT"
        )
    return ServerSetting(DEFAULT_SERVER, "default")


_SYNC_HEADER = struct.Struct("<4sI")
_SYNC_STAT = struct.Struct("<4sIII")
_MAX_SYNC_DATA = 64 * 1024
_DEVICE_ATTRS = ("product", "model", "device", "transport_id", "usb", "features")


@dataclass(frozen=True)
class ServerDevice:
    """One line of ``host:devices-l``."""

    serial: str
    state: str
    """As the server prints it: ``device``, ``unauthorized``, ``offline``, ``no permissions (…)`` …"""
    attributes: dict[str, str] = field(default_factory=dict)
    """``product``, ``model``, ``device``, ``transport_id``, ``usb`` when printed."""


def parse_devices_l(text: str) -> list[ServerDevice]:
    """Parse ``host:devices-l``: ``<serial> <state> [key:value …]`` per line.

    The state can hold spaces (``no permissions (missing udev rules? …); see [http://…]``), so
    known ``key:value`` words are taken from the end of the line and the rest is the state.
    """
    devices = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 2:
            continue
        attrs: dict[str, str] = {}
        rest = words[1:]
        while len(rest) > 1:
            key, sep, value = rest[-1].partition(":")
            if not sep or key not in _DEVICE_ATTRS:
                break
            attrs[key] = value
            rest = rest[:-1]
        devices.append(ServerDevice(words[0], " ".join(rest), attrs))
    return devices


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionLostError("the adb server closed the connection")
        buf += chunk
    return bytes(buf)


def _fail_message(text: str) -> AcquireError:
    """Turn a server ``FAIL`` text into the right one-line error."""
    first = text.strip().splitlines()[0] if text.strip() else "unknown error"
    low = first.lower()
    if "unauthorized" in low:
        return AuthorizationError(
            "the phone has not allowed USB debugging for this computer's adb server: unlock it and tap Allow"
        )
    if "not found" in low or "no devices" in low:
        return NoDeviceError(f"adb server: {first}")
    if "offline" in low:
        return ConnectError(f"adb server: {first}")
    return ServerError(f"adb server: {first}")


class AdbServerClient:
    """Requests to one adb server. Each method opens its own socket (the protocol wants that)."""

    def __init__(self, host: str = DEFAULT_SERVER[0], port: int = DEFAULT_SERVER[1], *, timeout_s: float = 5.0):
        self.host = host
        self.port = port
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"AdbServerClient({self.host}:{self.port})"

    def _connect(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except OSError as e:
            raise ConnectError(f"no adb server at {self.host}:{self.port} ({e.strerror or e})") from e
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    @staticmethod
    def _request(sock: socket.socket, text: str) -> None:
        payload = text.encode()
        if len(payload) > 0xFFFF:
            raise ServerError("request too long for the adb server protocol")
        sock.sendall(b"%04x" % len(payload) + payload)
        status = _recv_exact(sock, 4)
        if status == b"OKAY":
            return
        if status == b"FAIL":
            length = int(_recv_exact(sock, 4), 16)
            raise _fail_message(_recv_exact(sock, length).decode("utf-8", "replace"))
        raise ServerError(f"adb server at {sock.getpeername()} answered {status!r}, not OKAY/FAIL")

    def _query(self, text: str) -> str:
        """A host request whose answer is a length-prefixed payload."""
        with self._connect() as sock:
            try:
                self._request(sock, text)
                length = int(_recv_exact(sock, 4), 16)
                return _recv_exact(sock, length).decode("utf-8", "replace")
            except (OSError, ValueError) as e:
                raise ServerError(f"adb server at {self.host}:{self.port}: {text} failed ({e})") from e

    def version(self) -> int:
        """The server's protocol version (41 for platform-tools 29 to 35)."""
        return int(self._query("host:version"), 16)

    def devices(self) -> list[ServerDevice]:
        """Every device the server knows, in any state."""
        return parse_devices_l(self._query("host:devices-l"))

    def open_service(self, serial: str, service: str, *, timeout_s: float | None = None) -> socket.socket:
        """A socket switched to ``serial`` with ``service`` opened on it (caller closes it)."""
        sock = self._connect()
        try:
            self._request(sock, f"host:transport:{serial}")
            self._request(sock, service)
        except AcquireError:
            sock.close()
            raise
        except OSError as e:
            sock.close()
            raise ConnectionLostError(f"adb server at {self.host}:{self.port}: {e.strerror or e}") from e
        sock.settimeout(timeout_s)
        return sock


def server_version(
    host: str = DEFAULT_SERVER[0], port: int = DEFAULT_SERVER[1], *, timeout_s: float = 2.0
) -> int | None:
    """The version of the adb server listening there, or None when none answers."""
    try:
        return AdbServerClient(host, port, timeout_s=timeout_s).version()
    except (ConnectError, ServerError, ConnectionLostError):
        return None


class ServerConnection:
    """One device reached through an adb server (implements ``DeviceConnection``)."""

    kind = TransportKind.SERVER

    def __init__(self, client: AdbServerClient, serial: str) -> None:
        self._client = client
        self.serial = serial
        self.description = f"{serial} through the adb server at {client.host}:{client.port}"

    def shell(self, command: str, *, timeout_s: float) -> Iterator[bytes]:
        """See ``DeviceConnection.shell``: the stream ends when the server closes the socket."""
        with self._client.open_service(self.serial, f"shell:{command}", timeout_s=timeout_s) as sock:
            while True:
                try:
                    chunk = sock.recv(256 * 1024)
                except TimeoutError as e:
                    raise CommandTimeoutError(f"{self.description}: no answer in {timeout_s:.0f} s") from e
                except OSError as e:
                    raise ConnectionLostError(f"{self.description}: {e.strerror or e}") from e
                if not chunk:
                    return
                yield chunk

    def _sync(self, timeout_s: float) -> socket.socket:
        return self._client.open_service(self.serial, "sync:", timeout_s=timeout_s)

    @staticmethod
    def _sync_request(sock: socket.socket, verb: bytes, path: str) -> None:
        encoded = path.encode()
        sock.sendall(_SYNC_HEADER.pack(verb, len(encoded)) + encoded)

    @staticmethod
    def _quit(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.sendall(_SYNC_HEADER.pack(b"QUIT", 0))

    def stat(self, device_path: str, *, timeout_s: float = 30.0) -> FileStat:
        """See ``DeviceConnection.stat``."""
        with self._sync(timeout_s) as sock:
            try:
                self._sync_request(sock, b"STAT", device_path)
                verb, mode, size, mtime = _SYNC_STAT.unpack(_recv_exact(sock, _SYNC_STAT.size))
                self._quit(sock)
            except TimeoutError as e:
                raise CommandTimeoutError(f"{self.description}: stat {device_path} timed out") from e
            except OSError as e:
                raise ConnectionLostError(f"{self.description}: {e.strerror or e}") from e
        if verb != b"STAT":
            raise ServerError(f"{self.description}: unexpected sync answer {verb!r} to STAT")
        return FileStat(mode, size, mtime)

    def pull(self, device_path: str, local_path: Path, *, timeout_s: float = 60.0, max_bytes: int | None = None) -> int:
        """See ``DeviceConnection.pull``."""
        with self._sync(timeout_s) as sock, PullSink(local_path, device_path, max_bytes) as out:
            try:
                self._sync_request(sock, b"RECV", device_path)
                while True:
                    verb, length = _SYNC_HEADER.unpack(_recv_exact(sock, _SYNC_HEADER.size))
                    if verb == b"DATA":
                        if length > _MAX_SYNC_DATA:
                            raise ServerError(f"{self.description}: sync DATA block of {length} bytes")
                        out.write(_recv_exact(sock, length))
                    elif verb == b"DONE":
                        break
                    elif verb == b"FAIL":
                        message = _recv_exact(sock, length).decode("utf-8", "replace")
                        raise AcquireError(f"cannot pull {device_path} from {self.description}: {message}")
                    else:
                        raise ServerError(f"{self.description}: unexpected sync answer {verb!r}")
                self._quit(sock)
            except TimeoutError as e:
                raise CommandTimeoutError(f"{self.description}: pull {device_path} timed out") from e
            except OSError as e:
                raise ConnectionLostError(f"{self.description}: {e.strerror or e}") from e
            return out.written

    def reset(self) -> None:
        """Nothing to do: every command has its own socket to the server."""

    def close(self) -> None:
        """Nothing to do: the server keeps its own link to the device."""
