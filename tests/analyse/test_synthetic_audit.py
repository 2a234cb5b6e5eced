"""The audit of the synthetic device says exactly what its persona apps were built to show."""

from __future__ import annotations

import functools

from auditor.acquire.synthetic import generate
from auditor.model import (
    AccessState,
    AppReport,
    AuditReport,
    EffectiveAccess,
    InstallSource,
    PermissionReport,
    SpecialAccessKind,
    UserKind,
)
from auditor.pipeline import audit_snapshot

P = "android.permission."


@functools.cache
def _report() -> AuditReport:
    return audit_snapshot(generate(60)[0])


def _app(package: str, user: int = 0) -> AppReport:
    return next(a for a in _report().apps if a.package == package and a.user == user)


def _perm(package: str, name: str, user: int = 0) -> PermissionReport:
    return next(p for p in _app(package, user).permissions if p.name == P + name)


def _specials(package: str, user: int = 0) -> set[tuple[SpecialAccessKind, str | None]]:
    return {(s.kind, s.detail) for s in _app(package, user).special_access}


def test_device_users_and_completeness() -> None:
    report = _report()
    assert report.device.model == "Synthetic Pixel"
    assert report.device.sdk == 34
    assert [(u.id, u.kind) for u in report.users] == [(0, UserKind.PRIMARY), (10, UserKind.WORK_PROFILE)]
    # The bundled list's network indicators (websites, C2 domains and IPs) match nothing here.
    assert [(n.section, n.level.value, n.message) for n in report.notes] == [
        (
            "indicators",
            "info",
            "1638 network indicators (domains, URLs, IP addresses) were loaded but match nothing here: an audit "
            "holds no network traffic or DNS history",
        ),
        # A snapshot without --apks knows no signer; the phone hashed every app outside the system image.
        (
            "indicators",
            "partial",
            "484 certificate indicators could not be checked: no signer of an app outside the system image is "
            "known in this source (audit with --apks, or read an androidqf acquisition)",
        ),
    ]
    assert report.source.complete


def test_while_in_use_location() -> None:
    fine = _perm("com.example.maps", "ACCESS_FINE_LOCATION")
    assert (fine.effective, fine.appop_mode, fine.last_access_state) == (
        EffectiveAccess.FOREGROUND_ONLY,
        "foreground",
        AccessState.FOREGROUND,
    )
    assert _perm("com.example.maps", "ACCESS_BACKGROUND_LOCATION").effective is EffectiveAccess.DENIED


def test_stalker_persona() -> None:
    app = _app("com.example.stalker")
    assert app.install_source is InstallSource.SIDELOADED
    kinds = {k for k, _ in _specials("com.example.stalker")}
    assert {
        SpecialAccessKind.ACCESSIBILITY,
        SpecialAccessKind.NOTIFICATION_LISTENER,
        SpecialAccessKind.DEVICE_ADMIN,
        SpecialAccessKind.OVERLAY,
        SpecialAccessKind.USAGE_ACCESS,
        SpecialAccessKind.RESTRICTED_SETTINGS_ALLOWED,
    } <= kinds
    for name in ("ACCESS_FINE_LOCATION", "CAMERA", "RECORD_AUDIO"):
        perm = _perm("com.example.stalker", name)
        assert perm.effective is EffectiveAccess.ALLOWED
        assert perm.last_access_state is AccessState.BACKGROUND
    assert _perm("com.example.stalker", "ACCESS_BACKGROUND_LOCATION").effective is EffectiveAccess.ALLOWED


def test_microphone_background_vs_foreground() -> None:
    bg = _perm("com.example.messenger.bg", "RECORD_AUDIO")
    fg = _perm("com.example.messenger.fg", "RECORD_AUDIO")
    assert (bg.last_access_state, bg.last_background_access is not None) == (AccessState.BACKGROUND, True)
    assert (fg.last_access_state, fg.last_background_access) == (AccessState.FOREGROUND, None)


def test_legacy_revoked_compat_and_uid_override() -> None:
    assert _perm("com.example.retrogame", "READ_CONTACTS").effective is EffectiveAccess.REVOKED_COMPAT
    cam = _perm("com.example.photoeditor", "CAMERA")
    assert (cam.granted, cam.appop_mode, cam.effective) == (True, "ignore", EffectiveAccess.APPOP_DENIED)


def test_select_photos_one_time_auto_revoked() -> None:
    assert _perm("com.example.photoeditor", "READ_MEDIA_VISUAL_USER_SELECTED").effective is EffectiveAccess.ALLOWED
    assert _perm("com.example.photoeditor", "READ_MEDIA_IMAGES").effective is EffectiveAccess.DENIED
    assert "ONE_TIME" in _perm("com.example.camera", "ACCESS_FINE_LOCATION").flags
    old = _perm("com.example.oldweather", "ACCESS_FINE_LOCATION")
    assert ("AUTO_REVOKED" in old.flags, old.effective) == (True, EffectiveAccess.DENIED)


def test_role_and_shared_uid_and_work_profile() -> None:
    assert (SpecialAccessKind.ROLE, "android.app.role.DIALER") in _specials("com.android.dialer")
    assert "GRANTED_BY_ROLE" in _perm("com.android.dialer", "READ_CALL_LOG").flags
    contacts = _perm("com.android.contacts", "READ_CONTACTS")
    assert (contacts.granted, contacts.flags) == (True, ("SYSTEM_FIXED", "GRANTED_BY_DEFAULT"))
    assert _app("com.android.contacts").shared_user == "android.uid.shared"
    assert {k for k, _ in _specials("com.example.workdpc", 10)} >= {
        SpecialAccessKind.PROFILE_OWNER,
        SpecialAccessKind.DEVICE_ADMIN,
    }


def test_debuggable_adb_install_and_keyboard() -> None:
    dev = _app("com.example.devtool")
    assert (dev.debuggable, dev.install_source, dev.initiating_installer) == (
        True,
        InstallSource.SIDELOADED,
        "com.android.shell",
    )
    assert (
        SpecialAccessKind.INPUT_METHOD,
        "com.example.keyboard/com.example.keyboard.ime.KeyboardService",
    ) in _specials("com.example.keyboard")


def test_ages_are_measured_by_the_device_clock() -> None:
    """`date +%s` on the device (1717407687) dates the capture, whatever the collecting computer's clock says."""
    from dataclasses import replace

    from auditor.report.digest import capture_time, patch_age_days

    report = _report()
    assert report.source.device_time == "2024-06-03T09:41:27+00:00"
    later = replace(report.source, collected_at="2026-11-26T13:21:19+00:00")
    assert capture_time(later) == "2024-06-03T09:41:27+00:00"
    assert patch_age_days(report.device, capture_time(later)) == 29  # patch 2024-05-05
