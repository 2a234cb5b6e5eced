"""Decrypting age-encrypted acquisitions (androidqf's ``<UUID>.zip.age``) in memory, bounded.

androidqf encrypts an acquisition to the age recipients of a ``key.txt`` and deletes the plain zip;
whoever holds a matching identity (``AGE-SECRET-KEY-1…``) can read it. The auditor decrypts with
``pyrage`` (the Rust ``age`` implementation's Python bindings) straight into memory: the plain zip never
touches the disk, and the bytes written are counted as they come, so a file that decrypts to more than
``MAX_DECRYPTED_BYTES`` is refused mid-way instead of filling memory. A wrong or missing key is one
line (``AgeKeyError``/``SnapshotError``), never a traceback.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from auditor.errors import AuditorError
from auditor.snapshot import SnapshotError
from auditor.untrusted import MAX_KEY_BYTES, open_regular, read_regular, size_text

MAX_DECRYPTED_BYTES: Final = 1 << 30
"""An acquisition without APKs is tens of MB; one with every APK pulled can pass 1 GiB. Beyond this the
decrypted zip would not fit in memory comfortably: decrypt it with ``age`` yourself and audit the zip."""
MAX_KEY_FILE_BYTES: Final = MAX_KEY_BYTES
_SECRET_PREFIX: Final = "AGE-SECRET-KEY-1"


class AgeKeyError(AuditorError):
    """An identity file that holds no usable age identity."""


@dataclass(frozen=True, slots=True)
class AgeKey:
    """The age identities of one identity file, kept as text so they can be sent to worker processes."""

    source: str
    """The identity file's path, for messages."""
    identities: tuple[str, ...]
    """``AGE-SECRET-KEY-1…`` lines (secret: never logged, never written)."""

    def __repr__(self) -> str:
        return f"AgeKey({self.source!r}, {len(self.identities)} identities)"


def load_key(path: Path) -> AgeKey:
    """Read an age identity file (the format ``age-keygen`` writes: ``#`` comments, one identity a line)."""
    try:
        text = read_regular(path, MAX_KEY_FILE_BYTES).decode("utf-8")
    except (AuditorError, UnicodeDecodeError) as e:
        raise AgeKeyError(f"--key {path}: cannot read the identity file ({e})") from e
    identities = tuple(line.strip() for line in text.splitlines() if line.strip().upper().startswith(_SECRET_PREFIX))
    if not identities:
        raise AgeKeyError(f"--key {path}: no age identity (a line starting AGE-SECRET-KEY-1) in the file")
    from pyrage import IdentityError, x25519

    for identity in identities:
        try:
            x25519.Identity.from_str(identity)
        except IdentityError as e:
            raise AgeKeyError(f"--key {path}: not a valid age identity ({e})") from e
    return AgeKey(str(path), identities)


class _BoundedSink(io.RawIOBase):
    """Collects decrypted bytes and stops the decryption as soon as they pass the limit."""

    def __init__(self, limit: int, label: str) -> None:
        self.buffer = bytearray()
        self.limit = limit
        self.label = label

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if len(self.buffer) + len(data) > self.limit:
            raise SnapshotError(f"{self.label} decrypts to more than {size_text(self.limit)}; refusing")
        self.buffer += data
        return len(data)


def decrypt(path: Path, key: AgeKey | None, *, limit: int = MAX_DECRYPTED_BYTES) -> bytes:
    """The plaintext of an age-encrypted file, in memory; ``SnapshotError`` for a missing or wrong key."""
    if key is None:
        raise SnapshotError(
            f"{path} is encrypted with age (androidqf's .zip.age): give the private key with --key IDENTITY_FILE"
        )
    from pyrage import DecryptError, decrypt_io, x25519

    identities = [x25519.Identity.from_str(i) for i in key.identities]
    sink = _BoundedSink(limit, str(path))
    with open_regular(path) as f:
        try:
            decrypt_io(f, sink, identities)
        except SnapshotError:
            raise
        except DecryptError as e:
            raise SnapshotError(f"{path}: cannot decrypt with the key in {key.source} ({e})") from e
        except (OSError, ValueError) as e:
            # pyrage reports a corrupt or truncated stream (and an error of the sink) as an OSError
            raise SnapshotError(f"{path}: cannot decrypt ({e}); wrong key or damaged file") from e
    return bytes(sink.buffer)
