"""The scoring weights: every number the score uses, each with its rationale, from one data file.

The bundled ``auditor/data/weights.json`` is the default. A ``--weights FILE`` is merged over it
(objects key by key; lists and numbers replace), so a user can change one weight without copying
the rest. Validation enforces what keeps the score monotonic — no negative points, level factors
that never fall as the level rises, percentages within 0–100 — and reports the first problem as
one line naming the file and the key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

from auditor.errors import AuditorError
from auditor.model import AccessLevel, DataCategory, DevicePart, Grade, Severity, SpecialAccessKind, ThreatKind
from auditor.score.categories import load_categories
from auditor.untrusted import MAX_DOCUMENT_BYTES, UnsafeInputError, parse_json, read_regular

BUILT_IN = "built-in"
MAX_SCORE = 100


class WeightsError(AuditorError):
    """A weights file that cannot be used; the message names the file and the key."""


class Fact(StrEnum):
    """Facts about an app that combination profiles can require besides data categories."""

    INTERNET = "internet"
    """INTERNET is granted: what the app reaches can leave the phone."""
    BOOT = "boot"
    """RECEIVE_BOOT_COMPLETED is granted: the app starts itself when the phone starts."""
    HIDDEN_ICON = "hidden_icon"
    """The APK declares no launcher activity (known only when the APK was analysed)."""
    SIDELOADED = "sideloaded"
    """Installed from a file, by adb or by a browser or file manager."""


@dataclass(frozen=True)
class Points:
    """A number of points and why."""

    points: int
    rationale: str


@dataclass(frozen=True)
class Percent:
    """A percentage and why."""

    percent: int
    rationale: str


@dataclass(frozen=True)
class CategoryCondition:
    """The app reaches ``category`` at ``min_level`` or more (or, with ``background``, in the background)."""

    category: DataCategory
    min_level: AccessLevel = AccessLevel.WHILE_IN_USE
    background: bool = False

    def describe(self) -> str:
        if self.background:
            return f"{self.category.value} in the background"
        return f"{self.category.value} ≥ {self.min_level.value}"


@dataclass(frozen=True)
class EvidenceCondition:
    """One source (a permission name, ``special:<kind>`` or ``appop:<OP>``) gives ``min_level`` or more."""

    key: str
    min_level: AccessLevel = AccessLevel.WHILE_IN_USE

    def describe(self) -> str:
        return f"{self.key.removeprefix('android.permission.')} ≥ {self.min_level.value}"


@dataclass(frozen=True)
class SpecialCondition:
    """The app holds this special access."""

    kind: SpecialAccessKind

    def describe(self) -> str:
        return f"special {self.kind.value}"


@dataclass(frozen=True)
class FactCondition:
    """A fact about the app holds."""

    fact: Fact

    def describe(self) -> str:
        return self.fact.value


Condition = CategoryCondition | EvidenceCondition | SpecialCondition | FactCondition


@dataclass(frozen=True)
class Profile:
    """A named combination with a stable id: all clauses must hold, each clause by any one condition."""

    id: str
    name: str
    points: int
    requires: tuple[tuple[Condition, ...], ...]
    rationale: str

    def describe(self) -> str:
        """``a AND (b OR c) AND d``."""
        parts = []
        for clause in self.requires:
            text = " OR ".join(c.describe() for c in clause)
            parts.append(f"({text})" if len(clause) > 1 else text)
        return " AND ".join(parts)


@dataclass(frozen=True)
class Breadth:
    """Points for each category reached at ``min_level`` or more beyond ``free_categories``."""

    points_per_category: int
    free_categories: int
    min_level: AccessLevel
    rationale: str


@dataclass(frozen=True)
class TrackerWeights:
    """Points per Exodus tracker category (lower case), summed per tracker, capped per app."""

    categories: Mapping[str, Points]
    cap: int
    rationale: str


@dataclass(frozen=True)
class Modifiers:
    sideloaded: Points
    other_installer: Points
    legacy_target_sdk: Points
    debuggable: Points
    no_internet: Percent
    """The share of the data points taken off when the app cannot reach the network."""


@dataclass(frozen=True)
class Grades:
    thresholds: tuple[tuple[Grade, int], ...]
    """Each grade with the lowest score that earns it, from A (0) upwards."""
    rationale: str

    def grade(self, score: int) -> Grade:
        """The grade of a 0–100 score."""
        found = self.thresholds[0][0]
        for grade, lowest in self.thresholds:
            if score >= lowest:
                found = grade
        return found


@dataclass(frozen=True)
class ThreatWeights:
    """Points the known-threats part adds per known-threat finding (``device.known_threats``)."""

    points: Mapping[ThreatKind, int]
    low_confidence_percent: int
    """A finding of low confidence (a generic package name alone) counts at this share."""
    rationale: str


@dataclass(frozen=True)
class SettingsWeights:
    """Points the phone-settings part adds per posture finding, by severity, and its cap
    (``device.phone_settings``)."""

    points: Mapping[Severity, int]
    cap: int
    rationale: str


@dataclass(frozen=True)
class DeviceWeights:
    next_apps: int
    next_app_percent: int
    next_apps_rationale: str
    parts: Mapping[DevicePart, Percent]
    """The share at which each part's apps count (every ``DevicePart`` has one)."""
    master_key_points: int
    master_key_cap: int
    master_key_kinds: frozenset[SpecialAccessKind]
    master_keys_rationale: str
    pool_points_per_category: int
    pool_cap_per_pool: int
    pool_cap: int
    pool_min_level: AccessLevel
    pools_rationale: str
    threats: ThreatWeights
    settings: SettingsWeights


