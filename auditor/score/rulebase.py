"""What finding rules are made of: the context a check reads, the registry, and the fixes.

The rules themselves are declared in ``auditor.score.rules``; this module holds what they share so
that each rule there reads on its own. Two ways to declare a rule:

- ``@rule(...)`` on a small check function, for a rule with its own logic;
- a ``SpecialAccessRule`` row, for the rules shaped "holds one of these special accesses → this
  fix". A row's fix is either an app-op to set back (``AppOpsFix``: the op and mode are written
  once and give both the general remediation and the exact ``adb shell appops set`` command) or
  steps in Settings where no safe command exists (``StepsFix``).

Package and component names come from the device, so they are shell-quoted before going into a
command. Which apps a rule looks at is declared (``applies_to``) and decided by the engine.
"""

from __future__ import annotations

import inspect
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from auditor.model import (
    AccessLevel,
    AppReport,
    Confidence,
    PermissionReport,
    Severity,
    SpecialAccessKind,
    SpecialAccessReport,
)
from auditor.score.categories import AppReach, permission_level
from auditor.score.evidence import role_short_name, special_evidence_text
from auditor.score.exposure import AppFacts
from auditor.score.scope import AppliesTo


@dataclass(frozen=True)
class RuleContext:
    """What a rule reads: the app, what it reaches and the facts about it."""

    app: AppReport
    reach: AppReach
    facts: AppFacts

    @cached_property
    def rows(self) -> dict[str, PermissionReport]:
        return {p.name: p for p in self.app.permissions}

    def specials(self, *kinds: SpecialAccessKind) -> list[SpecialAccessReport]:
        return [s for s in self.app.special_access if s.kind in kinds]

    @cached_property
    def roles(self) -> frozenset[str]:
        """Short names of the roles the app holds (``SMS``, ``DIALER`` …)."""
        return frozenset(
            role_short_name(s.detail) for s in self.app.special_access if s.kind is SpecialAccessKind.ROLE and s.detail
        )

    def usable(self, *names: str) -> list[PermissionReport]:
        """Rows among ``names`` the app can use now (granted while in use or more, or used)."""
        return [
            self.rows[n]
            for n in names
            if n in self.rows and permission_level(self.rows[n])[0].rank >= AccessLevel.WHILE_IN_USE.rank
        ]

    @property
    def label(self) -> str:
        return self.app.package


@dataclass(frozen=True)
class Hit:
    """One rule hit on one app: the evidence, and the fix for this app."""

    evidence: tuple[str, ...]
    remediation: str
    confidence: Confidence | None = None
    """This hit's confidence when it is lower than the rule's (a known-threat match on a package name alone);
    ``None``: the rule's."""


