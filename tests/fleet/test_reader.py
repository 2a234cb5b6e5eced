"""Reading audit JSONs back: exact round trips, and errors that name the bad field."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import pytest

from auditor.fleet.errors import FleetError
from auditor.fleet.reader import read_json_bytes, read_report, report_from_data
from auditor.model import AuditReport
from auditor.serial import from_data, to_data
from tests.fleet.builders import FIREBASE, SIGNER_A, synthetic, with_apk, write_json


def _report() -> AuditReport:
    base = synthetic(3)
    package = next(a.package for a in base.apps if not a.system)
    return with_apk(base, package, signer=SIGNER_A, trackers=(FIREBASE,), label="Label")


def test_round_trip_equals_from_data() -> None:
    report = _report()
    data = json.loads(json.dumps(to_data(report)))
    assert from_data(AuditReport, data) == report


def _mutations(data: dict[str, object]) -> list[dict[str, object]]:
    out = []

    def mutate(fn: object) -> None:
        d = copy.deepcopy(data)
        fn(d)  # type: ignore[operator]
        out.append(d)

    mutate(lambda d: d["apps"][2]["permissions"][0].__setitem__("granted", "yes"))
    mutate(lambda d: d["apps"][1].pop("package"))
    mutate(lambda d: d["apps"][0]["permissions"][0].__setitem__("effective", "sometimes"))
    mutate(lambda d: d["device"].__setitem__("sdk", True))
    mutate(lambda d: d["users"].__setitem__(0, "owner"))
    mutate(lambda d: d.__setitem__("apps", {"a": 1}))
    mutate(lambda d: d["apps"][3].__setitem__("system", None))
    mutate(lambda d: d["device_exposure"].__setitem__("score", 1.5))
    return out


def test_rejects_bad_values_naming_the_place() -> None:
    data = json.loads(json.dumps(to_data(_report())))
    messages = []
    for bad in _mutations(data):
        with pytest.raises(ValueError) as info:
            from_data(AuditReport, bad)
        messages.append(str(info.value))
    assert messages == [
        "AuditReport.apps[2].permissions[0].granted: expected a boolean",
        "AuditReport.apps[1]: missing package",
        "AuditReport.apps[0].permissions[0].effective: 'sometimes' is not a valid EffectiveAccess",
        "AuditReport.device.sdk: expected an integer",
        "AuditReport.users[0]: expected an object",
        "AuditReport.apps: expected a list",
        "AuditReport.apps[3].system: expected a boolean",
        "AuditReport.device_exposure.score: expected an integer",
    ]


def test_extra_fields_of_a_newer_minor_schema_are_ignored() -> None:
    data = json.loads(json.dumps(to_data(_report())))
    data["schema"] = "1.7"
    data["something_new"] = {"x": 1}
    data["apps"][0]["also_new"] = 3
    assert report_from_data(data, "r.json").apps == _report().apps


def test_other_major_schema_and_non_reports_are_refused() -> None:
    data = json.loads(json.dumps(to_data(_report())))
    data["schema"] = "2.0"
    with pytest.raises(FleetError, match="schema '2.0' is not supported"):
        report_from_data(data, "r.json")
    with pytest.raises(FleetError, match="not an audit report"):
        report_from_data([1, 2], "r.json")


def test_plain_and_gzip_files(tmp_path: Path) -> None:
    report = _report()
    plain = write_json(report, tmp_path / "r.json")
    gz = tmp_path / "r.json.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_report(plain) == read_report(gz) == report


def test_size_limit_and_bad_gzip(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"{" + b" " * 5000 + b"}")
    with pytest.raises(FleetError, match="more than"):
        read_json_bytes(path, limit=1000)
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"\x1f\x8b" + b"\x00" * 30)
    with pytest.raises(FleetError, match="cannot read"):
        read_json_bytes(bad)
