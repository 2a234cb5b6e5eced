"""The declared read-only command plan: every command a collection may send to a device.

Collection sends nothing that is not built here, and a test records every command a full
collection sends and fails on anything outside this plan. Each command only reads: ``getprop``,
``pm list``, ``dumpsys``, ``settings list``, ``date``, ``pm path``, and with ``--apks``
``sha256sum`` over APK paths (``apk_hash_plan``). Nothing here grants, revokes, installs, writes
settings or starts anything. The commands themselves are declared with their sections
(``auditor.sections``: ``collect``); this module orders them into phases.

Round trips do not grow with the number of apps: where per-package output is needed (requested
permissions appear only in per-package ``dumpsys package``), the loop runs on the device inside one
shell command and prints a marker line before each package (``auditor.parse.markers``).

The plan has two phases: ``base_plan()`` runs first; its ``pm list users`` answer gives the users
for ``user_plan(users)``, because ``settings`` and ``pm list packages`` default to user 0 and must
be asked about every user and profile explicitly. With ``--apks`` a third phase hashes the chosen
APKs on the device; its command is built from the ``pm path`` answers (``apk_hash_plan``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.model import Section
from auditor.sections import SECTIONS, Declared, Scope


@dataclass(frozen=True)
class PlannedCommand:
    """A command of the plan: a stable id (the raw file's name), the exact text, and what it is."""

    id: str
    command: str
    section: Section
    user: int | None = None
    timeout_s: float = 120.0
    """How long the command may stay silent before it is recorded as timed out."""


def _planned(declared: Declared[Any], user: int | None = None) -> PlannedCommand:
    collect = declared.collect
    assert collect is not None
    return PlannedCommand(
        declared.command_id(user),
        collect.command.replace("{user}", str(user)) if user is not None else collect.command,
        declared.section,
        user=user,
        timeout_s=collect.timeout_s,
    )


def base_plan() -> list[PlannedCommand]:
    """Commands that do not depend on the users of the device (``auditor.sections``, device-wide)."""
    return [
        _planned(d) for d in SECTIONS if d.collect is not None and d.scope is Scope.DEVICE and not d.collect.with_apks
    ]


def _per_user(users: Iterable[int], *, with_apks: bool) -> list[PlannedCommand]:
    return [
        _planned(d, user)
        for user in sorted(set(users))
        for d in SECTIONS
        if d.collect is not None and d.scope is Scope.USER and d.collect.with_apks is with_apks
    ]


def user_plan(users: Iterable[int]) -> list[PlannedCommand]:
    """Per-user commands, for every user and profile of the device."""
    return _per_user(users, with_apks=False)


def apk_path_plan(users: Iterable[int]) -> list[PlannedCommand]:
    """``pm path`` for every package of every user, in one loop per user (for ``--apks``)."""
    return _per_user(users, with_apks=True)


APK_HASH_ID = "apk_sha256"
"""Id (prefix) of the on-device hashing commands; batches after the first are ``apk_sha256.1`` …"""

APK_HASH_BATCH_CHARS = 48 * 1024
"""Most command text one hashing command carries. Below Linux's 128 KiB limit on one ``sh -c``
argument and Android 8's 256 KiB adbd payload, so a typical device (a few hundred APKs) needs one."""


def hashable_path(path: str) -> bool:
    """Whether a device-given path may go into the hashing command: an ``.apk`` path that, quoted,
    passes the read-only check (a path is free text: a package named ``com.x.reboot`` would trip it).
    Every quoted path then ends in ``apk`` or ``'``, so joining them cannot form a checked verb either."""
    return path.endswith(".apk") and "\0" not in path and is_read_only(shlex.quote(path))


def apk_hash_plan(paths: Sequence[str]) -> list[PlannedCommand]:
    """``sha256sum`` over APK paths on the device (toybox has it from Android 8), in as few commands
    as the length limit allows: one round trip for a usual device, instead of one pull per APK.

    The paths come from the device's own ``pm path`` output, so each is single-quoted
    (``shlex.quote``: no expansion, no word splitting in Android's mksh) and only paths passing
    ``hashable_path`` are accepted; the caller pulls the others without a device hash. ``sha256sum``
    reads files and prints ``<hex>  <path>`` lines; a file it cannot read costs only its own line.
    """
    commands: list[PlannedCommand] = []
    batch: list[str] = []
    size = 0

    def flush() -> None:
        if batch:
            n = len(commands)
            cid = APK_HASH_ID if n == 0 else f"{APK_HASH_ID}.{n}"
            commands.append(PlannedCommand(cid, "sha256sum " + " ".join(batch), Section.OTHER, timeout_s=300))

    for path in dict.fromkeys(paths):
        if not hashable_path(path):
            raise ValueError(f"not a hashable device path: {path[:80]!r}")
        quoted = shlex.quote(path)
        if batch and size + len(quoted) + 1 > APK_HASH_BATCH_CHARS:
            flush()
            batch, size = [], 0
        batch.append(quoted)
        size += len(quoted) + 1
    flush()
    return commands


def full_plan(users: Iterable[int], *, with_apk_paths: bool = False) -> list[PlannedCommand]:
    """Every command a collection of a device with these users sends, in order."""
    users = list(users)
    plan = base_plan() + user_plan(users)
    if with_apk_paths:
        plan += apk_path_plan(users)
    return plan


_READ_ONLY_WORDS = re.compile(
    r"\b(pm (grant|revoke|install|uninstall|clear|disable|enable|hide|suspend|set-)|appops (set|reset)|"
    r"settings (put|delete|reset)|cmd role (add|remove|clear)|rm |reboot|am (start|force-stop|kill))"
)


def is_read_only(command: str) -> bool:
    """A second line of defence: no command of the plan may contain a known state-changing verb."""
    return _READ_ONLY_WORDS.search(command) is None
