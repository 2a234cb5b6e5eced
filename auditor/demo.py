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
from auditor.report.formats import ReportFormat, write_report
from auditor.report.output import check_folder_target, ensure_folder
from auditor.simulator.demo import collect_demo


def run_demo(out_dir: Path, *, n_apps: int = 60, observer: Observer | None = None) -> tuple[AuditReport, Path]:
    """Simulate, collect over ADB (APKs of third-party apps included), audit.

    Writes the snapshot, ``demo.html`` (for people) and ``demo.json`` (for programs) into ``out_dir``;
    returns the report and the HTML path.
    """
    ensure_folder(out_dir)
    snapshot, _ = generate(n_apps)
    snapshot_dir = out_dir / "demo-snapshot"
    if check_folder_target(snapshot_dir):  # a real folder (a link there is refused, never followed)
        import shutil

        shutil.rmtree(snapshot_dir)
    collect_demo(snapshot, snapshot_dir, observer=observer)
    report = audit_path(snapshot_dir)
    write_report(report, out_dir / "demo.json", ReportFormat.JSON)
    target = out_dir / "demo.html"
    write_report(report, target, ReportFormat.HTML)
    return report, target
