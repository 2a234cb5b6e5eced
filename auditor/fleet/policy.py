"""Holding one audit report against a policy: one small check per kind of violation, in a registry.

Every ``PolicyRule`` (the stable id of a kind of violation: exports and scripts use it) has exactly
one check, declared with ``@app_check`` or ``@device_check`` together with its words for reports.
Adding a policy key is one ``PolicyRule`` member and one declared check, plus the key in the file
format (``auditor.fleet.policy_file``). A check yields ``Breach``es, a sentence and the facts that
show it; the engine turns them into ``Violation``s naming the device, the user and the app.

App checks declare the apps they apply to, as the finding rules do (``auditor.score.scope``):
permissions, special access, installers, trackers and app exposure are held against third-party
apps, because preinstalled apps are the maker's choice, not the employee's; blocked packages and
signers are checked on every app, because malware disguises itself as a system update. A policy's
``include_system_apps`` widens every check to every app.

A permission, a special access or a tracker is quoted in the findings' own words
(``auditor.score.evidence``), so a violation and the finding about the same fact show the same line.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from auditor.fleet.policy_file import (
    TRACKER_CATEGORIES,
    PermissionRule,
    Policy,
    SpecialAccessRule,
    full_permission,
    load_policy,
    parse_policy,
)
from auditor.model import AppPresence, AppReport, AuditReport, ScoreReason, SpecialAccessKind
from auditor.report.digest import capture_time, patch_age_days, usable
from auditor.score.evidence import (
    permission_evidence_text,
    role_short_name,
    special_evidence_text,
    tracker_evidence_text,
)
from auditor.score.scope import AppliesTo, app_origin, origins

__all__ = [
    "CHECKS",
    "TRACKER_CATEGORIES",
    "AppCheck",
    "Breach",
    "DeviceCheck",
    "PermissionRule",
    "Policy",
    "PolicyRule",
    "SpecialAccessRule",
    "Violation",
    "app_check",
    "device_check",
    "evaluate",
    "full_permission",
    "load_policy",
    "parse_policy",
    "rule_words",
]


class PolicyRule(StrEnum):
    """Which rule of the policy a violation breaks (stable ids: exports and scripts use them)."""

    DENIED_PERMISSION = "denied_permission"
    DENIED_SPECIAL_ACCESS = "denied_special_access"
    BLOCKED_APP = "blocked_app"
    BLOCKED_SIGNER = "blocked_signer"
    REQUIRED_INSTALLER = "required_installer"
    MAX_APP_EXPOSURE = "max_app_exposure"
    MAX_DEVICE_EXPOSURE = "max_device_exposure"
    MAX_PATCH_AGE = "max_patch_age"
    OLDEST_PATCH = "oldest_patch"
    MIN_SDK = "min_sdk"
    FORBIDDEN_TRACKER = "forbidden_tracker"
    KNOWN_THREAT = "known_threat"
    KNOWN_THREAT_TRACE = "known_threat_trace"
    USB_DEBUGGING = "usb_debugging"
    UNSAFE_SETTING = "unsafe_setting"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule on one device, with the facts from the audit report that show it."""

    rule: PolicyRule
    device: str
    """The device id (serial, its keyed hash when redacted, or the snapshot digest)."""
    user: int | None
    """The Android user of the app, for app rules."""
    app: str | None
    """The package, for app rules; ``None`` for device rules (patch, exposure, Android version)."""
    message: str
    evidence: tuple[str, ...]


# --------------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Breach:
    """What a check found: one sentence and the facts that show it (the engine adds device, user and app)."""

    message: str
    evidence: tuple[str, ...]


AppCheckFn = Callable[[Policy, AppReport], Iterable[Breach]]
DeviceCheckFn = Callable[[Policy, AuditReport], Iterable[Breach]]


@dataclass(frozen=True, slots=True)
class AppCheck:
    """A check run on every app in its scope."""

    rule: PolicyRule
    words: str
    """The rule in a few plain words, for reports."""
    applies_to: AppliesTo
    check: AppCheckFn


@dataclass(frozen=True, slots=True)
class DeviceCheck:
    """A check run once per device."""

    rule: PolicyRule
    words: str
    """The rule in a few plain words, for reports."""
    check: DeviceCheckFn


CHECKS: dict[PolicyRule, AppCheck | DeviceCheck] = {}
"""The one check of each policy rule, in the order violations are listed (device checks first)."""


