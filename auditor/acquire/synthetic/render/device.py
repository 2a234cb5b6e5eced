"""The synthetic device's identity, clock, users, package lists and settings, as Android prints them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.clock import TIMEZONE, local_time
from auditor.acquire.synthetic.world import USERS, WORK_USER, World
from auditor.model import DeviceInfo
from auditor.parse.markers import marker_line

MODEL = "Synthetic Pixel"
MANUFACTURER = "Auditor"
BRAND = "auditor"
SECURITY_PATCH = "2024-05-05"
USER_NAMES = {0: ("Owner", 0xC13), WORK_USER: ("Work profile", 0x1030)}


def text(lines: Iterable[str]) -> str:
    return "\n".join(lines) + "\n"


def device_info(world: World) -> DeviceInfo:
    """The identity ``getprop`` gives, as the manifest carries it."""
    return DeviceInfo(
        model=MODEL,
        manufacturer=MANUFACTURER,
        brand=BRAND,
        android_release="14",
        sdk=34,
        security_patch=SECURITY_PATCH,
        fingerprint=_fingerprint(world),
        serial=world.serial,
        timezone=TIMEZONE,
    )


def _fingerprint(world: World) -> str:
    return f"{BRAND}/synthetic_pixel/synthpix:14/{world.build_id}/{world.incremental}:user/release-keys"


# --------------------------------------------------------------------------------------------------
# getprop, date, pm list users
# --------------------------------------------------------------------------------------------------


def getprop(world: World) -> str:
    """``getprop``: ``[key]: [value]`` lines sorted by key (one value spans two lines)."""
    build_utc = (world.now_ms - 140 * 86_400_000) // 1000
    props = dict(cat.GETPROP_BASE)
    props.update(
        {
            "persist.sys.timezone": TIMEZONE,
            "ro.boot.serialno": world.serial,
            "ro.serialno": world.serial,
            "ro.build.fingerprint": _fingerprint(world),
            "ro.system.build.fingerprint": _fingerprint(world),
            "ro.vendor.build.fingerprint": _fingerprint(world),
            "ro.build.id": world.build_id,
            "ro.build.display.id": f"{world.build_id} release-keys",
            "ro.build.version.incremental": world.incremental,
            "ro.build.version.release": "14",
            "ro.build.version.release_or_codename": "14",
            "ro.build.version.sdk": "34",
            "ro.build.version.security_patch": SECURITY_PATCH,
            "ro.vendor.build.security_patch": SECURITY_PATCH,
            "ro.build.date.utc": str(build_utc),
            "ro.build.date": local_time(build_utc * 1000),
            "ro.product.model": MODEL,
            "ro.product.system.model": MODEL,
            "ro.product.vendor.model": MODEL,
            "ro.product.manufacturer": MANUFACTURER,
            "ro.product.system.manufacturer": MANUFACTURER,
            "ro.product.vendor.manufacturer": MANUFACTURER,
            "ro.product.brand": BRAND,
            "ro.product.system.brand": BRAND,
            "ro.product.name": "synthetic_pixel",
            "ro.product.device": "synthpix",
            "ro.product.board": "synthpix",
            # A value with a newline, as Android 13+ prints boot reasons: tests multi-line parsing.
            "persist.sys.boot.reason.history": (
                f"reboot,userrequested,{build_utc + 9_000_000}\nreboot,ota,{build_utc + 600}"
            ),
        }
    )
    props.update(world.props)
    return text(f"[{key}]: [{props[key]}]" for key in sorted(props))


def date(world: World) -> str:
    """``date +%s``: the capture instant every relative app-op time is measured from."""
    return f"{world.now_ms // 1000}\n"


def pm_list_users(world: World) -> str:
    """``pm list users``: the owner and a managed work profile (flags 0x1030), both running."""
    lines = ["Users:"]
    for user in USERS:
        name, flags = USER_NAMES[user]
        lines.append(f"\tUserInfo{{{user}:{name}:{flags:x}}} running")
    return text(lines)


# --------------------------------------------------------------------------------------------------
# pm list packages / pm path
# --------------------------------------------------------------------------------------------------


def pm_list_packages(world: World, user: int) -> str:
    """``pm list packages -f -U -i --show-versioncode --user N``: installed packages of one user."""
    lines = []
    for name in world.listing_order:
        app = world.by_name[name]
        if not app.users[user].installed:
            continue
        installer = app.installer or "null"
        lines.append(
            f"package:{app.apk_paths[0]}={name} versionCode:{app.version_code}  installer={installer}"
            f" uid:{world.uid(app, user)}"
        )
    return text(lines)


def pm_path(world: World, user: int) -> str:
    """The plan's marked loop: ``pm path --user N`` for every package installed for that user."""
    lines = []
    for name in world.listing_order:
        app = world.by_name[name]
        if not app.users[user].installed:
            continue
        lines.append(marker_line(package=name, user=str(user)))
        lines.extend(f"package:{path}" for path in app.apk_paths)
    return text(lines)


