"""The HTML report: one self-contained file a person reads in a minute and an engineer can check.

Safety. Every string from a device or an APK is hostile (MobSF had stored XSS through an app name
and a manifest attribute). So:

* jinja2 with autoescape on and ``StrictUndefined``; nothing is ever marked safe. Every printed
  value also passes through ``visible`` (the environment's ``finalize``), so bidi overrides and
  control characters show as ``\\u{202e}`` instead of reordering the page;
* no link is built from data: the only ``href`` values are ``#a<n>`` anchors the renderer makes;
* the page script and style are static files inlined verbatim (``{% include %}`` emits template text
  unescaped, and these templates hold no expressions), allowed by their SHA-256 in a
  Content-Security-Policy that forbids everything else: no other script, no inline ``style``
  attribute, no remote load of any kind, no form, no base URL, and Trusted Types so that the script
  cannot turn text into markup even by mistake;
* the page's data for the script goes in as JSON in a ``<script type="application/json">`` block
  (jinja's ``tojson`` escapes ``<``, ``>``, ``&`` and ``'``), which browsers never execute;
* icons are not shown: the model carries none, and an APK's SVG is a script vector.

Without JavaScript every section is still there as server-rendered tables; the script adds sorting,
filtering, the category chooser and copy buttons.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import TYPE_CHECKING, Final

import jinja2

from auditor.model import (
    AccessLevel,
    AccessState,
    AppOrigin,
    AppReport,
    AuditReport,
    CategoryExposure,
    DataCategory,
    DevicePart,
    EffectiveAccess,
    ExposurePart,
    ExposurePool,
    Finding,
    Grade,
    IndicatorList,
    NoteLevel,
    PermissionKind,
    PermissionReport,
    Removal,
    ScoreReason,
    Severity,
)
from auditor.report import digest, timeline_view, words
from auditor.report.recent_chart import RESOURCE_TITLES, Timeline, timeline
from auditor.score import safety
from auditor.score.evidence import duration_words
from auditor.score.scope import app_origin

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

TEMPLATE_PACKAGE: Final = "auditor.report"
TEMPLATE_DIR: Final = "templates"
SCRIPT_TEMPLATE: Final = "report.js"
STYLE_TEMPLATE: Final = "report.css"
PAGE_TEMPLATE: Final = "report.html.j2"

TOP_APPS: Final = 8
ORIGINS_SHOWN: Final = (AppOrigin.INSTALLED, AppOrigin.PREINSTALLED, AppOrigin.PLATFORM)
"""Origins in the order a person reads them: what was installed, what came with the phone, the system itself."""


# --------------------------------------------------------------------------------------------------
# The jinja2 environment
# --------------------------------------------------------------------------------------------------


def _finalize(value: object) -> object:
    """Applied to every ``{{ … }}``: make hostile characters visible; leave jinja's own escaped output alone."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return words.visible(value)
    return value


def safe_environment(**template_globals: object) -> jinja2.Environment:
    """A jinja2 environment for every page the auditor writes (this report, the fleet page, the diff).

    Autoescape always on, undefined names are errors, every printed value made visible: one place
    decides how hostile device and APK strings are rendered.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(TEMPLATE_PACKAGE, TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(template_globals)
    return env


def template_context(view: DataclassInstance) -> dict[str, object]:
    """A page view's fields as its template's names.

    Every page is rendered from one frozen view (``ReportView``, ``FleetPage``, ``DiffPage``) whose
    fields are exactly the names its template reads besides the environment's helpers; a test parses
    each template and checks the two agree, so a misspelt name fails there rather than on the one
    branch of a page that happens to use it.
    """
    return {f.name: getattr(view, f.name) for f in fields(view)}


@cache
def environment() -> jinja2.Environment:
    """The report's environment, with the plain-words helpers its templates call."""
    return safe_environment(
        effective_words=words.effective_words,
        flag_words=words.flag_words,
        permission_kind_words=words.permission_kind_words,
        install_source_words=words.install_source_words,
        origin_words=words.origin_words,
        removal_words=words.removal_words,
        level_phrase=words.level_phrase,
        level_short=words.level_short,
        grade_words=words.grade_words,
        category_label=words.category_label,
        qualifier_words=words.qualifier_words,
        via_words=words.via_words,
        user_kind_words=words.user_kind_words,
        short_permission=words.short_permission,
        holder_words=digest.holder_words,
        ago_words=digest.ago_words,
        age_words=digest.age_words,
        usable=digest.usable,
        sev_rank=words.severity_rank,
        commands_in=commands_in,
        last_used=last_used,
        counts=counts,
        duration_words=duration_words,
        QUIET_FLAGS=words.QUIET_FLAGS,
    )


