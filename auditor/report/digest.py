"""What every human-facing format tells first: top apps and why, master keys, recent access, trackers.

Why a separate module: the HTML overview, the Markdown summary and the terminal summary all answer
"who can reach what, and who did" and must pick the same apps for the same reasons. They differ only
in how they print. Everything here reads the ``AuditReport`` and nothing else; when the report was
not scored (``exposure`` is ``None``), the ordering falls back to facts that need no score.

The device serial is read in exactly one place (``device_serial``) so that the coming redaction
option has one place to act.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import assert_never

from auditor.analyse.build import access_state
from auditor.analyse.origin import removal_of
from auditor.model import (
    AccessLevel,
    AccessState,
    AppOrigin,
    AppPresence,
    AppReport,
    AuditReport,
    DataCategory,
    DeviceInfo,
    DevicePart,
    EffectiveAccess,
    Finding,
    Grade,
    OpEventKind,
    PermissionKind,
    PermissionReport,
    Removal,
    Severity,
    SourceInfo,
    SpecialAccessKind,
    SpecialAccessReport,
)
from auditor.report.words import (
    MASTER_KEY_KINDS,
    MASTER_KEY_ROLES,
    Words,
    role_words,
    special_words,
)
from auditor.score.devicebase import DEVICE_RULES
from auditor.score.evidence import role_short_name
from auditor.score.exposure import scaled
from auditor.score.parts import app_part
from auditor.score.scope import app_origin
from auditor.score.threat_rules import THREAT_RULES

REACH_MIN = AccessLevel.WHILE_IN_USE
"""The level from which an app *reaches* a category (granted or more); "asked" alone is not reach."""


# --------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------


def app_key(app: AppReport) -> str:
    """``package@user``: how the scoring's pools and reasons name an app."""
    return f"{app.package}@{app.user}"


def app_label(app: AppReport) -> str | None:
    """The label the APK gives itself, when an APK was analysed (untrusted text)."""
    return app.apk.label if app.apk is not None and app.apk.label else None


def app_name(app: AppReport) -> str:
    """The label when known, else the package: what a person recognises."""
    return app_label(app) or app.package


def device_serial(report: AuditReport) -> str | None:
    """The device serial: the only place renderers read it, so that redaction can act here alone."""
    return report.device.serial


def device_title(device: DeviceInfo) -> str:
    """``Google Pixel 8`` from manufacturer and model, without repeating a maker the model already names."""
    maker, model = device.manufacturer or "", device.model or ""
    if maker and model.lower().startswith(maker.lower()):
        maker = ""
    return " ".join(x for x in (maker, model) if x) or "Unknown device"


def capture_time(source: SourceInfo) -> str | None:
    """When the data was captured, by the device's clock when known (it dates everything the device printed)."""
    return source.device_time or source.collected_at


