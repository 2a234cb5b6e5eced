"""An androidqf acquisition as a snapshot: a folder, its zip, or (decrypted in memory) its ``.zip.age``.

androidqf (mvt-project/androidqf) writes one file per module: ``dumpsys.txt`` (every ``dumpsys``
service), ``getprop.txt``, ``settings_{secure,global,system}.txt``, ``packages.json``, ``ps.txt`` (now
``processes.txt``), ``root_binaries.json`` and more. Each file a section declares
(``auditor.sections``: ``Offline.androidqf``) becomes that section's output, read verbatim;
``dumpsys.txt`` is cut into services like a bug report. An acquisition that holds only some files opens,
and the analysis says what is missing; every file and service the auditor does not read is named in a
note.

androidqf lists packages and reads settings for user 0 only (``pm list packages`` and ``settings`` default
to it): apps of other users and profiles come from the package dump, their settings-based special accesses
are unknown, and that is said.
"""

from __future__ import annotations

from auditor.acquire.containers import Container, top_level
from auditor.acquire.dumpstate import cut_lines, decoded_lines
from auditor.acquire.offline import (
    MAX_DUMPSTATE_BYTES,
    MAX_FILE_BYTES,
    from_cut,
    in_plan_order,
    not_interpreted,
    now,
    record,
    refused_notes,
    wanted_services,
)
from auditor.errors import AuditorError
from auditor.model import CommandRecord, Note, NoteLevel, Snapshot
from auditor.sections import SECTIONS, Scope
from auditor.snapshot import new_manifest

_USER_0_ONLY = Note(
    "androidqf",
    NoteLevel.INFO,
    "androidqf lists packages and reads settings for user 0 only: apps of other users and profiles come from the "
    "package dump, and their settings-based special accesses (input methods, VPN) are unknown",
)
_SETTINGS_USER_0 = Note(
    "androidqf",
    NoteLevel.INFO,
    "androidqf reads settings for user 0 only: settings-based special accesses (input methods, VPN) of other "
    "users and profiles are unknown",
)
# Files androidqf writes about the acquisition itself, not the phone.
_ABOUT_THE_ACQUISITION = frozenset({"acquisition.json", "hashes.csv", "command.log"})


def read_androidqf_container(container: Container, path: str) -> Snapshot:
    """Every declared section an androidqf acquisition holds, with notes on what it lacks and what is not read."""
    names = set(container.names())
    records: list[CommandRecord] = []
    outputs: dict[str, bytes] = {}
    used: set[str] = set()
    services: list[str] = []
    refused: list[Note] = []
    if "dumpsys.txt" in names:
        used.add("dumpsys.txt")
        label = f"{container.label}: dumpsys.txt"
        with container.stream("dumpsys.txt") as stream:
            lines = decoded_lines(stream, label, MAX_DUMPSTATE_BYTES)
            cut = cut_lines(lines, wanted_services(), budget=container.budget)
        records, outputs, services = from_cut(cut, "androidqf dumpsys.txt")
        refused += refused_notes("androidqf", cut)
    for declared in SECTIONS:
        name = next((n for n in declared.offline.androidqf if n in names), None)
        if name is None:
            continue
        used.add(name)
        try:
            data = container.read(name, MAX_FILE_BYTES)
        except AuditorError as e:
            # One refused file (a FIFO, a link out of the folder, too big) leaves the rest of the acquisition.
            refused.append(Note(name, NoteLevel.PARTIAL, str(e)))
            continue
        user = 0 if declared.scope is Scope.USER else None
        cid = declared.command_id(user)
        records.append(record(cid, f"androidqf {name}", declared.section, data, user))
        outputs[cid] = data
    # Newer androidqf lists packages per user (each entry says its user_id); older ones list user 0 only.
    per_user = any(outputs.get(cid, b"").find(b'"user_id"') != -1 for cid in ("androidqf_packages",))
    notes = [_SETTINGS_USER_0 if per_user else _USER_0_ONLY, *refused]
    if "dumpsys.txt" not in names:
        notes.append(Note("dumpsys.txt", NoteLevel.MISSING, "not in this acquisition: no dumpsys service was read"))
    unread = not_interpreted(
        "androidqf",
        [
            ("dumpsys services", services),
            ("files", top_level([n for n in names - used if n not in _ABOUT_THE_ACQUISITION])),
        ],
    )
    if unread is not None:
        notes.append(unread)
    manifest = new_manifest(source="androidqf", created_at=now(), commands=in_plan_order(records), notes=notes)
    return Snapshot(manifest=manifest, outputs=outputs, path=path)
