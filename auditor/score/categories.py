"""Which personal data an app reaches, and how far: the evidence behind every category level.

The table of what each permission, special access and app-op reaches lives in
``auditor/data/categories.json`` (one place, a rationale per entry). This module turns an
``AppReport`` into *evidence*: one item per (source, category) with the access level that source
gives. A category's level is the highest level of its evidence. Nothing here depends on the
weights, so findings and scores read the same levels.

Levels follow the issue's order (``AccessLevel.rank``): requested < while in use < all the time <
used in the foreground < used in the background < special access. A recorded app-op access counts
only while the permission is still usable: after a revoke the past use is history, not reach, so
following a remediation lowers the score (and a revoke can never raise it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import assert_never

from auditor.analyse.build import access_state
from auditor.model import (
    AccessEvent,
    AccessLevel,
    AccessState,
    AppReport,
    DataCategory,
    EffectiveAccess,
    OpEntry,
    OpEventKind,
    PermissionKind,
    PermissionReport,
    SpecialAccessKind,
    UsageTotals,
)
from auditor.score.evidence import (
    ago_text,
    permission_evidence_text,
    role_short_name,
    special_evidence_text,
    usage_text,
)

log = logging.getLogger(__name__)

SPECIAL_PREFIX = "special:"
APPOP_PREFIX = "appop:"
PREFIX_PREFIX = "prefix:"

# Op modes that stop an op (AppOpsManager MODE_IGNORED / MODE_ERRORED); "errored" is an older spelling.
_DENYING_MODES = frozenset({"ignore", "deny", "errored"})


def special_key(kind: SpecialAccessKind) -> str:
    """The table key of a special access, e.g. ``special:accessibility_service``."""
    return SPECIAL_PREFIX + kind.value


@dataclass(frozen=True)
class CategoryEntry:
    """One category a source reaches, why, and how narrowly (a qualifier scores lower)."""

    category: DataCategory
    rationale: str
    qualifier: str | None = None
    """A narrower reach (``approximate_only``, ``selected_photos_only`` …); its factor is in weights.json."""


@dataclass(frozen=True)
class RoleExplanation:
    """The categories a role explains: the default dialer holds the call log because it is the dialer."""

    role: str
    explains: frozenset[DataCategory]
    rationale: str


@dataclass(frozen=True)
class CategoryTable:
    """``categories.json`` as typed objects."""

    entries: Mapping[str, tuple[CategoryEntry, ...]]
    prefixes: tuple[tuple[str, tuple[CategoryEntry, ...]], ...]
    no_data: Mapping[str, str]
    """Keys known to reach no personal data, with why (so "missing" and "nothing" differ)."""
    roles: Mapping[str, RoleExplanation]

    def lookup(self, key: str) -> tuple[CategoryEntry, ...]:
        """The categories a permission, ``special:`` or ``appop:`` key reaches (empty when none)."""
        found = self.entries.get(key)
        if found is not None:
            return found
        for prefix, entries in self.prefixes:
            if key.startswith(prefix):
                return entries
        return ()

    def knows(self, key: str) -> bool:
        """True when the table says something about ``key`` (categories, or that it reaches nothing)."""
        return bool(self.lookup(key)) or key in self.no_data

    @property
    def qualifiers(self) -> frozenset[str]:
        """Every qualifier an entry uses (each needs a factor in the weights)."""
        every = [e for entries in self.entries.values() for e in entries]
        every += [e for _, entries in self.prefixes for e in entries]
        return frozenset(e.qualifier for e in every if e.qualifier is not None)


def _entries(key: str, raw: object) -> tuple[CategoryEntry, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"categories.json: {key}: expected a non-empty list of entries")
    out: list[CategoryEntry] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("rationale"), str):
            raise ValueError(f"categories.json: {key}: each entry needs a category and a rationale")
        qualifier = item.get("qualifier")
        out.append(
            CategoryEntry(
                category=DataCategory(item["category"]),
                rationale=item["rationale"],
                qualifier=qualifier if isinstance(qualifier, str) else None,
            )
        )
    return tuple(out)


def parse_categories(text: str) -> CategoryTable:
    """Parse the category table (raises ValueError on a malformed table)."""
    raw = json.loads(text)
    entries: dict[str, tuple[CategoryEntry, ...]] = {}
    prefixes: list[tuple[str, tuple[CategoryEntry, ...]]] = []
    for key, value in raw["entries"].items():
        parsed = _entries(key, value)
        if key.startswith(PREFIX_PREFIX):
            prefixes.append((key.removeprefix(PREFIX_PREFIX), parsed))
        else:
            entries[key] = parsed
    roles = {
        name: RoleExplanation(name, frozenset(DataCategory(c) for c in v["explains"]), str(v["rationale"]))
        for name, v in raw["roles"].items()
    }
    return CategoryTable(
        entries=entries,
        prefixes=tuple(prefixes),
        no_data={str(k): str(v) for k, v in raw["no_data"].items()},
        roles=roles,
    )


@cache
def load_categories() -> CategoryTable:
    """The bundled category table (read once per process)."""
    text = resources.files("auditor.data").joinpath("categories.json").read_text("utf-8")
    return parse_categories(text)


# --------------------------------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One source's reach into one category: the level it gives and the line that proves it."""

    key: str
    """Permission name, ``special:<kind>`` or ``appop:<OP>``."""
    category: DataCategory
    level: AccessLevel
    qualifier: str | None
    """The table entry's narrower reach, if any."""
    background: bool
    """Reachable (or reached) while the app is not in use: granted all the time, used in the
    background, or a special access."""
    text: str
    """The evidence line shown in reasons, e.g. ``android.permission.CAMERA granted=true …``."""
    states: tuple[str, ...] = ()
    """What the level does not show: ``one_time``, ``user_fixed_denial``, ``auto_revoked`` …"""
    by_role: bool = False
    """The grant carries GRANTED_BY_ROLE: Android gave it because of a role the app holds."""


