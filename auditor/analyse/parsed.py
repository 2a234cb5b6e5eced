"""From a snapshot to parsed facts: each raw output goes to the parser its section declares.

Every parser call is isolated: a parser that fails on one output becomes a note and the audit goes
on without that section. A section the source did not have is a note too, saying what the report
cannot claim because of it (``auditor.sections``: ``missing``), so nothing is ever silently zero.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from auditor.acquire.plan import APK_HASH_ID
from auditor.model import CommandRecord, CommandStatus, Note, NoteLevel, Section, Snapshot
from auditor.parse.text import decode_output
from auditor.sections import BY_SECTION, SECTIONS, Declared, Scope

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class ParsedDevice:
    """Everything the parsers made of one snapshot, before it is assembled into the audit report.

    Results are kept by section; read them typed through the declarations: ``parsed.one(DUMPSYS_APPOPS)``
    (a device-wide section) or ``parsed.per_user(SETTINGS_SECURE)`` (user → result).
    """

    values: Mapping[Section, Mapping[int | None, Any]]
    """Section → user (``None`` for a device-wide section) → the parse result (several outputs merged)."""
    notes: tuple[Note, ...] = ()

    def one(self, declared: Declared[T]) -> T | None:
        """A device-wide section's result, or, when the source lacks it, its stand-in's."""
        found = self.values.get(declared.section, {}).get(None)
        if found is None:
            for other in SECTIONS:
                if other.stands_in_for is declared.section and other.section in self.values:
                    found = self.values[other.section].get(None)
                    break
        return cast("T | None", found)

    def per_user(self, declared: Declared[T]) -> Mapping[int, T]:
        """A per-user section's result for each user that has one."""
        return cast("Mapping[int, T]", self.values.get(declared.section, {}))


def _safe(notes: list[Note], cmd: CommandRecord, declared: Declared[T], text: str) -> T | None:
    """Run one parser; a crash becomes a note, never an aborted audit."""
    try:
        return declared.parse(text)
    except Exception as e:  # noqa: BLE001 - isolation boundary: one parser must not abort the audit
        log.debug("parser for %s failed", cmd.id, exc_info=True)
        notes.append(Note(cmd.id, NoteLevel.MISSING, f"could not be parsed ({type(e).__name__}: {e})"))
        return None


def parse_snapshot(snapshot: Snapshot) -> ParsedDevice:
    """Parse every output of a snapshot by section; record what was missing, failed or truncated."""
    notes = list(snapshot.manifest.notes)
    seen: set[Section] = set()
    uninterpreted: list[str] = []
    results: dict[Section, dict[int | None, list[Any]]] = {}

    for cmd in snapshot.manifest.commands:
        blob = snapshot.outputs.get(cmd.id)
        if cmd.status is not CommandStatus.OK:
            why = f": {cmd.error}" if cmd.error else ""
            level = NoteLevel.PARTIAL if blob else NoteLevel.MISSING
            notes.append(Note(cmd.id, level, f"command {cmd.status.value}{why}"))
        if blob is None:
            continue
        decoded = decode_output(blob)
        if decoded.replaced:
            notes.append(Note(cmd.id, NoteLevel.INFO, f"{decoded.replaced} undecodable bytes replaced (binary data)"))
        text = decoded.text
        if not text.strip():
            if cmd.status is CommandStatus.OK:
                notes.append(Note(cmd.id, NoteLevel.MISSING, "output is empty"))
            continue
        seen.add(cmd.section)
        declared = BY_SECTION.get(cmd.section)
        if declared is None:  # Section.OTHER: kept as evidence, read by no parser
            if not cmd.id.startswith(APK_HASH_ID):  # the APK index reads those, not a parser
                uninterpreted.append(cmd.id)
            continue
        result = _safe(notes, cmd, declared, text)
        if result is None:
            continue
        user = (cmd.user if cmd.user is not None else 0) if declared.scope is Scope.USER else None
        results.setdefault(cmd.section, {}).setdefault(user, []).append(result)
        if declared.cut is not None and getattr(result, "truncated", False):
            notes.append(Note(cmd.id, NoteLevel.PARTIAL, declared.cut))

    if uninterpreted:
        notes.append(
            Note(
                "snapshot",
                NoteLevel.INFO,
                f"{len(uninterpreted)} outputs this version does not interpret (kept as evidence, not looked at): "
                + ", ".join(uninterpreted),
            )
        )
    for declared in SECTIONS:
        main = declared.stands_in_for
        if main is not None and declared.section in results and main not in results:
            if declared.stand_in_note:
                notes.append(Note(declared.name, NoteLevel.PARTIAL, declared.stand_in_note))
            seen.add(main)
    notes.extend(
        Note(declared.name, NoteLevel.MISSING, f"not in this source: {declared.missing}")
        for declared in SECTIONS
        if declared.missing is not None and declared.section not in seen
    )
    values = {
        section: {user: _merge(BY_SECTION[section], parts) for user, parts in by_user.items()}
        for section, by_user in results.items()
    }
    return ParsedDevice(values=values, notes=tuple(notes))


def _merge(declared: Declared[T], parts: list[T]) -> T:
    """Several outputs of one section (and user) as one, as the section declares; else the last one."""
    return declared.merge(parts) if declared.merge is not None and len(parts) > 1 else parts[-1]
