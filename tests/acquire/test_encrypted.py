"""androidqf's encrypted acquisitions (``<UUID>.zip.age``): decrypted in memory with ``--key``, bounded.

Each test makes its own age key pair with the library and encrypts a zip of the real androidqf folder
(../shared/real-devices/mvt-tests/androidqf) to it, as androidqf does when it finds a ``key.txt``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from auditor.acquire.agefile import AgeKeyError, decrypt, load_key
from auditor.acquire.detect import Packing, SourceKind, detect
from auditor.pipeline import audit_path
from auditor.snapshot import SnapshotError
from tests.acquire.test_detect import UUID, zip_folder
from tests.realdata import real_file
from tests.test_cli import run


def _key_file(path: Path, identity: x25519.Identity) -> Path:
    path.write_text(f"# created: by the test\n# public key: {identity.to_public()}\n{identity}\n")
    return path


@pytest.fixture
def encrypted(tmp_path: Path) -> tuple[Path, Path]:
    """(the .zip.age, the identity file that opens it)."""
    identity = x25519.Identity.generate()
    plain = zip_folder(real_file("mvt-tests/androidqf"), tmp_path / f"{UUID}.zip", f"{UUID}/")
    age = tmp_path / f"{UUID}.zip.age"
    age.write_bytes(pyrage.encrypt(plain.read_bytes(), [identity.to_public()]))
    plain.unlink()  # as androidqf does: only the encrypted copy remains
    return age, _key_file(tmp_path / "key.txt", identity)


def test_an_encrypted_acquisition_audits_like_the_folder(encrypted: tuple[Path, Path]) -> None:
    age, key_file = encrypted
    found = detect(age)
    assert (found.kind, found.packing) == (SourceKind.ANDROIDQF, Packing.ENCRYPTED_ZIP)
    report = audit_path(age, key=load_key(key_file), merge_apks=False)
    expected = audit_path(real_file("mvt-tests/androidqf"), merge_apks=False)
    assert report.apps == expected.apps
    assert report.device_state == expected.device_state
    assert report.source.snapshot_sha256 == expected.source.snapshot_sha256
    assert report.source.path == str(age)
    assert not list(age.parent.glob("*.zip"))  # decrypted in memory: no plain copy was written


def test_without_a_key_or_with_the_wrong_one(encrypted: tuple[Path, Path], tmp_path: Path) -> None:
    age, _ = encrypted
    with pytest.raises(SnapshotError, match=r"encrypted with age .*: give the private key with --key IDENTITY_FILE"):
        audit_path(age)
    other = load_key(_key_file(tmp_path / "other.txt", x25519.Identity.generate()))
    with pytest.raises(SnapshotError, match="cannot decrypt with the key in .*other.txt \\(No matching keys found\\)"):
        audit_path(age, key=other)


def test_decryption_is_bounded(encrypted: tuple[Path, Path]) -> None:
    age, key_file = encrypted
    with pytest.raises(SnapshotError, match="decrypts to more than 1000 bytes; refusing"):
        decrypt(age, load_key(key_file), limit=1000)
    damaged = age.with_name("damaged.zip.age")
    damaged.write_bytes(age.read_bytes()[:400])
    with pytest.raises(SnapshotError, match="cannot decrypt"):
        decrypt(damaged, load_key(key_file))


def test_identity_files_that_hold_no_identity(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\nage1notasecret\n")
    with pytest.raises(AgeKeyError, match="no age identity"):
        load_key(empty)
    broken = tmp_path / "broken.txt"
    broken.write_text("AGE-SECRET-KEY-1NOTBECH32\n")
    with pytest.raises(AgeKeyError, match="not a valid age identity"):
        load_key(broken)
    with pytest.raises(AgeKeyError, match="cannot read the identity file"):
        load_key(tmp_path / "absent.txt")
    assert "AGE-SECRET" not in repr(load_key(_key_file(tmp_path / "k.txt", x25519.Identity.generate())))


def test_the_cli_opens_it_with_key_and_says_one_line_without(encrypted: tuple[Path, Path], tmp_path: Path) -> None:
    age, key_file = encrypted
    ok = run("audit", str(age), "--key", str(key_file), "--format", "json", "--out", "-")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["source"]["kind"] == "androidqf"
    assert any(a["package"] == "com.whatsapp" for a in data["apps"])
    missing = run("audit", str(age), "--out", "-")
    wrong = run("audit", str(age), "--key", str(_key_file(tmp_path / "w.txt", x25519.Identity.generate())))
    bad = run("audit", str(age), "--key", str(tmp_path / "absent.txt"))
    for result in (missing, wrong, bad):
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "give the private key with --key" in missing.stderr
    assert "No matching keys found" in wrong.stderr


def test_fleet_and_diff_take_the_key(encrypted: tuple[Path, Path], tmp_path: Path) -> None:
    age, key_file = encrypted
    fleet = run("fleet", str(age), "--key", str(key_file), "--out", str(tmp_path / "fleet.html"), "-j", "1")
    assert fleet.returncode == 0, fleet.stderr
    assert "1 devices reviewed, 0 inputs skipped" in fleet.stdout
    skipped = run("fleet", str(age), "--out", str(tmp_path / "fleet2.html"), "-j", "1")
    assert skipped.returncode == 2
    assert "give the private key with --key" in skipped.stderr
    same = run("diff", str(age), str(real_file("mvt-tests/androidqf")), "--key", str(key_file))
    assert same.returncode == 0, same.stdout + same.stderr
