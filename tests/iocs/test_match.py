"""Matching indicators against a report: every fact that can carry one, by set lookups."""

from __future__ import annotations

import dataclasses

from auditor.iocs import Indicators, match_report
from auditor.iocs.lists import Family, Indicator, LoadedList
from auditor.model import (
    ApkCertificate,
    ApkSigning,
    AppPresence,
    AuditReport,
    DeviceInfo,
    DeviceState,
    IndicatorKind,
    IndicatorMatch,
    NoteLevel,
    SignerCertificate,
    SigningScheme,
    SourceInfo,
    ThreatKind,
)
from tests.score.builders import apk, app

SHA1 = "31a6ececd97cf39bc4126b8745cd94a7c30bf81c"  # TheTruthSpy's first certificate in the bundled list
SAMPLE = "2f3bc9ebe8c249f0416f5b0367f34b4b8f6aaa7d351dc5b4912fe2558491b6b7"  # a HelloSpy sample
ECHAP = ("Echap stalkerware-indicators", Indicators.bundled().lists[0].version)


def _report(*apps: object, state: DeviceState | None = None) -> AuditReport:
    return AuditReport("1.2", "t", SourceInfo("snapshot", "x"), DeviceInfo(), (), tuple(apps), device_state=state)  # type: ignore[arg-type]


def _m(family: str, threat: ThreatKind, kind: IndicatorKind, value: str, fact: str) -> IndicatorMatch:
    return IndicatorMatch(family, threat, kind, value, fact, *ECHAP)


def test_package_certificate_and_apk_hash_each_match_with_the_fact_that_carried_them() -> None:
    by_name = app("com.fone")
    innocent_name = dataclasses.replace(
        app("com.example.calculator"),
        signer=SignerCertificate(sha256="00" * 32, sha1=SHA1.upper().lower()),
        apk_sha256=(SAMPLE, "ff" * 32),
    )
    cert = ApkCertificate(SigningScheme.V2, "11" * 32, sha1=SHA1, md5="22" * 16)
    from_apk = app(
        "com.example.notes",
        apk_facts=dataclasses.replace(
            apk("com.example.notes"), signing=ApkSigning("11" * 32, SigningScheme.V2, certificates=(cert,))
        ),
    )
    kept_as_data = dataclasses.replace(
        app("com.wondershare.famisafe.kids", user=10), presence=AppPresence.NOT_INSTALLED
    )
    clean = app("com.example.clean")
    report = match_report(_report(by_name, innocent_name, from_apk, kept_as_data, clean), Indicators.bundled())
    matches = {a.package: a.indicator_matches for a in report.apps}
    stalker, watch = ThreatKind.STALKERWARE, ThreatKind.WATCHWARE
    assert matches == {
        "com.fone": (_m("TheTruthSpy", stalker, IndicatorKind.PACKAGE, "com.fone", "package name"),),
        "com.example.calculator": (
            _m("TheTruthSpy", stalker, IndicatorKind.CERT_SHA1, SHA1, "stated by packages.json"),
            _m("HelloSpy", stalker, IndicatorKind.APK_SHA256, SAMPLE, "APK file hash"),
        ),
        "com.example.notes": (_m("TheTruthSpy", stalker, IndicatorKind.CERT_SHA1, SHA1, "read from the APK"),),
        "com.wondershare.famisafe.kids": (
            _m("FamiSafe", watch, IndicatorKind.PACKAGE, "com.wondershare.famisafe.kids", "package name"),
        ),
        "com.example.clean": (),
    }
    assert [m.strong for m in matches["com.example.calculator"]] == [True, True]
    assert not matches["com.fone"][0].strong
    assert [x.name for x in report.indicator_lists] == ["Echap stalkerware-indicators"]
    assert report.device_matches == ()


def _custom(*indicators: tuple[IndicatorKind, str]) -> Indicators:
    custom = LoadedList(
        name="pred.stix2",
        version="abcdef012345",
        origin="/x/pred.stix2",
        families=(Family("Predator", ThreatKind.SPYWARE),),
        indicators=tuple(Indicator(kind, value, 0) for kind, value in indicators),
        unsupported=3,
    )
    return Indicators((Indicators.bundled().lists[0], custom))