@cache
def static_text(name: str) -> str:
    """A static template (a script or a stylesheet) exactly as a page inlines it."""
    return environment().get_template(name).render()


def sha256_source(text: str) -> str:
    """A CSP source that allows exactly this inline text: ``'sha256-<base64>'``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@cache
def content_security_policy(style: str, script: str | None = None) -> str:
    """The Content-Security-Policy of every page the auditor writes (this report, the fleet page, the diff).

    It allows the page's own inline ``style`` and, when it has one, its inline ``script``, each by
    its SHA-256, and ``data:`` images; nothing else loads, nothing remote, no form, no base URL. A page
    with a script also requires Trusted Types, so that the script cannot turn text into markup even by
    mistake; a page without one forbids scripts outright.
    """
    if script is None:
        scripts: tuple[str, ...] = ()
        # Listed after the images: the pages without a script have always written their policy so.
        no_script: tuple[str, ...] = ("script-src 'none'",)
        trusted: tuple[str, ...] = ()
    else:
        scripts = (f"script-src {sha256_source(script)}",)
        no_script = ()
        trusted = ("require-trusted-types-for 'script'", "trusted-types 'none'")
    return "; ".join(
        (
            "default-src 'none'",
            *scripts,
            f"style-src {sha256_source(style)}",
            "img-src data:",
            *no_script,
            "connect-src 'none'",
            "font-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            *trusted,
        )
    )


# --------------------------------------------------------------------------------------------------
# The view: what the template prints, precomputed so the template stays a plain layout
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    rank: int
    level: AccessLevel


@dataclass(frozen=True, slots=True)
class AppView:
    """One app as the page shows it; ``anchor`` is made here, never from data."""

    anchor: str
    app: AppReport
    name: str
    label: str | None
    user_tag: str | None
    """``work profile`` etc. for apps outside the owner's user; ``None`` for user 0."""
    score: int | None
    grade: Grade | None
    grade_words: str | None
    """The grade in words, for its tooltip."""
    cells: tuple[Cell, ...]
    permissions: tuple[PermissionReport, ...]
    """Rows worth a table line: runtime and special permissions, anything denied, flagged or used."""
    plain: tuple[PermissionReport, ...]
    """Ordinary install-time grants with nothing recorded (INTERNET, WAKE_LOCK …): listed in one line."""
    findings: tuple[Finding, ...]
    reasons: tuple[ScoreReason, ...]
    categories: tuple[CategoryExposure, ...]
    keys: int
    granted: int
    worst: Severity | None
    origin: AppOrigin
    basis: str | None
    """What the origin rests on (``None`` for reports written before origins)."""
    removal: Removal
    fix: str | None
    """The command that uninstalls or disables the app, where one is safe."""


@dataclass(frozen=True, slots=True)
class CategoryEntryView:
    app: AppView
    exposure: CategoryExposure


@dataclass(frozen=True, slots=True)
class CategoryView:
    category: DataCategory
    label: str
    reach: tuple[CategoryEntryView, ...]
    asked: tuple[AppView, ...]


def _perm_order(p: PermissionReport) -> tuple[int, str]:
    return (0 if digest.usable(p) else 1 if p.granted else 2, p.name)


