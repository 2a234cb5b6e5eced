"""One open connection to one device, whatever carries it: the interface the collector uses.

Two implementations: ``DirectConnection`` speaks the ADB wire protocol itself through adb-shell (over
TCP with ``NoDelayTcpTransport``, or over USB with libusb), and ``ServerConnection``
(``auditor.acquire.adb.server``) asks a running adb server to do it. Both run one command at a time
(adb-shell breaks with several streams in flight on one connection) and raise only
``AcquireError`` subclasses.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from adb_shell import exceptions as adb_exc
from adb_shell.adb_device import AdbDevice

from auditor.acquire.adb.errors import (
    AcquireError,
    AuthorizationError,
    CommandTimeoutError,
    ConnectError,
    ConnectionLostError,
    ProtocolError,
    PullLimitError,
    UsbError,
)
from auditor.acquire.adb.keys import AdbKey
from auditor.progress import NullObserver, Observer

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

logger = logging.getLogger(__name__)


class TransportKind(StrEnum):
    """How the auditor reaches a device; also the manifest's ``source``."""

    SERVER = "adb-server"
    """Through a running adb server (it owns USB devices and Android 11+ wireless pairings)."""
    USB = "adb-usb"
    """Directly over USB with libusb (no platform-tools needed)."""
    TCP = "adb-tcp"
    """Directly over TCP to adbd (``adb tcpip 5555``, emulators, the device simulator)."""


@dataclass(frozen=True)
class FileStat:
    """The sync ``STAT`` answer; all zero when the file does not exist."""

    mode: int
    size: int
    mtime: int


