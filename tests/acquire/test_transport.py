"""The TCP transport: NODELAY, and a dropped peer reported at once instead of spinning."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from adb_shell.exceptions import TcpTimeoutException

from auditor.acquire.adb.errors import ConnectError, ConnectionLostError
from auditor.acquire.adb.transport import NoDelayTcpTransport
from tests.simulator.helpers import free_port


def _server(behaviour: str) -> tuple[socket.socket, int]:
    listener = socket.create_server(("127.0.0.1", 0))

    def run() -> None:
        conn, _ = listener.accept()
        if behaviour == "close":
            conn.sendall(b"abc")
            conn.close()
        else:
            time.sleep(2)
            conn.close()

    threading.Thread(target=run, daemon=True).start()
    return listener, listener.getsockname()[1]


def test_nodelay_and_eof_raises() -> None:
    listener, port = _server("close")
    t = NoDelayTcpTransport("127.0.0.1", port)
    t.connect(5)
    assert t._sock is not None and t._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    assert t.bulk_read(10, 5) == b"abc"
    cpu = time.process_time()
    with pytest.raises(ConnectionLostError, match="closed the connection"):
        t.bulk_read(10, 30)  # adb-shell's own transport would spin here for 30 s
    assert time.process_time() - cpu < 1.0
    t.close()
    t.close()
    listener.close()


def test_silence_is_a_timeout() -> None:
    listener, port = _server("silent")
    t = NoDelayTcpTransport("127.0.0.1", port)
    t.connect(5)
    with pytest.raises(TcpTimeoutException):
        t.bulk_read(10, 0.05)
    t.close()
    listener.close()


def test_refused_port_is_connect_error() -> None:
    with pytest.raises(ConnectError, match="cannot reach"):
        NoDelayTcpTransport("127.0.0.1", free_port()).connect(2)


def test_closed_transport_reports_lost() -> None:
    with pytest.raises(ConnectionLostError):
        NoDelayTcpTransport("127.0.0.1", 1).bulk_write(b"x", 1)
