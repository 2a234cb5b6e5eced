"""Renderers of the fleet stage: the fleet page (HTML) and the diff (text, JSON, HTML).

The HTML pages look like the single-device report because they are made the same way and share
its stylesheet (``report.css``, included by ``fleet.css.j2`` with a few additions), and they are
as strict: jinja2 with autoescape and ``StrictUndefined``, nothing ever marked safe, every printed
value passed through ``words.visible`` (bidi overrides and control characters are shown, not
obeyed), no link built from data, and a Content-Security-Policy that allows the inlined
stylesheet by its hash and nothing else: no script at all, no remote load of any kind.

Each page is rendered from one frozen view (``FleetPage``, ``DiffPage``) whose fields are the
names its template reads. The fleet page is written as it is rendered (``Template.generate``, handed
in pieces to ``write_output``), reading the device table and the violations from a spool: a
5,000-device page never exists whole in memory.

The text form of a diff is for a terminal: every value from a device or an APK passes through
``words.visible`` so that a hostile app label cannot forge lines or reorder the screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Final, assert_never

import jinja2

from auditor import __version__
from auditor.fleet.aggregate import DeviceRow, FleetView, InventoryEntry, Prevalence
from auditor.fleet.diff import (
    ApkDiff,
    Diff,
    FindingChange,
    PermissionChange,
    ReportDiff,
    SpecialAccessChange,
    TrackerChange,
)
from auditor.fleet.inputs import Skip
from auditor.fleet.policy import Policy, PolicyRule, Violation, rule_words
from auditor.report.html import content_security_policy, safe_environment, static_text, template_context
from auditor.report.words import visible
from auditor.serial import json_text, to_data

FLEET_TEMPLATE: Final = "fleet.html.j2"
DIFF_TEMPLATE: Final = "diff.html.j2"
STYLE_TEMPLATE: Final = "fleet.css.j2"

INVENTORY_ROWS: Final = 500
"""Packages listed on the page (most widespread first); the ``inventory`` export has them all."""
VIOLATIONS_PER_DEVICE: Final = 25
"""Violations shown per device on the page; the ``violations`` export has them all."""
VIOLATION_DEVICES: Final = 200
"""Devices whose violations are detailed on the page (the device table gives every device's count)."""
SKIPS_SHOWN: Final = 1000
VERSIONS_SHOWN: Final = 6


@cache
def environment() -> jinja2.Environment:
    """The report's safe environment (autoescape, StrictUndefined, visible text) with the policy words."""
    return safe_environment(
        rule_words=lambda r: rule_words(PolicyRule(r)) if isinstance(r, str) else rule_words(r), pct=pct
    )


def stylesheet() -> str:
    """The pages' stylesheet exactly as it is inlined."""
    return static_text(STYLE_TEMPLATE)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


# --------------------------------------------------------------------------------------------------
# The fleet page
# --------------------------------------------------------------------------------------------------


def pct(n: int, total: int) -> str:
    """``n`` devices of ``total`` as a whole percentage ("<1%" rather than a misleading "0%")."""
    if total <= 0:
        return "–"
    share = 100 * n / total
    return f"{share:.0f}%" if share >= 1 or n == 0 else "<1%"


@dataclass(frozen=True, slots=True)
class FleetPage:
    """Every value the fleet page prints (its template's names are these fields, and a test checks it)."""

    fleet: FleetView
    records: Iterable[tuple[DeviceRow, tuple[Violation, ...]]]
    """Each device's row and violations; iterated twice (the device table, then the violations)."""
    policy: Policy | None
    redacted: bool
    generated: str
    tool_version: str
    csp: str
    inventory: tuple[InventoryEntry, ...]
    """The most widespread packages, at most ``INVENTORY_ROWS``."""
    inventory_hidden: int
    mismatches: tuple[InventoryEntry, ...]
    user_permissions: tuple[Prevalence, ...]
    """Runtime permissions and app-ops (install-time ones are only counted)."""
    install_permissions: int
    skips: tuple[Skip, ...]
    skips_hidden: int
    per_device: int
    violation_devices: int
    versions_shown: int


def fleet_page(
    view: FleetView,
    records: Iterable[tuple[DeviceRow, tuple[Violation, ...]]],
    *,
    policy: Policy | None = None,
    redacted: bool = False,
    generated: str | None = None,
) -> FleetPage:
    """The fleet page's view of ``view`` and the spooled ``records``."""
    runtime_kinds = {"runtime", "appop"}
    return FleetPage(
        fleet=view,
        records=records,
        policy=policy,
        redacted=redacted,
        generated=generated or _now(),
        tool_version=__version__,
        csp=content_security_policy(stylesheet()),  # no script on these pages
        inventory=view.inventory[:INVENTORY_ROWS],
        inventory_hidden=max(0, len(view.inventory) - INVENTORY_ROWS),
        mismatches=view.signer_mismatches,
        user_permissions=tuple(p for p in view.permissions if p.kind in runtime_kinds),
        install_permissions=sum(1 for p in view.permissions if p.kind not in runtime_kinds),
        skips=view.skipped[:SKIPS_SHOWN],
        skips_hidden=max(0, len(view.skipped) - SKIPS_SHOWN),
        per_device=VIOLATIONS_PER_DEVICE,
        violation_devices=VIOLATION_DEVICES,
        versions_shown=VERSIONS_SHOWN,
    )


def fleet_html(page: FleetPage) -> Iterator[str]:
    """The fleet page, piece by piece as the template renders it (the registry's fleet renderer)."""
    return environment().get_template(FLEET_TEMPLATE).generate(**template_context(page))


def render_fleet_html(
    view: FleetView,
    records: Iterable[tuple[DeviceRow, tuple[Violation, ...]]],
    out: Path,
    *,
    policy: Policy | None = None,
    redacted: bool = False,
    generated: str | None = None,
) -> None:
    """Write the fleet page to ``out`` (``-`` for standard output), streaming ``records``."""
    from auditor.report.formats import FLEET, FleetFormat

    page = fleet_page(view, records, policy=policy, redacted=redacted, generated=generated)
    FLEET.write(page, FleetFormat.HTML, out)


# --------------------------------------------------------------------------------------------------
# Diff: JSON
# --------------------------------------------------------------------------------------------------


def diff_kind(diff: Diff) -> str:
    """``device`` or ``apk``: the ``kind`` of the JSON form."""
    return "apk" if isinstance(diff, ApkDiff) else "device"


def render_diff_json(diff: Diff) -> str:
    """The diff as JSON: ``kind``, ``changed``, then the diff's fields as the model names them."""
    data = to_data(diff)
    assert isinstance(data, dict)
    doc = {"kind": diff_kind(diff), "tool_version": __version__, "changed": diff.changed, **data}
    if isinstance(diff, ApkDiff):
        doc["signer_changed"] = diff.signer_changed
    return json_text(doc, indent=1) + "\n"


# --------------------------------------------------------------------------------------------------
# Diff: text
# --------------------------------------------------------------------------------------------------


def _v(value: object) -> str:
    return visible("?" if value is None else str(value))


def _score(score: int | None, grade: object, absent: str = "not scored") -> str:
    if score is None:
        return absent
    g = getattr(grade, "value", grade)
    return f"{score} ({g})" if g else str(score)


def _section(title: str, lines: list[str]) -> Iterator[str]:
    if lines:
        yield ""
        yield f"{title} ({len(lines)}):"
        yield from lines


def _report_text(d: ReportDiff) -> Iterator[str]:
    yield f"Device: {_v(d.new.title)}" + (f" (serial {_v(d.new.serial)})" if d.new.serial else "")
    yield f"  old: {_v(d.old.path)} — captured {_v(d.old.captured)}"
    yield f"  new: {_v(d.new.path)} — captured {_v(d.new.captured)}"
    if d.forced:
        yield "  (compared with --force: these look like different devices)"
    if d.red_flags:
        yield ""
        yield "RED FLAGS:"
        yield from (f"  ! {_v(f)}" for f in d.red_flags)
    if not d.changed:
        yield ""
        yield "No change."
        return
    yield from _section("Device changes", [f"  ~ {c.field}: {_v(c.old)} → {_v(c.new)}" for c in d.device])
    exposure = []
    for e in d.exposure:
        who = "device" if e.package is None else f"{_v(e.package)} (user {e.user})"
        absent = "not scored" if e.package is None else "not installed"
        exposure.append(
            f"  {'+' if e.delta > 0 else '-'} {who}: {_score(e.old_score, e.old_grade, absent)} → "
            f"{_score(e.new_score, e.new_grade, absent)} ({e.delta:+d})"
        )
        exposure.extend(f"      {r.new_points - r.old_points:+d} {_v(r.rule)}: {_v(r.text)}" for r in e.reasons[:6])
        if len(e.reasons) > 6:
            exposure.append(f"      … {len(e.reasons) - 6} more reasons")
    yield from _section("Exposure changes", exposure)
    yield from _section(
        "Apps added",
        [
            f"  + {_v(a.package)} (user {a.user}) {_v(a.version)} from {_v(a.installer or 'no installer')}"
            f" [{a.install_source.value}]" + (f" — holds {_v(', '.join(a.special))}" if a.special else "")
            for a in d.apps_added
        ],
    )
    yield from _section(
        "Apps removed", [f"  - {_v(a.package)} (user {a.user}) {_v(a.version)}" for a in d.apps_removed]
    )
    updated = []
    for u in d.apps_updated:
        line = f"  ~ {_v(u.package)} (user {u.user}) {_v(u.old_version)} → {_v(u.new_version)}"
        if u.old_installer != u.new_installer:
            line += f"; installer {_v(u.old_installer)} → {_v(u.new_installer)}"
        if u.signer_changed:
            line += f"; SIGNER CHANGED {_v(u.old_signer)} → {_v(u.new_signer)}"
        updated.append(line)
    yield from _section("Apps updated", updated)
    yield from _section(
        "Permissions newly granted",
        [
            f"  + {_v(p.package)} (user {p.user}) {_v(p.permission)}: {_v(p.old.value if p.old else 'not installed')}"
            f" → {_v(p.new.value if p.new else '?')}"
            for p in d.permissions
            if p.granted
        ],
    )
    yield from _section(
        "Permissions revoked",
        [
            f"  - {_v(p.package)} (user {p.user}) {_v(p.permission)}: {_v(p.old.value if p.old else '?')}"
            f" → {_v(p.new.value if p.new else 'no longer requested')}"
            for p in d.permissions
            if not p.granted
        ],
    )
    yield from _section(
        "Special access turned on",
        [
            f"  + {_v(s.package)} (user {s.user}) {s.kind.value}{' ' + _v(s.detail) if s.detail else ''}"
            for s in d.special_access
            if s.on
        ],
    )
    yield from _section(
        "Special access turned off",
        [
            f"  - {_v(s.package)} (user {s.user}) {s.kind.value}{' ' + _v(s.detail) if s.detail else ''}"
            for s in d.special_access
            if not s.on
        ],
    )
    yield from _section(
        "Trackers added",
        [
            f"  + {_v(t.package)} (user {t.user}) {_v(t.tracker)} [{_v(', '.join(t.categories))}]"
            for t in d.trackers
            if t.added
        ],
    )
    yield from _section(
        "Trackers removed",
        [f"  - {_v(t.package)} (user {t.user}) {_v(t.tracker)}" for t in d.trackers if not t.added],
    )
    yield from _section(
        "New findings",
        [
            f"  + {_v(f.package)} (user {f.user}) {_v(f.rule_id)} [{f.severity.value}] {_v(f.title)}"
            for f in d.findings
            if f.new
        ],
    )
    yield from _section(
        "Resolved findings",
        [f"  - {_v(f.package)} (user {f.user}) {_v(f.rule_id)} {_v(f.title)}" for f in d.findings if not f.new],
    )


def _apk_text(d: ApkDiff) -> Iterator[str]:
    yield f"APK: {_v(d.old.title)} → {_v(d.new.title)}"
    yield f"  old: {_v(d.old.path)} (sha256 {_v(d.old.sha256)})"
    yield f"  new: {_v(d.new.path)} (sha256 {_v(d.new.sha256)})"
    if d.forced:
        yield "  (compared with --force: these are different packages)"
    if d.red_flags:
        yield ""
        yield "RED FLAGS:"
        yield from (f"  ! {_v(f)}" for f in d.red_flags)
    if not d.changed:
        yield ""
        yield "No change."
        return
    yield from _section("Changed", [f"  ~ {c.field}: {_v(c.old)} → {_v(c.new)}" for c in d.fields])
    if d.signer_changed:
        yield from _section("Signer", [f"  ~ {_v(d.old_signer or 'unsigned')} → {_v(d.new_signer or 'unsigned')}"])
    yield from _section("Permissions added", [f"  + {_v(p)}" for p in d.permissions_added])
    yield from _section("Permissions removed", [f"  - {_v(p)}" for p in d.permissions_removed])
    yield from _section(
        "Exported components added",
        [
            f"  + {c.kind.value} {_v(c.name)}"
            + (f" (needs {_v(c.permission)})" if c.permission else " (open to any app)")
            for c in d.exported_added
        ],
    )
    yield from _section("Exported components removed", [f"  - {c.kind.value} {_v(c.name)}" for c in d.exported_removed])
    yield from _section("Trackers added", [f"  + {_v(t)}" for t in d.trackers_added])
    yield from _section("Trackers removed", [f"  - {_v(t)}" for t in d.trackers_removed])


def render_diff_text(diff: Diff) -> str:
    """The diff for a terminal: a header, red flags first, then one section per kind of change."""
    lines = _apk_text(diff) if isinstance(diff, ApkDiff) else _report_text(diff)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# Diff: HTML
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiffPage:
    """Every value the diff page prints (its template's names are these fields, and a test checks it).

    The lists split a device diff's changes for the page's tables; they are empty for two APKs,
    whose changes the template reads from ``diff`` itself.
    """

    diff: Diff
    kind: str
    """``device`` or ``apk`` (as in the JSON form)."""
    generated: str
    tool_version: str
    csp: str
    granted: tuple[PermissionChange, ...] = ()
    revoked: tuple[PermissionChange, ...] = ()
    turned_on: tuple[SpecialAccessChange, ...] = ()
    turned_off: tuple[SpecialAccessChange, ...] = ()
    trackers_added: tuple[TrackerChange, ...] = ()
    trackers_removed: tuple[TrackerChange, ...] = ()
    findings_new: tuple[FindingChange, ...] = ()
    findings_resolved: tuple[FindingChange, ...] = ()


def diff_page(diff: Diff, *, generated: str | None = None) -> DiffPage:
    """The diff page's view of ``diff``."""
    page = DiffPage(
        diff=diff,
        kind=diff_kind(diff),
        generated=generated or _now(),
        tool_version=__version__,
        csp=content_security_policy(stylesheet()),  # no script on these pages
    )
    if isinstance(diff, ApkDiff):
        return page
    if isinstance(diff, ReportDiff):
        return replace(
            page,
            granted=tuple(p for p in diff.permissions if p.granted),
            revoked=tuple(p for p in diff.permissions if not p.granted),
            turned_on=tuple(s for s in diff.special_access if s.on),
            turned_off=tuple(s for s in diff.special_access if not s.on),
            trackers_added=tuple(t for t in diff.trackers if t.added),
            trackers_removed=tuple(t for t in diff.trackers if not t.added),
            findings_new=tuple(f for f in diff.findings if f.new),
            findings_resolved=tuple(f for f in diff.findings if not f.new),
        )
    assert_never(diff)


def render_diff_html(diff: Diff, *, generated: str | None = None) -> str:
    """The diff as one self-contained page, styled like the audit report."""
    page = diff_page(diff, generated=generated)
    return environment().get_template(DIFF_TEMPLATE).render(**template_context(page))
