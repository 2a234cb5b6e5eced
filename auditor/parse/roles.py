"""Role holders (default SMS, dialer, assistant, home, browser …), from two sources.

**``dumpsys role``** (RoleService, Android 10–16; in the Permission mainline module from 12). The
text is DualDumpOutputStream's clear-text form of RoleServiceDumpProto::

    ROLE MANAGER STATE (dumpsys role):
    {
      user_states=[
        {
          user_id=0
          version=…
          packages_hash=…
          roles=[
            {
              name=android.app.role.SMS
              holders=com.google.android.apps.messaging
            }
            {
              name=android.app.role.DIALER
              holders=[
                com.a
                com.b
              ]
            }
          ]
        }
        { user_id=10 … }
      ]
    }

DualDumpOutputStream groups repeated fields: a field written once prints ``name=value`` (or
``name={`` for a message); written several times it prints ``name=[`` followed by the unnamed
elements and ``]``. So ``user_states``, ``roles`` and ``holders`` each come in both shapes, and a
role without holders has no ``holders`` line at all. Fields this parser does not use (``version``,
``packages_hash``, newer ones such as ``fallback_enabled``) are read past.

**A ``cmd role get-role-holders`` loop** (Android 10+): each answer is one line of holders joined by
``;`` (an empty line when there are none), preceded by a marker line
``##auditor## role=android.app.role.SMS user=0`` (see ``auditor.parse.markers``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from auditor.model import ParsedRoles, RoleHolder
from auditor.parse.markers import split_marked

logger = logging.getLogger(__name__)

_INT = re.compile(r"^-?\d{1,10}$")
# A package name as PackageParser accepts it: dot-separated Java identifiers (``android`` has one part).
# Anything else where a holder should be — an error line cut short, junk — is not a holder.
_PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass
class _Node:
    """One ``{ … }`` object of the dump: each field name maps to its values in printed order."""

    fields: dict[str, list[str | _Node]] = field(default_factory=dict)

    def add(self, name: str, value: str | _Node) -> None:
        self.fields.setdefault(name, []).append(value)

    def strings(self, name: str) -> list[str]:
        return [v for v in self.fields.get(name, []) if isinstance(v, str)]

    def nodes(self, name: str) -> list[_Node]:
        return [v for v in self.fields.get(name, []) if isinstance(v, _Node)]

    def walk(self) -> Iterator[_Node]:
        """This object and every object nested in it, in printed order.

        Iterative on purpose: a hostile dump nested thousands of levels deep must not hit Python's
        recursion limit.
        """
        pending: list[_Node] = [self]
        while pending:
            node = pending.pop()
            yield node
            children = [v for values in node.fields.values() for v in values if isinstance(v, _Node)]
            pending.extend(reversed(children))


@dataclass
class _Array:
    """An open ``name=[`` list: unnamed elements become values of ``name`` in the parent."""

    name: str
    parent: _Node


def _read_tree(text: str, unknown: list[str]) -> _Node:
    """Build the object tree from the indented text; tolerant of missing or extra brackets."""
    root = _Node()
    stack: list[_Node | _Array] = [root]

    def owner() -> _Node:
        top = stack[-1]
        return top if isinstance(top, _Node) else top.parent

    lines = text.split("\n")
    if lines[-1].strip() not in ("", "}", "]"):
        # A complete dump ends with "}" and a newline; a last line without one was cut mid-line
        # (e.g. "holders=com.go"), so its value is not trusted.
        unknown.append(lines.pop())
    for raw in lines:
        line = raw.strip()
        if not line or line.endswith("(dumpsys role):"):
            continue
        top = stack[-1]
        if line in ("}", "]"):
            # Close the nearest open object ("}") or list ("]"), and whatever a cut left open above it.
            kind = _Node if line == "}" else _Array
            depth = next((i for i in range(len(stack) - 1, 0, -1) if isinstance(stack[i], kind)), 0)
            if depth:
                del stack[depth:]
            else:
                unknown.append(raw)
            continue
        if line == "{":
            # An element of a repeated message field, or the unnamed outermost object.
            node = _Node()
            if isinstance(top, _Array):
                top.parent.add(top.name, node)
            else:
                top.add("", node)
            stack.append(node)
            continue
        if isinstance(top, _Array):
            top.parent.add(top.name, line)  # an unnamed element of a repeated string field
            continue
        name, sep, value = line.partition("=")
        if not sep or not name or " " in name:
            unknown.append(raw)
            continue
        if value == "{":
            node = _Node()
            owner().add(name, node)
            stack.append(node)
        elif value == "[":
            stack.append(_Array(name=name, parent=owner()))
        else:
            owner().add(name, value)
    return root


def parse_dumpsys_role(text: str) -> ParsedRoles:
    """Parse ``dumpsys role`` into one holder per (user, role, package). Never raises.

    A user state without a readable ``user_id`` cannot be placed and goes to ``unknown``; a
    truncated dump still yields every role read before the cut.
    """
    unknown: list[str] = []
    root = _read_tree(text, unknown)
    holders: dict[RoleHolder, None] = {}
    for node in root.walk():
        roles = node.nodes("roles")
        if not roles:
            continue
        user_ids = [u for u in node.strings("user_id") if _INT.match(u)]
        if not user_ids:
            unknown.append(f"roles without a user_id: {len(roles)} role(s)")
            continue
        user = int(user_ids[0])
        for role in roles:
            names = [n for n in role.strings("name") if n]
            if not names:
                unknown.append("a role without a name")
                continue
            for package in role.strings("holders"):
                if _PACKAGE.fullmatch(package):
                    holders.setdefault(RoleHolder(user=user, role=names[0], package=package), None)
                elif package:
                    unknown.append(f"holders={package}")
    logger.debug("dumpsys role: %d holders, %d unknown", len(holders), len(unknown))
    return ParsedRoles(holders=tuple(holders), unknown=tuple(unknown))


def parse_role_holders(text: str) -> ParsedRoles:
    """Parse a marked ``cmd role get-role-holders --user N ROLE`` loop. Never raises.

    The answer is the first non-blank line after a marker, split on ``;``. A line that is not a list of
    package names is an error such as ``Unknown role`` (perhaps cut short); it goes to ``unknown`` like
    any text outside a marked part or under a marker without ``role``/``user``.
    """
    holders: dict[RoleHolder, None] = {}
    unknown: list[str] = []
    for part in split_marked(text):
        lines = [line.strip() for line in part.text.split("\n") if line.strip()]
        role = part.keys.get("role")
        user = part.keys.get("user", "")
        if not role or not _INT.match(user):
            unknown.extend(lines)
            continue
        for line in lines:
            packages = [p for p in line.split(";") if p]
            if not packages or not all(_PACKAGE.fullmatch(p) for p in packages):
                unknown.append(line)  # an error ("Unknown role: …"), perhaps cut before its first space
                continue
            for package in packages:
                holders.setdefault(RoleHolder(user=int(user), role=role, package=package), None)
    logger.debug("role holders loop: %d holders, %d unknown", len(holders), len(unknown))
    return ParsedRoles(holders=tuple(holders), unknown=tuple(unknown))
