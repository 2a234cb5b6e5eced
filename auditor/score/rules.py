"""Findings: small rules with stable IDs, each with severity, confidence, rationale and the exact fix.

A rule reads one ``AppReport`` (with its reach and facts, which do not depend on the weights) and
returns hits; each hit carries its evidence lines and a remediation for *this* app: the exact
``adb shell`` command, or the Settings path where no safe command exists. Package and component
names come from the device, so they are shell-quoted before going into a command. A rule declares
the apps it applies to (``AppliesTo``, see ``auditor.score.scope``) and the engine runs it only on
those, so no check tests the app's origin itself. The origin rules (``auditor.score.origin_rules``) join
the table below.

``docs/rules.md`` is generated from ``RULES`` (``python -m auditor.score.rulesdoc``), and a test
checks the two agree. Safety matters here: for a phone that may be monitored by someone else,
removing an app can alert that person, so the stalkerware remediation says so before any command.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.model import (
    AccessLevel,
    AccessState,
    AppReport,
    Confidence,
    EffectiveAccess,
    Finding,
    OpEventKind,
    PermissionKind,
    PermissionReport,
    Severity,
    SpecialAccessKind,
)
from auditor.score import safety, threat_rules
from auditor.score.categories import AppReach, app_reach, permission_level, with_background_use
from auditor.score.evidence import (
    event_evidence_text,
    permission_evidence_text,
    special_evidence_text,
    tracker_evidence_text,
)
from auditor.score.exposure import AppFacts, app_facts, profile_matches
from auditor.score.rulebase import (
    RULES,
    AppOpsFix,
    Hit,
    Rule,
    RuleContext,
    SpecialAccessRule,
    StepsFix,
    appops_set,
    quote,
    register,
    revoke,
    rule,
    special_hits,
    uninstall,
    watch_out,
)
from auditor.score.scope import AppliesTo, applies
from auditor.score.weights import load_weights

__all__ = ["RULES", "SAFETY_WARNING", "SPECIAL_ACCESS_RULES", "Rule", "find", "threat_rules"]

P = "android.permission."

SAFETY_WARNING = safety.STALKERWARE
"""Read before acting on a stalkerware-like app (``auditor.score.safety``)."""


# --------------------------------------------------------------------------------------------------
# Master keys
# --------------------------------------------------------------------------------------------------


@rule(
    "AUD-A11Y-001",
    title="Accessibility service of a non-system app",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="An accessibility service reads everything on screen and every key typed, and can tap and type "
    "for the person: the main tool of stalkerware and banking trojans.",
    remediation="Settings › Accessibility › Downloaded apps (Installed services) › the app › Off. No adb command "
    "is suggested: rewriting enabled_accessibility_services blindly can switch off services the person relies on.",
)
def _accessibility(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app has an accessibility service enabled."""
    fix = f"Settings › Accessibility › Downloaded apps (Installed services) › {ctx.label} › Off.{watch_out(ctx)}"
    return special_hits(ctx, (SpecialAccessKind.ACCESSIBILITY,), fix)


