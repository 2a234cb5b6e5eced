"""Tidy exports: they load back with the csv module and as JSON Lines, match the reports, and neutralise formulas."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.fleet.export import INVENTORY, TABLES, ExportFormat, csv_bytes
from auditor.fleet.policy import parse_policy
from auditor.fleet.run import run_fleet
from auditor.model import AuditReport, SpecialAccessKind
from tests.fleet.builders import FIREBASE, SIGNER_A, hand_report, synthetic, third_party, with_apk, write_json
from tests.score.builders import allowed, apk, app, special

ROOT = Path(__file__).resolve().parents[2]


def _fleet(tmp_path: Path) -> list[AuditReport]:
    reports = []
    for seed in (1, 2):
        r = synthetic(seed)
        target = third_party(r)[0].package
        reports.append(with_apk(r, target, signer=SIGNER_A, trackers=(FIREBASE,)))
    for i, r in enumerate(reports):
        write_json(r, tmp_path / "in" / f"d{i}.json")
    return reports


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_exports_load_back_and_match_the_reports(tmp_path: Path) -> None:
    reports = _fleet(tmp_path)
    policy = parse_policy('[[deny_special_access]]\nkinds = ["usage_access"]\n', Path("p.toml"))
    result = run_fleet([tmp_path / "in"], export_dir=tmp_path / "x", policy=policy, jobs=1)
    out = tmp_path / "x"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t.name}.{f}" for t in TABLES for f in ("csv", "jsonl"))
    for table in TABLES:
        rows_csv = _csv(out / f"{table.name}.csv")
        rows_json = _jsonl(out / f"{table.name}.jsonl")
        assert len(rows_csv) == len(rows_json), table.name
        with (out / f"{table.name}.csv").open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == list(table.names)
        for row in rows_json:
            assert list(row) == list(table.names)
    assert len(_csv(out / "devices.csv")) == 2
    assert len(_csv(out / "apps.csv")) == sum(len(r.apps) for r in reports)
    assert len(_jsonl(out / "permissions.jsonl")) == sum(len(a.permissions) for r in reports for a in r.apps)
    assert len(_jsonl(out / "special_access.jsonl")) == sum(len(a.special_access) for r in reports for a in r.apps)
    assert len(_jsonl(out / "findings.jsonl")) == sum(len(a.findings) for r in reports for a in r.apps)
    trackers = _jsonl(out / "trackers.jsonl")
    assert {t["tracker"] for t in trackers} == {FIREBASE.name}
    assert trackers[0]["categories"] == list(FIREBASE.categories)
    violations = _jsonl(out / "violations.jsonl")
    assert len(violations) == result.violations > 0
    assert {v["rule"] for v in violations} == {"denied_special_access"}
    assert all(isinstance(v["evidence"], list) and v["evidence"] for v in violations)
    inventory = {r["package"]: r for r in _jsonl(out / f"{INVENTORY.name}.jsonl")}
    assert len(inventory) == len({a.package for r in reports for a in r.apps})
    # Types: JSON keeps integers, booleans and nulls; CSV writes true/false and empty cells.
    app_json = _jsonl(out / "apps.jsonl")[0]
    app_csv = _csv(out / "apps.csv")[0]
    assert isinstance(app_json["user"], int) and isinstance(app_json["system"], bool)
    assert app_csv["system"] in ("true", "false")
    perms = _jsonl(out / "permissions.jsonl")
    assert all(p["usable"] == (p["effective"] in ("allowed", "foreground_only")) for p in perms)
    # Every file has its final name (no temporary file is left), readable by its owner only.
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t.name}.{e}" for t in TABLES for e in ("csv", "jsonl"))
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o600}


def test_csv_only_and_no_violations_table_without_a_policy(tmp_path: Path) -> None:
    _fleet(tmp_path)
    run_fleet([tmp_path / "in"], export_dir=tmp_path / "x", export_formats=(ExportFormat.CSV,), jobs=1)
    names = {p.name for p in (tmp_path / "x").iterdir()}
    assert "violations.csv" not in names
    assert names == {f"{t.name}.csv" for t in TABLES if t.name != "violations"}


def test_formula_cells_are_neutralised_in_csv_but_not_in_json(tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://x")'
    facts = replace(apk("com.evil", signer=SIGNER_A), label=hostile)
    report = hand_report(
        "DEVX",
        (
            app(
                "com.evil",
                allowed("CAMERA"),
                specials=(special(SpecialAccessKind.OVERLAY, "-2+3", "@SUM(1)"),),
                apk_facts=facts,
            ),
        ),
    )
    write_json(report, tmp_path / "in" / "d.json")
    run_fleet([tmp_path / "in"], export_dir=tmp_path / "x", jobs=1)
    apps = _csv(tmp_path / "x" / "apps.csv")
    assert apps[0]["label"] == "'" + hostile
    special_rows = _csv(tmp_path / "x" / "special_access.csv")
    assert special_rows[0]["detail"] == "'-2+3"
    assert special_rows[0]["evidence"] == "'@SUM(1)"
    assert _jsonl(tmp_path / "x" / "apps.jsonl")[0]["label"] == hostile
    assert csv_bytes([(None, True, 3, ("a", "b"), "+x")]) == b",true,3,a|b,'+x\r\n"


def test_every_column_is_documented() -> None:
    doc = (ROOT / "docs" / "fleet.md").read_text(encoding="utf-8")
    for table in TABLES:
        section = re.search(rf"^### `{table.name}`\n(.*?)(?=^### |\Z)", doc, re.S | re.M)
        assert section, f"docs/fleet.md has no section for {table.name}"
        documented = re.findall(r"^\| `([a-z_0-9]+)` \|", section.group(1), re.M)
        assert documented == list(table.names), table.name


def test_duckdb_reads_the_exports_when_installed(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    _fleet(tmp_path)
    run_fleet([tmp_path / "in"], export_dir=tmp_path / "x", jobs=1)
    con = duckdb.connect()
    csv_path, jsonl_path = tmp_path / "x" / "permissions.csv", tmp_path / "x" / "permissions.jsonl"
    n_csv = con.execute(f"select count(*) from read_csv_auto('{csv_path}')").fetchone()
    n_json = con.execute(f"select count(*) from read_json_auto('{jsonl_path}')").fetchone()
    with csv_path.open(newline="", encoding="utf-8") as f:
        expected = sum(1 for _ in csv.DictReader(f))
    assert expected > 0
    assert n_csv == n_json == (expected,)
    # The columns come through typed: a tidy table answers a prevalence question in one query.
    top = con.execute(
        f"select permission, count(distinct device_id) from read_json_auto('{jsonl_path}') group by 1 order by 2 desc"
    ).fetchone()
    assert top is not None and top[1] >= 1


def test_typed_csv_conversion_equals_the_general_one() -> None:
    from auditor.fleet.aggregate import summarise
    from auditor.fleet.export import device_rows
    from auditor.fleet.inputs import InputKind
    from auditor.fleet.policy import evaluate
    from auditor.model import IndicatorKind, IndicatorMatch, ThreatKind

    report = with_apk(synthetic(4), third_party(synthetic(4))[0].package, signer=SIGNER_A, trackers=(FIREBASE,))
    match = IndicatorMatch("Fam", ThreatKind.SPYWARE, IndicatorKind.PROCESS, "=spyd", "running process =spyd", "l", "v")
    report = replace(report, device_matches=(match,))
    policy = parse_policy("[exposure]\nmax_app = 1\n[device]\nmin_sdk = 99\n", Path("p.toml"))
    violations = evaluate(policy, report, "D")
    row = summarise(report, index=0, source="=cmd|' /C calc'!A0", kind=InputKind.AUDIT_JSON, violations=violations).row
    tables = {t.name: t for t in TABLES}
    for name, rows in device_rows(report, row, violations).items():
        assert rows, name
        assert csv_bytes(rows, table=tables[name]) == csv_bytes(rows), name