@dataclass(frozen=True)
class CategoryReach:
    """How far one app reaches one category, with every piece of evidence."""

    category: DataCategory
    level: AccessLevel
    background: bool
    evidence: tuple[Evidence, ...]
    qualifiers: tuple[str, ...]
    """State qualifiers of the evidence and ``explained_by_role:<ROLE>``; the entry qualifier of the
    strongest evidence is added by the scorer, which knows which evidence is strongest."""
    roles: tuple[str, ...] = ()
    """Roles the app holds that explain this category (short names, e.g. ``DIALER``)."""


@dataclass(frozen=True)
class AppReach:
    """Everything an app reaches: per category, and the evidence by source key."""

    categories: Mapping[DataCategory, CategoryReach]
    evidence: tuple[Evidence, ...]

    def level(self, category: DataCategory) -> AccessLevel:
        found = self.categories.get(category)
        return found.level if found is not None else AccessLevel.NONE

    def key_level(self, key: str) -> AccessLevel:
        """The highest level one source gives, over all its categories (NONE when absent)."""
        levels = [e.level for e in self.evidence if e.key == key]
        return max(levels, key=lambda lv: lv.rank) if levels else AccessLevel.NONE


def _recorded(row: PermissionReport) -> tuple[bool, bool]:
    """(an access is recorded, one of them in the background)."""
    background = row.last_background_access is not None or row.last_access_state is AccessState.BACKGROUND
    recorded = (
        background
        or row.last_access is not None
        or row.last_access_ago_ms is not None
        or row.last_access_state is not None
    )
    return recorded, background


