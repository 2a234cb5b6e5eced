"""Auditing and reading fleet inputs in parallel: one input per task, compact results back.

Why processes: the audit (parsing, scoring) and reading a big audit JSON are pure Python and
CPU-bound, so threads would share one core. Each worker process reads or audits one input, holds
that one report, and sends back only what the fleet keeps: a ``DeviceSummary`` (a few hundred
small records) and the device's export rows, already formatted as bytes. The whole report never
crosses the process boundary, and the parent never holds more than a small window of results.

Order and memory: tasks are submitted through a window of ``jobs × WINDOW_PER_JOB`` and results are
taken in input order, so the fleet report is deterministic and a slow input holds back at most a
window of finished results.

One input never stops the run: anything an input can cause (unreadable, not a report, a parser
bug) becomes a ``Skip`` with its reason. A worker that dies (out of memory on a giant input) is
replaced; the inputs that were in flight are retried one at a time so that the one that kills its
worker is the one skipped.

APK analysis is shared across devices through the SHA-256 cache on disk (``auditor.apk.ApkCache``,
written atomically): an APK that many devices carry is analysed once, by whichever worker sees
it first.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from auditor.acquire.agefile import AgeKey
from auditor.errors import AuditorError
from auditor.fleet.aggregate import DeviceSummary, device_id, digest_id, summarise
from auditor.fleet.errors import FleetError
from auditor.fleet.export import ExportChunk, ExportFormat, device_rows, format_chunk
from auditor.fleet.inputs import FleetInput, InputKind, Skip
from auditor.fleet.policy import Policy, evaluate
from auditor.fleet.reader import read_json_bytes, report_from_data
from auditor.fleet.redact import RedactKey, redact_data, redact_report
from auditor.identity import device_key
from auditor.model import AuditReport
from auditor.untrusted import parse_json

log = logging.getLogger(__name__)

WINDOW_PER_JOB: Final = 4


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """What every worker needs; sent once to each worker process."""

    policy: Policy | None = None
    redact: RedactKey | None = None
    export_formats: tuple[ExportFormat, ...] = ()
    """Empty: no exports are formatted."""
    key: AgeKey | None = None
    """The age identities for encrypted acquisitions (``--key``)."""
    iocs: tuple[str, ...] = ()
    """Indicator files or folders (``--iocs``) matched with the bundled list when a source is audited."""


@dataclass(frozen=True, slots=True)
class DeviceOutcome:
    """The result of one input: a summary (and export bytes), or a skip."""

    index: int
    input: FleetInput
    summary: DeviceSummary | None
    exports: ExportChunk | None
    skip: Skip | None
    capture: Capture | None = None
    """Which phone it is and when it was captured (with a summary): how the run finds several captures of one."""


@dataclass(frozen=True, slots=True)
class Capture:
    """What tells captures of one phone apart (``auditor.identity``), and which one is the newest."""

    key: tuple[str, str] | None
    """(serial, build fingerprint); ``None`` for a placeholder serial: only this capture is this device."""
    digest_id: str
    """The device id by the capture's own digest (``aggregate.digest_id``), for when the serial cannot name it."""
    captured_at: str | None
    """When the data was read from the phone (``source.collected_at``)."""


def load_report(
    item: FleetInput, redact: RedactKey | None, key: AgeKey | None = None, iocs: tuple[str, ...] = ()
) -> AuditReport:
    """The scored audit report of one input (read back, or audited from its source), redacted if asked."""
    path = Path(item.path)
    if item.kind is InputKind.AUDIT_JSON:
        data = read_json_bytes(path)
        try:
            doc = parse_json(data, item.path)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise FleetError(f"{item.path}: not valid JSON ({e})") from e
        if redact is not None and isinstance(doc, dict):
            doc = redact_data(doc, redact)  # on the JSON form: cheaper than on the model
        report = report_from_data(doc, item.path)
        if report.device_exposure is None:
            from auditor.score import score_report

            report = score_report(report)
        return report
    if item.kind is InputKind.APK:
        raise FleetError(f"{item.path}: an APK is one app, not a device")
    from auditor.iocs import Indicators
    from auditor.pipeline import audit_path

    report = audit_path(path, key=key, indicators=Indicators.load([Path(p) for p in iocs]))
    return redact_report(report, redact) if redact is not None else report


