"""The device's exposure over all apps and users, and the pools where apps add up.

The riskiest app sets the floor; a stated share of the next apps, the non-system holders of master
keys and the pools (apps sharing a signer or a sharedUserId, or carrying the same tracker SDK) add
to it. Each term is a non-decreasing function of the apps' scores and reach (order statistics,
counts and unions), so the device score is monotonic too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from auditor.model import (
    AppReport,
    DataCategory,
    DeviceExposure,
    Exposure,
    ExposurePool,
    ScoreReason,
)
from auditor.score.evidence import special_evidence_text
from auditor.score.exposure import cap, scaled
from auditor.score.weights import Weights

POOL_KINDS = ("shared_uid", "shared_signer", "tracker_sdk")


def app_name(app: AppReport) -> str:
    """``package@user``: how pools and device reasons name an app."""
    return f"{app.package}@{app.user}"


@dataclass(frozen=True)
class _Scored:
    app: AppReport
    exposure: Exposure
    counted: int
    """The score as the device counts it (system apps at the stated share)."""


def _reached(exposure: Exposure, weights: Weights) -> frozenset[DataCategory]:
    low = weights.device.pool_min_level.rank
    return frozenset(c.category for c in exposure.categories if c.level.rank >= low)


def _category_list(categories: frozenset[DataCategory]) -> str:
    ordered = [c.value for c in DataCategory if c in categories]
    if len(ordered) <= 1:
        return ordered[0] if ordered else "nothing"
    return ", ".join(ordered[:-1]) + " and " + ordered[-1]


def _pool_groups(
    scored: Sequence[_Scored],
) -> list[tuple[str, str, str, list[_Scored]]]:
    """(kind, name, label, members) for every group of two or more distinct packages."""
    groups: dict[tuple[str, str], list[_Scored]] = defaultdict(list)
    labels: dict[tuple[str, str], str] = {}
    for s in scored:
        app = s.app
        # The platform key and android.uid.system bind the OS itself; pooling them says nothing new.
        if not app.system and app.shared_user:
            groups[("shared_uid", app.shared_user)].append(s)
            labels[("shared_uid", app.shared_user)] = f"sharedUserId {app.shared_user}"
        signer = app.signer_sha256
        if not app.system and signer:
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


def device_pools(scored: Sequence[_Scored], weights: Weights) -> list[tuple[ExposurePool, int]]:
    """Every pool with the points it is worth on its own (before the device's pool cap)."""
    d = weights.device
    pools: list[tuple[ExposurePool, int]] = []
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
        pools.append((pool, min(d.pool_cap_per_pool, d.pool_points_per_category * len(union))))
    return pools


def score_device(
    apps: Sequence[AppReport],
    weights: Weights,
    exposure_of: Callable[[AppReport], Exposure],
) -> DeviceExposure:
    """The device's exposure from its apps (``exposure_of`` gives each app's, usually ``app.exposure``)."""
    d = weights.device
    scored = []
    for app in apps:
        exposure = exposure_of(app)
        counted = scaled(exposure.score, d.system_app_percent) if app.system else exposure.score
        scored.append(_Scored(app, exposure, counted))
    ranked = sorted(scored, key=lambda s: (-s.counted, s.app.package, s.app.user))
    reasons: list[ScoreReason] = []

    if ranked and ranked[0].counted > 0:
        top = ranked[0]
        note = f" (a system app, counted at {d.system_app_percent}%)" if top.app.system else ""
        reasons.append(
            ScoreReason(
                rule="device.top_app",
                points=top.counted,
                text=f"Highest app score: {app_name(top.app)} scores {top.exposure.score}{note}",
                evidence=(f"{app_name(top.app)} score={top.exposure.score} grade={top.exposure.grade.value}",),
            )
        )
    for s in ranked[1 : 1 + d.next_apps]:
        points = scaled(s.counted, d.next_app_percent)
        if points <= 0:
            continue
        reasons.append(
            ScoreReason(
                rule="device.next_app",
                points=points,
                text=f"{d.next_app_percent}% of the next app, {app_name(s.app)} ({s.counted})",
                evidence=(f"{app_name(s.app)} score={s.exposure.score} grade={s.exposure.grade.value}",),
            )
        )

    holders = [
        (app_name(s.app), special_evidence_text(sp))
        for s in ranked
        if not s.app.system
        for sp in s.app.special_access
        if sp.kind in d.master_key_kinds
    ]
    holder_apps = sorted({name for name, _ in holders})
    if holder_apps and d.master_key_points:
        points = min(d.master_key_cap, d.master_key_points * len(holder_apps))
        reasons.append(
            ScoreReason(
                rule="device.master_keys",
                points=points,
                text=(
                    f"{len(holder_apps)} non-system app(s) hold a master key: {', '.join(holder_apps)} "
                    f"({d.master_key_points} each, at most {d.master_key_cap})"
                ),
                evidence=tuple(sorted(f"{name}: {text}" for name, text in holders)),
            )
        )

    pools = device_pools(scored, weights)
    left = d.pool_cap
    for pool, points in pools:
        given = min(points, left)
        if given <= 0:
            continue
        left -= given
        reasons.append(
            ScoreReason(
                rule=f"pool.{pool.kind}",
                points=given,
                text=pool.text + (f" (capped from {points})" if given < points else ""),
                evidence=pool.apps,
            )
        )

    total = cap(reasons)
    return DeviceExposure(
        score=total,
        grade=weights.grades.grade(total),
        reasons=tuple(reasons),
        pools=tuple(pool for pool, _ in pools),
    )
