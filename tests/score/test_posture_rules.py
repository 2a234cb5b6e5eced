"""The phone's own safety settings: each posture rule fires on its unsafe value with the evidence and the fix,
stays silent on the safe or unknown one, and the real captures read as they should."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.analyse.device_state import device_state
from auditor.analyse.parsed import parse_snapshot
from auditor.model import (
    AppPresence,
    AuditReport,
    CommandRecord,
    CommandStatus,
    Confidence,
    DeviceInfo,
    DeviceState,
    Section,
    Severity,
    Snapshot,
    SourceInfo,
)
from auditor.score.device_rules import DEVICE_RULES, find_device
from auditor.score.posture_rules import PATCH_MAX_AGE_DAYS
from auditor.snapshot import new_manifest, sha256_hex
from tests.realdata import real_file
from tests.score.builders import app

EMPTY = AuditReport("1.2", "t", SourceInfo("snapshot", "x"), DeviceInfo(), (), ())


def _fired(report: AuditReport) -> dict[str, tuple[str, ...]]:
    return {f.rule_id: f.evidence for f in find_device(report)}


UNSAFE = DeviceState(
    adb_host_keys=("AB:CD",),
    usb_debugging=True,
    wireless_debugging=True,
    adb_authentication=False,
    developer_options=True,
    verify_apps=False,
    verify_adb_installs=False,
    play_protect_scanning=False,
    harmful_app_upload=False,
    unknown_sources=True,
    verified_boot_state="orange",
    flash_locked=False,
    vbmeta_device_state="unlocked",
    selinux="permissive",
    selinux_evidence="getenforce",
    debuggable_build=True,
    encryption="unencrypted",
    root_binaries=("/system/xbin/su",),
)
SAFE = DeviceState(
    adb_host_keys=(),
    usb_debugging=False,
    wireless_debugging=False,
    adb_authentication=True,
    developer_options=False,
    verify_apps=True,
    verify_adb_installs=True,
    play_protect_scanning=True,
    harmful_app_upload=True,
    unknown_sources=False,
    verified_boot_state="green",
    flash_locked=True,
    vbmeta_device_state="locked",
    selinux="enforcing",
    selinux_evidence="getenforce",
    debuggable_build=False,
    encryption="encrypted",
    root_binaries=(),
)


def test_every_unsafe_setting_is_a_finding_with_its_evidence() -> None:
    report = replace(
        EMPTY,
        device_state=UNSAFE,
        device=DeviceInfo(security_patch="2023-01-05"),
        source=SourceInfo("snapshot", "x", device_time="2024-01-05T10:00:00+00:00"),
        apps=(
            replace(app("com.google.android.gms", system=True), enabled=False),
            replace(app("com.android.vending", system=True, user=10), presence=AppPresence.NOT_INSTALLED),
            app("com.topjohnwu.magisk"),
        ),
    )
    assert _fired(report) == {
        "AUD-ADB-001": ("settings global adb_enabled=1",),
        "AUD-ADB-002": ("settings global adb_wifi_enabled=1",),
        "AUD-ADB-003": ("trusted computer key AB:CD",),
        "AUD-ADB-004": ("getprop ro.adb.secure=0",),
        "AUD-DEV-001": ("settings global development_settings_enabled=1",),
        "AUD-PROTECT-001": ("settings global package_verifier_enable=0",),
        "AUD-PROTECT-002": ("settings global verifier_verify_adb_installs=0",),
        "AUD-PROTECT-003": ("settings global package_verifier_user_consent=-1",),
        "AUD-PROTECT-004": ("settings global upload_apk_enable=0",),
        "AUD-UNKNOWN-001": ("settings install_non_market_apps=1 (Android 7 or older)",),
        "AUD-SECAPP-001": (
            "com.google.android.gms (Google Play services (runs Play Protect)) is disabled for user 0",
            "com.android.vending (Google Play Store (Play Protect's settings and updates)) is uninstalled for user "
            "10, its data kept",
        ),
        "AUD-BOOT-001": (
            "getprop ro.boot.verifiedbootstate=orange",
            "getprop ro.boot.flash.locked=0",
            "getprop ro.boot.vbmeta.device_state=unlocked",
        ),
        "AUD-SELINUX-001": ("getenforce: permissive",),
        "AUD-ROOT-001": (
            "found /system/xbin/su",
            "root manager app com.topjohnwu.magisk (Magisk) installed for user 0",
        ),
        "AUD-ROOT-002": ("getprop ro.debuggable=1",),
        "AUD-PATCH-001": ("security patch 2023-01-05: 365 days before the capture (the phone's clock)",),
        "AUD-CRYPT-001": ("getprop ro.crypto.state=unencrypted",),
    }
    posture = {rid for rid, r in DEVICE_RULES.items() if r.posture}
    assert posture == set(_fired(report))  # every posture rule has an unsafe case here
    secapp = next(f for f in find_device(report) if f.rule_id == "AUD-SECAPP-001")
    assert secapp.remediation == (
        "Settings › Apps › com.google.android.gms › Enable (user 0); "
        "adb shell cmd package install-existing --user 10 com.android.vending."
    )


def test_safe_or_unknown_settings_fire_nothing() -> None:
    assert _fired(replace(EMPTY, device_state=SAFE)) == {}
    assert _fired(replace(EMPTY, device_state=DeviceState())) == {}
    assert _fired(EMPTY) == {}
    recent = replace(
        EMPTY,
        device=DeviceInfo(security_patch="2024-01-05"),
        source=SourceInfo("snapshot", "x", device_time="2024-07-03T10:00:00+00:00"),
    )
    assert (recent.source.device_time, PATCH_MAX_AGE_DAYS) == ("2024-07-03T10:00:00+00:00", 180)
    assert _fired(recent) == {}  # 180 days: not more than six months
    # A security app a phone does not ship (or an installed copy of its name) says nothing.
    third_party = replace(app("com.miui.securitycenter"), enabled=False)
    assert _fired(replace(EMPTY, apps=(third_party,))) == {}


def test_severities_of_the_posture_rules() -> None:
    assert {rid: (r.severity, r.confidence) for rid, r in DEVICE_RULES.items() if r.severity is Severity.HIGH} == {
        "AUD-ADB-002": (Severity.HIGH, Confidence.HIGH),
        "AUD-ADB-004": (Severity.HIGH, Confidence.HIGH),
        "AUD-PROTECT-001": (Severity.HIGH, Confidence.HIGH),
        "AUD-PROTECT-003": (Severity.HIGH, Confidence.HIGH),
        "AUD-SECAPP-001": (Severity.HIGH, Confidence.HIGH),
        "AUD-BOOT-001": (Severity.HIGH, Confidence.HIGH),
        "AUD-SELINUX-001": (Severity.HIGH, Confidence.HIGH),
        "AUD-ROOT-001": (Severity.HIGH, Confidence.MEDIUM),
    }


# --------------------------------------------------------------------------------------------------
# Reading the settings and properties: real captures
# --------------------------------------------------------------------------------------------------


def _snapshot(files: dict[str, tuple[str, Section, int | None]]) -> Snapshot:
    commands, outputs = [], {}
    for cid, (rel, section, user) in files.items():
        blob = real_file(rel).read_bytes()
        outputs[cid] = blob
        commands.append(
            CommandRecord(cid, f"file {rel}", section, user, CommandStatus.OK, 0, len(blob), sha256_hex(blob))
        )
    return Snapshot(new_manifest(source="snapshot", created_at="", commands=commands), outputs, "real")


def test_the_xiaomi_tablet_debugs_over_usb_and_wifi_and_skips_checks_of_usb_installs() -> None:
    x = "dellta77-xiaomi-pad6-android14/"
    state = device_state(
        parse_snapshot(
            _snapshot(
                {
                    "getprop": (x + "getprop.txt", Section.GETPROP, None),
                    "settings_global": (x + "settings/settings_global.txt", Section.SETTINGS_GLOBAL, None),
                    "settings_secure.u0": (x + "settings/settings_secure.txt", Section.SETTINGS_SECURE, 0),
                }
            )
        )
    )
    assert state == DeviceState(
        usb_debugging=True,
        wireless_debugging=True,
        adb_authentication=True,
        developer_options=True,
        verify_apps=True,
        verify_adb_installs=False,
        play_protect_scanning=True,
        harmful_app_upload=True,
        unknown_sources=None,  # Android 14: install_non_market_apps=1 there means nothing
        verified_boot_state="green",
        flash_locked=True,
        vbmeta_device_state="locked",
        selinux=None,
        debuggable_build=False,
        encryption="encrypted",
    )


def test_the_android_7_box_is_a_debuggable_permissive_unencrypted_build_trusting_any_computer() -> None:
    m = "multibox-rk322x-android7.1.2/"
    state = device_state(parse_snapshot(_snapshot({"getprop": (m + "getprop.txt", Section.GETPROP, None)})))
    assert state == DeviceState(
        adb_authentication=False,
        selinux="permissive",
        selinux_evidence="ro.boot.selinux",
        debuggable_build=True,
        encryption="unencrypted",
    )
    report = replace(EMPTY, device_state=state)
    assert set(_fired(report)) == {"AUD-ADB-004", "AUD-SELINUX-001", "AUD-ROOT-002", "AUD-CRYPT-001"}
    assert _fired(report)["AUD-SELINUX-001"] == ("getprop ro.boot.selinux: permissive",)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, (False, False, False, True, True, None, None)),  # absent keys: Android's defaults, or unknown
        (
            {"adb_enabled": "1", "package_verifier_enable": "0", "package_verifier_user_consent": "-1",
             "upload_apk_enable": "0", "verifier_verify_adb_installs": "0", "adb_wifi_enabled": "1",
             "development_settings_enabled": "1"},
            (True, True, True, False, False, False, False),
        ),
        ({"adb_enabled": "yes", "package_verifier_user_consent": "0"}, (None, False, False, True, True, None, None)),
    ],
)  # fmt: skip
def test_settings_defaults_and_odd_values(values: dict[str, str], expected: tuple[bool | None, ...]) -> None:
    text = "".join(f"{k}={v}\n" for k, v in values.items()) or "device_provisioned=1\n"
    blob = text.encode()
    record = CommandRecord("settings_global", "x", Section.SETTINGS_GLOBAL, None, CommandStatus.OK, 0, len(blob), "")
    snap = Snapshot(new_manifest(source="snapshot", created_at="", commands=[record]), {"settings_global": blob}, "x")
    s = device_state(parse_snapshot(snap))
    got = (
        s.usb_debugging,
        s.wireless_debugging,
        s.developer_options,
        s.verify_apps,
        s.verify_adb_installs,
        s.play_protect_scanning,
        s.harmful_app_upload,
    )
    assert got == expected
