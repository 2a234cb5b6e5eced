"""The safety words every stalkerware, watchware and spyware finding leads with, before any fix.

A person who finds stalkerware may be in danger if whoever installed it notices it is gone: the
Coalition Against Stalkerware's guidance (stopstalkerware.org) is to plan for safety first, keep the
evidence, and get help from a support service before removing anything. So these findings carry the
words below in ``Finding.safety``, reports show them before the remediation, and no remediation starts
with "uninstall". Plain words, short sentences: a frightened person reads them.
"""

from __future__ import annotations

from typing import Final

HELP: Final = (
    "The Coalition Against Stalkerware lists support services by country at stopstalkerware.org; a "
    "domestic-abuse helpline can help you make a safety plan."
)
"""Where to get help: named in every safety block and in the report's method section."""

STALKERWARE: Final = (
    "Safety first. Removing or disabling this app may alert the person who installed it. If someone else may be "
    "watching this phone, talk to a support service you trust before you change anything, and keep this report "
    f"as evidence, somewhere that person cannot reach. {HELP}"
)

WATCHWARE: Final = (
    "This is a monitoring app. That is fine if you set it up yourself, for example on your child's phone. If you "
    "did not install it, someone may be watching this phone: removing it may alert them. Talk to a support "
    f"service you trust before you change anything, and keep this report as evidence. {HELP}"
)

SPYWARE: Final = (
    "Safety first. This matches known spyware. Removing it or resetting the phone may alert whoever is behind it "
    "and destroys the traces an expert needs. Keep the phone as it is, keep this report as evidence, and ask for "
    "expert help (Amnesty International's Security Lab, Access Now's Digital Security Helpline) before you change "
    f"anything. {HELP}"
)

WHEN_SAFE: Final = "When it is safe to do so, and only then:"
"""How every remediation of these findings begins: never "uninstall" first."""
