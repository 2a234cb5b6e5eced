"""The device's exposure over all apps and users: named parts that add up, pools, and the platform as context.

Each part (``auditor.score.parts``) adds its own reasons: installed apps count in full, preinstalled
apps at a stated share, system apps altered after the fact in full. Within an app part the riskiest
app sets the floor and a stated share of the next apps, the master-key holders and the pools (apps
sharing a signer or a sharedUserId, or carrying the same tracker SDK) add to it. The operating
system's own components are stated as context and add nothing. Each term is a non-decreasing function
of the apps' scores and reach (order statistics, counts and unions), so the device score is monotonic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

from auditor.model import (
    AppOrigin,
    AppReport,
    AuditReport,
    DataCategory,
    DeviceExposure,
    DevicePart,
    Exposure,
    ExposurePart,
    ExposurePool,
    PlatformContext,
    ScoreReason,
)
from auditor.score.exposure import cap
from auditor.score.parts import PARTS, DeviceInputs, PartPool, ScoredApp, app_name, app_part, first_part
from auditor.score.scope import app_origin
from auditor.score.weights import Weights

__all__ = ["POOL_KINDS", "app_name", "device_pools", "score_device"]

POOL_KINDS = ("shared_uid", "shared_signer", "tracker_sdk")


def _reached(exposure: Exposure, weights: Weights) -> frozenset[DataCategory]:
    low = weights.device.pool_min_level.rank
    return frozenset(c.category for c in exposure.categories if c.level.rank >= low)


def _category_list(categories: frozenset[DataCategory]) -> str:
    ordered = [c.value for c in DataCategory if c in categories]
    if len(ordered) <= 1:
        return ordered[0] if ordered else "nothing"
    return ", ".join(ordered[:-1]) + " and " + ordered[-1]


def _pool_groups(scored: Sequence[ScoredApp]) -> list[tuple[str, str, str, list[ScoredApp]]]:
    """(kind, name, label, members) for every group of two or more distinct packages."""
    groups: dict[tuple[str, str], list[ScoredApp]] = defaultdict(list)
    labels: dict[tuple[str, str], str] = {}
    for s in scored:
        app = s.app
        if s.part is None:
            continue  # the platform's own components: context, not a pool
        # Shared uids and signers bind preinstalled apps by design (one maker); only installed apps pool so.
        installed = app_origin(app) is AppOrigin.INSTALLED
        if installed and app.shared_user:
            groups[("shared_uid", app.shared_user)].append(s)
            labels[("shared_uid", app.shared_user)] = f"sharedUserId {app.shared_user}"
        signer = app.signer_sha256
        if installed and signer:
            groups[("shared_signer", signer)].append(s)
            labels[("shared_signer", signer)] = f"signer {signer[:16]}…"
        if app.apk is None:
            continue
        for tracker in app.apk.trackers:
            key = ("tracker_sdk", tracker.name)
            groups[key].append(s)
            labels[key] = f"SDK {tracker.name}"
    found = []
    for (kind, name), members in groups.items():
        if len({m.app.package for m in members}) >= 2:
            found.append((kind, name, labels[(kind, name)], members))
    found.sort(key=lambda g: (POOL_KINDS.index(g[0]), g[1]))
    return found


def device_pools(scored: Sequence[ScoredApp], weights: Weights) -> list[PartPool]:
    """Every pool with the points it is worth on its own (before its part's pool cap) and its part."""
    d = weights.device
    pools: list[PartPool] = []
    for kind, name, label, members in _pool_groups(scored):
        union: frozenset[DataCategory] = frozenset().union(*(_reached(m.exposure, weights) for m in members))
        apps = tuple(sorted(dict.fromkeys(app_name(m.app) for m in members)))
        if kind == "tracker_sdk":
            text = f"{label} sits in {len(apps)} apps that together reach {_category_list(union)}"
        else:
            text = f"{len(apps)} apps sharing {label} together reach {_category_list(union)}"
        pool = ExposurePool(
            kind=kind,
            name=name,
            apps=apps,
            categories=tuple(c for c in DataCategory if c in union),
            text=text,
        )
        points = min(d.pool_cap_per_pool, d.pool_points_per_category * len(union))
        pools.append(PartPool(pool, points, first_part([m.part for m in members])))
    return pools


def platform_context(scored: Sequence[ScoredApp], weights: Weights) -> PlatformContext | None:
    """What the platform's own components hold, said as context (``None`` when the report has none)."""
    platform = [s for s in scored if s.part is None and app_origin(s.app) is AppOrigin.PLATFORM and s.app.installed]
    if not platform:
        return None
    reached: frozenset[DataCategory] = frozenset().union(*(_reached(s.exposure, weights) for s in platform))
    keys = sum(1 for s in platform if any(sp.kind in weights.device.master_key_kinds for sp in s.app.special_access))
    text = (
        f"The operating system's own components ({len(platform)}) hold their accesses by design and are not "
        f"counted: together they reach {_category_list(reached)}"
    )
    if keys:
        text += f"; {keys} of them hold a master key"
    return PlatformContext(
        apps=len(platform),
        categories=tuple(c for c in DataCategory if c in reached),
        master_keys=keys,
        text=text,
    )


def score_device(
    apps: Sequence[AppReport],
    weights: Weights,
    exposure_of: Callable[[AppReport], Exposure],
    *,
    report: AuditReport | None = None,
) -> DeviceExposure:
    """The device's exposure from its apps (``exposure_of`` gives each app's, usually ``app.exposure``).

    Apps carry their findings when the report was scored (``score_report``): an abnormal-origin finding
    moves a system app into the altered part. ``report`` is there for parts about the phone itself.
    """
    scored = [ScoredApp(app, exposure_of(app), app_part(app)) for app in apps]
    scored.sort(key=lambda s: (-s.exposure.score, s.app.package, s.app.user))
    inputs = DeviceInputs(tuple(scored), tuple(device_pools(scored, weights)), weights, report)
    reasons: list[ScoreReason] = []
    parts: list[ExposurePart] = []
    for part in DevicePart:
        found = [replace(r, part=part) for r in PARTS[part](inputs, part)]
        reasons += found
        parts.append(
            ExposurePart(
                part=part,
                points=sum(r.points for r in found),
                apps=len(inputs.members(part)),
                percent=weights.device.parts[part].percent,
            )
        )
    total = cap(reasons)
    return DeviceExposure(
        score=total,
        grade=weights.grades.grade(total),
        reasons=tuple(reasons),
        pools=tuple(p.pool for p in inputs.pools),
        parts=tuple(parts),
        platform=platform_context(scored, weights),
    )