def counts(v: AppView) -> list[str]:
    """The folded app line's counts: findings (with the worst), master keys, usable runtime permissions."""
    out = []
    if v.findings and v.worst is not None:
        n = len(v.findings)
        out.append(f"{n} finding{'s' if n != 1 else ''} (worst {v.worst.value})")
    if v.keys:
        out.append(f"{v.keys} master key{'s' if v.keys != 1 else ''}")
    if v.granted:
        out.append(f"can use {v.granted} runtime permission{'s' if v.granted != 1 else ''}")
    return out


def last_used(p: PermissionReport) -> list[tuple[str, bool]]:
    """The "last used" cell as (text, in the background) parts: last access, an older background
    access, the last refused attempt."""
    parts: list[tuple[str, bool]] = []
    if p.last_access:
        background = p.last_access_state is AccessState.BACKGROUND
        parts.append((p.last_access + (" in the background" if background else ""), background))
    if p.last_background_access and p.last_background_access != p.last_access:
        parts.append((f"in the background {p.last_background_access}", True))
    if p.last_reject:
        parts.append((f"refused {p.last_reject}", False))
    return parts


def _is_plain(p: PermissionReport) -> bool:
    """An install permission granted with nothing else to say: it needs no row of its own."""
    return (
        p.kind is PermissionKind.INSTALL
        and p.granted is True
        and p.requested is not False
        and p.effective is EffectiveAccess.ALLOWED
        and not p.appop
        and not p.last_access
        and not p.last_reject
        and all(f in words.QUIET_FLAGS for f in p.flags)
    )


def _user_tag(app: AppReport, kinds: dict[int, str]) -> str | None:
    if app.user == 0:
        return None
    return f"{kinds.get(app.user, 'user')} {app.user}"


def _app_views(report: AuditReport) -> list[AppView]:
    kinds = {u.id: words.user_kind_words(u.kind) for u in report.users}
    views = []
    for i, app in enumerate(report.apps):
        exposure = app.exposure
        by_cat = {c.category: c for c in exposure.categories} if exposure else {}
        cells = tuple(
            Cell(
                by_cat[c].level.rank if c in by_cat else 0,
                by_cat[c].level if c in by_cat else AccessLevel.NONE,
            )
            for c in DataCategory
        )
        findings = tuple(sorted(app.findings, key=lambda f: (words.severity_rank(f.severity), f.rule_id)))
        views.append(
            AppView(
                anchor=f"a{i}",
                app=app,
                name=digest.app_name(app),
                label=digest.app_label(app),
                user_tag=_user_tag(app, kinds),
                score=exposure.score if exposure else None,
                grade=exposure.grade if exposure else None,
                grade_words=words.grade_words(exposure.grade) if exposure else None,
                cells=cells,
                permissions=tuple(sorted((p for p in app.permissions if not _is_plain(p)), key=_perm_order)),
                plain=tuple(sorted((p for p in app.permissions if _is_plain(p)), key=lambda p: p.name)),
                findings=findings,
                reasons=tuple(sorted(exposure.reasons, key=lambda r: -r.points)) if exposure else (),
                categories=tuple(sorted(exposure.categories, key=lambda c: -c.level.rank)) if exposure else (),
                keys=sum(1 for s in app.special_access if digest.is_master_key(s)),
                granted=sum(1 for p in app.permissions if digest.usable(p) and p.kind is PermissionKind.RUNTIME),
                worst=findings[0].severity if findings else None,
                origin=app_origin(app),
                basis=app.provenance.basis if app.provenance else None,
                removal=digest.app_removal(app),
                fix=digest.removal_command(app),
            )
        )
    return views


@dataclass(frozen=True, slots=True)
class PartView:
    """One part of the device exposure as the overview lists it."""

    part: DevicePart
    title: str
    points: int
    apps: int
    percent: int
    reasons: tuple[ScoreReason, ...]
    counted: str
    """What the part covers, in words: ``3 apps, counted at 10%``, or ``2 findings`` for the phone's own parts."""


def _counted(part: ExposurePart, reasons: int) -> str:
    if part.part in (DevicePart.KNOWN_THREATS, DevicePart.PHONE_SETTINGS):
        return f"{reasons} finding{'s' if reasons != 1 else ''}"
    share = f", counted at {part.percent}%" if part.percent != 100 else ""
    return f"{part.apps} app{'s' if part.apps != 1 else ''}{share}"


