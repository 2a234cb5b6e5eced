"""Bug reports and androidqf acquisitions go through the same parsers as a live snapshot.

Facts asserted here were read by eye in ../shared/real-devices/mvt-tests (see PROVENANCE.md there):
the bug report of a Samsung A40 (Android 10) whose package dump was trimmed to two packages while its
app-op dump names thirteen, and MVT's androidqf acquisition test folder (same device).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from auditor.acquire.dumpstate import command_titles, split_services
from auditor.acquire.sources import open_source, read_androidqf, read_bugreport
from auditor.model import (
    AppPresence,
    EffectiveAccess,
    InstallSource,
    NoteLevel,
    PermissionKind,
    Section,
    SpecialAccessKind,
)
from auditor.parse.notification import notification_listener_part
from auditor.pipeline import audit_path, audit_snapshot
from auditor.snapshot import SnapshotError
from auditor.untrusted import UnsafeInputError
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


def test_command_titles_skip_duration_lines() -> None:
    text = (
        "== dumpstate: 2024-06-10 12:00:00\n"
        "------ SYSTEM PROPERTIES (getprop) ------\n[a]: [b]\n"
        "------ 0.036s was the duration of 'SYSTEM PROPERTIES' ------\n"
        "------ PROCESSES AND THREADS (ps -A -T -Z -O pri,nice,sched) ------\nPID\n"
    )
    assert command_titles(text) == ["SYSTEM PROPERTIES", "PROCESSES AND THREADS"]


def test_bugreport_zip_audit(tmp_path: Path) -> None:
    report = audit_path(_bugreport_zip(tmp_path))
    assert report.source.kind == "bugreport"
    installed = [(a.user, a.package) for a in report.apps if a.presence is AppPresence.INSTALLED]
    assert installed == [(0, "com.instagram.android"), (0, "com.samsung.android.provider.filterprovider")]
    apps = {a.package: a for a in report.apps}
    insta = apps["com.instagram.android"]
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
    filterprovider = apps["com.samsung.android.provider.filterprovider"]
    assert filterprovider.system is True
    assert filterprovider.shared_user == "android.uid.system"
    # A trimmed bug report: no getprop, no users → said, not silently empty.
    missing = {n.section for n in report.notes if n.level is NoteLevel.MISSING}
    assert {"getprop", "pm_list_users", "dumpsys_accessibility", "dumpsys_adb", "processes"} <= missing
    unread = next(n for n in report.notes if n.message.startswith("holds parts the auditor does not interpret"))
    assert unread.message.endswith("3 dumpsys services (AAS, appwidget, platform_compat)")


def test_the_bug_report_keeps_every_package_app_ops_name(tmp_path: Path) -> None:
    """The app-op dump names eleven packages the trimmed package dump lacks; none is dropped any more."""
    report = audit_path(_bugreport_zip(tmp_path))
    unlisted = {a.package: a for a in report.apps if a.presence is AppPresence.UNLISTED}
    assert sorted(unlisted) == [
        "com.android.carrierdefaultapp",
        "com.android.phone",
        "com.facebook.katana",
        "com.samsung.android.smartswitchassistant",
        "com.samsung.clipboardsaveservice",
        "com.samsung.safetyinformation",
        "com.sec.android.app.clockpackage",
        "com.sec.epdg",
        "com.sec.factory.camera",
        "com.skms.android.agent",
        "org.mozilla.firefox",
    ]
    # `Uid 0` and `Uid 1000` are platform uids: only platform-signed code runs there.
    assert {p for p, a in unlisted.items() if a.system} == {
        "com.android.phone",
        "com.sec.epdg",
        "com.samsung.android.smartswitchassistant",
        "com.samsung.clipboardsaveservice",
        "com.sec.factory.camera",
        "com.skms.android.agent",
    }
    firefox = unlisted["org.mozilla.firefox"]
    assert (firefox.uid, firefox.system, firefox.install_source) == (10104, False, InstallSource.UNKNOWN)
    assert [(s.kind, s.detail, s.evidence) for s in firefox.special_access] == [
        (SpecialAccessKind.INSTALL_UNKNOWN_APPS, "REQUEST_INSTALL_PACKAGES", "appops REQUEST_INSTALL_PACKAGES: allow")
    ]
    assert [f.rule_id for f in firefox.findings] == ["AUD-INSTALL-001"]
    # `Uid u0a104: COARSE_LOCATION: mode=ignore` applies to the app although no package line says it.
    assert {(o.op, o.mode) for o in firefox.ops} == {
        ("REQUEST_INSTALL_PACKAGES", "allow"),
        ("COARSE_LOCATION", "ignore"),
        ("LEGACY_STORAGE", "ignore"),
    }
    facebook = unlisted["com.facebook.katana"]
    ops = {o.op: o.mode for o in facebook.ops}
    assert (ops["READ_CONTACTS"], ops["WRITE_SMS"], ops["COARSE_LOCATION"]) == ("allow", "ignore", "ignore")
    assert facebook.notes[0].section == "package data"
    # Before, this device read 0/A: the unlisted install-unknown-apps grant now counts.
    assert report.device_exposure is not None and report.device_exposure.score == firefox.exposure.score == 12
    note = next(n for n in report.notes if n.section == "package data")
    assert note.level is NoteLevel.PARTIAL and note.message.startswith("11 apps are named by app-ops")


def test_a_bug_report_folder_and_its_dumpstate_audit_like_the_zip(tmp_path: Path) -> None:
    zipped = audit_path(_bugreport_zip(tmp_path), merge_apks=False)
    folder = audit_path(real_file(BUGREPORT_DIR), merge_apks=False)
    text = audit_path(real_file(f"{BUGREPORT_DIR}/dumpstate.txt"), merge_apks=False)
    for other in (folder, text):
        assert other.apps == zipped.apps
        assert other.device_exposure == zipped.device_exposure
        assert other.source.snapshot_sha256 == zipped.source.snapshot_sha256
    assert folder.source.kind == text.source.kind == "bugreport"


def test_plain_dumpstate_text_is_accepted() -> None:
    snap = read_bugreport(real_file(f"{BUGREPORT_DIR}/dumpstate.txt"))
    sections = {c.section for c in snap.manifest.commands}
    assert {Section.DUMPSYS_PACKAGE, Section.DUMPSYS_APPOPS} <= sections


def test_bugreport_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-report.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(SnapshotError, match=r"a zip that is neither an androidqf acquisition \(no getprop.txt"):
        open_source(bad)
    wrong_entry = tmp_path / "wrong.zip"
    with zipfile.ZipFile(wrong_entry, "w") as zf:
        zf.writestr("main_entry.txt", "missing.txt")
    with pytest.raises(SnapshotError, match="main_entry.txt names 'missing.txt', which is not there"):
        open_source(wrong_entry)
    text = tmp_path / "notes.txt"
    text.write_text("just some text\n")
    with pytest.raises(SnapshotError, match="an androidqf acquisition or an APK; looked for a snapshot folder"):
        open_source(text)
    with pytest.raises(SnapshotError, match="no such file"):
        open_source(tmp_path / "absent")
    with pytest.raises(SnapshotError, match=r"a folder that is neither a snapshot \(no manifest.json\)"):
        open_source(tmp_path)


def test_bugreport_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.acquire.bugreport as bugreport

    monkeypatch.setattr(bugreport, "MAX_DUMPSTATE_BYTES", 1 << 20)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("main_entry.txt", "dumpstate.txt")
        zf.writestr("dumpstate.txt", b"DUMP OF SERVICE package:\n" + b"\0" * (4 << 20))
    with pytest.raises(UnsafeInputError, match="inflates to more than 1 MiB; refusing"):
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
        "dumpsys_adb",
        "root_binaries",
        "processes",
        "androidqf_packages",
    ]
    assert [c.command for c in snap.manifest.commands][-3:] == [
        "androidqf root_binaries.json",
        "androidqf ps.txt",
        "androidqf packages.json",
    ]
    report = audit_snapshot(snap)
    assert report.source.kind == "androidqf"
    # This trimmed capture's getprop holds only dalvik.vm.* properties: identity unknown, not invented.
    assert (report.device.model, report.device.sdk) == (None, None)
    assert not any(n.section == "getprop" for n in report.notes)
    unread = next(n for n in report.notes if n.message.startswith("holds parts"))
    assert unread.message.endswith(
        "3 dumpsys services (batterystats, dbinfo, platform_compat); 2 files (files.json, settings_random.txt)"
    )


def test_androidqf_packages_json_facts() -> None:
    """system, disabled, uid, installer, APK hashes and signers of packages.json (read by eye in the file)."""
    report = audit_path(real_file("mvt-tests/androidqf"))
    apps = {a.package: a for a in report.apps}
    listed = {
        "com.whatsapp": (10271, False, None, InstallSource.SIDELOADED),
        "app.revanced.manager.flutter": (10266, False, "com.google.android.packageinstaller", InstallSource.SIDELOADED),
        "com.google.android.youtube": (10194, True, "com.google.android.packageinstaller", InstallSource.SYSTEM),
        "org.fdroid.fdroid": (10267, False, "com.google.android.packageinstaller", InstallSource.SIDELOADED),
        "org.nuclearfog.apollo": (10272, False, "org.fdroid.fdroid", InstallSource.STORE),
        "com.malware.blah": (10058, True, None, InstallSource.SYSTEM),
        "com.malware.muahaha": (10058, True, None, InstallSource.SYSTEM),
    }
    for package, (uid, system, installer, source) in listed.items():
        app = apps[package]
        assert (app.uid, app.system, app.installer, app.install_source) == (uid, system, installer, source), package
        assert (app.presence, app.enabled) == (AppPresence.INSTALLED, True), package
    whatsapp = apps["com.whatsapp"]
    assert whatsapp.apk_sha256 == ("744ed47f8176ec423840344c33e88bd2c96e8988cda0797f3415bb5229efc12b",)
    assert whatsapp.signer is not None
    assert whatsapp.signer.sha1 == "38a0f7d505fe18fec64fbf343ecaaaf310dbd799"
    assert whatsapp.signer_sha256 == "3987d043d10aefaf5a8710b3671418fe57e0e19b653c9df82558feb5ffce5d44"
    assert whatsapp.signer.subject == (
        "C=US, ST=California, L=Santa Clara, O=WhatsApp Inc., OU=Engineering, CN=Brian Acton"
    )
    assert (whatsapp.signer.valid_from, whatsapp.signer.valid_to) == ("2010-06-25T23:07:16Z", "2044-02-15T23:07:16Z")
    # MVT's two fake malware packages share a certificate SHA-1 but not its SHA-256.
    blah, muahaha = apps["com.malware.blah"].signer, apps["com.malware.muahaha"].signer
    assert blah is not None and muahaha is not None
    assert blah.sha1 == muahaha.sha1 == "4ba9d1f82adb7be841bcf53b03ddae857747199a"
    assert blah.sha256 != muahaha.sha256
    # Three sideloaded apps now, where every listed-only app used to read "unknown".
    assert sum(a.install_source is InstallSource.SIDELOADED for a in report.apps) == 3
    # The package dump's two apps and the app-ops' eleven unlisted ones are there too.
    assert apps["com.sec.android.app.DataCreate"].system is True
    assert sum(a.presence is AppPresence.UNLISTED for a in report.apps) == 11
    assert report.device_state is not None
    assert report.device_state.adb_host_keys == ("F0:A1:3D:8C:B3:F4:7B:09:9F:EE:8B:D8:38:2E:BD:C6",)
    assert report.device_state.root_binaries == (
        "/system/bin/su",
        "/system/xbin/busybox",
        "/data/local/tmp/magisk",
        "/system/bin/magiskhide",
    )
    assert report.device_state.processes is not None and len(report.device_state.processes) == 14
    # The root tools, and the computer the phone trusts for USB debugging (the key above).
    assert [f.rule_id for f in report.device_findings] == ["AUD-ROOT-001", "AUD-ADB-003"]


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
    report = audit_path(copy)
    # The file is kept as evidence; its parser names what it could not read, and the apps come from the dump.
    assert {a.package for a in report.apps if a.presence is AppPresence.INSTALLED} == {
        "com.samsung.android.provider.filterprovider",
        "com.sec.android.app.DataCreate",
    }
    note = next(n for n in report.notes if n.section == "androidqf_packages")
    assert note.level is NoteLevel.PARTIAL
    assert note.message.startswith("packages.json: not understood: not JSON: Expecting property name")


def test_an_acquisition_with_getprop_alone_opens_with_notes(tmp_path: Path) -> None:
    folder = tmp_path / "acq"
    folder.mkdir()
    (folder / "getprop.txt").write_bytes(real_file("mvt-tests/androidqf/getprop.txt").read_bytes())
    report = audit_path(folder)
    assert report.apps == ()
    missing = {n.section for n in report.notes if n.level is NoteLevel.MISSING}
    assert {"dumpsys.txt", "dumpsys_package", "dumpsys_appops", "root_binaries", "processes"} <= missing


def test_a_package_kept_only_as_data_is_listed_not_installed(tmp_path: Path) -> None:
    """In packages.json, a package neither in -s nor in -3 was listed by -u alone: not installed for user 0."""
    import json as js

    folder = tmp_path / "acq"
    folder.mkdir()
    (folder / "getprop.txt").write_bytes(real_file("mvt-tests/androidqf/getprop.txt").read_bytes())
    entries = js.loads(real_file("mvt-tests/androidqf/packages.json").read_text("utf-8"))
    entries.append({"name": "com.kept.data", "uid": 10400, "installer": "null", "system": False, "third_party": False})
    (folder / "packages.json").write_text(js.dumps(entries))
    report = audit_path(folder)
    kept = next(a for a in report.apps if a.package == "com.kept.data")
    assert (kept.presence, kept.installed, kept.uid) == (AppPresence.NOT_INSTALLED, False, 10400)
    assert any("lists it only with -u: not installed for user 0" in n.message for n in kept.notes)
    assert sum(a.installed for a in report.apps) == 7


def test_a_snapshot_output_this_version_does_not_read_is_named(tmp_path: Path) -> None:
    from auditor.analyse.parsed import parse_snapshot
    from auditor.model import CommandRecord, CommandStatus, Snapshot
    from auditor.snapshot import new_manifest, sha256_hex

    data = b"some newer section\n"
    records = [
        CommandRecord(
            "dumpsys_future", "dumpsys future", Section.OTHER, None, CommandStatus.OK, 0, 19, sha256_hex(data)
        ),
        CommandRecord("apk_sha256", "sha256sum x.apk", Section.OTHER, None, CommandStatus.OK, 0, 19, sha256_hex(data)),
    ]
    snap = Snapshot(
        new_manifest(source="snapshot", created_at="", commands=records), {r.id: data for r in records}, "x"
    )
    notes = [n for n in parse_snapshot(snap).notes if n.section == "snapshot"]
    assert [(n.level, n.message) for n in notes] == [
        (NoteLevel.INFO, "1 outputs this version does not interpret (kept as evidence, not looked at): dumpsys_future")
    ]
