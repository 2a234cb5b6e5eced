"""Packages named outside the package data are kept: the accessibility service of an unlisted package.

The real bug report (../shared/real-devices/mvt-tests/android_data/bugreport, Samsung A40, Android 10)
has no accessibility section; MVT's Android 14 accessibility capture (dumpsys_accessibility_v14_or_later.txt,
read by eye) enables ``com.malware.accessibility/com.malware.service.malwareservice``, a package no package
list of that device names. Here the capture's ``DUMP OF SERVICE accessibility`` joins the dumpstate, as one
bug report would hold both: before, the service was dropped without a word.
"""

from __future__ import annotations

from pathlib import Path

from auditor.model import AppPresence, Confidence, InstallSource, NoteLevel, Severity, SpecialAccessKind
from auditor.pipeline import audit_path
from auditor.score.scope import AppliesTo, AppOrigin, app_origin, applies
from tests.realdata import real_file

MALWARE = "com.malware.accessibility"
SERVICE = "com.malware.accessibility/com.malware.service.malwareservice"


def _bugreport_with_accessibility(tmp_path: Path) -> Path:
    folder = tmp_path / "bugreport"
    folder.mkdir()
    real = real_file("mvt-tests/android_data/bugreport")
    (folder / "main_entry.txt").write_bytes((real / "main_entry.txt").read_bytes())
    accessibility = real_file("mvt-tests/android_data/dumpsys_accessibility_v14_or_later.txt").read_bytes()
    (folder / "dumpstate.txt").write_bytes((real / "dumpstate.txt").read_bytes() + accessibility + b"\n")
    return folder


def test_the_accessibility_service_of_an_unlisted_package_is_a_high_finding(tmp_path: Path) -> None:
    report = audit_path(_bugreport_with_accessibility(tmp_path))
    app = next(a for a in report.apps if a.package == MALWARE)
    assert (app.presence, app.user, app.uid, app.system, app.install_source) == (
        AppPresence.UNLISTED,
        0,
        None,
        False,
        InstallSource.UNKNOWN,
    )
    assert [(s.kind, s.detail, s.evidence) for s in app.special_access] == [
        (SpecialAccessKind.ACCESSIBILITY, SERVICE, "dumpsys accessibility: Enabled services")
    ]
    # Its system flag is unknown and it cannot be shown to be part of the system image: third-party rules apply.
    assert app_origin(app) is AppOrigin.INSTALLED and applies(AppliesTo.THIRD_PARTY, app)
    (finding,) = app.findings
    assert (finding.rule_id, finding.severity, finding.confidence) == ("AUD-A11Y-001", Severity.HIGH, Confidence.HIGH)
    assert finding.evidence == (f"special accessibility_service {SERVICE} (dumpsys accessibility: Enabled services)",)
    assert app.exposure is not None and app.exposure.score > 0
    assert report.device_exposure is not None
    assert any(r.rule == "device.master_keys" and f"{MALWARE}@0" in r.text for r in report.device_exposure.reasons)
    note = next(n for n in report.notes if n.section == "package data")
    assert note.level is NoteLevel.PARTIAL
    assert note.message.startswith("12 apps are named by app-ops, special accesses or settings")
    assert "2 of them with special accesses" in note.message  # the service, and Firefox's install-unknown-apps
