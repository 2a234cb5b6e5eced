"""One device or two: placeholder serials are no identity, serial and build must agree, the newest capture counts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.fleet.policy_file import Policy
from auditor.fleet.redact import RedactKey, redact_path, redact_report
from auditor.fleet.run import run_fleet
from auditor.identity import PLACEHOLDER_SERIALS, is_placeholder_serial
from auditor.model import AuditReport
from tests.fleet.builders import hand_report, write_json
from tests.score.builders import allowed, app

POLICY = Policy(name="test", source="test.toml", sha256="0" * 64, blocked_packages=("com.spy*",))
OTHER_BUILD = "google/shiba/shiba:14/AP2A.240805.005/12025142:user/release-keys"

PLACEHOLDERS = [
    "0123456789ABCDEF",
    "0123456789abcdef",
    "unknown",
    "UNKNOWN",
    "",
    "0",
    "0000000000000000",
    "1234567890ABCDEF",
]


def _capture(
    serial: str, package: str, *, digest: str, at: str = "2024-06-01T10:00:00Z", **device: object
) -> AuditReport:
    """A capture with one app (``com.spy…`` breaks ``POLICY``) and its own digest."""
    report = hand_report(serial, (app(package, allowed("CAMERA")),), collected_at=at, **device)
    return replace(report, source=replace(report.source, snapshot_sha256=digest * 64))


@pytest.mark.parametrize("serial", PLACEHOLDERS)
def test_placeholders_are_recognised(serial: str) -> None:
    assert is_placeholder_serial(serial)
    assert is_placeholder_serial(f" {serial} ")


@pytest.mark.parametrize("serial", ["R58M12ABCDE", "00000001", "0123456789ABCDEG", "emulator-5554", "ZY22ABCDEF"])
def test_real_serials_are_identities(serial: str) -> None:
    assert not is_placeholder_serial(serial)


def test_the_list_is_lower_case_so_comparisons_ignore_case() -> None:
    assert all(s == s.lower() for s in PLACEHOLDER_SERIALS)


@pytest.mark.parametrize("serial", PLACEHOLDERS)
def test_two_phones_with_a_placeholder_serial_are_two_devices_and_both_are_checked(tmp_path: Path, serial: str) -> None:
    # Before: both had device id "0123456789ABCDEF"; the second was skipped as "the same device" and its
    # blocked app never checked.
    write_json(_capture(serial, "com.spy.one", digest="a"), tmp_path / "in" / "a.json")
    write_json(_capture(serial, "com.spy.two", digest="b"), tmp_path / "in" / "b.json")
    result = run_fleet([tmp_path / "in"], jobs=1, policy=POLICY)
    assert result.devices == 2
    assert result.skips == ()
    assert result.violations == 2


def test_placeholder_serials_survive_redaction_as_no_identity(tmp_path: Path) -> None:
    key = RedactKey(b"k" * 32, ephemeral=False)
    redacted = redact_report(_capture("0123456789ABCDEF", "com.x", digest="a"), key)
    assert redacted.device.serial == "0123456789ABCDEF"  # names nobody: kept, so it stays no identity
    assert redact_report(_capture("R58M12ABCDE", "com.x", digest="a"), key).device.serial.startswith("anon-")
    write_json(_capture("0123456789ABCDEF", "com.spy.one", digest="a"), tmp_path / "in" / "a.json")
    write_json(_capture("0123456789ABCDEF", "com.spy.two", digest="b"), tmp_path / "in" / "b.json")
    result = run_fleet([tmp_path / "in"], jobs=1, policy=POLICY, redact=key)
    assert (result.devices, result.violations) == (2, 2)


def test_the_same_serial_with_another_build_is_another_device(tmp_path: Path) -> None:
    write_json(_capture("R58M12ABCDE", "com.spy.one", digest="a"), tmp_path / "in" / "a.json")
    write_json(_capture("R58M12ABCDE", "com.spy.two", digest="b", fingerprint=OTHER_BUILD), tmp_path / "in" / "b.json")
    export = tmp_path / "x"
    result = run_fleet([tmp_path / "in"], jobs=1, policy=POLICY, export_dir=export)
    assert (result.devices, result.violations, result.skips) == (2, 2, ())
    # Device ids stay unique: the second build is named by its digest, in the exports too.
    devices = (export / "devices.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert sorted(line.split(",")[0] for line in devices) == ["R58M12ABCDE", "snapshot-" + "b" * 16]
    violations = (export / "violations.csv").read_text(encoding="utf-8")
    assert "snapshot-" + "b" * 16 in violations


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_newest_capture_is_kept_whatever_the_path_order(tmp_path: Path, jobs: int) -> None:
    # Path order a, b, c; the newest (b) is in the middle and is the only one breaking the policy.
    # Before: a (the first in path order, stale) was counted, b and c skipped, the violation never seen.
    write_json(_capture("R58M12ABCDE", "com.ok", digest="a", at="2024-01-01T00:00:00Z"), tmp_path / "in" / "a.json")
    write_json(_capture("R58M12ABCDE", "com.spy", digest="b", at="2024-06-01T00:00:00Z"), tmp_path / "in" / "b.json")
    write_json(_capture("R58M12ABCDE", "com.ok", digest="c", at="2024-03-01T00:00:00Z"), tmp_path / "in" / "c.json")
    page = tmp_path / "fleet.html"
    result = run_fleet([tmp_path / "in"], jobs=jobs, policy=POLICY, html=page)
    assert (result.devices, result.violations) == (1, 1)
    aside = {Path(s.path).name: s.reason for s in result.skips}
    assert sorted(aside) == ["a.json", "c.json"]
    kept = str(tmp_path / "in" / "b.json")
    assert aside["a.json"] == (
        "set aside: an older capture (2024-01-01T00:00:00Z) of the same device (serial R58M12ABCDE, build "
        "google/shiba/shiba:14/AP2A.240605.024/11860263:user/release-keys) as "
        f"{kept} (2024-06-01T00:00:00Z), which is counted; one capture per device, the newest"
    )
    assert "(2024-03-01T00:00:00Z)" in aside["c.json"] and kept in aside["c.json"]
    html = page.read_text(encoding="utf-8")
    assert "set aside: an older capture" in html


def test_a_capture_without_a_time_loses_to_one_with_a_time_and_ties_keep_path_order(tmp_path: Path) -> None:
    write_json(_capture("R58M12ABCDE", "com.spy", digest="a", at=""), tmp_path / "in" / "a.json")
    write_json(_capture("R58M12ABCDE", "com.ok", digest="b"), tmp_path / "in" / "b.json")
    write_json(_capture("R58M12ABCDE", "com.ok", digest="c"), tmp_path / "in" / "c.json")
    result = run_fleet([tmp_path / "in"], jobs=1, policy=POLICY)
    assert (result.devices, result.violations) == (1, 0)
    assert sorted(Path(s.path).name for s in result.skips) == ["a.json", "c.json"]


def test_a_redacted_run_names_the_kept_capture_by_its_hash(tmp_path: Path) -> None:
    key = RedactKey(b"k" * 32, ephemeral=False)
    old = tmp_path / "in" / "alice-2023.json"
    new = tmp_path / "in" / "alice-2024.json"
    write_json(_capture("R58M12ABCDE", "com.ok", digest="a", at="2023-01-01T00:00:00Z"), old)
    write_json(_capture("R58M12ABCDE", "com.ok", digest="b", at="2024-01-01T00:00:00Z"), new)
    page = tmp_path / "fleet.html"
    result = run_fleet([tmp_path / "in"], jobs=1, redact=key, html=page)
    assert result.devices == 1 and len(result.skips) == 1
    assert redact_path(str(new), key) in result.skips[0].reason and "alice" not in result.skips[0].reason
    assert "alice" not in page.read_text(encoding="utf-8")
