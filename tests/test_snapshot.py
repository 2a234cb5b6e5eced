"""Snapshot directories: written incrementally, read back exactly, damage reported not hidden."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from auditor.model import CommandRecord, CommandStatus, DeviceInfo, NoteLevel, Section, Snapshot
from auditor.snapshot import (
    SnapshotError,
    manifest_to_json,
    new_manifest,
    read_snapshot_dir,
    record_for,
    snapshot_digest,
    write_snapshot_dir,
)


def _snapshot() -> Snapshot:
    getprop = b"[ro.product.model]: [Pixel 8]\n"
    base = CommandRecord("getprop", "getprop", Section.GETPROP, None, CommandStatus.OK, exit_code=0, seconds=0.01)
    denied = CommandRecord(
        "dumpsys_device_policy",
        "dumpsys device_policy",
        Section.DUMPSYS_DEVICE_POLICY,
        None,
        CommandStatus.DENIED,
        exit_code=255,
        error="Permission Denial",
    )
    manifest = new_manifest(
        source="adb-tcp",
        created_at="2026-11-26T10:00:00+00:00",
        commands=[record_for(base, getprop), record_for(denied, b"Permission Denial: can't dump\n")],
        device=DeviceInfo(model="Pixel 8", sdk=34),
        users=[0, 10],
        complete=False,
    )
    return Snapshot(
        manifest=manifest,
        outputs={"getprop": getprop, "dumpsys_device_policy": b"Permission Denial: can't dump\n"},
        path="mem",
    )


def test_round_trip(tmp_path: Path) -> None:
    snap = _snapshot()
    write_snapshot_dir(tmp_path, snap)
    back = read_snapshot_dir(tmp_path)
    assert back.manifest == snap.manifest
    assert dict(back.outputs) == dict(snap.outputs)
    assert (tmp_path / "raw" / "getprop.txt").read_bytes() == b"[ro.product.model]: [Pixel 8]\n"
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert data["commands"][0] == {
        "id": "getprop",
        "command": "getprop",
        "output": "raw/getprop.txt",
        "section": "getprop",
        "user": None,
        "status": "ok",
        "exit_code": 0,
        "bytes": 30,
        "sha256": hashlib.sha256(b"[ro.product.model]: [Pixel 8]\n").hexdigest(),
        "seconds": 0.01,
        "error": None,
    }
    assert snapshot_digest(back.manifest) == snapshot_digest(snap.manifest)


def test_altered_and_missing_outputs_become_notes(tmp_path: Path) -> None:
    write_snapshot_dir(tmp_path, _snapshot())
    (tmp_path / "raw" / "getprop.txt").write_bytes(b"[ro.product.model]: [Tampered]\n")
    (tmp_path / "raw" / "dumpsys_device_policy.txt").unlink()
    back = read_snapshot_dir(tmp_path)
    notes = {(n.section, n.level) for n in back.manifest.notes}
    assert ("getprop", NoteLevel.PARTIAL) in notes
    # The denied command's output is gone, but it was not OK anyway: no "missing file" note for it.
    assert all(n.section != "dumpsys_device_policy" for n in back.manifest.notes)
    assert "dumpsys_device_policy" not in back.outputs


def _manifest_text(**changes: object) -> str:
    """A valid manifest's JSON with some top-level fields replaced (``None`` removes one)."""
    data = json.loads(json.dumps(manifest_to_json(_snapshot().manifest)))
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data)


_GOOD_COMMAND = {"id": "a", "command": "getprop", "section": "getprop", "user": None, "status": "ok"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "unreadable"),
        ("[]", "not a JSON object"),
        ('{"schema": "9"}', "schema '9'"),
        (_manifest_text(commands={}), r"SnapshotManifest\.commands: expected a list"),
        (_manifest_text(tool_version=None), "SnapshotManifest: missing tool_version"),
        (_manifest_text(commands=[{**_GOOD_COMMAND, "id": "../evil"}]), "bad or duplicate id '../evil'"),
        (_manifest_text(commands=[_GOOD_COMMAND, _GOOD_COMMAND]), "bad or duplicate id 'a'"),
        (
            _manifest_text(commands=[{**_GOOD_COMMAND, "status": "weird"}]),
            r"commands\[0\]\.status: 'weird' is not a valid CommandStatus",
        ),
        (_manifest_text(device={"sdk": "34"}), r"SnapshotManifest\.device\.sdk: expected an integer"),
    ],
)
def test_bad_manifest_is_one_line_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "manifest.json").write_text(content)
    with pytest.raises(SnapshotError, match=message) as info:
        read_snapshot_dir(tmp_path)
    assert "\n" not in str(info.value)


def test_a_section_this_version_does_not_know_is_kept_unread(tmp_path: Path) -> None:
    data = json.loads(_manifest_text())
    data["commands"][0]["section"] = "dumpsys_future_service"
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "getprop.txt").write_bytes(b"[ro.product.model]: [Pixel 8]\n")
    back = read_snapshot_dir(tmp_path)
    assert back.manifest.commands[0].section is Section.OTHER
    assert back.outputs["getprop"] == b"[ro.product.model]: [Pixel 8]\n"