def _register(check: AppCheck | DeviceCheck) -> None:
    if check.rule in CHECKS:
        raise ValueError(f"policy rule {check.rule} already has a check")
    CHECKS[check.rule] = check


def app_check(rule: PolicyRule, *, words: str, applies_to: AppliesTo) -> Callable[[AppCheckFn], AppCheckFn]:
    """Declare the check of ``rule``, run on each app in ``applies_to``."""

    def decorate(fn: AppCheckFn) -> AppCheckFn:
        _register(AppCheck(rule, words, applies_to, fn))
        return fn

    return decorate


def device_check(rule: PolicyRule, *, words: str) -> Callable[[DeviceCheckFn], DeviceCheckFn]:
    """Declare the check of ``rule``, run once per device."""

    def decorate(fn: DeviceCheckFn) -> DeviceCheckFn:
        _register(DeviceCheck(rule, words, fn))
        return fn

    return decorate


def rule_words(rule: PolicyRule) -> str:
    """The rule in a few plain words, for reports."""
    return CHECKS[rule].words


# --------------------------------------------------------------------------------------------------
# Shared facts
# --------------------------------------------------------------------------------------------------


def _matches(package: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(package, p) for p in patterns)


def _installed(app: AppReport) -> str:
    code = app.version_code if app.version_code is not None else "?"
    return f"installed for user {app.user}: {app.package} {app.version_name or '?'} ({code})"


def _top_reasons(reasons: Iterable[ScoreReason]) -> tuple[str, ...]:
    """The four reasons that weigh most, as ``+12 rule: text``."""
    return tuple(f"{r.points:+d} {r.rule}: {r.text}" for r in sorted(reasons, key=lambda r: -r.points)[:4])


def _role_matches(detail: str | None, roles: tuple[str, ...]) -> bool:
    if not roles:
        return True
    return role_short_name(detail).upper() in roles


def _why(reason: str | None) -> str:
    return f" ({reason})" if reason else ""


# --------------------------------------------------------------------------------------------------
# Device checks
# --------------------------------------------------------------------------------------------------


@device_check(PolicyRule.MAX_PATCH_AGE, words="security patch too old")
def _patch_age(policy: Policy, report: AuditReport) -> Iterator[Breach]:
    """The security patch was older than ``max_patch_age_days`` on the device's clock at capture."""
    if policy.max_patch_age_days is None:
        return
    d = report.device
    age = patch_age_days(d, capture_time(report.source))
    if age is not None and age > policy.max_patch_age_days:
        yield Breach(
            f"security patch {d.security_patch} was {age} days old at capture; the maximum is "
            f"{policy.max_patch_age_days}",
            (f"ro.build.version.security_patch={d.security_patch}", f"captured {report.source.collected_at}"),
        )


@device_check(PolicyRule.OLDEST_PATCH, words="security patch before the required date")
def _oldest_patch(policy: Policy, report: AuditReport) -> Iterator[Breach]:
    """The security patch is dated before ``oldest_patch``."""
    d = report.device
    if policy.oldest_patch is not None and d.security_patch and d.security_patch.strip()[:10] < policy.oldest_patch:
        yield Breach(
            f"security patch {d.security_patch} is older than {policy.oldest_patch}",
            (f"ro.build.version.security_patch={d.security_patch}",),
        )


@device_check(PolicyRule.MIN_SDK, words="Android version too old")
def _min_sdk(policy: Policy, report: AuditReport) -> Iterator[Breach]:
    """The device runs an API level below ``min_sdk``."""
    d = report.device
    if policy.min_sdk is not None and d.sdk is not None and d.sdk < policy.min_sdk:
        yield Breach(
            f"Android {d.android_release or '?'} (API {d.sdk}) is older than API {policy.min_sdk}",
            (f"ro.build.version.sdk={d.sdk}",),
        )


@device_check(PolicyRule.MAX_DEVICE_EXPOSURE, words="device exposure too high")
def _device_exposure(policy: Policy, report: AuditReport) -> Iterator[Breach]:
    """The device's exposure score is above ``max_device``."""
    exposure = report.device_exposure
    if policy.max_device_exposure is not None and exposure is not None and exposure.score > policy.max_device_exposure:
        yield Breach(
            f"device exposure {exposure.score} (grade {exposure.grade.value}) is above the maximum "
            f"{policy.max_device_exposure}",
            _top_reasons(exposure.reasons),
        )