def patch_age_days(device: DeviceInfo, collected_at: str | None) -> int | None:
    """Days from the security patch level to the capture (``None`` when either date is unknown or odd)."""
    if not device.security_patch or not collected_at:
        return None
    try:
        patch = dt.date.fromisoformat(device.security_patch.strip()[:10])
        taken = dt.datetime.fromisoformat(collected_at.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None
    return (taken - patch).days


def age_words(days: int) -> str:
    """``3 months`` for 95 days: the precision a person needs to judge a patch level."""
    if days < 0:
        return "dated after the capture"
    if days < 45:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 365 * 2:
        return f"{round(days / 30.44)} months"
    return f"{days / 365.25:.1f} years"


def ago_words(ms: int | None) -> str | None:
    """``12 min ago``, ``5 h ago``, ``3 days ago`` before the capture."""
    if ms is None:
        return None
    minutes = max(ms, 0) // 60000
    if minutes < 1:
        return "just before capture"
    if minutes < 60:
        return f"{minutes} min before capture"
    if minutes < 48 * 60:
        return f"{minutes // 60} h before capture"
    return f"{minutes // (24 * 60)} days before capture"


# --------------------------------------------------------------------------------------------------
# Top apps
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopApp:
    """An app that matters most, with one line of why."""

    app: AppReport
    score: int | None
    grade: Grade | None
    why: str
    origin: AppOrigin
    counted: int | None = None
    """What the app counts for in the device score (its score at its part's share), when scored."""
    also: tuple[AppReport, ...] = ()
    """Other packages of the same user sharing its uid: one set of permissions, listed once."""


def _reason_phrase(text: str, rule: str) -> str:
    """The headline of a score reason: what comes before its details.

    A combination reads "Stalkerware-like: (A OR B) AND …" (the name says it; the formula is for
    engineers); a category reads "Location: used in the background [one_time]; scored on …" (the
    qualifiers and notes after it are in the app's detail)."""
    if rule.startswith("combination.") and ":" in text:
        return text.split(":", 1)[0]
    for cut in (" [", "; "):
        text = text.split(cut, 1)[0]
    return text


def why_line(app: AppReport, limit: int = 3) -> str:
    """The app's strongest reasons in one line (scored), or its master keys and grants (unscored)."""
    if app.exposure is not None:
        reasons = sorted(
            (r for r in app.exposure.reasons if r.points > 0 and r.rule != "cap"),
            key=lambda r: (-r.points, r.rule),
        )
        phrases: list[str] = []
        for r in reasons:
            phrase = _reason_phrase(r.text, r.rule)
            if phrase not in phrases:
                phrases.append(phrase)
            if len(phrases) == limit:
                break
        if phrases:
            return "; ".join(phrases)
    keys = [holder_words(s).title for s in app.special_access if is_master_key(s)]
    granted = sum(1 for p in app.permissions if p.kind is PermissionKind.RUNTIME and usable(p))
    parts = []
    if keys:
        parts.append(", ".join(dict.fromkeys(keys)))
    if granted:
        parts.append(f"{granted} runtime permission{'s' if granted != 1 else ''} granted")
    return "; ".join(parts) or "nothing notable"


_ORIGIN_ORDER: dict[AppOrigin, int] = {AppOrigin.INSTALLED: 0, AppOrigin.PREINSTALLED: 1, AppOrigin.PLATFORM: 2}
"""Installed apps first, then preinstalled ones: what a person chose comes before what came with the phone."""
_PART_ORDER: dict[DevicePart, int] = {part: i for i, part in enumerate(DevicePart)}


def part_shares(report: AuditReport) -> dict[DevicePart, int]:
    """The share at which each part counts its apps, as the report's device exposure recorded it (else 100)."""
    recorded = {p.part: p.percent for p in report.device_exposure.parts} if report.device_exposure else {}
    return {part: recorded.get(part, 100) for part in DevicePart}


def _unscored_order(app: AppReport) -> tuple[int, int, int, str, int]:
    """Without scores: apps with master keys first, then by granted runtime permissions; installed before
    preinstalled when that ties; others last."""
    keys = sum(1 for s in app.special_access if is_master_key(s))
    granted = sum(1 for p in app.permissions if p.kind is PermissionKind.RUNTIME and usable(p))
    return (-keys, -granted, _ORIGIN_ORDER[app_origin(app)], app.package, app.user)


def _grouped(ranked: Sequence[tuple[AppReport, int | None]], limit: int) -> list[TopApp]:
    """The first ``limit`` apps, each shared uid of a user once (its highest-ranked package, the others ``also``)."""
    entries: list[tuple[AppReport, int | None, list[AppReport]]] = []
    by_uid: dict[tuple[int, int], list[AppReport]] = {}
    for app, counted in ranked:
        key = (app.user, app.app_id) if app.shared_user and app.app_id is not None else None
        if key is not None and key in by_uid:
            by_uid[key].append(app)
            continue
        if len(entries) == limit:
            continue  # later siblings of the entries already chosen are still gathered
        also: list[AppReport] = []
        if key is not None:
            by_uid[key] = also
        entries.append((app, counted, also))
    return [
        TopApp(
            app=app,
            score=app.exposure.score if app.exposure else None,
            grade=app.exposure.grade if app.exposure else None,
            why=why_line(app),
            origin=app_origin(app),
            counted=counted,
            also=tuple(also),
        )
        for app, counted, also in entries
    ]


def top_apps(report: AuditReport, limit: int = 8) -> list[TopApp]:
    """The apps a person can act on, in the order they weigh in the device exposure.

    Scored: every app with a score, at its part's share (``auditor.score.parts``: installed apps in full,
    preinstalled apps at a share, system apps altered after the fact in full); installed apps first when that
    ties, then the higher score. The operating system's own components are left out, unless an abnormal-origin
    finding has moved them out of the platform. Unscored: the most master keys, then the most runtime grants.
    Packages sharing one uid (one set of permissions) are one entry.
    """
    ranked: list[tuple[AppReport, int | None]]
    if any(a.exposure is not None for a in report.apps):
        shares = part_shares(report)
        weighed = []
        for a in report.apps:
            part = app_part(a)
            if a.exposure is None or a.exposure.score <= 0 or part is None:
                continue
            counted = scaled(a.exposure.score, shares[part])
            weighed.append((-counted, _PART_ORDER[part], -a.exposure.score, a.package, a.user, a, counted))
        weighed.sort(key=lambda w: w[:5])
        ranked = [(w[5], w[6]) for w in weighed]
    else:
        ranked = [
            (a, None)
            for a in sorted(
                (a for a in report.apps if _unscored_order(a)[:2] != (0, 0) and app_part(a) is not None),
                key=_unscored_order,
            )
        ]
    return _grouped(ranked, limit)


def app_removal(app: AppReport) -> Removal:
    """What a person can do about ``app`` (from its provenance, or decided now for reports without one)."""
    if app.provenance is not None:
        return app.provenance.removal
    return removal_of(app, app_origin(app))


def removal_command(app: AppReport) -> str | None:
    """The exact command that takes ``app`` out of reach, where one is safe: uninstall an installed app, disable a
    preinstalled one (``pm enable`` turns it back on). Device text is shell-quoted."""
    removal = app_removal(app)
    match removal:
        case Removal.UNINSTALL:
            return f"adb shell pm uninstall --user {app.user} {shlex.quote(app.package)}"
        case Removal.DISABLE:
            return f"adb shell pm disable-user --user {app.user} {shlex.quote(app.package)}"
        case Removal.DEACTIVATE_FIRST | Removal.DISABLED | Removal.NONE:
            return None
        case _:
            assert_never(removal)


# --------------------------------------------------------------------------------------------------
# Master keys
# --------------------------------------------------------------------------------------------------


def usable(p: PermissionReport) -> bool:
    """Granted and not blocked: the app can use it now (in every state or while in use)."""
    return p.effective in (EffectiveAccess.ALLOWED, EffectiveAccess.FOREGROUND_ONLY)


def is_master_key(special: SpecialAccessReport) -> bool:
    """One of the accesses that open most of the phone (roles: only SMS, phone and assistant)."""
    if special.kind is SpecialAccessKind.ROLE:
        return role_short_name(special.detail) in MASTER_KEY_ROLES
    return special.kind in MASTER_KEY_KINDS


def holder_words(special: SpecialAccessReport) -> Words:
    """The access in plain words; a role by its own name (Default SMS app), not as "Role"."""
    if special.kind is SpecialAccessKind.ROLE:
        return role_words(special.detail)
    return special_words(special.kind)


@dataclass(frozen=True, slots=True)
class Holder:
    app: AppReport
    access: SpecialAccessReport
    origin: AppOrigin


@dataclass(frozen=True, slots=True)
class KeyGroup:
    """Every holder of one kind of access (one role counts as its own kind)."""

    key: str
    """``accessibility_service`` or ``role:SMS``: stable, for anchors and tests."""
    words: Words
    master: bool
    holders: tuple[Holder, ...]
    """Installed apps first, then preinstalled apps, then the platform's own; then by package and user."""

    @property
    def third_party(self) -> int:
        """How many holders are installed apps (what a person chose)."""
        return sum(1 for h in self.holders if h.origin is AppOrigin.INSTALLED)


def key_groups(report: AuditReport) -> list[KeyGroup]:
    """Special accesses grouped by kind (each role its own group): master keys first, in
    ``MASTER_KEY_KINDS`` order, then the others in the model's order."""
    found: dict[tuple[SpecialAccessKind, str], list[Holder]] = defaultdict(list)
    for app in report.apps:
        for special in app.special_access:
            role = role_short_name(special.detail) if special.kind is SpecialAccessKind.ROLE else ""
            found[(special.kind, role)].append(Holder(app, special, app_origin(app)))
    groups = []
    for (kind, role), holders in found.items():
        first = holders[0].access
        holders.sort(key=lambda h: (_ORIGIN_ORDER[app_origin(h.app)], h.app.package, h.app.user, h.access.detail or ""))
        groups.append(
            KeyGroup(
                key=f"role:{role}" if kind is SpecialAccessKind.ROLE else kind.value,
                words=holder_words(first),
                master=is_master_key(first),
                holders=tuple(holders),
            )
        )
    kinds = list(SpecialAccessKind)

    def order(g: KeyGroup) -> tuple[int, int, str]:
        kind = g.holders[0].access.kind
        rank = MASTER_KEY_KINDS.index(kind) if g.master else kinds.index(kind)
        return (0 if g.master else 1, rank, g.key)

    return sorted(groups, key=order)


# --------------------------------------------------------------------------------------------------
# Recent access: camera, microphone, location
# --------------------------------------------------------------------------------------------------

RESOURCES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "camera": (frozenset({"android.permission.CAMERA"}), frozenset({"CAMERA", "PHONE_CALL_CAMERA"})),
    "microphone": (
        frozenset({"android.permission.RECORD_AUDIO"}),
        frozenset({"RECORD_AUDIO", "PHONE_CALL_MICROPHONE", "RECEIVE_AMBIENT_TRIGGER_AUDIO"}),
    ),
    "location": (
        frozenset(
            {
                "android.permission.ACCESS_FINE_LOCATION",
                "android.permission.ACCESS_COARSE_LOCATION",
                "android.permission.ACCESS_BACKGROUND_LOCATION",
            }
        ),
        frozenset({"FINE_LOCATION", "COARSE_LOCATION", "MONITOR_LOCATION", "MONITOR_HIGH_POWER_LOCATION"}),
    ),
}
"""The resources Android's privacy dashboard shows: which permission rows and which extra app-ops
(those no permission row covers, e.g. MONITOR_LOCATION) record their use."""