def permission_level(row: PermissionReport) -> tuple[AccessLevel, bool]:
    """The level one permission row gives, and whether it reaches into the background.

    Denied, legacy-revoked and op-denied rows give REQUESTED (asked for, not usable). A row whose
    grant state is unknown still counts a recorded access: the access proves the reach.
    """
    usable: bool
    background = False
    asked = AccessLevel.REQUESTED if row.requested is not False else AccessLevel.NONE
    match row.effective:
        case EffectiveAccess.ALLOWED:
            # An app-op backed special (overlay, usage access …) that is allowed *is* the special access.
            level = AccessLevel.SPECIAL_ACCESS if row.kind is PermissionKind.APPOP else AccessLevel.ALL_THE_TIME
            usable, background = True, True
        case EffectiveAccess.FOREGROUND_ONLY:
            level, usable = AccessLevel.WHILE_IN_USE, True
        case EffectiveAccess.DENIED | EffectiveAccess.REVOKED_COMPAT | EffectiveAccess.APPOP_DENIED:
            level, usable = asked, False
        case EffectiveAccess.NOT_REQUESTED:
            level, usable = AccessLevel.NONE, False
        case EffectiveAccess.UNKNOWN:
            level, usable = asked, True
        case _:
            assert_never(row.effective)
    if usable:
        recorded, recorded_bg = _recorded(row)
        if recorded_bg:
            level, background = max_level(level, AccessLevel.USED_BACKGROUND), True
        elif recorded:
            level = max_level(level, AccessLevel.USED_FOREGROUND)
    return level, background


def max_level(*levels: AccessLevel) -> AccessLevel:
    """The highest of some levels (NONE when given none)."""
    return max(levels, key=lambda lv: lv.rank, default=AccessLevel.NONE)


def permission_states(row: PermissionReport) -> tuple[str, ...]:
    """Qualifiers that say what a row's level does not: how it was granted or denied."""
    states: list[str] = []
    flags = set(row.flags)
    if row.granted is None:
        states.append("grant_unknown")
    if row.granted and "ONE_TIME" in flags:
        states.append("one_time")
    if row.granted is False and "USER_FIXED" in flags:
        states.append("user_fixed_denial")
    if "AUTO_REVOKED" in flags:
        states.append("auto_revoked")
    if row.effective is EffectiveAccess.REVOKED_COMPAT:
        states.append("legacy_revoked")
    if "POLICY_FIXED" in flags:
        states.append("policy_fixed")
    return tuple(states)


def granted_by_role(row: PermissionReport) -> bool:
    """Android says the grant came with a role the app holds (flag GRANTED_BY_ROLE)."""
    return bool(row.granted) and "GRANTED_BY_ROLE" in row.flags


def op_evidence(entry: OpEntry, events: Sequence[AccessEvent] = ()) -> tuple[AccessLevel, bool, str] | None:
    """Level, background and text of an op no permission covers; only a recorded access counts
    (the mode alone is usually the default every app has). ``events`` are the op's events from both
    app-op records: a background access only the discrete history holds counts too."""
    if entry.mode in _DENYING_MODES:
        return None
    accesses = [e for e in entry.events if e.kind is OpEventKind.ACCESS]
    recorded = [e for e in events if e.kind is OpEventKind.ACCESS]
    if not accesses and not entry.running and not recorded:
        return None
    background = any(access_state(e) is AccessState.BACKGROUND for e in accesses) or any(
        e.state is AccessState.BACKGROUND for e in recorded
    )
    if entry.running:
        when = "running now"
    elif accesses:
        # The newest access: the smallest "ago" when printed (appops get), else the latest absolute time.
        timed = [e for e in accesses if e.ago_ms is not None]
        newest = min(timed, key=lambda e: e.ago_ms or 0) if timed else max(accesses, key=lambda e: e.time or "")
        when = newest.time or ago_text(newest.ago_ms) or "recorded"
    else:
        when = recorded[0].time or ago_text(recorded[0].ago_ms) or "recorded"
    state = "background" if background else "foreground"
    text = f"op {entry.op}={entry.mode} last access {when} ({state})"
    return (AccessLevel.USED_BACKGROUND if background else AccessLevel.USED_FOREGROUND), background, text


def background_use(app: AppReport, op: str | None) -> UsageTotals | None:
    """The app's background totals that count ``op`` (from ``AppReport.usage``), if any."""
    if op is None:
        return None
    return next((u for u in app.usage if u.state is AccessState.BACKGROUND and op in u.ops), None)


def with_background_use(text: str, app: AppReport, op: str | None, background: bool) -> str:
    """An evidence line with the background totals of its op appended (the reason carries them)."""
    totals = background_use(app, op) if background else None
    return f"{text}; {usage_text(totals)}" if totals is not None else text


