"""Report formats and the one dispatcher the CLI calls: ``render`` to text, ``write_report`` to a file.

Why here and not in the CLI: which formats exist, which file extensions mean which format, and how
each is written (CSV keeps its CRLF line ends; everything is UTF-8) is report knowledge. The CLI
only maps ``--format`` or the ``--out`` extension to a ``ReportFormat`` and calls ``write_report``.

The renderers read the report as given: score it first (``auditor.score.score_report``) for the
exposure sections, which are otherwise stated as "not scored".
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import assert_never

from auditor.model import AuditReport


class ReportFormat(StrEnum):
    """The formats ``auditor audit --format`` accepts."""

    HTML = "html"
    """One self-contained page for people (the default)."""
    JSON = "json"
    """The canonical, documented schema (``docs/schema.md``) for programs."""
    CSV = "csv"
    """One row per device × user × app × permission, for spreadsheets and databases."""
    MD = "md"
    """A short Markdown summary for a terminal or a ticket."""

    @property
    def extension(self) -> str:
        """The file extension written by default, with its dot."""
        return "." + self.value


DEFAULT_FORMAT = ReportFormat.HTML

_EXTENSIONS: dict[str, ReportFormat] = {
    ".html": ReportFormat.HTML,
    ".htm": ReportFormat.HTML,
    ".json": ReportFormat.JSON,
    ".csv": ReportFormat.CSV,
    ".md": ReportFormat.MD,
    ".markdown": ReportFormat.MD,
}


def format_for_path(path: Path) -> ReportFormat | None:
    """The format a file name asks for by its extension (case-insensitive), or ``None`` when it says none."""
    return _EXTENSIONS.get(path.suffix.lower())


def _renderer(fmt: ReportFormat) -> Callable[[AuditReport], str]:
    # Imported on use: the HTML renderer loads jinja2 and its templates, which a JSON run does not need.
    match fmt:
        case ReportFormat.HTML:
            from auditor.report.html import render_html

            return render_html
        case ReportFormat.JSON:
            from auditor.report.json_report import report_json

            return report_json
        case ReportFormat.CSV:
            from auditor.report.csv_report import report_csv

            return report_csv
        case ReportFormat.MD:
            from auditor.report.markdown_report import report_markdown

            return report_markdown
        case _:
            assert_never(fmt)


def render(report: AuditReport, fmt: ReportFormat) -> str:
    """The report in ``fmt``, as text (encode it as UTF-8; CSV carries its own CRLF line ends)."""
    return _renderer(fmt)(report)


def write_report(report: AuditReport, path: Path, fmt: ReportFormat | None = None) -> ReportFormat:
    """Render and write the report to ``path`` (format from ``fmt``, else the extension, else HTML).

    The file is written whole or not at all (a temporary file in the same folder, then renamed), so
    an interrupted run never leaves half a report that looks complete. Like the temporary file, the
    report is readable by its owner only (mode 0600): it describes a person's phone. Returns the
    format used.
    """
    chosen = fmt or format_for_path(path) or DEFAULT_FORMAT
    data = render(report, chosen).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return chosen