class PullSink(BytesIO):
    """Where a pulled file's bytes go: counted as they arrive, stopped past a cap, written to disk 0600.

    Why count here: the size a phone declares in its sync ``STAT`` is its word, not a limit; a phone
    that declares 1,000 bytes can send gigabytes. Only the bytes actually received are counted. It
    is a ``BytesIO`` only because adb-shell's ``pull`` takes a path or a ``BytesIO``; nothing is kept
    in memory. The local file is created owner-only (an APK is evidence of what a person installed).
    """

    def __init__(self, local_path: Path, device_path: str, max_bytes: int | None) -> None:
        super().__init__()
        fd = os.open(local_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._device_path = device_path
        self.max_bytes = max_bytes
        self.written = 0
        """Bytes received and written so far."""

    def write(self, data: ReadableBuffer, /) -> int:
        """Write ``data`` through to the file; ``PullLimitError`` once the total passes ``max_bytes``."""
        size = memoryview(data).nbytes
        if self.max_bytes is not None and self.written + size > self.max_bytes:
            raise PullLimitError(
                f"{self._device_path}: the device sent more than {self.max_bytes} bytes "
                "(the most allowed for one file); the pull was stopped"
            )
        self._file.write(data)
        self.written += size
        return size

    def close(self) -> None:
        """Close the local file."""
        self._file.close()
        super().close()

    def __enter__(self) -> PullSink:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class DeviceConnection(Protocol):
    """An open connection to one device. One command at a time; close it when done."""

    kind: TransportKind
    description: str
    """For messages: ``127.0.0.1:5555 over TCP``."""

    def shell(self, command: str, *, timeout_s: float) -> Iterator[bytes]:
        """Run ``command`` through the legacy ``shell:`` service and yield its output as it arrives.

        ``timeout_s`` bounds the silence between two chunks. Raises CommandTimeoutError,
        ConnectionLostError or another AcquireError.
        """
        ...

    def stat(self, device_path: str, *, timeout_s: float = 30.0) -> FileStat:
        """Mode, size and mtime of a device file (sync ``STAT``)."""
        ...

    def pull(self, device_path: str, local_path: Path, *, timeout_s: float = 60.0, max_bytes: int | None = None) -> int:
        """Copy a device file to ``local_path`` (sync ``RECV``, into a ``PullSink``); returns the bytes written.

        Raises ``PullLimitError`` as soon as more than ``max_bytes`` have arrived (the stream is then
        half read: ``reset`` before the next command).
        """
        ...

    def reset(self) -> None:
        """Start afresh after a timeout left a stream half read (reconnects where needed)."""
        ...

    def close(self) -> None:
        """Release the connection; safe to call twice."""
        ...


AUTH_PROMPT = "Unlock the phone and allow USB debugging for this computer (waiting up to {timeout:.0f} s)."
"""What the person at the keyboard reads while the phone shows its "Allow USB debugging?" dialog."""


def _usb_error_name(error: BaseException) -> str:
    inner = getattr(error, "usb_error", None)
    return type(inner).__name__ if inner is not None else ""


def map_adb_shell_error(error: BaseException, where: str) -> AcquireError:
    """One AcquireError for an exception raised by adb-shell (or libusb under it) during a command."""
    if isinstance(error, AcquireError):
        return error
    if isinstance(error, adb_exc.TcpTimeoutException | adb_exc.AdbTimeoutError):
        return CommandTimeoutError(f"{where}: no answer in time")
    if isinstance(error, adb_exc.UsbReadFailedError | adb_exc.UsbWriteFailedError):
        name = _usb_error_name(error)
        if name == "USBErrorTimeout":
            return CommandTimeoutError(f"{where}: no answer in time")
        if name in ("USBErrorNoDevice", "USBErrorPipe", "USBErrorIO", ""):
            return ConnectionLostError(f"{where}: the USB connection was lost (unplugged?)")
        return UsbError(f"{where}: USB error ({name})")
    if isinstance(error, adb_exc.InvalidChecksumError | adb_exc.InvalidCommandError | adb_exc.InvalidResponseError):
        return ProtocolError(f"{where}: the device broke the ADB protocol ({error})")
    if isinstance(error, adb_exc.AdbConnectionError | OSError):
        return ConnectionLostError(f"{where}: the connection was lost ({error})")
    return AcquireError(f"{where}: {type(error).__name__}: {error}")


_ADB_SHELL_ERRORS: tuple[type[BaseException], ...] = (
    adb_exc.TcpTimeoutException,
    adb_exc.AdbTimeoutError,
    adb_exc.UsbReadFailedError,
    adb_exc.UsbWriteFailedError,
    adb_exc.InvalidChecksumError,
    adb_exc.InvalidCommandError,
    adb_exc.InvalidResponseError,
    adb_exc.AdbConnectionError,
    OSError,
)


class DirectConnection:
    """A device reached without an adb server: adb-shell's ``AdbDevice`` over our transport."""

    def __init__(
        self,
        device: AdbDevice,
        *,
        kind: TransportKind,
        description: str,
        key: AdbKey,
        auth_timeout_s: float = 60.0,
        connect_timeout_s: float = 10.0,
        observer: Observer | None = None,
        extra_keys: Sequence[AdbKey] = (),
    ) -> None:
        self._device = device
        self.kind = kind
        self.description = description
        self._key = key
        self._extra_keys = tuple(extra_keys)
        """Tried after ``key`` (``$ADB_VENDOR_KEYS``); ``key``'s public half is what the phone is asked to allow."""
        self._auth_timeout_s = auth_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._observer = observer or NullObserver()
        self.prompted = False
        """True once the device asked the user to allow this key (for tests and messages)."""

    def _on_auth_prompt(self, _device: object) -> None:
        self.prompted = True
        self._observer.say(AUTH_PROMPT.format(timeout=self._auth_timeout_s))

    def connect(self) -> None:
        """CNXN and AUTH: sign the device's token with our key, or send it and wait for the user.

        Raises AuthorizationError when the phone does not allow the key within ``auth_timeout_s``,
        ConnectError when the device does not speak ADB (e.g. a TLS-only wireless-debugging port).
        """
        self.prompted = False
        try:
            self._device.connect(
                rsa_keys=[self._key, *self._extra_keys],
                transport_timeout_s=self._connect_timeout_s,
                auth_timeout_s=self._auth_timeout_s,
                read_timeout_s=self._connect_timeout_s,
                auth_callback=self._on_auth_prompt,
            )
        except adb_exc.DeviceAuthError as e:
            raise AuthorizationError(f"{self.description} requires authorization and no key was usable") from e
        except (adb_exc.TcpTimeoutException, adb_exc.AdbTimeoutError, adb_exc.UsbReadFailedError) as e:
            self._device.close()
            if isinstance(e, adb_exc.UsbReadFailedError) and _usb_error_name(e) != "USBErrorTimeout":
                raise map_adb_shell_error(e, self.description) from e
            if self.prompted:
                raise AuthorizationError(
                    f"the phone did not allow USB debugging within {self._auth_timeout_s:.0f} s: unlock it, "
                    "tap Allow (tick 'Always allow from this computer') and try again"
                ) from e
            raise ConnectError(f"{self.description} did not answer the ADB handshake in time") from e
        except ConnectionLostError as e:
            self._device.close()
            if self.prompted:
                raise AuthorizationError(f"{self.description} refused USB debugging for this computer") from e
            raise ConnectError(f"{self.description} closed the connection during the ADB handshake") from e
        except adb_exc.InvalidCommandError as e:
            self._device.close()
            if "STLS" in str(e):
                # Android 11+ wireless debugging: the port speaks TLS after pairing, which only the
                # official adb implements.
                raise ConnectError(
                    f"{self.description} uses Android 11+ wireless debugging (TLS): pair it with "
                    "'adb pair', run 'adb connect HOST:PORT', then use --serial HOST:PORT"
                ) from e
            raise ProtocolError(f"{self.description} does not speak ADB ({e})") from e
        except (adb_exc.InvalidResponseError, adb_exc.InvalidChecksumError) as e:
            self._device.close()
            raise ProtocolError(f"{self.description} does not speak ADB ({e})") from e
        except BaseException:
            # Ctrl-C while the phone shows "Allow USB debugging?": release the claimed interface now, quietly.
            # Left open, libusb's handle is finalised at interpreter exit and prints a traceback of its own.
            self.close()
            raise
        logger.debug("connected to %s (max chunk %s)", self.description, self._device.max_chunk_size)

    def shell(self, command: str, *, timeout_s: float) -> Iterator[bytes]:
        """See ``DeviceConnection.shell``."""
        try:
            stream = self._device.streaming_shell(
                command, transport_timeout_s=timeout_s, read_timeout_s=timeout_s, decode=False
            )
            yield from stream
        except _ADB_SHELL_ERRORS as e:
            raise map_adb_shell_error(e, self.description) from e

    def stat(self, device_path: str, *, timeout_s: float = 30.0) -> FileStat:
        """See ``DeviceConnection.stat``."""
        try:
            mode, size, mtime = self._device.stat(device_path, transport_timeout_s=timeout_s, read_timeout_s=timeout_s)
        except adb_exc.AdbCommandFailureException as e:
            raise AcquireError(f"cannot stat {device_path} on {self.description}: {e}") from e
        except _ADB_SHELL_ERRORS as e:
            raise map_adb_shell_error(e, self.description) from e
        return FileStat(int(mode), int(size), int(mtime))

    def pull(self, device_path: str, local_path: Path, *, timeout_s: float = 60.0, max_bytes: int | None = None) -> int:
        """See ``DeviceConnection.pull``."""
        with PullSink(local_path, device_path, max_bytes) as sink:
            try:
                self._device.pull(device_path, sink, transport_timeout_s=timeout_s, read_timeout_s=timeout_s)
            except adb_exc.AdbCommandFailureException as e:
                raise AcquireError(f"cannot pull {device_path} from {self.description}: {e}") from e
            except _ADB_SHELL_ERRORS as e:
                raise map_adb_shell_error(e, self.description) from e
            return sink.written

    def reset(self) -> None:
        """Reconnect: the key is known by now, so no prompt (adb-shell cannot abandon one stream)."""
        self._device.close()
        self.connect()

    def close(self) -> None:
        """See ``DeviceConnection.close``. Never raises: it runs while another error or Ctrl-C is on its way
        out, and libusb fails in its own ways on a handle an interrupted transfer left behind."""
        try:
            self._device.close()
        except Exception:  # noqa: BLE001 - best effort; the error that matters is the one being raised
            logger.debug("closing %s failed", self.description, exc_info=True)
