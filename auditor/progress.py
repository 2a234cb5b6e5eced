"""Progress reporting, injected: the core never prints, the CLI supplies a rich observer.

The default ``NullObserver`` does nothing, so library use and tests stay quiet.
"""

from __future__ import annotations

from typing import Protocol


class Observer(Protocol):
    """Receives progress from long-running core work (collection, APK analysis, fleet audits)."""

    def start(self, task: str, total: int | None = None) -> None:
        """A new task begins; ``total`` steps when known."""

    def advance(self, step: int = 1, detail: str = "") -> None:
        """``step`` more steps are done; ``detail`` names the current item (a command id, an APK)."""

    def say(self, message: str) -> None:
        """Something the person at the keyboard must read now (e.g. "Unlock the phone and allow…")."""

    def finish(self) -> None:
        """The current task is over."""


class NullObserver:
    """An observer that ignores everything."""

    def start(self, task: str, total: int | None = None) -> None:
        pass

    def advance(self, step: int = 1, detail: str = "") -> None:
        pass

    def say(self, message: str) -> None:
        pass

    def finish(self) -> None:
        pass
