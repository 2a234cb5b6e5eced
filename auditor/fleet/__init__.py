"""Many reports: the fleet view, an organisation's policy, redaction, and what changed over time.

Public API:

* ``run_fleet(paths, html=…, policy=…, export_dir=…, jobs=…, redact=…)`` — review every device under
  ``paths`` (audit JSONs, snapshots, bug reports, androidqf acquisitions, or folders of them) and write
  the fleet page and the tidy exports; returns a ``FleetResult`` with the exit code to use;
* ``load_policy(path)`` / ``evaluate(policy, report, device)`` — the TOML policy and its violations;
* ``redact_report(report, key)`` / ``load_key(...)`` — reports that can be shared without naming anyone;
* ``diff_paths(old, new)`` / ``diff_reports`` / ``diff_apks`` — what changed on one device or in one app;
* ``read_report(path)`` — an audit JSON (plain or gzip) back as an ``AuditReport``.

Modules: ``inputs`` (what a PATH is), ``reader`` (audit JSON → model), ``aggregate`` (the streaming
accumulator), ``parallel`` (the worker pool), ``policy``, ``export`` (tidy tables), ``redact``,
``diff``, ``render`` (HTML, text, JSON), ``run`` (the review as one function).
"""

from __future__ import annotations

from auditor.fleet.diff import ApkDiff, Diff, ReportDiff, diff_apks, diff_paths, diff_reports
from auditor.fleet.errors import DiffError, FleetError, PolicyError
from auditor.fleet.export import TABLES, ExportFormat
from auditor.fleet.policy import Policy, PolicyRule, Violation, evaluate, load_policy, parse_policy
from auditor.fleet.reader import read_report
from auditor.fleet.redact import RedactKey, load_key, redact_report
from auditor.fleet.run import FleetResult, run_fleet

__all__ = [
    "TABLES",
    "ApkDiff",
    "Diff",
    "DiffError",
    "ExportFormat",
    "FleetError",
    "FleetResult",
    "Policy",
    "PolicyError",
    "PolicyRule",
    "RedactKey",
    "ReportDiff",
    "Violation",
    "diff_apks",
    "diff_paths",
    "diff_reports",
    "evaluate",
    "load_key",
    "load_policy",
    "parse_policy",
    "read_report",
    "redact_report",
    "run_fleet",
]
