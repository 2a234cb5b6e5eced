"""``pm list users`` output: every Android user and profile on the device.

Format (UserManagerService / PackageManagerShellCommand, Android 5 to 16)::

    Users:
    \tUserInfo{0:Owner:c13} running
    \tUserInfo{10:Work profile:1030} running
    \tUserInfo{999:XSpace:800010}

``UserInfo.toString()`` is ``UserInfo{<id>:<name>:<hex flags>}``. The name is free text and can
itself hold ``:`` (and in principle ``}``), so the id is the first field and the flags the *last*
``:<hex>}`` on the line. Trailing words vary by version and vendor (``running``, ``unlocked``,
``(current)``); only ``running`` is read, the rest is ignored. OEM second-space and dual-app users
(MIUI ``XSpace``, ``Dual``) print the same way and are kept like any other user.
"""

from __future__ import annotations

import logging
import re

from auditor.model import ParsedUser, ParsedUsers

logger = logging.getLogger(__name__)

_PREFIX = "UserInfo{"
# Matched right after the first "UserInfo{" (never searched: a search over a hostile line full of
# "UserInfo{1:" backtracks quadratically). Greedy name: the flags are the last ":<hex>}" so a name
# with ":" or "}" stays whole. Digit counts are bounded so int() never meets a 5,000-digit id
# (Python refuses those with ValueError).
_USER = re.compile(r"(-?\d{1,10}):(.*):([0-9a-fA-F]{1,16})\}(.*)$")


def parse_pm_list_users(text: str) -> ParsedUsers:
    """Parse ``pm list users`` into users in printed order. Never raises.

    The ``Users:`` header and blank lines are skipped; any other line that is not a ``UserInfo``
    line (an error message, a vendor addition) goes to ``unknown``.
    """
    users: list[ParsedUser] = []
    unknown: list[str] = []
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped == "Users:":
            continue
        start = line.find(_PREFIX)
        match = None if start < 0 else _USER.match(line, start + len(_PREFIX))
        if match is None:
            unknown.append(line)
            continue
        trailing = match.group(4).split()
        users.append(
            ParsedUser(
                id=int(match.group(1)),
                name=match.group(2),
                flags=int(match.group(3), 16),
                running="running" in trailing,
            )
        )
    logger.debug("pm list users: %d users, %d unknown lines", len(users), len(unknown))
    return ParsedUsers(users=tuple(users), unknown=tuple(unknown))
