"""The Markdown summary: what it says, and that hostile text stays inside code spans."""

from __future__ import annotations

import re

import pytest

from auditor.model import AuditReport
from auditor.report.markdown_report import md_code, md_text, report_markdown
from tests.report.builders import PWN_IMG, PWN_MD


def test_summary_content(hand: AuditReport) -> None:
    md = report_markdown(hand)
    assert md.startswith("# App access audit: `Google Pixel 8`\n")
    assert "security patch `2024-01-05` (5 months old at capture)" in md
    assert "**Device exposure: E (74/100)**, very high exposure." in md
    assert (
        "| E | 71 | `Spy Cam` (`com.example.spy`) | installed | Spy-like; Screen and input: special access enabled; "
        "Camera: used in the background |"
    ) in md
    assert (
        "- **Accessibility service** (can read everything on your screen and act for you: tap, type, read): "
        "`Spy Cam` (`com.example.spy`) — sideloaded (from a file, adb or a browser)"
    ) in md
    assert "- **Default SMS app** (reads, sends and deletes all text messages): `com.example.spy` (user 10)" in md
    assert "- **Camera**: `Spy Cam` (`com.example.spy`) at `2024-06-03 12:00:00.000` **in the background**" in md
    assert "- **Microphone**: no use recorded" in md
    assert "critical 0 · high 1 · medium 0 · low 0 · info 0" in md
    assert "- **high** `AUD-CAM-BG-001` Camera used in the background: `Spy Cam` (`com.example.spy`)" in md
    assert "- `Tracker X` in 2 apps; together they reach camera, screen_input" in md
    assert "- `dumpsys_appops`: App-op history was denied; last use is unknown." in md
    assert "SER123" not in md  # a summary for a ticket carries no serial


def test_synthetic_summary_is_short(synthetic: AuditReport) -> None:
    md = report_markdown(synthetic)
    assert "`com.example.stalker`" in md
    assert len(md.splitlines()) < 100  # known threats, phone settings and 24 h background use included


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("plain", "`plain`"),
        ("a`b", "``a`b``"),
        ("`start", "`` `start ``"),
        ("x|y", "`x|y`"),
        ("line\nbreak", "`line\\u{000a}break`"),
        ("", "—"),
        (None, "—"),
    ],
)
def test_md_code(text: str | None, span: str) -> None:
    assert md_code(text) == span


def test_md_code_in_tables_escapes_pipes() -> None:
    assert md_code("x|y", table=True) == "`x\\|y`"


def test_md_text_escapes_markup() -> None:
    assert md_text("[a](javascript:x) <b>*c*</b> & d_e") == "\\[a\\](javascript:x) \\<b\\>\\*c\\*\\</b\\> \\& d\\_e"


def test_hostile_summary_keeps_payloads_in_code_spans(hostile: AuditReport) -> None:
    md = report_markdown(hostile)
    # Outside code spans there is no raw HTML, no link syntax and no line a payload started.
    outside = re.sub(r"(`+)(?:(?!\1).)*?\1", "", md)
    assert "<" not in outside.replace("\\<", "")
    assert "](" not in outside.replace("\\](", "")
    assert not any(line.startswith("# heading") for line in md.splitlines())
    assert PWN_IMG in md  # shown verbatim, inside a code span
    assert "- ``" + PWN_MD.replace("\n", "\\u{000a}") + "``: " in md  # the note, in a double-backtick span
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            unescaped = re.sub(r"\\\|", "", line)
            assert unescaped.count("|") == 6, line  # five cells, whatever the app is called


def test_apps_not_installed_are_counted_apart() -> None:
    # The MVT androidqf capture: 9 installed packages, and 11 that only its app-ops name.
    from auditor.pipeline import audit_path
    from tests.realdata import real_file

    report = audit_path(real_file("mvt-tests/androidqf"), merge_apks=False)
    line = next(line for line in report_markdown(report).splitlines() if "Captured" in line)
    assert "; 9 installed apps (also listed: 11 unlisted (named only by app-ops, special accesses or settings))" in line
