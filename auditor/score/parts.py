"""The named parts of the device exposure: each is a declaration and a computation.

The device exposure adds up parts — installed apps, preinstalled apps, system apps altered after the
fact, and (as they come) known threats and phone settings — each with its own share of the score and
its own reasons. The operating system's own components are no part: they hold their accesses by
design, so the device states them as context (``PlatformContext``) and counts nothing for them.

Adding a part is a declaration plus its computation:

1. a ``DevicePart`` member (``auditor.model.exposure``), in the order the report lists parts;
2. its share in ``weights.json`` (``device.parts.<part>``; the weights reader requires one per member);
3. its words in ``part_words`` below (a ``match`` that mypy keeps complete);
4. a function ``(DeviceInputs, DevicePart) -> list[ScoreReason]`` in ``PARTS``, reading what it needs:
   the scored apps and pools (``DeviceInputs.report_apps``, ``pools``), or the whole report
   (``DeviceInputs.report``: a part about phone settings reads the device state there).

Each part function must be additive and monotonic like the app score: every reason's points a
non-decreasing function of what the apps reach (order statistics, counts, unions), so the device's
sum is monotonic and its reasons add up to its score (``tests/score/test_properties.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import assert_never

from auditor.model import (
    AppOrigin,
    AppPresence,
    AppReport,
    AuditReport,
    Confidence,
    DevicePart,
    Exposure,
    ExposurePool,
    Finding,
    ScoreReason,
)
from auditor.score.devicebase import DEVICE_RULES
from auditor.score.evidence import special_evidence_text
from auditor.score.exposure import scaled
from auditor.score.scope import abnormal, app_origin
from auditor.score.threat_rules import THREAT_RULES
from auditor.score.weights import Weights


def app_name(app: AppReport) -> str:
    """``package@user``: how pools and device reasons name an app."""
    return f"{app.package}@{app.user}"


def part_words(part: DevicePart) -> tuple[str, str]:
    """(one app of the part, the part's title): ``("installed app", "Installed apps")``."""
    match part:
        case DevicePart.KNOWN_THREATS:
            return "known threat", "Known threats"
        case DevicePart.INSTALLED_APPS:
            return "installed app", "Installed apps"
        case DevicePart.PREINSTALLED_APPS:
            return "preinstalled app", "Preinstalled apps"
        case DevicePart.ALTERED_SYSTEM_APPS:
            return "altered system app", "Altered system apps"
        case DevicePart.PHONE_SETTINGS:
            return "unsafe setting", "Phone settings"
        case _:
            assert_never(part)


def app_part(app: AppReport) -> DevicePart | None:
    """The part of the device exposure ``app`` counts in; ``None`` for the platform's own components, and for a
    package not installed for its user (``pm list packages -u`` only: it cannot run there; its own exposure
    says what it would reach if reinstalled).

    A platform or preinstalled app with an abnormal-origin finding (its code replaced outside normal
    updates) is no longer what came with the phone, so it counts in full as an altered system app.
    """
    if app.presence is AppPresence.NOT_INSTALLED:
        return None
    origin = app_origin(app)
    match origin:
        case AppOrigin.INSTALLED:
            return DevicePart.INSTALLED_APPS
        case AppOrigin.PREINSTALLED:
            return DevicePart.ALTERED_SYSTEM_APPS if abnormal(app) else DevicePart.PREINSTALLED_APPS
        case AppOrigin.PLATFORM:
            return DevicePart.ALTERED_SYSTEM_APPS if abnormal(app) else None
        case _:
            assert_never(origin)


@dataclass(frozen=True)
class ScoredApp:
    """An app with its exposure and the part it counts in."""

    app: AppReport
    exposure: Exposure
    part: DevicePart | None


@dataclass(frozen=True)
class PartPool:
    """A pool with the points it is worth on its own and the part it counts in."""

    pool: ExposurePool
    points: int
    part: DevicePart | None


@dataclass(frozen=True)
class DeviceInputs:
    """What the parts are computed from."""

    report_apps: tuple[ScoredApp, ...]
    """Every app of every user, scored, most exposed first (then package and user)."""
    pools: tuple[PartPool, ...]
    weights: Weights
    report: AuditReport | None = None
    """The whole report, for parts about the phone rather than its apps (settings, known threats); ``None`` when
    the device is scored from a list of apps alone."""

    def members(self, part: DevicePart) -> list[ScoredApp]:
        """The apps of ``part``, most exposed first."""
        return [s for s in self.report_apps if s.part is part]


PartFn = Callable[[DeviceInputs, DevicePart], list[ScoreReason]]


def counted(score: int, percent: int) -> int:
    """An app's score as its part counts it."""
    return scaled(score, percent)


def _share(percent: int) -> str:
    return "" if percent == 100 else f", counted at {percent}%"


def apps_part(inputs: DeviceInputs, part: DevicePart) -> list[ScoreReason]:
    """An app part: its most exposed app, a share of the next ones, its master-key holders and its pools, each
    at the part's share (``device.parts.<part>.percent``)."""
    d = inputs.weights.device
    percent = d.parts[part].percent
    noun, title = part_words(part)
    members = inputs.members(part)
    reasons: list[ScoreReason] = []
    if members and (top := counted(members[0].exposure.score, percent)) > 0:
        first = members[0]
        reasons.append(
            ScoreReason(
                rule="device.top_app",
                points=top,
                text=f"Highest {noun} score: {app_name(first.app)} scores {first.exposure.score}{_share(percent)}",
                evidence=(f"{app_name(first.app)} score={first.exposure.score} grade={first.exposure.grade.value}",),
            )
        )
    for s in members[1 : 1 + d.next_apps]:
        value = counted(s.exposure.score, percent)
        points = scaled(value, d.next_app_percent)
        if points > 0:
            reasons.append(
                ScoreReason(
                    rule="device.next_app",
                    points=points,
                    text=f"{d.next_app_percent}% of the next {noun}, {app_name(s.app)} ({value})",
                    evidence=(f"{app_name(s.app)} score={s.exposure.score} grade={s.exposure.grade.value}",),
                )
            )
    holders = [
        (app_name(s.app), special_evidence_text(sp))
        for s in members
        for sp in s.app.special_access
        if sp.kind in d.master_key_kinds
    ]
    names = sorted({name for name, _ in holders})
    keys = counted(min(d.master_key_cap, d.master_key_points * len(names)), percent)
    if names and keys > 0:
        reasons.append(
            ScoreReason(
                rule="device.master_keys",
                points=keys,
                text=(
                    f"{len(names)} {noun}(s) hold a master key: {', '.join(names)} "
                    f"({d.master_key_points} each, at most {d.master_key_cap}{_share(percent)})"
                ),
                evidence=tuple(sorted(f"{name}: {text}" for name, text in holders)),
            )
        )
    left = d.pool_cap
    for p in (p for p in inputs.pools if p.part is part):
        given = min(p.points, left)
        left -= given
        points = counted(given, percent)
        if points <= 0:
            continue
        note = f" (capped from {p.points})" if given < p.points else ""
        reasons.append(
            ScoreReason(
                rule=f"pool.{p.pool.kind}",
                points=points,
                text=p.pool.text + note + _share(percent),
                evidence=p.pool.apps,
            )
        )
    return reasons


def threats_part(inputs: DeviceInputs, part: DevicePart) -> list[ScoreReason]:
    """Known threats: each known-threat finding (AUD-IOC-001 … 004) adds its kind's points
    (``device.known_threats``: stalkerware and spyware 70, watchware 25), half for a low-confidence match, at
    the part's share. An app not installed for its user (kept as data only) adds nothing, as in the app parts."""
    if inputs.report is None:
        return []
    w = inputs.weights.device.threats
    percent = inputs.weights.device.parts[part].percent
    found: list[tuple[str, Finding]] = [
        (app_name(a), f)
        for a in inputs.report.apps
        if a.presence is not AppPresence.NOT_INSTALLED
        for f in a.findings
        if f.rule_id in THREAT_RULES
    ]
    found += [("the phone", f) for f in inputs.report.device_findings if f.rule_id in THREAT_RULES]
    reasons = []
    for where, f in found:
        threat = THREAT_RULES[f.rule_id]
        share = w.low_confidence_percent if f.confidence is Confidence.LOW else 100
        points = counted(scaled(w.points[threat], share), percent)
        if points <= 0:
            continue
        weak = f", counted at {share}%: a generic package name alone" if share != 100 else ""
        reasons.append(
            ScoreReason(
                rule=f"device.{threat.value}",
                points=points,
                text=f"{f.title} ({f.rule_id}, {f.confidence.value} confidence): {where}{weak}",
                evidence=f.evidence[:3],
            )
        )
    return reasons


def settings_part(inputs: DeviceInputs, part: DevicePart) -> list[ScoreReason]:
    """Phone settings: each posture finding adds points by its severity (``device.phone_settings``), most severe
    first, until the part's cap; the points stop there (a monotonic sum, cut at the cap)."""
    if inputs.report is None:
        return []
    w = inputs.weights.device.settings
    percent = inputs.weights.device.parts[part].percent
    left = w.cap
    reasons = []
    for f in inputs.report.device_findings:
        rule = DEVICE_RULES.get(f.rule_id)
        if rule is None or not rule.posture:
            continue
        given = min(w.points.get(f.severity, 0), left)
        left -= given
        points = counted(given, percent)
        if points <= 0:
            continue
        reasons.append(
            ScoreReason(
                rule="device.phone_setting",
                points=points,
                text=f"{f.title} ({f.rule_id}, {f.severity.value})" + (" (the part's cap)" if left == 0 else ""),
                evidence=f.evidence[:3],
            )
        )
    return reasons


PARTS: Mapping[DevicePart, PartFn] = {
    DevicePart.KNOWN_THREATS: threats_part,
    DevicePart.INSTALLED_APPS: apps_part,
    DevicePart.PREINSTALLED_APPS: apps_part,
    DevicePart.ALTERED_SYSTEM_APPS: apps_part,
    DevicePart.PHONE_SETTINGS: settings_part,
}
"""Every part's computation; a test checks that every ``DevicePart`` has one."""


def first_part(parts: Sequence[DevicePart | None]) -> DevicePart | None:
    """The first part, in ``DevicePart`` order, among ``parts`` (``None`` when all are the platform's)."""
    return next((p for p in DevicePart if p in parts), None)
