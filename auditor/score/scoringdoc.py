"""Keep the generated parts of ``docs/scoring.md`` in step with the weights and the scorer.

``docs/scoring.md`` is prose written by hand around blocks this module renders: the weights tables
(from ``weights.json``), the category table (from ``categories.json``) and the worked example (the
synthetic device's stalkerware persona, scored for real). Each block sits between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``; ``python -m auditor.score.scoringdoc
docs/scoring.md`` rewrites them in place and a test checks the file is current.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from auditor.model import AppReport, AuditReport, DataCategory
from auditor.score.categories import load_categories
from auditor.score.weights import Weights, load_weights

EXAMPLE_APPS = 40
EXAMPLE_SEED = 0
EXAMPLE_PACKAGES = (
    (
        "com.example.flashlight",
        "A flashlight that reads contacts (in the background), location and the camera: no combination profile, "
        "but three categories used, so breadth adds a term.",
    ),
    (
        "com.example.stalker",
        "The stalkerware persona: sideloaded, with accessibility, notification access, device admin, overlay and "
        "usage access, and location, camera and microphone used in the background. Its reasons add up to far more "
        "than 100; the cap reason brings the sum to exactly 100.",
    ),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_weights(weights: Weights) -> str:
    """Every weight with its rationale, as Markdown tables."""
    out = ["| Category | Points | Why |", "|---|---:|---|"]
    out += [f"| `{c.value}` | {w.points} | {_cell(w.rationale)} |" for c, w in weights.categories.items()]
    out += ["", "| Level | Factor | Why |", "|---|---:|---|"]
    out += [f"| `{lv.value}` | {p.percent}% | {_cell(p.rationale)} |" for lv, p in weights.levels.items()]
    out += ["", "| Qualifier | Factor | Why |", "|---|---:|---|"]
    out += [f"| `{q}` | {p.percent}% | {_cell(p.rationale)} |" for q, p in sorted(weights.qualifiers.items())]
    b = weights.breadth
    out += [
        "",
        f"**Breadth** (`combination.breadth`): {b.points_per_category} points per category reached at "
        f"`{b.min_level.value}` or more beyond the first {b.free_categories}. {b.rationale}",
        "",
        "| Profile (`combination.<id>`) | Points | Requires | Why |",
        "|---|---:|---|---|",
    ]
    out += [
        f"| `{p.id}` — {p.name} | {p.points} | {_cell(p.describe())} | {_cell(p.rationale)} |" for p in weights.profiles
    ]
    t = weights.trackers
    out += ["", f"**Trackers** (`modifier.tracker`, at most {t.cap} per app): {t.rationale}", ""]
    out += ["| Tracker category | Points | Why |", "|---|---:|---|"]
    out += [f"| {name} | {p.points} | {_cell(p.rationale)} |" for name, p in t.categories.items()]
    m = weights.modifiers
    out += ["", "| Modifier (`modifier.<id>`) | Points | Why |", "|---|---:|---|"]
    for rid, p in (
        ("sideloaded", m.sideloaded),
        ("other_installer", m.other_installer),
        ("legacy_target_sdk", m.legacy_target_sdk),
        ("debuggable", m.debuggable),
    ):
        out.append(f"| `{rid}` | +{p.points} | {_cell(p.rationale)} |")
    out.append(f"| `no_internet` | −{m.no_internet.percent}% of the data points | {_cell(m.no_internet.rationale)} |")
    g = weights.grades
    out += ["", "| Grade | From score |", "|---|---:|"]
    out += [f"| {grade.value} | {low} |" for grade, low in g.thresholds]
    out += ["", g.rationale]
    d = weights.device
    kinds = ", ".join(f"`{k.value}`" for k in sorted(d.master_key_kinds, key=lambda k: k.value))
    out += ["", "| Device part | Apps count at | Why |", "|---|---:|---|"]
    out += [f"| `{part.value}` | {p.percent}% | {_cell(p.rationale)} |" for part, p in d.parts.items()]
    out += [
        "",
        "| Device term (in each part) | Value | Why |",
        "|---|---|---|",
        f"| `device.top_app` | the part's highest app score, at the part's share | {_cell(d.next_apps_rationale)} |",
        f"| `device.next_app` | {d.next_app_percent}% of each of the part's next {d.next_apps} apps | "
        f"{_cell(d.next_apps_rationale)} |",
        f"| `device.master_keys` | {d.master_key_points} per holder in the part, at most {d.master_key_cap}, at the "
        f"part's share ({kinds}) | {_cell(d.master_keys_rationale)} |",
        f"| `pool.<kind>` | {d.pool_points_per_category} per category reached at `{d.pool_min_level.value}` or more "
        f"by the pool, at most {d.pool_cap_per_pool} per pool and {d.pool_cap} per part, at the part's share | "
        f"{_cell(d.pools_rationale)} |",
    ]
    threats, st = d.threats, d.settings
    threat_points = ", ".join(f"{kind.value} {n}" for kind, n in threats.points.items())
    setting_points = ", ".join(f"{sev.value} {n}" for sev, n in st.points.items())
    out += [
        "",
        "| Device term (phone parts) | Value | Why |",
        "|---|---|---|",
        f"| `device.stalkerware`, `device.watchware`, `device.spyware` | per known-threat finding (AUD-IOC-*): "
        f"{threat_points}; {threats.low_confidence_percent}% of that at low confidence | {_cell(threats.rationale)} |",
        f"| `device.phone_setting` | per posture finding, by severity: {setting_points}; at most {st.cap} | "
        f"{_cell(st.rationale)} |",
    ]
    return "\n".join(out)


def render_categories() -> str:
    """What each permission, special access and op reaches (from ``categories.json``)."""
    table = load_categories()
    rows: list[tuple[int, str, str]] = []
    order = {c: i for i, c in enumerate(DataCategory)}
    keyed = [(k, e) for k, entries in table.entries.items() for e in entries]
    keyed += [(f"{prefix}*", e) for prefix, entries in table.prefixes for e in entries]
    for key, e in keyed:
        qual = f" ({e.qualifier})" if e.qualifier else ""
        rows.append((order[e.category], f"`{e.category.value}`{qual}", f"`{key.removeprefix('android.permission.')}`"))
    out = ["| Category | Reached through |", "|---|---|"]
    grouped: dict[str, list[str]] = {}
    for _, cat, key in sorted(rows, key=lambda r: (r[0], r[1])):
        grouped.setdefault(cat, []).append(key)
    out += [f"| {cat} | {', '.join(keys)} |" for cat, keys in grouped.items()]
    out += [
        "",
        "Reaching no category: " + ", ".join(f"`{k.removeprefix('android.permission.')}`" for k in table.no_data),
    ]
    return "\n".join(out)


def example_report() -> AuditReport:
    """The synthetic device, audited and scored with the bundled weights."""
    from auditor.acquire.synthetic import generate
    from auditor.pipeline import audit_snapshot
    from auditor.score.core import score_report

    snapshot, _ = generate(EXAMPLE_APPS, seed=EXAMPLE_SEED)
    return score_report(audit_snapshot(snapshot))


def _example_app(report: AuditReport, package: str) -> AppReport:
    return next(a for a in report.apps if a.package == package and a.user == 0)


def _sum(points: list[int]) -> str:
    text = str(points[0]) if points else "0"
    for p in points[1:]:
        text += f" + {p}" if p >= 0 else f" − {-p}"
    return text


def _app_example(app: AppReport) -> list[str]:
    exposure = app.exposure
    if exposure is None:
        raise ValueError("the example report is not scored")
    out = ["| Category | Level | Points | Via | Qualifiers |", "|---|---|---:|---|---|"]
    out += [
        f"| `{c.category.value}` | `{c.level.value}` | {c.points} | "
        f"{_cell(', '.join(v.removeprefix('android.permission.') for v in c.via))} | {_cell(', '.join(c.qualifiers))} |"
        for c in exposure.categories
    ]
    out += ["", "| Reason | Points | Says | First evidence |", "|---|---:|---|---|"]
    out += [
        f"| `{r.rule}` | {r.points:+d} | {_cell(r.text)} | {_cell(r.evidence[0]) if r.evidence else ''} |"
        for r in exposure.reasons
    ]
    out += [
        "",
        f"Sum: {_sum([r.points for r in exposure.reasons])} = **{exposure.score}** (grade {exposure.grade.value}).",
    ]
    if app.findings:
        out += ["", "Findings: " + ", ".join(f"`{f.rule_id}` ({f.severity.value})" for f in app.findings) + "."]
    return out


def render_example(report: AuditReport | None = None) -> str:
    """The worked example: every reason of two synthetic apps and of the device, summing to the scores."""
    report = report or example_report()
    device = report.device_exposure
    if device is None:
        raise ValueError("the example report is not scored")
    call = f"`auditor.acquire.synthetic.generate({EXAMPLE_APPS}, seed={EXAMPLE_SEED})`"
    out = [f"The synthetic device ({call}), audited and scored with the built-in weights.", ""]
    for package, intro in EXAMPLE_PACKAGES:
        out += [f"### `{package}`", "", intro, ""]
        out += _app_example(_example_app(report, package))
        out.append("")
    out += ["### The device", "", "| Part | Reason | Points | Says |", "|---|---|---:|---|"]
    out += [
        f"| {f'`{r.part.value}`' if r.part else ''} | `{r.rule}` | {r.points:+d} | {_cell(r.text)} |"
        for r in device.reasons
    ]
    out += ["", f"Sum: {_sum([r.points for r in device.reasons])} = **{device.score}** (grade {device.grade.value})."]
    out += ["", "| Part | Apps | Counted at | Points |", "|---|---:|---:|---:|"]
    out += [f"| `{p.part.value}` | {p.apps} | {p.percent}% | {p.points} |" for p in device.parts]
    if device.platform is not None:
        out += ["", f"Context, 0 points: {_cell(device.platform.text)}."]
    return "\n".join(out)


def _weights_block() -> str:
    return render_weights(load_weights())


BLOCKS: dict[str, Callable[[], str]] = {
    "weights": _weights_block,
    "categories": render_categories,
    "example": render_example,
}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated:{name} -->\n)(.*?)(<!-- /generated:{name} -->)", re.DOTALL)


def refresh(text: str, blocks: dict[str, str] | None = None) -> str:
    """``text`` with every generated block re-rendered (blocks missing from the text are left out)."""
    rendered = blocks if blocks is not None else {name: make() for name, make in BLOCKS.items()}
    for name, body in rendered.items():
        match = _pattern(name).search(text)
        if match is not None:
            text = text[: match.start(2)] + body + "\n" + text[match.end(2) :]
    return text


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m auditor.score.scoringdoc docs/scoring.md\n")
        return 2
    path = Path(args[0])
    path.write_text(refresh(path.read_text("utf-8")), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