@device_check(PolicyRule.USB_DEBUGGING, words="USB debugging on")
def _usb_debugging(policy: Policy, report: AuditReport) -> Iterator[Breach]:
    """``[device] require_usb_debugging_off`` and the phone has USB debugging on (settings global ``adb_enabled=1``;
    a phone collected over USB has it on by necessity, so this rule suits captures taken another way)."""
    state = report.device_state
    if policy.require_usb_debugging_off and state is not None and state.usb_debugging:
        yield Breach("USB debugging is on", ("settings global adb_enabled=1",))


@device_check(PolicyRule.UNSAFE_SETTING, words="forbidden unsafe setting")
def _unsafe_setting(policy: Policy, report: AuditReport) -> Iterator[Breach]:
    """A posture finding whose rule id ``[device] forbid_settings`` lists (e.g. ``AUD-BOOT-001``)."""
    for f in report.device_findings:
        if f.rule_id in policy.forbidden_settings:
            yield Breach(f"{f.title} ({f.rule_id})", f.evidence)


@device_check(PolicyRule.KNOWN_THREAT_TRACE, words="known-threat trace on the phone")
def _known_threat_trace(policy: Policy, report: AuditReport) -> Iterator[Breach]:
    """``[threats] forbid_matches`` and a system property or process of the phone matches an indicator list."""
    if policy.forbid_indicator_matches:
        for m in report.device_matches:
            yield Breach(
                f"{m.family} ({m.threat.value}): {m.fact}",
                (f"{m.kind.value} {m.value}; list {m.list_name} {m.list_version}",),
            )


# --------------------------------------------------------------------------------------------------
# App checks
# --------------------------------------------------------------------------------------------------


@app_check(PolicyRule.KNOWN_THREAT, words="known stalkerware, watchware or spyware", applies_to=AppliesTo.ALL)
def _known_threat(policy: Policy, app: AppReport) -> Iterator[Breach]:
    """``[threats] forbid_matches`` and the app matches an indicator list (package name, signing certificate or APK
    hash), unless ``[threats] allow`` names it (a sanctioned parental-control app)."""
    if not policy.forbid_indicator_matches or _matches(app.package, policy.indicator_allow):
        return
    for m in app.indicator_matches:
        strength = "strong" if m.strong else "weaker alone"
        yield Breach(
            f"{app.package} matches {m.family} ({m.threat.value}) by its {m.kind.value} ({strength})",
            (f"{m.kind.value} {m.value} ({m.fact}); list {m.list_name} {m.list_version}", _installed(app)),
        )


@app_check(PolicyRule.BLOCKED_APP, words="blocked app", applies_to=AppliesTo.ALL)
def _blocked_app(policy: Policy, app: AppReport) -> Iterator[Breach]:
    """The package matches a pattern of ``[apps] blocked``."""
    if policy.blocked_packages and _matches(app.package, policy.blocked_packages):
        yield Breach(
            f"{app.package} is blocked by the policy",
            (_installed(app), f"installer={app.installer or 'none'}, install source={app.install_source.value}"),
        )


@app_check(PolicyRule.BLOCKED_SIGNER, words="blocked signer", applies_to=AppliesTo.ALL)
def _blocked_signer(policy: Policy, app: AppReport) -> Iterator[Breach]:
    """The app is signed by a certificate of ``[apps] blocked_signers`` (APK facts or androidqf's packages.json)."""
    signer = app.signer_sha256
    if signer and signer.lower() in policy.blocked_signers:
        yield Breach(f"{app.package} is signed by a blocked certificate", (f"signer SHA-256 {signer}", _installed(app)))


@app_check(PolicyRule.DENIED_PERMISSION, words="denied permission", applies_to=AppliesTo.THIRD_PARTY)
def _denied_permission(policy: Policy, app: AppReport) -> Iterator[Breach]:
    """The app can use a permission of a ``[[deny_permission]]`` table that does not allow it."""
    for rule in policy.deny_permissions:
        if _matches(app.package, rule.allow):
            continue
        for p in app.permissions:
            if p.name in rule.permissions and usable(p):
                yield Breach(f"{app.package} can use {p.name}{_why(rule.reason)}", (permission_evidence_text(p),))


