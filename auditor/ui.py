"""What the person at the keyboard sees while the core works: a rich progress bar behind ``Observer``.

Only the CLI creates these; the core talks to an ``auditor.progress.Observer`` and never prints.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from auditor.acquire.adb.discover import Discovery


def print_devices(found: Discovery, out: Console) -> None:
    """``auditor devices``: the adb server asked, then a table of the devices found (or why there are none)."""
    if found.server is not None:
        out.print(f"Asked the adb server at {escape(str(found.server))}", highlight=False)
    if not found.devices:
        out.print("No device found.")
        for problem in found.problems:
            out.print(f"  • {escape(problem)}")
        out.print("Connect a phone with USB debugging on (Settings › Developer options), or use --tcp HOST:PORT.")
        return
    table = Table(show_edge=False)
    for col in ("serial", "state", "model", "android", "via", "note"):
        table.add_column(col)
    for h in found.devices:
        android = f"{h.android_release} (SDK {h.sdk})" if h.android_release else ""
        table.add_row(
            escape(h.serial),
            h.state.value,
            escape(h.model or ""),
            escape(android),
            h.kind.value,
            escape(h.detail or ""),
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
        self._task = self._progress.add_task(escape(task), total=total, detail="")

    def advance(self, step: int = 1, detail: str = "") -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=step, detail=escape(detail))

    def say(self, message: str) -> None:
        self._progress.console.print(f"[bold yellow]{escape(message)}[/bold yellow]")

    def finish(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
