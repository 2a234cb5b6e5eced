"""Calibration cases from real phones: the order a privacy expert gives the apps that matter most, and why.

Next to the synthetic profiles of ``calibration.py``, these are read off real captures
(../shared/real-devices) by eye. Each case names the apps that must lead the headline, in order, with the
reason an expert would give; ``docs/scoring.md`` §7 states the same cases (a test keeps the two equal).
If a weight change breaks one, the weights are wrong, or the case is, and then it changes here with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditor.model import AuditReport
from tests.realreports import multibox, xiaomi


@dataclass(frozen=True)
class Lead:
    """One app (or one shared uid, named by its first package) expected in the headline, and why it is there."""

    package: str
    why: str


@dataclass(frozen=True)
class RealCase:
    """A real capture and the order an expert gives the apps that matter most."""

    name: str
    """The folder in ../shared/real-devices."""
    report: Callable[[], AuditReport]
    leads: tuple[Lead, ...]
    """The first entries of the headline, in this order."""
    summary: str
    """What an expert says about the whole phone (said in docs/scoring.md)."""


MULTIBOX_CASE = RealCase(
    name="multibox-rk322x-android7.1.2",
    report=multibox,
    leads=(
        Lead(
            "org.xbmc.kodi",
            "sideloaded, a debuggable build (its data readable over adb) targeting API 22, so storage was granted "
            "at install without a prompt",
        ),
        Lead(
            "berserker.android.apps.sshdroid",
            "a sideloaded SSH server targeting API 18: storage granted at install, a remote shell on the network",
        ),
        Lead(
            "com.androguide.universal.init.d",
            "a sideloaded runner of boot scripts for rooted phones, targeting API 17",
        ),
        Lead(
            "com.google.android.backuptransport",
            "Google Play services' shared uid (com.google.uid.shared, with gms, gsf and gsf.login): every category "
            "by design of the Google stack, preinstalled, so it counts at a tenth and follows the three",
        ),
    ),
    summary="On the TV box the apps that matter most are its eight sideloaded apps, led by the three that reach "
    "data; the Google stack that came with it follows, and none of its 42 operating-system components (the "
    "firmware's system-uid apps and the apps signed with its platform key) is among the first ten.",
)

XIAOMI_CASE = RealCase(
    name="dellta77-xiaomi-pad6-android14",
    report=xiaomi,
    leads=(
        Lead(
            "com.arlosoft.macrodroid",
            "an automation app with two accessibility services, notification access, overlay and all-files "
            "access, and location used in the background: it can read and act on everything",
        ),
        Lead(
            "com.celzero.bravedns",
            "a firewall holding the VPN (every connection) and an accessibility service",
        ),
        Lead(
            "com.omarea.vtools",
            "a tuning tool with an accessibility service, notification access, usage access and the right to "
            "install apps",
        ),
        Lead(
            "io.github.muntashirakon.AppManager",
            "an app manager with an accessibility service, usage access, app installs and all-files access",
        ),
    ),
    summary="On the tablet the apps that matter most are the eight the person installed that hold its nine "
    "enabled accessibility services; the MIUI camera, the first app that came with it, counts at a tenth, and "
    "none of its 34 operating-system components (system uids such as the security centre and the phone) is "
    "among the first ten.",
)

REAL_CASES: tuple[RealCase, ...] = (MULTIBOX_CASE, XIAOMI_CASE)
