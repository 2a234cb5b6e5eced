"""``dumpsys accessibility``: which accessibility services are enabled, bound or installed per user.

Formats handled, per ``User state[`` block (one per user; the user id is the ``id=`` of its
``attributes:{…}``):

* AOSP Android 10–16 (AccessibilityUserState.dump; Android 10 prints ``User state[attributes:{id=0``
  on one line, 11+ puts ``attributes:{id=0, …}`` on the next)::

      Bound services:{Service[label=MacroDroid, feedbackType[…], …],
                      Service[label=…]}
      Enabled services:{{com.pkg/com.pkg.Service}, {com.other/.Svc}}
      Binding services:{}
      Crashed services:{}

  ``Enabled services`` prints ``ComponentName.toShortString()`` (``{pkg/cls}``). ``Bound services``
  describes each service by label and capabilities, *not* by component; those entries give no
  component and are not recorded (compare with the enabled list instead).
* Samsung One UI builds before Android 14 (lower-case headers, one ``index : component`` per line)::

      installed services: {
        0 : com.samsung.accessibility/.universalswitch.UniversalSwitchService
      }
      enabled services: {
      }

* Android 8/9 AOSP (``services:{Service[label=…]}`` only): labels, no components, nothing recorded.

``Binding services`` and ``Crashed services`` are enabled services in a transient state and are
already in the enabled list; they are read past. Everything outside these lists (magnification,
window lists with their titles, client lists) is skipped on purpose; an entry inside a list that is
not a component goes to ``unknown``.
"""

from __future__ import annotations

import logging
import re

from auditor.model import ComponentGrant, ParsedAccessibility

logger = logging.getLogger(__name__)

_SECTION = re.compile(r"^\s*(installed|enabled|bound|binding|crashed) services:\s*\{(.*)$", re.IGNORECASE | re.DOTALL)
_USER_ID = re.compile(r"attributes:\{id=(-?\d{1,10})(?!\d)")
_CURRENT_USER = re.compile(r"^\s*currentUserId=(-?\d{1,10})\s*$")
# toShortString() wraps each component in braces: {pkg/cls}
_BRACED = re.compile(r"\{([^{}\s,/]+/[^{}\s,]+)\}")
# Samsung: "0 : pkg/cls"; also a bare "pkg/cls" entry.
_INDEXED = re.compile(r"^(?:\d{1,6}\s*:\s*)?([^\s{},/]+/[^\s{},]+)$")
_LABELLED = "Service[label="


class _Section:
    """An open ``… services:{`` list being collected until its braces balance."""

    def __init__(self, kind: str, user: int, rest: str) -> None:
        self.kind = kind
        self.user = user
        self.parts: list[str] = []
        self.depth = 1
        self.add(rest)

    def add(self, text: str) -> None:
        """Add text up to the brace that closes the section (or all of it while still open)."""
        for pos, char in enumerate(text):
            if char == "{":
                self.depth += 1
            elif char == "}":
                self.depth -= 1
                if self.depth == 0:
                    self.parts.append(text[:pos])
                    return
        self.parts.append(text)

    @property
    def closed(self) -> bool:
        return self.depth <= 0


def _components(section: _Section, unknown: list[str]) -> list[str]:
    """The components a finished section names; entries that are not components go to ``unknown``."""
    body = "\n".join(section.parts).strip()
    if not body:
        return []
    if _LABELLED in body:
        # Bound services since Android 8 describe services by label only.
        return []
    if "{" in body:
        found = _BRACED.findall(body)
        leftover = _BRACED.sub("", body).replace(",", " ").split()
        unknown.extend(f"{section.kind} services: {item}" for item in leftover)
        return found
    result: list[str] = []
    for item in re.split(r"[\n,]", body):
        entry = item.strip()
        if not entry:
            continue
        match = _INDEXED.match(entry)
        if match:
            result.append(match.group(1))
        else:
            unknown.append(f"{section.kind} services: {entry}")
    return result


def parse_dumpsys_accessibility(text: str) -> ParsedAccessibility:
    """Parse ``dumpsys accessibility`` into enabled, bound and installed services. Never raises.

    Services listed before any ``User state[`` attributes are given to ``currentUserId`` when the
    dump prints one, else to user 0 (the only user older single-user dumps know).
    """
    # dicts as ordered sets: a component listed twice is one grant
    lists: dict[str, dict[ComponentGrant, None]] = {"enabled": {}, "bound": {}, "installed": {}}
    unknown: list[str] = []
    default_user = 0
    user: int | None = None
    section: _Section | None = None

    def finish() -> None:
        nonlocal section
        if section is not None and section.kind in lists:
            target = lists[section.kind]
            for component in _components(section, unknown):
                target.setdefault(ComponentGrant(user=section.user, component=component), None)
        section = None

    lines = text.split("\n")
    for raw in lines:
        line = raw.rstrip("\r")
        header = _SECTION.match(line)
        user_match = _USER_ID.search(line)
        if section is not None and (header or user_match or "User state[" in line):
            # A new header while a list is open: the list was cut short (or a label held a brace).
            finish()
        if user_match:
            user = int(user_match.group(1))
            continue
        current = _CURRENT_USER.match(line)
        if current:
            default_user = int(current.group(1))
            continue
        if header:
            kind = header.group(1).lower()
            section = _Section(kind, default_user if user is None else user, header.group(2))
        elif section is not None:
            section.add(line)
        if section is not None and section.closed:
            finish()
    if section is not None and lines[-1] and "{" not in section.parts[-1]:
        # The capture ends inside a list, mid-line: a Samsung "0 : pkg/cls" entry may be cut short
        # ("pkg/cl"), so it is not trusted. (Braced entries carry their own end: "{pkg/cls}".)
        unknown.append(f"{section.kind} services: {section.parts.pop().strip()}")
    finish()
    logger.debug(
        "accessibility: %d enabled, %d bound, %d installed, %d unknown",
        len(lists["enabled"]),
        len(lists["bound"]),
        len(lists["installed"]),
        len(unknown),
    )
    return ParsedAccessibility(
        enabled=tuple(lists["enabled"]),
        bound=tuple(lists["bound"]),
        installed=tuple(lists["installed"]),
        unknown=tuple(unknown),
    )
