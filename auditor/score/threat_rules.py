"""Known threats: an app (or the phone) matches an indicator list of stalkerware, watchware or spyware.

``auditor.iocs`` matches the lists and puts the matches on the report (``AppReport.indicator_matches``,
``AuditReport.device_matches``); these rules turn them into findings, one per app and kind of threat,
with every matching indicator as evidence (the family, the indicator and what it matched, the list and
its version). How sure a finding is follows the strongest indicator that matched:

* a signing certificate or an APK hash names one maker's build: high confidence;
* a package name alone can be reused by an unrelated app: medium, and low for a short two-part name
  (``com.fone``, ``com.guest``: names other apps may well use), which the evidence says in words.

Every such finding leads with the safety words of ``auditor.score.safety`` (the finding's ``safety``),
and its remediation starts with "When it is safe", never with "uninstall".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, assert_never

from auditor.model import (
    AuditReport,
    Confidence,
    IndicatorKind,
    IndicatorMatch,
    Severity,
    SpecialAccessKind,
    ThreatKind,
)
from auditor.score import safety
from auditor.score.devicebase import device_rule
from auditor.score.rulebase import Hit, RuleContext, rule, uninstall
from auditor.score.scope import AppliesTo


def kind_words(kind: IndicatorKind) -> str:
    """What an indicator is, in plain words."""
    match kind:
        case IndicatorKind.PACKAGE:
            return "package name"
        case IndicatorKind.CERT_SHA1:
            return "signing certificate SHA-1"
        case IndicatorKind.CERT_SHA256:
            return "signing certificate SHA-256"
        case IndicatorKind.CERT_MD5:
            return "signing certificate MD5"
        case IndicatorKind.APK_SHA256:
            return "APK SHA-256"
        case IndicatorKind.PROPERTY:
            return "system property"
        case IndicatorKind.PROCESS:
            return "process name"
        case IndicatorKind.DOMAIN:
            return "domain"
        case IndicatorKind.URL:
            return "URL"
        case IndicatorKind.IP:
            return "IP address"
        case _:
            assert_never(kind)


def generic_name(package: str) -> bool:
    """A short two-part package name (``com.fone``): other apps may use it too, so it alone is weak evidence."""
    return package.count(".") == 1


_SELF_EVIDENT: Final = frozenset({"package name", "APK file hash"})


def match_line(match: IndicatorMatch) -> str:
    """One evidence line: family and kind, the indicator and what it matched, the list and its version."""
    value = match.value if len(match.value) <= 80 else match.value[:77] + "…"
    # "package name com.x" and "APK SHA-256 ab…" say where they were found already; the others name their source.
    where = "" if match.fact in _SELF_EVIDENT else f" ({match.fact})"
    listed = f"list {match.list_name} {match.list_version}"
    return f"{match.family} ({match.threat.value}): {kind_words(match.kind)} {value}{where}; {listed}"


def confidence_of(matches: Sequence[IndicatorMatch]) -> Confidence:
    """High with a certificate or APK hash; else medium, or low when every name that matched is a generic one."""
    if any(m.strong for m in matches):
        return Confidence.HIGH
    names = [m.value for m in matches if m.kind is IndicatorKind.PACKAGE]
    if names and all(generic_name(n) for n in names):
        return Confidence.LOW
    return Confidence.MEDIUM


def _weak_words(matches: Sequence[IndicatorMatch]) -> list[str]:
    if any(m.strong for m in matches):
        return []
    generic = sorted({m.value for m in matches if m.kind is IndicatorKind.PACKAGE and generic_name(m.value)})
    words = [
        "Only the package name matched: weaker evidence than a certificate or an APK hash, since an unrelated app "
        "can use the same name. Check the app's signer (audit with --apks) before drawing conclusions."
    ]
    if generic:
        words.append(f"{', '.join(generic)}: a short two-part name that other apps may well use.")
    return words


def _fix(ctx: RuleContext, threat: ThreatKind) -> str:
    admin = (
        " deactivate its device admin first (Settings › Security › Device admin apps), then"
        if ctx.specials(SpecialAccessKind.DEVICE_ADMIN, SpecialAccessKind.DEVICE_OWNER)
        else ""
    )
    remove = f"{uninstall(ctx)} (or Settings › Apps › {ctx.label} › Uninstall)"
    match threat:
        case ThreatKind.STALKERWARE:
            after = (
                " Then change the passwords of your accounts from another device you trust: what the app already "
                "sent stays with whoever installed it."
            )
        case ThreatKind.WATCHWARE:
            after = " If you installed it yourself and want it, keep it and check who can see what it collects."
        case ThreatKind.SPYWARE:
            after = " An expert may first want an image of the phone as it is: ask before removing anything."
        case _:
            assert_never(threat)
    return f"{safety.WHEN_SAFE}{admin} {remove}.{after}"


def _hits(ctx: RuleContext, threat: ThreatKind) -> list[Hit]:
    matches = [m for m in ctx.app.indicator_matches if m.threat is threat]
    if not matches:
        return []
    evidence = tuple(match_line(m) for m in matches) + tuple(_weak_words(matches))
    return [Hit(evidence, _fix(ctx, threat), confidence_of(matches))]


_APPLIES: Final = AppliesTo.ALL  # preinstalled stalkerware exists: system apps are matched too


@rule(
    "AUD-IOC-001",
    title="Known stalkerware",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    applies_to=_APPLIES,
    rationale="An indicator list of stalkerware names this app: software sold to watch someone's phone in secret "
    "(messages, location, calls, photos). A certificate or APK-hash match is strong evidence; a package name "
    "alone is weaker.",
    remediation=f"{safety.WHEN_SAFE} deactivate its device admin if it has one, then adb shell pm uninstall --user "
    "<user> <package> (or Settings › Apps › the app › Uninstall); then change account passwords from another device.",
    safety=safety.STALKERWARE,
)
def _stalkerware(ctx: RuleContext) -> Iterable[Hit]:
    """The app's package name, signing certificate or APK hash is on a list as stalkerware. Confidence is high
    for a certificate or APK hash, medium for a package name alone, low when that name is a two-part one
    (``com.fone``)."""
    return _hits(ctx, ThreatKind.STALKERWARE)


@rule(
    "AUD-IOC-002",
    title="Known monitoring app (watchware)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    applies_to=_APPLIES,
    rationale="A list of watchware names this app: a parental-control or remote-monitoring app that is also used "
    "to watch a partner. Fine if you set it up for your child's phone; if you did not install it, someone may be "
    "watching this phone.",
    remediation=f"{safety.WHEN_SAFE} if you did not install it, deactivate its device admin if it has one, then adb "
    "shell pm uninstall --user <user> <package> (or Settings › Apps › the app › Uninstall).",
    safety=safety.WATCHWARE,
)
def _watchware(ctx: RuleContext) -> Iterable[Hit]:
    """The app's package name, signing certificate or APK hash is on a list as watchware (confidence as for
    AUD-IOC-001)."""
    return _hits(ctx, ThreatKind.WATCHWARE)


@rule(
    "AUD-IOC-003",
    title="Known spyware",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    applies_to=_APPLIES,
    rationale="An indicator list given with --iocs (such as Amnesty's or MVT's STIX2 bundles) names this app as "
    "spyware or malware.",
    remediation=f"{safety.WHEN_SAFE} keep the phone as it is and ask an expert; they may want an image of the phone "
    "before adb shell pm uninstall --user <user> <package>.",
    safety=safety.SPYWARE,
)
def _spyware(ctx: RuleContext) -> Iterable[Hit]:
    """The app matches an indicator of a family a list names neither stalkerware nor watchware (confidence as
    for AUD-IOC-001)."""
    return _hits(ctx, ThreatKind.SPYWARE)


@device_rule(
    "AUD-IOC-004",
    title="Traces of a known threat on the phone",
    severity=Severity.CRITICAL,
    confidence=Confidence.MEDIUM,
    rationale="A system property or a running process that an indicator list names was found on the phone, or a "
    "process runs under a listed package name that no package list of the phone shows (an app hidden from "
    "them). Medium confidence: a property or process name can be reused.",
    remediation=f"{safety.WHEN_SAFE} ask an expert to examine the phone; keep it as it is until then.",
    safety=safety.SPYWARE,
    posture=False,
)
def _device_traces(report: AuditReport) -> Iterable[Hit]:
    """``device_matches`` is not empty: a listed system property exists, a listed process runs, or a process runs
    under a listed package name."""
    matches = report.device_matches
    if not matches:
        return []
    words = {m.threat for m in matches}
    safety_hint = "" if words == {ThreatKind.SPYWARE} else " (stalkerware or watchware: read the safety note first)"
    fix = f"{safety.WHEN_SAFE} ask an expert to examine the phone; keep it as it is until then{safety_hint}."
    return [Hit(tuple(match_line(m) for m in matches), fix, confidence_of(matches))]


THREAT_RULES: Final[dict[str, ThreatKind]] = {
    "AUD-IOC-001": ThreatKind.STALKERWARE,
    "AUD-IOC-002": ThreatKind.WATCHWARE,
    "AUD-IOC-003": ThreatKind.SPYWARE,
    "AUD-IOC-004": ThreatKind.SPYWARE,
}
"""The known-threat rules and the kind of threat each stands for (the device's known-threats part reads it)."""
