"""One device, one answer: the synthetic phone as a snapshot, a bug report (zip and folder) and an androidqf
acquisition (folder, zip, encrypted zip) audits to the same apps, grants, special accesses and scores.

Where a form lacks data, the difference must be exactly what its notes say, and nothing else. Each lack is
written here as a change of the snapshot's report (``_lacking``) tied to the note that announces it; the
changed report is scored again and must equal the form's report field by field:

* bug reports and androidqf hold the full ``dumpsys package``, without ``requested permissions:`` — note
  "no per-package dump: permissions requested but never granted are not known": rows known only from the
  request list go, and ``requested`` is known only for runtime grants;
* a bug report holds no ``settings`` — note "settings_secure: not in this source …": accesses only settings
  show (input methods, the default IME, the legacy dialer setting) go, and settings leave the evidence;
* androidqf reads settings for user 0 only — its note says so: the same, for the work profile only;
* neither holds the discrete access history — note "appops_discrete: not in this source …": the events and
  totals are those of the regular app-op dump alone (the snapshot audited without its history).

What androidqf adds (each APK's SHA-256 and signer, from ``packages.json``) is checked on its own, against
the APKs the synthetic phone serves and the auditor's own APK reader.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pytest
from pyrage import x25519

from auditor.acquire.agefile import AgeKey
from auditor.acquire.synthetic import SyntheticTruth, generate, write_synthetic
from auditor.acquire.synthetic.apks import synthetic_apks
from auditor.acquire.synthetic.forms import Form, write_forms
from auditor.apk import analyse_apk
from auditor.model import (
    AppReport,
    AuditReport,
    DeviceState,
    Note,
    NoteLevel,
    PermissionKind,
    Section,
    Snapshot,
    SpecialAccessReport,
)
from auditor.pipeline import audit_path, audit_snapshot
from auditor.score import score_report
from auditor.snapshot import read_snapshot_dir

N_APPS = 60
SEED = 5
NO_REQUESTED = "no per-package dump: permissions requested but never granted are not known"
SETTINGS_MISSING = "not in this source: settings-based special accesses (input methods, VPN, listeners) are unknown"
SETTINGS_USER_0 = "androidqf lists packages and reads settings for user 0 only"
NO_HISTORY = "not in this source: the discrete access history (Android 12+) is unknown"


@dataclass(frozen=True)
class Forms:
    snapshot: AuditReport
    reports: dict[Form, AuditReport]
    truth: SyntheticTruth
    without_history: AuditReport
    """The snapshot audited without its discrete access history: what a form lacking the history must equal."""


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Forms:
    root = tmp_path_factory.mktemp("forms")
    identity = x25519.Identity.generate()
    paths = write_forms(root, n_apps=N_APPS, seed=SEED, recipient=str(identity.to_public()))
    write_synthetic(root / "snapshot", N_APPS, seed=SEED)
    key = AgeKey("test identity", (str(identity),))
    reports = {form: audit_path(path, key=key, merge_apks=False) for form, path in paths.items()}
    _, truth = generate(N_APPS, seed=SEED)
    snap = read_snapshot_dir(root / "snapshot")
    kept = tuple(c for c in snap.manifest.commands if c.section is not Section.APPOPS_DISCRETE)
    without = audit_snapshot(Snapshot(replace(snap.manifest, commands=kept), snap.outputs, snap.path), merge_apks=False)
    return Forms(audit_path(root / "snapshot", merge_apks=False), reports, truth, without)


# --------------------------------------------------------------------------------------------------
# What each form lacks, as a change of the snapshot's report
# --------------------------------------------------------------------------------------------------


def _has(report: AuditReport, section: str, message: str) -> bool:
    return any(n.section == section and n.message.startswith(message) for n in report.notes)


def _without_requested(app: AppReport, truth: SyntheticTruth) -> AppReport:
    """A full package dump: no request list, so ``requested`` is known only where a runtime grant is printed (the
    analysis takes a shared user's grant as the package's request too), and rows come in the dump's order
    (runtime grants, then install permissions) instead of the request's."""
    known = next(t for t in truth.apps if (t.user, t.package) == (app.user, app.package))
    printed = list(dict.fromkeys(p.name for p in known.runtime_permissions + known.install_permissions))
    by_name = {p.name: p for p in app.permissions}
    rows = tuple(
        replace(p, requested=True if p.kind is PermissionKind.RUNTIME else None)
        for p in (by_name[name] for name in printed if name in by_name)
    )
    return replace(app, permissions=rows)