def apk_hashes(world: World, user: int) -> str:
    """The plan's ``apk_hashes`` loop: ``sha256sum`` over the APKs of every non-system app of the user, with the
    bytes the device serves (``auditor.acquire.synthetic.apks``)."""
    from auditor.acquire.synthetic.apks import app_files  # the APK writer is only needed here

    lines = []
    for name in world.listing_order:
        app = world.by_name[name]
        if app.system or not app.users[user].installed:
            continue
        lines.append(marker_line(package=name, user=str(user)))
        files = app_files(
            name,
            version_code=app.version_code,
            version_name=app.version_name,
            min_sdk=app.min_sdk,
            target_sdk=app.target_sdk,
            permissions=app.requested,
            system=app.system,
            paths=app.apk_paths,
            platform_signed=app.platform_signed,
        )
        lines.extend(f"{hashlib.sha256(data).hexdigest()}  {path}" for path, data in files.items())
    return text(lines)


# --------------------------------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------------------------------


def _settings(values: dict[str, str]) -> str:
    """``settings list``: ``name=value`` lines sorted as whole lines."""
    return text(sorted(f"{k}={v}" for k, v in values.items()))


def settings_global(world: World) -> str:
    """``settings list global``."""
    return _settings(dict(cat.SETTINGS_GLOBAL_BASE) | world.settings.get("global", {}))


def settings_system(world: World, user: int) -> str:
    """``settings --user N list system``."""
    values = dict(cat.SETTINGS_SYSTEM_BASE)
    if user != 0:
        values["screen_brightness"] = "128"
    return _settings(values)


def enabled_input_methods(world: World, user: int) -> list[str]:
    """Enabled IME components of ``user`` in app order."""
    return [ime for app in world.apps if app.users[user].installed for ime in app.users[user].input_methods]


def settings_secure(world: World, user: int) -> str:
    """``settings --user N list secure`` with the special-access settings of that user."""
    values = dict(cat.SETTINGS_SECURE_BASE)
    installed = [app for app in world.apps if app.users[user].installed]
    a11y = [c for app in installed for c, _ in app.users[user].accessibility]
    listeners = [c for app in installed for c in app.users[user].listeners]
    imes = enabled_input_methods(world, user)
    default_ime = next(
        (c for app in installed if app.users[user].default_ime for c in app.users[user].input_methods), ""
    )
    values.update(
        {
            "android_id": world.android_id[user],
            "accessibility_enabled": "1" if a11y else "0",
            "enabled_accessibility_services": ":".join(a11y),
            "enabled_notification_listeners": ":".join(listeners),
            "enabled_notification_assistant": next((c for u, c in world.assistants if u == user), ""),
            # Every IME carries its enabled subtype hash codes after ";" (here: one per IME).
            "enabled_input_methods": ":".join(f"{ime};{-1_890_000_000 + 7 * i}" for i, ime in enumerate(imes)),
            "default_input_method": default_ime,
            "dialer_default_application": "com.android.dialer" if user == 0 else "",
            "bluetooth_address": "F8:0F:F9:12:A4:5C" if user == 0 else "null",
            "user_setup_complete": "1",
        }
    )
    if user == 0:
        values["assistant"] = values["voice_interaction_service"]
    else:
        del values["voice_interaction_service"]
        values["managed_profile_contact_remote_search"] = "0"
    values.update(world.settings.get("secure", {}))
    return _settings(values)
