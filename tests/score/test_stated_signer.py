"""A signer a source states without the APK (androidqf) pools apps exactly like one read from the APK."""

from __future__ import annotations

from dataclasses import replace

from auditor.model import SignerCertificate
from auditor.score import load_weights, score_app
from auditor.score.device import score_device
from tests.score.builders import allowed, apk, app

W = load_weights()
SIGNER = "5f" * 32


def test_stated_signers_pool_and_apk_facts_win() -> None:
    stated = SignerCertificate(sha256=SIGNER, sha1="aa" * 20)
    a = replace(app("com.vendor.one", allowed("ACCESS_FINE_LOCATION")), signer=stated)
    b = replace(app("com.vendor.two", allowed("READ_CONTACTS")), signer=stated)
    device = score_device([a, b], W, lambda x: score_app(x, W))
    (pool,) = [p for p in device.pools if p.kind == "shared_signer"]
    assert (pool.name, pool.apps) == (SIGNER, ("com.vendor.one@0", "com.vendor.two@0"))
    # The APK's own signer is preferred to a stated one: a repackaged APK shows its real signer.
    analysed = replace(b, apk=apk("com.vendor.two", signer="7e" * 32))
    assert analysed.signer_sha256 == "7e" * 32
    assert not [p for p in score_device([a, analysed], W, lambda x: score_app(x, W)).pools if p.kind == "shared_signer"]


def test_a_package_not_installed_for_its_user_adds_nothing_to_the_device() -> None:
    from auditor.model import AppPresence, AuditReport, DeviceInfo, SourceInfo, SpecialAccessKind
    from auditor.score import score_report
    from tests.score.builders import special

    spy = app("com.spy", allowed("ACCESS_FINE_LOCATION"), specials=(special(SpecialAccessKind.ACCESSIBILITY),))
    report = AuditReport("1.1", "t", SourceInfo("snapshot", "x"), DeviceInfo(), (), (spy,))
    installed = score_report(report).device_exposure
    kept = score_report(replace(report, apps=(replace(spy, presence=AppPresence.NOT_INSTALLED),)))
    assert installed is not None and installed.score > 0
    assert kept.device_exposure is not None and kept.device_exposure.score == 0
    assert kept.apps[0].exposure == score_report(report).apps[0].exposure  # its own reach is still said
