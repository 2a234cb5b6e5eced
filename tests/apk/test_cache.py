"""The SHA-256 cache: hits, misses by context, corrupt entries, and what is never stored."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

import auditor.apk as apk_api
from auditor.apk import ApkCache, ApkLimits, analyse_apks, cached_result, default_cache_dir
from auditor.apk.analyse import skipped
from auditor.apk.cache import cache_context
from auditor.model import ApkIssueKind, ApkResult, ApkStatus
from tests.apk import factory
from tests.apk.conftest import WriteApk

SHA = "a" * 64


def _result(**kw: object) -> ApkResult:
    base = skipped("/x/app.apk", ApkIssueKind.NOT_A_ZIP, "no end-of-central-directory record", sha256=SHA, size=3)
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_round_trip_and_path_substitution(tmp_path: Path) -> None:
    cache = ApkCache(tmp_path / "c")
    assert cache.put(_result(), "ctx") is True
    assert cache.get(SHA, "ctx", path="/elsewhere/copy.apk") == _result(path="/elsewhere/copy.apk")
    assert cache.get(SHA, "ctx") == _result()
    assert [p.name for p in (tmp_path / "c").iterdir()] == [f"{SHA}.json"]
    assert oct((tmp_path / "c").stat().st_mode & 0o777) == "0o700"


def test_other_context_or_sha_is_a_miss(tmp_path: Path) -> None:
    cache = ApkCache(tmp_path)
    cache.put(_result(), "ctx")
    assert cache.get(SHA, "other") is None
    assert cache.get("b" * 64, "ctx") is None


def test_machine_dependent_results_are_not_stored(tmp_path: Path) -> None:
    cache = ApkCache(tmp_path)
    for kind in (ApkIssueKind.TIMEOUT, ApkIssueKind.MEMORY, ApkIssueKind.CRASH, ApkIssueKind.UNREADABLE):
        assert cache.put(skipped("/p", kind, "m", sha256=SHA), "ctx") is False
    assert cache.put(skipped("/p", ApkIssueKind.NOT_A_ZIP, "m", sha256=None), "ctx") is False
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[]", b'{"format": 1, "context": "ctx", "result": {"path": 3}}', b'{"format": 99}'],
)
def test_corrupt_entries_are_misses(tmp_path: Path, content: bytes) -> None:
    (tmp_path / f"{SHA}.json").write_bytes(content)
    assert ApkCache(tmp_path).get(SHA, "ctx") is None


def test_entry_for_another_sha_inside_is_a_miss(tmp_path: Path) -> None:
    cache = ApkCache(tmp_path)
    cache.put(_result(sha256="b" * 64), "ctx")
    os.replace(tmp_path / f"{'b' * 64}.json", tmp_path / f"{SHA}.json")
    assert cache.get(SHA, "ctx") is None


def test_keys_must_be_sha256(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a SHA-256"):
        ApkCache(tmp_path).get("../../etc/passwd", "ctx")


def test_default_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "auditor" / "apk"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "auditor" / "apk"


def test_context_digest_is_stable() -> None:
    assert cache_context("1", "abc") == cache_context("1", "abc")
    assert cache_context("1", "abc") != cache_context("1", "abd")


def test_an_unchanged_apk_is_never_analysed_twice(
    write_apk: WriteApk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ApkCache(tmp_path / "cache")
    first = write_apk(factory.build_apk(classes=["com.example.app.Main", "com.appsflyer.A"]), "first.apk")
    (r1,) = analyse_apks([first], cache=cache, isolate=False)
    assert r1.status is ApkStatus.OK

    def no_analysis(*_a: object, **_k: object) -> ApkResult:
        raise AssertionError("analysed again")

    monkeypatch.setattr(apk_api, "analyse_file", no_analysis)
    monkeypatch.setattr(apk_api, "run_jobs", no_analysis)
    copy = write_apk(first.read_bytes(), "copy.apk")
    (r2,) = analyse_apks([copy], cache=cache)
    assert r2 == dataclasses.replace(r1, path=str(copy))


def test_new_limits_or_trackers_rerun_the_analysis(write_apk: WriteApk, tmp_path: Path) -> None:
    cache = ApkCache(tmp_path / "cache")
    path = write_apk(factory.build_apk())
    analyse_apks([path], cache=cache, isolate=False)
    doc = json.loads(next((tmp_path / "cache").iterdir()).read_text())
    analyse_apks([path], cache=cache, isolate=False, limits=ApkLimits(timeout_s=5))
    doc2 = json.loads(next((tmp_path / "cache").iterdir()).read_text())
    assert doc["context"] != doc2["context"]


def test_unwritable_cache_keeps_the_results(write_apk: WriteApk, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    path = write_apk(factory.build_apk())
    (result,) = analyse_apks([path], cache=ApkCache(blocker / "apk"), isolate=False)
    assert result.status is ApkStatus.OK


def test_cached_result_by_sha_alone(write_apk: WriteApk, tmp_path: Path) -> None:
    """What a live collection asks before pulling an APK off a device."""
    cache = ApkCache(tmp_path / "cache")
    path = write_apk(factory.build_apk())
    (result,) = analyse_apks([path], cache=cache, isolate=False)
    assert result.sha256 is not None
    assert cached_result(result.sha256.upper(), cache) == result
    assert cached_result(result.sha256, cache, limits=ApkLimits(timeout_s=1)) is None
    assert cached_result("c" * 64, cache) is None
