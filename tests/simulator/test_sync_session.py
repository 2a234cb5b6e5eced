"""The sync service state machine, fed bytes as a host would send them."""

from __future__ import annotations

import struct

from auditor.simulator.sync import SimFile, SyncSession
from tests.simulator.helpers import sync_request


def _files() -> dict[str, SimFile]:
    return {
        "/sdcard/a.txt": SimFile(b"hello", 0o100644, 1234),
        "/sdcard/sub/b.bin": SimFile(b"x" * 70_000),
    }


def test_stat_file_dir_and_missing() -> None:
    s = SyncSession(_files())
    out = s.feed(sync_request(b"STAT", "/sdcard/a.txt") + sync_request(b"STAT", "/sdcard/sub"))
    out += s.feed(sync_request(b"STAT", "/nope"))
    assert struct.unpack("<4sIII", out[:16]) == (b"STAT", 0o100644, 5, 1234)
    assert struct.unpack("<4sIII", out[16:32])[1] == 0o040755
    assert struct.unpack("<4sIII", out[32:48]) == (b"STAT", 0, 0, 0)


def test_request_split_across_writes() -> None:
    s = SyncSession(_files())
    req = sync_request(b"STAT", "/sdcard/a.txt")
    assert s.feed(req[:3]) == b""
    assert s.feed(req[3:10]) == b""
    assert s.feed(req[10:])[:4] == b"STAT"


def test_recv_blocks_are_at_most_64k_and_end_with_done() -> None:
    out = SyncSession(_files()).feed(sync_request(b"RECV", "/sdcard/sub/b.bin"))
    data, at = b"", 0
    while True:
        verb, n = struct.unpack_from("<4sI", out, at)
        at += 8
        if verb == b"DONE":
            break
        assert verb == b"DATA" and n <= 64 * 1024
        data += out[at : at + n]
        at += n
    assert data == b"x" * 70_000 and at == len(out)


def test_recv_missing_fails() -> None:
    out = SyncSession(_files()).feed(sync_request(b"RECV", "/sdcard/none"))
    verb, n = struct.unpack_from("<4sI", out)
    assert verb == b"FAIL" and out[8 : 8 + n] == b"No such file or directory"


def test_list_directory() -> None:
    out = SyncSession(_files()).feed(sync_request(b"LIST", "/sdcard"))
    names, at = [], 0
    while True:
        verb, _mode, _size, _mtime, n = struct.unpack_from("<4sIIII", out, at)
        at += 20
        if verb == b"DONE":
            break
        names.append(out[at : at + n].decode())
        at += n
    assert names == ["a.txt", "sub"]


def test_send_is_refused_and_quit_closes() -> None:
    s = SyncSession(_files())
    assert s.feed(sync_request(b"SEND", "/sdcard/new,0644"))[:4] == b"FAIL"
    assert s.closed
    q = SyncSession(_files())
    q.feed(struct.pack("<4sI", b"QUIT", 0))
    assert q.closed
