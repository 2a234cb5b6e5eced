"""Every output the auditor writes, in one registry: formats, file extensions, defaults and renderers.

There are four kinds of output: the audit report (``auditor audit``), the diff (``auditor diff``),
the fleet page (``auditor fleet``) and the APK analysis (``auditor apk``). For each, ``Output``
declares which formats it has, which file extensions mean which format, the format used for a file
whose name says none and the one used on standard output, and the renderer of each format. The CLI
only hands ``--format`` and ``--out`` to ``Output.choose`` and the result to ``Output.write``, which
writes through ``auditor.report.output.write_output`` like every other output. Adding a format is a
line here and its renderer.

Renderers are named (``module:function``), not imported: the HTML renderer loads jinja2 and its
templates, which a JSON run does not need, and the diff and fleet renderers live in the fleet
stage. A test resolves every name.

The audit renderers read the report as given: score it first (``auditor.score.score_report``) for
the exposure sections, which are otherwise stated as "not scored".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

from auditor.errors import AuditorError
from auditor.model import AuditReport
from auditor.report.output import STDOUT, Rendered, write_output

if TYPE_CHECKING:
    from auditor.model import ApkResult


class ReportFormat(StrEnum):
    """The formats ``auditor audit --format`` accepts."""

    HTML = "html"
    """One self-contained page for people (the default for a file)."""
    JSON = "json"
    """The canonical, documented schema (``docs/schema.md``) for programs (the default on standard output)."""
    CSV = "csv"
    """One row per device × user × app × permission, for spreadsheets and databases."""
    MD = "md"
    """A short Markdown summary for a terminal or a ticket."""
    TIMELINE = "timeline"
    """The access timeline as CSV: one row per recorded access or rejection, beside the permission table."""

    @property
    def extension(self) -> str:
        """The file extension written by default, with its dot."""
        return AUDIT.extension(self)


class DiffFormat(StrEnum):
    """The formats ``auditor diff --format`` accepts."""

    TEXT = "text"
    """For a terminal: red flags first, then one section per kind of change (the default)."""
    JSON = "json"
    """The diff's fields as the model names them, for programs."""
    HTML = "html"
    """One self-contained page, styled like the audit report."""


class ApkFormat(StrEnum):
    """The formats ``auditor apk --format`` accepts."""

    TEXT = "text"
    """A plain-text summary per APK, every APK string made printable (the default)."""
    JSON = "json"
    """Every fact of every APK, safe to embed in an HTML ``<script>`` block."""


class FleetFormat(StrEnum):
    """The fleet page's one format (``auditor fleet`` has no ``--format``)."""

    HTML = "html"
    """One self-contained page, written as it is rendered."""


class FormatError(AuditorError):
    """A file name whose extension means no format of its output, with no ``--format`` to decide."""


F = TypeVar("F", bound=StrEnum)
S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Format(Generic[F]):
    """One format of one kind of output."""

    format: F
    extensions: tuple[str, ...]
    """File extensions that mean this format (lower case, with the dot); the first one is written by default."""
    renderer: str
    """``module:function`` of the renderer; it takes the output's subject and returns ``Rendered`` text."""


@dataclass(frozen=True, slots=True)
class Output(Generic[F, S]):
    """One kind of output (of subject ``S``): its formats and how ``--format`` and ``--out`` choose one."""

    name: str
    """What the output is called in messages ("cannot tell the report format …")."""
    formats: tuple[Format[F], ...]
    for_file: F
    """The format of a file whose name says none (no extension, or none that is known, unless ``strict``)."""
    for_stdout: F
    """The format written to standard output (``--out -``, or no ``--out`` where that means standard output)."""
    strict: bool
    """An unknown extension is an error (``FormatError``) instead of meaning ``for_file``."""

    def spec(self, fmt: F) -> Format[F]:
        """The declaration of ``fmt``."""
        return next(f for f in self.formats if f.format == fmt)

    def extension(self, fmt: F) -> str:
        """The extension a file in ``fmt`` is given by default, with its dot."""
        return self.spec(fmt).extensions[0]

    def format_for_path(self, path: Path) -> F | None:
        """The format a file name asks for by its extension (case-insensitive), or ``None`` when it says none.

        The longest extension the name ends with wins, so ``r.timeline.csv`` is the timeline and ``r.csv``
        the permission table.
        """
        name = path.name.lower()
        found = [(len(e), f.format) for f in self.formats for e in f.extensions if name.endswith(e) and name != e]
        return max(found, key=lambda x: x[0])[1] if found else None

    def choose(self, fmt: F | None, target: Path | None) -> F:
        """The format to write ``target`` in (``None``: a file whose name the command picks).

        ``--format`` when given; else standard output's format for ``-``; else the one the extension
        of ``target`` names; else the file default. Raises ``FormatError`` for an extension that names
        no format when the output is ``strict`` (a report in an unreadable format is a user's mistake).
        """
        if fmt is not None:
            return fmt
        if target is None:
            return self.for_file
        if target == STDOUT:
            return self.for_stdout
        found = self.format_for_path(target)
        if found is not None:
            return found
        if self.strict and target.suffix:
            choices = "|".join(f.format.value for f in self.formats)
            raise FormatError(f"cannot tell the {self.name} format from {target.name!r}; use --format {choices}")
        return self.for_file

    def renderer(self, fmt: F) -> Callable[[S], Rendered]:
        """The renderer of ``fmt`` (imported on first use)."""
        module, _, function = self.spec(fmt).renderer.partition(":")
        return cast("Callable[[S], Rendered]", getattr(import_module(module), function))

    def render(self, subject: S, fmt: F) -> str:
        """``subject`` in ``fmt``, as one text."""
        rendered = self.renderer(fmt)(subject)
        return rendered if isinstance(rendered, str) else "".join(rendered)

    def write(self, subject: S, fmt: F, target: Path) -> None:
        """Render ``subject`` in ``fmt`` and write it to ``target`` (``-`` for standard output)."""
        write_output(target, self.renderer(fmt)(subject))


