"""Snapshot directories on disk: ``manifest.json`` plus verbatim ``raw/<id>.txt`` outputs.

A snapshot is written incrementally: each command's output is written, then the manifest is
rewritten atomically, so a collection that dies part-way leaves a readable, partial snapshot that
``auditor collect --resume`` can complete. Reading never trusts the manifest blindly: a listed output
that is missing or whose SHA-256 differs becomes a note, not a crash.

With ``--apks`` the snapshot also holds ``apks/<sha256>.apk`` files and an index of every APK chosen
(``SnapshotManifest.apks``). The index's SHA-256 names the local file, so it is checked to be 64 hex
digits before anything uses it: a hand-edited manifest cannot make the audit read outside ``apks/``.
Manifests written before the index existed simply have none.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from auditor import __version__
from auditor.errors import AuditorError
from auditor.model import (
    SNAPSHOT_SCHEMA,
    ApkRef,
    ApkRefStatus,
    CommandRecord,
    CommandStatus,
    DeviceInfo,
    Note,
    NoteLevel,
    Section,
    Snapshot,
    SnapshotManifest,
)
from auditor.report.output import ensure_folder, write_bytes
from auditor.serial import Json, from_data, to_data
from auditor.untrusted import (
    MAX_DOCUMENT_BYTES,
    MAX_OUTPUT_BYTES,
    Budget,
    Folder,
    UnsafeInputError,
    parse_json,
)

MANIFEST = "manifest.json"
APK_DIR = "apks"
"""Where pulled APKs are stored, as ``<sha256>.apk``."""
_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
"""A lowercase hex SHA-256: the only shape an APK file name in ``apks/`` may take."""


class SnapshotError(AuditorError):
    """A snapshot cannot be read or written (the message is one line for the user)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshot_digest(manifest: SnapshotManifest) -> str:
    """One SHA-256 over every command's id and output digest: names the exact evidence of a report.

    The SHA-256s of indexed APKs are part of the evidence too (APK facts enter the report); a
    snapshot without APKs digests exactly as before the index existed.
    """
    h = hashlib.sha256()
    for cmd in sorted(manifest.commands, key=lambda c: c.id):
        h.update(f"{cmd.id}\0{cmd.sha256 or ''}\n".encode())
    for sha in sorted({a.sha256 for a in manifest.apks if a.sha256 is not None}):
        h.update(f"apk\0{sha}\n".encode())
    return h.hexdigest()


def apk_file(snapshot_dir: Path, sha256: str) -> Path:
    """Where a stored APK lies in a snapshot directory; refuses anything but a SHA-256 as its name."""
    if not SHA256_RE.fullmatch(sha256):
        raise SnapshotError(f"not a SHA-256: {sha256[:80]!r}")
    return snapshot_dir / APK_DIR / f"{sha256}.apk"


# ------------------------------------------------------------------------------------------------
# manifest.json <-> model
# ------------------------------------------------------------------------------------------------


def manifest_to_json(manifest: SnapshotManifest) -> dict[str, Json]:
    """The manifest as JSON-ready data: the model's own field names (``auditor.serial``), the documented contract."""
    data = to_data(manifest)
    assert isinstance(data, dict)
    return data


def manifest_from_json(data: object) -> SnapshotManifest:
    """Read a manifest, checking every field's type; raises SnapshotError naming the first problem.

    Decoding is the model's one codec (``auditor.serial``), so a field is spelled and checked the same as in
    the audit report. Two leniencies are on purpose: a section this version does not know is read as
    ``other`` (kept, not parsed), and a malformed APK index entry is dropped with a note rather than
    failing the whole snapshot (its SHA-256 would name a local file, so it is never trusted).
    """
    if not isinstance(data, dict):
        raise SnapshotError("manifest.json is not a JSON object")
    schema = data.get("schema")
    if schema != SNAPSHOT_SCHEMA:
        raise SnapshotError(f"manifest.json has schema {schema!r}; this version reads {SNAPSHOT_SCHEMA!r}")
    try:
        manifest = from_data(SnapshotManifest, {**data, "apks": []})
    except ValueError as e:
        raise SnapshotError(f"manifest.json: {e}") from None
    seen: set[str] = set()
    for i, cmd in enumerate(manifest.commands):
        if not _ID_RE.match(cmd.id) or cmd.id in seen:
            raise SnapshotError(f"manifest.json: command #{i} has a bad or duplicate id {cmd.id!r}")
        seen.add(cmd.id)
    apks, bad_apks = _apks_from_json(data.get("apks"))
    if not bad_apks:
        return replace(manifest, apks=apks)
    note = Note(
        APK_DIR, NoteLevel.PARTIAL, f"manifest.json: {bad_apks} APK index entries are malformed and were ignored"
    )
    return replace(manifest, apks=apks, notes=(*manifest.notes, note))


def _apks_from_json(raw: object) -> tuple[tuple[ApkRef, ...], int]:
    """The APK index (absent in older manifests: empty), and how many entries were unusable.

    An entry is dropped rather than trusted when it does not fit the model, or its SHA-256 is not 64
    lowercase hex digits (that value becomes a file name), or it claims to be stored without a SHA-256.
    """
    if not isinstance(raw, list):
        return (), 0
    refs: list[ApkRef] = []
    for entry in raw:
        try:
            ref = from_data(ApkRef, entry)
        except ValueError:
            continue
        if (ref.sha256 is None and ref.status is not ApkRefStatus.FAILED) or (
            ref.sha256 is not None and not SHA256_RE.fullmatch(ref.sha256)
        ):
            continue
        refs.append(ref)
    return tuple(refs), len(raw) - len(refs)


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------


