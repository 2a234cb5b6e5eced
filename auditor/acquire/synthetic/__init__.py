"""A synthetic Android 14 device: a complete, realistic snapshot plus the truth it was built from.

Why: parsers, the analysis and the reports need a device whose every fact is known, at any size
(50 apps for a test, 5,000 for a benchmark), without a phone and without personal data. The
generator decides the facts first (``world``), prints them in the exact text formats of the
collector's command plan (``render``), and freezes the decisions into ``SyntheticTruth``
(``oracle``), so a round trip "text → parsers → facts" can be compared with what was meant.

The snapshot answers the *real* plan: its manifest lists exactly ``full_plan([0, 10],
with_apk_paths=True)``, so a device simulator serving it answers a live collection too.

    snapshot, truth = generate(200, seed=7)
    truth = write_synthetic(Path("snap"), 200, seed=7)

The same device can be written as a bug report or an androidqf acquisition (``forms.write_form``), so
every source the auditor reads is tested against one known phone.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from auditor.acquire.plan import PlannedCommand, full_plan
from auditor.acquire.synthetic import render
from auditor.acquire.synthetic.assemble import MIN_APPS, build_world
from auditor.acquire.synthetic.clock import epoch_ms
from auditor.acquire.synthetic.oracle import build_truth
from auditor.acquire.synthetic.truth import (
    Persona,
    SyntheticTruth,
    TruthAccess,
    TruthApp,
    TruthDiscreteAccess,
    TruthOp,
    TruthPermission,
    TruthUser,
)
from auditor.acquire.synthetic.world import USERS, World
from auditor.model import CommandRecord, CommandStatus, Snapshot
from auditor.sections import BY_SECTION, Scope
from auditor.snapshot import new_manifest, record_for, write_snapshot_dir

__all__ = [
    "MIN_APPS",
    "Persona",
    "SyntheticTruth",
    "TruthAccess",
    "TruthApp",
    "TruthDiscreteAccess",
    "TruthOp",
    "TruthPermission",
    "TruthUser",
    "generate",
    "write_synthetic",
]

logger = logging.getLogger(__name__)


def _output(world: World, planned: PlannedCommand) -> str:
    """What the device prints for one planned command: its section's renderer (``auditor.sections``)."""
    declared = BY_SECTION.get(planned.section)
    renderer = getattr(render, declared.synthetic) if declared is not None and declared.synthetic else None
    if renderer is None:
        raise ValueError(f"synthetic device has no output for {planned.id!r} ({planned.section.value})")
    if declared is not None and declared.scope is Scope.USER:
        assert planned.user is not None
        return str(renderer(world, planned.user))
    return str(renderer(world))


def generate(
    n_apps: int = 50, *, seed: int = 0, now: datetime | None = None, threats: bool = False
) -> tuple[Snapshot, SyntheticTruth]:
    """A synthetic snapshot of ``n_apps`` packages and the truth it encodes; deterministic per seed.

    ``n_apps`` counts every package (system and third-party) and must be at least ``MIN_APPS``, which
    holds the core system apps and every persona. ``now`` is the capture instant (default: a fixed
    date), truncated to whole seconds as ``date +%s`` prints it; a naive datetime is taken as UTC.
    ``threats`` plants known threats and unsafe settings (``auditor.acquire.synthetic.threats``).
    """
    now_ms = epoch_ms(now)
    world = build_world(n_apps, seed, now_ms, threats=threats)
    truth = build_truth(world, n_apps)
    outputs: dict[str, bytes] = {}
    records: list[CommandRecord] = []
    for planned in full_plan(USERS, with_apk_paths=True):
        data = _output(world, planned).encode("utf-8")
        outputs[planned.id] = data
        base = CommandRecord(
            id=planned.id,
            command=planned.command,
            section=planned.section,
            user=planned.user,
            status=CommandStatus.OK,
            exit_code=0,
        )
        records.append(record_for(base, data))
    created_at = datetime.fromtimestamp(now_ms // 1000, tz=UTC).isoformat().replace("+00:00", "Z")
    manifest = new_manifest(
        source="synthetic",
        created_at=created_at,
        commands=records,
        device=render.device_info(world),
        users=USERS,
        complete=True,
    )
    logger.debug("synthetic snapshot: %d apps, %d bytes", n_apps, sum(map(len, outputs.values())))
    return Snapshot(manifest=manifest, outputs=outputs, path=f"synthetic:n={n_apps},seed={seed}"), truth


def write_synthetic(path: Path, n_apps: int = 50, *, seed: int = 0, threats: bool = False) -> SyntheticTruth:
    """Generate a synthetic snapshot and write it as a snapshot directory at ``path``."""
    snapshot, truth = generate(n_apps, seed=seed, threats=threats)
    write_snapshot_dir(path, snapshot)
    return truth
