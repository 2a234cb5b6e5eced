"""Offline sources: an Android bug report and an androidqf acquisition folder, as snapshots.

A source only finds the raw text and hands it to the same parsers a live collection feeds: each
section found becomes a command record whose ``command`` says where in the source it was read.
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from auditor.acquire.dumpstate import command_section, split_services
from auditor.model import CommandRecord, CommandStatus, Note, NoteLevel, Section, Snapshot
from auditor.sections import SECTIONS, Scope
from auditor.snapshot import SnapshotError, new_manifest, sha256_hex

MAX_DUMPSTATE_BYTES = 1 << 30
"""A bug report's dumpstate is tens of MB; more than 1 GiB inflated is a zip bomb, not a report."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record(cid: str, where: str, section: Section, data: bytes, user: int | None = None) -> CommandRecord:
    return CommandRecord(
        id=cid,
        command=where,
        section=section,
        user=user,
        status=CommandStatus.OK,
        exit_code=0,
        bytes=len(data),
        sha256=sha256_hex(data),
    )


_ORDER = {d.section: i for i, d in enumerate(SECTIONS)}


def _in_plan_order(records: list[CommandRecord]) -> list[CommandRecord]:
    """Records in the order a live collection would have them (sections as declared)."""
    return sorted(records, key=lambda r: _ORDER.get(r.section, len(_ORDER)))


def _from_dumpsys(text: str, origin: str) -> tuple[list[CommandRecord], dict[str, bytes]]:
    """Every declared section found as a ``DUMP OF SERVICE`` part of a dumpsys concatenation."""
    records: list[CommandRecord] = []
    outputs: dict[str, bytes] = {}
    services = split_services(text)
    for declared in SECTIONS:
        service = declared.offline.dumpsys
        body = services.get(service) if service is not None else None
        if body is None:
            continue
        if declared.offline.keep is not None:
            body = declared.offline.keep(body)
        data = body.encode("utf-8")
        cid = f"dumpsys_{service}"
        records.append(_record(cid, f"{origin}: DUMP OF SERVICE {service}", declared.section, data))
        outputs[cid] = data
    return records, outputs


# ------------------------------------------------------------------------------------------------
# Bug report
# ------------------------------------------------------------------------------------------------


def _read_bounded(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Read one entry, counting the bytes actually inflated (never the size the header claims)."""
    chunks: list[bytes] = []
    total = 0
    with zf.open(name) as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise SnapshotError(f"{name} inflates to more than {limit >> 20} MiB; refusing (zip bomb?)")
            chunks.append(chunk)
    return b"".join(chunks)


def _dumpstate_from_zip(path: Path) -> tuple[str, bytes]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            entry: str | None = None
            if "main_entry.txt" in names:
                entry = _read_bounded(zf, "main_entry.txt", 4096).decode("utf-8", "replace").strip()
                if entry not in names:
                    raise SnapshotError(f"{path}: main_entry.txt names {entry!r}, which is not in the zip")
            else:
                candidates = [n for n in names if n.startswith(("bugreport", "dumpstate")) and n.endswith(".txt")]
                if not candidates:
                    raise SnapshotError(f"{path}: not a bug report (no main_entry.txt, no bugreport-*.txt)")
                entry = max(candidates, key=lambda n: zf.getinfo(n).file_size)
            return entry, _read_bounded(zf, entry, MAX_DUMPSTATE_BYTES)
    except zipfile.BadZipFile as e:
        raise SnapshotError(f"{path}: not a readable zip ({e})") from e
    except OSError as e:
        raise SnapshotError(f"{path}: cannot read ({e})") from e


def read_bugreport(path: Path) -> Snapshot:
    """A bug report zip (what ``adb bugreport`` writes) or its dumpstate text, as a snapshot."""
    if zipfile.is_zipfile(path):
        entry, blob = _dumpstate_from_zip(path)
        origin = f"bugreport {entry}"
    else:
        try:
            blob = path.read_bytes()
        except OSError as e:
            raise SnapshotError(f"{path}: cannot read ({e})") from e
        origin = f"dumpstate {path.name}"
    from auditor.parse.text import decode_output

    text = decode_output(blob).text
    if "DUMP OF SERVICE" not in text:
        raise SnapshotError(f"{path}: no 'DUMP OF SERVICE' sections; not a bug report")
    records, outputs = _from_dumpsys(text, origin)
    for declared in SECTIONS:
        title = declared.offline.dumpstate
        body = command_section(text, title) if title is not None else None
        if title is not None and body is not None:
            data = body.encode("utf-8")
            records.append(_record(declared.name, f"{origin}: {title}", declared.section, data))
            outputs[declared.name] = data
    notes = [
        Note(
            "bugreport",
            NoteLevel.INFO,
            "a bug report holds the full package dump only: permissions requested but never granted may be missing",
        )
    ]
    manifest = new_manifest(source="bugreport", created_at=_now(), commands=_in_plan_order(records), notes=notes)
    return Snapshot(manifest=manifest, outputs=outputs, path=str(path))


# ------------------------------------------------------------------------------------------------
# androidqf
# ------------------------------------------------------------------------------------------------


def is_androidqf_dir(path: Path) -> bool:
    return path.is_dir() and (path / "dumpsys.txt").is_file() and (path / "getprop.txt").is_file()


def _packages_json_as_list(data: object) -> str:
    """androidqf's packages.json as ``pm list packages -f -i -U`` lines (the facts it holds)."""
    lines: list[str] = []
    if not isinstance(data, list):
        return ""
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        files = item.get("files")
        path = ""
        if isinstance(files, list) and files and isinstance(files[0], dict):
            p = files[0].get("path")
            path = f"{p}=" if isinstance(p, str) and p else ""
        installer = item.get("installer") if isinstance(item.get("installer"), str) else "null"
        uid = item.get("uid")
        uid_part = f" uid:{uid}" if isinstance(uid, int) else ""
        lines.append(f"package:{path}{item['name']}  installer={installer}{uid_part}")
    return "\n".join(lines) + ("\n" if lines else "")


def read_androidqf(path: Path) -> Snapshot:
    """An androidqf acquisition folder (dumpsys.txt, packages.json, getprop.txt, settings_*.txt)."""
    from auditor.parse.text import decode_output

    try:
        dumpsys = decode_output((path / "dumpsys.txt").read_bytes()).text
    except OSError as e:
        raise SnapshotError(f"{path}: cannot read dumpsys.txt ({e})") from e
    records, outputs = _from_dumpsys(dumpsys, "androidqf dumpsys.txt")
    notes: list[Note] = []
    for declared in SECTIONS:
        name = declared.offline.androidqf
        file = path / name if name is not None else None
        if file is None or not file.is_file():
            continue
        data = file.read_bytes()
        user = 0 if declared.scope is Scope.USER else None
        cid = declared.command_id(user)
        records.append(_record(cid, f"androidqf {file.name}", declared.section, data, user))
        outputs[cid] = data
    packages_file = path / "packages.json"
    if packages_file.is_file():
        try:
            listed = _packages_json_as_list(json.loads(packages_file.read_text("utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            notes.append(Note("packages.json", NoteLevel.MISSING, f"unreadable ({e})"))
        else:
            data = listed.encode("utf-8")
            records.append(_record("pm_list_packages.u0", "androidqf packages.json", Section.PM_LIST_PACKAGES, data, 0))
            outputs["pm_list_packages.u0"] = data
    manifest = new_manifest(source="androidqf", created_at=_now(), commands=_in_plan_order(records), notes=notes)
    return Snapshot(manifest=manifest, outputs=outputs, path=str(path))