AUDIT: Final[Output[ReportFormat, AuditReport]] = Output(
    name="report",
    formats=(
        Format(ReportFormat.HTML, (".html", ".htm"), "auditor.report.html:render_html"),
        Format(ReportFormat.JSON, (".json",), "auditor.report.json_report:report_json"),
        Format(ReportFormat.CSV, (".csv",), "auditor.report.csv_report:report_csv"),
        Format(ReportFormat.MD, (".md", ".markdown"), "auditor.report.markdown_report:report_markdown"),
        Format(ReportFormat.TIMELINE, (".timeline.csv",), "auditor.report.csv_timeline:timeline_csv"),
    ),
    for_file=ReportFormat.HTML,
    for_stdout=ReportFormat.JSON,  # standard output is for programs
    strict=True,
)
# The diff and the fleet page are fleet-stage types; naming them here would make this module (which the
# fleet stage writes through) import its own caller, so their subject is typed ``object``: their
# renderers, named below, take the real types.
DIFF: Final[Output[DiffFormat, object]] = Output(
    name="diff",
    formats=(
        Format(DiffFormat.TEXT, (".txt",), "auditor.fleet.render:render_diff_text"),
        Format(DiffFormat.JSON, (".json",), "auditor.fleet.render:render_diff_json"),
        Format(DiffFormat.HTML, (".html", ".htm"), "auditor.fleet.render:render_diff_html"),
    ),
    for_file=DiffFormat.TEXT,
    for_stdout=DiffFormat.TEXT,
    strict=False,
)
FLEET: Final[Output[FleetFormat, object]] = Output(
    name="fleet page",
    formats=(Format(FleetFormat.HTML, (".html", ".htm"), "auditor.fleet.render:fleet_html"),),
    for_file=FleetFormat.HTML,
    for_stdout=FleetFormat.HTML,
    strict=False,
)
APK: Final[Output[ApkFormat, Sequence[ApkResult]]] = Output(
    name="APK analysis",
    formats=(
        Format(ApkFormat.TEXT, (".txt",), "auditor.report.apk:render_text"),
        Format(ApkFormat.JSON, (".json",), "auditor.report.apk:render_json"),
    ),
    for_file=ApkFormat.TEXT,
    for_stdout=ApkFormat.TEXT,
    strict=False,
)
OUTPUTS: Final[tuple[Output[Any, Any], ...]] = (AUDIT, DIFF, FLEET, APK)
"""Every kind of output, for the tests and the documentation that walk them."""

DEFAULT_FORMAT: Final = AUDIT.for_file
"""The audit report's format for a file whose name says none."""


def format_for_path(path: Path) -> ReportFormat | None:
    """The audit report format a file name asks for by its extension, or ``None`` when it says none."""
    return AUDIT.format_for_path(path)


def render(report: AuditReport, fmt: ReportFormat) -> str:
    """The report in ``fmt``, as text (encode it as UTF-8; CSV carries its own CRLF line ends)."""
    return AUDIT.render(report, fmt)


def write_report(report: AuditReport, path: Path, fmt: ReportFormat | None = None) -> ReportFormat:
    """Render and write the report to ``path`` (format from ``fmt``, else the extension, else HTML).

    Written by ``write_output``: whole or not at all, readable by its owner only (it describes a
    person's phone). Returns the format used.
    """
    chosen = fmt or format_for_path(path) or DEFAULT_FORMAT
    write_output(path, render(report, chosen))
    return chosen
