"""The host's ADB RSA key: reuse the official one, or create one that the official adb can reuse.

A phone remembers "always allow from this computer" per public key. Reusing ``~/.android/adbkey``
(the file the official ``adb`` writes, PKCS#8 PEM) keeps that approval; creating our own key elsewhere
would make the phone ask again. When no key exists one is created in the same place and format, with
mode 0600 (it is a credential: anyone holding it is "this computer" to every phone that allowed it).

The public half travels in Android's own binary layout (``RSAPublicKey`` of
``libcrypto_utils/android_pubkey.c``: modulus size in words, n0inv, modulus and R² little-endian,
exponent), base64-encoded and followed by `` user@host``. The device simulator decodes the same layout.
"""

from __future__ import annotations

import base64
import getpass
import logging
import os
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from auditor.acquire.adb.errors import AcquireError

logger = logging.getLogger(__name__)

KEY_FILE = "adbkey"
MODULUS_BYTES = 256
"""Android accepts 2048-bit keys only (ANDROID_PUBKEY_MODULUS_SIZE)."""
_PUBKEY_STRUCT = struct.Struct(f"<II{MODULUS_BYTES}s{MODULUS_BYTES}sI")


def default_keys_dir() -> Path:
    """Where the official adb keeps its key: ``$ANDROID_USER_HOME``, ``$ANDROID_SDK_HOME/.android``
    (older platform-tools), else ``~/.android``."""
    user_home = os.environ.get("ANDROID_USER_HOME")
    if user_home:
        return Path(user_home)
    sdk_home = os.environ.get("ANDROID_SDK_HOME")
    if sdk_home:
        return Path(sdk_home) / ".android"
    return Path.home() / ".android"


def encode_android_pubkey(public: rsa.RSAPublicNumbers) -> bytes:
    """Android's binary ``RSAPublicKey`` struct for a 2048-bit key (not base64-encoded)."""
    n = public.n
    if n.bit_length() > MODULUS_BYTES * 8:
        raise ValueError("ADB keys must be 2048-bit RSA keys")
    r32 = 1 << 32
    n0inv = r32 - pow(n % r32, -1, r32)  # -1 / n[0] mod 2^32: the Montgomery constant adbd uses
    rr = pow(2, MODULUS_BYTES * 8 * 2, n)  # R^2 mod n
    return _PUBKEY_STRUCT.pack(
        MODULUS_BYTES // 4,
        n0inv,
        n.to_bytes(MODULUS_BYTES, "little"),
        rr.to_bytes(MODULUS_BYTES, "little"),
        public.e,
    )


def decode_android_pubkey(text: bytes | str) -> rsa.RSAPublicKey:
    """The RSA public key in an ``adbkey.pub`` line (base64 struct, optional comment, optional NUL).

    Raises ValueError on anything malformed (a device must refuse, never crash, on a hostile key).
    """
    raw = text.encode() if isinstance(text, str) else bytes(text)
    b64 = raw.split(b"\0", 1)[0].strip().split(b" ", 1)[0]
    try:
        blob = base64.b64decode(b64, validate=True)
    except (ValueError, TypeError) as e:
        raise ValueError("public key is not base64") from e
    if len(blob) != _PUBKEY_STRUCT.size:
        raise ValueError(f"public key struct has {len(blob)} bytes, expected {_PUBKEY_STRUCT.size}")
    words, _n0inv, modulus, _rr, exponent = _PUBKEY_STRUCT.unpack(blob)
    if words != MODULUS_BYTES // 4:
        raise ValueError("public key is not a 2048-bit key")
    n = int.from_bytes(modulus, "little")
    if n < 3 or exponent < 3:
        raise ValueError("public key has an invalid modulus or exponent")
    return rsa.RSAPublicNumbers(exponent, n).public_key()


