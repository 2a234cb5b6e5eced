"""Diffs: apps added, removed and updated, grants, special accesses, trackers, exposure with reasons; APKs too."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.fleet.diff import ApkDiff, ReportDiff, diff_apks, diff_reports
from auditor.fleet.errors import DiffError
from auditor.fleet.render import render_diff_html, render_diff_json, render_diff_text
from auditor.model import (
    ApkComponent,
    ApkComponentKind,
    AuditReport,
    EffectiveAccess,
    ExportedReason,
    SpecialAccessKind,
)
from tests.fleet.builders import ADMOB, FIREBASE, SIGNER_A, SIGNER_B, hand_report, versioned, write_json
from tests.score.builders import allowed, apk, app, denied, special


def _pair() -> tuple[AuditReport, AuditReport]:
    chat_old = app(
        "com.chat",
        denied("ACCESS_FINE_LOCATION"),
        allowed("CAMERA"),
        apk_facts=apk("com.chat", signer=SIGNER_A, trackers=(FIREBASE,)),
    )
    chat_new = app(
        "com.chat",
        allowed("ACCESS_FINE_LOCATION"),
        allowed("CAMERA"),
        apk_facts=apk("com.chat", signer=SIGNER_A, trackers=(FIREBASE, ADMOB)),
    )
    bank_old = app("com.bank", apk_facts=apk("com.bank", signer=SIGNER_A))
    bank_new = app("com.bank", apk_facts=apk("com.bank", signer=SIGNER_B))
    game = app("com.game", allowed("RECORD_AUDIO"))
    spy = app(
        "com.spy",
        allowed("READ_SMS"),
        specials=(special(SpecialAccessKind.ACCESSIBILITY, "com.spy/.Svc", "dumpsys accessibility: Enabled services"),),
    )
    kb_old = app("com.keyboard")
    kb_new = app("com.keyboard", specials=(special(SpecialAccessKind.NOTIFICATION_LISTENER, "com.keyboard/.L"),))
    old = hand_report("DEV1", (versioned(chat_old, 10), bank_old, game, kb_old), patch="2024-01-05")
    new = hand_report(
        "DEV1",
        (versioned(chat_new, 11), bank_new, spy, kb_new),
        patch="2024-05-05",
        collected_at="2024-07-01T10:00:00Z",
    )
    return old, new


def test_report_diff_lists_every_kind_of_change() -> None:
    old, new = _pair()
    d = diff_reports(old, new)
    assert [a.package for a in d.apps_added] == ["com.spy"]
    assert d.apps_added[0].special == ("accessibility_service com.spy/.Svc",)
    assert [a.package for a in d.apps_removed] == ["com.game"]
    updates = {u.package: u for u in d.apps_updated}
    assert set(updates) == {"com.chat", "com.bank"}
    assert (updates["com.chat"].old_version, updates["com.chat"].new_version) == ("1.0 (10)", "1.1 (11)")
    assert updates["com.bank"].signer_changed and not updates["com.chat"].signer_changed
    granted = {(p.package, p.permission) for p in d.permissions if p.granted}
    assert ("com.chat", "android.permission.ACCESS_FINE_LOCATION") in granted
    assert ("com.spy", "android.permission.READ_SMS") in granted  # a new app's runtime grants are news
    assert ("com.spy", "android.permission.INTERNET") not in granted  # its install permissions are not
    fine = next(p for p in d.permissions if p.permission.endswith("FINE_LOCATION"))
    assert (fine.old, fine.new) == (EffectiveAccess.DENIED, EffectiveAccess.ALLOWED)
    on = {(s.package, s.kind) for s in d.special_access if s.on}
    assert on == {
        ("com.spy", SpecialAccessKind.ACCESSIBILITY),
        ("com.keyboard", SpecialAccessKind.NOTIFICATION_LISTENER),
    }
    assert [(t.package, t.tracker, t.added) for t in d.trackers] == [("com.chat", ADMOB.name, True)]
    assert [(c.field, c.old, c.new) for c in d.device] == [("security_patch", "2024-01-05", "2024-05-05")]
    # Exposure: the device first, then apps; each change carries the reasons whose points moved.
    assert d.exposure[0].package is None
    assert d.exposure[0].delta == (new.device_exposure.score - old.device_exposure.score)  # type: ignore[union-attr]
    chat = next(e for e in d.exposure if e.package == "com.chat")
    assert chat.delta > 0
    assert sum(r.new_points - r.old_points for r in chat.reasons) == chat.delta
    assert any(r.rule == "category.location" for r in chat.reasons)
    flags = "\n".join(d.red_flags)
    assert "com.bank (user 0): signer changed" in flags
    assert "com.spy (user 0): accessibility_service com.spy/.Svc turned on" in flags
    assert d.changed and not d.forced


def test_no_change_is_no_change() -> None:
    old, _ = _pair()
    d = diff_reports(old, old)
    assert not d.changed and d.red_flags == ()
    assert "No change." in render_diff_text(d)


def test_different_devices_are_refused_unless_forced() -> None:
    old, _ = _pair()
    other = hand_report("DEV2", old.apps)
    with pytest.raises(DiffError, match=r"different devices \(serial DEV1 vs DEV2\); use --force"):
        diff_reports(old, other)
    assert diff_reports(old, other, force=True).forced
    # Without serials the fingerprint's device part decides; a system update (rest of it) is fine.
    a = replace(old, device=replace(old.device, serial=None))
    b = replace(a, device=replace(a.device, fingerprint="google/shiba/shiba:15/AP3A/1:user/release-keys"))
    assert not diff_reports(a, b).forced
    c = replace(a, device=replace(a.device, fingerprint="samsung/dm1q/dm1q:14/UP1A/1:user/release-keys"))
    with pytest.raises(DiffError, match="build fingerprint device"):
        diff_reports(a, c)


@pytest.mark.parametrize("placeholder", ["0123456789ABCDEF", "unknown", "0000000000000000"])
def test_the_same_placeholder_serial_does_not_make_two_phones_one(placeholder: str) -> None:
    old, _ = _pair()
    a = replace(old, device=replace(old.device, serial=placeholder))
    b = replace(a, device=replace(a.device, fingerprint="samsung/dm1q/dm1q:14/UP1A/1:user/release-keys"))
    with pytest.raises(DiffError, match="build fingerprint device"):  # before: taken for one phone
        diff_reports(a, b)
    assert not diff_reports(a, a).forced


def test_text_json_and_html_outputs() -> None:
    old, new = _pair()
    d = diff_reports(old, new, old_path="may.json", new_path="june.json")
    text = render_diff_text(d)
    for expected in (
        "RED FLAGS:",
        "Apps added (1):",
        "  + com.spy (user 0) 1.0 (1) from com.android.vending [store] — holds accessibility_service com.spy/.Svc",
        "Apps removed (1):",
        "SIGNER CHANGED",
        "Permissions newly granted",
        "  + com.chat (user 0) android.permission.ACCESS_FINE_LOCATION: denied → allowed",
        "Special access turned on (2):",
        f"Trackers added (1):\n  + com.chat (user 0) {ADMOB.name} [Advertisement]",
        "Exposure changes",
    ):
        assert expected in text, expected
    data = json.loads(render_diff_json(d))
    assert data["kind"] == "device" and data["changed"] is True
    assert [a["package"] for a in data["apps_added"]] == ["com.spy"]
    assert data["red_flags"] == list(d.red_flags)
    html = render_diff_html(d)
    assert "<script" not in html
    assert "com.spy" in html and "Red flags" in html and "Content-Security-Policy" in html


def test_hostile_text_is_made_visible_in_text_and_escaped_in_html() -> None:
    old, new = _pair()
    evil = "com.evil\u202eexe.gpj\n<script>alert(1)</script>"
    new = replace(new, apps=(*new.apps, replace(app("x"), package=evil)))
    d = diff_reports(old, new)
    text = render_diff_text(d)
    assert "\u202e" not in text and "\\u{202e}" in text
    assert "gpj\n<script>" not in text
    html = render_diff_html(d)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "\u202e" not in html


def _component(name: str, permission: str | None = None) -> ApkComponent:
    return ApkComponent(ApkComponentKind.SERVICE, name, True, ExportedReason.EXPLICIT, permission=permission)


def test_apk_diff() -> None:
    old = replace(
        apk("com.app", signer=SIGNER_A, permissions=("CAMERA",), trackers=(FIREBASE,)),
        components=(_component("com.app.Sync", "com.app.P"),),
    )
    new = replace(
        apk("com.app", signer=SIGNER_B, permissions=("CAMERA", "READ_SMS"), trackers=(ADMOB,), debuggable=True),
        version_code=2,
        components=(_component("com.app.Open"),),
    )
    d = diff_apks(old, new)
    assert isinstance(d, ApkDiff)
    assert d.permissions_added == ("android.permission.READ_SMS",) and d.permissions_removed == ()
    assert [c.name for c in d.exported_added] == ["com.app.Open"]
    assert [c.name for c in d.exported_removed] == ["com.app.Sync"]
    assert (d.trackers_added, d.trackers_removed) == ((ADMOB.name,), (FIREBASE.name,))
    assert d.signer_changed
    assert {f.field for f in d.fields} == {"version_code", "debuggable"}
    assert any("signer changed" in f for f in d.red_flags)
    assert any("debuggable" in f for f in d.red_flags)
    text = render_diff_text(d)
    assert "+ service com.app.Open (open to any app)" in text
    assert json.loads(render_diff_json(d))["signer_changed"] is True
    assert "Exported components" in render_diff_html(d)
    with pytest.raises(DiffError, match="different apps"):
        diff_apks(old, replace(new, package="com.other"))


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd
    )


def test_diff_command_exit_codes_and_formats(tmp_path: Path) -> None:
    old, new = _pair()
    a = write_json(old, tmp_path / "a.json")
    b = write_json(new, tmp_path / "b.json")
    same = _run("diff", str(a), str(a))
    assert same.returncode == 0 and "No change." in same.stdout
    changed = _run("diff", str(a), str(b), "--format", "json")
    assert changed.returncode == 1
    assert json.loads(changed.stdout)["kind"] == "device"
    out = tmp_path / "d.html"
    written = _run("diff", str(a), str(b), "--out", str(out))
    assert written.returncode == 1
    assert written.stderr.startswith("Diff written to") and written.stdout == ""
    assert out.read_text().startswith("<!doctype html>")
    # "-" is standard output, as for every command's --out (not a file called "-").
    piped = _run("diff", str(a), str(b), "--out", "-", cwd=tmp_path)
    assert piped.returncode == 1 and piped.stderr == ""
    assert not (tmp_path / "-").exists()
    assert _run("diff", str(a), str(b), "--out", str(tmp_path / "d.txt")).returncode == 1
    assert piped.stdout == (tmp_path / "d.txt").read_text("utf-8")
    assert piped.stdout.startswith("Device: Google Pixel 8 (serial DEV1)\n")
    other = write_json(replace(new, device=replace(new.device, serial="OTHER")), tmp_path / "c.json")
    refused = _run("diff", str(a), str(other))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "different devices" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _run("diff", str(a), str(other), "--force").returncode == 1
    missing = _run("diff", str(a), str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_diff_command_on_two_apks(tmp_path: Path) -> None:
    import os

    from tests.apk import factory

    old = tmp_path / "old.apk"
    new = tmp_path / "new.apk"
    old.write_bytes(
        factory.build_apk(
            factory.manifest("com.app", permissions=["android.permission.CAMERA"]), v2=factory.make_signer("Old")
        )
    )
    new.write_bytes(
        factory.build_apk(
            factory.manifest(
                "com.app", version_code=8, permissions=["android.permission.CAMERA", "android.permission.READ_SMS"]
            ),
            v2=factory.make_signer("New"),
        )
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = _run("diff", str(old), str(new), env=env)
    assert result.returncode == 1, result.stderr
    assert "+ android.permission.READ_SMS" in result.stdout
    assert "RED FLAGS:" in result.stdout and "signer changed" in result.stdout
    mixed = _run("diff", str(old), str(write_json(_pair()[0], tmp_path / "a.json")), env=env)
    assert mixed.returncode == 2 and "cannot compare an APK with a device capture" in mixed.stderr
    assert isinstance(ReportDiff, type)
