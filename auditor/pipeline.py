"""The audit as one function: source → snapshot → parsed facts → audit report → exposure scores.

The CLI calls these and nothing else; every later stage (reports, fleet) starts from the
``AuditReport`` they return.
"""

from __future__ import annotations

import logging
from pathlib import Path

from auditor.acquire.sources import open_source
from auditor.analyse.build import build_report
from auditor.analyse.sections import parse_snapshot
from auditor.model import AuditReport, Snapshot, SourceInfo
from auditor.progress import NullObserver, Observer
from auditor.score import Weights, score_report
from auditor.snapshot import snapshot_digest

log = logging.getLogger(__name__)


def audit_snapshot(
    snapshot: Snapshot, *, observer: Observer | None = None, weights: Weights | None = None
) -> AuditReport:
    """Audit an in-memory snapshot and score every app (with the bundled weights unless given)."""
    observer = observer or NullObserver()
    manifest = snapshot.manifest
    observer.start("Parsing", total=len(manifest.commands))
    parsed = parse_snapshot(snapshot)
    observer.finish()
    source = SourceInfo(
        kind=manifest.source or "snapshot",
        path=snapshot.path,
        snapshot_sha256=snapshot_digest(manifest),
        collected_at=manifest.created_at or None,
        complete=manifest.complete,
    )
    return score_report(build_report(parsed, source, fallback_device=manifest.device), weights)


def audit_path(path: Path, *, observer: Observer | None = None, weights: Weights | None = None) -> AuditReport:
    """Audit a snapshot directory, a bug report zip or an androidqf folder."""
    return audit_snapshot(open_source(path), observer=observer, weights=weights)
