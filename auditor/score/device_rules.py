"""Findings about the phone itself rather than one app: every device rule, run over a report.

The rules are declared where they belong: the phone's own safety settings (USB debugging, Play Protect,
the bootloader, SELinux, root, the patch level, encryption …) in ``auditor.score.posture_rules``, and
known-threat traces on the phone (a system property or a running process a list names) in
``auditor.score.threat_rules``; both register with ``auditor.score.devicebase``. ``find_device`` runs
them all; ``docs/rules.md`` documents them after the app rules.
"""

from __future__ import annotations

from typing import Final

from auditor.model import AuditReport, Finding, Severity
from auditor.score import posture_rules as posture_rules
from auditor.score import threat_rules as threat_rules
from auditor.score.devicebase import DEVICE_RULES, DeviceRule, device_rule

__all__ = ["DEVICE_RULES", "DeviceRule", "device_rule", "find_device", "posture_rules", "threat_rules"]

_SEVERITY_ORDER: Final = {s: i for i, s in enumerate(Severity)}


def find_device(report: AuditReport) -> tuple[Finding, ...]:
    """Every device rule hit on ``report``, most severe first (then by rule id)."""
    findings = [
        Finding(
            rule_id=r.id,
            title=r.title,
            severity=r.severity,
            confidence=hit.confidence or r.confidence,
            rationale=r.rationale,
            evidence=hit.evidence,
            remediation=hit.remediation,
            safety=r.safety,
        )
        for r in DEVICE_RULES.values()
        for hit in r.check(report)
    ]
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], f.rule_id))
    return tuple(findings)
