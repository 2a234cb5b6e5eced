"""Fixtures for APK tests: every APK is built by ``factory`` at test time, never downloaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.apk import DEFAULT_LIMITS, ApkLimits, load_trackers
from auditor.apk.analyse import analyse_file
from auditor.apk.trackers import TrackerDB
from auditor.model import ApkResult

WriteApk = Callable[..., Path]


@pytest.fixture(scope="session")
def trackers() -> TrackerDB:
    return load_trackers()


@pytest.fixture
def write_apk(tmp_path: Path) -> WriteApk:
    """Write APK bytes to a fresh file under ``tmp_path`` and return its path."""
    counter = iter(range(1_000_000))

    def write(data: bytes, name: str | None = None) -> Path:
        path = tmp_path / (name or f"app{next(counter)}.apk")
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def analyse(write_apk: WriteApk, trackers: TrackerDB) -> Callable[..., ApkResult]:
    """Analyse APK bytes in this process (no worker): the parsers' behaviour, fast."""

    def run(data: bytes, *, limits: ApkLimits = DEFAULT_LIMITS, with_trackers: bool = True) -> ApkResult:
        return analyse_file(write_apk(data), trackers=trackers if with_trackers else None, limits=limits)

    return run
