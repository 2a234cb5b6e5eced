"""APK hashes the phone computed (the plan's ``apk_hashes`` loop), put on the apps they belong to.

A live collection always hashes the APKs of every non-system app on the phone, in one command per user,
so a known stalkerware sample is found by its SHA-256 without pulling the file. An app whose source
already states its hashes (androidqf's ``packages.json``) keeps those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from auditor.analyse.parsed import ParsedDevice
from auditor.model import AppReport
from auditor.sections import APK_HASHES


def with_device_hashes(apps: Sequence[AppReport], parsed: ParsedDevice) -> list[AppReport]:
    """``apps`` with ``apk_sha256`` filled from the phone's own hashes where the source stated none."""
    hashes: dict[tuple[int, str], tuple[str, ...]] = {}
    for user, result in parsed.per_user(APK_HASHES).items():
        for entry in result.packages:
            digests = tuple(dict.fromkeys(f.sha256 for f in entry.files))
            if digests:
                hashes[(entry.user if entry.user is not None else user, entry.package)] = digests
    if not hashes:
        return list(apps)
    return [
        replace(app, apk_sha256=hashes[(app.user, app.package)])
        if not app.apk_sha256 and (app.user, app.package) in hashes
        else app
        for app in apps
    ]