def is_snapshot_dir(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def read_manifest(path: Path) -> SnapshotManifest:
    """A snapshot folder's ``manifest.json``, read as untrusted (a regular file inside the folder, capped,
    nesting bounded); ``SnapshotError`` naming the problem otherwise."""
    if not os.path.lexists(path / MANIFEST):
        raise SnapshotError(f"{path}: no manifest.json (not a snapshot directory)")
    try:
        raw = Folder(path).read(MANIFEST, MAX_DOCUMENT_BYTES)
        data = parse_json(raw, str(path / MANIFEST))
    except UnsafeInputError as e:
        raise SnapshotError(f"{path}: {e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SnapshotError(f"{path / MANIFEST}: unreadable ({e})") from e
    return manifest_from_json(data)


def read_snapshot_dir(path: Path) -> Snapshot:
    """Read a snapshot directory. Missing, refused or altered outputs become notes, never a crash.

    The folder is untrusted (``auditor.untrusted``): ``manifest.json`` and each ``raw/`` file must be
    regular files inside the folder, each output at most ``MAX_OUTPUT_BYTES`` and all of them together
    ``MAX_INPUT_BYTES``. An output that is refused (a FIFO, a device, a link out of the folder, too big)
    is left out with a note naming the file and why; the audit goes on with the rest.
    """
    folder = Folder(path)
    manifest = read_manifest(path)
    outputs: dict[str, bytes] = {}
    notes = list(manifest.notes)
    budget = Budget(str(path))
    for cmd in manifest.commands:
        if not (path / cmd.output).exists() and not (path / cmd.output).is_symlink():
            if cmd.status is CommandStatus.OK:
                notes.append(Note(cmd.id, NoteLevel.MISSING, f"output file {cmd.output} is missing"))
            continue
        try:
            blob = folder.read(cmd.output, MAX_OUTPUT_BYTES, budget)
        except UnsafeInputError as e:
            notes.append(Note(cmd.id, NoteLevel.PARTIAL, f"{e} (left out of the audit)"))
            continue
        if cmd.sha256 and sha256_hex(blob) != cmd.sha256:
            notes.append(
                Note(cmd.id, NoteLevel.PARTIAL, f"{cmd.output} differs from the SHA-256 recorded at collection")
            )
        outputs[cmd.id] = blob
    return Snapshot(manifest=replace(manifest, notes=tuple(notes)), outputs=outputs, path=str(path))


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def write_manifest(path: Path, manifest: SnapshotManifest) -> None:
    """Rewrite ``manifest.json`` atomically (a crash leaves the old or the new one, never half)."""
    text = json.dumps(manifest_to_json(manifest), indent=2, ensure_ascii=False) + "\n"
    write_bytes(path / MANIFEST, text.encode("utf-8"))


def write_output(path: Path, record_id: str, data: bytes) -> None:
    """Write one verbatim output to ``raw/<id>.txt`` (0600 in a 0700 ``raw/``: it may hold the serial,
    the Android ID, accounts)."""
    if not _ID_RE.match(record_id):
        raise SnapshotError(f"bad command id {record_id!r}")
    write_bytes(ensure_folder(path / "raw") / f"{record_id}.txt", data)


def record_for(
    base: CommandRecord, data: bytes, *, status: CommandStatus | None = None, **changes: object
) -> CommandRecord:
    """A record with the size and digest of ``data`` filled in."""
    return replace(
        base,
        status=status or base.status,
        bytes=len(data),
        sha256=sha256_hex(data),
        **changes,  # type: ignore[arg-type]
    )


def write_snapshot_dir(path: Path, snapshot: Snapshot) -> None:
    """Write a whole in-memory snapshot (used by offline sources and the synthetic device).

    ``path`` is created (0700) when its parent exists; see ``auditor.report.output`` for what is refused."""
    ensure_folder(path)
    for cmd in snapshot.manifest.commands:
        blob = snapshot.outputs.get(cmd.id)
        if blob is not None:
            write_output(path, cmd.id, blob)
    write_manifest(path, snapshot.manifest)


def new_manifest(
    *,
    source: str,
    created_at: str,
    commands: Iterable[CommandRecord] = (),
    device: DeviceInfo | None = None,
    users: Iterable[int] = (),
    complete: bool = True,
    notes: Iterable[Note] = (),
    apks: Iterable[ApkRef] = (),
) -> SnapshotManifest:
    return SnapshotManifest(
        schema=SNAPSHOT_SCHEMA,
        tool_version=__version__,
        created_at=created_at,
        source=source,
        device=device or DeviceInfo(),
        users=tuple(users),
        commands=tuple(commands),
        complete=complete,
        notes=tuple(notes),
        apks=tuple(apks),
    )


def outputs_by_section(snapshot: Snapshot) -> Mapping[Section, list[tuple[CommandRecord, bytes]]]:
    """Raw outputs grouped by what they are, in manifest order (only those with an output)."""
    grouped: dict[Section, list[tuple[CommandRecord, bytes]]] = {}
    for cmd in snapshot.manifest.commands:
        blob = snapshot.outputs.get(cmd.id)
        if blob is not None:
            grouped.setdefault(cmd.section, []).append((cmd, blob))
    return grouped
