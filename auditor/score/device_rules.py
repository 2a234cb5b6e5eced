"""Findings about the phone itself rather than one app: rules over ``AuditReport.device_state``.

App rules (``auditor.score.rules``) read one app; a device rule reads the report's device facts
(``DeviceState``: trusted computers, root tools, running processes, and the phone's safety settings as
they are added) and returns hits the same way, with a stable id, severity, confidence, rationale and the
fix. ``find_device`` runs them all; ``docs/rules.md`` documents them after the app rules. A device rule
is one decorated function here, so a posture rule (USB debugging on, Play Protect off, an unlocked
bootloader …) is added the same way as this first one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from auditor.model import AuditReport, Confidence, Finding, Severity
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


DEVICE_RULES: dict[str, DeviceRule] = {}
"""Every device rule by stable id, in documentation order."""


def device_rule(
    rule_id: str, *, title: str, severity: Severity, confidence: Confidence, rationale: str, remediation: str
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
        )
        return check

    return decorate


# --------------------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------------------

_ROOT_FIX: Final = (
    "If you did not root this phone yourself, someone else may control all of it: talk to a support service you "
    "trust before changing anything, and keep this report. To remove root, back up, then flash the maker's "
    "official firmware (a factory reset alone can keep a modified system); no adb command removes it."
)


@device_rule(
    "AUD-ROOT-001",
    title="Root tools on the phone",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    rationale="With root, an app can read every other app's data, hide itself and its files, and switch off "
    "Android's own protections: no permission this audit reads limits it, so a clean report means less. "
    "Medium confidence: the tools are there, that they work is not shown (BusyBox alone is common on custom ROMs).",
    remediation=_ROOT_FIX,
)
def _root(report: AuditReport) -> Iterable[Hit]:
    """The root check (the plan's ``ls -d`` over the usual paths, or androidqf's ``root_binaries.json``) found
    ``su``, Magisk, BusyBox or a superuser app."""
    state = report.device_state
    if state is None or not state.root_binaries:
        return []
    return [Hit(tuple(f"found {path}" for path in state.root_binaries), _ROOT_FIX)]


# --------------------------------------------------------------------------------------------------
# Running the rules
# --------------------------------------------------------------------------------------------------

_SEVERITY_ORDER: Final = {s: i for i, s in enumerate(Severity)}


def find_device(report: AuditReport) -> tuple[Finding, ...]:
    """Every device rule hit on ``report``, most severe first (then by rule id)."""
    findings = [
        Finding(
            rule_id=r.id,
            title=r.title,
            severity=r.severity,
            confidence=r.confidence,
            rationale=r.rationale,
            evidence=hit.evidence,
            remediation=hit.remediation,
        )
        for r in DEVICE_RULES.values()
        for hit in r.check(report)
    ]
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], f.rule_id))
    return tuple(findings)
