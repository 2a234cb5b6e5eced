"""``settings list secure|global|system`` output, and the component lists some settings hold.

``settings list`` (SettingsProvider's shell command, Android 6 to 16) prints one ``name=value`` line
per setting, sorted as whole lines. The value is everything after the *first* ``=`` and may itself
hold ``=`` (``device_idle_constants=idle_after_inactive_timeout=30000,…``), be empty (``FBO_RULES=``)
or be the text ``null``; all are kept verbatim.

Values with a newline are printed raw, so their tail lands on lines of its own. Because lines are
sorted as whole strings, such a tail always follows its own head: a line without ``=`` is therefore
taken as the continuation of the previous value. (A tail line that happens to contain ``=`` cannot be
told from a new setting and is read as one; none of the real captures — Android 10 Samsung, Android
14 HyperOS, about 1,400 settings — has a multi-line value at all.) Text before the first setting and
Java stack-trace lines are never glued to a value; they go to ``unknown``. A capture cut mid-line
cannot be told from a short value (``key=val``); knowing that a capture was cut is the acquiring
stage's job.

Helpers read the two value shapes that grant special access:

* ``enabled_accessibility_services`` / ``enabled_notification_listeners``: ``pkg/cls:pkg2/cls2``
  (``null`` or empty when none).
* ``enabled_input_methods``: ``pkg/.Ime;subtype;subtype:pkg2/.Ime2`` — IMEs separated by ``:``,
  each followed by its enabled subtype hash codes after ``;``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from auditor.model import ComponentGrant, ParsedSettings

logger = logging.getLogger(__name__)

# A setting name never holds whitespace (real ones include "0#BLUETOOTHHEADSETPLUGIN", "KEY_FBO_DATA").
_KEY = re.compile(r"^[^\s=]+$")
# What a shell prints when ``settings`` itself fails: never part of a value.
_ERROR_LINE = re.compile(r"^(\tat |Exception occurred while|[\w.$]+(Exception|Error)(:|$))")


def parse_settings(text: str) -> ParsedSettings:
    """Parse ``settings list <namespace>`` output into a name → value mapping. Never raises.

    A name printed twice keeps its last value. Blank lines between settings are skipped; blank
    lines inside a multi-line value are kept when a continuation line follows them.
    """
    values: dict[str, str] = {}
    unknown: list[str] = []
    last_key: str | None = None
    blanks = 0  # blank lines seen since the last value line: part of the value only if it continues

    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if not line.strip():
            blanks += 1
            continue
        key, sep, value = line.partition("=")
        if sep and _KEY.match(key):
            values[key] = value
            last_key, blanks = key, 0
            continue
        if _ERROR_LINE.match(line):
            unknown.append(line)
            last_key, blanks = None, 0
            continue
        if last_key is not None:
            values[last_key] = values[last_key] + "\n" * (blanks + 1) + line
        else:
            unknown.append(line)
        blanks = 0
    logger.debug("settings: %d values, %d unknown lines", len(values), len(unknown))
    return ParsedSettings(values=values, unknown=tuple(unknown))


def _grants(components: Iterable[str], user: int) -> tuple[ComponentGrant, ...]:
    """Grants for the non-empty, non-``null`` entries, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for component in components:
        entry = component.strip()
        if entry and entry != "null":
            seen.setdefault(entry, None)
    return tuple(ComponentGrant(user=user, component=c) for c in seen)


def parse_component_list(value: str, user: int) -> tuple[ComponentGrant, ...]:
    """Read a colon-separated ``pkg/cls`` list (e.g. ``enabled_accessibility_services``).

    Entries are kept as written (``pkg/.Cls`` is not expanded); ``null`` and empty entries are
    ignored, so ``settings get`` printing ``null`` for an unset value gives no grants.
    """
    return _grants(value.split(":"), user)


def parse_input_methods(value: str, user: int) -> tuple[ComponentGrant, ...]:
    """Read ``enabled_input_methods``: ``:``-separated IMEs, each with ``;``-separated subtypes.

    Only the IME component is kept; the subtype hash codes say which languages are on, not which
    app can read keystrokes.
    """
    return _grants((entry.partition(";")[0] for entry in value.split(":")), user)
