"""Notes: statements about coverage — what was skipped, missing, truncated or not understood.

Every stage may add one; the report shows them all, so "not looked at" is never read as "nothing there".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoteLevel(StrEnum):
    """How much a note limits what the report can claim."""

    INFO = "info"
    """Worth knowing; nothing is missing because of it."""
    PARTIAL = "partial"
    """Some facts are missing or uncertain; the rest of the report stands."""
    MISSING = "missing"
    """A whole section is absent; the facts it would give are unknown, not zero."""


@dataclass(frozen=True, slots=True)
class Note:
    """A statement about coverage: what was skipped or incomplete, and why."""

    section: str
    """The raw section (snapshot entry id) or stage the note is about, e.g. ``dumpsys_appops``."""
    level: NoteLevel
    message: str
    """One plain sentence: what is missing and what follows for the report."""
