"""Audits of real captures, assembled into snapshots as a collection would store them.

Facts asserted here were read by eye in ../shared/real-devices (see PROVENANCE.md there).
"""

from __future__ import annotations

from collections import Counter

from auditor.model import (
    AppPresence,
    AuditReport,
    CommandRecord,
    CommandStatus,
    EffectiveAccess,
    InstallSource,
    NoteLevel,
    PermissionKind,
    Section,
    Snapshot,
    SpecialAccessKind,
)
from auditor.pipeline import audit_snapshot
from auditor.snapshot import new_manifest, sha256_hex
from tests.realdata import real_file

MULTIBOX = "multibox-rk322x-android7.1.2/"
XIAOMI = "dellta77-xiaomi-pad6-android14/"


def _audit(files: dict[str, tuple[str, Section, int | None]]) -> AuditReport:
    commands, outputs = [], {}
    for cid, (rel, section, user) in files.items():
        blob = real_file(rel).read_bytes()
        outputs[cid] = blob
        commands.append(
            CommandRecord(cid, f"file {rel}", section, user, CommandStatus.OK, 0, len(blob), sha256_hex(blob))
        )
    manifest = new_manifest(source="snapshot", created_at="", commands=commands)
    return audit_snapshot(Snapshot(manifest=manifest, outputs=outputs, path="real"))


def test_android7_tv_box() -> None:
    report = _audit(
        {
            "getprop": (MULTIBOX + "getprop.txt", Section.GETPROP, None),
            "dumpsys_package": (MULTIBOX + "dumpsys_package.txt", Section.DUMPSYS_PACKAGE, None),
        }
    )
    d = report.device
    # The box's firmware claims release "9.1" on SDK 25 (Android 7.1); kept as printed.
    assert (d.model, d.manufacturer, d.android_release, d.sdk, d.security_patch) == (
        "TV BOX",
        "rockchip",
        "9.1",
        25,
        "2017-04-05",
    )
    assert len(report.apps) == 84
    assert {a.user for a in report.apps} == {0}
    apps = {a.package: a for a in report.apps}
    ssh = apps["berserker.android.apps.sshdroid"]
    assert (ssh.uid, ssh.target_sdk, ssh.installer, ssh.install_source) == (
        10056,
        18,
        "com.google.android.packageinstaller",
        InstallSource.SIDELOADED,
    )
    assert len(ssh.permissions) == 9
    assert all(p.kind is PermissionKind.INSTALL and p.granted for p in ssh.permissions)
    sideloaded = sorted(a.package for a in report.apps if a.install_source is InstallSource.SIDELOADED)
    assert sideloaded == [
        "berserker.android.apps.sshdroid",
        "com.androguide.universal.init.d",
        "com.google.android.youtube.tv",
        "com.mm.droid.livetv.tve",
        "com.netflix.mediaclient",
        "com.simple.appstore.flymarket",
        "com.valor.mfc.droid.tvapp.generic",
        "org.xbmc.kodi",
    ]
    # Play services' runtime grants live under its shared user (android-platform.md §3.1).
    gms = apps["com.google.android.gms"]
    assert gms.shared_user == "com.google.uid.shared"
    fine = next(p for p in gms.permissions if p.name == "android.permission.ACCESS_FINE_LOCATION")
    assert (fine.granted, fine.flags, fine.effective) == (
        True,
        ("SYSTEM_FIXED", "GRANTED_BY_DEFAULT"),
        EffectiveAccess.ALLOWED,
    )
    partial = {n.section for n in report.notes if n.level is NoteLevel.PARTIAL}
    assert "dumpsys_package" in partial  # a full dump: no requested-but-never-granted permissions


def test_xiaomi_android14_master_keys() -> None:
    report = _audit(
        {
            "getprop": (XIAOMI + "getprop.txt", Section.GETPROP, None),
            "pm_list_packages.u0": (XIAOMI + "pm_list_packages_f.txt", Section.PM_LIST_PACKAGES, 0),
            "dumpsys_appops": (XIAOMI + "dumpsys_appops.txt", Section.DUMPSYS_APPOPS, None),
            "dumpsys_accessibility": (XIAOMI + "dumpsys_accessibility.txt", Section.DUMPSYS_ACCESSIBILITY, None),
            "dumpsys_notification": (
                XIAOMI + "dumpsys_notification_listeners_excerpt.txt",
                Section.DUMPSYS_NOTIFICATION,
                None,
            ),
            "settings_secure.u0": (XIAOMI + "settings/settings_secure.txt", Section.SETTINGS_SECURE, 0),
        }
    )
    assert (report.device.model, report.device.sdk, report.device.timezone) == ("23043RP34G", 34, "America/Bogota")
    # pm list packages -f names 322 packages; app-ops name 24 more, kept as unlisted (audioserver and
    # cameraserver are native processes app-ops list as packages: their platform uids make them system).
    assert Counter(a.presence for a in report.apps) == {AppPresence.INSTALLED: 322, AppPresence.UNLISTED: 24}
    unlisted = {a.package: a for a in report.apps if a.presence is AppPresence.UNLISTED}
    assert (unlisted["audioserver"].uid, unlisted["audioserver"].system) == (1041, True)
    assert (unlisted["com.miui.cloudservice"].uid, unlisted["com.miui.cloudservice"].system) == (10170, False)
    # The one with a special access: Xiaomi's screen mirroring, on the system uid, may draw over other apps.
    mirror = unlisted["com.xiaomi.mirror"]
    assert (mirror.uid, mirror.system) == (1000, True)
    assert [s.kind for s in mirror.special_access] == [SpecialAccessKind.OVERLAY]
    # `pm list packages -f` shows where each APK lies: 260 packages under /system, /product … are system.
    assert Counter(a.install_source for a in report.apps) == {InstallSource.SYSTEM: 260, InstallSource.UNKNOWN: 86}
    counts = Counter(s.kind for a in report.apps for s in a.special_access)
    assert counts[SpecialAccessKind.ACCESSIBILITY] == 9
    assert counts[SpecialAccessKind.NOTIFICATION_LISTENER] == 3
    assert counts[SpecialAccessKind.INPUT_METHOD] == 2
    macro = next(a for a in report.apps if a.package == "com.arlosoft.macrodroid")
    # No package dump here: the uid comes from app-ops, found by package name within user 0.
    assert macro.uid == 10287
    specials = {(s.kind, s.detail): s.evidence for s in macro.special_access}
    a11y = "com.arlosoft.macrodroid/com.arlosoft.macrodroid.action.services.UIInteractionAccessibilityService"
    assert specials[(SpecialAccessKind.ACCESSIBILITY, a11y)] == (
        "settings secure enabled_accessibility_services; dumpsys accessibility: Enabled services"
    )
    assert specials[(SpecialAccessKind.OVERLAY, "SYSTEM_ALERT_WINDOW")] == "appops SYSTEM_ALERT_WINDOW: allow"
    assert (SpecialAccessKind.ALL_FILES_ACCESS, "MANAGE_EXTERNAL_STORAGE") in specials
    assert {"FINE_LOCATION", "READ_CALENDAR"} <= {o.op for o in macro.ops}
    # `Uid u0a287:` sets CAMERA ignore and RECORD_AUDIO foreground for the uid: they apply to the listed app too.
    modes = {o.op: o.mode for o in macro.ops}
    assert (modes["CAMERA"], modes["RECORD_AUDIO"], modes["MANAGE_EXTERNAL_STORAGE"]) == (
        "ignore",
        "foreground",
        "allow",
    )
    missing = {n.section for n in report.notes if n.level is NoteLevel.MISSING}
    assert "dumpsys_package" in missing
