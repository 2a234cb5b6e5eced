"""Opening whatever PATH a user gives: a snapshot directory, a bug report, or an androidqf folder."""

from __future__ import annotations

from pathlib import Path

from auditor.acquire.offline import is_androidqf_dir, read_androidqf, read_bugreport
from auditor.model import Snapshot
from auditor.snapshot import SnapshotError, is_snapshot_dir, read_snapshot_dir


def source_kind(path: Path) -> str:
    """``snapshot``, ``androidqf`` or ``bugreport``; raises SnapshotError for anything else."""
    if not path.exists():
        raise SnapshotError(f"{path}: no such file or directory")
    if path.is_dir():
        if is_snapshot_dir(path):
            return "snapshot"
        if is_androidqf_dir(path):
            return "androidqf"
        raise SnapshotError(
            f"{path}: not a snapshot (no manifest.json) nor an androidqf folder (no dumpsys.txt + getprop.txt)"
        )
    return "bugreport"


def open_source(path: Path) -> Snapshot:
    """Read any supported source into a snapshot."""
    kind = source_kind(path)
    if kind == "snapshot":
        return read_snapshot_dir(path)
    if kind == "androidqf":
        return read_androidqf(path)
    return read_bugreport(path)
