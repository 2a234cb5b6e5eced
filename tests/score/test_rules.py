"""Finding rules: stable ids, each fires where it should with the exact fix, and docs/rules.md agrees."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.model import (
    AppOrigin,
    AppReport,
    DumpSignatures,
    EffectiveAccess,
    FactoryCopy,
    IndicatorKind,
    IndicatorMatch,
    InstallSource,
    Provenance,
    Removal,
    Severity,
    SignatureHashKind,
    ThreatKind,
)
from auditor.model import SpecialAccessKind as K
from auditor.score import RULES, find
from auditor.score.evidence import role_short_name
from auditor.score.rules import SAFETY_WARNING, SPECIAL_ACCESS_RULES
from auditor.score.rulesdoc import render
from auditor.score.scope import ORIGIN_RULES, AppliesTo, applies, origins, scope_words
from tests.score.builders import allowed, apk, app, in_use, perm, role, special, tracker

RULES_MD = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
SIDE = InstallSource.SIDELOADED


def test_docs_rules_md_is_generated_from_the_rules() -> None:
    assert RULES_MD.read_text("utf-8") == render(), "regenerate: python -m auditor.score.rulesdoc > docs/rules.md"


def test_rule_ids_are_stable_and_well_formed() -> None:
    assert all(re.fullmatch(r"AUD-[A-Z0-9]+(-[A-Z0-9]+)*-\d{3}", rid) for rid in RULES)
    assert set(RULES) >= {
        "AUD-A11Y-001", "AUD-NLS-001", "AUD-ADMIN-001", "AUD-LOC-BG-001", "AUD-MIC-BG-001", "AUD-CAM-BG-001",
        "AUD-SMS-001", "AUD-CALLLOG-001", "AUD-SIDELOAD-001", "AUD-LEGACY-001", "AUD-DEBUG-001",
        "AUD-OVERLAY-001", "AUD-USAGE-001", "AUD-INSTALL-001", "AUD-FILES-001", "AUD-VPN-001", "AUD-IME-001",
        "AUD-HIDDEN-001", "AUD-STALKER-001", "AUD-TRACKER-001",
    }  # fmt: skip
    for r in RULES.values():
        assert r.title and r.rationale and r.remediation and r.fires_when, r.id


def ioc(family: str, threat: ThreatKind, kind: IndicatorKind, value: str = "ab" * 20) -> IndicatorMatch:
    return IndicatorMatch(family, threat, kind, value, "read from the APK", "list", "v1")


A11Y = special(K.ACCESSIBILITY, "com.x/com.x.A11y", "settings secure enabled_accessibility_services")
CASES: list[tuple[str, AppReport, str]] = [
    ("AUD-A11Y-001", app("com.x", specials=(A11Y,)), "Settings › Accessibility › Downloaded apps"),
    (
        "AUD-NLS-001",
        app("com.x", specials=(special(K.NOTIFICATION_LISTENER, "com.x/com.x.Nls"),), user=10),
        "adb shell cmd notification disallow_listener com.x/com.x.Nls 10",
    ),
    ("AUD-ADMIN-001", app("com.x", specials=(special(K.DEVICE_ADMIN, "com.x/.Adm"),)), "Device admin apps"),
    ("AUD-OWNER-001", app("com.x", specials=(special(K.DEVICE_OWNER, "com.x/.Adm"),)), "factory reset"),
    (
        "AUD-OVERLAY-001",
        app("com.x", specials=(special(K.OVERLAY, "SYSTEM_ALERT_WINDOW"),)),
        "adb shell appops set --user 0 com.x SYSTEM_ALERT_WINDOW deny",
    ),
    (
        "AUD-USAGE-001",
        app("com.x", specials=(special(K.USAGE_ACCESS, "GET_USAGE_STATS"),)),
        "adb shell appops set --user 0 com.x GET_USAGE_STATS ignore",
    ),
    (
        "AUD-INSTALL-001",
        app("com.x", specials=(special(K.INSTALL_UNKNOWN_APPS),)),
        "adb shell appops set --user 0 com.x REQUEST_INSTALL_PACKAGES deny",
    ),
    (
        "AUD-FILES-001",
        app("com.x", specials=(special(K.ALL_FILES_ACCESS),)),
        "adb shell appops set --user 0 com.x MANAGE_EXTERNAL_STORAGE deny",
    ),
    (
        "AUD-SCREEN-001",
        app("com.x", specials=(special(K.MEDIA_PROJECTION, "PROJECT_MEDIA"),)),
        "adb shell appops set --user 0 com.x PROJECT_MEDIA ignore",
    ),
    ("AUD-VPN-001", app("com.x", specials=(special(K.ALWAYS_ON_VPN, "com.x"),)), "Forget VPN"),
    ("AUD-IME-001", app("com.x", specials=(special(K.DEFAULT_INPUT_METHOD, "com.x/.Ime"),)), "Manage keyboards"),
    ("AUD-RESTRICTED-001", app("com.x", specials=(special(K.RESTRICTED_SETTINGS_ALLOWED),)), "Turn off"),
    (
        "AUD-LOC-BG-001",
        app("com.x", allowed("ACCESS_FINE_LOCATION", "ACCESS_BACKGROUND_LOCATION")),
        "adb shell pm revoke --user 0 com.x android.permission.ACCESS_BACKGROUND_LOCATION",
    ),
    (
        "AUD-LOC-BG-002",
        app("com.x", in_use("ACCESS_FINE_LOCATION", used="bg"), target_sdk=28),
        "adb shell appops set --user 0 com.x FINE_LOCATION foreground && "
        "adb shell appops set --user 0 com.x COARSE_LOCATION foreground",
    ),
    (
        "AUD-MIC-BG-001",
        app("com.x", in_use("RECORD_AUDIO", used="bg")),
        "adb shell pm revoke --user 0 com.x android.permission.RECORD_AUDIO",
    ),
    (
        "AUD-CAM-BG-001",
        app("com.x", allowed("CAMERA", used="bg"), system=True),
        "adb shell pm revoke --user 0 com.x android.permission.CAMERA",
    ),
    (
        "AUD-SMS-001",
        app("com.x", allowed("READ_SMS", "RECEIVE_SMS")),
        "adb shell pm revoke --user 0 com.x android.permission.READ_SMS && "
        "adb shell pm revoke --user 0 com.x android.permission.RECEIVE_SMS",
    ),
    (
        "AUD-CALLLOG-001",
        app("com.x", in_use("READ_CALL_LOG")),
        "adb shell pm revoke --user 0 com.x android.permission.READ_CALL_LOG",
    ),
    ("AUD-SIDELOAD-001", app("com.x", source=SIDE), "read AUD-STALKER-001's safety note"),
    ("AUD-HIDDEN-001", app("com.x", apk_facts=apk("com.x", hides_icon=True)), "Settings › Apps › See all apps"),
    ("AUD-LEGACY-001", app("com.x", allowed("READ_CONTACTS"), target_sdk=22), "Permissions: turn off"),
    ("AUD-DEBUG-001", app("com.x", debuggable=True), "adb shell pm uninstall --user 0 com.x"),
    (
        "AUD-TRACKER-001",
        app("com.x", apk_facts=apk("com.x", trackers=(tracker("Adjust", "Analytics", "Identification"),))),
        "Delete advertising ID",
    ),
    (
        "AUD-STALKER-001",
        app("com.x", in_use("ACCESS_FINE_LOCATION"), specials=(A11Y,), source=SIDE),
        "When it is safe to do so, and only then: adb shell pm uninstall --user 0 com.x",
    ),
    (
        "AUD-IOC-001",
        replace(app("com.x"), indicator_matches=(ioc("TheTruthSpy", ThreatKind.STALKERWARE, IndicatorKind.CERT_SHA1),)),
        "When it is safe to do so, and only then: adb shell pm uninstall --user 0 com.x (or Settings › Apps › com.x "
        "› Uninstall). Then change the passwords",
    ),
    (
        "AUD-IOC-002",
        replace(app("com.x"), indicator_matches=(ioc("FamiSafe", ThreatKind.WATCHWARE, IndicatorKind.APK_SHA256),)),
        "When it is safe to do so, and only then: adb shell pm uninstall --user 0 com.x",
    ),
    (
        "AUD-IOC-003",
        replace(app("com.x"), indicator_matches=(ioc("Predator", ThreatKind.SPYWARE, IndicatorKind.CERT_SHA256),)),
        "When it is safe to do so, and only then: adb shell pm uninstall --user 0 com.x",
    ),
    (
        "AUD-ORIGIN-001",
        replace(app("com.x"), app_id=1000, shared_user="android.uid.system"),
        "adb shell pm uninstall --user 0 com.x; if Android refuses, restore the factory image.",
    ),
    (
        "AUD-ORIGIN-002",
        replace(
            app("com.x"),
            provenance=Provenance("x", Removal.UNINSTALL, platform_signature="its signer SHA-256 ab… is android's"),
        ),
        "adb shell pm uninstall --user 0 com.x.",
    ),
    (
        "AUD-ORIGIN-003",
        replace(app("com.x", system=True), updated_system=True, initiating_installer="com.android.shell"),
        "Settings › Apps › com.x › ⋮ › Uninstall updates",
    ),
    (
        "AUD-ORIGIN-004",
        replace(
            app("com.x", system=True),
            updated_system=True,
            provenance=Provenance(
                "x",
                Removal.DISABLE,
                signatures=DumpSignatures(SignatureHashKind.CONTENT, ("bb",)),
                factory=FactoryCopy("/product/app/X", 1, DumpSignatures(SignatureHashKind.CONTENT, ("cc",))),
            ),
        ),
        "Settings › Apps › com.x › ⋮ › Uninstall updates",
    ),
]


def test_every_rule_has_a_case() -> None:
    assert {rid for rid, _, _ in CASES} == set(RULES)


@pytest.mark.parametrize(("rule_id", "report", "fix"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_with_the_exact_fix(rule_id: str, report: AppReport, fix: str) -> None:
    hits = [f for f in find(report) if f.rule_id == rule_id]
    assert len(hits) == 1
    finding = hits[0]
    assert fix in finding.remediation
    assert finding.evidence
    rule = RULES[rule_id]
    assert (finding.severity, finding.confidence, finding.title) == (rule.severity, rule.confidence, rule.title)


@pytest.mark.parametrize(("rule_id", "report"), [(rid, r) for rid, r, _ in CASES], ids=[c[0] for c in CASES])
def test_the_engine_applies_each_rule_to_the_apps_it_declares(rule_id: str, report: AppReport) -> None:
    """The same app with another origin (nothing else changed) keeps a rule's finding only where the rule looks."""
    for origin in AppOrigin:
        fired = rule_id in {f.rule_id for f in find(replace(report, origin=origin))}
        if origin not in origins(RULES[rule_id].applies_to):
            assert not fired, origin


