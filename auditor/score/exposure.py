"""An app's exposure score: additive over data categories, plus stated combination terms and modifiers.

The score is the sum of its reasons, exactly. Every addend is a ``ScoreReason`` naming its rule and
its evidence; the cap at 100 is itself a reason with negative points. Nothing is a ratio: MobSF's
``findings / total`` score can *rise* when a finding is added. Each addend here is a non-decreasing
function of what the app reaches, so granting more never lowers the score (see docs/scoring.md for
the argument, and the property test that checks it):

* a category's points are the best of its evidence (``weight × level% × qualifier%``);
* breadth counts categories at or above a level; a profile holds or not, and holding needs more;
* trackers add up to a cap; install source, legacy target SDK and a debuggable build do not
  depend on grants at all;
* "no INTERNET" takes a stated share *of the data points* off, so granting INTERNET removes a
  reduction and never lowers anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import assert_never

from auditor.model import (
    AccessLevel,
    AppReport,
    CategoryExposure,
    DataCategory,
    EffectiveAccess,
    Exposure,
    InstallSource,
    PermissionReport,
    ScoreReason,
)
from auditor.score.categories import AppReach, CategoryReach, CategoryTable, Evidence, app_reach, load_categories
from auditor.score.evidence import tracker_evidence_text
from auditor.score.weights import (
    MAX_SCORE,
    CategoryCondition,
    Condition,
    EvidenceCondition,
    Fact,
    FactCondition,
    Profile,
    SpecialCondition,
    Weights,
)

INTERNET = "android.permission.INTERNET"
BOOT = "android.permission.RECEIVE_BOOT_COMPLETED"

CATEGORY_LABELS: dict[DataCategory, str] = {
    DataCategory.LOCATION: "Location",
    DataCategory.CONTACTS: "Contacts and call log",
    DataCategory.MESSAGES: "Messages",
    DataCategory.CAMERA: "Camera",
    DataCategory.MICROPHONE: "Microphone",
    DataCategory.MEDIA: "Photos, videos and files",
    DataCategory.CALENDAR: "Calendar",
    DataCategory.HEALTH: "Health and body",
    DataCategory.IDENTITY: "Identity and device identifiers",
    DataCategory.APP_ACTIVITY: "App activity",
    DataCategory.SCREEN_INPUT: "Screen and input",
    DataCategory.DEVICE_CONTROL: "Device control",
}


def level_phrase(level: AccessLevel) -> str:
    """The level in plain words."""
    match level:
        case AccessLevel.NONE:
            return "not reached"
        case AccessLevel.REQUESTED:
            return "requested, not granted"
        case AccessLevel.WHILE_IN_USE:
            return "granted while in use"
        case AccessLevel.ALL_THE_TIME:
            return "granted all the time"
        case AccessLevel.USED_FOREGROUND:
            return "used (in the foreground)"
        case AccessLevel.USED_BACKGROUND:
            return "used in the background"
        case AccessLevel.SPECIAL_ACCESS:
            return "special access enabled"
        case _:
            assert_never(level)


# --------------------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppFacts:
    """What profiles and modifiers need besides categories; none of it is lowered by granting more."""

    internet: bool
    internet_absent: bool
    """INTERNET is known not to be granted (so the no-INTERNET reduction applies); unknown is not absent."""
    boot: bool
    hidden_icon: bool
    sideloaded: bool
    other_installer: bool
    legacy_target_sdk: int | None
    """The target SDK when it is below 23 (everything granted at install), else ``None``."""
    debuggable: bool

    def holds(self, fact: Fact) -> bool:
        match fact:
            case Fact.INTERNET:
                return self.internet
            case Fact.BOOT:
                return self.boot
            case Fact.HIDDEN_ICON:
                return self.hidden_icon
            case Fact.SIDELOADED:
                return self.sideloaded
            case _:
                assert_never(fact)


def _install_permission(app: AppReport, name: str) -> tuple[bool, bool]:
    """(granted, known absent) for a normal permission, from the dump or else the APK manifest."""
    row = next((p for p in app.permissions if p.name == name), None)
    if row is not None:
        # A normal permission is granted at install; granted=false only where the OS lets the user deny
        # it (GrapheneOS's Network toggle) or a policy does.
        return row.granted is not False and row.effective is not EffectiveAccess.NOT_REQUESTED, row.granted is False
    if app.apk is not None:
        requested = any(p.name == name for p in app.apk.permissions)
        return requested, not requested
    # No row: absent only when the source listed what the app requests (per-package dumps do).
    return False, any(p.requested is not None for p in app.permissions)


def app_facts(app: AppReport) -> AppFacts:
    """Facts about ``app`` from its report and, when analysed, its APK."""
    internet, internet_absent = _install_permission(app, INTERNET)
    boot, _ = _install_permission(app, BOOT)
    target = app.target_sdk if app.target_sdk is not None else (app.apk.target_sdk if app.apk else None)
    return AppFacts(
        internet=internet,
        internet_absent=internet_absent and not internet,
        boot=boot,
        hidden_icon=bool(app.apk is not None and app.apk.hides_launcher_icon),
        sideloaded=app.install_source is InstallSource.SIDELOADED,
        other_installer=app.install_source is InstallSource.OTHER_INSTALLER,
        legacy_target_sdk=target if target is not None and target < 23 else None,
        debuggable=app.debuggable or bool(app.apk is not None and app.apk.debuggable),
    )


# --------------------------------------------------------------------------------------------------
# Conditions and profiles
# --------------------------------------------------------------------------------------------------


def condition_holds(condition: Condition, app: AppReport, reach: AppReach, facts: AppFacts) -> bool:
    """Whether one profile condition holds for ``app``."""
    match condition:
        case CategoryCondition(category=category, min_level=min_level, background=background):
            found = reach.categories.get(category)
            if found is None:
                return False
            return found.background if background else found.level.rank >= min_level.rank
        case EvidenceCondition(key=key, min_level=min_level):
            return reach.key_level(key).rank >= min_level.rank
        case SpecialCondition(kind=kind):
            return any(s.kind is kind for s in app.special_access)
        case FactCondition(fact=fact):
            return facts.holds(fact)
        case _:
            assert_never(condition)


def profile_matches(profile: Profile, app: AppReport, reach: AppReach, facts: AppFacts) -> tuple[str, ...] | None:
    """The conditions that hold, one per clause, when every clause holds; else ``None``."""
    met: list[str] = []
    for clause in profile.requires:
        holding = [c.describe() for c in clause if condition_holds(c, app, reach, facts)]
        if not holding:
            return None
        met.append(" / ".join(holding))
    return tuple(met)


# --------------------------------------------------------------------------------------------------
# Points
# --------------------------------------------------------------------------------------------------


def scaled(points: int, *percents: int) -> int:
    """``points × p1% × p2% …`` rounded half up, in integers (non-decreasing in every argument)."""
    numerator = points
    denominator = 1
    for p in percents:
        numerator *= p
        denominator *= 100
    return (2 * numerator + denominator) // (2 * denominator)


def evidence_points(evidence: Evidence, weights: Weights) -> int:
    """What one piece of evidence is worth: category weight × level factor × qualifier factor."""
    percents = [weights.levels[evidence.level].percent]
    if evidence.qualifier is not None:
        percents.append(weights.qualifiers[evidence.qualifier].percent)
    return scaled(weights.categories[evidence.category].points, *percents)


def strongest(reach: CategoryReach, weights: Weights) -> tuple[Evidence, int]:
    """The evidence worth most (ties: higher level, then the unqualified one, then table order)."""
    scored = [
        (evidence_points(e, weights), e.level.rank, e.qualifier is None, -i, e) for i, e in enumerate(reach.evidence)
    ]
    best = max(scored, key=lambda t: t[:4])
    return best[4], best[0]


def _category_reason(reach: CategoryReach, top: Evidence, points: int, qualifiers: tuple[str, ...]) -> ScoreReason:
    label = CATEGORY_LABELS[reach.category]
    text = f"{label}: {level_phrase(reach.level)}"
    if top.level is not reach.level:
        text += f"; scored on {top.key} ({level_phrase(top.level)})"
    if qualifiers:
        text += f" [{', '.join(qualifiers)}]"
    if reach.roles:
        text += f"; explained by the {', '.join(reach.roles)} role (said, not discounted)"
    ordered = sorted(reach.evidence, key=lambda e: (e is not top, -e.level.rank))
    return ScoreReason(
        rule=f"category.{reach.category.value}",
        points=points,
        text=text,
        evidence=tuple(dict.fromkeys(e.text for e in ordered)),
        category=reach.category,
    )


def _tracker_points(categories: Iterable[str], weights: Weights) -> int:
    table = weights.trackers.categories
    return sum(table[c.lower()].points for c in categories if c.lower() in table)


def cap(reasons: list[ScoreReason]) -> int:
    """The score: the sum of ``reasons``, at most ``MAX_SCORE``.

    Above the cap a negative ``cap`` reason is appended, so the reasons still add up to the score
    exactly (app and device scores alike). Clamping keeps the score monotonic.
    """
    total = sum(r.points for r in reasons)
    if total > MAX_SCORE:
        reasons.append(
            ScoreReason(
                rule="cap", points=MAX_SCORE - total, text=f"Capped at {MAX_SCORE} (the reasons add up to {total})"
            )
        )
        total = MAX_SCORE
    return total


def score_app(
    app: AppReport,
    weights: Weights,
    table: CategoryTable | None = None,
    *,
    reach: AppReach | None = None,
    facts: AppFacts | None = None,
) -> Exposure:
    """The exposure of one app: per-category reach, and a 0–100 score whose reasons sum to it exactly.

    ``reach`` and ``facts`` may be passed when the caller already has them (findings read the same).
    """
    reach = reach or app_reach(app, table or load_categories())
    facts = facts or app_facts(app)
    reasons: list[ScoreReason] = []
    categories: list[CategoryExposure] = []

    for category in DataCategory:
        found = reach.categories.get(category)
        if found is None:
            continue
        top, points = strongest(found, weights)
        qualifiers = found.qualifiers + (
            (top.qualifier,) if top.qualifier and top.qualifier not in found.qualifiers else ()
        )
        via = tuple(dict.fromkeys(e.key for e in found.evidence if e.level is found.level))
        categories.append(CategoryExposure(category, found.level, points, via, qualifiers))
        if points > 0:
            reasons.append(_category_reason(found, top, points, qualifiers))

    breadth = weights.breadth
    wide = [c for c in categories if c.level.rank >= breadth.min_level.rank]
    extra = max(0, len(wide) - breadth.free_categories)
    if extra and breadth.points_per_category:
        reasons.append(
            ScoreReason(
                rule="combination.breadth",
                points=extra * breadth.points_per_category,
                text=(
                    f"Reaches {len(wide)} categories ({level_phrase(breadth.min_level)} or more): "
                    f"{extra} beyond the first {breadth.free_categories}, "
                    f"{breadth.points_per_category} points each"
                ),
                evidence=tuple(f"{c.category.value}: {c.level.value}" for c in wide),
            )
        )

    matched: list[str] = []
    for profile in weights.profiles:
        met = profile_matches(profile, app, reach, facts)
        if met is None:
            continue
        matched.append(profile.id)
        if profile.points:
            reasons.append(
                ScoreReason(
                    rule=f"combination.{profile.id}",
                    points=profile.points,
                    text=f"{profile.name}: {profile.describe()}",
                    evidence=met,
                )
            )

    reasons.extend(_tracker_reasons(app, weights))

    if facts.internet_absent:
        base = sum(r.points for r in reasons)
        reduction = base * weights.modifiers.no_internet.percent // 100
        if reduction:
            reasons.append(
                ScoreReason(
                    rule="modifier.no_internet",
                    points=-reduction,
                    text=(
                        f"No INTERNET permission: {weights.modifiers.no_internet.percent}% of the "
                        f"{base} data points off (the data cannot leave directly)"
                    ),
                    evidence=(_internet_evidence(app),),
                )
            )

    reasons.extend(_install_reasons(app, facts, weights))

    total = cap(reasons)
    return Exposure(
        score=total,
        grade=weights.grades.grade(total),
        categories=tuple(categories),
        reasons=tuple(reasons),
        profiles=tuple(matched),
    )


def _tracker_reasons(app: AppReport, weights: Weights) -> list[ScoreReason]:
    if app.apk is None:
        return []
    scored = sorted(
        ((_tracker_points(t.categories, weights), t) for t in app.apk.trackers),
        key=lambda pt: (-pt[0], pt[1].name, pt[1].id),
    )
    reasons: list[ScoreReason] = []
    left = weights.trackers.cap
    for points, tracker in scored:
        given = min(points, left)
        if given <= 0:
            continue
        left -= given
        kinds = ", ".join(tracker.categories) or "no category"
        capped = f" (capped: {points} before the {weights.trackers.cap}-point tracker cap)" if given < points else ""
        reasons.append(
            ScoreReason(
                rule="modifier.tracker",
                points=given,
                text=f"Tracker {tracker.name} ({kinds}) can carry data out{capped}",
                evidence=(tracker_evidence_text(tracker),),
            )
        )
    return reasons


def _internet_evidence(app: AppReport) -> str:
    row: PermissionReport | None = next((p for p in app.permissions if p.name == INTERNET), None)
    if row is not None:
        return f"{INTERNET} granted={str(row.granted).lower()}"
    if app.apk is not None:
        return f"{INTERNET} not in the APK manifest"
    return f"{INTERNET} not among the requested permissions"


def _install_reasons(app: AppReport, facts: AppFacts, weights: Weights) -> list[ScoreReason]:
    m = weights.modifiers
    install = f"installer={app.installer or 'none'} initiating={app.initiating_installer or 'none'}"
    found: list[tuple[str, int, str, str]] = []
    if facts.sideloaded:
        found.append(("sideloaded", m.sideloaded.points, "Sideloaded (no store review)", install))
    if facts.other_installer:
        found.append(
            ("other_installer", m.other_installer.points, "Installed by an app that is not a known store", install)
        )
    if facts.legacy_target_sdk is not None:
        found.append(
            (
                "legacy_target_sdk",
                m.legacy_target_sdk.points,
                "Legacy target SDK: every permission was granted at install",
                f"targetSdk={facts.legacy_target_sdk}",
            )
        )
    if facts.debuggable:
        found.append(
            (
                "debuggable",
                m.debuggable.points,
                "Debuggable build: its private data is readable over adb",
                "flags=[DEBUGGABLE]",
            )
        )
    return [
        ScoreReason(rule=f"modifier.{rid}", points=points, text=text, evidence=(evidence,))
        for rid, points, text, evidence in found
        if points
    ]
