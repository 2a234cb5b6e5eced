"""Test helpers shared by tests/simulator and tests/acquire: keys, a fake adb server, the real adb.

The fake adb server implements the real interface (the host protocol on a socket) with the
simulator's own answering code behind it, so the client is tested against the protocol, not mocks.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from auditor.acquire.adb.keys import AdbKey
from auditor.model import Snapshot
from auditor.simulator.shell import SnapshotShell
from auditor.simulator.sync import SimFile, SyncSession

_KEY: AdbKey | None = None


def shared_key() -> AdbKey:
    """One RSA key for the whole session (generating one costs ~0.1 s)."""
    global _KEY
    if _KEY is None:
        _KEY = AdbKey.generate(comment="test@auditor")
    return _KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class FakeDevice:
    serial: str
    state: str = "device"
    snapshot: Snapshot | None = None
    files: dict[str, SimFile] = field(default_factory=dict)
    model: str = "Fake_Phone"


class FakeAdbServer:
    """A tiny adb server: host:version, host:devices-l, host:transport:<serial>, shell:, sync:."""

    def __init__(self, devices: list[FakeDevice]) -> None:
        self.devices = {d.serial: d for d in devices}
        self.requests: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address: tuple[str, int] = ("127.0.0.1", self._listener.getsockname()[1])
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> FakeAdbServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._thread.join(timeout=5)
        self._listener.close()

    def _loop(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self._listener], [], [], 0.05)
            if not ready:
                continue
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(sock,), daemon=True).start()

    @staticmethod
    def _read(sock: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError
            buf += chunk
        return buf

    def _request(self, sock: socket.socket) -> str:
        length = int(self._read(sock, 4), 16)
        text = self._read(sock, length).decode()
        self.requests.append(text)
        return text

    @staticmethod
    def _payload(text: str) -> bytes:
        raw = text.encode()
        return b"OKAY" + b"%04x" % len(raw) + raw

    @staticmethod
    def _fail(text: str) -> bytes:
        return b"FAIL" + b"%04x" % len(text) + text.encode()

    def _handle(self, sock: socket.socket) -> None:
        with sock:
            try:
                req = self._request(sock)
                if req == "host:version":
                    sock.sendall(self._payload("0029"))
                elif req == "host:devices-l":
                    lines = [
                        f"{d.serial:<22}  {d.state} product:fake model:{d.model} device:fake transport_id:{i}\n"
                        for i, d in enumerate(self.devices.values(), 1)
                    ]
                    sock.sendall(self._payload("".join(lines)))
                elif req.startswith("host:transport:"):
                    self._transport(sock, self.devices.get(req.split(":", 2)[2]))
                else:
                    sock.sendall(self._fail(f"unknown host service {req}"))
            except ConnectionError:
                return

    def _transport(self, sock: socket.socket, dev: FakeDevice | None) -> None:
        if dev is None:
            sock.sendall(self._fail("device not found"))
            return
        if dev.state == "unauthorized":
            sock.sendall(self._fail("device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set"))
            return
        sock.sendall(b"OKAY")
        service = self._request(sock)
        if service.startswith("shell:") and dev.snapshot is not None:
            sock.sendall(b"OKAY")
            sock.sendall(SnapshotShell(dev.snapshot).answer(service[len("shell:") :]).output)
        elif service == "sync:":
            sock.sendall(b"OKAY")
            session = SyncSession(dev.files)
            while not session.closed:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                sock.sendall(session.feed(chunk))
        else:
            sock.sendall(self._fail(f"closed: {service}"))


@dataclass
class OfficialAdb:
    """A private official adb server (its own port and HOME, so the user's is never touched)."""

    port: int
    home: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["adb", "-P", str(self.port), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    @property
    def public_key(self) -> bytes:
        return (self.home / ".android" / "adbkey.pub").read_bytes()

    def wait_state(self, serial: str, state: str, deadline_s: float = 20) -> str:
        """Poll ``adb devices`` until ``serial`` has ``state`` (returns the last state seen)."""
        seen = ""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            for line in self.run("devices").stdout.splitlines():
                if line.startswith(serial + "\t"):
                    seen = line.split("\t", 1)[1].strip()
            if seen == state:
                break
            time.sleep(0.1)
        return seen


@contextmanager
def official_adb(tmp: Path) -> Iterator[OfficialAdb]:
    """Start a private adb server; skip the test where the ``adb`` client is not installed."""
    if shutil.which("adb") is None:
        pytest.skip("the official adb client is not installed (Debian package 'adb')")
    home = tmp / "adb-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADB_", "ANDROID_"))}
    env.update(HOME=str(home), ADB_MDNS="0")
    server = OfficialAdb(free_port(), home, env)
    started = server.run("start-server")
    if started.returncode != 0:
        pytest.skip(f"cannot start an adb server: {started.stderr.strip()}")
    try:
        yield server
    finally:
        server.run("kill-server")


def sync_request(verb: bytes, path: str) -> bytes:
    raw = path.encode()
    return struct.pack("<4sI", verb, len(raw)) + raw