def test_which_rules_look_beyond_installed_apps() -> None:
    def scoped(scope: AppliesTo) -> set[str]:
        return {rid for rid, r in RULES.items() if r.applies_to is scope}

    assert scoped(AppliesTo.NOT_PLATFORM) == {"AUD-MIC-BG-001", "AUD-CAM-BG-001", "AUD-TRACKER-001"}
    assert scoped(AppliesTo.SYSTEM_IMAGE) == {"AUD-ORIGIN-003", "AUD-ORIGIN-004"}
    # Known threats are matched on every app: preinstalled (and planted system) stalkerware exists.
    assert scoped(AppliesTo.ALL) == {"AUD-IOC-001", "AUD-IOC-002", "AUD-IOC-003"}
    assert {rid for rid in RULES if rid.startswith("AUD-ORIGIN-")} == ORIGIN_RULES


@pytest.mark.parametrize("scope", list(AppliesTo))
def test_every_scope_says_which_apps_it_covers(scope: AppliesTo) -> None:
    installed = app("com.x")
    preinstalled = app("com.x", system=True, source=InstallSource.SYSTEM)
    platform = replace(preinstalled, app_id=1001, shared_user="android.uid.phone")
    expected = {
        AppliesTo.THIRD_PARTY: (True, False, False),
        AppliesTo.NOT_PLATFORM: (True, True, False),
        AppliesTo.SYSTEM_IMAGE: (False, True, True),
        AppliesTo.ALL: (True, True, True),
    }
    assert tuple(applies(scope, a) for a in (installed, preinstalled, platform)) == expected[scope]
    assert scope_words(scope)


