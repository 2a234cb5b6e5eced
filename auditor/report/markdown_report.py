"""A short Markdown summary of the audit, for a terminal, a ticket or an e-mail.

It says what the HTML overview says: the device, its exposure by part, the apps that matter most and why,
the master keys, who last used the camera, microphone and location, the worst findings and what
was incomplete. The full evidence stays in the HTML and JSON reports.

Safety: device and APK text is hostile here too. Markdown renderers (GitHub, GitLab, chat tools)
turn ``[x](javascript:…)`` into links, pass raw HTML through, and split a table row at ``|``. So
such text is only ever printed inside a code span, whose fence is longer than any run of backticks
in it; invisible and reordering characters are shown as ``\\u{…}`` (a newline can no longer start a
heading); and inside tables ``|`` is escaped, as GFM requires even in code spans. Prose that
embeds such text (score reasons) is backslash-escaped instead.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from auditor.model import AppOrigin, AppReport, AuditReport, NoteLevel, Severity
from auditor.report import digest
from auditor.report.timeline_view import background_sessions_24h
from auditor.report.words import (
    grade_words,
    install_source_words,
    origin_words,
    part_title,
    severity_rank,
    visible,
)
from auditor.score import safety
from auditor.score.evidence import duration_words
from auditor.score.scope import app_origin

MAX_TOP: Final = 8
MAX_FINDINGS: Final = 12
MAX_HOLDERS: Final = 6
MAX_RECENT: Final = 3

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
"""Characters that start emphasis, code, links, raw HTML, entities, table cells or strikethrough mid-line.
(Line-start syntax such as ``#`` or ``-`` cannot occur: escaped text never starts a line here.)"""


def md_code(text: str | None, *, table: bool = False) -> str:
    """``text`` as an inline code span that no content can close or escape from."""
    if not text:
        return "—"
    shown = visible(text)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith(("`", " ")) or shown.endswith(("`", " ")) else ""
    span = f"{fence}{pad}{shown}{pad}{fence}"
    return span.replace("|", "\\|") if table else span


def md_text(text: str) -> str:
    """Prose that may embed hostile text: every Markdown-active ASCII character backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", visible(text))


def _app(app: AppReport, *, table: bool = False) -> str:
    label = digest.app_label(app)
    name = md_code(app.package, table=table)
    if label:
        name = f"{md_code(label, table=table)} ({name})"
    return name if app.user == 0 else f"{name} (user {app.user})"


def _origin_note(app: AppReport) -> str:
    """How an installed app came (store, sideloaded …), else where it comes from."""
    origin = app_origin(app)
    return install_source_words(app.install_source) if origin is AppOrigin.INSTALLED else origin_words(origin)


def _threats_and_settings(report: AuditReport) -> list[str]:
    """Known threats, the safety words first (before any fix), then the phone's unsafe settings with their fix."""
    out = ["", "## Known threats", ""]
    threats = digest.known_threat_findings(report)
    for text in dict.fromkeys(f.safety for _, f in threats if f.safety):
        out += [f"> **{md_text(text)}**", ""]
    for app, f in threats:
        where = _app(app) if app is not None else "the phone itself"
        out.append(
            f"- **{f.severity.value}** `{f.rule_id}` {md_text(f.title)} ({f.confidence.value} confidence): {where}"
        )
        out += [f"  - {md_text(e)}" for e in f.evidence]
        out.append(f"  - Then, the fix: {md_text(f.remediation)}")
    if not threats:
        out.append(
            "No app matches the indicator lists. No match never means no stalkerware: the lists are incomplete. "
            + md_text(safety.HELP)
        )
    if report.indicator_lists:
        lists = "; ".join(
            f"{md_code(x.name)} {md_code(x.version)}"
            + (f" ({md_text(x.attribution or x.licence)})" if x.licence else "")
            for x in report.indicator_lists
        )
        out += ["", f"Lists matched: {lists}."]
    settings = digest.setting_findings(report)
    if settings:
        out += ["", "## Phone settings", ""]
        out += [
            f"- **{f.severity.value}** `{f.rule_id}` {md_text(f.title)}: {md_text('; '.join(f.evidence))}. "
            f"Fix: {md_text(f.remediation)}"
            for f in settings
        ]
    return out


def report_markdown(report: AuditReport) -> str:
    """The summary as Markdown text."""
    d = report.device
    out: list[str] = [f"# App access audit: {md_code(digest.device_title(d))}", ""]
    patch = "unknown"
    if d.security_patch:
        patch = md_code(d.security_patch)
        age = digest.patch_age_days(d, digest.capture_time(report.source))
        if age is not None:
            patch += f" ({digest.age_words(age)} old at capture)"
    users = len({a.user for a in report.apps} | {u.id for u in report.users})
    apart = digest.counted_apart(report)
    out.append(
        f"Android {md_code(d.android_release)}{f' (SDK {d.sdk})' if d.sdk else ''}, security patch {patch}. "
        f"Captured {md_code(report.source.collected_at)}; {sum(a.installed for a in report.apps)} installed apps"
        f"{f' (also listed: {apart})' if apart else ''} in {users} "
        f"user{'s' if users != 1 else ''}; snapshot {md_code((report.source.snapshot_sha256 or '')[:16])}."
    )
    out.append("")
    if report.device_exposure is not None:
        e = report.device_exposure
        out.append(f"**Device exposure: {e.grade.value} ({e.score}/100)**, {grade_words(e.grade)}.")
        parts = [
            f"{part_title(p.part)}: {p.points:+d}" + (f" ({p.apps} apps)" if p.apps else "")
            for p in e.parts
            if p.apps or p.points
        ]
        if parts:
            out.append("By part: " + "; ".join(parts) + ".")
        if e.platform is not None:
            out.append(
                f"The operating system's own components ({e.platform.apps}) hold their accesses by design: "
                "context, not counted."
            )
    else:
        out.append("Not scored: no exposure grade.")
    if not report.source.complete:
        out.append("")
        out.append("**The snapshot is incomplete**: collection stopped early.")

    out += _threats_and_settings(report)

    top = digest.top_apps(report, MAX_TOP)
    out += ["", "## Apps that matter most", ""]
    if top:
        out.append("Ranked by what each counts for in the device exposure; the operating system's own components only")
        out.append("when their origin is abnormal.")
        out += ["", "| Grade | Score | App | Origin | Why |", "|---|---:|---|---|---|"]
        for t in top:
            grade = t.grade.value if t.grade else "–"
            score = str(t.score) if t.score is not None else "–"
            also = f" and {len(t.also)} more sharing its uid" if t.also else ""
            origin = origin_words(t.origin)
            out.append(f"| {grade} | {score} | {_app(t.app, table=True)}{also} | {origin} | {md_text(t.why)} |")
    else:
        out.append("No app stands out.")

    groups = [g for g in digest.key_groups(report) if g.master]
    out += ["", "## Master keys", ""]
    if not groups:
        out.append("No app holds a master key.")
    for g in groups:
        shown = list(g.holders[:MAX_HOLDERS])
        names = ", ".join(_app(h.app) + " — " + _origin_note(h.app) for h in shown)
        more = f", and {len(g.holders) - len(shown)} more" if len(g.holders) > len(shown) else ""
        out.append(f"- **{g.words.title}** ({g.words.meaning}): {names}{more}")

    out += ["", "## Recent access", ""]
    for resource, uses in digest.recent_access(report).items():
        if not uses:
            out.append(f"- **{resource.capitalize()}**: no use recorded")
            continue
        parts = [
            f"{_app(u.app)} at {md_code(u.time or digest.ago_words(u.ago_ms))}"
            f"{' **in the background**' if u.state.value == 'background' else ''}"
            for u in uses[:MAX_RECENT]
        ]
        background = [u for u in uses[MAX_RECENT:] if u.state.value == "background"]
        parts += [f"{_app(u.app)} at {md_code(u.time)} **in the background**" for u in background[:MAX_RECENT]]
        out.append(f"- **{resource.capitalize()}**: " + "; ".join(parts))

    sessions = background_sessions_24h(report)
    if sessions:
        out += ["", "## Used in the background in the last 24 hours", ""]
        for bs in sessions[: MAX_RECENT * 3]:
            length = f" for {duration_words(bs.length)}" if bs.length is not None else ""
            out.append(f"- {md_code(bs.start[:16])} **{md_text(bs.group)}**{length}: {_app(bs.app)}")
        if len(sessions) > MAX_RECENT * 3:
            out.append(f"- … and {len(sessions) - MAX_RECENT * 3} more in the full report")

    findings = sorted(
        ((f, a) for a in report.apps for f in a.findings),
        key=lambda fa: (severity_rank(fa[0].severity), fa[0].rule_id, fa[1].package, fa[1].user),
    )
    counts = Counter(f.severity for f, _ in findings)
    out += ["", "## Findings", ""]
    out.append(" · ".join(f"{s.value} {counts.get(s, 0)}" for s in Severity))
    if findings:
        out.append("")
        for f, a in findings[:MAX_FINDINGS]:
            out.append(f"- **{f.severity.value}** `{f.rule_id}` {md_text(f.title)}: {_app(a)}")
        if len(findings) > MAX_FINDINGS:
            out.append(f"- … and {len(findings) - MAX_FINDINGS} more in the full report")

    trackers = digest.tracker_reach(report)
    if trackers:
        out += ["", "## Trackers", ""]
        for tr in trackers[:MAX_TOP]:
            reach = ", ".join(c.value for c in tr.reach) or "nothing granted"
            n = len(tr.apps)
            out.append(f"- {md_code(tr.name)} in {n} app{'s' if n != 1 else ''}; together they reach {reach}")

    gaps = [n for n in report.notes if n.level is not NoteLevel.INFO]
    if gaps:
        out += ["", "## Incomplete", ""]
        out += [f"- {md_code(n.section)}: {md_text(n.message)}" for n in gaps]
    out += ["", f"_auditor {md_text(report.tool_version)}; the HTML and JSON reports hold every detail._", ""]
    return "\n".join(out)