def process(index: int, item: FleetInput, config: WorkerConfig, ident: str | None = None) -> DeviceOutcome:
    """Read or audit one input and reduce it to what the fleet keeps; never raises for the input's sake.

    ``ident`` names the device instead of ``aggregate.device_id`` (the run's choice when another phone
    reports the same serial with another build).
    """
    try:
        report = load_report(item, config.redact, config.key, config.iocs)
        ident = ident or device_id(report, index)
        violations = evaluate(config.policy, report, ident) if config.policy is not None else None
        source = report.source.path if config.redact is not None else item.path
        summary = summarise(report, index=index, source=source, kind=item.kind, violations=violations, ident=ident)
        exports = (
            format_chunk(device_rows(report, summary.row, violations), config.export_formats)
            if config.export_formats
            else None
        )
        capture = Capture(
            device_key(report.device.serial, report.device.fingerprint),
            digest_id(report, index),
            report.source.collected_at,
        )
        return DeviceOutcome(index, item, summary, exports, None, capture)
    except AuditorError as e:
        reason = str(e).removeprefix(f"{item.path}: ")
        return DeviceOutcome(index, item, None, None, Skip(item.path, reason))
    except (OSError, ValueError, RecursionError, MemoryError) as e:
        return DeviceOutcome(index, item, None, None, Skip(item.path, f"{type(e).__name__}: {e}"))
    except Exception as e:  # noqa: BLE001 - one input's parser bug must not end a 5,000-device run
        log.debug("internal error on %s", item.path, exc_info=True)
        return DeviceOutcome(index, item, None, None, Skip(item.path, f"internal error: {type(e).__name__}: {e}"))


# --------------------------------------------------------------------------------------------------
# The pool
# --------------------------------------------------------------------------------------------------

_config: WorkerConfig | None = None


def _init(config: WorkerConfig) -> None:
    global _config
    _config = config
    # Everything imported so far lives as long as the worker: keep it out of the cyclic collector's
    # full passes, which otherwise rescan it while each report's many small objects come and go.
    gc.freeze()


def _task(index: int, item: FleetInput) -> DeviceOutcome:
    assert _config is not None, "worker used before its initializer ran"
    return process(index, item, _config)


def default_jobs() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run(inputs: Sequence[FleetInput], config: WorkerConfig, jobs: int | None = None) -> Iterator[DeviceOutcome]:
    """Every input's outcome, in input order; ``jobs=1`` runs in this process (tests, small fleets)."""
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(inputs) <= 1:
        for index, item in enumerate(inputs):
            yield process(index, item, config)
        return
    yield from _pooled(list(enumerate(inputs)), config, min(jobs, len(inputs)))


def _pool(config: WorkerConfig, jobs: int) -> ProcessPoolExecutor:
    # spawn, not fork: a forked worker inherits the parent's memory and threads (rich's console,
    # the caller's open files); a fresh interpreter costs a fraction of a second per worker.
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init, initargs=(config,))


def _pooled(tasks: list[tuple[int, FleetInput]], config: WorkerConfig, jobs: int) -> Iterator[DeviceOutcome]:
    todo: deque[tuple[int, FleetInput]] = deque(tasks)
    careful: set[int] = set()  # inputs in flight when a worker died: retried alone
    pool = _pool(config, jobs)
    pending: deque[tuple[int, FleetInput, Future[DeviceOutcome]]] = deque()
    try:
        while todo or pending:
            window = 1 if careful else jobs * WINDOW_PER_JOB
            while todo and len(pending) < window:
                index, item = todo.popleft()
                pending.append((index, item, pool.submit(_task, index, item)))
            index, item, future = pending.popleft()
            try:
                outcome = future.result()
            except BrokenProcessPool:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _pool(config, jobs)
                if index in careful or not pending and not careful:
                    careful.discard(index)
                    yield DeviceOutcome(
                        index, item, None, None, Skip(item.path, "the worker process died on it (out of memory?)")
                    )
                else:
                    careful.add(index)
                    todo.appendleft((index, item))
                # Everything else in flight is retried, one at a time, in order.
                for other_index, other_item, _ in reversed(pending):
                    careful.add(other_index)
                    todo.appendleft((other_index, other_item))
                pending.clear()
                continue
            careful.discard(index)
            yield outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
