"""Which apps a rule looks at: declared once per rule, decided once per app, here only.

A finding rule or a policy check names a scope (``AppliesTo``) instead of re-checking
``app.system`` itself, so what "third-party" means is decided in one place. It is decided through
the app's *origin*: today the report only says whether an app is flagged system, which lumps
Android's own apps together with what the maker or carrier preinstalled. When the report learns to
tell platform, preinstalled and installed apps apart, ``AppOrigin`` gains those members,
``app_origin`` reads them, and ``origins`` decides whether third-party rules also cover preinstalled
apps: no rule changes.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import assert_never

from auditor.model import AppReport


class AppOrigin(StrEnum):
    """Where an app comes from, as far as the report tells."""

    SYSTEM = "system"
    """On the system image: Android itself or preinstalled by the maker (not told apart yet)."""
    INSTALLED = "installed"
    """Installed afterwards: from a store, a file, adb or another app."""


class AppliesTo(StrEnum):
    """The apps a rule applies to."""

    THIRD_PARTY = "third_party"
    """Apps that are not Android's own: today, apps not flagged system."""
    ALL = "all"
    """Every app, system apps included (preinstalled spyware exists; a tracker is a tracker anywhere)."""


def app_origin(app: AppReport) -> AppOrigin:
    """The origin of ``app``: the one place that reads ``app.system`` for a rule."""
    return AppOrigin.SYSTEM if app.system else AppOrigin.INSTALLED


@cache
def origins(scope: AppliesTo) -> frozenset[AppOrigin]:
    """The origins a scope covers (cached: the engines ask once per app and rule)."""
    match scope:
        case AppliesTo.THIRD_PARTY:
            return frozenset({AppOrigin.INSTALLED})
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
            return "third-party apps (apps not flagged system)"
        case AppliesTo.ALL:
            return "every app, system apps included"
        case _:
            assert_never(scope)
