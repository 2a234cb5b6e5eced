"""An Android bug report as a snapshot: the zip ``adb bugreport`` writes, that zip unzipped, or the dumpstate.

``main_entry.txt`` names the dumpstate file (``bugreport-<device>-<build>-<date>.txt``); it holds every
``dumpsys`` service (``DUMP OF SERVICE <name>:``) and the commands dumpstate ran (``------ TITLE (cmd)
------``). The sections the auditor declares (``auditor.sections``: ``Offline.dumpsys``/``dumpstate``) are
cut out; every other service, section and file of the report is named in a note, not read.
"""

from __future__ import annotations

from pathlib import Path

from auditor.acquire.containers import Container, read_regular, top_level
from auditor.acquire.dumpstate import command_section, command_titles
from auditor.acquire.offline import MAX_DUMPSTATE_BYTES, from_dumpsys, in_plan_order, not_interpreted, now, record
from auditor.model import Note, NoteLevel, Snapshot
from auditor.parse.text import decode_output
from auditor.sections import SECTIONS
from auditor.snapshot import SnapshotError, new_manifest

_LACKS = Note(
    "bugreport",
    NoteLevel.INFO,
    "a bug report holds the full package dump only: permissions requested but never granted may be missing",
)
_LEAVE_OUT = frozenset({"main_entry.txt"})


def _snapshot(blob: bytes, origin: str, path: str, other_files: list[str]) -> Snapshot:
    text = decode_output(blob).text
    if "DUMP OF SERVICE" not in text:
        raise SnapshotError(f"{path}: no 'DUMP OF SERVICE' sections; not a bug report")
    records, outputs, services = from_dumpsys(text, origin)
    used_titles: set[str] = set()
    for declared in SECTIONS:
        title = declared.offline.dumpstate
        body = command_section(text, title) if title is not None else None
        if title is not None and body is not None:
            used_titles.add(title)
            data = body.encode("utf-8")
            records.append(record(declared.name, f"{origin}: {title}", declared.section, data))
            outputs[declared.name] = data
    titles = [t for t in command_titles(text) if not any(t.startswith(u) for u in used_titles)]
    notes = [_LACKS]
    unread = not_interpreted(
        "bugreport", [("dumpsys services", services), ("dumpstate sections", titles), ("other files", other_files)]
    )
    if unread is not None:
        notes.append(unread)
    manifest = new_manifest(source="bugreport", created_at=now(), commands=in_plan_order(records), notes=notes)
    return Snapshot(manifest=manifest, outputs=outputs, path=path)


def read_bugreport_text(path: Path) -> Snapshot:
    """A lone dumpstate text (``bugreport-*.txt``), as a snapshot."""
    return _snapshot(read_regular(path, MAX_DUMPSTATE_BYTES), f"dumpstate {path.name}", str(path), [])


def read_bugreport_container(container: Container, entry: str, path: str) -> Snapshot:
    """A bug report zip or folder whose dumpstate is ``entry`` (named by ``main_entry.txt``), as a snapshot."""
    blob = container.read(entry, MAX_DUMPSTATE_BYTES)
    others = top_level([n for n in container.names() if n != entry and n not in _LEAVE_OUT])
    return _snapshot(blob, f"bugreport {entry}", path, others)
