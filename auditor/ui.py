"""What the person at the keyboard sees while the core works: a rich progress bar behind ``Observer``, and the
consoles it is printed on.

Only the CLI creates these; the core talks to an ``auditor.progress.Observer`` and never prints. Every
untrusted value printed here goes through ``auditor.sanitise.shown``, and the consoles themselves
neutralise any control character left (``TerminalConsole``).
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from auditor.sanitise import neutralised, shown

if TYPE_CHECKING:
    from rich.text import Text

    from auditor.acquire.adb.discover import Discovery
    from auditor.fleet.run import FleetResult


class TerminalConsole(Console):
    """A rich console that cannot be made to emit a control sequence it did not style itself.

    Why at the console: messages are many and new ones are added; each is meant to pass its untrusted
    parts through ``shown``, but one that forgets must still not let a phone's model retitle the
    terminal. Every string the console renders (``print``'s arguments, table cells and headers, with
    or without markup) passes through ``neutralised`` first, so only rich's own styles reach the
    terminal. Progress bars render their text without this hook: ``RichObserver`` escapes it itself.
    """

    def render_str(self, text: str, **options: Any) -> Text:
        """Rich's ``render_str`` on the text with its hidden characters (newline aside) escaped."""
        return super().render_str(neutralised(text), **options)


class LogFormatter(logging.Formatter):
    """Log lines on the terminal, neutralised like the consoles' text: a log message quotes what a phone or a
    file said (``--verbose`` logs command output and parse failures)."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record with its hidden characters (newline aside) escaped."""
        return neutralised(super().format(record))


def print_devices(found: Discovery, out: Console) -> None:
    """``auditor devices``: the adb server asked, then a table of the devices found (or why there are none)."""
    if found.server is not None:
        out.print(f"Asked the adb server at {shown(found.server)}", highlight=False)
    if not found.devices:
        out.print("No device found.")
        for problem in found.problems:
            out.print(f"  • {shown(problem)}")
        out.print("Connect a phone with USB debugging on (Settings › Developer options), or use --tcp HOST:PORT.")
        return
    table = Table(show_edge=False)
    for col in ("serial", "state", "model", "android", "via", "note"):
        table.add_column(col)
    for h in found.devices:
        android = f"{h.android_release} (SDK {h.sdk})" if h.android_release else ""
        table.add_row(
            shown(h.serial),
            h.state.value,
            shown(h.model or ""),
            shown(android),
            h.kind.value,
            shown(h.detail or ""),
        )
    out.print(table)


class RichObserver:
    """Progress bars on stderr; messages that need the person (unlock the phone …) printed plainly."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}", style="dim"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichObserver:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def start(self, task: str, total: int | None = None) -> None:
        self.finish()
        # Progress text is rendered from markup without the console's hook: escape it here ("Collecting
        # from <model>" names the phone, the detail an APK's package or an input's path).
        self._task = self._progress.add_task(shown(task), total=total, detail="")

    def advance(self, step: int = 1, detail: str = "") -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=step, detail=shown(detail))

    def say(self, message: str) -> None:
        self._progress.console.print(f"[bold yellow]{shown(message)}[/bold yellow]")

    def finish(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None


SKIPS_LISTED = 20
"""Skipped fleet inputs named on the terminal; the fleet page lists them all."""


def print_fleet_result(
    result: FleetResult, err: Console, summary: Console, *, with_policy: bool, redacted_ephemeral: bool
) -> None:
    """A fleet run's skips (on ``err``) and its one-line summary with the files written (on ``summary``)."""
    for skip in result.skips[:SKIPS_LISTED]:
        err.print(f"[yellow]skipped[/yellow] {shown(skip.path)}: {shown(skip.reason)}", highlight=False, soft_wrap=True)
    if len(result.skips) > SKIPS_LISTED:
        err.print(f"… and {len(result.skips) - SKIPS_LISTED} more skipped inputs (listed in the fleet page)")
    if redacted_ephemeral:
        err.print("note: no redaction key given; hashes are random for this run and link to no other run")
    line = f"{result.devices} devices reviewed, {len(result.skips)} inputs skipped"
    if with_policy:
        line += f", {result.violations} policy violations"
        if result.view.policy is not None:
            line += f" on {result.view.policy.devices_with_violations} devices"
    summary.print(line, highlight=False)
    for path in result.written:
        summary.print(f"  written: {shown(path)}", highlight=False)
