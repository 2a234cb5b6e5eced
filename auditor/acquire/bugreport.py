"""An Android bug report as a snapshot: the zip ``adb bugreport`` writes, that zip unzipped, or the dumpstate.

``main_entry.txt`` names the dumpstate file (``bugreport-<device>-<build>-<date>.txt``); it holds every
``dumpsys`` service (``DUMP OF SERVICE <name>:``) and the commands dumpstate ran (``------ TITLE (cmd)
------``). The sections the auditor declares (``auditor.sections``: ``Offline.dumpsys``/``dumpstate``) are
cut out as the dumpstate is streamed (``auditor.acquire.dumpstate``: only those are kept in memory); every
other service, section and file of the report is named in a note, not read.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from auditor.acquire.containers import Container, top_level
from auditor.acquire.dumpstate import cut_lines, decoded_lines
from auditor.acquire.offline import (
    MAX_DUMPSTATE_BYTES,
    from_cut,
    in_plan_order,
    not_interpreted,
    now,
    record,
    refused_notes,
    wanted_services,
)
from auditor.model import Note, NoteLevel, Snapshot
from auditor.sections import SECTIONS
from auditor.snapshot import SnapshotError, new_manifest
from auditor.untrusted import Budget, open_regular

_LACKS = Note(
    "bugreport",
    NoteLevel.INFO,
    "a bug report holds the full package dump only: permissions requested but never granted may be missing",
)
_LEAVE_OUT = frozenset({"main_entry.txt"})


def _wanted_titles() -> list[str]:
    return [d.offline.dumpstate for d in SECTIONS if d.offline.dumpstate is not None]


def _snapshot(stream: BinaryIO, label: str, budget: Budget, origin: str, path: str, other_files: list[str]) -> Snapshot:
    lines = decoded_lines(stream, label, MAX_DUMPSTATE_BYTES)
    cut = cut_lines(lines, wanted_services(), _wanted_titles(), budget=budget)
    if not cut.service_names:
        raise SnapshotError(f"{path}: no 'DUMP OF SERVICE' sections; not a bug report")
    records, outputs, services = from_cut(cut, origin)
    used_titles: set[str] = set()
    for declared in SECTIONS:
        title = declared.offline.dumpstate
        body = cut.commands.get(title) if title is not None else None
        if title is not None and body is not None:
            used_titles.add(title)
            data = body.encode("utf-8")
            records.append(record(declared.name, f"{origin}: {title}", declared.section, data))
            outputs[declared.name] = data
    titles = [t for t in cut.titles if not any(t.startswith(u) for u in used_titles)]
    notes = [_LACKS, *refused_notes("bugreport", cut)]
    unread = not_interpreted(
        "bugreport", [("dumpsys services", services), ("dumpstate sections", titles), ("other files", other_files)]
    )
    if unread is not None:
        notes.append(unread)
    manifest = new_manifest(source="bugreport", created_at=now(), commands=in_plan_order(records), notes=notes)
    return Snapshot(manifest=manifest, outputs=outputs, path=path)


def read_bugreport_text(path: Path) -> Snapshot:
    """A lone dumpstate text (``bugreport-*.txt``), as a snapshot."""
    with open_regular(path) as stream:
        return _snapshot(stream, str(path), Budget(str(path)), f"dumpstate {path.name}", str(path), [])


def read_bugreport_container(container: Container, entry: str, path: str) -> Snapshot:
    """A bug report zip or folder whose dumpstate is ``entry`` (named by ``main_entry.txt``), as a snapshot."""
    others = top_level([n for n in container.names() if n != entry and n not in _LEAVE_OUT])
    with container.stream(entry) as stream:
        return _snapshot(stream, f"{container.label}: {entry}", container.budget, f"bugreport {entry}", path, others)
