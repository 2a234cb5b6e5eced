"""Policies: the examples load, a malformed file gives one line naming file, line and key; violations have evidence."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.fleet.errors import PolicyError
from auditor.fleet.policy import (
    CHECKS,
    AppCheck,
    DeviceCheck,
    PolicyRule,
    device_check,
    evaluate,
    load_policy,
    parse_policy,
    rule_words,
)
from auditor.model import InstallSource, SpecialAccessKind
from auditor.score.scope import AppliesTo
from tests.fleet.builders import ADMOB, FIREBASE, FOURSQUARE, SIGNER_B, hand_report
from tests.score.builders import allowed, apk, app, denied, special

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("policy-*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_load(path: Path) -> None:
    policy = load_policy(path)
    assert policy.name
    assert policy.source == str(path)
    assert len(policy.sha256) == 64


def test_there_are_two_examples() -> None:
    assert {p.name for p in EXAMPLES} >= {"policy-strict.toml", "policy-helpline.toml"}


def _error(text: str) -> str:
    with pytest.raises(PolicyError) as e:
        parse_policy(text, Path("p.toml"))
    message = str(e.value)
    assert "\n" not in message
    return message


def test_syntax_error_names_the_line() -> None:
    message = _error('[policy]\nname = "x"\n\n[exposure]\nmax_app = = 3\n')
    assert message.startswith("p.toml:5: TOML syntax error")


def test_unknown_top_level_table_names_its_line() -> None:
    assert _error('[policy]\nname = "x"\n\n[exposures]\nmax_app = 3\n').startswith(
        "p.toml:4: [exposures]: unknown table"
    )


def test_unknown_key_names_its_line_and_the_expected_keys() -> None:
    message = _error('[policy]\nname = "x"\n\n[exposure]\n# a comment\nmax_ap = 60\n')
    assert message.startswith("p.toml:6: [exposure] max_ap: unknown key; expected one of max_app, max_device")


def test_wrong_type_names_its_line() -> None:
    message = _error('[exposure]\nmax_app = "sixty"\n')
    assert message == "p.toml:2: [exposure] max_app: expected a whole number from 0 to 100, got 'sixty'"
    assert _error("[exposure]\nmax_device = 101\n").startswith("p.toml:2: [exposure] max_device")
    assert "expected true or false" in _error("[policy]\ninclude_system_apps = 1\n")


def test_errors_in_arrays_of_tables_name_the_right_table() -> None:
    text = (
        '[[deny_special_access]]\nkinds = ["vpn"]\n\n[[deny_special_access]]\nkinds = ["accessibility"]\nallow = []\n'
    )
    message = _error(text)
    assert message.startswith("p.toml:5: [[deny_special_access]] #2 kinds: unknown kind 'accessibility'")
    assert "accessibility_service" in message
    assert _error("[[deny_permission]]\npermissions = []\n").startswith("p.toml:2: [[deny_permission]] #1 permissions")
    assert "invalid entry 'READ SMS'" in _error('[[deny_permission]]\npermissions = ["READ SMS"]\n')


def test_bad_values_in_lists() -> None:
    assert "invalid entry 'abc'" in _error('[apps]\nblocked_signers = ["abc"]\n')
    assert "invalid entry 'Ads'" in _error('[trackers]\nforbidden_categories = ["Ads"]\n')
    assert "expected a list of strings" in _error('[apps]\nblocked = "com.x"\n')
    assert "expected a date" in _error('[device]\noldest_patch = "May 2024"\n')


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy"):
        load_policy(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'[policy]\nname = "\xff"\n')
    with pytest.raises(PolicyError, match=r"bad.toml:2: not UTF-8"):
        load_policy(bad)


def test_values_are_normalised() -> None:
    policy = parse_policy(
        '[[deny_permission]]\npermissions = ["READ_SMS", "com.x.permission.Y"]\n'
        f'[apps]\nblocked_signers = ["{"AB:" * 31}AB"]\n'
        '[trackers]\nforbidden_categories = ["advertisement"]\n'
        '[[deny_special_access]]\nkinds = ["role"]\nroles = ["android.app.role.SMS", "dialer"]\n',
        Path("p.toml"),
    )
    assert policy.deny_permissions[0].permissions == ("android.permission.READ_SMS", "com.x.permission.Y")
    assert policy.blocked_signers == ("ab" * 32,)
    assert policy.forbidden_tracker_categories == ("Advertisement",)
    assert policy.deny_special_access[0].roles == ("SMS", "DIALER")
    assert policy.name == "p"


def test_every_rule_has_words() -> None:
    assert all(rule_words(r) for r in PolicyRule)
    assert rule_words(PolicyRule.REQUIRED_INSTALLER) == "installer not allowed"


def test_every_policy_rule_has_exactly_one_check() -> None:
    assert list(CHECKS) and set(CHECKS) == set(PolicyRule)
    assert all(check.rule is rule for rule, check in CHECKS.items())
    assert len({check.check for check in CHECKS.values()}) == len(CHECKS)


def test_a_second_check_for_a_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="min_sdk already has a check"):
        device_check(PolicyRule.MIN_SDK, words="again")(lambda policy, report: ())
    assert CHECKS[PolicyRule.MIN_SDK].words == "Android version too old"


def test_checks_declare_where_they_look() -> None:
    devices = {r for r, c in CHECKS.items() if isinstance(c, DeviceCheck)}
    everywhere = {r for r, c in CHECKS.items() if isinstance(c, AppCheck) and c.applies_to is AppliesTo.ALL}
    assert devices == {
        PolicyRule.MAX_PATCH_AGE,
        PolicyRule.OLDEST_PATCH,
        PolicyRule.MIN_SDK,
        PolicyRule.MAX_DEVICE_EXPOSURE,
        PolicyRule.USB_DEBUGGING,
        PolicyRule.UNSAFE_SETTING,
        PolicyRule.KNOWN_THREAT_TRACE,
    }
    # Known threats are looked for in every app: preinstalled stalkerware exists.
    assert everywhere == {PolicyRule.BLOCKED_APP, PolicyRule.BLOCKED_SIGNER, PolicyRule.KNOWN_THREAT}


POLICY = """
[policy]
name = "test"
[[deny_permission]]
permissions = ["READ_SMS"]
allow = ["com.messages*"]
[[deny_special_access]]
kinds = ["accessibility_service"]
allow = ["com.passwords"]
[[deny_special_access]]
kinds = ["role"]
roles = ["SMS"]
[apps]
blocked = ["com.spy*"]
blocked_signers = ["SIGNER"]
required_installers = ["com.android.vending"]
installer_exempt = ["com.corp.*"]
[exposure]
max_app = 40
[device]
max_patch_age_days = 90
oldest_patch = "2024-01-01"
min_sdk = 34
[trackers]
forbidden_categories = ["Advertisement", "Location"]
forbidden = ["google firebase analytics"]
allow = ["com.allowed"]
""".replace("SIGNER", SIGNER_B)


def test_violations_with_evidence() -> None:
    policy = parse_policy(POLICY, Path("p.toml"))
    a11y = special(SpecialAccessKind.ACCESSIBILITY, "com.spyware/.Svc", "dumpsys accessibility: Enabled services")
    apps = (
        app("com.messages.app", allowed("READ_SMS")),  # allow-listed
        app("com.reader", allowed("READ_SMS"), source=InstallSource.STORE),
        app("com.denier", denied("READ_SMS")),  # not usable: no violation
        app("com.spyware", specials=(a11y,), source=InstallSource.SIDELOADED),
        app("com.passwords", specials=(special(SpecialAccessKind.ACCESSIBILITY, "com.passwords/.A"),)),
        app("com.sms", specials=(special(SpecialAccessKind.ROLE, "android.app.role.SMS"),)),
        app("com.corp.tool", source=InstallSource.SIDELOADED),  # exempt from the installer rule
        app("com.spy.hidden", system=True),  # blocked even as a system app
        app("com.resigned", apk_facts=apk("com.resigned", signer=SIGNER_B)),
        app("com.ads", apk_facts=apk("com.ads", trackers=(ADMOB, FIREBASE))),
        app("com.allowed", apk_facts=apk("com.allowed", trackers=(FOURSQUARE,))),
        app("com.android.system", allowed("READ_SMS"), system=True),  # system apps are out of scope
    )
    report = hand_report("DEV1", apps, patch="2023-12-01", sdk=33, android_release="13")
    violations = evaluate(policy, report, "DEV1")
    got = {(v.rule, v.app) for v in violations}
    assert (PolicyRule.DENIED_PERMISSION, "com.reader") in got
    assert (PolicyRule.DENIED_PERMISSION, "com.messages.app") not in got
    assert (PolicyRule.DENIED_PERMISSION, "com.denier") not in got
    assert (PolicyRule.DENIED_PERMISSION, "com.android.system") not in got
    assert (PolicyRule.DENIED_SPECIAL_ACCESS, "com.spyware") in got
    assert (PolicyRule.DENIED_SPECIAL_ACCESS, "com.passwords") not in got
    assert (PolicyRule.DENIED_SPECIAL_ACCESS, "com.sms") in got
    assert (PolicyRule.BLOCKED_APP, "com.spyware") in got
    assert (PolicyRule.BLOCKED_APP, "com.spy.hidden") in got
    assert (PolicyRule.REQUIRED_INSTALLER, "com.spyware") in got
    assert (PolicyRule.REQUIRED_INSTALLER, "com.corp.tool") not in got
    assert (PolicyRule.BLOCKED_SIGNER, "com.resigned") in got
    assert (PolicyRule.FORBIDDEN_TRACKER, "com.ads") in got
    assert (PolicyRule.FORBIDDEN_TRACKER, "com.allowed") not in got
    assert {(v.rule, v.app) for v in violations if v.app is None} == {
        (PolicyRule.MAX_PATCH_AGE, None),
        (PolicyRule.OLDEST_PATCH, None),
        (PolicyRule.MIN_SDK, None),
    }
    by = {(v.rule, v.app): v for v in violations}
    perm = by[(PolicyRule.DENIED_PERMISSION, "com.reader")]
    assert perm.device == "DEV1" and perm.user == 0
    assert perm.evidence == ("android.permission.READ_SMS granted=true op READ_SMS=allow",)
    spyware = by[(PolicyRule.DENIED_SPECIAL_ACCESS, "com.spyware")]
    assert spyware.evidence == (
        "special accessibility_service com.spyware/.Svc (dumpsys accessibility: Enabled services)",
    )
    # A violation quotes the fact in the words of the finding about it.
    findings = {(a.package, f.rule_id): f for a in report.apps for f in a.findings}
    assert findings[("com.reader", "AUD-SMS-001")].evidence == perm.evidence
    assert findings[("com.spyware", "AUD-A11Y-001")].evidence == spyware.evidence
    assert "signer SHA-256 " + SIGNER_B in by[(PolicyRule.BLOCKED_SIGNER, "com.resigned")].evidence
    patch = by[(PolicyRule.MAX_PATCH_AGE, None)]
    assert patch.message == "security patch 2023-12-01 was 183 days old at capture; the maximum is 90"
    trackers = [v for v in violations if v.rule is PolicyRule.FORBIDDEN_TRACKER]
    assert {v.message.split(" embeds ")[1].split(" (")[0] for v in trackers} == {ADMOB.name, FIREBASE.name}
    assert [v.evidence for v in trackers] == [
        ("tracker Google AdMob (Advertisement) evidence com.googleadmob.sdk",),
        ("tracker Google Firebase Analytics (Analytics) evidence com.googlefirebaseanalytics.sdk",),
    ]


def test_exposure_limits_list_the_top_reasons() -> None:
    policy = parse_policy("[exposure]\nmax_app = 10\nmax_device = 10\n", Path("p.toml"))
    report = hand_report("DEV2", (app("com.big", allowed("CAMERA", "RECORD_AUDIO", "ACCESS_FINE_LOCATION")),))
    violations = evaluate(policy, report, "DEV2")
    rules = [v.rule for v in violations]
    assert rules == [PolicyRule.MAX_DEVICE_EXPOSURE, PolicyRule.MAX_APP_EXPOSURE]
    app_v = violations[1]
    assert app_v.evidence and all(e[0] in "+-" for e in app_v.evidence)


def test_include_system_apps() -> None:
    text = '[policy]\ninclude_system_apps = true\n[[deny_permission]]\npermissions = ["READ_SMS"]\n'
    policy = parse_policy(text, Path("p.toml"))
    report = hand_report("DEV3", (app("com.android.mms", allowed("READ_SMS"), system=True),))
    assert [v.app for v in evaluate(policy, report, "DEV3")] == ["com.android.mms"]
    assert evaluate(replace(policy, include_system_apps=False), report, "DEV3") == ()


THREATS_POLICY = """
[threats]
forbid_matches = true
allow = ["com.sanctioned.parental"]
[device]
require_usb_debugging_off = true
forbid_settings = ["aud-boot-001", "AUD-SELINUX-001"]
"""


def test_known_threats_usb_debugging_and_unsafe_settings() -> None:
    from auditor.model import DeviceState, IndicatorKind, IndicatorMatch, ThreatKind

    policy = parse_policy(THREATS_POLICY, Path("t.toml"))
    assert (policy.forbid_indicator_matches, policy.indicator_allow) == (True, ("com.sanctioned.parental",))
    assert (policy.require_usb_debugging_off, policy.forbidden_settings) == (True, ("AUD-BOOT-001", "AUD-SELINUX-001"))

    def spy(kind: IndicatorKind, value: str, threat: ThreatKind = ThreatKind.STALKERWARE) -> IndicatorMatch:
        return IndicatorMatch("TheTruthSpy", threat, kind, value, "package name", "Echap", "a04c5c1958bf")

    apps = (
        replace(app("com.fone"), indicator_matches=(spy(IndicatorKind.PACKAGE, "com.fone"),)),
        replace(app("com.vendor.spy", system=True), indicator_matches=(spy(IndicatorKind.APK_SHA256, "ab" * 32),)),
        replace(
            app("com.sanctioned.parental"),
            indicator_matches=(spy(IndicatorKind.PACKAGE, "com.sanctioned.parental", ThreatKind.WATCHWARE),),
        ),
        app("com.clean"),
    )
    state = DeviceState(usb_debugging=True, verified_boot_state="orange", selinux="enforcing")
    report = replace(hand_report("DEV9", apps), device_state=state)
    from auditor.score import score_report

    report = score_report(report)
    got = [(v.rule, v.app, v.message) for v in evaluate(policy, report, "DEV9")]
    assert got == [
        (PolicyRule.USB_DEBUGGING, None, "USB debugging is on"),
        (PolicyRule.UNSAFE_SETTING, None, "Bootloader unlocked or verified boot not green (AUD-BOOT-001)"),
        (
            PolicyRule.KNOWN_THREAT,
            "com.fone",
            "com.fone matches TheTruthSpy (stalkerware) by its package (weaker alone)",
        ),
        (
            PolicyRule.KNOWN_THREAT,
            "com.vendor.spy",
            "com.vendor.spy matches TheTruthSpy (stalkerware) by its apk_sha256 (strong)",
        ),
    ]
    with pytest.raises(PolicyError, match=r"t.toml:3: \[device\] forbid_settings: invalid entry 'AUD-A11Y-001'"):
        parse_policy("[threats]\n[device]\nforbid_settings = ['AUD-A11Y-001']\n", Path("t.toml"))
