"""The phone's own state from its sections: trusted ADB hosts, root tools, running processes, and the
safety settings that make spying easy when they are off (or on).

Each fact is ``None`` when the source lacks its section (the analysis notes that absence through the
section's declaration), and empty when the section was there and named nothing. A setting a namespace
does not list holds Android's default, which this module states per key (absent ``package_verifier_enable``
means the verifier is on); a value it does not recognise is unknown (``None``), never guessed.

Sources of each fact (android-platform.md; AOSP ``Settings.Global`` and ``Settings.Secure``):

* ``settings list global``: ``adb_enabled``, ``adb_wifi_enabled`` (11+), ``development_settings_enabled``,
  ``package_verifier_enable``, ``verifier_verify_adb_installs``, ``package_verifier_user_consent``,
  ``upload_apk_enable``; ``install_non_market_apps`` moved from global to secure in Android 4.2 and back,
  and stopped meaning anything in Android 8 (the per-app "Install unknown apps" access replaced it), so it
  is read from either namespace and only below SDK 26;
* ``getprop``: ``ro.adb.secure``, ``ro.boot.verifiedbootstate``, ``ro.boot.flash.locked``,
  ``ro.boot.vbmeta.device_state``, ``ro.boot.selinux``, ``ro.debuggable``, ``ro.crypto.state``;
* ``getenforce``: SELinux's mode.
"""

from __future__ import annotations

from collections.abc import Mapping

from auditor.analyse.parsed import ParsedDevice
from auditor.model import DeviceState
from auditor.sections import (
    DUMPSYS_ADB,
    GETPROP,
    PROCESSES,
    ROOT_BINARIES,
    SELINUX,
    SETTINGS_GLOBAL,
    SETTINGS_SECURE,
)

_LAST_GLOBAL_UNKNOWN_SOURCES_SDK = 25
"""Android 7.1: the last release with one switch for installs from unknown sources."""


def _flag(values: Mapping[str, str] | None, key: str, *, default: bool | None) -> bool | None:
    """``1`` → True, ``0`` → False, absent → ``default`` (Android's), anything else → unknown."""
    if values is None:
        return None
    raw = values.get(key)
    if raw is None:
        return default
    return {"1": True, "0": False}.get(raw.strip())


def _consent(values: Mapping[str, str] | None) -> bool | None:
    """``package_verifier_user_consent``: 1 the user agreed to scanning, -1 declined; 0 or absent: never asked."""
    if values is None:
        return None
    return {"1": True, "-1": False}.get((values.get("package_verifier_user_consent") or "").strip())


def _prop_flag(props: Mapping[str, str] | None, key: str) -> bool | None:
    if props is None or key not in props:
        return None
    return {"1": True, "0": False, "true": True, "false": False}.get(props[key].strip().lower())


def _prop(props: Mapping[str, str] | None, key: str) -> str | None:
    value = props.get(key) if props is not None else None
    return value.strip().lower()[:40] or None if value is not None else None


def device_state(parsed: ParsedDevice) -> DeviceState:
    """What the sections say about the device itself."""
    adb = parsed.one(DUMPSYS_ADB)
    root = parsed.one(ROOT_BINARIES)
    ps = parsed.one(PROCESSES)
    # A root check whose every line was unreadable checked nothing: unknown, not "none found".
    root_checked = root is not None and bool(root.found or root.absent or root.unreadable or not root.unknown)
    got = parsed.one(GETPROP)
    props = got.values if got is not None else None
    glob = parsed.one(SETTINGS_GLOBAL)
    global_values = glob.values if glob is not None else None
    secure = parsed.per_user(SETTINGS_SECURE).get(0)
    secure_values = secure.values if secure is not None else None
    sdk_text = props.get("ro.build.version.sdk") if props is not None else None
    sdk = int(sdk_text) if sdk_text is not None and sdk_text.strip().isdigit() else None

    unknown_sources: bool | None = None
    if sdk is not None and sdk <= _LAST_GLOBAL_UNKNOWN_SOURCES_SDK:
        unknown_sources = _flag(secure_values, "install_non_market_apps", default=None)
        if unknown_sources is None:
            unknown_sources = _flag(global_values, "install_non_market_apps", default=None)

    selinux = parsed.one(SELINUX)
    selinux_mode, selinux_from = (selinux.mode, "getenforce") if selinux is not None and selinux.mode else (None, None)
    if selinux_mode is None and _prop(props, "ro.boot.selinux") in ("permissive", "disabled"):
        # The boot setting (androidboot.selinux) only says when SELinux was switched off at boot; "enforcing"
        # there does not prove the policy still enforces, so only the unsafe readings are taken from it.
        selinux_mode, selinux_from = _prop(props, "ro.boot.selinux"), "ro.boot.selinux"

    return DeviceState(
        adb_host_keys=adb.fingerprints if adb is not None else None,
        root_binaries=root.found if root is not None and root_checked else None,
        root_unchecked=root.unreadable if root is not None else (),
        processes=ps.names if ps is not None else None,
        usb_debugging=_flag(global_values, "adb_enabled", default=False),
        wireless_debugging=_flag(global_values, "adb_wifi_enabled", default=False),
        adb_authentication=_prop_flag(props, "ro.adb.secure"),
        developer_options=_flag(global_values, "development_settings_enabled", default=False),
        verify_apps=_flag(global_values, "package_verifier_enable", default=True),
        verify_adb_installs=_flag(global_values, "verifier_verify_adb_installs", default=True),
        play_protect_scanning=_consent(global_values),
        harmful_app_upload=_flag(global_values, "upload_apk_enable", default=None),
        unknown_sources=unknown_sources,
        verified_boot_state=_prop(props, "ro.boot.verifiedbootstate"),
        flash_locked=_prop_flag(props, "ro.boot.flash.locked"),
        vbmeta_device_state=_prop(props, "ro.boot.vbmeta.device_state"),
        selinux=selinux_mode,
        selinux_evidence=selinux_from,
        debuggable_build=_prop_flag(props, "ro.debuggable"),
        encryption=_prop(props, "ro.crypto.state"),
    )
