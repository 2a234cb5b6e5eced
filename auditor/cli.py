"""The command line: options in, one call into the core, exit code out.

Exit codes: 0 done, 2 a usage or input problem (one line on stderr, never a traceback).
"""

from __future__ import annotations

import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from auditor import __version__
from auditor.errors import AuditorError

app = typer.Typer(
    name="auditor",
    help=(
        "Audit what every app on an Android phone can reach and has reached: permissions and their "
        "real grant state, app-op history, special accesses (accessibility, notification access, "
        "device admin, roles) — from a live phone over ADB, a snapshot, a bug report or an androidqf folder."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()

DEFAULT_REPORTS = Path("reports")


class ReportFormat(StrEnum):
    json = "json"


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        out.print(f"auditor {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what the core does (debug level).")] = False,
) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(name)s: %(message)s")


def _format_for(out_path: Path | None, fmt: ReportFormat | None) -> ReportFormat:
    if fmt is not None:
        return fmt
    if out_path is not None:
        suffix = out_path.suffix.lower().lstrip(".")
        if suffix in ReportFormat.__members__:
            return ReportFormat(suffix)
        raise _fail(f"cannot tell the report format from {out_path.name!r}; use --format json")
    return ReportFormat.json


@app.command()
def audit(
    path: Annotated[
        Path,
        typer.Argument(
            help="A snapshot directory (manifest.json + raw/), an Android bug report zip, or an androidqf folder.",
            show_default=False,
        ),
    ],
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the report ('-' for standard output). Default: reports/."),
    ] = None,
    fmt: Annotated[
        ReportFormat | None, typer.Option("--format", "-f", help="Report format (default: from --out's extension).")
    ] = None,
) -> None:
    """Audit a device's data: every app of every user, its permissions, grants, app-ops and special accesses."""
    from auditor.pipeline import audit_path
    from auditor.report.json_report import report_json
    from auditor.report.terminal import print_summary

    fmt = _format_for(out_path if out_path != Path("-") else None, fmt)
    report = audit_path(path)
    text = report_json(report)
    if out_path == Path("-"):
        sys.stdout.write(text)
        print_summary(report, err)
        return
    target = out_path or DEFAULT_REPORTS / f"{path.resolve().name or 'audit'}.{fmt.value}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print_summary(report, out, written_to=str(target))


@app.command()
def demo(
    apps: Annotated[int, typer.Option(help="How many apps the simulated device has.", min=30, max=20000)] = 60,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the report is written.")] = DEFAULT_REPORTS,
) -> None:
    """Audit the built-in simulated phone (a synthetic Android 14 device) and write a report into reports/."""
    from auditor.demo import run_demo
    from auditor.report.terminal import print_summary

    report, written = run_demo(out_dir, n_apps=apps)
    print_summary(report, out, written_to=str(written))


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Argument(help="Directory to write the synthetic snapshot into.")],
    apps: Annotated[int, typer.Option(help="How many apps the synthetic device has.", min=30, max=50000)] = 500,
    seed: Annotated[int, typer.Option(help="Random seed (the same seed gives the same bytes).")] = 0,
) -> None:
    """Write a synthetic device snapshot (for trying the tool, tests and benchmarks)."""
    from auditor.acquire.synthetic import write_synthetic

    write_synthetic(out_dir, apps, seed=seed)
    out.print(f"Synthetic snapshot with {apps} apps written to {out_dir}")


def main() -> None:
    """Entry point: runs the app and turns user-facing errors into one line and exit code 2."""
    try:
        app()
    except AuditorError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - last line of defence: one line, no traceback for users
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/red] {type(e).__name__}: {e} (set AUDITOR_DEBUG=1 for details)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(3)
