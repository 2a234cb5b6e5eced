"""What device rules are made of: the registry and the decorator (``auditor.score.device_rules`` runs them).

App rules (``auditor.score.rules``) read one app; a device rule reads the report's device facts
(``DeviceState``: trusted computers, root tools, running processes, the phone's safety settings) and the
report's apps where a posture item is about them (a security app disabled), and returns hits the same
way, with a stable id, severity, confidence, rationale and the fix. The rules themselves are declared in
``auditor.score.posture_rules`` (the phone's own safety settings) and ``auditor.score.threat_rules``
(known threats on the phone rather than in one app).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from auditor.model import AuditReport, Confidence, Severity
from auditor.score.rulebase import Hit

DeviceCheck = Callable[[AuditReport], Iterable[Hit]]


@dataclass(frozen=True)
class DeviceRule:
    """A device rule's stable identity and documentation; ``check`` finds its hits in a report."""

    id: str
    title: str
    severity: Severity
    confidence: Confidence
    rationale: str
    remediation: str
    fires_when: str
    """The check function's docstring."""
    check: DeviceCheck
    safety: str | None = None
    """Read before any fix (the finding's ``safety``)."""
    posture: bool = True
    """One of the phone's own safety settings (the "phone settings" part of the device exposure); ``False``
    for a known-threat match on the phone."""


DEVICE_RULES: dict[str, DeviceRule] = {}
"""Every device rule by stable id, in documentation order."""


def device_rule(
    rule_id: str,
    *,
    title: str,
    severity: Severity,
    confidence: Confidence,
    rationale: str,
    remediation: str,
    safety: str | None = None,
    posture: bool = True,
) -> Callable[[DeviceCheck], DeviceCheck]:
    """Register a device check under a stable id (never reused); its docstring says when it fires."""

    def decorate(check: DeviceCheck) -> DeviceCheck:
        if rule_id in DEVICE_RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        DEVICE_RULES[rule_id] = DeviceRule(
            id=rule_id,
            title=title,
            severity=severity,
            confidence=confidence,
            rationale=rationale,
            remediation=remediation,
            fires_when=" ".join((inspect.getdoc(check) or "").split()),
            check=check,
            safety=safety,
            posture=posture,
        )
        return check

    return decorate