def test_roles_silence_sms_and_call_log_rules() -> None:
    sms = app("com.x", allowed("READ_SMS"), specials=(role("SMS"),))
    dialer = app("com.x", allowed("READ_CALL_LOG"), specials=(role("DIALER"),))
    assert find(sms) == ()
    assert find(dialer) == ()


def test_only_the_platform_sms_role_silences_the_sms_rule() -> None:
    vendor = special(K.ROLE, "com.vendor.role.SMS", "dumpsys role")
    assert role_short_name(vendor.detail) == "com.vendor.role.SMS"
    assert role_short_name("android.app.role.SMS") == "SMS"
    assert [f.rule_id for f in find(app("com.x", allowed("READ_SMS"), specials=(vendor,)))] == ["AUD-SMS-001"]


def test_revoked_or_denied_permissions_draw_no_permission_finding() -> None:
    gone = app(
        "com.x",
        perm("RECORD_AUDIO", EffectiveAccess.DENIED, used="bg"),
        perm("READ_SMS", EffectiveAccess.DENIED),
        perm("ACCESS_BACKGROUND_LOCATION", EffectiveAccess.DENIED),
    )
    assert find(gone) == ()


def test_device_owner_is_not_also_reported_as_an_admin() -> None:
    mdm = app("com.x", specials=(special(K.DEVICE_OWNER, "com.x/.A"), special(K.DEVICE_ADMIN, "com.x/.A")))
    assert [f.rule_id for f in find(mdm)] == ["AUD-OWNER-001"]


