"""Model objects for tests, with defaults: a test names only the fields it is about.

``apk_facts`` is the one place test APK facts are built (the report, score and fleet tests and the
fleet benchmark all go through it), so a new ``ApkFacts`` field is defaulted here once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.model import ApkFacts, ApkNetworkSecurity, ApkSigning, CleartextReason


def apk_facts(package: str = "com.example.app", **overrides: Any) -> ApkFacts:
    """What static analysis says about a plain app: one launcher activity, no trackers, no signer
    recorded, target SDK 34; every field can be overridden by name."""
    facts = ApkFacts(
        package=package,
        label=None,
        version_code=1,
        version_name="1.0",
        min_sdk=24,
        target_sdk=34,
        split=None,
        shared_user_id=None,
        permissions=(),
        declared_permissions=(),
        components=(),
        debuggable=False,
        allow_backup=True,
        test_only=False,
        network=ApkNetworkSecurity(cleartext_permitted=False, cleartext_reason=CleartextReason.TARGET_SDK_DEFAULT),
        signing=ApkSigning(signer_sha256=None, signer_scheme=None),
        launcher_activities=(f"{package}.Main",),
        hides_launcher_icon=False,
        trackers=(),
        dex_files=1,
        class_count=100,
        janus=False,
    )
    return replace(facts, **overrides)
