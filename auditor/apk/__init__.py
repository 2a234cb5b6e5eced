"""APK static analysis: manifest facts, embedded trackers and signing, safe on hostile APKs.

The public API (this module) takes paths and returns typed results (``auditor.model.ApkResult``):

* ``analyse_apk(path)`` / ``analyse_apks(paths)``: each APK in a worker process with a time limit
  and a memory cap, results cached by SHA-256 (``ApkCache``). Never raises for what an APK holds:
  an unusable APK is a *skipped* result with its reason, a partly unreadable one *degraded*.
* ``cached_result(sha256, cache)``: whether an APK known by its hash needs pulling at all.
* ``load_trackers(path=None)``: the bundled Exodus Privacy list, or a newer export.
* ``exit_status(results)``: 0, or 2 when an input was unusable (for ``auditor apk``).

This package is the only place that reads APK bytes; it imports no androguard at run time (see
``axml`` for why the manifest reader is our own). Nothing here writes outside the cache directory,
fetches a URL an APK names, or executes anything from an APK.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from auditor.apk.analyse import ANALYSER_VERSION, analyse_file, hash_file, open_regular, skipped
from auditor.apk.cache import ApkCache, cache_context, default_cache_dir
from auditor.apk.errors import ApkError, CacheError, TrackerListError
from auditor.apk.limits import DEFAULT_LIMITS, ApkLimits
from auditor.apk.trackers import ATTRIBUTION, TrackerDB, load_trackers
from auditor.apk.worker import Job, run_jobs
from auditor.model import ApkIssueKind, ApkResult, ApkStatus
from auditor.serial import to_data

__all__ = [
    "ATTRIBUTION",
    "DEFAULT_LIMITS",
    "ApkCache",
    "ApkError",
    "ApkLimits",
    "CacheError",
    "TrackerDB",
    "TrackerListError",
    "analyse_apk",
    "analyse_apks",
    "cached_result",
    "default_cache_dir",
    "exit_status",
    "load_trackers",
]

log = logging.getLogger(__name__)

Progress = Callable[[ApkResult], None]


@functools.cache
def _bundled_trackers() -> TrackerDB:
    return load_trackers(None)


def _context(trackers: TrackerDB, limits: ApkLimits) -> str:
    return cache_context(ANALYSER_VERSION, trackers.sha256, repr(to_data(limits)))


def analyse_apk(
    path: Path,
    *,
    trackers: TrackerDB | None = None,
    cache: ApkCache | None = None,
    limits: ApkLimits = DEFAULT_LIMITS,
    isolate: bool = True,
) -> ApkResult:
    """Analyse one APK. ``trackers`` defaults to the bundled list; ``cache`` is used when given;
    ``isolate=False`` runs in this process without time or memory limits (tests, benchmarks)."""
    return analyse_apks([path], trackers=trackers, cache=cache, limits=limits, isolate=isolate)[0]


def analyse_apks(
    paths: Sequence[Path],
    *,
    trackers: TrackerDB | None = None,
    cache: ApkCache | None = None,
    limits: ApkLimits = DEFAULT_LIMITS,
    jobs: int | None = None,
    isolate: bool = True,
    progress: Progress | None = None,
) -> list[ApkResult]:
    """Analyse APKs (base and split alike), in input order. Each file is hashed here; a cache hit
    is returned as is, and the rest go to up to ``jobs`` worker processes (default: CPU count).
    ``progress`` is called once per result, in this thread."""
    db = trackers if trackers is not None else _bundled_trackers()
    context = _context(db, limits)
    results: list[ApkResult | None] = [None] * len(paths)
    pending: list[Job] = []
    first_by_sha: dict[str, int] = {}
    copies: dict[int, list[tuple[int, str]]] = {}  # the same bytes under other paths: analysed once
    cache_broken: list[CacheError] = []

    def finish(index: int, result: ApkResult) -> None:
        results[index] = result
        if cache is not None and not cache_broken:
            try:
                cache.put(result, context)
            except CacheError as e:
                # An unwritable cache costs speed on the next run, never this run's results.
                log.warning("%s; results are not cached", e)
                cache_broken.append(e)
        if progress is not None:
            progress(result)
        for other_index, other_path in copies.get(index, []):
            copy = dataclasses.replace(result, path=other_path)
            results[other_index] = copy
            if progress is not None:
                progress(copy)

    for index, path in enumerate(paths):
        try:
            f, size = open_regular(Path(path))
            with f:
                sha256 = hash_file(f)
        except OSError as e:
            finish(index, skipped(path, ApkIssueKind.UNREADABLE, f"cannot read the file: {e.strerror or e}"))
            continue
        if cache is not None:
            hit = cache.get(sha256, context, path=str(path))
            if hit is not None:
                results[index] = hit
                if progress is not None:
                    progress(hit)
                continue
        if sha256 in first_by_sha:
            copies.setdefault(first_by_sha[sha256], []).append((index, str(path)))
            continue
        first_by_sha[sha256] = index
        pending.append(Job(index=index, path=str(path), sha256=sha256, size=size))

    if isolate and pending:
        run_jobs(
            pending,
            limits=limits,
            trackers_path=db.path,
            use_trackers=True,
            workers=jobs or os.cpu_count() or 1,
            on_result=finish,
        )
    else:
        for job in pending:
            finish(job.index, analyse_file(Path(job.path), trackers=db, limits=limits, sha256=job.sha256))
    return [r for r in results if r is not None]


def cached_result(
    sha256: str, cache: ApkCache, *, trackers: TrackerDB | None = None, limits: ApkLimits = DEFAULT_LIMITS
) -> ApkResult | None:
    """The cached result for an APK known only by its SHA-256 (e.g. listed on a device), made with
    these trackers and limits; ``None`` when it must be pulled and analysed."""
    db = trackers if trackers is not None else _bundled_trackers()
    return cache.get(sha256.lower(), _context(db, limits))


def exit_status(results: Sequence[ApkResult]) -> int:
    """0 when every APK was analysed (possibly degraded), 2 when any input was unusable."""
    return 2 if any(r.status is ApkStatus.SKIPPED for r in results) else 0
