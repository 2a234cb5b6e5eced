"""The real captures of ../shared/real-devices, assembled into snapshots as a collection would store them,
audited and scored once per test session (read in place; see PROVENANCE.md there)."""

from __future__ import annotations

from functools import cache

from auditor.model import AuditReport, CommandRecord, CommandStatus, Section, Snapshot
from auditor.pipeline import audit_snapshot
from auditor.snapshot import new_manifest, sha256_hex
from tests.realdata import real_file

MULTIBOX = "multibox-rk322x-android7.1.2/"
"""A Rockchip TV box, Android 7.1.2: full ``dumpsys package``, 84 packages, 8 of them sideloaded."""
XIAOMI = "dellta77-xiaomi-pad6-android14/"
"""A Xiaomi Pad 6, Android 14: package list, app-ops, 9 accessibility services, settings; no package dump."""


def audit_files(files: dict[str, tuple[str, Section, int | None]]) -> AuditReport:
    """Audit real capture files as the outputs of one snapshot (id → (path, section, user))."""
    commands, outputs = [], {}
    for cid, (rel, section, user) in files.items():
        blob = real_file(rel).read_bytes()
        outputs[cid] = blob
        commands.append(
            CommandRecord(cid, f"file {rel}", section, user, CommandStatus.OK, 0, len(blob), sha256_hex(blob))
        )
    manifest = new_manifest(source="snapshot", created_at="", commands=commands)
    return audit_snapshot(Snapshot(manifest=manifest, outputs=outputs, path="real"), merge_apks=False)


@cache
def multibox() -> AuditReport:
    """The Android 7 TV box, audited and scored."""
    return audit_files(
        {
            "getprop": (MULTIBOX + "getprop.txt", Section.GETPROP, None),
            "dumpsys_package": (MULTIBOX + "dumpsys_package.txt", Section.DUMPSYS_PACKAGE, None),
        }
    )


@cache
def xiaomi() -> AuditReport:
    """The Android 14 tablet, audited and scored."""
    return audit_files(
        {
            "getprop": (XIAOMI + "getprop.txt", Section.GETPROP, None),
            "dumpsys_appops": (XIAOMI + "dumpsys_appops.txt", Section.DUMPSYS_APPOPS, None),
            "dumpsys_accessibility": (XIAOMI + "dumpsys_accessibility.txt", Section.DUMPSYS_ACCESSIBILITY, None),
            "dumpsys_notification": (
                XIAOMI + "dumpsys_notification_listeners_excerpt.txt",
                Section.DUMPSYS_NOTIFICATION,
                None,
            ),
            "pm_list_packages.u0": (XIAOMI + "pm_list_packages_f.txt", Section.PM_LIST_PACKAGES, 0),
            "settings_secure.u0": (XIAOMI + "settings/settings_secure.txt", Section.SETTINGS_SECURE, 0),
            "settings_global": (XIAOMI + "settings/settings_global.txt", Section.SETTINGS_GLOBAL, None),
            "settings_system.u0": (XIAOMI + "settings/settings_system.txt", Section.SETTINGS_SYSTEM, 0),
        }
    )