Check = Callable[[RuleContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A rule's stable identity and documentation; ``check`` finds its hits."""

    id: str
    title: str
    severity: Severity
    confidence: Confidence
    rationale: str
    remediation: str
    """The fix in general terms (the hit carries the exact command for the app)."""
    fires_when: str
    """Exactly when the rule fires (a check function's docstring, or a table row's text)."""
    applies_to: AppliesTo
    """The apps the rule looks at; the engine decides it once per app, so a check never re-tests it."""
    check: Check
    safety: str | None = None
    """Read before any fix (the finding's ``safety``): for rules where acting may alert whoever installed the app."""


RULES: dict[str, Rule] = {}
"""Every rule by stable id, in documentation order (the order they are declared in)."""


def register(new: Rule) -> Rule:
    """Add a rule to ``RULES`` (ids are never reused or renumbered)."""
    if new.id in RULES:
        raise ValueError(f"duplicate rule id {new.id}")
    RULES[new.id] = new
    return new


def rule(
    rule_id: str,
    *,
    title: str,
    severity: Severity,
    confidence: Confidence,
    applies_to: AppliesTo,
    rationale: str,
    remediation: str,
    safety: str | None = None,
) -> Callable[[Check], Check]:
    """Register a check under a stable id; its docstring says when it fires."""

    def decorate(check: Check) -> Check:
        register(
            Rule(
                id=rule_id,
                title=title,
                severity=severity,
                confidence=confidence,
                rationale=rationale,
                remediation=remediation,
                fires_when=" ".join((inspect.getdoc(check) or "").split()),
                applies_to=applies_to,
                check=check,
                safety=safety,
            )
        )
        return check

    return decorate


# --------------------------------------------------------------------------------------------------
# Remediation helpers
# --------------------------------------------------------------------------------------------------

OpMode = Literal["allow", "ignore", "deny", "default", "foreground"]
"""The modes ``appops set`` accepts (AppOpsManager MODE_ALLOWED, MODE_IGNORED, MODE_ERRORED, MODE_DEFAULT,
MODE_FOREGROUND)."""


def quote(text: str) -> str:
    """Text from the device (a package or component name) made safe for one shell word."""
    return shlex.quote(text)


def revoke(ctx: RuleContext, *names: str) -> str:
    """``adb shell pm revoke --user N pkg PERM`` for each permission, joined with ``&&``."""
    return " && ".join(f"adb shell pm revoke --user {ctx.app.user} {quote(ctx.app.package)} {quote(n)}" for n in names)


def uninstall(ctx: RuleContext) -> str:
    """``adb shell pm uninstall --user N pkg`` (the app's data goes with it)."""
    return f"adb shell pm uninstall --user {ctx.app.user} {quote(ctx.app.package)}"


def appops_command(user: str, package: str, op: str, mode: OpMode) -> str:
    """``adb shell appops set --user USER PACKAGE OP MODE``, with ``user`` and ``package`` as they go into the shell
    (quoted, or the ``<user>`` and ``<package>`` placeholders of the documentation)."""
    return f"adb shell appops set --user {user} {package} {op} {mode}"


def appops_set(ctx: RuleContext, op: str, mode: OpMode) -> str:
    """``adb shell appops set --user N pkg OP mode`` for this app."""
    return appops_command(str(ctx.app.user), quote(ctx.app.package), op, mode)


def special_hits(ctx: RuleContext, kinds: tuple[SpecialAccessKind, ...], remediation: str) -> list[Hit]:
    """One hit listing every special access of ``kinds`` the app holds, or none."""
    found = ctx.specials(*kinds)
    if not found:
        return []
    return [Hit(tuple(special_evidence_text(s) for s in found), remediation)]


def watch_out(ctx: RuleContext) -> str:
    """A safety note for apps that may have been installed by someone else."""
    if ctx.facts.sideloaded or ctx.facts.hidden_icon:
        return " This app was sideloaded or hides its icon: read AUD-STALKER-001's safety note first."
    return ""


# --------------------------------------------------------------------------------------------------
# Special-access rules as table rows
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppOpsFix:
    """Set the access's app-op to a mode that stops it; Settings has the same switch."""

    op: str
    mode: OpMode
    aside: str
    """Said in brackets after the command in the general remediation: the Settings switch, or what the mode does."""

    def for_app(self, ctx: RuleContext) -> str:
        return appops_set(ctx, self.op, self.mode)

    @property
    def general(self) -> str:
        return f"{appops_command('<user>', '<package>', self.op, self.mode)} ({self.aside})."


@dataclass(frozen=True)
class StepsFix:
    """Steps for the person where no safe command exists; ``{app}`` stands for the app."""

    steps: str
    general_text: str | None = None
    """The fix in general terms, when it is more than the steps for "the app"."""
    safety_note: bool = False
    """Add ``watch_out``: the access is one stalkerware uses, so removing it may alert someone."""

    def for_app(self, ctx: RuleContext) -> str:
        return self.steps.replace("{app}", ctx.label) + (watch_out(ctx) if self.safety_note else "")

    @property
    def general(self) -> str:
        return self.general_text or self.steps.replace("{app}", "the app")


@dataclass(frozen=True)
class SpecialAccessRule:
    """A rule that fires when the app holds any of ``kinds``, with one fix: one row of a table."""

    id: str
    title: str
    severity: Severity
    confidence: Confidence
    applies_to: AppliesTo
    kinds: tuple[SpecialAccessKind, ...]
    fires_when: str
    rationale: str
    fix: AppOpsFix | StepsFix

    def hits(self, ctx: RuleContext) -> list[Hit]:
        return special_hits(ctx, self.kinds, self.fix.for_app(ctx))

    def rule(self) -> Rule:
        return Rule(
            id=self.id,
            title=self.title,
            severity=self.severity,
            confidence=self.confidence,
            rationale=self.rationale,
            remediation=self.fix.general,
            fires_when=self.fires_when,
            applies_to=self.applies_to,
            check=self.hits,
        )
