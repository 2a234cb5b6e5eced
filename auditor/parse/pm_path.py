"""The plan's ``pm path`` loop: where each package's APKs lie on the device, per user.

The collector runs one loop per user (``auditor.acquire.plan.apk_path_plan``); before each package it
prints a marker line, then ``pm path --user N <pkg>`` prints one line per APK, base first::

    ##auditor## package=com.example.app user=0
    package:/data/app/~~Xq1==/com.example.app-Yz2==/base.apk
    package:/data/app/~~Xq1==/com.example.app-Yz2==/split_config.arm64_v8a.apk
    ##auditor## package=com.android.settings user=0
    package:/system_ext/priv-app/Settings/Settings.apk

Older releases print one ``/data/app/<pkg>-1/base.apk`` (7–10) or ``/data/app/<pkg>-1.apk`` (4.x);
devices up to Android 6 answer on a pty, so lines may end in ``\\r``. A package ``pm path`` cannot
find prints an error line and no path.

The paths come from the device and end up as arguments of a command sent back to it and as sync
requests, so a path is only accepted when it is absolute, printable, and free of ``.``/``..``
components; anything else is kept in ``unknown``, never dropped silently, never a crash.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from auditor.parse.markers import split_marked

logger = logging.getLogger(__name__)

MAX_PATH_CHARS = 1024
"""Longer paths are refused (Linux PATH_MAX is 4096, real APK paths stay under 200)."""

_PACKAGE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")
_USER = re.compile(r"\d{1,9}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PREFIX = "package:"


@dataclass(frozen=True, slots=True)
class PackagePaths:
    """The APK paths of one package for one user, in the order ``pm path`` printed them."""

    package: str
    user: int | None
    """From the marker line (or the caller's default when the marker has none)."""
    paths: tuple[str, ...]
    """Base APK first, then splits; empty when ``pm path`` printed none (an error line instead)."""


@dataclass(frozen=True, slots=True)
class ParsedPmPaths:
    """Everything a ``pm path`` loop output says; what the parser did not understand is in ``unknown``."""

    packages: tuple[PackagePaths, ...]
    unknown: tuple[str, ...] = ()


def valid_device_path(path: str) -> bool:
    """Whether a device-given path is safe to quote into a command and to ask sync for."""
    if not path.startswith("/") or len(path) > MAX_PATH_CHARS or _CONTROL.search(path):
        return False
    return all(part not in (".", "..") for part in path.split("/")[1:])


def parse_pm_path_loop(text: str, *, user: int | None = None) -> ParsedPmPaths:
    """Parse the marked ``pm path`` loop output. Never raises.

    ``user`` is the default when a marker names none (the plan's markers always do). Parts for the same
    (user, package) are merged; a repeated path is kept once. Text before the first marker, error
    lines and refused paths go to ``unknown``.
    """
    order: list[tuple[int | None, str]] = []
    found: dict[tuple[int | None, str], list[str]] = {}
    unknown: list[str] = []
    for part in split_marked(text):
        lines = [line.rstrip("\r") for line in part.text.split("\n")]
        package = part.keys.get("package")
        if not part.keys:
            unknown.extend(line for line in lines if line.strip())
            continue
        if package is None or not _PACKAGE.fullmatch(package):
            unknown.append(f"marker without a valid package: {' '.join(f'{k}={v}' for k, v in part.keys.items())}")
            unknown.extend(line for line in lines if line.strip())
            continue
        marker_user = part.keys.get("user")
        part_user = int(marker_user) if marker_user is not None and _USER.fullmatch(marker_user) else user
        key = (part_user, package)
        if key not in found:
            found[key] = []
            order.append(key)
        paths = found[key]
        for line in lines:
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith(_PREFIX):
                unknown.append(line)
                continue
            path = stripped[len(_PREFIX) :]
            # pm path prints APK files only; a path not ending in .apk is a line cut short (or junk).
            if not path.endswith(".apk") or not valid_device_path(path):
                unknown.append(line)
            elif path not in paths:
                paths.append(path)
    packages = tuple(PackagePaths(package=p, user=u, paths=tuple(found[(u, p)])) for u, p in order)
    logger.debug("pm path: %d packages, %d unknown lines", len(packages), len(unknown))
    return ParsedPmPaths(packages=packages, unknown=tuple(unknown))
