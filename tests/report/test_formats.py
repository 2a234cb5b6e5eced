"""The dispatcher the CLI calls: formats, extensions, and whole-file writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.model import AuditReport
from auditor.report.formats import DEFAULT_FORMAT, ReportFormat, format_for_path, render, write_report


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("r.html", ReportFormat.HTML),
        ("R.HTM", ReportFormat.HTML),
        ("r.json", ReportFormat.JSON),
        ("r.csv", ReportFormat.CSV),
        ("r.md", ReportFormat.MD),
        ("r.markdown", ReportFormat.MD),
        ("r.txt", None),
        ("report", None),
    ],
)
def test_format_for_path(name: str, fmt: ReportFormat | None) -> None:
    assert format_for_path(Path(name)) == fmt


def test_every_format_renders(hand: AuditReport) -> None:
    for fmt in ReportFormat:
        text = render(hand, fmt)
        assert isinstance(text, str) and text
        assert fmt.extension == "." + fmt.value
    assert json.loads(render(hand, ReportFormat.JSON))["device"]["serial"] == "SER123"
    assert render(hand, ReportFormat.HTML).startswith("<!doctype html>")


def test_write_report_by_extension_and_default(hand: AuditReport, tmp_path: Path) -> None:
    assert write_report(hand, tmp_path / "a" / "r.csv") is ReportFormat.CSV
    raw = (tmp_path / "a" / "r.csv").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF kept, no newline translation
    assert write_report(hand, tmp_path / "plain") is DEFAULT_FORMAT is ReportFormat.HTML
    assert write_report(hand, tmp_path / "x.csv", ReportFormat.MD) is ReportFormat.MD
    assert (tmp_path / "x.csv").read_text("utf-8").startswith("# App access audit")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "plain", "x.csv"]  # no temporary files left


def test_failed_render_leaves_no_file(hand: AuditReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.report.formats as formats

    def boom(report: AuditReport, fmt: ReportFormat) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(formats, "render", boom)
    with pytest.raises(RuntimeError):
        write_report(hand, tmp_path / "r.html")
    assert list(tmp_path.iterdir()) == []
