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
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
    TruthOp,
    TruthPermission,
    TruthUser,
)
from auditor.acquire.synthetic.world import USERS, World
from auditor.model import CommandRecord, CommandStatus, Section, Snapshot
from auditor.snapshot import new_manifest, record_for, write_snapshot_dir

__all__ = [
    "MIN_APPS",
    "Persona",
    "SyntheticTruth",
    "TruthAccess",
    "TruthApp",
    "TruthOp",
    "TruthPermission",
    "TruthUser",
    "generate",
    "write_synthetic",
]

logger = logging.getLogger(__name__)

_GLOBAL: dict[Section, Callable[[World], str]] = {
    Section.GETPROP: render.getprop,
    Section.DATE: render.date,
    Section.PM_LIST_USERS: lambda _world: render.pm_list_users(),
    Section.DUMPSYS_PACKAGE: render.dumpsys_package,
    Section.DUMPSYS_APPOPS: render.dumpsys_appops,
    Section.DUMPSYS_ACCESSIBILITY: render.dumpsys_accessibility,
    Section.DUMPSYS_NOTIFICATION: render.dumpsys_notification,
    Section.DUMPSYS_DEVICE_POLICY: render.dumpsys_device_policy,
    Section.DUMPSYS_ROLE: render.dumpsys_role,
    Section.SETTINGS_GLOBAL: render.settings_global,
}
_PER_USER: dict[Section, Callable[[World, int], str]] = {
    Section.PM_LIST_PACKAGES: render.pm_list_packages,
    Section.SETTINGS_SECURE: render.settings_secure,
    Section.SETTINGS_SYSTEM: render.settings_system,
    Section.PM_PATH: render.pm_path,
}


def _output(world: World, planned: PlannedCommand) -> str:
    """What the device prints for one planned command (dispatched on what the command is)."""
    if planned.user is None:
        global_renderer = _GLOBAL.get(planned.section)
        if global_renderer is not None:
            return global_renderer(world)
    else:
        user_renderer = _PER_USER.get(planned.section)
        if user_renderer is not None:
            return user_renderer(world, planned.user)
    raise ValueError(f"synthetic device has no output for {planned.id!r} ({planned.section.value})")


def generate(n_apps: int = 50, *, seed: int = 0, now: datetime | None = None) -> tuple[Snapshot, SyntheticTruth]:
    """A synthetic snapshot of ``n_apps`` packages and the truth it encodes; deterministic per seed.

    ``n_apps`` counts every package (system and third-party) and must be at least ``MIN_APPS``, which
    holds the core system apps and every persona. ``now`` is the capture instant (default: a fixed
    date), truncated to whole seconds as ``date +%s`` prints it; a naive datetime is taken as UTC.
    """
    now_ms = epoch_ms(now)
    world = build_world(n_apps, seed, now_ms)
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


def write_synthetic(path: Path, n_apps: int = 50, *, seed: int = 0) -> SyntheticTruth:
    """Generate a synthetic snapshot and write it as a snapshot directory at ``path``."""
    snapshot, truth = generate(n_apps, seed=seed)
    write_snapshot_dir(path, snapshot)
    return truth
