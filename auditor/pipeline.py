"""The audit as one function: source → snapshot → parsed facts → audit report → exposure scores.

The CLI calls these and nothing else; every later stage (reports, fleet) starts from the
``AuditReport`` they return. A snapshot directory collected with ``--apks`` (an APK index in its
manifest, files in ``apks/``) gets its APK facts merged before scoring, so trackers, a hidden launcher
icon and shared signers count (``auditor.analyse.apk_merge``). Then every app gets its origin
(platform, preinstalled, installed: ``auditor.analyse.origin``), which the score and the findings read.
Indicator lists of known stalkerware, watchware and spyware are matched after the APK facts, so a
certificate from a pulled APK counts too (``auditor.iocs``), and before scoring, which turns matches
into findings.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.acquire.sources import open_source
from auditor.analyse.build import build_report
from auditor.analyse.origin import with_origins
from auditor.analyse.parsed import parse_snapshot
from auditor.iocs import Indicators, match_report
from auditor.model import AuditReport, Snapshot, SourceInfo
from auditor.progress import NullObserver, Observer
from auditor.score import Weights, score_report
from auditor.sections import DATE, DUMPSYS_PACKAGE, GETPROP
from auditor.snapshot import snapshot_digest

if TYPE_CHECKING:
    from auditor.acquire.agefile import AgeKey
    from auditor.apk import ApkCache

log = logging.getLogger(__name__)


def audit_snapshot(
    snapshot: Snapshot,
    *,
    observer: Observer | None = None,
    weights: Weights | None = None,
    apk_cache: ApkCache | None = None,
    merge_apks: bool = True,
    indicators: Indicators | None = None,
) -> AuditReport:
    """Audit an in-memory snapshot and score every app (with the bundled weights unless given).

    When the snapshot has an APK index and ``merge_apks``, each indexed app gets its base APK's
    facts: from ``apk_cache`` (default: the user's ``ApkCache()``) or by analysing the stored file in
    isolated workers, whose results fill the cache. ``indicators`` (default: the bundled list and the
    files of ``$AUDITOR_IOCS``) are matched against every app and the device.
    """
    observer = observer or NullObserver()
    manifest = snapshot.manifest
    observer.start("Parsing", total=len(manifest.commands))
    parsed = parse_snapshot(snapshot)
    observer.finish()
    epoch_s = parsed.one(DATE)
    device_time = datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="seconds") if epoch_s is not None else None
    source = SourceInfo(
        kind=manifest.source or "snapshot",
        path=snapshot.path,
        snapshot_sha256=snapshot_digest(manifest),
        collected_at=manifest.created_at or None,
        device_time=device_time,
        complete=manifest.complete,
    )
    report = build_report(parsed, source, fallback_device=manifest.device)
    if merge_apks and manifest.apks:
        # Imported here: APK analysis is needed only for snapshots that carry APKs.
        from auditor.analyse.apk_merge import merge_apks as merge
        from auditor.apk import ApkCache

        snapshot_dir = Path(snapshot.path)
        report = merge(
            report,
            manifest.apks,
            snapshot_dir if snapshot_dir.is_dir() else None,
            cache=apk_cache if apk_cache is not None else ApkCache(),
            observer=observer,
        )
    # After the APK facts: an analysed APK's signer can tell a platform-signed app.
    report = with_origins(report, parsed.one(DUMPSYS_PACKAGE))
    props = parsed.one(GETPROP)
    report = match_report(
        report, indicators or Indicators.load(), properties=props.values if props is not None else None
    )
    return score_report(report, weights)


def audit_path(
    path: Path,
    *,
    observer: Observer | None = None,
    weights: Weights | None = None,
    apk_cache: ApkCache | None = None,
    merge_apks: bool = True,
    key: AgeKey | None = None,
    indicators: Indicators | None = None,
) -> AuditReport:
    """Audit any source ``auditor.acquire.detect`` knows: a snapshot directory, a bug report (zip, folder or
    dumpstate text), an androidqf acquisition (folder, zip, or ``.zip.age`` decrypted with ``key``); see
    ``audit_snapshot``."""
    return audit_snapshot(
        open_source(path, key=key),
        observer=observer,
        weights=weights,
        apk_cache=apk_cache,
        merge_apks=merge_apks,
        indicators=indicators,
    )