def _history_only_ops(app: AppReport, covered: set[str]) -> dict[str, list[AccessEvent]]:
    """Accesses of ops that neither a permission row nor an op entry covers (e.g. PHONE_CALL_MICROPHONE,
    known from the discrete history alone), newest first, by op."""
    found: dict[str, list[AccessEvent]] = {}
    for e in app.events:
        if e.kind is OpEventKind.ACCESS and e.op not in covered:
            found.setdefault(e.op, []).append(e)
    return found


def app_evidence(app: AppReport, table: CategoryTable) -> tuple[Evidence, ...]:
    """Every piece of evidence of what ``app`` reaches, in a stable order."""
    found: list[Evidence] = []
    for row in app.permissions:
        entries = table.lookup(row.name)
        if not entries:
            continue
        level, background = permission_level(row)
        if level is AccessLevel.NONE:
            continue
        text = with_background_use(permission_evidence_text(row), app, row.appop, level is AccessLevel.USED_BACKGROUND)
        states = permission_states(row)
        role = granted_by_role(row)
        found.extend(
            Evidence(row.name, e.category, level, e.qualifier, background, text, states, role) for e in entries
        )
    for special in app.special_access:
        key = special_key(special.kind)
        text = special_evidence_text(special)
        found.extend(
            Evidence(key, e.category, AccessLevel.SPECIAL_ACCESS, e.qualifier, True, text) for e in table.lookup(key)
        )
    for entry in app.ops:
        key = APPOP_PREFIX + entry.op
        entries = table.lookup(key)
        op = op_evidence(entry, [e for e in app.events if e.op == entry.op]) if entries else None
        if op is None:
            continue
        level, background, text = op
        text = with_background_use(text, app, entry.op, background)
        found.extend(Evidence(key, e.category, level, e.qualifier, background, text) for e in entries)
    covered = {p.appop for p in app.permissions if p.appop} | {e.op for e in app.ops}
    for name, events in _history_only_ops(app, covered).items():
        key = APPOP_PREFIX + name
        background = any(e.state is AccessState.BACKGROUND for e in events)
        level = AccessLevel.USED_BACKGROUND if background else AccessLevel.USED_FOREGROUND
        when = events[0].time or ago_text(events[0].ago_ms) or "recorded"
        text = f"op {name} {len(events)} access{'es' if len(events) != 1 else ''} recorded, the newest {when} "
        text = with_background_use(text + f"({'background' if background else 'foreground'})", app, name, background)
        found.extend(Evidence(key, e.category, level, e.qualifier, background, text) for e in table.lookup(key))
    return tuple(found)


def _roles_held(app: AppReport) -> tuple[str, ...]:
    return tuple(s.detail for s in app.special_access if s.kind is SpecialAccessKind.ROLE and s.detail)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def app_reach(app: AppReport, table: CategoryTable | None = None) -> AppReach:
    """What ``app`` reaches, per category (only categories with evidence appear)."""
    table = table or load_categories()
    evidence = app_evidence(app, table)
    roles = _roles_held(app)
    categories: dict[DataCategory, CategoryReach] = {}
    for category in DataCategory:
        items = tuple(e for e in evidence if e.category is category)
        if not items:
            continue
        level = max_level(*(e.level for e in items))
        explaining: tuple[str, ...] = ()
        if level.rank >= AccessLevel.WHILE_IN_USE.rank:
            explaining = tuple(
                role_short_name(r) for r in roles if r in table.roles and category in table.roles[r].explains
            )
            # Android's own word (GRANTED_BY_ROLE) explains the grant even where the table does not; the flag
            # does not say which role, so every role the app holds is named (``unnamed`` if none is known).
            if not explaining and any(e.by_role and e.level is level for e in items):
                explaining = tuple(role_short_name(r) for r in roles) or ("unnamed",)
        qualifiers = _unique([s for e in items for s in e.states] + [f"explained_by_role:{r}" for r in explaining])
        categories[category] = CategoryReach(
            category=category,
            level=level,
            background=any(e.background for e in items),
            evidence=items,
            qualifiers=qualifiers,
            roles=explaining,
        )
    return AppReach(categories=categories, evidence=evidence)
