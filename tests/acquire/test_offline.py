"""Bug reports and androidqf folders go through the same parsers as a live snapshot."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from auditor.acquire.dumpstate import split_services
from auditor.acquire.offline import read_androidqf, read_bugreport
from auditor.acquire.sources import open_source, source_kind
from auditor.model import EffectiveAccess, InstallSource, NoteLevel, PermissionKind, Section
from auditor.parse.notification import notification_listener_part
from auditor.pipeline import audit_path, audit_snapshot
from auditor.snapshot import SnapshotError
from tests.realdata import real_file

BUGREPORT_DIR = "mvt-tests/android_data/bugreport"
P = "android.permission."


def _bugreport_zip(tmp_path: Path) -> Path:
    """A bug report zip built from the real dumpstate, shaped as `adb bugreport` writes it."""
    folder = real_file(BUGREPORT_DIR)
    path = tmp_path / "bugreport-a40-2022-03-29.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(folder / "main_entry.txt", "main_entry.txt")
        zf.write(folder / "dumpstate.txt", "dumpstate.txt")
    return path


def test_split_services_finds_each_real_section() -> None:
    text = real_file(f"{BUGREPORT_DIR}/dumpstate.txt").read_text("utf-8")
    services = split_services(text)
    assert {"AAS", "appops", "appwidget", "package", "platform_compat"} <= set(services)
    assert services["AAS"] == ""
    assert services["appops"].startswith("Current AppOps Service state:")
    assert "Package [com.instagram.android] (c716d35):" in services["package"]


def test_bugreport_zip_audit(tmp_path: Path) -> None:
    report = audit_path(_bugreport_zip(tmp_path))
    assert report.source.kind == "bugreport"
    assert [(a.user, a.package) for a in report.apps] == [
        (0, "com.instagram.android"),
        (0, "com.samsung.android.provider.filterprovider"),
    ]
    insta = report.apps[0]
    assert (insta.uid, insta.version_code, insta.target_sdk) == (10164, 364105349, 31)
    assert insta.installer == "com.android.vending"
    assert insta.install_source is InstallSource.STORE
    assert insta.enabled is False  # enabled=4: disabled until used
    assert insta.first_install == "2020-06-12 00:41:34"
    perms = {p.name: p for p in insta.permissions}
    fine = perms[P + "ACCESS_FINE_LOCATION"]
    assert (fine.kind, fine.granted, fine.effective) == (PermissionKind.RUNTIME, False, EffectiveAccess.DENIED)
    assert fine.flags == ("USER_SET", "USER_SENSITIVE_WHEN_GRANTED", "USER_SENSITIVE_WHEN_DENIED")
    internet = perms[P + "INTERNET"]
    assert (internet.kind, internet.granted, internet.effective) == (
        PermissionKind.INSTALL,
        True,
        EffectiveAccess.ALLOWED,
    )
    filterprovider = report.apps[1]
    assert filterprovider.system is True
    assert filterprovider.shared_user == "android.uid.system"
    # A trimmed bug report: no getprop, no users → said, not silently empty.
    missing = {n.section for n in report.notes if n.level is NoteLevel.MISSING}
    assert {"getprop", "pm_list_users", "dumpsys_accessibility"} <= missing


def test_plain_dumpstate_text_is_accepted() -> None:
    snap = read_bugreport(real_file(f"{BUGREPORT_DIR}/dumpstate.txt"))
    sections = {c.section for c in snap.manifest.commands}
    assert {Section.DUMPSYS_PACKAGE, Section.DUMPSYS_APPOPS} <= sections


def test_bugreport_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-report.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(SnapshotError, match="not a bug report"):
        read_bugreport(bad)
    wrong_entry = tmp_path / "wrong.zip"
    with zipfile.ZipFile(wrong_entry, "w") as zf:
        zf.writestr("main_entry.txt", "missing.txt")
    with pytest.raises(SnapshotError, match="main_entry.txt names 'missing.txt'"):
        read_bugreport(wrong_entry)
    text = tmp_path / "notes.txt"
    text.write_text("just some text\n")
    with pytest.raises(SnapshotError, match="no 'DUMP OF SERVICE' sections"):
        read_bugreport(text)
    with pytest.raises(SnapshotError, match="no such file"):
        source_kind(tmp_path / "absent")
    with pytest.raises(SnapshotError, match="not a snapshot"):
        open_source(tmp_path)


def test_bugreport_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.acquire.offline as offline

    monkeypatch.setattr(offline, "MAX_DUMPSTATE_BYTES", 1 << 20)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("main_entry.txt", "dumpstate.txt")
        zf.writestr("dumpstate.txt", b"DUMP OF SERVICE package:\n" + b"\0" * (4 << 20))
    with pytest.raises(SnapshotError, match="zip bomb"):
        read_bugreport(bomb)


def test_androidqf_folder_audit() -> None:
    folder = real_file("mvt-tests/androidqf")
    snap = read_androidqf(folder)
    ids = [c.id for c in snap.manifest.commands]
    assert ids == [
        "getprop",
        "dumpsys_package",
        "dumpsys_appops",
        "dumpsys_accessibility",
        "pm_list_packages.u0",
    ]
    report = audit_snapshot(snap)
    assert report.source.kind == "androidqf"
    # This trimmed capture's getprop holds only dalvik.vm.* properties: identity unknown, not invented.
    assert (report.device.model, report.device.sdk) == (None, None)
    assert not any(n.section == "getprop" for n in report.notes)
    packages = {a.package for a in report.apps}
    # The 2 packages of the package dump, plus the 7 of packages.json.
    assert {"com.whatsapp", "com.malware.blah", "com.sec.android.app.DataCreate"} <= packages
    whatsapp = next(a for a in report.apps if a.package == "com.whatsapp")
    assert whatsapp.uid == 10271
    assert whatsapp.installer is None
    assert whatsapp.notes[0].message == "not in the package dump: permissions unknown"


def test_notification_filter_drops_notification_records() -> None:
    text = (
        "Current Notification Manager state:\n"
        "  Notification List:\n"
        "    NotificationRecord(0x1: pkg=com.chat user=UserHandle{0} id=1 tag=null importance=3 "
        "key=0|com.chat|1|null|10100: Notification(channel=msg tickerText=Hi Bob, see you at 8))\n"
        "  Notification listeners:\n"
        "    Allowed notification listeners:\n"
        "      com.spy/com.spy.Listener (user: 0 isPrimary: true)\n"
        "    Live notification listeners (1):\n"
        "      ComponentInfo{com.spy/com.spy.Listener} (user 0): …\n"
        "    Snoozed notification listeners (0):\n"
        "  mMaxPackageEnqueueRate=5.0\n"
    )
    kept = notification_listener_part(text)
    assert "tickerText" not in kept and "Hi Bob" not in kept
    assert "com.spy/com.spy.Listener (user: 0 isPrimary: true)" in kept


def test_androidqf_packages_json_broken(tmp_path: Path) -> None:
    folder = real_file("mvt-tests/androidqf")
    copy = tmp_path / "acq"
    copy.mkdir()
    for name in ("dumpsys.txt", "getprop.txt"):
        (copy / name).write_bytes((folder / name).read_bytes())
    (copy / "packages.json").write_text("{ not json")
    snap = read_androidqf(copy)
    assert any(n.section == "packages.json" and "unreadable" in n.message for n in snap.manifest.notes)
    json.dumps([c.id for c in snap.manifest.commands])
