"""Host keys: reuse the official adb key, create one with mode 0600, Android's public key format."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from auditor.acquire.adb.errors import AcquireError
from auditor.acquire.adb.keys import (
    AdbKey,
    decode_android_pubkey,
    default_keys_dir,
    load_or_create_key,
    verify_token_signature,
)
from tests.simulator.helpers import shared_key


def test_creates_key_with_mode_0600(tmp_path: Path) -> None:
    folder = tmp_path / "dot-android"
    key = load_or_create_key(folder)
    path = folder / "adbkey"
    assert key.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, like adb
    assert (folder / "adbkey.pub").read_bytes().strip() == key.public_line
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0


def test_reuses_existing_key(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path)
    second = load_or_create_key(tmp_path)
    assert first.public_line == second.public_line


def test_reads_pkcs1_keys_too(tmp_path: Path) -> None:
    pem = shared_key().private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    (tmp_path / "adbkey").write_bytes(pem)
    assert load_or_create_key(tmp_path).public_line.split()[0] == shared_key().public_line.split()[0]


def test_unusable_key_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "adbkey").write_text("not a key")
    with pytest.raises(AcquireError, match="not an unencrypted PEM private key"):
        load_or_create_key(tmp_path)


def test_default_dir_follows_adb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ANDROID_USER_HOME", raising=False)
    monkeypatch.setenv("ANDROID_SDK_HOME", str(tmp_path))
    assert default_keys_dir() == tmp_path / ".android"
    monkeypatch.setenv("ANDROID_USER_HOME", str(tmp_path / "u"))
    assert default_keys_dir() == tmp_path / "u"


def test_public_key_round_trip_and_signature() -> None:
    key = shared_key()
    public = decode_android_pubkey(key.public_line + b"\0")
    assert public.public_numbers() == key.private.public_key().public_numbers()
    token = os.urandom(20)
    assert verify_token_signature(public, token, key.Sign(token))
    assert not verify_token_signature(public, token, key.Sign(os.urandom(20)))
    assert not verify_token_signature(public, token, b"\0" * 256)


@pytest.mark.parametrize("bad", [b"", b"!!!", base64.b64encode(b"\0" * 100), base64.b64encode(b"\0" * 524)])
def test_hostile_public_keys_raise_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):
        decode_android_pubkey(bad)


def test_official_adb_reads_our_key(tmp_path: Path) -> None:
    """A key we create is one the official adb accepts as its own (same file, same format)."""
    if shutil.which("adb") is None:
        pytest.skip("the official adb client is not installed")
    key = load_or_create_key(tmp_path)
    out = subprocess.run(
        ["adb", "pubkey", str(key.path)], capture_output=True, timeout=30, env={**os.environ, "HOME": str(tmp_path)}
    )
    if out.returncode != 0 and b"unknown command" in out.stderr + out.stdout:
        pytest.skip("this adb has no 'pubkey' command")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == key.public_line.split()[0]


def test_generated_keys_differ() -> None:
    assert AdbKey.generate().public_line != shared_key().public_line
