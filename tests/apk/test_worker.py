"""Worker isolation: time limit, memory cap, a dying worker, recycling, and result transport."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from auditor.apk import ApkLimits, analyse_apk, analyse_apks, load_trackers, worker
from auditor.apk.analyse import analyse_file
from auditor.apk.worker import Job, _Child, run_one
from auditor.model import ApkIssueKind, ApkResult, ApkStatus
from auditor.serial import from_data, to_data
from tests.apk import factory
from tests.apk.conftest import WriteApk

MiB = 1024 * 1024


def test_worker_result_equals_in_process_result(write_apk: WriteApk) -> None:
    signer = factory.make_signer()
    path = write_apk(
        factory.build_apk(classes=["com.example.app.Main", "com.facebook.ads.AdView"], v1=signer, v2=signer)
    )
    isolated = analyse_apk(path)
    local = analyse_apk(path, isolate=False)
    assert isolated == local
    assert isolated.status is ApkStatus.OK


def test_timeout_kills_the_worker(write_apk: WriteApk, tmp_path: Path) -> None:
    """A custom tracker list with a catastrophic regex makes matching never finish."""
    doc = {"trackers": {"1": {"id": 1, "name": "Slow", "code_signature": "(x+x+)+y", "categories": []}}}
    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps(doc))
    path = write_apk(factory.build_apk(classes=["x" * 40 + ".A"]))
    result = analyse_apk(path, trackers=load_trackers(slow), limits=ApkLimits(timeout_s=1.0))
    assert result.status is ApkStatus.SKIPPED
    assert [(i.kind, i.message) for i in result.issues] == [
        (ApkIssueKind.TIMEOUT, "analysis took longer than 1 s and was stopped")
    ]
    assert result.sha256 is not None and result.size == path.stat().st_size


def test_memory_cap(write_apk: WriteApk) -> None:
    bomb = factory.deflate_zeros(512 * MiB)
    apk = factory.build_apk(
        classes=[["com.example.app.Main"], []], entry_options={"classes2.dex": {"raw_deflate": bomb}}
    )
    limits = ApkLimits(
        memory_bytes=160 * MiB, max_dex_bytes=1024 * MiB, max_total_inflated_bytes=2048 * MiB, timeout_s=60
    )
    result = analyse_apk(write_apk(apk), limits=limits)
    assert result.status is ApkStatus.SKIPPED
    assert [(i.kind, i.message) for i in result.issues] == [
        (ApkIssueKind.MEMORY, "analysis needed more than the 160 MiB allowed")
    ]


def test_a_dead_worker_is_a_crash_result(write_apk: WriteApk) -> None:
    path = write_apk(factory.build_apk())
    child = _Child(ApkLimits(), None, False)
    child.proc.kill()
    child.proc.wait()
    result, reusable = run_one(child, Job(0, str(path), "0" * 64, 10), ApkLimits())
    assert reusable is False
    assert result.status is ApkStatus.SKIPPED
    assert [(i.kind, i.message) for i in result.issues] == [
        (ApkIssueKind.CRASH, "the worker died from signal 9 (often the memory cap)")
    ]


def test_workers_are_recycled_and_order_is_kept(write_apk: WriteApk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "RECYCLE_AFTER", 1)
    paths = [write_apk(factory.build_apk(factory.manifest(f"com.app{i}"))) for i in range(5)]
    seen: list[ApkResult] = []
    results = analyse_apks(paths, jobs=2, progress=seen.append)
    assert [r.facts.package for r in results if r.facts] == [f"com.app{i}" for i in range(5)]
    assert sorted(r.path for r in seen) == sorted(str(p) for p in paths)


def test_results_survive_the_json_round_trip(write_apk: WriteApk) -> None:
    signer = factory.make_signer()
    apk = factory.build_apk(
        factory.manifest(
            permissions=["android.permission.CAMERA", ("android.permission.WRITE_EXTERNAL_STORAGE", 28)],
            components=[factory.activity(".Main", factory.LAUNCHER, exported=True)],
        ),
        classes=["com.example.app.Main", "com.appsflyer.X"],
        v1=signer,
        v3=signer,
    )
    result = analyse_file(write_apk(apk), trackers=load_trackers(), limits=ApkLimits())
    assert from_data(ApkResult, json.loads(json.dumps(to_data(result)))) == result


@pytest.mark.parametrize(
    "data",
    [None, [], {"path": 1}, {"path": "p", "sha256": None, "size": None, "status": "weird", "facts": None}],
)
def test_decoding_rejects_malformed_results(data: object) -> None:
    with pytest.raises(ValueError):
        from_data(ApkResult, data)


def test_identical_files_are_analysed_once(write_apk: WriteApk) -> None:
    data = factory.build_apk()
    paths = [
        write_apk(data, "a.apk"),
        write_apk(factory.build_apk(factory.manifest("other.app"))),
        write_apk(data, "b.apk"),
    ]
    seen: list[str] = []
    results = analyse_apks(paths, jobs=1, progress=lambda r: seen.append(r.path))
    assert [r.path for r in results] == [str(p) for p in paths]
    assert results[0] == dataclasses.replace(results[2], path=str(paths[0]))
    assert sorted(seen) == sorted(str(p) for p in paths)
