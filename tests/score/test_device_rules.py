"""Device rules: findings about the phone itself, from ``AuditReport.device_state``."""

from __future__ import annotations

from dataclasses import replace

from auditor.model import AuditReport, Confidence, DeviceInfo, DeviceState, Severity, SourceInfo
from auditor.score import score_report
from auditor.score.device_rules import DEVICE_RULES, find_device
from auditor.score.rules import RULES
from auditor.score.rulesdoc import render

EMPTY = AuditReport(
    schema="1.1",
    tool_version="test",
    source=SourceInfo(kind="snapshot", path="x"),
    device=DeviceInfo(),
    users=(),
    apps=(),
)


def test_root_tools_found_is_a_high_device_finding() -> None:
    state = DeviceState(root_binaries=("/system/xbin/su", "/data/local/tmp/magisk"))
    (finding,) = find_device(replace(EMPTY, device_state=state))
    assert (finding.rule_id, finding.severity, finding.confidence) == ("AUD-ROOT-001", Severity.HIGH, Confidence.MEDIUM)
    assert finding.evidence == ("found /system/xbin/su", "found /data/local/tmp/magisk")
    assert finding.remediation.startswith("If you did not root this phone yourself")


def test_no_finding_when_none_found_or_not_checked() -> None:
    assert find_device(EMPTY) == ()
    assert find_device(replace(EMPTY, device_state=DeviceState(root_binaries=()))) == ()
    unchecked = DeviceState(root_binaries=None, root_unchecked=("/data/adb/magisk",))
    assert find_device(replace(EMPTY, device_state=unchecked)) == ()


def test_scoring_fills_device_findings_and_the_docs_list_device_rules() -> None:
    scored = score_report(replace(EMPTY, device_state=DeviceState(root_binaries=("/sbin/su",))))
    assert [f.rule_id for f in scored.device_findings] == ["AUD-ROOT-001"]
    assert not set(DEVICE_RULES) & set(RULES)
    assert "## AUD-ROOT-001 — Root tools on the phone" in render()
