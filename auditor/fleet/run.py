"""The fleet review as one function: PATHs → inputs → (parallel) audits → folded view → page and exports.

This is what ``auditor fleet`` calls; the CLI only maps options to arguments and the result to an
exit code (``FleetResult.exit_code``). Memory: the accumulator (follows the app inventory), one
window of worker results, and each input's identity; the worker results are held in a temporary
file until every input is read (only then is the newest capture of each phone known:
``auditor.fleet.captures``), and the device table and the violations are spooled to another and
streamed into the page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.acquire.agefile import AgeKey
from auditor.fleet import parallel
from auditor.fleet.aggregate import DeviceRow, FleetAccumulator, FleetView
from auditor.fleet.captures import Found, choose_captures
from auditor.fleet.errors import FleetError
from auditor.fleet.export import ExportFormat, ExportWriter
from auditor.fleet.inputs import Skip, expand
from auditor.fleet.policy import Policy, Violation
from auditor.fleet.redact import RedactKey, redact_path, redact_skip
from auditor.fleet.render import render_fleet_html
from auditor.fleet.spool import ObjectSpool, Spool
from auditor.progress import NullObserver, Observer
from auditor.report.output import STDOUT, check_file_target, check_folder_target

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """What the page needs per device: its row and its violations (spooled, one device at a time)."""

    row: DeviceRow
    violations: tuple[Violation, ...] = ()


class _Records:
    """The spooled records as (row, violations) pairs; iterable as often as the page needs."""

    def __init__(self, spool: Spool[DeviceRecord]) -> None:
        self.spool = spool

    def __iter__(self) -> Iterator[tuple[DeviceRow, tuple[Violation, ...]]]:
        for record in self.spool:
            yield record.row, record.violations


@dataclass(frozen=True, slots=True)
class FleetResult:
    """The outcome of a fleet review."""

    view: FleetView
    violations: int
    """Violations over all devices (0 without a policy)."""
    written: tuple[Path, ...] = field(default=())
    """The page and export files written."""
    skips: tuple[Skip, ...] = ()
    """Every skipped input with its real path, for the terminal (the view's are redacted with ``--redact``)."""

    @property
    def devices(self) -> int:
        return self.view.devices

    def exit_code(self, *, strict: bool = False) -> int:
        """2 when no input was usable (or, with ``strict``, any was skipped); 1 on a violation; else 0."""
        if self.devices == 0 or (strict and self.skips):
            return 2
        return 1 if self.violations else 0


def run_fleet(
    paths: Sequence[Path],
    *,
    html: Path | None = None,
    policy: Policy | None = None,
    export_dir: Path | None = None,
    export_formats: Sequence[ExportFormat] = (ExportFormat.CSV, ExportFormat.JSONL),
    jobs: int | None = None,
    redact: RedactKey | None = None,
    observer: Observer | None = None,
    key: AgeKey | None = None,
    iocs: Sequence[Path] = (),
) -> FleetResult:
    """Review every device under ``paths``: fold each into the fleet view, write the page and the exports.

    Raises ``FleetError`` when nothing under ``paths`` is even a candidate input (a typo in a path
    should not produce an empty "all compliant" page), ``IocError`` for an unusable ``iocs`` file (checked
    here once, before any worker reads it).
    """
    from auditor.iocs import Indicators

    Indicators.load(iocs)
    if html is not None and html != STDOUT:
        check_file_target(html)  # a bad --out fails now, not after reviewing the whole fleet
    if export_dir is not None:
        check_folder_target(export_dir)
    observer = observer or NullObserver()
    found = expand(paths)
    if not found.inputs and not found.skips:
        raise FleetError(
            "no audit JSON, snapshot, bug report or androidqf acquisition found under " + ", ".join(map(str, paths))
        )
    config = parallel.WorkerConfig(
        policy=policy,
        redact=redact,
        export_formats=tuple(export_formats) if export_dir is not None else (),
        key=key,
        iocs=tuple(str(p) for p in iocs),
    )
    accumulator = FleetAccumulator(policy)
    skips = list(found.skips)
    violations = 0
    spool: Spool[DeviceRecord] = Spool(DeviceRecord)
    held: ObjectSpool[parallel.DeviceOutcome] = ObjectSpool()
    writer: ExportWriter | None = None
    try:
        if export_dir is not None:
            writer = ExportWriter(export_dir, tuple(export_formats), violations=policy is not None)
        observer.start("Reviewing devices", total=len(found.inputs))
        # First every input, held back: which capture of a phone is the newest is known only at the end.
        for outcome in parallel.run(found.inputs, config, jobs):
            observer.advance(detail=outcome.input.path)
            if outcome.summary is None:
                if outcome.skip is not None:
                    skips.append(outcome.skip)
                continue
            held.append(outcome)
        choice = choose_captures(
            (Found(o.index, o.input.path, o.capture) for o in held if o.capture is not None),
            path_name=(lambda p: redact_path(p, redact)) if redact is not None else str,
        )
        for outcome in held:
            capture = outcome.capture
            if capture is None:
                continue
            if outcome.index in choice.set_aside:
                skips.append(Skip(outcome.input.path, choice.set_aside[outcome.index]))
                continue
            if outcome.index in choice.renamed:
                # Another build under a serial already used: the row, violations and exports carry the digest id.
                outcome = parallel.process(outcome.index, outcome.input, config, ident=capture.digest_id)
            summary = outcome.summary
            if summary is None:  # the input changed between both reads
                if outcome.skip is not None:
                    skips.append(outcome.skip)
                continue
            accumulator.add(summary)
            violations += len(summary.violations)
            spool.append(DeviceRecord(summary.row, summary.violations))
            if writer is not None and outcome.exports is not None:
                writer.write(outcome.exports)
        observer.finish()
        # A skipped input's path can name a person (``/fleet/alice-phone.json``): the page gets a hash.
        shown = [redact_skip(k, redact) for k in skips] if redact is not None else skips
        view = accumulator.view(shown, found.ignored)
        written: list[Path] = []
        if writer is not None:
            written += writer.finish(view)
            writer = None
        if html is not None:
            render_fleet_html(view, _Records(spool), html, policy=policy, redacted=redact is not None)
            written.append(html)
        log.debug("fleet: %d devices, %d skipped, %d violations", view.devices, len(skips), violations)
        return FleetResult(view=view, violations=violations, written=tuple(written), skips=tuple(skips))
    finally:
        if writer is not None:
            writer.abort()
        spool.close()
        held.close()
