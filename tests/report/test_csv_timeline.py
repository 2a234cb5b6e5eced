"""The timeline CSV: one row per event, newest first across the device, exact values, injection neutralised."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

from auditor.model import AuditReport, ProxyRole
from auditor.report.csv_timeline import COLUMNS, timeline_csv
from auditor.report.formats import ReportFormat, render
from tests.report.builders import PWN_FORMULA, PWN_SCRIPT, synthetic_report


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_event_in_the_timelines_order() -> None:
    report = synthetic_report()
    text = timeline_csv(report)
    assert text.split("\r\n", 1)[0] == ",".join(COLUMNS) and text.endswith("\r\n")
    rows = _read(text)
    assert report.timeline is not None
    assert len(rows) == len(report.timeline.events) == sum(len(a.events) for a in report.apps)
    stamps = [r["time"] for r in rows if r["time"]]
    assert stamps == sorted(stamps, reverse=True)
    assert render(report, ReportFormat.TIMELINE) == text


def test_row_values_of_a_history_only_background_session() -> None:
    rows = _read(timeline_csv(synthetic_report()))
    (night,) = [r for r in rows if r["package"] == "com.example.stalker" and r["time"] == "2024-06-02 01:12:00.000"]
    assert night == {
        "device_model": "Synthetic Pixel",
        "device_serial": night["device_serial"],
        "snapshot_sha256": night["snapshot_sha256"],
        "user": "0",
        "user_kind": "primary",
        "package": "com.example.stalker",
        "label": "",
        "uid": "10222",
        "time": "2024-06-02 01:12:00.000",
        "time_utc": "2024-06-01T19:42:00.000Z",
        "ago_ms": "136767000",
        "op": "CAMERA",
        "category": "camera",
        "kind": "access",
        "state": "background",
        "uid_state": "cch",
        "duration_ms": "360000",
        "attribution_tag": "",
        "proxy_role": "",
        "proxy_package": "",
        "flags": "s",
        "chain_id": "",
        "source": "history",
    }
    (voice,) = [r for r in rows if r["package"] == "com.example.messenger.fg" and r["flags"] == "tpd"]
    assert (voice["proxy_role"], voice["proxy_package"], voice["chain_id"], voice["source"]) == (
        "through",
        "com.google.android.googlequicksearchbox",
        "41",
        "both",
    )
    work = [r for r in rows if r["package"] == "com.example.messenger.fg" and r["user"] == "10" and r["op"] == "CAMERA"]
    assert [(w["user_kind"], w["uid"], w["duration_ms"]) for w in work] == [("work_profile", "1010219", "20000")]


def test_attribution_tags_and_proxy_packages_cannot_be_formulas() -> None:
    report = synthetic_report()
    app = next(a for a in report.apps if a.events)
    evil = replace(
        app,
        events=tuple(
            replace(e, attribution_tag=PWN_FORMULA, proxy_role=ProxyRole.THROUGH, proxy_package=PWN_SCRIPT)
            for e in app.events
        ),
    )
    hostile: AuditReport = replace(report, apps=tuple(evil if a is app else a for a in report.apps))
    rows = [r for r in _read(timeline_csv(hostile)) if r["package"] == app.package]
    assert rows and all(r["attribution_tag"] == "'" + PWN_FORMULA for r in rows)
    assert all(r["proxy_package"] == PWN_SCRIPT for r in rows)


def test_every_column_is_documented_in_order() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "report.md").read_text("utf-8")
    table = doc.split("## Timeline CSV columns", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| `([a-z_0-9]+)` \|", table, flags=re.MULTILINE) == list(COLUMNS)