@dataclass(frozen=True, slots=True)
class RecentUse:
    """The newest recorded use of one resource by one app."""

    app: AppReport
    resource: str
    time: str | None
    """Device-local time, when printed."""
    ago_ms: int | None
    state: AccessState
    via: str
    """The permission (short) or app-op the access was recorded under."""
    last_background: str | None
    """The newest background use, when one is recorded (it may be older than ``time``)."""

    def sort_key(self) -> tuple[int, int, str]:
        """Newest first: by ``ago_ms`` when known, else by the time text (descending)."""
        if self.ago_ms is not None:
            return (0, self.ago_ms, "")
        return (1, 0, "".join(chr(0x10FFFF - ord(c)) for c in (self.time or "")))


def _uses(app: AppReport, resource: str, names: frozenset[str], ops: frozenset[str]) -> Iterable[RecentUse]:
    for p in app.permissions:
        if p.name in names and (p.last_access or p.last_access_ago_ms is not None):
            yield RecentUse(
                app=app,
                resource=resource,
                time=p.last_access,
                ago_ms=p.last_access_ago_ms,
                state=p.last_access_state or AccessState.UNKNOWN,
                via=p.name.rsplit(".", 1)[-1],
                last_background=p.last_background_access,
            )
    for entry in app.ops:
        if entry.op not in ops:
            continue
        accesses = [e for e in entry.events if e.kind is OpEventKind.ACCESS]
        if not accesses:
            continue
        timed = [e for e in accesses if e.ago_ms is not None]
        newest = min(timed, key=lambda e: e.ago_ms or 0) if timed else max(accesses, key=lambda e: e.time or "")
        bgs = [e for e in accesses if access_state(e) is AccessState.BACKGROUND]
        newest_bg = max(bgs, key=lambda e: (e.time or "", -(e.ago_ms or 0))) if bgs else None
        yield RecentUse(
            app=app,
            resource=resource,
            time=newest.time,
            ago_ms=newest.ago_ms,
            state=access_state(newest),
            via=entry.op,
            last_background=newest_bg.time if newest_bg is not None else None,
        )