def verify_token_signature(public: rsa.RSAPublicKey, token: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is adbd's expected PKCS#1 v1.5 signature of the AUTH token.

    adbd treats the 20-byte token as an already computed SHA-1 digest (``RSA_verify(NID_sha1, …)``).
    """
    try:
        public.verify(signature, token, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _comment() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user or 'unknown'}@{socket.gethostname() or 'unknown'}"


@dataclass(frozen=True)
class AdbKey:
    """A host key. ``Sign`` and ``GetPublicKey`` are the signer interface adb-shell calls."""

    private: rsa.RSAPrivateKey
    path: Path | None = None
    """The ``adbkey`` file it was read from or written to (None for an in-memory key)."""
    comment: str = "auditor"

    @classmethod
    def generate(cls, *, comment: str | None = None) -> AdbKey:
        """A new in-memory 2048-bit key (e = 65537, as the official adb makes)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=MODULUS_BYTES * 8)
        return cls(key, None, comment or _comment())

    @property
    def public_line(self) -> bytes:
        """``adbkey.pub`` content: base64 of the Android struct, a space and ``user@host``."""
        blob = encode_android_pubkey(self.private.public_key().public_numbers())
        return base64.b64encode(blob) + b" " + self.comment.encode()

    def Sign(self, data: bytes) -> bytes:  # noqa: N802 - adb-shell's signer interface
        """Sign an AUTH token the way adbd verifies it (PKCS#1 v1.5, token as SHA-1 digest)."""
        return self.private.sign(data, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))

    def GetPublicKey(self) -> bytes:  # noqa: N802 - adb-shell's signer interface
        """The public key as sent in AUTH(RSAPUBLICKEY) (adb-shell adds the trailing NUL)."""
        return self.public_line

    def private_pem(self) -> bytes:
        """The private key as PKCS#8 PEM, the format the official adb writes and reads."""
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def _load(path: Path) -> AdbKey:
    try:
        pem = path.read_bytes()
    except OSError as e:
        raise AcquireError(f"cannot read the ADB key {path}: {e.strerror or e}") from e
    try:
        # PKCS#8 ("BEGIN PRIVATE KEY", what adb writes) and PKCS#1 ("BEGIN RSA PRIVATE KEY") both load.
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as e:
        raise AcquireError(f"{path} is not an unencrypted PEM private key; move it away to create a new one") from e
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != MODULUS_BYTES * 8:
        raise AcquireError(f"{path} is not a 2048-bit RSA key, which ADB requires")
    comment = _comment()
    pub = path.with_name(path.name + ".pub")
    try:
        parts = pub.read_bytes().strip().split(b" ", 1)
        if len(parts) == 2 and parts[1]:
            comment = parts[1].decode("utf-8", "replace")
    except OSError:
        pass
    return AdbKey(key, path, comment)


def _write_new(path: Path) -> AdbKey:
    key = AdbKey.generate()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        # O_EXCL: never overwrite a key another process (or the official adb) just created.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load(path)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_pem())
    os.chmod(path, 0o600)  # the umask may have narrowed, never widened, but be explicit
    pub = path.with_name(path.name + ".pub")
    if not pub.exists():
        pub.write_bytes(key.public_line + b"\n")
    logger.debug("created ADB key %s", path)
    return AdbKey(key.private, path, key.comment)


VENDOR_KEY_SUFFIX = ".adb_key"
"""In a folder named by ``$ADB_VENDOR_KEYS``, the official client loads only files with this ending."""


def vendor_keys(environ: Mapping[str, str] | None = None) -> tuple[AdbKey, ...]:
    """The keys of ``$ADB_VENDOR_KEYS``, tried after the user's key as the official client does.

    The variable lists private key files or folders, separated by ``:`` (``;`` on Windows, ``os.pathsep``);
    a folder gives every ``*.adb_key`` file in it. A vendor key lets a phone that trusts it (a test lab's,
    a maker's) be reached without asking its user. An entry that is not a usable key is one line of error:
    naming a key that is then silently skipped would make "unauthorized" unexplainable.
    """
    env = os.environ if environ is None else environ
    keys: list[AdbKey] = []
    for entry in env.get("ADB_VENDOR_KEYS", "").split(os.pathsep):
        if not entry.strip():
            continue
        path = Path(entry).expanduser()
        if path.is_dir():
            keys += [_load(p) for p in sorted(path.iterdir()) if p.name.endswith(VENDOR_KEY_SUFFIX) and p.is_file()]
        elif path.is_file():
            keys.append(_load(path))
        else:
            raise AcquireError(f"$ADB_VENDOR_KEYS names {entry!r}, which is neither a key file nor a folder")
    return tuple(keys)


def load_or_create_key(keys_dir: Path | None = None) -> AdbKey:
    """The key in ``keys_dir/adbkey`` (default: the official adb's folder), created if absent.

    Raises AcquireError when the file exists but cannot be used, or cannot be created.
    """
    folder = keys_dir if keys_dir is not None else default_keys_dir()
    path = folder / KEY_FILE
    if path.exists():
        return _load(path)
    try:
        return _write_new(path)
    except OSError as e:
        raise AcquireError(f"cannot create an ADB key in {folder}: {e.strerror or e}") from e
