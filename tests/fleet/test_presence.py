"""A package kept only as data (listed by ``pm list packages -u``) is not an install: fleets and policies agree;
a signer stated by androidqf counts like one read from the APK."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.fleet.aggregate import summarise
from auditor.fleet.inputs import InputKind
from auditor.fleet.policy import evaluate
from auditor.fleet.policy_file import parse_policy
from auditor.model import AppPresence, SignerCertificate
from tests.fleet.builders import synthetic, third_party

POLICY = """
[apps]
blocked = ["com.example.flashlight"]
blocked_signers = ["{signer}"]
"""


def test_not_installed_apps_count_nowhere_and_breach_nothing() -> None:
    report = synthetic(1)
    flashlight = next(a for a in third_party(report) if a.package == "com.example.flashlight")
    signer = SignerCertificate(sha256="ab" * 32, sha1="cd" * 20)
    installed = replace(report, apps=tuple(replace(a, signer=signer) if a is flashlight else a for a in report.apps))
    kept = replace(
        installed,
        apps=tuple(replace(a, presence=AppPresence.NOT_INSTALLED) if a is flashlight else a for a in report.apps),
    )
    policy = parse_policy(POLICY.format(signer="ab" * 32), Path("policy.toml"))
    breaches = [(v.rule.value, v.app) for v in evaluate(policy, installed, "dev")]
    assert ("blocked_app", "com.example.flashlight") in breaches
    assert ("blocked_signer", "com.example.flashlight") in breaches  # the stated signer, no APK needed
    assert not [v for v in evaluate(policy, kept, "dev") if v.app == "com.example.flashlight"]
    before = summarise(installed, index=0, source="x", kind=InputKind.AUDIT_JSON, violations=None)
    after = summarise(kept, index=0, source="x", kind=InputKind.AUDIT_JSON, violations=None)
    assert (before.row.apps - after.row.apps, before.row.third_party_apps - after.row.third_party_apps) == (1, 1)
    assert "com.example.flashlight" in {a.package for a in before.apps} - {a.package for a in after.apps}
    assert next(a for a in before.apps if a.package == "com.example.flashlight").signer == "ab" * 32
