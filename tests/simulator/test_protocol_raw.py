"""The simulator's wire behaviour seen from a raw socket: handshake, checksums, flow control."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator

import pytest

from auditor.acquire.plan import base_plan
from auditor.simulator import Simulator, wire
from auditor.simulator.fixture import build_snapshot


class RawHost:
    """A bare ADB host: sends packets as given, reads packets as they come."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"", *, check: int | None = None) -> None:
        packet = bytearray(wire.encode_packet(command, arg0, arg1, data))
        if check is not None:
            packet[16:20] = check.to_bytes(4, "little")
        self.sock.sendall(packet)

    def _fill(self, n: int) -> bool:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def read(self) -> tuple[wire.Header, bytes] | None:
        if not self._fill(24):
            return None
        header = wire.decode_header(self.buf[:24])
        if not self._fill(24 + header.length):
            return None
        data = self.buf[24 : 24 + header.length]
        self.buf = self.buf[24 + header.length :]
        assert header.magic_ok
        assert header.check in (0, wire.checksum(data))
        return header, data

    def quiet(self, seconds: float) -> bool:
        """True when nothing arrives for ``seconds`` (used only to show that nothing is sent)."""
        if self.buf:
            return False
        ready, _, _ = select.select([self.sock], [], [], seconds)
        return not ready

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(build_snapshot(3), maxdata=4096) as s:
        yield s


def _online(host: RawHost, version: int = wire.VERSION_MIN) -> tuple[wire.Header, bytes]:
    host.send(wire.A_CNXN, version, 1 << 20, b"host::test\0")
    got = host.read()
    assert got is not None
    return got


def test_cnxn_answers_lower_version_with_banner(sim: Simulator) -> None:
    host = RawHost(sim.port)
    header, banner = _online(host, version=0x01000001)
    assert header.command == wire.A_CNXN
    assert header.arg0 == wire.VERSION_SKIP_CHECKSUM and header.arg1 == 4096
    assert b"ro.product.model=Simulated Pixel" in banner and banner.endswith(b"features=\0")
    host.close()
    host = RawHost(sim.port)
    assert _online(host, version=wire.VERSION_MIN)[0].arg0 == wire.VERSION_MIN
    host.close()


def test_bad_checksum_closes_connection_under_old_version(sim: Simulator) -> None:
    host = RawHost(sim.port)
    host.send(wire.A_CNXN, wire.VERSION_MIN, 1 << 20, b"host::test\0", check=12345)
    assert host.read() is None
    assert sim.stats.bad_packets == 1


def test_checksum_zero_accepted_from_new_version_hosts(sim: Simulator) -> None:
    host = RawHost(sim.port)
    host.send(wire.A_CNXN, 0x01000001, 1 << 20, b"host::official\0", check=0)
    header, _ = host.read() or pytest.fail("no answer")
    assert header.command == wire.A_CNXN
    host.send(wire.A_OPEN, 7, 0, b"shell:date +%s\0", check=0)
    okay, _ = host.read() or pytest.fail("no OKAY")
    assert okay.command == wire.A_OKAY and okay.arg1 == 7


def test_flow_control_one_write_in_flight(sim: Simulator) -> None:
    host = RawHost(sim.port)
    _online(host)
    loop = next(c.command for c in base_plan() if c.id == "dumpsys_package")
    host.send(wire.A_OPEN, 1, 0, f"shell:{loop}\0".encode())  # ~7 KB: two 4096-byte WRTEs
    okay, _ = host.read() or pytest.fail("no OKAY")
    assert okay.command == wire.A_OKAY
    device_id = okay.arg0
    received = b""
    writes = 0
    while True:
        header, data = host.read() or pytest.fail("connection closed")
        if header.command == wire.A_CLSE:
            break
        assert header.command == wire.A_WRTE and len(data) <= 4096
        received += data
        writes += 1
        if writes == 1:
            # Until the host acknowledges, the device must not send the next WRTE.
            assert host.quiet(0.2)
        host.send(wire.A_OKAY, 1, device_id)
    assert received == sim.shell.lookup(loop).output
    assert writes == -(-len(received) // 4096) >= 2


def test_unknown_service_refused_with_clse(sim: Simulator) -> None:
    host = RawHost(sim.port)
    _online(host)
    host.send(wire.A_OPEN, 9, 0, b"reverse:forward:tcp:1;tcp:2\0")
    header, _ = host.read() or pytest.fail("no answer")
    assert (header.command, header.arg0, header.arg1) == (wire.A_CLSE, 0, 9)


def test_host_writes_are_acknowledged(sim: Simulator) -> None:
    host = RawHost(sim.port)
    _online(host)
    host.send(wire.A_OPEN, 3, 0, b"sync:\0")
    okay, _ = host.read() or pytest.fail("no OKAY")
    host.send(wire.A_WRTE, 3, okay.arg0, b"STAT\x04\x00\x00\x00/nop")
    ack, _ = host.read() or pytest.fail("no ack")
    assert (ack.command, ack.arg1) == (wire.A_OKAY, 3)
    stat, data = host.read() or pytest.fail("no STAT")
    assert stat.command == wire.A_WRTE and data[:4] == b"STAT"


def test_nothing_before_authorization() -> None:
    with Simulator(build_snapshot(1), auth="refuse") as sim:
        host = RawHost(sim.port)
        header, token = _online(host)
        assert header.command == wire.A_AUTH and header.arg0 == wire.AUTH_TOKEN and len(token) == 20
        host.send(wire.A_OPEN, 1, 0, b"shell:getprop\0")
        host.send(wire.A_AUTH, wire.AUTH_SIGNATURE, 0, b"\0" * 256)
        again, token2 = host.read() or pytest.fail("no new token")
        assert again.command == wire.A_AUTH and token2 != token  # the OPEN was ignored
        assert sim.commands_received == []
