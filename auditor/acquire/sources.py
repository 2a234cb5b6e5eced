"""Opening whatever PATH a user gives as a snapshot: the one place ``audit``, ``diff`` and ``fleet`` open inputs.

``auditor.acquire.detect`` decides what the path is; this module hands it to its reader: a snapshot
folder, a bug report (zip, folder or dumpstate text), an androidqf acquisition (folder, zip, or an
age-encrypted zip decrypted in memory with ``key``). An encrypted zip is judged again once decrypted, so
an encrypted bug report zip opens too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, assert_never

from auditor.acquire.androidqf import read_androidqf_container
from auditor.acquire.bugreport import read_bugreport_container, read_bugreport_text
from auditor.acquire.containers import Container, FolderContainer, ZipContainer
from auditor.acquire.detect import (
    Detected,
    Packing,
    SourceKind,
    UnknownSourceError,
    detect,
    judge_names,
    zip_root,
)
from auditor.model import Snapshot
from auditor.snapshot import SnapshotError, read_snapshot_dir

if TYPE_CHECKING:
    from auditor.acquire.agefile import AgeKey


def _read_zip(container: Container, found: Detected, path: str) -> Snapshot:
    if found.kind is SourceKind.ANDROIDQF:
        return read_androidqf_container(container, path)
    if found.kind is SourceKind.BUGREPORT and found.entry is not None:
        return read_bugreport_container(container, found.entry, path)
    raise UnknownSourceError(f"{path}: neither an androidqf acquisition nor a bug report")


def _decrypted(path: Path, key: AgeKey | None) -> Snapshot:
    from auditor.acquire.agefile import decrypt

    data = decrypt(path, key)
    label = f"{path} (decrypted)"
    with ZipContainer.open(data, label) as probe:
        root = zip_root(probe.names())
    with ZipContainer.open(data, label, root) as container:
        inner = container.names()
        main_entry = None
        if "main_entry.txt" in inner:
            main_entry = container.read("main_entry.txt", 4096).decode("utf-8", "replace").strip()
        judged = judge_names(inner, main_entry, in_zip=True)
        if isinstance(judged, str):
            raise UnknownSourceError(
                f"{path}: decrypted, it is {'a zip that is ' if judged.startswith('neither') else ''}{judged}"
            )
        return _read_zip(container, judged, str(path))


def open_source(path: Path, *, key: AgeKey | None = None) -> Snapshot:
    """Read any supported source into a snapshot (``key``: the age identities for an encrypted acquisition)."""
    found = detect(path)
    match found.kind:
        case SourceKind.SNAPSHOT:
            return read_snapshot_dir(path)
        case SourceKind.AUDIT_JSON | SourceKind.APK:
            raise UnknownSourceError(
                f"{path}: {'an audit report' if found.kind is SourceKind.AUDIT_JSON else 'an APK'}, not a device "
                "capture (compare with 'auditor diff', review many with 'auditor fleet')"
            )
        case SourceKind.BUGREPORT | SourceKind.ANDROIDQF:
            pass
        case _:
            assert_never(found.kind)
    match found.packing:
        case Packing.FILE:
            return read_bugreport_text(path)
        case Packing.FOLDER:
            with FolderContainer(path) as folder:
                if found.kind is SourceKind.BUGREPORT and found.entry is not None:
                    return read_bugreport_container(folder, found.entry, str(path))
                return read_androidqf_container(folder, str(path))
        case Packing.ZIP:
            with ZipContainer.open(path, str(path), found.root) as container:
                return _read_zip(container, found, str(path))
        case Packing.ENCRYPTED_ZIP:
            return _decrypted(path, key)
        case _:
            assert_never(found.packing)


def read_bugreport(path: Path) -> Snapshot:
    """A bug report (zip, unzipped folder, or dumpstate text) as a snapshot; ``SnapshotError`` for anything else."""
    found = detect(path)
    if found.kind is not SourceKind.BUGREPORT:
        raise SnapshotError(f"{path}: not a bug report (it is {found.kind.value})")
    return open_source(path)


def read_androidqf(path: Path, *, key: AgeKey | None = None) -> Snapshot:
    """An androidqf acquisition (folder, zip or encrypted zip) as a snapshot."""
    found = detect(path)
    if found.kind is not SourceKind.ANDROIDQF:
        raise SnapshotError(f"{path}: not an androidqf acquisition (it is {found.kind.value})")
    return open_source(path, key=key)