def recent_access(report: AuditReport) -> dict[str, list[RecentUse]]:
    """Per resource, each app's newest use (one line per app), newest first."""
    result: dict[str, list[RecentUse]] = {}
    for resource, (names, ops) in RESOURCES.items():
        found: list[RecentUse] = []
        for app in report.apps:
            uses = sorted(_uses(app, resource, names, ops), key=RecentUse.sort_key)
            if uses:
                # The newest background use may sit on another row (fine location vs MONITOR_LOCATION).
                background = next((u.last_background for u in uses if u.last_background), None)
                found.append(replace(uses[0], last_background=background))
        result[resource] = sorted(found, key=RecentUse.sort_key)
    return result


# --------------------------------------------------------------------------------------------------
# Trackers
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackerReach:
    """One tracker SDK: which apps carry it, and what it can reach through all of them together."""

    name: str
    tracker_id: int
    kinds: tuple[str, ...]
    """The tracker's own categories (Advertisement, Analytics …)."""
    apps: tuple[AppReport, ...]
    reach: tuple[DataCategory, ...]
    """Every category at least one carrying app reaches (granted or more), in the model's order."""


def reached(app: AppReport, minimum: AccessLevel = REACH_MIN) -> frozenset[DataCategory]:
    """The categories ``app`` reaches at ``minimum`` or more (empty when not scored)."""
    if app.exposure is None:
        return frozenset()
    return frozenset(c.category for c in app.exposure.categories if c.level.rank >= minimum.rank)


