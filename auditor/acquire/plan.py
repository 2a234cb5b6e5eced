"""The declared read-only command plan: every command a collection may send to a device.

Collection sends nothing that is not built here, and a test records every command a full
collection sends and fails on anything outside this plan. Each command only reads: ``getprop``,
``pm list``, ``dumpsys``, ``settings list``, ``date``, ``pm path``, and with ``--apks``
``sha256sum`` over APK paths (``apk_hash_plan``). Nothing here grants, revokes, installs, writes
settings or starts anything.

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

from auditor.model import Section
from auditor.parse.markers import MARKER


@dataclass(frozen=True)
class PlannedCommand:
    """A command of the plan: a stable id (the raw file's name), the exact text, and what it is."""

    id: str
    command: str
    section: Section
    user: int | None = None
    timeout_s: float = 120.0
    """How long the command may stay silent before it is recorded as timed out."""


# Listing every package known to any user: `-u` includes packages installed only in other users
# or profiles (MATCH_UNINSTALLED_PACKAGES), so one loop covers the work profile too.
_ALL_PACKAGES = "pm list packages -u 2>/dev/null | sed 's/^package://'"

# Only the listener and assistant parts of `dumpsys notification` leave the device: the rest of
# that dump holds notification records, which the auditor never collects.
_NOTIFICATION_FILTER = (
    "dumpsys notification 2>&1 | sed -n "
    "'/^ *Notification listeners:/,/^ *Snoozed notification listeners/p;"
    "/^ *Notification assistant services:/,/^ *Has user set/p'"
)


def base_plan() -> list[PlannedCommand]:
    """Commands that do not depend on the users of the device."""
    return [
        PlannedCommand("getprop", "getprop", Section.GETPROP, timeout_s=30),
        PlannedCommand("date", "date +%s", Section.DATE, timeout_s=10),
        PlannedCommand("pm_list_users", "pm list users", Section.PM_LIST_USERS, timeout_s=30),
        PlannedCommand(
            "dumpsys_package",
            f'for p in $({_ALL_PACKAGES}); do echo "{MARKER} package=$p"; dumpsys package "$p"; done',
            Section.DUMPSYS_PACKAGE,
            timeout_s=300,
        ),
        PlannedCommand("dumpsys_appops", "dumpsys appops", Section.DUMPSYS_APPOPS, timeout_s=200),
        PlannedCommand("dumpsys_accessibility", "dumpsys accessibility", Section.DUMPSYS_ACCESSIBILITY),
        PlannedCommand("dumpsys_notification", _NOTIFICATION_FILTER, Section.DUMPSYS_NOTIFICATION),
        PlannedCommand("dumpsys_device_policy", "dumpsys device_policy", Section.DUMPSYS_DEVICE_POLICY),
        PlannedCommand("dumpsys_role", "dumpsys role", Section.DUMPSYS_ROLE),
        PlannedCommand("settings_global", "settings list global", Section.SETTINGS_GLOBAL, timeout_s=30),
    ]


def user_plan(users: Iterable[int]) -> list[PlannedCommand]:
    """Per-user commands, for every user and profile of the device."""
    commands: list[PlannedCommand] = []
    for user in sorted(set(users)):
        # Android 7 lacks -U and --show-versioncode and rejects the whole command: fall back.
        commands.append(
            PlannedCommand(
                f"pm_list_packages.u{user}",
                f"pm list packages -f -U -i --show-versioncode --user {user} 2>/dev/null"
                f" || pm list packages -f -i --user {user}",
                Section.PM_LIST_PACKAGES,
                user=user,
                timeout_s=60,
            )
        )
        commands.append(
            PlannedCommand(
                f"settings_secure.u{user}",
                f"settings --user {user} list secure",
                Section.SETTINGS_SECURE,
                user=user,
                timeout_s=30,
            )
        )
        commands.append(
            PlannedCommand(
                f"settings_system.u{user}",
                f"settings --user {user} list system",
                Section.SETTINGS_SYSTEM,
                user=user,
                timeout_s=30,
            )
        )
    return commands


def apk_path_plan(users: Iterable[int]) -> list[PlannedCommand]:
    """``pm path`` for every package of every user, in one loop per user (for ``--apks``)."""
    return [
        PlannedCommand(
            f"pm_path.u{user}",
            f"for p in $(pm list packages --user {user} 2>/dev/null | sed 's/^package://'); do "
            f'echo "{MARKER} package=$p user={user}"; pm path --user {user} "$p"; done',
            Section.PM_PATH,
            user=user,
            timeout_s=120,
        )
        for user in sorted(set(users))
    ]


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
