"""Device identity from ``getprop``: what ``auditor devices`` shows and ``manifest.json`` records."""

from __future__ import annotations

from collections.abc import Mapping

from auditor.model import DeviceInfo


def _first(props: Mapping[str, str], *keys: str) -> str | None:
    for key in keys:
        value = props.get(key, "").strip()
        if value:
            return value
    return None


def device_info(props: Mapping[str, str]) -> DeviceInfo:
    """DeviceInfo from parsed ``getprop`` values (missing keys stay None)."""
    sdk_text = _first(props, "ro.build.version.sdk")
    sdk = int(sdk_text) if sdk_text is not None and sdk_text.isdigit() and len(sdk_text) < 4 else None
    return DeviceInfo(
        model=_first(props, "ro.product.model", "ro.product.vendor.model", "ro.product.system.model"),
        manufacturer=_first(props, "ro.product.manufacturer", "ro.product.vendor.manufacturer"),
        brand=_first(props, "ro.product.brand", "ro.product.vendor.brand"),
        android_release=_first(props, "ro.build.version.release_or_codename", "ro.build.version.release"),
        sdk=sdk,
        security_patch=_first(props, "ro.build.version.security_patch"),
        fingerprint=_first(props, "ro.build.fingerprint", "ro.vendor.build.fingerprint"),
        serial=_first(props, "ro.serialno", "ro.boot.serialno"),
        timezone=_first(props, "persist.sys.timezone"),
    )
