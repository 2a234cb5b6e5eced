"""Small fleets for the fleet tests: synthetic devices (different seeds) and hand-built reports.

Synthetic devices come from ``auditor.acquire.synthetic`` audited by the real pipeline, so every
fact is what the analysis derives. APK facts (signer, trackers) are attached by hand to chosen apps,
because synthetic snapshots carry no APKs: that is how a signer mismatch across devices is made.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from pathlib import Path

from auditor.acquire.synthetic import generate
from auditor.model import ApkTracker, AppReport, AuditReport, DeviceInfo, UserKind, UserReport
from auditor.pipeline import audit_snapshot
from auditor.score import score_report
from auditor.serial import to_data
from tests.score.builders import apk, tracker

SIGNER_A = "a" * 64
SIGNER_B = "b" * 64
FIREBASE = tracker("Google Firebase Analytics", "Analytics", tid=49)
ADMOB = tracker("Google AdMob", "Advertisement", tid=312)
FOURSQUARE = tracker("Foursquare", "Location", tid=109)


@functools.cache
def synthetic(seed: int, n_apps: int = 40) -> AuditReport:
    """A scored audit of the synthetic device with this seed (cached: the same seed gives the same report)."""
    snapshot, _ = generate(n_apps, seed=seed)
    return audit_snapshot(snapshot)


def with_apk(
    report: AuditReport,
    package: str,
    *,
    signer: str | None = SIGNER_A,
    trackers: tuple[ApkTracker, ...] = (),
    label: str | None = None,
) -> AuditReport:
    """``report`` with APK facts (signer, trackers, label) on every install of ``package``; rescored."""
    apps = []
    for a in report.apps:
        if a.package == package:
            facts = replace(apk(package, trackers=trackers, signer=signer), label=label)
            a = replace(a, apk=facts)
        apps.append(a)
    return score_report(replace(report, apps=tuple(apps)))


def third_party(report: AuditReport, user: int = 0) -> list[AppReport]:
    """The apps somebody installed, for one user, by package."""
    return sorted((a for a in report.apps if not a.system and a.user == user), key=lambda a: a.package)


def with_device(report: AuditReport, **fields: object) -> AuditReport:
    return replace(report, device=replace(report.device, **fields))  # type: ignore[arg-type]


def write_json(report: AuditReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_data(report)), encoding="utf-8")
    return path


def personal(report: AuditReport) -> AuditReport:
    """The report with a secondary user named like a person, an e-mail in a note and a path naming someone."""
    from auditor.model import Note, NoteLevel

    users = (*report.users, UserReport(11, "Alice Martin", UserKind.SECONDARY, 0, False))
    notes = (
        *report.notes,
        Note("accounts", NoteLevel.INFO, "seen account alice.martin@example.org on user Alice Martin"),
        Note("source", NoteLevel.INFO, f"read from /home/alice/phones/{report.device.serial}_backup"),
        Note("adb", NoteLevel.INFO, f"device {report.device.serial}:usb connected"),
    )
    source = replace(report.source, path=f"/home/alice/phones/{report.device.serial}_backup")
    return replace(report, users=users, notes=notes, source=source)


def device(serial: str = "SERIAL0001", **fields: object) -> DeviceInfo:
    base = DeviceInfo(
        model="Pixel 8",
        manufacturer="Google",
        brand="google",
        android_release="14",
        sdk=34,
        security_patch="2024-05-05",
        fingerprint="google/shiba/shiba:14/AP2A.240605.024/11860263:user/release-keys",
        serial=serial,
        timezone="Europe/Berlin",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


OWNER = UserReport(0, "Owner", UserKind.PRIMARY, 0x13, True)
WORK = UserReport(10, "Work profile", UserKind.WORK_PROFILE, 0x30, True)


def hand_report(
    serial: str,
    apps: tuple[AppReport, ...],
    *,
    patch: str = "2024-05-05",
    collected_at: str = "2024-06-01T10:00:00Z",
    users: tuple[UserReport, ...] = (OWNER, WORK),
    **device_fields: object,
) -> AuditReport:
    """A scored report of hand-built apps (see ``tests.score.builders.app``) on one device."""
    from auditor.model import SourceInfo

    return score_report(
        AuditReport(
            schema="1.0",
            tool_version="test",
            source=SourceInfo(
                kind="snapshot",
                path=f"/fleet/{serial}",
                snapshot_sha256=(serial.encode().hex() * 8)[:64],
                collected_at=collected_at,
            ),
            device=device(serial, security_patch=patch, **device_fields),
            users=users,
            apps=apps,
        )
    )


def versioned(app: AppReport, code: int, name: str | None = None) -> AppReport:
    return replace(app, version_code=code, version_name=name or f"{code // 10}.{code % 10}")