def _without_settings(app: AppReport) -> AppReport:
    """Accesses only settings show are gone; settings leave the evidence of the others."""
    kept: list[SpecialAccessReport] = []
    for s in app.special_access:
        evidence = [e for e in s.evidence.split("; ") if not e.startswith("settings secure")]
        if evidence:
            kept.append(replace(s, evidence="; ".join(evidence)))
    return replace(app, special_access=tuple(kept))


def _lacking(form: Form, f: Forms) -> AuditReport:
    got = f.reports[form]
    lacks: list[Callable[[AppReport], AppReport]] = []
    if _has(got, "dumpsys_package", NO_REQUESTED):
        lacks.append(lambda a: _without_requested(a, f.truth))
    if _has(got, "settings_secure", SETTINGS_MISSING):
        lacks.append(_without_settings)
    if _has(got, "androidqf", SETTINGS_USER_0):
        lacks.append(lambda a: _without_settings(a) if a.user != 0 else a)
    base = f.without_history if _has(got, "appops_discrete", NO_HISTORY) else f.snapshot
    stated = {(a.user, a.package): a for a in got.apps}
    apps = []
    for app in base.apps:
        for lack in lacks:
            app = lack(app)
        # What androidqf adds, checked in test_androidqf_states_what_the_apks_say.
        added = stated[(app.user, app.package)]
        app = replace(app, signer=added.signer, apk_sha256=added.apk_sha256)
        # A stated signer also says how an app is known to be platform-signed. The origin must agree; only the
        # fact it is read from differs: the stated signer, or the dump's hash.
        if app.provenance is not None and added.provenance is not None and added.origin is app.origin:
            told = added.provenance
            if app.provenance.platform_signature is not None and told.platform_signature is not None:
                provenance = replace(app.provenance, basis=told.basis, platform_signature=told.platform_signature)
                app = replace(app, provenance=provenance)
        apps.append(app)
    # The phone's own facts (settings, getenforce, the root check) are what the form holds: what it lacks there
    # is unknown, so the phone-settings part of the device exposure counts only what the form says.
    return score_report(replace(base, apps=tuple(apps), device_state=_device_state_lacking(f, got)))


def _device_state_lacking(f: Forms, got: AuditReport) -> DeviceState | None:
    """The snapshot's device state, with each fact the form does not hold set to unknown (``None``)."""
    mine, theirs = f.snapshot.device_state, got.device_state
    if mine is None or theirs is None:
        return theirs
    unknown = {k.name: None for k in fields(DeviceState) if getattr(theirs, k.name) is None}
    return replace(mine, **unknown)


def _apps(report: AuditReport) -> dict[tuple[int, str], AppReport]:
    return {(a.user, a.package): replace(a, notes=()) for a in report.apps}


@pytest.mark.parametrize("form", list(Form), ids=[f.value for f in Form])
def test_every_form_audits_to_the_same_device_but_what_its_notes_say(forms: Forms, form: Form) -> None:
    got = forms.reports[form]
    expected = _lacking(form, forms)
    assert got.users == forms.snapshot.users
    assert got.device == forms.snapshot.device
    got_apps, expected_apps = _apps(got), _apps(expected)
    assert got_apps.keys() == expected_apps.keys()
    for key, app in expected_apps.items():
        assert got_apps[key] == app, key
    assert got.device_exposure == expected.device_exposure
    assert got.device_state is not None and forms.snapshot.device_state is not None
    assert got.device_state.adb_host_keys == forms.snapshot.device_state.adb_host_keys


