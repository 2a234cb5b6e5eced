"""A simulated Android device: adbd over TCP on 127.0.0.1, speaking the real ADB wire protocol.

It is the device of the test suite (adb-shell and the official ``adb`` both connect to it) and the
device behind ``auditor demo``. What it implements, and why each part matters:

* **CNXN** with the lower of both protocol versions, and payload checksums on everything it sends
  (adb-shell announces 0x01000000 and checks them; the official adb announces 0x01000001 and sends 0,
  which is accepted).
* **AUTH** with 20-byte RSA tokens: a signature by a known key is accepted; an unknown public key is
  accepted ("prompt-accept", the user taps Allow), or never answered ("accept" for known keys only,
  and "refuse"), which is what a phone whose user does not tap Allow does.
* **OPEN/OKAY/WRTE/CLSE** with flow control: one WRTE in flight per stream until the host's OKAY,
  payloads split to the smaller of both sides' ``maxdata`` (a legacy 4096 works), every host WRTE
  acknowledged, an unknown service refused with ``CLSE(0, id)``.
* ``shell:`` and ``exec:`` answered from a snapshot (``auditor.simulator.shell``), ``sync:`` with
  STAT/LIST/RECV for pulls (``auditor.simulator.sync``).
* Faults for tests and benchmarks: latency per round trip, a bandwidth cap, dropping the connection
  after N bytes or at the K-th command (once), and TCP_NODELAY on its side too.

The banner advertises no optional features: the official adb then uses the legacy ``shell:`` and
``STAT`` (advertising ``stat_v2`` makes it send ``STA2``, which this device does not implement).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa

from auditor.acquire.adb.keys import decode_android_pubkey, verify_token_signature
from auditor.model import Snapshot
from auditor.simulator import wire
from auditor.simulator.shell import Answer, SnapshotShell
from auditor.simulator.sync import SimFile, SyncSession
from auditor.snapshot import read_snapshot_dir

logger = logging.getLogger(__name__)

AuthMode = Literal["accept", "prompt-accept", "refuse", "off"]

DEFAULT_MAXDATA = 1024 * 1024
_MAX_INCOMING = 4 * 1024 * 1024
"""Payloads larger than this close the connection (no host sends them; protects memory)."""


@dataclass
class SimulatorStats:
    """Counters over the simulator's lifetime (for tests and the benchmark)."""

    connections: int = 0
    packets_in: int = 0
    packets_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    commands: int = 0
    """``shell:``/``exec:`` streams opened: one shell round trip each, at least."""
    auth_prompts: int = 0
    """Public keys the host sent for the user to allow."""
    bad_packets: int = 0
    """Packets refused for a wrong checksum or magic (the connection is closed)."""
    drops: int = 0
    """Connections dropped on purpose (``drop_after_bytes`` / ``drop_at_command``)."""


class _Drop(Exception):
    """Internal: close this connection now, as a pulled cable would."""


@dataclass
class _Stream:
    local_id: int
    remote_id: int
    queue: deque[bytes] = field(default_factory=deque)
    unacked: int = 0
    finished: bool = False
    """No more data will be queued: send CLSE once the queue drains."""
    sync: SyncSession | None = None


