"""The phone's own safety settings: one device rule per posture item, each with the Settings path that fixes it.

A stalkerware installer's usual first steps are the ones these rules look for: turn on USB debugging or
developer options, switch off Play Protect's checks, allow installs from unknown sources, disable the
security apps, or root the phone. Each rule reads typed facts of ``DeviceState`` (``None``: the source
lacks them, and the rule stays silent) and fires only on an explicit unsafe value, quoting it as
evidence. ``docs/rules.md`` documents them; together they are the "phone settings" part of the device
exposure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

from auditor.model import AppPresence, AuditReport, Confidence, DeviceState, Severity
from auditor.score.devicebase import device_rule
from auditor.score.rulebase import Hit

PATCH_MAX_AGE_DAYS: Final = 180
"""A security patch older than this (by the phone's own clock) is reported: Android's monthly bulletins fix
actively exploited flaws, and a phone half a year behind carries several."""

SECURITY_APPS: Final[dict[str, str]] = {
    "com.google.android.gms": "Google Play services (runs Play Protect)",
    "com.android.vending": "Google Play Store (Play Protect's settings and updates)",
    "com.samsung.android.sm.devicesecurity": "Samsung Device security",
    "com.samsung.android.lool": "Samsung Device care",
    "com.miui.securitycenter": "Xiaomi Security",
    "com.miui.guardprovider": "Xiaomi Guard provider (virus scan)",
    "com.huawei.systemmanager": "Huawei Optimizer (virus scan)",
    "com.coloros.safecenter": "OPPO / realme Security",
    "com.oplus.safecenter": "OPPO / OnePlus Security",
    "com.iqoo.secure": "vivo i Manager (virus scan)",
}
"""Preinstalled apps that protect the phone: disabling them is a stalkerware installer's usual first step."""

ROOT_MANAGERS: Final[dict[str, str]] = {
    "com.topjohnwu.magisk": "Magisk",
    "eu.chainfire.supersu": "SuperSU",
    "com.noshufou.android.su": "Superuser (ChainsDD)",
    "com.koushikdutta.superuser": "Superuser (Koush)",
    "me.phh.superuser": "Superuser (phh)",
    "com.kingroot.kinguser": "KingRoot",
    "com.kingo.root": "Kingo Root",
    "me.weishu.kernelsu": "KernelSU",
    "me.bmax.apatch": "APatch",
}
"""Apps that grant root to other apps: installed, they show the phone is rooted even where no binary is found
(Magisk hides its own)."""


def _state(report: AuditReport) -> DeviceState:
    return report.device_state or DeviceState()


# --------------------------------------------------------------------------------------------------
# Debugging
# --------------------------------------------------------------------------------------------------

_DEV_OPTIONS: Final = "Settings › System › Developer options"


@device_rule(
    "AUD-ADB-001",
    title="USB debugging is on",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    rationale="With USB debugging on, anyone who has the unlocked phone and a computer can install apps, including "
    "stalkerware, and change settings without Play Store checks. A check over USB needs it on: turn it off when done.",
    remediation=f"{_DEV_OPTIONS} › USB debugging › Off (and Revoke USB debugging authorizations).",
)
def _usb_debugging(report: AuditReport) -> Iterable[Hit]:
    """Settings global ``adb_enabled=1``."""
    if _state(report).usb_debugging is not True:
        return []
    return [Hit(("settings global adb_enabled=1",), f"{_DEV_OPTIONS} › USB debugging › Off, once this check is done.")]


@device_rule(
    "AUD-ADB-002",
    title="Wireless debugging is on",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    rationale="Wireless debugging lets a paired computer on the same Wi-Fi control the phone (install apps, read "
    "app data) without a cable, out of sight.",
    remediation=f"{_DEV_OPTIONS} › Wireless debugging › Off; in it, forget the paired devices.",
)
def _wireless_debugging(report: AuditReport) -> Iterable[Hit]:
    """Settings global ``adb_wifi_enabled=1`` (Android 11+)."""
    if _state(report).wireless_debugging is not True:
        return []
    return [
        Hit(
            ("settings global adb_wifi_enabled=1",),
            f"{_DEV_OPTIONS} › Wireless debugging › Off; in it, forget the paired devices.",
        )
    ]


@device_rule(
    "AUD-ADB-003",
    title="Computers trusted for USB debugging",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    rationale="A computer the phone trusts ('Always allow from this computer') gets a shell without the phone "
    "asking again whenever USB debugging is on: check that you know each one.",
    remediation=f"{_DEV_OPTIONS} › Revoke USB debugging authorizations.",
)
def _trusted_computers(report: AuditReport) -> Iterable[Hit]:
    """``dumpsys adb`` lists at least one trusted key (shown as the fingerprint the phone's dialog shows)."""
    keys = _state(report).adb_host_keys
    if not keys:
        return []
    return [
        Hit(
            tuple(f"trusted computer key {k}" for k in keys),
            f"{_DEV_OPTIONS} › Revoke USB debugging authorizations (every computer must then be allowed again).",
        )
    ]


@device_rule(
    "AUD-ADB-004",
    title="USB debugging trusts any computer",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    rationale="With ro.adb.secure=0 the phone never asks 'Allow USB debugging?': any computer plugged in gets a "
    "shell. Common on TV boxes and custom builds; on a phone it means the system was modified.",
    remediation="No setting changes it: it is built into the system. Keep USB debugging off; on a phone, reinstall "
    "the maker's official firmware.",
)
def _adb_insecure(report: AuditReport) -> Iterable[Hit]:
    """``ro.adb.secure=0``."""
    if _state(report).adb_authentication is not False:
        return []
    return [
        Hit(
            ("getprop ro.adb.secure=0",),
            f"Keep USB debugging off ({_DEV_OPTIONS} › USB debugging › Off); on a phone, reinstall the maker's "
            "official firmware.",
        )
    ]


@device_rule(
    "AUD-DEV-001",
    title="Developer options are on",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    rationale="Developer options unlock USB debugging and switches that weaken checks (verify apps over USB, mock "
    "locations). Nobody needs them on day to day.",
    remediation=f"{_DEV_OPTIONS} › Use developer options › Off.",
)
def _developer_options(report: AuditReport) -> Iterable[Hit]:
    """Settings global ``development_settings_enabled=1``."""
    if _state(report).developer_options is not True:
        return []
    return [Hit(("settings global development_settings_enabled=1",), f"{_DEV_OPTIONS} › Use developer options › Off.")]


# --------------------------------------------------------------------------------------------------
# Play Protect and installs
# --------------------------------------------------------------------------------------------------

_PLAY_PROTECT: Final = "Play Store › your profile picture › Play Protect › ⚙ Settings"


@device_rule(
    "AUD-PROTECT-001",
    title="App verification is off",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    rationale="Android's verifier (Play Protect) checks every app installed, from any source, against known harmful "
    "apps. Turned off, known stalkerware installs without a warning.",
    remediation=f"{_PLAY_PROTECT} › Scan apps with Play Protect › On (older Android: Settings › Security › Verify "
    "apps).",
)
def _verifier(report: AuditReport) -> Iterable[Hit]:
    """Settings global ``package_verifier_enable=0``."""
    if _state(report).verify_apps is not False:
        return []
    return [
        Hit(
            ("settings global package_verifier_enable=0",),
            f"{_PLAY_PROTECT} › Scan apps with Play Protect › On (older Android: Settings › Security › Verify apps).",
        )
    ]


@device_rule(
    "AUD-PROTECT-002",
    title="Apps installed over USB are not verified",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    rationale="Apps pushed from a computer (adb install: how stalkerware is often put on a phone held for a few "
    "minutes) skip Play Protect's check.",
    remediation=f"{_DEV_OPTIONS} › Verify apps over USB › On.",
)
def _verify_adb(report: AuditReport) -> Iterable[Hit]:
    """Settings global ``verifier_verify_adb_installs=0``."""
    if _state(report).verify_adb_installs is not False:
        return []
    return [Hit(("settings global verifier_verify_adb_installs=0",), f"{_DEV_OPTIONS} › Verify apps over USB › On.")]


@device_rule(
    "AUD-PROTECT-003",
    title="Play Protect's app scanning is off",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    rationale="With 'Scan apps with Play Protect' off, apps already on the phone are never checked again: a known "
    "stalkerware app stays unnoticed.",
    remediation=f"{_PLAY_PROTECT} › Scan apps with Play Protect › On.",
)
def _scanning(report: AuditReport) -> Iterable[Hit]:
    """Settings global ``package_verifier_user_consent=-1`` (the person, or someone with the phone, declined)."""
    if _state(report).play_protect_scanning is not False:
        return []
    return [
        Hit(
            ("settings global package_verifier_user_consent=-1",),
            f"{_PLAY_PROTECT} › Scan apps with Play Protect › On.",
        )
    ]


@device_rule(
    "AUD-PROTECT-004",
    title="Unknown apps are not sent for checking",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    rationale="Play Protect can send apps it does not know to Google for analysis ('Improve harmful app "
    "detection'); off, a new stalkerware build is not looked at.",
    remediation=f"{_PLAY_PROTECT} › Improve harmful app detection › On.",
)
def _upload(report: AuditReport) -> Iterable[Hit]:
    """Settings global ``upload_apk_enable=0``."""
    if _state(report).harmful_app_upload is not False:
        return []
    return [Hit(("settings global upload_apk_enable=0",), f"{_PLAY_PROTECT} › Improve harmful app detection › On.")]


@device_rule(
    "AUD-UNKNOWN-001",
    title="Installs from unknown sources allowed for every app",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    rationale="Android 7 and older have one switch for installing apps from outside the store: on, any app or "
    "download can install more apps. (From Android 8 the permission is per app: AUD-INSTALL-001.)",
    remediation="Settings › Security › Unknown sources › Off.",
)
def _unknown_sources(report: AuditReport) -> Iterable[Hit]:
    """``install_non_market_apps=1`` on Android 7.1 or older."""
    if _state(report).unknown_sources is not True:
        return []
    return [
        Hit(
            ("settings install_non_market_apps=1 (Android 7 or older)",), "Settings › Security › Unknown sources › Off."
        )
    ]


@device_rule(
    "AUD-SECAPP-001",
    title="A security app is disabled or removed",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    rationale="Google Play services (which runs Play Protect), the Play Store and the maker's security app protect "
    "the phone; disabling them for a user is a stalkerware installer's usual first step.",
    remediation="Settings › Apps › See all apps (⋮ › Show system) › the app › Enable; for an app removed for the "
    "user: adb shell cmd package install-existing --user <user> <package>.",
)
def _security_apps(report: AuditReport) -> Iterable[Hit]:
    """A preinstalled security app (Google Play services, Play Store, the maker's security app) is listed but
    disabled for a user, or uninstalled for that user with its data kept."""
    evidence: list[str] = []
    fixes: list[str] = []
    for app in report.apps:
        what = SECURITY_APPS.get(app.package)
        if what is None or not app.system:
            continue
        if app.presence is AppPresence.NOT_INSTALLED:
            evidence.append(f"{app.package} ({what}) is uninstalled for user {app.user}, its data kept")
            fixes.append(f"adb shell cmd package install-existing --user {app.user} {app.package}")
        elif app.presence is AppPresence.INSTALLED and app.enabled is False:
            evidence.append(f"{app.package} ({what}) is disabled for user {app.user}")
            fixes.append(f"Settings › Apps › {app.package} › Enable (user {app.user})")
    if not evidence:
        return []
    return [Hit(tuple(evidence), "; ".join(fixes) + ".")]


# --------------------------------------------------------------------------------------------------
# The system itself
# --------------------------------------------------------------------------------------------------


@device_rule(
    "AUD-BOOT-001",
    title="Bootloader unlocked or verified boot not green",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    rationale="An unlocked bootloader lets anyone with the phone replace its system, and Android then cannot prove "
    "the system is the maker's (verified boot orange, yellow or red). Spyware that survives a factory reset is "
    "installed this way.",
    remediation="Back up, then relock the bootloader with the maker's official firmware (fastboot flashing lock "
    "erases the phone); if you did not unlock it, get help before you change anything.",
)
def _bootloader(report: AuditReport) -> Iterable[Hit]:
    """``ro.boot.verifiedbootstate`` is not ``green``, ``ro.boot.flash.locked=0``, or
    ``ro.boot.vbmeta.device_state=unlocked``."""
    s = _state(report)
    evidence: list[str] = []
    if s.verified_boot_state is not None and s.verified_boot_state != "green":
        evidence.append(f"getprop ro.boot.verifiedbootstate={s.verified_boot_state}")
    if s.flash_locked is False:
        evidence.append("getprop ro.boot.flash.locked=0")
    if s.vbmeta_device_state == "unlocked":
        evidence.append("getprop ro.boot.vbmeta.device_state=unlocked")
    if not evidence:
        return []
    return [
        Hit(
            tuple(evidence),
            "If you did not unlock it, get help before changing anything. Otherwise back up, then relock the "
            "bootloader with the maker's official firmware (this erases the phone).",
        )
    ]


@device_rule(
    "AUD-SELINUX-001",
    title="SELinux is not enforcing",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    rationale="SELinux keeps apps and services inside their sandbox; permissive or disabled, a compromised app can "
    "reach what Android would otherwise forbid. No release phone ships that way.",
    remediation="No setting turns it back on: reinstall the maker's official firmware.",
)
def _selinux(report: AuditReport) -> Iterable[Hit]:
    """``getenforce`` prints Permissive or Disabled, or (without it) ``ro.boot.selinux`` is permissive."""
    s = _state(report)
    if s.selinux not in ("permissive", "disabled"):
        return []
    where = "getenforce" if s.selinux_evidence == "getenforce" else "getprop ro.boot.selinux"
    return [Hit((f"{where}: {s.selinux}",), "Reinstall the maker's official firmware.")]


_ROOT_FIX: Final = (
    "If you did not root this phone yourself, someone else may control all of it: talk to a support service you "
    "trust before changing anything, and keep this report. To remove root, back up, then flash the maker's "
    "official firmware (a factory reset alone can keep a modified system); no adb command removes it."
)


@device_rule(
    "AUD-ROOT-001",
    title="Root tools on the phone",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    rationale="With root, an app can read every other app's data, hide itself and its files, and switch off "
    "Android's own protections: no permission this audit reads limits it, so a clean report means less. "
    "Medium confidence: the tools are there, that they work is not shown (BusyBox alone is common on custom ROMs).",
    remediation=_ROOT_FIX,
)
def _root(report: AuditReport) -> Iterable[Hit]:
    """The root check (the plan's ``ls -d`` over the usual paths, or androidqf's ``root_binaries.json``) found
    ``su``, Magisk, BusyBox or a superuser app, or a root manager app (Magisk, SuperSU, KernelSU …) is installed."""
    found = [f"found {path}" for path in _state(report).root_binaries or ()]
    found += [
        f"root manager app {app.package} ({ROOT_MANAGERS[app.package]}) installed for user {app.user}"
        for app in report.apps
        if app.package in ROOT_MANAGERS and app.installed
    ]
    return [Hit(tuple(found), _ROOT_FIX)] if found else []


@device_rule(
    "AUD-ROOT-002",
    title="Debuggable system build",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    rationale="A userdebug or eng build (ro.debuggable=1) gives a root shell to any computer allowed to debug it "
    "(adb root). Normal for developers' devices and many TV boxes, never for a phone as sold.",
    remediation="Keep USB debugging off; on a phone, reinstall the maker's official (user) firmware.",
)
def _debuggable_build(report: AuditReport) -> Iterable[Hit]:
    """``ro.debuggable=1``."""
    if _state(report).debuggable_build is not True:
        return []
    return [
        Hit(
            ("getprop ro.debuggable=1",),
            f"Keep USB debugging off ({_DEV_OPTIONS} › USB debugging › Off); on a phone, reinstall the maker's "
            "official firmware.",
        )
    ]


def patch_age(report: AuditReport) -> int | None:
    """Days from the security patch to the capture by the phone's own clock (``date +%s``), or ``None``.

    Only the phone's clock dates the capture: an offline source's collection time is when the file was read,
    which can be years after the phone was captured, so without the phone's clock the age is unknown."""
    patch, when = report.device.security_patch, report.source.device_time
    if not patch or not when:
        return None
    try:
        patched = dt.date.fromisoformat(patch.strip()[:10])
        taken = dt.datetime.fromisoformat(when.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None
    return (taken - patched).days


@device_rule(
    "AUD-PATCH-001",
    title="Security patch more than six months old",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    rationale="Android's monthly security bulletins fix flaws that spyware uses to get in; a phone more than six "
    f"months ({PATCH_MAX_AGE_DAYS} days) behind carries several known ones.",
    remediation="Settings › System › Software updates (or Security › Security update) › Check for update; a phone "
    "that no longer gets updates is best replaced for sensitive use.",
)
def _patch(report: AuditReport) -> Iterable[Hit]:
    """``ro.build.version.security_patch`` is more than 180 days before the capture, dated by the phone's own
    clock (``date +%s``; a source without it leaves the age unknown)."""
    days = patch_age(report)
    if days is None or days <= PATCH_MAX_AGE_DAYS:
        return []
    return [
        Hit(
            (f"security patch {report.device.security_patch}: {days} days before the capture (the phone's clock)",),
            "Settings › System › Software updates › Check for update; a phone that no longer gets updates is best "
            "replaced for sensitive use.",
        )
    ]


@device_rule(
    "AUD-CRYPT-001",
    title="Storage is not encrypted",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    rationale="Unencrypted storage can be read by anyone who has the phone for a while, without its PIN.",
    remediation="Settings › Security › Encryption › Encrypt phone (Android 6–9); newer phones encrypt by default, "
    "so an unencrypted one runs modified firmware.",
)
def _encryption(report: AuditReport) -> Iterable[Hit]:
    """``ro.crypto.state=unencrypted``."""
    if _state(report).encryption != "unencrypted":
        return []
    return [Hit(("getprop ro.crypto.state=unencrypted",), "Settings › Security › Encryption › Encrypt phone.")]