@app_check(PolicyRule.DENIED_SPECIAL_ACCESS, words="denied special access", applies_to=AppliesTo.THIRD_PARTY)
def _denied_special_access(policy: Policy, app: AppReport) -> Iterator[Breach]:
    """The app holds a special access (or role) of a ``[[deny_special_access]]`` table that does not allow it."""
    for rule in policy.deny_special_access:
        if _matches(app.package, rule.allow):
            continue
        for s in app.special_access:
            if s.kind in rule.kinds and (s.kind is not SpecialAccessKind.ROLE or _role_matches(s.detail, rule.roles)):
                what = s.kind.value + (f" {s.detail}" if s.detail else "")
                yield Breach(f"{app.package} holds {what}{_why(rule.reason)}", (special_evidence_text(s),))


@app_check(PolicyRule.REQUIRED_INSTALLER, words="installer not allowed", applies_to=AppliesTo.THIRD_PARTY)
def _required_installer(policy: Policy, app: AppReport) -> Iterator[Breach]:
    """The app was not installed by one of ``required_installers`` and is not exempt."""
    if (
        policy.required_installers
        and not _matches(app.package, policy.installer_exempt)
        and (app.installer is None or not _matches(app.installer, policy.required_installers))
    ):
        yield Breach(
            f"{app.package} was installed by {app.installer or 'no recorded installer'}, "
            f"not by {' or '.join(policy.required_installers)}",
            (
                f"installer={app.installer or 'none'}, initiating installer={app.initiating_installer or 'none'}, "
                f"install source={app.install_source.value}, package source={app.package_source}",
            ),
        )


@app_check(PolicyRule.MAX_APP_EXPOSURE, words="app exposure too high", applies_to=AppliesTo.THIRD_PARTY)
def _app_exposure(policy: Policy, app: AppReport) -> Iterator[Breach]:
    """The app's exposure score is above ``max_app``."""
    if (
        policy.max_app_exposure is not None
        and app.exposure is not None
        and app.exposure.score > policy.max_app_exposure
    ):
        yield Breach(
            f"{app.package} has exposure {app.exposure.score} (grade {app.exposure.grade.value}), "
            f"above the maximum {policy.max_app_exposure}",
            _top_reasons(app.exposure.reasons),
        )


@app_check(PolicyRule.FORBIDDEN_TRACKER, words="forbidden tracker", applies_to=AppliesTo.THIRD_PARTY)
def _forbidden_tracker(policy: Policy, app: AppReport) -> Iterator[Breach]:
    """The APK embeds a tracker of a forbidden category, or one named in the policy, and is not exempt."""
    if not (policy.forbidden_tracker_categories or policy.forbidden_trackers) or app.apk is None:
        return
    if _matches(app.package, policy.tracker_allow):
        return
    names = {n.lower() for n in policy.forbidden_trackers}
    for t in app.apk.trackers:
        bad = [c for c in t.categories if c in policy.forbidden_tracker_categories]
        if bad or t.name.lower() in names:
            what = ", ".join(bad) if bad else "named in the policy"
            yield Breach(f"{app.package} embeds {t.name} ({what})", (tracker_evidence_text(t),))


# --------------------------------------------------------------------------------------------------
# Running the checks
# --------------------------------------------------------------------------------------------------


def evaluate(policy: Policy, report: AuditReport, device: str) -> tuple[Violation, ...]:
    """Every violation of ``policy`` on the device of ``report`` (named ``device``), device rules first."""
    out = [
        Violation(c.rule, device, None, None, b.message, b.evidence)
        for c in CHECKS.values()
        if isinstance(c, DeviceCheck)
        for b in c.check(policy, report)
    ]
    # Which origins each app check covers is settled once per device, each app's origin once per app
    # (a fleet runs this for every app of every device).
    widened = policy.include_system_apps
    app_checks = [
        (c, origins(AppliesTo.ALL if widened else c.applies_to)) for c in CHECKS.values() if isinstance(c, AppCheck)
    ]
    # A package listed only by `pm list packages -u` is not installed for that user: nothing of it can breach.
    apps = [(app, app_origin(app)) for app in report.apps if app.presence is not AppPresence.NOT_INSTALLED]
    out.extend(
        Violation(c.rule, device, app.user, app.package, b.message, b.evidence)
        for app, origin in apps
        for c, covered in app_checks
        if origin in covered
        for b in c.check(policy, app)
    )
    return tuple(out)