class Simulator:
    """An ADB device on 127.0.0.1 serving a snapshot. Use as a context manager.

    ``source`` is a snapshot directory or an in-memory ``Snapshot``. ``files`` maps device paths to
    contents for ``adb pull``. ``known_keys`` are ``adbkey.pub`` lines (or ``AdbKey.public_line``)
    whose signatures are accepted. ``latency_s`` is added to every host→device packet (so to every
    round trip); ``bandwidth_bps`` caps what the device sends, in bits per second. ``drop_after_bytes``
    and ``drop_at_command`` (1-based, counted over all connections) close a connection once.
    """

    def __init__(
        self,
        source: Path | Snapshot,
        *,
        latency_s: float = 0.0,
        bandwidth_bps: float | None = None,
        maxdata: int = DEFAULT_MAXDATA,
        drop_after_bytes: int | None = None,
        drop_at_command: int | None = None,
        auth: AuthMode = "off",
        known_keys: Iterable[bytes | str] = (),
        prompt_delay_s: float = 0.0,
        files: Mapping[str, SimFile | bytes] | None = None,
        overrides: Mapping[str, Answer] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        snapshot = read_snapshot_dir(source) if isinstance(source, Path) else source
        self.files: dict[str, SimFile] = {
            path: f if isinstance(f, SimFile) else SimFile(f) for path, f in (files or {}).items()
        }
        # The shell sees the same dict, so files added later are hashed by `sha256sum` too.
        self.shell = SnapshotShell(snapshot, overrides=overrides, files=self.files)
        self.latency_s = latency_s
        self.bandwidth_bps = bandwidth_bps
        if maxdata < 256:
            raise ValueError("maxdata below 256 bytes cannot carry a CNXN banner")
        self.maxdata = maxdata
        self.drop_after_bytes = drop_after_bytes
        self.drop_at_command = drop_at_command
        self.auth: AuthMode = auth
        self.prompt_delay_s = prompt_delay_s
        self._known: list[rsa.RSAPublicKey] = [decode_android_pubkey(k) for k in known_keys]
        self._host = host
        self._requested_port = port
        self._listener: socket.socket | None = None
        self._port: int | None = None
        self._threads: list[threading.Thread] = []
        self._sessions: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._dropped = False
        self.stats = SimulatorStats()
        self.commands_received: list[str] = []
        """Every ``shell:``/``exec:`` command exactly as received (wrapper included), in order."""
        self.services_received: list[str] = []
        """Every service a host opened (``shell:…``, ``sync:``, …)."""
        self.sync_requests: list[tuple[str, str]] = []
        """Every sync request as (verb, path): ``STAT``, ``LIST``, ``RECV`` (or a refused ``SEND``)."""

    # -- lifecycle ----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port it listens on (chosen by the OS unless one was given)."""
        if self._port is None:
            raise RuntimeError("the simulator is not started")
        return self._port

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``: a ``--tcp`` target, and the serial the official adb gives it."""
        return f"{self._host}:{self.port}"

    def add_file(
        self, path: str, data: bytes, *, mode: int = 0o100644, mtime: int = 1_700_000_000, readable: bool = True
    ) -> None:
        """Serve one more file over sync."""
        self.files[path] = SimFile(data, mode, mtime, readable)

    def trust(self, public_line: bytes | str) -> None:
        """Accept signatures by this key from now on (as "always allow from this computer" does)."""
        key = decode_android_pubkey(public_line)
        with self._lock:
            self._known.append(key)

    def start(self) -> Simulator:
        """Start listening (in a background thread); returns self."""
        self._listener = socket.create_server((self._host, self._requested_port))
        self._port = int(self._listener.getsockname()[1])
        thread = threading.Thread(target=self._accept_loop, name="adb-simulator", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop listening and close every connection."""
        self._stopping.set()
        with self._lock:
            sessions = list(self._sessions)
        for sock in sessions:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.1)
            if not ready:
                continue
            try:
                sock, _ = self._listener.accept()
            except OSError:
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sessions.add(sock)
                self.stats.connections += 1
            thread = threading.Thread(target=self._serve, args=(sock,), name="adb-simulator-conn", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        try:
            _Session(self, sock).run()
        except (_Drop, OSError, ConnectionError):
            pass
        except Exception:  # a bug here must not kill the test process; it shows as a closed connection
            logger.exception("simulator session failed")
        finally:
            with self._lock:
                self._sessions.discard(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    # -- shared state used by sessions ----------------------------------------------------------------

    def _count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    def _take_drop(self) -> bool:
        """Whether this is the one drop the options ask for (the first caller wins)."""
        with self._lock:
            if self._dropped:
                return False
            self._dropped = True
            self.stats.drops += 1
            return True

    def _register_command(self, command: str) -> int:
        with self._lock:
            self.commands_received.append(command)
            self.stats.commands += 1
            return self.stats.commands

    def _keys(self) -> list[rsa.RSAPublicKey]:
        with self._lock:
            return list(self._known)

    def banner(self) -> bytes:
        """The CNXN banner: product properties from the snapshot, and no optional features."""
        props = self.shell.properties
        parts = [
            f"ro.product.name={props.get('ro.product.name', 'auditor_sim')}",
            f"ro.product.model={props.get('ro.product.model', 'Simulated device')}",
            f"ro.product.device={props.get('ro.product.device', 'sim')}",
            "features=",
        ]
        return ("device::" + ";".join(parts)).encode() + b"\0"


class _Session:
    """One host connection: a single thread reads packets and answers them in order."""

    def __init__(self, sim: Simulator, sock: socket.socket) -> None:
        self.sim = sim
        self.sock = sock
        self.buf = bytearray()
        self.arrival = 0.0
        self.sent = 0
        self.version = wire.VERSION_MIN
        self.host_maxdata = DEFAULT_MAXDATA
        self.online = False
        self.token = b""
        self.streams: dict[int, _Stream] = {}
        self.next_id = 1
        self.drop_after = sim.drop_after_bytes

    # -- I/O --------------------------------------------------------------------------------------

    def _fill(self, n: int) -> None:
        while len(self.buf) < n:
            chunk = self.sock.recv(256 * 1024)
            if not chunk:
                raise ConnectionError("host closed the connection")
            self.arrival = time.monotonic()
            self.buf += chunk

    def read_packet(self) -> tuple[wire.Header, bytes]:
        self._fill(wire.HEADER.size)
        header = wire.decode_header(bytes(self.buf[: wire.HEADER.size]))
        if not header.magic_ok or header.command not in wire.KNOWN_COMMANDS or header.length > _MAX_INCOMING:
            self.sim._count(bad_packets=1)
            raise ConnectionError("not an ADB packet")
        self._fill(wire.HEADER.size + header.length)
        data = bytes(self.buf[wire.HEADER.size : wire.HEADER.size + header.length])
        del self.buf[: wire.HEADER.size + header.length]
        version = header.arg0 if header.command == wire.A_CNXN else self.version
        if version < wire.VERSION_SKIP_CHECKSUM and header.check != wire.checksum(data):
            self.sim._count(bad_packets=1)
            raise ConnectionError("bad checksum")
        self.sim._count(packets_in=1, bytes_in=wire.HEADER.size + len(data))
        # Latency: a packet is handled `latency_s` after it arrived. Packets that arrived together
        # (e.g. CLSE of one command and OPEN of the next) wait once, as on a real link.
        if self.sim.latency_s > 0:
            delay = self.arrival + self.sim.latency_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return header, data

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        packet = wire.encode_packet(command, arg0, arg1, data)
        if self.drop_after is not None and self.sent + len(packet) > self.drop_after and self.sim._take_drop():
            self.sock.sendall(packet[: max(0, self.drop_after - self.sent)])
            raise _Drop()
        self.sock.sendall(packet)
        self.sent += len(packet)
        self.sim._count(packets_out=1, bytes_out=len(packet))
        if self.sim.bandwidth_bps:
            time.sleep(len(packet) * 8 / self.sim.bandwidth_bps)

    # -- protocol -----------------------------------------------------------------------------------

    def run(self) -> None:
        while True:
            header, data = self.read_packet()
            if header.command == wire.A_CNXN:
                self.on_cnxn(header, data)
            elif header.command == wire.A_AUTH:
                self.on_auth(header, data)
            elif not self.online:
                continue  # adbd ignores everything else before the connection is authorized
            elif header.command == wire.A_OPEN:
                self.on_open(header, data)
            elif header.command == wire.A_OKAY:
                stream = self.streams.get(header.arg1)
                if stream is not None:
                    stream.unacked = max(0, stream.unacked - 1)
                    self.pump(stream)
            elif header.command == wire.A_WRTE:
                self.on_write(header, data)
            elif header.command == wire.A_CLSE:
                stream = self.streams.pop(header.arg1, None)
                if stream is not None:
                    self.send(wire.A_CLSE, stream.local_id, stream.remote_id)

    def go_online(self) -> None:
        self.online = True
        self.send(wire.A_CNXN, self.version, self.sim.maxdata, self.sim.banner())

    def on_cnxn(self, header: wire.Header, data: bytes) -> None:
        self.version = min(header.arg0, wire.VERSION_SKIP_CHECKSUM)
        self.host_maxdata = header.arg1 or DEFAULT_MAXDATA
        self.online = False
        self.streams.clear()
        if self.sim.auth == "off":
            self.go_online()
            return
        self.new_token()

    def new_token(self) -> None:
        self.token = os.urandom(wire.TOKEN_SIZE)
        self.send(wire.A_AUTH, wire.AUTH_TOKEN, 0, self.token)

    def on_auth(self, header: wire.Header, data: bytes) -> None:
        if self.online or not self.token:
            return
        if header.arg0 == wire.AUTH_SIGNATURE:
            if self.sim.auth != "refuse" and any(verify_token_signature(k, self.token, data) for k in self.sim._keys()):
                self.go_online()
            else:
                self.new_token()
        elif header.arg0 == wire.AUTH_RSAPUBLICKEY:
            self.sim._count(auth_prompts=1)
            if self.sim.auth != "prompt-accept":
                return  # the dialog stays unanswered: the host times out
            if self.sim.prompt_delay_s:
                time.sleep(self.sim.prompt_delay_s)
            try:
                self.sim.trust(data)
            except ValueError:
                return  # a malformed key: a real device shows no dialog
            self.go_online()

    def chunk_size(self) -> int:
        return max(1, min(self.sim.maxdata, self.host_maxdata))

    def on_open(self, header: wire.Header, data: bytes) -> None:
        service = data.split(b"\0", 1)[0].decode("utf-8", "replace")
        with self.sim._lock:
            self.sim.services_received.append(service)
        kind, _, command = service.partition(":")
        if kind in ("shell", "exec") and command:
            count = self.sim._register_command(command)
            if self.sim.drop_at_command is not None and count == self.sim.drop_at_command and self.sim._take_drop():
                raise _Drop()
            stream = self.open_stream(header.arg0)
            answer = self.sim.shell.answer(command)
            if not answer.hang:
                self.queue(stream, answer.output)
                stream.finished = True
            self.pump(stream)
        elif service == "sync:":
            stream = self.open_stream(header.arg0)
            stream.sync = SyncSession(self.sim.files, log=self.sim.sync_requests)
        else:
            # Unknown services (and interactive shells) are refused as adbd refuses them.
            self.send(wire.A_CLSE, 0, header.arg0)

    def open_stream(self, remote_id: int) -> _Stream:
        stream = _Stream(self.next_id, remote_id)
        self.next_id += 1
        self.streams[stream.local_id] = stream
        self.send(wire.A_OKAY, stream.local_id, remote_id)
        return stream

    def queue(self, stream: _Stream, data: bytes) -> None:
        size = self.chunk_size()
        stream.queue.extend(data[at : at + size] for at in range(0, len(data), size))

    def on_write(self, header: wire.Header, data: bytes) -> None:
        stream = self.streams.get(header.arg1)
        if stream is None:
            return
        self.send(wire.A_OKAY, stream.local_id, stream.remote_id)  # acknowledge every host WRTE
        if stream.sync is not None:
            self.queue(stream, stream.sync.feed(data))
            if stream.sync.closed:
                stream.finished = True
            self.pump(stream)

    def pump(self, stream: _Stream) -> None:
        """Send the next chunk if the host acknowledged the last one; CLSE when all is sent."""
        if stream.unacked == 0 and stream.queue:
            stream.unacked = 1
            self.send(wire.A_WRTE, stream.local_id, stream.remote_id, stream.queue.popleft())
        elif stream.unacked == 0 and stream.finished and stream.local_id in self.streams:
            del self.streams[stream.local_id]
            self.send(wire.A_CLSE, stream.local_id, stream.remote_id)
