"""``auditor demo``: audit the built-in simulated phone and write a report.

The simulated device is the synthetic Android 14 snapshot (``auditor.acquire.synthetic``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from auditor.acquire.synthetic import write_synthetic
from auditor.model import AuditReport
from auditor.pipeline import audit_path
from auditor.report.json_report import write_report_json


def run_demo(out_dir: Path, *, n_apps: int = 60) -> tuple[AuditReport, Path]:
    """Generate the synthetic device, audit it, write ``demo.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="auditor-demo-") as tmp:
        snapshot_dir = Path(tmp) / "snapshot"
        write_synthetic(snapshot_dir, n_apps)
        report = audit_path(snapshot_dir)
    target = out_dir / "demo.json"
    write_report_json(report, target)
    return report, target
