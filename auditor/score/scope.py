"""Which apps a rule looks at: declared once per rule, decided once per app, here only.

A finding rule or a policy check names a scope (``AppliesTo``) instead of re-checking ``app.system``
itself, so what "third-party" means is decided in one place. It is decided through the app's
*origin* (``AppOrigin``: platform, preinstalled or installed), which the analysis sets on every app
(``auditor.analyse.origin``); ``app_origin`` is the one place a rule or a check reads it.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import assert_never

from auditor.analyse.origin import origin_of
from auditor.model import AppOrigin, AppReport

__all__ = ["ORIGIN_RULES", "AppOrigin", "AppliesTo", "abnormal", "app_origin", "applies", "origins", "scope_words"]

ORIGIN_RULES = frozenset({"AUD-ORIGIN-001", "AUD-ORIGIN-002", "AUD-ORIGIN-003", "AUD-ORIGIN-004"})
"""The findings that say an app's origin is abnormal (``auditor.score.origin_rules``): a package installed with
the platform's identity, or a system app whose code was replaced. A test keeps this set and those rules equal."""


class AppliesTo(StrEnum):
    """The apps a rule applies to."""

    THIRD_PARTY = "third_party"
    """Apps installed afterwards (by a store, a browser, a file manager or adb): not on the system image."""
    NOT_PLATFORM = "not_platform"
    """Installed and preinstalled apps: everything a person can act on (preinstalled spyware exists; a tracker
    is a tracker anywhere). The operating system's own components hold such accesses by design."""
    SYSTEM_IMAGE = "system_image"
    """Apps on the system image: the platform and preinstalled apps (for rules about how they were changed)."""
    ALL = "all"
    """Every app, the platform included."""


def app_origin(app: AppReport) -> AppOrigin:
    """The origin of ``app``: the one place a rule or a check reads it.

    Reports written before origins existed (schema 1.0) have none; for them it is decided from the uid,
    the shared user id and the system flag, as the analysis would without signer facts.
    """
    return app.origin if app.origin is not None else origin_of(app)[0]


def abnormal(app: AppReport) -> bool:
    """Whether ``app`` has a finding that its origin is abnormal (findings are filled by scoring)."""
    return any(f.rule_id in ORIGIN_RULES for f in app.findings)


@cache
def origins(scope: AppliesTo) -> frozenset[AppOrigin]:
    """The origins a scope covers (cached: the engines ask once per app and rule)."""
    match scope:
        case AppliesTo.THIRD_PARTY:
            return frozenset({AppOrigin.INSTALLED})
        case AppliesTo.NOT_PLATFORM:
            return frozenset({AppOrigin.INSTALLED, AppOrigin.PREINSTALLED})
        case AppliesTo.SYSTEM_IMAGE:
            return frozenset({AppOrigin.PLATFORM, AppOrigin.PREINSTALLED})
        case AppliesTo.ALL:
            return frozenset(AppOrigin)
        case _:
            assert_never(scope)


def applies(scope: AppliesTo, app: AppReport) -> bool:
    """Whether a rule declared with ``scope`` looks at ``app``."""
    return app_origin(app) in origins(scope)


def scope_words(scope: AppliesTo) -> str:
    """The scope in a few words, for ``docs/rules.md``."""
    match scope:
        case AppliesTo.THIRD_PARTY:
            return "installed apps (put on the phone afterwards: store, browser, file manager, adb)"
        case AppliesTo.NOT_PLATFORM:
            return "installed and preinstalled apps (not the operating system's own components)"
        case AppliesTo.SYSTEM_IMAGE:
            return "apps on the system image (the platform and preinstalled apps)"
        case AppliesTo.ALL:
            return "every app, the operating system's own components included"
        case _:
            assert_never(scope)