@rule(
    "AUD-NLS-001",
    title="Notification access of a non-system app",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="A notification listener reads every notification — message previews, senders, one-time codes — "
    "and can dismiss them before the person sees them.",
    remediation="adb shell cmd notification disallow_listener <component> <user>, or Settings › Apps › Special app "
    "access › Notification access › the app › Off.",
)
def _notification_listener(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app is an allowed notification listener or notification assistant."""
    found = ctx.specials(SpecialAccessKind.NOTIFICATION_LISTENER, SpecialAccessKind.NOTIFICATION_ASSISTANT)
    if not found:
        return []
    commands = [
        f"adb shell cmd notification disallow_listener {quote(s.detail)} {ctx.app.user}"
        for s in found
        if s.kind is SpecialAccessKind.NOTIFICATION_LISTENER and s.detail
    ]
    settings = f"Settings › Apps › Special app access › Notification access › {ctx.label} › Off"
    fix = (" && ".join(commands) + f" — or {settings}" if commands else settings) + "." + watch_out(ctx)
    return [Hit(tuple(special_evidence_text(s) for s in found), fix)]


@rule(
    "AUD-ADMIN-001",
    title="Device administrator of a non-system app",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="A device admin can lock or wipe the phone, enforce passwords and block its own uninstallation.",
    remediation="Settings › Security › Device admin apps › the app › Deactivate, then uninstall it if unwanted. "
    "(adb shell dpm remove-active-admin only works for apps built as test-only, so it is not suggested.)",
)
def _device_admin(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app is an active device admin and not the device or a profile owner (AUD-OWNER-001 covers
    those: every owner is also an admin)."""
    if ctx.specials(SpecialAccessKind.DEVICE_OWNER, SpecialAccessKind.PROFILE_OWNER):
        return []
    fix = (
        f"Settings › Security › Device admin apps (the path varies by maker) › {ctx.label} › Deactivate; "
        f"it can then be uninstalled.{watch_out(ctx)}"
    )
    return special_hits(ctx, (SpecialAccessKind.DEVICE_ADMIN,), fix)


@rule(
    "AUD-OWNER-001",
    title="Device or profile owner",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="A device owner manages the whole phone (permissions, apps, network logs); a profile owner manages "
    "a work profile. Expected on a company phone, alarming on a personal one.",
    remediation="Ask the organisation that manages the phone. A work profile is removed in Settings › Passwords & "
    "accounts › Work › Remove work profile; a device owner only by a factory reset.",
)
def _owner(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app is the device owner or a profile owner."""
    fix = (
        "If this is not a company-managed phone: a work profile is removed in Settings › Passwords & accounts › "
        f"Work › Remove work profile; a device owner ({ctx.label}) only by a factory reset.{watch_out(ctx)}"
    )
    return special_hits(ctx, (SpecialAccessKind.DEVICE_OWNER, SpecialAccessKind.PROFILE_OWNER), fix)


# --------------------------------------------------------------------------------------------------
# Special accesses with one fix each: a table. The op and mode of an app-op fix are written once and
# give both the general remediation (docs/rules.md) and the exact command for the app.
# --------------------------------------------------------------------------------------------------

SPECIAL_ACCESS_RULES: tuple[SpecialAccessRule, ...] = (
    SpecialAccessRule(
        "AUD-OVERLAY-001",
        title="Display over other apps",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        applies_to=AppliesTo.THIRD_PARTY,
        kinds=(SpecialAccessKind.OVERLAY,),
        fires_when="A non-system app may display over other apps.",
        rationale="Drawing over other apps enables fake login screens and tap-jacking.",
        fix=AppOpsFix("SYSTEM_ALERT_WINDOW", "deny", "Settings › Apps › Special app access › Display over other apps"),
    ),
    SpecialAccessRule(
        "AUD-USAGE-001",
        title="Usage access",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        applies_to=AppliesTo.THIRD_PARTY,
        kinds=(SpecialAccessKind.USAGE_ACCESS,),
        fires_when="A non-system app has usage access.",
        rationale="Usage access shows which apps are used, when and for how long: habits, health, faith, money, work.",
        fix=AppOpsFix("GET_USAGE_STATS", "ignore", "Settings › Apps › Special app access › Usage access"),
    ),
    SpecialAccessRule(
        "AUD-INSTALL-001",
        title="Install unknown apps",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        applies_to=AppliesTo.THIRD_PARTY,
        kinds=(SpecialAccessKind.INSTALL_UNKNOWN_APPS,),
        fires_when="A non-system app may install other apps.",
        rationale="An app allowed to install apps can bring in anything, including apps the person never chose.",
        fix=AppOpsFix(
            "REQUEST_INSTALL_PACKAGES", "deny", "Settings › Apps › Special app access › Install unknown apps"
        ),
    ),
    SpecialAccessRule(
        "AUD-FILES-001",
        title="All-files access",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        applies_to=AppliesTo.THIRD_PARTY,
        kinds=(SpecialAccessKind.ALL_FILES_ACCESS,),
        fires_when="A non-system app has all-files access.",
        rationale="All-files access reads every file in shared storage, including other apps' documents and chat "
        "media.",
        fix=AppOpsFix("MANAGE_EXTERNAL_STORAGE", "deny", "Settings › Apps › Special app access › All files access"),
    ),
    SpecialAccessRule(
        "AUD-SCREEN-001",
        title="Screen capture without asking",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        applies_to=AppliesTo.THIRD_PARTY,
        kinds=(SpecialAccessKind.MEDIA_PROJECTION,),
        fires_when="A non-system app may capture the screen without the consent prompt.",
        rationale="PROJECT_MEDIA set to allow lets the app record or cast the screen without the per-session prompt.",
        fix=AppOpsFix("PROJECT_MEDIA", "ignore", "the default: ask each time"),
    ),
    SpecialAccessRule(
        "AUD-VPN-001",
        title="VPN of a non-system app",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        applies_to=AppliesTo.THIRD_PARTY,
        kinds=(SpecialAccessKind.VPN, SpecialAccessKind.ALWAYS_ON_VPN),
        fires_when="A non-system app is allowed to run a VPN, or is the always-on VPN.",
        rationale="A VPN app sees which servers every app talks to and can block, redirect or alter connections.",
        fix=StepsFix("Settings › Network & internet › VPN › {app} › Forget VPN (turn off Always-on VPN first)."),
    ),
    SpecialAccessRule(
        "AUD-IME-001",
        title="Third-party keyboard",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        applies_to=AppliesTo.THIRD_PARTY,
        kinds=(SpecialAccessKind.INPUT_METHOD, SpecialAccessKind.DEFAULT_INPUT_METHOD),
        fires_when="A non-system app is an enabled or the default input method.",
        rationale="A keyboard sees everything typed — passwords, searches, messages — and may send it to its maker.",
        fix=StepsFix("Settings › System › Languages & input › On-screen keyboard › Manage keyboards › {app} › Off."),
    ),
    SpecialAccessRule(
        "AUD-RESTRICTED-001",
        title="Restricted settings allowed for a sideloaded app",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        applies_to=AppliesTo.THIRD_PARTY,
        kinds=(SpecialAccessKind.RESTRICTED_SETTINGS_ALLOWED,),
        fires_when="A non-system app has ACCESS_RESTRICTED_SETTINGS allowed.",
        rationale="Android 13+ blocks sideloaded apps from accessibility and notification access unless the person "
        "lifts the block by hand; stalkerware installers walk the person (or themselves) through exactly this.",
        fix=StepsFix(
            "Turn off the accesses {app} was given (its other findings name them).",
            general_text="Turn off the accesses it was given (see its AUD-A11Y-001 / AUD-NLS-001 findings), then "
            "uninstall it if unwanted; reinstalling restores the block.",
            safety_note=True,
        ),
    ),
)
for _row in SPECIAL_ACCESS_RULES:
    register(_row.rule())


# --------------------------------------------------------------------------------------------------
# Runtime permissions
# --------------------------------------------------------------------------------------------------

_LOCATION = (P + "ACCESS_FINE_LOCATION", P + "ACCESS_COARSE_LOCATION")
_BACKGROUND_LOCATION = P + "ACCESS_BACKGROUND_LOCATION"
_SMS = (P + "READ_SMS", P + "RECEIVE_SMS", P + "RECEIVE_MMS", P + "RECEIVE_WAP_PUSH", P + "SEND_SMS")
_CALL_LOG = (P + "READ_CALL_LOG", P + "WRITE_CALL_LOG", P + "PROCESS_OUTGOING_CALLS")


def _background_location_fix(ctx: RuleContext) -> str:
    row = ctx.rows.get(_BACKGROUND_LOCATION)
    if row is not None and row.granted:
        return revoke(ctx, _BACKGROUND_LOCATION)
    # Apps targeting < 29 have no separate background permission: "Allow only while using the app"
    # sets the location ops to foreground, which is what Settings does for them.
    return " && ".join(appops_set(ctx, op, "foreground") for op in ("FINE_LOCATION", "COARSE_LOCATION"))


@rule(
    "AUD-LOC-BG-001",
    title="Background location granted",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="Location all the time lets the app follow the person's movements without being opened.",
    remediation="adb shell pm revoke --user <user> <package> android.permission.ACCESS_BACKGROUND_LOCATION "
    "(apps targeting API < 29: appops set … FINE_LOCATION/COARSE_LOCATION foreground).",
)
def _background_location(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app holds location all the time: ACCESS_BACKGROUND_LOCATION effective, or a location
    permission allowed in every state (apps targeting API < 29)."""
    rows = [r for r in (ctx.rows.get(n) for n in (_BACKGROUND_LOCATION, *_LOCATION)) if r is not None]
    allowed = [r for r in rows if r.effective is EffectiveAccess.ALLOWED]
    if not allowed:
        return []
    return [Hit(tuple(permission_evidence_text(r) for r in allowed), _background_location_fix(ctx))]


def _used_in_background(ctx: RuleContext, names: tuple[str, ...]) -> list[PermissionReport]:
    return [r for r in ctx.usable(*names) if permission_level(r)[0] is AccessLevel.USED_BACKGROUND]


_CITED_EVENTS = 5
"""Background accesses a finding cites by time and duration (the report's events hold every one)."""


def _background_evidence(ctx: RuleContext, used: list[PermissionReport]) -> tuple[str, ...]:
    """Each row with its background totals, then the newest background accesses of their ops."""
    ops = {r.appop for r in used if r.appop}
    events = [
        e for e in ctx.app.events if e.op in ops and e.kind is OpEventKind.ACCESS and e.state is AccessState.BACKGROUND
    ]
    lines = [with_background_use(permission_evidence_text(r), ctx.app, r.appop, True) for r in used]
    lines += [event_evidence_text(e) for e in events[:_CITED_EVENTS]]
    if len(events) > _CITED_EVENTS:
        more = len(events) - _CITED_EVENTS
        lines.append(f"… and {more} more background access{'es' if more != 1 else ''} among the app's events")
    return tuple(lines)


@rule(
    "AUD-LOC-BG-002",
    title="Location used in the background",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="The app-op history shows location read while the app was not in use.",
    remediation="adb shell pm revoke --user <user> <package> android.permission.ACCESS_BACKGROUND_LOCATION "
    "(or the location permissions themselves).",
)
def _location_used_bg(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app that can still use location has a background location access recorded."""
    used = _used_in_background(ctx, _LOCATION)
    return [Hit(_background_evidence(ctx, used), _background_location_fix(ctx))] if used else []


@rule(
    "AUD-MIC-BG-001",
    title="Microphone used in the background",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.NOT_PLATFORM,
    rationale="The app-op history shows the microphone recording while the app was not in use.",
    remediation="adb shell pm revoke --user <user> <package> android.permission.RECORD_AUDIO",
)
def _mic_bg(ctx: RuleContext) -> Iterable[Hit]:
    """Any app but the operating system's own components (preinstalled apps included: preinstalled spyware exists)
    that can still record has a background microphone access recorded."""
    used = _used_in_background(ctx, (P + "RECORD_AUDIO",))
    return [Hit(_background_evidence(ctx, used), revoke(ctx, P + "RECORD_AUDIO"))] if used else []


@rule(
    "AUD-CAM-BG-001",
    title="Camera used in the background",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.NOT_PLATFORM,
    rationale="The app-op history shows the camera used while the app was not in use.",
    remediation="adb shell pm revoke --user <user> <package> android.permission.CAMERA",
)
def _cam_bg(ctx: RuleContext) -> Iterable[Hit]:
    """Any app but the operating system's own components that can still use the camera has a background camera
    access recorded."""
    used = _used_in_background(ctx, (P + "CAMERA",))
    return [Hit(_background_evidence(ctx, used), revoke(ctx, P + "CAMERA"))] if used else []


@rule(
    "AUD-SMS-001",
    title="SMS access without the SMS role",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="Reading or receiving SMS exposes private messages and the one-time codes that guard accounts; "
    "outside the default SMS app that is rarely needed (Google Play restricts it).",
    remediation="adb shell pm revoke --user <user> <package> android.permission.READ_SMS (and each other SMS "
    "permission granted).",
)
def _sms(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app that does not hold the SMS role can use an SMS permission."""
    if "SMS" in ctx.roles:
        return []
    rows = ctx.usable(*_SMS)
    return [Hit(tuple(permission_evidence_text(r) for r in rows), revoke(ctx, *(r.name for r in rows)))] if rows else []


@rule(
    "AUD-CALLLOG-001",
    title="Call log access without the dialer role",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="The call log shows who the person talks to, when and for how long.",
    remediation="adb shell pm revoke --user <user> <package> android.permission.READ_CALL_LOG (and each other "
    "call-log permission granted).",
)
def _call_log(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app that holds neither the dialer nor the call-screening role can use a call-log permission."""
    if ctx.roles & {"DIALER", "CALL_SCREENING"}:
        return []
    rows = ctx.usable(*_CALL_LOG)
    return [Hit(tuple(permission_evidence_text(r) for r in rows), revoke(ctx, *(r.name for r in rows)))] if rows else []


# --------------------------------------------------------------------------------------------------
# The app itself
# --------------------------------------------------------------------------------------------------


@rule(
    "AUD-SIDELOAD-001",
    title="Sideloaded app",
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="Installed from a file, by adb or by a browser: no store review, and the way stalkerware is put on a "
    "phone by someone holding it. Confidence is medium: the install source is inferred from installer fields.",
    remediation="Check that the person installed it themselves (Settings › Apps › the app); if not, read "
    "AUD-STALKER-001's safety note before removing it.",
)
def _sideload(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app was sideloaded."""
    if not ctx.facts.sideloaded:
        return []
    app = ctx.app
    evidence = (
        f"installer={app.installer or 'none'} initiating={app.initiating_installer or 'none'} "
        f"packageSource={app.package_source if app.package_source is not None else 'unknown'}",
    )
    fix = (
        f"Check that the person installed {ctx.label} themselves (Settings › Apps › {ctx.label}); if not, read "
        "AUD-STALKER-001's safety note before removing it."
    )
    return [Hit(evidence, fix)]


@rule(
    "AUD-HIDDEN-001",
    title="No launcher icon",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="An app without a launcher icon is invisible in the app drawer; monitoring apps hide this way. "
    "Medium confidence: read from the APK manifest, and an app can also hide its icon at run time.",
    remediation="Find it under Settings › Apps › See all apps; uninstall it there if nobody knows what it is.",
)
def _hidden(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app's APK declares no launcher activity."""
    if not ctx.facts.hidden_icon:
        return []
    fix = f"Find {ctx.label} under Settings › Apps › See all apps.{watch_out(ctx)}"
    return [Hit(("APK manifest: no enabled MAIN/LAUNCHER activity",), fix)]


@rule(
    "AUD-LEGACY-001",
    title="Legacy target SDK (everything granted at install)",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="An app targeting API < 23 got every permission at install without a prompt, and keeps them until "
    "the person turns them off one by one.",
    remediation="Settings › Apps › the app › Permissions: turn off what it does not need; better, replace the app.",
)
def _legacy(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app targets API < 23 and can use at least one runtime permission."""
    if ctx.facts.legacy_target_sdk is None:
        return []
    usable = ctx.usable(*(p.name for p in ctx.app.permissions if p.kind is PermissionKind.RUNTIME))
    if not usable:
        return []
    evidence = (f"targetSdk={ctx.facts.legacy_target_sdk}", *(permission_evidence_text(r) for r in usable))
    fix = f"Settings › Apps › {ctx.label} › Permissions: turn off what it does not need; better, replace the app."
    return [Hit(evidence, fix)]


@rule(
    "AUD-DEBUG-001",
    title="Debuggable build",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="A debuggable app's private data can be read over adb (run-as) and a debugger attached: a developer "
    "build, not what a store ships.",
    remediation="Uninstall it and install the store release: adb shell pm uninstall --user <user> <package>.",
)
def _debuggable(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app is marked debuggable (package flags or APK manifest)."""
    if not ctx.facts.debuggable:
        return []
    fix = f"{uninstall(ctx)} (its data is erased), then install the store release."
    return [Hit(("flags=[DEBUGGABLE]",), fix)]


@rule(
    "AUD-TRACKER-001",
    title="Location or identification trackers",
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    applies_to=AppliesTo.NOT_PLATFORM,
    rationale="Tracker SDKs whose business is location or identifying people are embedded; whatever the app reaches "
    "can leave to them. Medium confidence: the code is present, its use is not proven.",
    remediation="No command removes an SDK. Prefer an app without these trackers; Settings › Privacy › Ads › Delete "
    "advertising ID cuts the identifier they share.",
)
def _trackers(ctx: RuleContext) -> Iterable[Hit]:
    """The APK of an installed or preinstalled app embeds at least one tracker in Exodus's Location or
    Identification category."""
    apk = ctx.app.apk
    if apk is None:
        return []
    found = [t for t in apk.trackers if {c.lower() for c in t.categories} & {"location", "identification"}]
    if not found:
        return []
    evidence = tuple(tracker_evidence_text(t) for t in found)
    fix = (
        f"No command removes an SDK from {ctx.label}. Prefer an app without these trackers; "
        "Settings › Privacy › Ads › Delete advertising ID cuts the identifier they share."
    )
    return [Hit(evidence, fix)]


@rule(
    "AUD-STALKER-001",
    title="Stalkerware-like combination",
    severity=Severity.CRITICAL,
    confidence=Confidence.MEDIUM,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="A master key (accessibility, notification access or device admin), location, and a hidden or "
    "sideloaded install is how commercial stalkerware is built and installed. Medium confidence: parental-control "
    "and anti-theft apps look the same.",
    remediation=f"{safety.WHEN_SAFE} deactivate its device admin if any (AUD-ADMIN-001), then "
    "adb shell pm uninstall --user <user> <package>.",
    safety=safety.STALKERWARE,
)
def _stalker(ctx: RuleContext) -> Iterable[Hit]:
    """A non-system app matches the bundled ``stalkerware_like`` combination profile (weights.json; the rule
    ignores --weights so that findings do not depend on the scoring weights)."""
    profile = load_weights().profile("stalkerware_like")
    if profile is None:
        return []
    met = profile_matches(profile, ctx.app, ctx.reach, ctx.facts)
    if met is None:
        return []
    admin = (
        " deactivate its device admin first (AUD-ADMIN-001), then"
        if ctx.specials(SpecialAccessKind.DEVICE_ADMIN)
        else ""
    )
    fix = f"{safety.WHEN_SAFE}{admin} {uninstall(ctx)}"
    return [Hit(met, fix)]


# Where the app comes from: importing the module registers AUD-ORIGIN-* after the rules above (docs order).
from auditor.score import origin_rules  # noqa: E402, F401

# --------------------------------------------------------------------------------------------------
# Running the rules
# --------------------------------------------------------------------------------------------------

_SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


def find(app: AppReport, *, reach: AppReach | None = None, facts: AppFacts | None = None) -> tuple[Finding, ...]:
    """Every rule hit on ``app``, most severe first (then by rule id).

    ``reach`` and ``facts`` may be passed when the caller already has them (the scorer reads the same).
    """
    ctx = RuleContext(app=app, reach=reach or app_reach(app), facts=facts or app_facts(app))
    scopes = {scope for scope in AppliesTo if applies(scope, app)}
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
        for r in RULES.values()
        if r.applies_to in scopes
        for hit in r.check(ctx)
    ]
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], f.rule_id))
    return tuple(findings)
