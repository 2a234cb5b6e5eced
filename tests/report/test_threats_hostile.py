"""A hostile indicator list (a family named with markup, an indicator value with control characters) is shown,
never obeyed: escaped in HTML and Markdown, printed as text in the terminal."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console

from auditor.model import AuditReport, DeviceInfo, IndicatorKind, IndicatorMatch, SourceInfo, ThreatKind
from auditor.report.html import render_html
from auditor.report.markdown_report import report_markdown
from auditor.report.terminal import print_summary
from auditor.score import score_report
from tests.score.builders import app

EVIL = "<script>alert(1)</script>[bold red]Evil[/bold red]|`x`"


def _report() -> AuditReport:
    match = IndicatorMatch(EVIL, ThreatKind.SPYWARE, IndicatorKind.PACKAGE, "com.evil", "package name", EVIL, "v<b>")
    spy = replace(app("com.evil"), indicator_matches=(match,))
    return score_report(AuditReport("1.2", "t", SourceInfo("snapshot", "x"), DeviceInfo(), (), (spy,)))


def test_html_escapes_family_and_list_names() -> None:
    page = render_html(_report())
    assert "<script>alert(1)</script>" not in page and "v<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;[bold red]Evil[/bold red]" in page


def test_markdown_and_terminal_show_the_text() -> None:
    md = report_markdown(_report())
    assert "<script>" not in md
    console = Console(record=True, width=1000, color_system=None)
    print_summary(_report(), console)
    text = console.export_text()
    assert "[bold red]Evil[/bold red]" in text
