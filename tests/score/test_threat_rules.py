"""Known-threat findings: one per app and kind of threat, the evidence naming family, indicator, fact, list and
version, confidence by the strongest indicator, and the safety words before any fix."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.model import (
    AuditReport,
    Confidence,
    DeviceInfo,
    Finding,
    IndicatorKind,
    IndicatorMatch,
    Severity,
    SourceInfo,
    SpecialAccessKind,
    ThreatKind,
)
from auditor.score import find, safety
from auditor.score.device_rules import find_device
from auditor.score.threat_rules import kind_words
from tests.score.builders import app, special

LIST = ("Echap stalkerware-indicators", "a04c5c1958bf (2026-06-21)")
SHA1 = "31a6ececd97cf39bc4126b8745cd94a7c30bf81c"


def _m(kind: IndicatorKind, value: str, fact: str, threat: ThreatKind = ThreatKind.STALKERWARE) -> IndicatorMatch:
    family = {ThreatKind.STALKERWARE: "TheTruthSpy", ThreatKind.WATCHWARE: "FamiSafe", ThreatKind.SPYWARE: "Pred"}
    return IndicatorMatch(family[threat], threat, kind, value, fact, *LIST)


def _ioc(package: str, *matches: IndicatorMatch, **kw: Any) -> list[Finding]:
    found = find(replace(app(package, **kw), indicator_matches=matches))
    return [f for f in found if f.rule_id.startswith("AUD-IOC")]


def test_a_certificate_match_is_critical_high_confidence_and_leads_with_safety() -> None:
    (finding,) = _ioc(
        "com.example.calculator",
        _m(IndicatorKind.CERT_SHA1, SHA1, "stated by packages.json"),
        specials=(special(SpecialAccessKind.DEVICE_ADMIN, "com.example.calculator/.A"),),
    )
    assert (finding.rule_id, finding.severity, finding.confidence) == (
        "AUD-IOC-001",
        Severity.CRITICAL,
        Confidence.HIGH,
    )
    assert finding.evidence == (
        f"TheTruthSpy (stalkerware): signing certificate SHA-1 {SHA1} (stated by packages.json); "
        "list Echap stalkerware-indicators a04c5c1958bf (2026-06-21)",
    )
    assert finding.safety == safety.STALKERWARE
    assert "stopstalkerware.org" in finding.safety and "evidence" in finding.safety
    assert finding.remediation == (
        "When it is safe to do so, and only then: deactivate its device admin first (Settings › Security › Device "
        "admin apps), then adb shell pm uninstall --user 0 com.example.calculator (or Settings › Apps › "
        "com.example.calculator › Uninstall). Then change the passwords of your accounts from another device you "
        "trust: what the app already sent stays with whoever installed it."
    )
    assert not finding.remediation.lower().startswith("uninstall")


def test_a_package_name_alone_is_weaker_and_a_two_part_name_weakest() -> None:
    (named,) = _ioc("com.ispyoo.traceyou", _m(IndicatorKind.PACKAGE, "com.ispyoo.traceyou", "package name"))
    assert named.confidence is Confidence.MEDIUM
    assert named.evidence[1].startswith("Only the package name matched: weaker evidence than a certificate")
    assert len(named.evidence) == 2
    (generic,) = _ioc("com.fone", _m(IndicatorKind.PACKAGE, "com.fone", "package name"))
    assert generic.confidence is Confidence.LOW
    assert generic.evidence[2] == "com.fone: a short two-part name that other apps may well use."
    both = _ioc(
        "com.fone",
        _m(IndicatorKind.PACKAGE, "com.fone", "package name"),
        _m(IndicatorKind.APK_SHA256, "ab" * 32, "APK file hash"),
    )
    assert [(f.confidence, len(f.evidence)) for f in both] == [(Confidence.HIGH, 2)]


def test_watchware_is_high_and_worded_for_both_readings_and_a_list_naming_both_gives_both() -> None:
    (watch,) = _ioc(
        "org.findmykids.app",
        _m(IndicatorKind.PACKAGE, "org.findmykids.app", "package name", ThreatKind.WATCHWARE),
    )
    assert (watch.rule_id, watch.severity) == ("AUD-IOC-002", Severity.HIGH)
    assert watch.safety is not None and watch.safety.startswith(
        "This is a monitoring app. That is fine if you set it up yourself, for example on your child's phone. If "
        "you did not install it, someone may be watching this phone"
    )
    both = _ioc(
        "org.findmykids.app",
        _m(IndicatorKind.PACKAGE, "org.findmykids.app", "package name", ThreatKind.STALKERWARE),
        _m(IndicatorKind.PACKAGE, "org.findmykids.app", "package name", ThreatKind.WATCHWARE),
    )
    assert [f.rule_id for f in both] == ["AUD-IOC-001", "AUD-IOC-002"]


def test_system_apps_are_matched_too() -> None:
    (spy,) = _ioc("com.vendor.preinstalled", _m(IndicatorKind.PACKAGE, "com.vendor.preinstalled", "package name",
                                               ThreatKind.SPYWARE), system=True)  # fmt: skip
    assert (spy.rule_id, spy.severity, spy.safety) == ("AUD-IOC-003", Severity.CRITICAL, safety.SPYWARE)


def test_traces_on_the_phone_are_a_device_finding() -> None:
    report = AuditReport(
        "1.2",
        "t",
        SourceInfo("snapshot", "x"),
        DeviceInfo(),
        (),
        (),
        device_matches=(_m(IndicatorKind.PROCESS, "predd", "running process predd", ThreatKind.SPYWARE),),
    )
    (finding,) = find_device(report)
    assert (finding.rule_id, finding.severity, finding.confidence) == (
        "AUD-IOC-004",
        Severity.CRITICAL,
        Confidence.MEDIUM,
    )
    assert finding.evidence == (
        "Pred (spyware): process name predd (running process predd); list Echap stalkerware-indicators "
        "a04c5c1958bf (2026-06-21)",
    )


def test_every_indicator_kind_has_words() -> None:
    assert {kind: kind_words(kind) for kind in IndicatorKind} == {
        IndicatorKind.PACKAGE: "package name",
        IndicatorKind.CERT_SHA1: "signing certificate SHA-1",
        IndicatorKind.CERT_SHA256: "signing certificate SHA-256",
        IndicatorKind.CERT_MD5: "signing certificate MD5",
        IndicatorKind.APK_SHA256: "APK SHA-256",
        IndicatorKind.PROPERTY: "system property",
        IndicatorKind.PROCESS: "process name",
        IndicatorKind.DOMAIN: "domain",
        IndicatorKind.URL: "URL",
        IndicatorKind.IP: "IP address",
    }
