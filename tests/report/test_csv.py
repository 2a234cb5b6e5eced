"""The CSV export: tidy shape, exact rows, RFC 4180 quoting, and formula injection neutralised."""

from __future__ import annotations

import csv
import io
import re

import pytest

from auditor.model import AuditReport
from auditor.report.csv_report import COLUMNS, neutralise, report_csv
from tests.report.builders import HAND_PERMISSION_ROWS, PWN_FORMULA, PWN_MD, PWN_SCRIPT


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_header_and_line_ends(hand: AuditReport) -> None:
    text = report_csv(hand)
    assert text.split("\r\n", 1)[0] == ",".join(COLUMNS)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_one_row_per_device_user_app_permission(hand: AuditReport) -> None:
    rows = _read(report_csv(hand))
    assert len(rows) == HAND_PERMISSION_ROWS
    keys = [(r["user"], r["package"], r["permission"]) for r in rows]
    assert keys == [
        ("0", "com.example.notes", ""),  # no permission: still one row, permission columns empty
        ("0", "com.example.spy", "android.permission.CAMERA"),
        ("0", "com.example.spy", "android.permission.RECORD_AUDIO"),
        ("0", "com.example.spy", "android.permission.INTERNET"),
        ("10", "com.example.spy", "android.permission.INTERNET"),
    ]
    assert len(set(keys)) == len(keys)


def test_row_values(hand: AuditReport) -> None:
    camera = _read(report_csv(hand))[1]
    assert camera == {
        "device_model": "Pixel 8",
        "device_serial": "SER123",
        "android_release": "14",
        "snapshot_sha256": "f" * 64,
        "user": "0",
        "user_kind": "primary",
        "package": "com.example.spy",
        "label": "Spy Cam",
        "uid": "10100",
        "version_name": "1.0",
        "version_code": "1",
        "target_sdk": "34",
        "system": "false",
        "origin": "installed",
        "install_source": "sideloaded",
        "installer": "com.google.android.packageinstaller",
        "first_install": "2024-01-01 10:00:00",
        "app_score": "71",
        "app_grade": "E",
        "permission": "android.permission.CAMERA",
        "permission_kind": "runtime",
        "categories": "camera",
        "requested": "true",
        "granted": "true",
        "effective": "allowed",
        "flags": "USER_SET|USER_SENSITIVE_WHEN_GRANTED",
        "appop": "CAMERA",
        "appop_mode": "allow",
        "last_access": "2024-06-03 12:00:00.000",
        "last_access_state": "background",
        "last_background_access": "2024-06-03 12:00:00.000",
        "last_reject": "",
    }


def test_synthetic_device_row_count(synthetic: AuditReport) -> None:
    rows = _read(report_csv(synthetic))
    assert len(rows) == sum(max(1, len(a.permissions)) for a in synthetic.apps)
    assert {r["user"] for r in rows} == {"0", "10"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise(value: str, cell: str) -> None:
    assert neutralise(value) == cell


def test_hostile_cells_are_quoted_and_neutralised(hostile: AuditReport) -> None:
    text = report_csv(hostile)
    rows = _read(text)
    assert len(rows) == sum(max(1, len(a.permissions)) for a in hostile.apps)
    installers = {r["installer"] for r in rows}
    assert "'" + PWN_FORMULA in installers and PWN_FORMULA not in installers
    # Quotes doubled and the field quoted (RFC 4180): the formula has quotes and commas.
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in text
    packages = {r["package"] for r in rows}
    assert any(p.endswith(PWN_SCRIPT) for p in packages)
    assert any(p.endswith(PWN_MD) for p in packages)  # the newline survives, inside a quoted field
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    assert "device_serial" in rows[0] and rows[0]["device_serial"] == PWN_SCRIPT


def test_every_column_is_documented_in_order() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "report.md").read_text("utf-8")
    table = doc.split("## CSV columns", 1)[1]
    documented = list(re.findall(r"^\| `([a-z_0-9]+)` \|", table, flags=re.MULTILINE))
    assert documented == list(COLUMNS)