def test_stalker_with_a_device_admin_says_to_deactivate_it_first() -> None:
    spy = app(
        "com.x",
        in_use("ACCESS_FINE_LOCATION"),
        specials=(special(K.DEVICE_ADMIN, "com.x/.Adm"),),
        apk_facts=apk("com.x", hides_icon=True),
    )
    finding = next(f for f in find(spy) if f.rule_id == "AUD-STALKER-001")
    assert finding.safety == SAFETY_WARNING
    assert finding.safety.startswith("Safety first. Removing or disabling this app may alert the person who installed")
    assert finding.remediation.startswith("When it is safe to do so, and only then:")
    assert "deactivate its device admin first (AUD-ADMIN-001), then adb shell pm uninstall --user 0 com.x" in (
        finding.remediation
    )
    admin = next(f for f in find(spy) if f.rule_id == "AUD-ADMIN-001")
    assert "read AUD-STALKER-001's safety note first" in admin.remediation


def test_hostile_names_are_shell_quoted() -> None:
    evil = app("com.x", specials=(special(K.NOTIFICATION_LISTENER, "com.x/.N;reboot"),))
    finding = next(f for f in find(evil) if f.rule_id == "AUD-NLS-001")
    assert "disallow_listener 'com.x/.N;reboot' 0" in finding.remediation


def test_special_access_rows_cover_distinct_kinds() -> None:
    assert [r.id for r in SPECIAL_ACCESS_RULES] == [
        "AUD-OVERLAY-001", "AUD-USAGE-001", "AUD-INSTALL-001", "AUD-FILES-001", "AUD-SCREEN-001", "AUD-VPN-001",
        "AUD-IME-001", "AUD-RESTRICTED-001",
    ]  # fmt: skip
    kinds = [k for r in SPECIAL_ACCESS_RULES for k in r.kinds]
    assert len(kinds) == len(set(kinds))


def test_an_app_op_row_gives_the_documented_and_the_exact_command() -> None:
    overlay = RULES["AUD-OVERLAY-001"]
    assert overlay.remediation == (
        "adb shell appops set --user <user> <package> SYSTEM_ALERT_WINDOW deny "
        "(Settings › Apps › Special app access › Display over other apps)."
    )
    evil = app("com.x;reboot", specials=(special(K.OVERLAY, "SYSTEM_ALERT_WINDOW"),), user=10)
    (finding,) = find(evil)
    assert finding.remediation == "adb shell appops set --user 10 'com.x;reboot' SYSTEM_ALERT_WINDOW deny"
    assert finding.evidence == ("special display_over_other_apps SYSTEM_ALERT_WINDOW (test fixture)",)


def test_a_settings_row_names_the_app_and_warns_when_it_may_be_stalkerware() -> None:
    vpn = app("com.x", specials=(special(K.VPN, "com.x"),))
    assert [f.remediation for f in find(vpn)] == [
        "Settings › Network & internet › VPN › com.x › Forget VPN (turn off Always-on VPN first)."
    ]
    restricted = app("com.x", specials=(special(K.RESTRICTED_SETTINGS_ALLOWED),), source=SIDE)
    fix = next(f.remediation for f in find(restricted) if f.rule_id == "AUD-RESTRICTED-001")
    assert fix == (
        "Turn off the accesses com.x was given (its other findings name them). This app was sideloaded or hides "
        "its icon: read AUD-STALKER-001's safety note first."
    )


def test_findings_come_most_severe_first() -> None:
    spy = app("com.x", in_use("ACCESS_FINE_LOCATION"), allowed("READ_SMS"), specials=(A11Y,), source=SIDE)
    order = {s: i for i, s in enumerate(Severity)}
    ranks = [order[f.severity] for f in find(spy)]
    assert ranks == sorted(ranks)
    assert find(spy)[0].rule_id == "AUD-STALKER-001"
