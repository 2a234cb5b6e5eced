"""Redaction: no serial, personal user name, account or source path survives; hashes are stable for a key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.fleet.errors import FleetError
from auditor.fleet.redact import KEY_ENV, RedactKey, hash_serial, load_key, redact_data, redact_report
from auditor.model import AuditReport
from auditor.report.json_report import report_json
from auditor.serial import to_data
from tests.fleet.builders import personal, synthetic, write_json

KEY = b"k" * 32


def _secrets(report: AuditReport) -> list[str]:
    serial = report.device.serial
    assert serial
    return [serial, "Alice Martin", "alice.martin@example.org", "/home/alice"]


def test_nothing_personal_survives_anywhere_in_the_json() -> None:
    report = personal(synthetic(5))
    text = report_json(redact_report(report, KEY))
    for secret in _secrets(report):
        assert secret not in text
    data = json.loads(text)
    assert data["device"]["serial"] == hash_serial(report.device.serial or "", KEY)
    assert data["device"]["serial"].startswith("anon-")
    assert [u["name"] for u in data["users"]] == ["Owner", "Work profile", "Secondary user 11"]
    assert data["source"]["path"].startswith("redacted-")
    notes = [n["message"] for n in data["notes"]]
    assert any("<account>" in m for m in notes)
    assert any(data["device"]["serial"] in m for m in notes)  # the serial inside a text is hashed too
    assert sum(1 for n in data["notes"] if n["section"] == "redaction") == 1
    # What the review needs stays.
    assert data["device"]["model"] == report.device.model
    assert len(data["apps"]) == len(report.apps)
    assert data["device_exposure"] == to_data(report.device_exposure)


def test_hashes_are_stable_for_a_key_and_differ_between_keys() -> None:
    report = synthetic(5)
    one = redact_report(report, KEY)
    assert redact_report(report, KEY).device.serial == one.device.serial
    assert redact_report(report, b"z" * 32).device.serial != one.device.serial
    assert len(one.device.serial or "") == len("anon-") + 16
    # Redacting twice changes nothing more.
    assert redact_report(one, KEY) == one


def test_generic_user_names_are_kept_and_the_json_form_is_redacted_alike() -> None:
    report = personal(synthetic(6))
    data = to_data(report)
    assert isinstance(data, dict)
    assert redact_data(data, RedactKey(KEY, ephemeral=False)) == to_data(redact_report(report, KEY))


def test_names_are_replaced_as_words_only() -> None:
    report = personal(synthetic(6))
    text = report_json(redact_report(report, KEY))
    assert "Secondary user 11's" not in text  # nothing made up
    assert "Alice" not in text


def test_keys_from_file_environment_or_random(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(b"0123456789abcdef0123\n")
    assert load_key(key_file, {}) == RedactKey(b"0123456789abcdef0123", ephemeral=False)
    assert load_key(None, {KEY_ENV: "x" * 20}) == RedactKey(b"x" * 20, ephemeral=False)
    random = load_key(None, {})
    assert random.ephemeral and len(random.key) == 32
    note = report_json(redact_report(synthetic(5), random))
    assert "do not match those of any other run" in note
    with pytest.raises(FleetError, match="at least 16 bytes"):
        load_key(None, {KEY_ENV: "short"})
    with pytest.raises(FleetError, match="cannot read the redaction key"):
        load_key(tmp_path / "nope", {})


def test_audit_redact_on_the_command_line(tmp_path: Path) -> None:
    from auditor.acquire.synthetic import write_synthetic

    snap = tmp_path / "snap"
    write_synthetic(snap, 40, seed=5)
    key_file = tmp_path / "key"
    key_file.write_bytes(KEY)
    out = tmp_path / "r.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor",
            "audit",
            str(snap),
            "--out",
            str(out),
            "--redact",
            "--redact-key-file",
            str(key_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    serial = synthetic(5).device.serial or ""
    assert serial and serial not in text
    assert json.loads(text)["device"]["serial"] == hash_serial(serial, KEY)
    assert str(snap) not in text


def test_fleet_redact_hides_serials_in_every_output(tmp_path: Path) -> None:
    from auditor.fleet.run import run_fleet

    report = personal(synthetic(5))
    write_json(report, tmp_path / "in" / "d.json")
    (tmp_path / "in" / "alice-phone.json").write_text('{"schema": "1.0", "apps": [')
    result = run_fleet(
        [tmp_path / "in"], html=tmp_path / "f.html", export_dir=tmp_path / "x", jobs=1, redact=RedactKey(KEY, False)
    )
    assert result.devices == 1
    for path in result.written:
        text = path.read_text(encoding="utf-8")
        for secret in _secrets(report):
            assert secret not in text, (path.name, secret)
        assert str(tmp_path) not in text, path.name
        assert "alice-phone" not in text, path.name
    assert result.skips[0].path.endswith("alice-phone.json")  # the terminal still names the real file
    assert result.view.skipped[0].path.startswith("redacted-")