def _part_views(report: AuditReport) -> list[PartView]:
    e = report.device_exposure
    if e is None:
        return []
    return [
        PartView(
            part=p.part,
            title=words.part_title(p.part),
            points=p.points,
            apps=p.apps,
            percent=p.percent,
            reasons=(reasons := tuple(r for r in e.reasons if r.part is p.part)),
            counted=_counted(p, len(reasons)),
        )
        for p in e.parts
    ]


def _by_score(views: Sequence[AppView]) -> list[AppView]:
    return sorted(views, key=lambda v: (-(v.score or 0), v.app.package, v.app.user))


def _category_views(views: Sequence[AppView]) -> list[CategoryView]:
    out = []
    for i, category in enumerate(DataCategory):
        reach: list[CategoryEntryView] = []
        asked: list[AppView] = []
        for v in views:
            cell = v.cells[i]
            if cell.rank >= digest.REACH_MIN.rank:
                exposure = next(c for c in v.categories if c.category is category)
                reach.append(CategoryEntryView(v, exposure))
            elif cell.level is AccessLevel.REQUESTED:
                asked.append(v)
        reach.sort(key=lambda e: (-e.exposure.level.rank, -(e.app.score or 0), e.app.app.package, e.app.app.user))
        out.append(CategoryView(category, words.category_label(category), tuple(reach), tuple(asked)))
    return out


def _notes(report: AuditReport) -> list[tuple[str, str, str, str]]:
    """(where, section, level, message) for the report's notes, then every app's."""
    rows = [("device", n.section, words.note_level_words(n.level), n.message) for n in report.notes]
    for app in report.apps:
        rows.extend((digest.app_key(app), n.section, words.note_level_words(n.level), n.message) for n in app.notes)
    return rows


def _rules_used(report: AuditReport) -> list[tuple[str, str, Severity, int]]:
    found: dict[str, tuple[str, Severity, int]] = {}
    for app in report.apps:
        for f in app.findings:
            title, sev, n = found.get(f.rule_id, (f.title, f.severity, 0))
            found[f.rule_id] = (title, sev, n + 1)
    return sorted(((k, t, s, n) for k, (t, s, n) in found.items()), key=lambda r: (words.severity_rank(r[2]), r[0]))


_COMMAND_START = re.compile(r"\badb shell\b")
_TOKEN = re.compile(r" ((?:'[^']*'|[^\s'])+)")
_PROSE = frozenset({"—", "–", "-", "or", "and", "then"})


def commands_in(remediation: str) -> list[str]:
    """The ``adb shell …`` commands inside a remediation text, each to be shown in its own copyable block.

    A remediation is either exactly a command (possibly several joined by ``&&``), or prose that
    names one ("… — or Settings › …", "When it is safe: … adb shell pm uninstall …"). A command runs
    token by token (shell quotes kept whole, so a quoted hostile package name is never cut) until a
    word of prose, an opening parenthesis, or a token ending a clause (``,`` ``;`` ``.``).
    """
    found: list[str] = []
    end = 0
    for start in _COMMAND_START.finditer(remediation):
        if start.start() < end:
            continue  # the second half of an ``a && b`` chain already taken
        parts, i = ["adb shell"], start.end()
        while (tok := _TOKEN.match(remediation, i)) is not None:
            word = tok.group(1)
            if word in _PROSE or word.startswith("("):
                break
            i = tok.end()
            if word[-1] in ",;." and not word.endswith("'"):
                parts.append(word[:-1])
                break
            parts.append(word)
        end = i
        if len(parts) > 2:
            found.append(" ".join(parts))
    return found


def page_data(report: AuditReport) -> dict[str, object]:
    """What the page's script reads: category names and level words (no device text is needed there)."""
    return {
        "categories": {c.value: words.category_label(c) for c in DataCategory},
        "levels": {lv.value: {"rank": lv.rank, "words": words.level_phrase(lv)} for lv in AccessLevel},
        "schema": report.schema,
    }