def test_properties_and_processes_match_the_phone_and_a_hidden_package_is_found_by_its_process() -> None:
    indicators = _custom(
        (IndicatorKind.PROPERTY, "persist.pred.flag"),
        (IndicatorKind.PROCESS, "predd"),
        (IndicatorKind.PACKAGE, "com.pred.hidden"),
        (IndicatorKind.DOMAIN, "pred.example"),
    )
    state = DeviceState(processes=("init", "predd", "com.pred.hidden:svc", "com.fone"))
    report = match_report(
        _report(app("com.fone"), state=state), indicators, properties={"persist.pred.flag": "1", "ro.x": "y"}
    )
    spy = ThreatKind.SPYWARE
    assert report.device_matches == (
        IndicatorMatch("Predator", spy, IndicatorKind.PROPERTY, "persist.pred.flag",
                       "system property persist.pred.flag=1", "pred.stix2", "abcdef012345"),
        IndicatorMatch("Predator", spy, IndicatorKind.PROCESS, "predd", "running process predd", "pred.stix2",
                       "abcdef012345"),
        IndicatorMatch("Predator", spy, IndicatorKind.PACKAGE, "com.pred.hidden",
                       "running process com.pred.hidden:svc (no app of the report)", "pred.stix2", "abcdef012345"),
    )  # fmt: skip
    # com.fone runs, but it is an app of the report: its own match says it, the device's does not repeat it.
    assert [m.fact for m in report.apps[0].indicator_matches] == ["package name"]
    notes = [(n.level, n.message) for n in report.notes if n.section == "indicators"]
    assert notes == [
        (NoteLevel.INFO, "1639 network indicators (domains, URLs, IP addresses) were loaded but match nothing here: "
         "an audit holds no network traffic or DNS history"),
        (NoteLevel.INFO, "pred.stix2: 3 patterns are not understood here (compound patterns or object paths with no "
         "fact in an audit) and were skipped"),
        # The one app has neither a known signer nor an APK hash: those indicators were not checked, and say so.
        (NoteLevel.PARTIAL, "484 certificate indicators could not be checked: no signer of an app outside the system "
         "image is known in this source (audit with --apks, or read an androidqf acquisition)"),
        (NoteLevel.PARTIAL, "3228 APK-hash indicators could not be checked: no APK hash of an app outside the system "
         "image is known in this source (a live collection hashes them on the phone; androidqf states them)"),
    ]  # fmt: skip


def test_process_indicators_without_processes_are_said_to_be_unchecked() -> None:
    report = match_report(_report(app("com.a")), _custom((IndicatorKind.PROCESS, "predd")))
    assert (
        NoteLevel.PARTIAL,
        "1 process indicators could not be checked: the source lists no running processes",
    ) in [(n.level, n.message) for n in report.notes]


def test_certificate_and_hash_indicators_say_how_many_apps_they_were_checked_against() -> None:
    signed = dataclasses.replace(app("com.a"), signer=SignerCertificate(sha256="00" * 32), apk_sha256=("11" * 32,))
    hashed = dataclasses.replace(app("com.b"), apk_sha256=("22" * 32,))
    system = dataclasses.replace(app("com.android.x"), system=True)  # not where known stalkerware lives
    report = match_report(_report(signed, hashed, app("com.c"), system), Indicators.bundled())
    assert [(n.level, n.message) for n in report.notes if n.level is NoteLevel.PARTIAL] == [
        (NoteLevel.PARTIAL, "484 certificate indicators were checked against 1 of 3 apps outside the system image; "
         "the others' signer is unknown in this source (audit with --apks, or read an androidqf acquisition)"),
        (NoteLevel.PARTIAL, "3228 APK-hash indicators were checked against 2 of 3 apps outside the system image; "
         "the others' APK hash is unknown in this source (a live collection hashes them on the phone; androidqf "
         "states them)"),
    ]  # fmt: skip
    # Every such app's facts known (a system app's are not needed): nothing to say.
    both = match_report(_report(signed, system), Indicators.bundled())
    assert [n for n in both.notes if n.level is NoteLevel.PARTIAL] == []


def test_a_family_named_by_two_lists_matches_once_per_list() -> None:
    indicators = _custom((IndicatorKind.PACKAGE, "com.fone"))
    report = match_report(_report(app("com.fone")), indicators)
    assert [(m.family, m.list_name) for m in report.apps[0].indicator_matches] == [
        ("TheTruthSpy", "Echap stalkerware-indicators"),
        ("Predator", "pred.stix2"),
    ]
