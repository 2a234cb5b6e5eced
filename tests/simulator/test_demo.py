"""The demo's acquisition: the synthetic device collected over the real protocol."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.acquire.plan import full_plan
from auditor.model import CommandStatus
from auditor.simulator.demo import collect_demo
from auditor.snapshot import read_snapshot_dir, write_snapshot_dir


def test_demo_collects_the_synthetic_device(tmp_path: Path) -> None:
    synthetic = pytest.importorskip("auditor.acquire.synthetic")
    snapshot, _truth = synthetic.generate(60, seed=3)
    manifest = collect_demo(snapshot, tmp_path / "snap", apks=None)
    assert manifest.complete and manifest.source == "adb-tcp"
    assert [c.id for c in manifest.commands] == [c.id for c in full_plan(manifest.users)]
    assert all(c.status is CommandStatus.OK for c in manifest.commands)
    collected = read_snapshot_dir(tmp_path / "snap")
    for rec in manifest.commands:
        assert collected.outputs[rec.id] == snapshot.outputs[rec.id]
    assert manifest.device.model == snapshot.manifest.device.model


def test_demo_from_a_snapshot_directory_leaves_home_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.simulator.fixture import build_snapshot

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ANDROID_USER_HOME", raising=False)
    monkeypatch.delenv("ANDROID_SDK_HOME", raising=False)
    write_snapshot_dir(tmp_path / "device", build_snapshot(5, users=(0, 10)))
    manifest = collect_demo(tmp_path / "device", tmp_path / "snap", apks=None)
    assert manifest.complete and manifest.users == (0, 10)
    assert not (tmp_path / "home").exists()  # the demo's key lives in memory only