@dataclass(frozen=True, slots=True)
class ReportView:
    """Every value the report's template reads, besides the environment's word helpers.

    Its fields are exactly the template's names (``template_context``); a test parses the template
    and checks the two agree, so a misspelt or missing value fails there, not on the one branch of
    the page (an unscored report, a device without APKs) that happens to print it.
    """

    report: AuditReport
    csp: str
    data: Mapping[str, object]
    """What the page's script reads (``page_data``), embedded as JSON."""
    device_title: str
    serial: str | None
    patch_age: int | None
    """Days between the security patch and the capture, by the device's clock."""
    app_count: int
    origin_counts: tuple[tuple[AppOrigin, int], ...]
    """Installed apps by origin (apps not installed for their user, and unlisted ones, are counted apart)."""
    apart: str | None
    """Apps listed but not counted as installed, in words (``None`` when there are none)."""
    """How many apps come from each origin, in ``ORIGINS_SHOWN`` order."""
    origins: tuple[AppOrigin, ...]
    """The origins the reach lists can be filtered by; ``platform`` is hidden at first."""
    scored: bool
    ranked: tuple[AppView, ...]
    """Every app, most exposed first: the per-app detail."""
    view_of: Callable[[AppReport], AppView]
    """The view of one of the report's apps (for lists built from the report: recent access, keys, trackers)."""
    top: tuple[tuple[AppView, digest.TopApp], ...]
    parts: tuple[PartView, ...]
    """The device exposure's parts, each with its reasons."""
    device_cap: tuple[ScoreReason, ...]
    """The device's cap reason, when the parts add up to more than 100."""
    preinstalled: tuple[AppView, ...]
    """Apps that came with the phone, most exposed first: their own section."""
    preinstalled_share: int
    """The share at which preinstalled apps count in the device exposure."""
    groups: tuple[tuple[str, digest.KeyGroup], ...]
    """Each group of special accesses with the anchor both the overview and its section link to."""
    findings_by_severity: tuple[tuple[Severity, int], ...]
    levels: tuple[AccessLevel, ...]
    categories: tuple[DataCategory, ...]
    matrix: tuple[AppView, ...]
    """The apps that reach at least one category, most exposed first."""
    matrix_hidden: int
    category_views: tuple[CategoryView, ...]
    recent: tuple[tuple[str, tuple[digest.RecentUse, ...]], ...]
    """Camera, microphone and location: the title and the apps' last uses."""
    timeline: Timeline | None
    access: timeline_view.TimelineView | None
    """The access timeline section and each app's event list."""
    trackers: tuple[digest.TrackerReach, ...]
    apks: int
    """How many APKs were analysed (trackers are known only for those)."""
    tracker_attribution: str | None
    pools: tuple[ExposurePool, ...]
    flag_legend: tuple[tuple[str, str], ...]
    notes: tuple[tuple[str, str, str, str], ...]
    gaps: int
    """Device notes above the info level: parts of the data missing or incomplete."""
    rules_used: tuple[tuple[str, str, Severity, int], ...]
    safety_notes: tuple[tuple[str, tuple[AppView, ...]], ...]
    """Each distinct safety text of the report's findings (known stalkerware, watchware, stalkerware-like apps)
    with the apps it concerns: shown at the top of the page, before any fix."""
    threats: tuple[tuple[AppView | None, Finding], ...]
    """Known-threat findings (AUD-IOC-*), each with its app (``None``: traces on the phone itself)."""
    settings: tuple[Finding, ...]
    """The phone's own safety settings that are unsafe (posture findings), most severe first."""
    indicator_lists: tuple[IndicatorList, ...]
    """The indicator lists matched, for the known-threats section and the method."""
    help_text: str
    """Where to get help (the Coalition Against Stalkerware's resources)."""