@dataclass(frozen=True)
class Weights:
    """Every number the score uses, with where it came from."""

    categories: Mapping[DataCategory, Points]
    levels: Mapping[AccessLevel, Percent]
    qualifiers: Mapping[str, Percent]
    breadth: Breadth
    profiles: tuple[Profile, ...]
    trackers: TrackerWeights
    modifiers: Modifiers
    grades: Grades
    device: DeviceWeights
    source: str
    """``built-in`` or the path of the ``--weights`` file."""
    sha256: str
    """SHA-256 of the bytes read: the bundled file, or the override file."""

    def profile(self, profile_id: str) -> Profile | None:
        return next((p for p in self.profiles if p.id == profile_id), None)


# --------------------------------------------------------------------------------------------------
# Reading and validating
# --------------------------------------------------------------------------------------------------

_E = TypeVar("_E", bound=StrEnum)


class _Reader:
    """Typed access to parsed JSON that fails with the dotted key of the bad value."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, problem: str) -> WeightsError:
        return WeightsError(f"weights {self.origin}: {path}: {problem}")

    def obj(self, value: object, path: str, keys: set[str] | None = None) -> dict[str, object]:
        if not isinstance(value, dict):
            raise self.fail(path, "expected an object")
        if keys is not None:
            unknown = sorted(set(value) - keys - {"_about"})
            if unknown:
                raise self.fail(path, f"unknown key {unknown[0]!r} (expected one of {', '.join(sorted(keys))})")
            missing = sorted(keys - set(value))
            if missing:
                raise self.fail(path, f"missing key {missing[0]!r}")
        return value

    def int_(self, value: object, path: str, *, low: int = 0, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number, got {value!r}")
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise self.fail(path, f"must be {bound}, got {value}")
        return value

    def str_(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "expected a non-empty text")
        return value

    def enum(self, cls: type[_E], value: object, path: str) -> _E:
        for member in cls:
            if member.value == value:
                return member
        choices = ", ".join(m.value for m in cls)
        raise self.fail(path, f"{value!r} is not one of {choices}")

    def points(self, value: object, path: str) -> Points:
        o = self.obj(value, path, {"points", "rationale"})
        return Points(self.int_(o["points"], f"{path}.points"), self.str_(o["rationale"], f"{path}.rationale"))

    def percent(self, value: object, path: str) -> Percent:
        o = self.obj(value, path, {"percent", "rationale"})
        return Percent(
            self.int_(o["percent"], f"{path}.percent", high=100), self.str_(o["rationale"], f"{path}.rationale")
        )


def _condition(r: _Reader, value: object, path: str) -> Condition:
    o = r.obj(value, path)
    kinds = [k for k in ("category", "evidence", "special", "fact") if k in o]
    if len(kinds) != 1:
        raise r.fail(path, "a condition names exactly one of category, evidence, special, fact")
    kind = kinds[0]
    allowed: set[str] = {kind}
    if kind in ("category", "evidence"):
        allowed.add("min_level")
    if kind == "category":
        allowed.add("background")
    extra = sorted(set(o) - allowed)
    if extra:
        raise r.fail(path, f"unknown key {extra[0]!r} for a {kind} condition")
    min_level = (
        r.enum(AccessLevel, o["min_level"], f"{path}.min_level") if "min_level" in o else AccessLevel.WHILE_IN_USE
    )
    if kind == "category":
        background = o.get("background", False)
        if not isinstance(background, bool):
            raise r.fail(f"{path}.background", "expected true or false")
        return CategoryCondition(r.enum(DataCategory, o["category"], f"{path}.category"), min_level, background)
    if kind == "evidence":
        return EvidenceCondition(r.str_(o["evidence"], f"{path}.evidence"), min_level)
    if kind == "special":
        return SpecialCondition(r.enum(SpecialAccessKind, o["special"], f"{path}.special"))
    return FactCondition(r.enum(Fact, o["fact"], f"{path}.fact"))


def _profile(r: _Reader, pid: str, value: object, path: str) -> Profile:
    o = r.obj(value, path, {"name", "points", "requires", "rationale"})
    requires = o["requires"]
    if not isinstance(requires, list) or not requires:
        raise r.fail(f"{path}.requires", "expected a non-empty list of clauses")
    clauses: list[tuple[Condition, ...]] = []
    for i, clause in enumerate(requires):
        cpath = f"{path}.requires[{i}]"
        if not isinstance(clause, list) or not clause:
            raise r.fail(cpath, "expected a non-empty list of conditions (any one of them suffices)")
        clauses.append(tuple(_condition(r, c, f"{cpath}[{j}]") for j, c in enumerate(clause)))
    return Profile(
        id=pid,
        name=r.str_(o["name"], f"{path}.name"),
        points=r.int_(o["points"], f"{path}.points"),
        requires=tuple(clauses),
        rationale=r.str_(o["rationale"], f"{path}.rationale"),
    )


def _levels(r: _Reader, value: object) -> dict[AccessLevel, Percent]:
    o = r.obj(value, "levels", {lv.value for lv in AccessLevel})
    levels = {lv: r.percent(o[lv.value], f"levels.{lv.value}") for lv in AccessLevel}
    if levels[AccessLevel.NONE].percent != 0:
        raise r.fail("levels.none.percent", "must be 0 (an unreached category scores nothing)")
    previous = AccessLevel.NONE
    for lv in AccessLevel:
        if levels[lv].percent < levels[previous].percent:
            raise r.fail(
                f"levels.{lv.value}.percent",
                f"must not be below levels.{previous.value} ({levels[previous].percent}): "
                "a higher level may never score less",
            )
        previous = lv
    return levels


def _grades(r: _Reader, value: object) -> Grades:
    o = r.obj(value, "grades", {"thresholds", "rationale"})
    t = r.obj(o["thresholds"], "grades.thresholds", {g.value for g in Grade})
    thresholds = tuple((g, r.int_(t[g.value], f"grades.thresholds.{g.value}", high=MAX_SCORE)) for g in Grade)
    if thresholds[0][1] != 0:
        raise r.fail("grades.thresholds.A", "must be 0 (every score has a grade)")
    for (_, low), (grade, high) in zip(thresholds, thresholds[1:], strict=False):
        if high <= low:
            raise r.fail(f"grades.thresholds.{grade.value}", "must be above the previous grade's threshold")
    return Grades(thresholds, r.str_(o["rationale"], "grades.rationale"))


def _device(r: _Reader, value: object) -> DeviceWeights:
    o = r.obj(value, "device", {"parts", "next_apps", "master_keys", "pools", "known_threats", "phone_settings"})
    kt = r.obj(o["known_threats"], "device.known_threats", {"points", "low_confidence_percent", "rationale"})
    ktp = r.obj(kt["points"], "device.known_threats.points", {t.value for t in ThreatKind})
    ps = r.obj(o["phone_settings"], "device.phone_settings", {"points", "cap", "rationale"})
    psp = r.obj(ps["points"], "device.phone_settings.points", {v.value for v in Severity if v is not Severity.INFO})
    nxt = r.obj(o["next_apps"], "device.next_apps", {"count", "percent", "rationale"})
    parts = r.obj(o["parts"], "device.parts", {p.value for p in DevicePart})
    mk = r.obj(o["master_keys"], "device.master_keys", {"points", "cap", "kinds", "rationale"})
    pools = r.obj(o["pools"], "device.pools", {"points_per_category", "cap_per_pool", "cap", "min_level", "rationale"})
    kinds = mk["kinds"]
    if not isinstance(kinds, list):
        raise r.fail("device.master_keys.kinds", "expected a list of special access kinds")
    return DeviceWeights(
        next_apps=r.int_(nxt["count"], "device.next_apps.count", high=50),
        next_app_percent=r.int_(nxt["percent"], "device.next_apps.percent", high=100),
        next_apps_rationale=r.str_(nxt["rationale"], "device.next_apps.rationale"),
        parts={p: r.percent(parts[p.value], f"device.parts.{p.value}") for p in DevicePart},
        master_key_points=r.int_(mk["points"], "device.master_keys.points"),
        master_key_cap=r.int_(mk["cap"], "device.master_keys.cap"),
        master_key_kinds=frozenset(
            r.enum(SpecialAccessKind, k, f"device.master_keys.kinds[{i}]") for i, k in enumerate(kinds)
        ),
        master_keys_rationale=r.str_(mk["rationale"], "device.master_keys.rationale"),
        pool_points_per_category=r.int_(pools["points_per_category"], "device.pools.points_per_category"),
        pool_cap_per_pool=r.int_(pools["cap_per_pool"], "device.pools.cap_per_pool"),
        pool_cap=r.int_(pools["cap"], "device.pools.cap"),
        pool_min_level=r.enum(AccessLevel, pools["min_level"], "device.pools.min_level"),
        pools_rationale=r.str_(pools["rationale"], "device.pools.rationale"),
        threats=ThreatWeights(
            points={t: r.int_(ktp[t.value], f"device.known_threats.points.{t.value}", high=100) for t in ThreatKind},
            low_confidence_percent=r.int_(
                kt["low_confidence_percent"], "device.known_threats.low_confidence_percent", high=100
            ),
            rationale=r.str_(kt["rationale"], "device.known_threats.rationale"),
        ),
        settings=SettingsWeights(
            points={
                v: r.int_(psp[v.value], f"device.phone_settings.points.{v.value}", high=100)
                for v in Severity
                if v is not Severity.INFO
            },
            cap=r.int_(ps["cap"], "device.phone_settings.cap", high=100),
            rationale=r.str_(ps["rationale"], "device.phone_settings.rationale"),
        ),
    )


def parse_weights(raw: object, *, source: str, sha256: str) -> Weights:
    """Typed, validated weights from parsed JSON (raises WeightsError naming the first problem)."""
    r = _Reader(source)
    top = r.obj(
        raw,
        "(top level)",
        {"categories", "levels", "qualifiers", "breadth", "profiles", "trackers", "modifiers", "grades", "device"},
    )
    cats = r.obj(top["categories"], "categories", {c.value for c in DataCategory})
    categories = {c: r.points(cats[c.value], f"categories.{c.value}") for c in DataCategory}

    quals = r.obj(top["qualifiers"], "qualifiers")
    qualifiers = {name: r.percent(v, f"qualifiers.{name}") for name, v in quals.items()}
    missing = sorted(load_categories().qualifiers - set(qualifiers))
    if missing:
        raise r.fail("qualifiers", f"missing a factor for {missing[0]!r} (used in categories.json)")

    b = r.obj(top["breadth"], "breadth", {"points_per_category", "free_categories", "min_level", "rationale"})
    breadth = Breadth(
        points_per_category=r.int_(b["points_per_category"], "breadth.points_per_category"),
        free_categories=r.int_(b["free_categories"], "breadth.free_categories"),
        min_level=r.enum(AccessLevel, b["min_level"], "breadth.min_level"),
        rationale=r.str_(b["rationale"], "breadth.rationale"),
    )
    if breadth.min_level is AccessLevel.NONE:
        raise r.fail("breadth.min_level", "must be above none")

    profs = r.obj(top["profiles"], "profiles")
    profiles = tuple(_profile(r, pid, v, f"profiles.{pid}") for pid, v in profs.items())

    t = r.obj(top["trackers"], "trackers", {"categories", "cap", "rationale"})
    tcats = r.obj(t["categories"], "trackers.categories")
    trackers = TrackerWeights(
        categories={k.lower(): r.points(v, f"trackers.categories.{k}") for k, v in tcats.items()},
        cap=r.int_(t["cap"], "trackers.cap"),
        rationale=r.str_(t["rationale"], "trackers.rationale"),
    )

    m = r.obj(
        top["modifiers"],
        "modifiers",
        {"sideloaded", "other_installer", "legacy_target_sdk", "debuggable", "no_internet"},
    )
    modifiers = Modifiers(
        sideloaded=r.points(m["sideloaded"], "modifiers.sideloaded"),
        other_installer=r.points(m["other_installer"], "modifiers.other_installer"),
        legacy_target_sdk=r.points(m["legacy_target_sdk"], "modifiers.legacy_target_sdk"),
        debuggable=r.points(m["debuggable"], "modifiers.debuggable"),
        no_internet=r.percent(m["no_internet"], "modifiers.no_internet"),
    )
    return Weights(
        categories=categories,
        levels=_levels(r, top["levels"]),
        qualifiers=qualifiers,
        breadth=breadth,
        profiles=profiles,
        trackers=trackers,
        modifiers=modifiers,
        grades=_grades(r, top["grades"]),
        device=_device(r, top["device"]),
        source=source,
        sha256=sha256,
    )


def merge(base: object, override: object) -> object:
    """``override`` over ``base``: objects merge key by key; anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    return override


def _bundled_bytes() -> bytes:
    return resources.files("auditor.data").joinpath("weights.json").read_bytes()


@cache
def _bundled() -> Weights:
    data = _bundled_bytes()
    return parse_weights(json.loads(data), source=BUILT_IN, sha256=hashlib.sha256(data).hexdigest())


def load_weights(path: Path | None = None) -> Weights:
    """The bundled weights, or ``path`` merged over them.

    Raises ``WeightsError`` (an ``AuditorError``) with one line naming the file and the problem.
    """
    if path is None:
        return _bundled()
    try:
        data = read_regular(path, MAX_DOCUMENT_BYTES)
        override = parse_json(data.decode("utf-8"), str(path))
    except UnsafeInputError as e:
        raise WeightsError(f"weights {e}") from None
    except UnicodeDecodeError as e:
        raise WeightsError(f"weights {path}: not UTF-8 text") from e
    except json.JSONDecodeError as e:
        raise WeightsError(f"weights {path}: not JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
    if not isinstance(override, dict):
        raise WeightsError(f"weights {path}: expected a JSON object at the top level")
    merged = merge(json.loads(_bundled_bytes()), override)
    return parse_weights(merged, source=str(path), sha256=hashlib.sha256(data).hexdigest())
