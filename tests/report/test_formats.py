"""The format registry: formats, extensions and defaults of every output, and whole-file writes of reports."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pytest

from auditor.model import AuditReport
from auditor.report.formats import (
    APK,
    AUDIT,
    DEFAULT_FORMAT,
    DIFF,
    FLEET,
    OUTPUTS,
    ApkFormat,
    DiffFormat,
    FleetFormat,
    FormatError,
    ReportFormat,
    format_for_path,
    render,
    write_report,
)
from auditor.report.output import STDOUT


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("r.html", ReportFormat.HTML),
        ("R.HTM", ReportFormat.HTML),
        ("r.json", ReportFormat.JSON),
        ("r.csv", ReportFormat.CSV),
        ("r.md", ReportFormat.MD),
        ("r.markdown", ReportFormat.MD),
        ("r.timeline.csv", ReportFormat.TIMELINE),
        ("R.Timeline.CSV", ReportFormat.TIMELINE),
        ("timeline.csv", ReportFormat.CSV),  # a name, not the extension
        ("r.txt", None),
        ("report", None),
    ],
)
def test_format_for_path(name: str, fmt: ReportFormat | None) -> None:
    assert format_for_path(Path(name)) == fmt


def test_every_format_of_every_output_is_declared_once_with_a_renderer() -> None:
    enums: list[type[StrEnum]] = [ReportFormat, DiffFormat, FleetFormat, ApkFormat]
    for output, enum in zip(OUTPUTS, enums, strict=True):
        assert [f.format for f in output.formats] == list(enum), output.name
        assert isinstance(output.for_file, enum) and isinstance(output.for_stdout, enum)
        extensions = [e for f in output.formats for e in f.extensions]
        assert len(extensions) == len(set(extensions)), output.name
        assert all(e == e.lower() and e.startswith(".") for e in extensions)
        for f in output.formats:
            assert callable(output.renderer(f.format)), f.renderer
    assert [ReportFormat(f).extension for f in ReportFormat] == [".html", ".json", ".csv", ".md", ".timeline.csv"]
    assert AUDIT.renderer(ReportFormat.HTML).__name__ == "render_html"
    assert FLEET.renderer(FleetFormat.HTML).__name__ == "fleet_html"
    assert APK.renderer(ApkFormat.JSON).__name__ == "render_json"


@pytest.mark.parametrize(
    ("fmt", "target", "chosen"),
    [
        (None, None, ReportFormat.HTML),  # no --out: a file in reports/
        (None, STDOUT, ReportFormat.JSON),  # standard output is for programs
        (ReportFormat.MD, STDOUT, ReportFormat.MD),
        (None, Path("out/r.CSV"), ReportFormat.CSV),
        (None, Path("out/r.markdown"), ReportFormat.MD),
        (None, Path("out/report"), ReportFormat.HTML),
        (ReportFormat.MD, Path("out/r.csv"), ReportFormat.MD),
        (ReportFormat.CSV, Path("r.docx"), ReportFormat.CSV),
    ],
)
def test_audit_format_choice(fmt: ReportFormat | None, target: Path | None, chosen: ReportFormat) -> None:
    assert AUDIT.choose(fmt, target) is chosen


def test_audit_refuses_an_extension_it_cannot_read() -> None:
    with pytest.raises(FormatError) as e:
        AUDIT.choose(None, Path("reports/r.docx"))
    assert str(e.value) == "cannot tell the report format from 'r.docx'; use --format html|json|csv|md|timeline"
    assert DEFAULT_FORMAT is AUDIT.for_file is ReportFormat.HTML


@pytest.mark.parametrize(
    ("fmt", "target", "chosen"),
    [
        (None, STDOUT, DiffFormat.TEXT),
        (DiffFormat.HTML, STDOUT, DiffFormat.HTML),
        (None, Path("d.json"), DiffFormat.JSON),
        (None, Path("d.HTM"), DiffFormat.HTML),
        (None, Path("d.docx"), DiffFormat.TEXT),  # a diff is never refused: anything else is text
        (None, Path("d"), DiffFormat.TEXT),
        (DiffFormat.JSON, Path("d.html"), DiffFormat.JSON),
    ],
)
def test_diff_format_choice(fmt: DiffFormat | None, target: Path, chosen: DiffFormat) -> None:
    assert DIFF.choose(fmt, target) is chosen


def test_fleet_and_apk_defaults() -> None:
    assert FLEET.choose(None, Path("reports/fleet.txt")) is FleetFormat.HTML
    assert FLEET.choose(None, STDOUT) is FleetFormat.HTML
    assert APK.choose(None, STDOUT) is ApkFormat.TEXT
    assert APK.choose(None, Path("apks.json")) is ApkFormat.JSON


def test_every_format_renders(hand: AuditReport) -> None:
    for fmt in ReportFormat:
        text = render(hand, fmt)
        assert isinstance(text, str) and text
        assert fmt.extension == ("." + fmt.value if fmt is not ReportFormat.TIMELINE else ".timeline.csv")
    assert json.loads(render(hand, ReportFormat.JSON))["device"]["serial"] == "SER123"
    assert render(hand, ReportFormat.HTML).startswith("<!doctype html>")


def test_write_report_by_extension_and_default(hand: AuditReport, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    assert write_report(hand, tmp_path / "a" / "r.csv") is ReportFormat.CSV
    raw = (tmp_path / "a" / "r.csv").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF kept, no newline translation
    assert write_report(hand, tmp_path / "plain") is DEFAULT_FORMAT is ReportFormat.HTML
    assert write_report(hand, tmp_path / "x.csv", ReportFormat.MD) is ReportFormat.MD
    assert (tmp_path / "x.csv").read_text("utf-8").startswith("# App access audit")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "plain", "x.csv"]  # no temporary files left
    assert (tmp_path / "plain").stat().st_mode & 0o777 == 0o600


def test_write_report_to_standard_output(hand: AuditReport, capsys: pytest.CaptureFixture[str]) -> None:
    assert write_report(hand, STDOUT, ReportFormat.JSON) is ReportFormat.JSON
    assert json.loads(capsys.readouterr().out)["device"]["serial"] == "SER123"


def test_failed_render_leaves_no_file(hand: AuditReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.report.formats as formats

    def boom(report: AuditReport, fmt: ReportFormat) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(formats, "render", boom)
    with pytest.raises(RuntimeError):
        write_report(hand, tmp_path / "r.html")
    assert list(tmp_path.iterdir()) == []


def test_the_docs_name_every_format_and_extension() -> None:
    root = Path(__file__).resolve().parents[2]

    def text(name: str) -> str:
        return " ".join((root / name).read_text("utf-8").split())

    audit_choices = f"`--format {'|'.join(f.format.value for f in AUDIT.formats)}`"
    assert audit_choices in text("README.md")
    assert audit_choices in text("docs/report.md")
    extensions = ", ".join("/".join(f"`{e}`" for e in f.extensions) for f in AUDIT.formats)
    assert f"({extensions}), and is HTML otherwise" in text("docs/report.md")
    diff_formats = ", ".join(
        f"`{f.format.value}`" + (" (default)" if f.format is DIFF.for_stdout else "") for f in DIFF.formats
    )
    assert f"Formats: {diff_formats} (or from the `--out` extension" in text("docs/fleet.md")