def report_view(report: AuditReport) -> ReportView:
    """The report as its page shows it: ranked, grouped and counted here, so the template stays a plain layout."""
    views = _app_views(report)
    ranked = _by_score(views)
    by_app = {id(v.app): v for v in views}
    recent = digest.recent_access(report)
    matrix = tuple(v for v in ranked if any(c.rank > 0 for c in v.cells))

    def view_of(app: AppReport) -> AppView:
        return by_app[id(app)]

    return ReportView(
        report=report,
        csp=content_security_policy(static_text(STYLE_TEMPLATE), static_text(SCRIPT_TEMPLATE)),
        data=page_data(report),
        device_title=digest.device_title(report.device),
        serial=digest.device_serial(report),
        patch_age=digest.patch_age_days(report.device, digest.capture_time(report.source)),
        app_count=sum(a.installed for a in report.apps),
        origin_counts=tuple((o, sum(1 for v in views if v.origin is o and v.app.installed)) for o in ORIGINS_SHOWN),
        apart=digest.counted_apart(report),
        origins=ORIGINS_SHOWN,
        scored=any(v.score is not None for v in views),
        ranked=tuple(ranked),
        view_of=view_of,
        top=tuple((view_of(t.app), t) for t in digest.top_apps(report, TOP_APPS)),
        parts=tuple(_part_views(report)),
        device_cap=tuple(r for r in report.device_exposure.reasons if r.part is None) if report.device_exposure else (),
        preinstalled=tuple(v for v in ranked if v.origin is AppOrigin.PREINSTALLED),
        preinstalled_share=digest.part_shares(report)[DevicePart.PREINSTALLED_APPS],
        groups=tuple((f"k{i}", g) for i, g in enumerate(digest.key_groups(report), 1)),
        findings_by_severity=tuple((s, sum(1 for v in views for f in v.findings if f.severity is s)) for s in Severity),
        levels=tuple(AccessLevel),
        categories=tuple(DataCategory),
        matrix=matrix,
        matrix_hidden=len(views) - len(matrix),
        category_views=tuple(_category_views(ranked)),
        recent=tuple((RESOURCE_TITLES[resource], tuple(uses)) for resource, uses in recent.items()),
        timeline=timeline(recent),
        access=timeline_view.timeline_view(report),
        trackers=tuple(digest.tracker_reach(report)),
        apks=digest.apks_analysed(report.apps),
        tracker_attribution=_tracker_attribution(report),
        pools=report.device_exposure.pools if report.device_exposure else (),
        flag_legend=tuple(words.flag_legend()),
        notes=tuple(_notes(report)),
        gaps=sum(1 for n in report.notes if n.level is not NoteLevel.INFO),
        rules_used=tuple(_rules_used(report)),
        safety_notes=_safety_notes(ranked, report.device_findings),
        threats=tuple(
            (view_of(app) if app is not None else None, f) for app, f in digest.known_threat_findings(report)
        ),
        settings=tuple(digest.setting_findings(report)),
        indicator_lists=report.indicator_lists,
        help_text=safety.HELP,
    )


def _safety_notes(
    ranked: Sequence[AppView], device_findings: Sequence[Finding]
) -> tuple[tuple[str, tuple[AppView, ...]], ...]:
    """Distinct safety texts, in order of the most exposed app they concern, each with its apps (the phone's own
    known-threat traces add their text with no app)."""
    found: dict[str, list[AppView]] = {}
    for v in ranked:
        for text in dict.fromkeys(f.safety for f in v.findings if f.safety):
            found.setdefault(text, []).append(v)
    for f in device_findings:
        if f.safety:
            found.setdefault(f.safety, [])
    return tuple((text, tuple(apps)) for text, apps in found.items())


def render_html(report: AuditReport) -> str:
    """The report as one self-contained HTML page (UTF-8 text)."""
    return environment().get_template(PAGE_TEMPLATE).render(**template_context(report_view(report)))


def _tracker_attribution(report: AuditReport) -> str | None:
    """The Exodus list's ODbL attribution, when any APK was analysed (imported lazily: it pulls in ``auditor.apk``)."""
    if not any(a.apk is not None for a in report.apps):
        return None
    from auditor.apk.trackers import ATTRIBUTION

    return ATTRIBUTION
