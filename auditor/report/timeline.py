"""The recent-access timeline of the HTML report: camera, microphone and location uses on a log time axis.

Coordinates are computed here, in the SVG's own units, so the template only prints numbers and escaped text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from auditor.model import AccessState
from auditor.report import digest

TIMELINE_WIDTH: Final = 1000
TIMELINE_LABEL_WIDTH: Final = 110
TIMELINE_LANE: Final = 44
TIMELINE_TICKS: Final = (
    (600_000, "10 min"),
    (3_600_000, "1 h"),
    (86_400_000, "1 day"),
    (7 * 86_400_000, "1 week"),
    (30 * 86_400_000, "30 days"),
    (365 * 86_400_000, "1 year"),
)
RESOURCE_TITLES: Final = {"camera": "Camera", "microphone": "Microphone", "location": "Location"}


@dataclass(frozen=True, slots=True)
class Mark:
    """One access on the timeline: coordinates in the SVG's own units."""

    x: float
    y: float
    background: bool
    text: str


@dataclass(frozen=True, slots=True)
class Lane:
    title: str
    y: float
    marks: tuple[Mark, ...]


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    left: int
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]


def _x(ago_ms: int, span_ms: int, left: int, width: int) -> float:
    """Position on a log scale of age: now at the right edge, ``span_ms`` ago at ``left``."""
    lo = math.log10(60_000)
    t = (math.log10(max(ago_ms, 60_000)) - lo) / (math.log10(span_ms) - lo)
    return round(width - 10 - t * (width - 10 - left), 1)


def timeline(recent: dict[str, list[digest.RecentUse]]) -> Timeline | None:
    """Camera, microphone and location uses on a log time axis (minutes to months before the capture)."""
    agos = [u.ago_ms for uses in recent.values() for u in uses if u.ago_ms is not None]
    if not agos:
        return None
    span = max(max(agos), 30 * 86_400_000)
    left, width = TIMELINE_LABEL_WIDTH, TIMELINE_WIDTH
    lanes = []
    for i, (resource, uses) in enumerate(recent.items()):
        y = 30 + i * TIMELINE_LANE
        marks = tuple(
            Mark(
                x=_x(u.ago_ms, span, left, width),
                y=y,
                background=u.state is AccessState.BACKGROUND,
                text=f"{digest.app_name(u.app)} ({u.app.package}) — {u.time or digest.ago_words(u.ago_ms)}"
                f" — {u.state.value}",
            )
            for u in uses
            if u.ago_ms is not None
        )
        lanes.append(Lane(RESOURCE_TITLES[resource], y, marks))
    ticks = tuple(Tick(_x(ms, span, left, width), text) for ms, text in TIMELINE_TICKS if ms <= span)
    height = 30 + len(lanes) * TIMELINE_LANE
    return Timeline(width, height + 6, left, tuple(lanes), ticks)
