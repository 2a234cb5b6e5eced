"""``auditor apk`` renderers: exact text, JSON round trip, and hostile strings neutralised."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from auditor.apk.analyse import skipped
from auditor.model import ApkIssueKind, ApkResult, ApkStatus, CleartextReason, ExportedReason
from auditor.report.apk import (
    cleartext_text,
    exported_text,
    issue_severity,
    render_json,
    render_text,
    safe,
    status_text,
)
from tests.apk import factory
from tests.apk.factory import Ref, ResValue

Analyse = Callable[..., ApkResult]
EVIL = '<script>alert("x")</script>\x1b[2J\nFAKE: ok\u202eevil\\u{1b}'


def test_safe_neutralises_control_format_and_backslashes() -> None:
    assert safe("plain ascii, café, 中文") == "plain ascii, café, 中文"
    assert safe("a\x1b[31mb") == "a\\u{001b}[31mb"
    assert safe("line\nbreak\r") == "line\\u{000a}break\\u{000d}"
    assert safe("\u202eevil\u200d") == "\\u{202e}evil\\u{200d}"
    assert safe("\\u{1b}") == "\\\\u{1b}"  # an escape cannot be forged
    assert safe(None) == "-"


def test_enum_texts_cover_every_member() -> None:
    assert {s: status_text(s) for s in ApkStatus} == {
        ApkStatus.OK: "ok",
        ApkStatus.DEGRADED: "DEGRADED (some parts could not be read)",
        ApkStatus.SKIPPED: "SKIPPED (no facts)",
    }
    assert [exported_text(r) for r in ExportedReason] == [
        "android:exported=true",
        "exported by its intent filter",
        "provider exported by default (targetSdk <= 16)",
        "not exported",
    ]
    assert [cleartext_text(r) for r in CleartextReason] == [
        "network security config",
        "android:usesCleartextTraffic",
        "default for its targetSdk",
    ]
    anomalies = {k for k in ApkIssueKind if issue_severity(k) == "anomaly"}
    assert anomalies == {ApkIssueKind.ZIP_ANOMALY, ApkIssueKind.MANIFEST_ANOMALY, ApkIssueKind.JANUS}
    assert all(issue_severity(k) in ("anomaly", "lost") for k in ApkIssueKind)


def _full_result(analyse: Analyse) -> ApkResult:
    signer = factory.make_signer("Report Key")
    res = factory.arsc("com.example.app", {"string": [("app_name", [ResValue("My App")])]})
    root = factory.manifest(
        permissions=["android.permission.CAMERA", ("android.permission.WRITE_EXTERNAL_STORAGE", 28)],
        permissions_sdk23=["android.permission.READ_CONTACTS"],
        declared=[("com.example.app.PRIVATE", 0x2)],
        app_attrs={"android:label": Ref(factory.res_id(1, 0)), "android:debuggable": True},
        components=[
            factory.activity(".Main", factory.LAUNCHER, exported=True),
            factory.el("service", {"android:name": ".Sync", "android:exported": True, "android:permission": "p.X"}),
            factory.activity(".Hidden"),
        ],
    )
    result = analyse(
        factory.build_apk(root, resources=res, classes=["com.example.app.Main", "com.appsflyer.A"], v2=signer)
    )
    assert result.status is ApkStatus.OK
    return result


def test_text_rendering(analyse: Analyse) -> None:
    result = _full_result(analyse)
    text = render_text([result])
    signer = factory.make_signer("Report Key").sha256
    assert text == (
        f"{result.path}: ok\n"
        f"  sha256      {result.sha256}  ({result.size} bytes)\n"
        "  package     com.example.app\n"
        '  label       "My App"\n'
        "  version     1.2.3 (code 7); SDK min 21, target 33\n"
        f"  signer      {signer} (v2; schemes v2) C=US,CN=Report Key\n"
        "  flags       debuggable, allowBackup=true\n"
        "  cleartext   refused (default for its targetSdk)\n"
        "  launcher    com.example.app.Main\n"
        "  code        1 DEX files, 2 classes\n"
        "  permissions (4)\n"
        "    android.permission.CAMERA\n"
        "    android.permission.WRITE_EXTERNAL_STORAGE  (maxSdkVersion 28)\n"
        "    android.permission.READ_CONTACTS  (sdk-23)\n"
        "    android.permission.READ_EXTERNAL_STORAGE  (maxSdkVersion 28; implied: requested WRITE_EXTERNAL_STORAGE)\n"
        "  declared permissions (1)\n"
        "    com.example.app.PRIVATE  signature\n"
        "  exported components (2 of 3)\n"
        "    activity        com.example.app.Main  (android:exported=true)\n"
        "    service         com.example.app.Sync  (android:exported=true)  permission p.X\n"
        "  trackers (1, present in the code, not necessarily used)\n"
        "    AppsFlyer [Analytics]  1 classes, e.g. com.appsflyer.\n"
        "\n"
        "Tracker data: Exodus Privacy / ETIP (https://reports.exodus-privacy.eu.org), ODbL 1.0\n"
    )


def test_text_rendering_of_a_skipped_result() -> None:
    r = skipped("/apks/x.apk", ApkIssueKind.NOT_A_ZIP, "no end-of-central-directory record", sha256="f" * 64, size=9)
    assert render_text([r]).splitlines()[:4] == [
        "/apks/x.apk: SKIPPED (no facts)",
        f"  sha256      {'f' * 64}  (9 bytes)",
        "  issues (1)",
        "    lost: not_a_zip: no end-of-central-directory record",
    ]


def test_json_round_trip(analyse: Analyse) -> None:
    result = _full_result(analyse)
    doc = json.loads(render_json([result]))
    assert doc["schema"] == "auditor-apk/1"
    assert doc["trackers_source"].startswith("Tracker data: Exodus Privacy / ETIP")
    (r,) = doc["results"]
    assert r["status"] == "ok"
    assert r["facts"]["label"] == "My App"
    assert r["facts"]["trackers"][0]["evidence"] == ["com.appsflyer."]
    assert r["facts"]["components"][1]["exported_reason"] == "explicit"


@pytest.mark.parametrize("where", ["label", "package", "permission", "component", "entry"])
def test_hostile_strings_are_neutralised(analyse: Analyse, where: str) -> None:
    kw: dict[str, object] = {}
    package = "com.example.app"
    if where == "label":
        kw["app_attrs"] = {"android:label": EVIL}
    elif where == "package":
        package = "com.x" + EVIL
    elif where == "permission":
        kw["permissions"] = [EVIL]
    elif where == "component":
        kw["components"] = [factory.activity(EVIL, exported=True)]
    extra = [("../" + EVIL, b"x")] if where == "entry" else []
    result = analyse(factory.build_apk(factory.manifest(package, **kw), extra=extra))  # type: ignore[arg-type]
    assert result.facts is not None
    text = render_text([result])
    assert "\x1b" not in text and "\u202e" not in text
    assert "\nFAKE: ok" not in text
    assert "\\u{001b}[2J\\u{000a}FAKE: ok\\u{202e}evil\\\\u{1b}" in text
    document = render_json([result])
    assert "<script>" not in document and "</script>" not in document
    assert "\\u003cscript\\u003e" in document
    # The JSON still carries the exact string.
    assert any(EVIL in value for value in _strings(json.loads(document)))


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []
