"""The audit merges APK facts of an ``--apks`` snapshot into its apps, and says what it could not merge.

One collection of the synthetic device over the simulator (with a few APKs broken on purpose) is
audited through the real pipeline, isolated workers included; smaller cases call ``merge_apks`` on
that report with an edited index, analysing in-process for speed.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import pytest

from auditor.acquire.adb import DeviceTarget
from auditor.acquire.apks import ApkSelection
from auditor.acquire.collect import collect
from auditor.acquire.synthetic import SyntheticTruth, generate
from auditor.acquire.synthetic.apks import ApkSpec, build_apk, spec_for, synthetic_apks
from auditor.analyse.apk_merge import base_ref, merge_apks
from auditor.apk import ApkCache, cached_result
from auditor.model import ApkRef, ApkRefStatus, AppReport, AuditReport, NoteLevel, SnapshotManifest
from auditor.pipeline import audit_path
from auditor.report.json_report import report_json
from auditor.simulator import Simulator
from auditor.snapshot import read_snapshot_dir
from tests.simulator.helpers import shared_key

BROKEN = "com.example.retrogame"
"""Its base APK is not an APK at all."""
NEWER = "com.example.camera"
"""Its base APK says a versionCode one higher than dumpsys."""
IMPOSTOR = "com.example.devtool"
"""Its base APK declares another package."""
DAMAGED = "com.example.photoeditor"
"""Its base APK has a second DEX that cannot be read."""


@functools.cache
def device() -> tuple[object, SyntheticTruth]:
    return generate(40, seed=5)


def _base(truth: SyntheticTruth, package: str) -> str:
    return truth.app(package).apk_paths[0]


def _spec(truth: SyntheticTruth, name: str, **changes: object) -> ApkSpec:
    app = truth.app(name)
    spec = spec_for(
        name,
        version_code=app.version_code,
        version_name=app.version_name,
        min_sdk=app.min_sdk,
        target_sdk=app.target_sdk,
        permissions=app.requested_permissions,
        system=False,
    )
    return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]


def _files(truth: SyntheticTruth) -> dict[str, bytes]:
    files = synthetic_apks(truth)
    files[_base(truth, BROKEN)] = b"this is not an APK\n"
    files[_base(truth, NEWER)] = build_apk(_spec(truth, NEWER, version_code=truth.app(NEWER).version_code + 1))
    files[_base(truth, IMPOSTOR)] = build_apk(_spec(truth, IMPOSTOR, package="com.example.impostor"))
    files[_base(truth, DAMAGED)] = build_apk(
        _spec(truth, DAMAGED, extra=(("classes2.dex", b"dex\n035\0" + b"\xff" * 64),))
    )
    return files


def _collect(out: Path, cache: ApkCache) -> SnapshotManifest:
    snapshot, truth = device()
    with Simulator(snapshot, auth="accept", known_keys=[shared_key().public_line], files=_files(truth)) as sim:  # type: ignore[arg-type]
        return collect(
            DeviceTarget.tcp(sim.address), out, key=shared_key(), apks=ApkSelection.THIRD_PARTY, apk_cache=cache
        )


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditReport, Path, ApkCache]:
    root = tmp_path_factory.mktemp("apk-merge")
    cache = ApkCache(root / "cache")
    manifest = _collect(root / "snap", cache)
    assert manifest.complete and manifest.apks
    return audit_path(root / "snap", apk_cache=cache), root, cache  # isolated workers, as in real use


def _app(report: AuditReport, package: str, user: int = 0) -> AppReport:
    return next(a for a in report.apps if a.package == package and a.user == user)


def _apk_notes(app: AppReport) -> list[str]:
    return [n.message for n in app.notes if n.section == "apks"]


# -- the merged report --------------------------------------------------------------------------------


def test_third_party_apps_get_their_apk_facts(audited: tuple[AuditReport, Path, ApkCache]) -> None:
    report, _root, _cache = audited
    _snapshot, truth = device()
    stalker = _app(report, "com.example.stalker")
    assert stalker.apk is not None
    assert (stalker.apk.package, stalker.apk.label, stalker.apk.hides_launcher_icon) == (
        "com.example.stalker",
        "System Sync",
        True,
    )
    assert stalker.apk.version_code == stalker.version_code and _apk_notes(stalker) == []
    assert "AUD-HIDDEN-001" in {f.rule_id for f in stalker.findings}  # scoring sees the hidden icon

    flashlight = _app(report, "com.example.flashlight")
    assert flashlight.apk is not None and not flashlight.apk.hides_launcher_icon
    assert {t.name for t in flashlight.apk.trackers} == {"Google AdMob", "Facebook Analytics", "AppsFlyer"}
    assert flashlight.apk.signing.signer_sha256 is not None

    # Every user of a package gets the same facts; system apps get none (not selected).
    in_owner = {a.package for a in truth.apps if a.user == 0}
    both = [a.package for a in truth.apps if not a.system and a.user == 10 and a.package in in_owner]
    assert both
    for package in both:
        assert _app(report, package, 0).apk == _app(report, package, 10).apk is not None
    for app in report.apps:
        if app.system:
            assert app.apk is None and _apk_notes(app) == []


def test_scoring_sees_tracker_pools(audited: tuple[AuditReport, Path, ApkCache]) -> None:
    report, _root, _cache = audited
    assert report.device_exposure is not None
    pools = {p.name: p for p in report.device_exposure.pools if p.kind == "tracker_sdk"}
    assert "Google AdMob" in pools
    assert {"com.example.flashlight@0", "com.example.retrogame@0"} - set(pools["Google AdMob"].apps) == {
        "com.example.retrogame@0"  # its APK is broken: its SDKs are unknown, not absent
    }
    assert len(pools["Google AdMob"].apps) >= 2
    assert any(r.rule.startswith("pool.") for r in report.device_exposure.reasons)


def test_broken_and_disagreeing_apks_add_notes(audited: tuple[AuditReport, Path, ApkCache]) -> None:
    report, _root, _cache = audited
    broken = _app(report, BROKEN)
    assert broken.apk is None
    (note,) = [n for n in broken.notes if n.section == "apks"]
    assert note.level is NoteLevel.PARTIAL and "could not be analysed" in note.message and "not_a_zip" in note.message

    newer = _app(report, NEWER)
    assert newer.apk is not None and newer.apk.version_code == (newer.version_code or 0) + 1
    assert any("versionCode" in m for m in _apk_notes(newer))

    impostor = _app(report, IMPOSTOR)
    assert impostor.apk is None and any("another package" in m for m in _apk_notes(impostor))

    damaged = _app(report, DAMAGED)
    assert damaged.apk is not None and any("read only in part" in m and "bad_dex" in m for m in _apk_notes(damaged))

    summary = [n for n in report.notes if n.section == "apks" and n.message.startswith("APK facts for")]
    assert len(summary) == 1 and summary[0].level is NoteLevel.PARTIAL and "2 without" in summary[0].message


def test_the_report_json_carries_apk_facts(audited: tuple[AuditReport, Path, ApkCache]) -> None:
    report, _root, _cache = audited
    data = json.loads(report_json(report))
    stalker = next(a for a in data["apps"] if a["package"] == "com.example.stalker" and a["user"] == 0)
    assert stalker["apk"]["label"] == "System Sync" and stalker["apk"]["hides_launcher_icon"] is True
    assert data["source"]["snapshot_sha256"]


def test_results_are_cached_and_a_cached_only_snapshot_still_merges(
    audited: tuple[AuditReport, Path, ApkCache], tmp_path: Path
) -> None:
    report, root, cache = audited
    index = read_snapshot_dir(root / "snap").manifest.apks
    stalker_ref = base_ref([r for r in index if r.package == "com.example.stalker"])
    assert stalker_ref is not None and stalker_ref.sha256 is not None
    assert cached_result(stalker_ref.sha256, cache) is not None
    # A second collection with this cache pulls nothing; its audit takes every fact from the cache.
    again = _collect(tmp_path / "again", cache)
    assert {r.status for r in again.apks} == {ApkRefStatus.CACHED}
    second = audit_path(tmp_path / "again", apk_cache=cache)
    assert _app(second, "com.example.stalker").apk == _app(report, "com.example.stalker").apk
    # Without that cache (another computer), the facts are missing and the notes say why.
    elsewhere = audit_path(tmp_path / "again", apk_cache=ApkCache(tmp_path / "other-cache"))
    stalker = _app(elsewhere, "com.example.stalker")
    assert stalker.apk is None and any("collect again with --apks" in m for m in _apk_notes(stalker))


# -- merge_apks on edited indexes ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain(audited: tuple[AuditReport, Path, ApkCache]) -> tuple[AuditReport, tuple[ApkRef, ...], Path]:
    """The same snapshot audited without merging, and its index."""
    _report, root, cache = audited
    report = audit_path(root / "snap", apk_cache=cache, merge_apks=False)
    assert all(a.apk is None for a in report.apps)
    return report, read_snapshot_dir(root / "snap").manifest.apks, root / "snap"


def _only(index: tuple[ApkRef, ...], package: str) -> list[ApkRef]:
    return [r for r in index if r.package == package]


def test_no_index_changes_nothing(plain: tuple[AuditReport, tuple[ApkRef, ...], Path]) -> None:
    report, _index, snap = plain
    assert merge_apks(report, (), snap, cache=None) is report


def test_failed_and_unclear_bases_are_noted(
    plain: tuple[AuditReport, tuple[ApkRef, ...], Path], tmp_path: Path
) -> None:
    report, index, snap = plain
    cache = ApkCache(tmp_path / "cache")
    stalker = _only(index, "com.example.stalker")
    failed = [
        dataclasses.replace(r, status=ApkRefStatus.FAILED, sha256=None, error="cannot pull: EIO") for r in stalker
    ]
    merged = merge_apks(report, failed, snap, cache=cache, isolate=False)
    assert any("not pulled (cannot pull: EIO)" in m for m in _apk_notes(_app(merged, "com.example.stalker")))

    # Two APKs and neither is base.apk: the base is not guessed.
    splits_only = [r for r in index if r.package == "com.example.flashlight" and not r.path.endswith("base.apk")]
    assert len({r.path for r in splits_only}) >= 2
    merged = merge_apks(report, splits_only, snap, cache=cache, isolate=False)
    flashlight = _app(merged, "com.example.flashlight")
    assert flashlight.apk is None and any("none is base.apk" in m for m in _apk_notes(flashlight))


def test_a_cached_ref_missing_from_the_cache_and_an_altered_file(
    plain: tuple[AuditReport, tuple[ApkRef, ...], Path], tmp_path: Path
) -> None:
    report, index, snap = plain
    cache = ApkCache(tmp_path / "cache")
    cached = [dataclasses.replace(r, status=ApkRefStatus.CACHED) for r in _only(index, "com.example.keyboard")]
    merged = merge_apks(report, cached, tmp_path / "no-such-snapshot", cache=cache, isolate=False)
    assert any("collect again" in m for m in _apk_notes(_app(merged, "com.example.keyboard")))

    # A stored file whose bytes no longer match its name (edited after collection) is not trusted.
    copy = tmp_path / "snap"
    (copy / "apks").mkdir(parents=True)
    maps = _only(index, "com.example.maps")
    base = base_ref(maps)
    assert base is not None and base.sha256 is not None
    (copy / "apks" / f"{base.sha256}.apk").write_bytes((snap / "apks" / f"{base.sha256}.apk").read_bytes() + b"x")
    merged = merge_apks(report, maps, copy, cache=cache, isolate=False)
    app = _app(merged, "com.example.maps")
    assert app.apk is None and any("altered" in m for m in _apk_notes(app))

    # The intact file, analysed in this process, merges.
    merged = merge_apks(report, maps, snap, cache=cache, isolate=False)
    assert _app(merged, "com.example.maps").apk is not None
