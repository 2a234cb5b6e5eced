"""The ADB wire protocol's packet layer, as adbd speaks it (AOSP ``packages/modules/adb/protocol.txt``).

Each packet is a 24-byte little-endian header — command, arg0, arg1, payload length, payload
checksum, magic (= command XOR 0xFFFFFFFF) — followed by the payload. The checksum is the byte sum of
the payload; from protocol version 0x01000001 on it may be 0 and is not checked (the official adb
sends 0; adb-shell announces 0x01000000 and checks every checksum it receives).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEADER = struct.Struct("<6I")


def _cmd(name: bytes) -> int:
    return int.from_bytes(name, "little")


A_CNXN = _cmd(b"CNXN")
A_AUTH = _cmd(b"AUTH")
A_OPEN = _cmd(b"OPEN")
A_OKAY = _cmd(b"OKAY")
A_CLSE = _cmd(b"CLSE")
A_WRTE = _cmd(b"WRTE")
A_STLS = _cmd(b"STLS")
A_SYNC = _cmd(b"SYNC")
KNOWN_COMMANDS = frozenset({A_CNXN, A_AUTH, A_OPEN, A_OKAY, A_CLSE, A_WRTE, A_STLS, A_SYNC})

VERSION_MIN = 0x01000000
"""The original protocol version: checksums required."""
VERSION_SKIP_CHECKSUM = 0x01000001
"""From this version on the payload checksum may be 0 and is not checked."""

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3
TOKEN_SIZE = 20
"""adbd sends a 20-byte token (the size of the SHA-1 digest the signature is checked against)."""


def checksum(data: bytes) -> int:
    """The payload checksum: byte sum modulo 2^32."""
    return sum(data) & 0xFFFFFFFF


def command_name(command: int) -> str:
    """``CNXN`` for A_CNXN; hex for anything unknown (for logs)."""
    raw = command.to_bytes(4, "little")
    return raw.decode("ascii") if raw.isalpha() else f"0x{command:08x}"


@dataclass(frozen=True)
class Header:
    """A decoded packet header."""

    command: int
    arg0: int
    arg1: int
    length: int
    check: int
    magic: int

    @property
    def magic_ok(self) -> bool:
        return self.magic == self.command ^ 0xFFFFFFFF


def decode_header(raw: bytes) -> Header:
    """Decode 24 header bytes."""
    return Header(*HEADER.unpack(raw))


def encode_packet(command: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    """Header and payload in one buffer (one write: no Nagle delay between them)."""
    return HEADER.pack(command, arg0, arg1, len(data), checksum(data), command ^ 0xFFFFFFFF) + data