def tracker_reach(report: AuditReport) -> list[TrackerReach]:
    """Trackers by how many apps carry them (most first), then by name."""
    carriers: dict[tuple[int, str], list[AppReport]] = defaultdict(list)
    kinds: dict[tuple[int, str], tuple[str, ...]] = {}
    for app in report.apps:
        if app.apk is None:
            continue
        for t in app.apk.trackers:
            carriers[(t.id, t.name)].append(app)
            kinds[(t.id, t.name)] = t.categories
    out = []
    for (tid, name), apps in carriers.items():
        joint: set[DataCategory] = set()
        for a in apps:
            joint |= reached(a)
        out.append(
            TrackerReach(
                name=name,
                tracker_id=tid,
                kinds=kinds[(tid, name)],
                apps=tuple(sorted(apps, key=lambda a: (a.package, a.user))),
                reach=tuple(c for c in DataCategory if c in joint),
            )
        )
    out.sort(key=lambda t: (-len(t.apps), t.name.lower(), t.tracker_id))
    return out


def apks_analysed(apps: Sequence[AppReport]) -> int:
    return sum(1 for a in apps if a.apk is not None)


def counted_apart(report: AuditReport) -> str | None:
    """Apps the report lists but does not count as installed, in words, e.g. "2 not installed for their user
    (data kept), 11 unlisted (named only by app-ops or settings)"; ``None`` when every app is installed."""
    kept = sum(a.presence is AppPresence.NOT_INSTALLED for a in report.apps)
    unlisted = sum(a.presence is AppPresence.UNLISTED for a in report.apps)
    parts = []
    if kept:
        parts.append(f"{kept} not installed for their user (data kept)")
    if unlisted:
        parts.append(f"{unlisted} unlisted (named only by app-ops, special accesses or settings)")
    return ", ".join(parts) or None


def known_threat_findings(report: AuditReport) -> list[tuple[AppReport | None, Finding]]:
    """Every known-threat finding (AUD-IOC-*), most severe first: each app's, then the phone's own traces."""
    found: list[tuple[AppReport | None, Finding]] = [
        (app, f) for app in report.apps for f in app.findings if f.rule_id in THREAT_RULES
    ]
    found.sort(key=lambda pair: (list(Severity).index(pair[1].severity), pair[1].rule_id))
    found += [(None, f) for f in report.device_findings if f.rule_id in THREAT_RULES]
    return found


def setting_findings(report: AuditReport) -> list[Finding]:
    """The phone's unsafe settings (posture findings), most severe first, as the report holds them."""
    return [f for f in report.device_findings if (r := DEVICE_RULES.get(f.rule_id)) is not None and r.posture]
