"""``auditor demo``: the whole product on the built-in simulated phone.

A synthetic Android 14 device is served by the project's ADB device simulator on a free loopback
port; the collector reaches it over the real ADB protocol exactly as it reaches a phone, writes a
snapshot, and the audit runs on that snapshot. Nothing here takes a shortcut around the protocol.
"""

from __future__ import annotations

from pathlib import Path

from auditor.acquire.synthetic import generate
from auditor.model import AuditReport
from auditor.pipeline import audit_path
from auditor.progress import Observer
from auditor.report.json_report import write_report_json
from auditor.simulator.demo import collect_demo


def run_demo(out_dir: Path, *, n_apps: int = 60, observer: Observer | None = None) -> tuple[AuditReport, Path]:
    """Simulate, collect over ADB, audit; write the snapshot and ``demo.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    snapshot, _ = generate(n_apps)
    snapshot_dir = out_dir / "demo-snapshot"
    if snapshot_dir.exists():
        import shutil

        shutil.rmtree(snapshot_dir)
    collect_demo(snapshot, snapshot_dir, observer=observer)
    report = audit_path(snapshot_dir)
    target = out_dir / "demo.json"
    write_report_json(report, target)
    return report, target