def test_each_form_says_exactly_what_it_lacks(forms: Forms) -> None:
    def said(report: AuditReport) -> set[tuple[str, NoteLevel, str]]:
        return {(n.section, n.level, n.message[:60]) for n in report.notes}

    # Every report says once that the indicator lists' network indicators match nothing in an audit, and
    # that its certificate indicators found no signer to check (a snapshot without --apks has none; the phone
    # hashed the APKs of every app outside the system image).
    assert [(n.section, n.level) for n in forms.snapshot.notes] == [
        ("indicators", NoteLevel.INFO),
        ("indicators", NoteLevel.PARTIAL),
    ]
    bugreport = said(forms.reports[Form.BUGREPORT_ZIP])
    assert {(s, level) for s, level, _ in bugreport} == {
        ("bugreport", NoteLevel.INFO),  # the package dump lacks requests; what is not interpreted
        ("dumpsys_package", NoteLevel.PARTIAL),
        ("settings_secure", NoteLevel.MISSING),
        ("root_binaries", NoteLevel.MISSING),
        ("processes", NoteLevel.MISSING),
        ("appops_discrete", NoteLevel.MISSING),
        ("selinux", NoteLevel.MISSING),
        ("indicators", NoteLevel.INFO),
        ("indicators", NoteLevel.PARTIAL),
    }
    assert said(forms.reports[Form.BUGREPORT_FOLDER]) == bugreport
    androidqf = said(forms.reports[Form.ANDROIDQF_FOLDER])
    assert {(s, level) for s, level, _ in androidqf} == {
        ("androidqf", NoteLevel.INFO),
        ("dumpsys_package", NoteLevel.PARTIAL),
        ("appops_discrete", NoteLevel.MISSING),
        ("selinux", NoteLevel.MISSING),
        ("indicators", NoteLevel.INFO),
        ("indicators", NoteLevel.PARTIAL),
    }
    for form in (Form.ANDROIDQF_ZIP, Form.ANDROIDQF_AGE):
        assert said(forms.reports[form]) == androidqf
    unread = [n for n in forms.reports[Form.ANDROIDQF_FOLDER].notes if n.message.startswith("holds parts")]
    assert unread == [
        Note(
            "androidqf",
            NoteLevel.INFO,
            "holds parts the auditor does not interpret (not looked at, so no claim about them): "
            "1 dumpsys services (battery); 1 files (logcat.txt)",
        )
    ]


def test_the_lacks_are_real(forms: Forms) -> None:
    """The comparison is not vacuous: each lack changes the report, and a score with it."""
    snapshot = _apps(forms.snapshot)
    bugreport = _apps(forms.reports[Form.BUGREPORT_ZIP])
    latin = (0, "com.google.android.inputmethod.latin")
    assert {s.kind.value for s in snapshot[latin].special_access} == {"input_method", "default_input_method"}
    assert bugreport[latin].special_access == ()
    assert snapshot[latin].exposure != bugreport[latin].exposure
    androidqf = _apps(forms.reports[Form.ANDROIDQF_FOLDER])
    assert androidqf[latin].special_access == snapshot[latin].special_access  # user 0's settings are there
    work_latin = (10, "com.google.android.inputmethod.latin")
    assert androidqf[work_latin].special_access == ()
    rows = [p for app in bugreport.values() for p in app.permissions]
    assert {p.requested for p in rows} == {True, None}


def test_androidqf_states_what_the_apks_say(forms: Forms, tmp_path: Path) -> None:
    """packages.json's SHA-256s are those of the APKs the phone serves; its signer is the one the auditor's own
    APK reader finds in them."""
    served = synthetic_apks(forms.truth, include_system=True)
    got = _apps(forms.reports[Form.ANDROIDQF_AGE])
    stalker = next(t for t in forms.truth.apps if t.package == "com.example.stalker" and t.user == 0)
    app = got[(0, stalker.package)]
    assert app.apk_sha256 == tuple(hashlib.sha256(served[p]).hexdigest() for p in stalker.apk_paths)
    base = tmp_path / "base.apk"
    base.write_bytes(served[stalker.apk_paths[0]])
    facts = analyse_apk(base, isolate=False).facts
    assert facts is not None and app.signer is not None
    assert app.signer.sha256 == facts.signing.signer_sha256
    assert app.signer.subject == "CN=Developer of com.example.stalker"
    assert app.signer.sha1 is not None and len(app.signer.sha1) == 40
    # Only user 0's packages are listed with their files (androidqf asks `pm path` for user 0).
    work_only = [t for t in forms.truth.apps if t.user == 10 and (0, t.package) not in got]
    assert work_only and all(got[(10, t.package)].apk_sha256 == () for t in work_only)


def test_synth_writes_every_form(tmp_path: Path) -> None:
    from auditor.cli import SynthForm
    from tests.test_cli import run

    assert [f.value for f in SynthForm] == [f.value for f in Form]
    written = run("synth", str(tmp_path / "br"), "--apps", "31", "--form", "bugreport-folder")
    assert written.returncode == 0, written.stderr
    assert "Synthetic bugreport-folder with 31 apps written to" in written.stdout
    assert (tmp_path / "br" / "bugreport" / "main_entry.txt").is_file()
    no_key = run("synth", str(tmp_path / "age"), "--apps", "31", "--form", "androidqf-age")
    bad_key = run("synth", str(tmp_path / "age"), "--apps", "31", "--form", "androidqf-age", "--recipient", "age1x")
    for result in (no_key, bad_key):
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
