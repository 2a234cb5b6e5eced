"""The short terminal summary printed after every audit: device, apps by origin, exposure by part, the apps that
matter most, master keys, gaps."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from auditor.model import AppOrigin, AuditReport, InstallSource, NoteLevel
from auditor.report.digest import app_name, key_groups, known_threat_findings, top_apps
from auditor.report.timeline_view import background_sessions_24h
from auditor.report.words import origin_words, part_title
from auditor.sanitise import shown
from auditor.score.evidence import duration_words
from auditor.score.scope import app_origin

MAX_SESSIONS = 12
"""Background sessions of the last 24 hours listed after an audit; the report lists them all."""


def print_summary(report: AuditReport, console: Console, *, written_to: str | None = None) -> None:
    """Device, app counts per user, special accesses, and what was incomplete.

    Every value from the device or the snapshot (model, manufacturer, source, notes, app names, finding
    evidence) goes through ``shown``: made visible and markup-escaped, so it prints as written.
    """
    d = report.device
    device = " ".join(x for x in (d.manufacturer, d.model) if x) or "unknown device"
    android = f"Android {d.android_release}" if d.android_release else "Android version unknown"
    sdk = f" (SDK {d.sdk})" if d.sdk else ""
    patch = f", security patch {d.security_patch}" if d.security_patch else ""
    console.print(f"[bold]{shown(device)}[/bold] — {shown(android)}{sdk}{shown(patch)}")
    console.print(f"Source: {shown(report.source.kind)} {shown(report.source.path)}")

    table = Table(title="Apps", show_edge=False)
    for col in (
        "user",
        "kind",
        "apps",
        "installed",
        "preinstalled",
        "platform",
        "sideloaded",
        "not installed",
        "unlisted",
    ):
        table.add_column(col, justify="right" if col not in ("kind",) else "left")
    kinds = {u.id: u.kind.value for u in report.users}
    for user in sorted({a.user for a in report.apps} | set(kinds)):
        # Counted as installed: what the package data lists as installed for the user (AppPresence).
        apps = [a for a in report.apps if a.user == user and a.installed]
        others = [a.presence.value for a in report.apps if a.user == user and not a.installed]
        origins = Counter(app_origin(a) for a in apps)
        table.add_row(
            str(user),
            kinds.get(user, "?"),
            str(len(apps)),
            str(origins[AppOrigin.INSTALLED]),
            str(origins[AppOrigin.PREINSTALLED]),
            str(origins[AppOrigin.PLATFORM]),
            str(sum(a.install_source is InstallSource.SIDELOADED for a in apps)),
            str(others.count("not_installed")),
            str(others.count("unlisted")),
        )
    console.print(table)

    _print_exposure(report, console)
    _print_threats(report, console)
    _print_top_and_keys(report, console)
    _print_device(report, console)
    _print_background_sessions(report, console)

    gaps = [n for n in report.notes if n.level is not NoteLevel.INFO]
    if gaps:
        console.print(f"[yellow]Incomplete ({len(gaps)} notes):[/yellow]")
        for note in gaps[:8]:
            console.print(f"  • {shown(note.section)}: {shown(note.message)}")
        if len(gaps) > 8:
            console.print(f"  … and {len(gaps) - 8} more in the report's notes")
    if not report.source.complete:
        console.print("[yellow]The snapshot is incomplete (collection stopped early).[/yellow]")
    if written_to:
        console.print(f"Report written to [bold]{shown(written_to)}[/bold]")


def _print_threats(report: AuditReport, console: Console) -> None:
    """Known threats: the safety words first, then each match (never a fix here: the report holds them)."""
    threats = known_threat_findings(report)
    if not threats:
        if report.indicator_lists:
            console.print("Known threats: no app matches the indicator lists (no match never means no stalkerware)")
        return
    console.print("[bold red]Known threats[/bold red]")
    for text in dict.fromkeys(f.safety for _, f in threats if f.safety):
        console.print(f"  [bold]{shown(text)}[/bold]")
    for app, f in threats:
        where = f"{app.package}@{app.user}" if app is not None else "the phone itself"
        console.print(
            f"  [bold]{f.severity.value.upper()}[/bold] {shown(f.title)} ({f.rule_id}, {f.confidence.value} "
            f"confidence): {shown(where)} — {shown(f.evidence[0])}"
        )


def _print_device(report: AuditReport, console: Console) -> None:
    """The phone's own facts in a line each: trusted computers, root tools, and the device findings."""
    state = report.device_state
    if state is not None and state.adb_host_keys is not None:
        n = len(state.adb_host_keys)
        console.print(f"This phone trusts {n} computer{'s' if n != 1 else ''} for USB debugging")
    for f in report.device_findings:
        evidence = ", ".join(f.evidence[:4]) + (" …" if len(f.evidence) > 4 else "")
        console.print(f"[bold]{f.severity.value.upper()}[/bold] {shown(f.title)} ({f.rule_id}): {shown(evidence)}")


def _print_exposure(report: AuditReport, console: Console) -> None:
    """The device exposure with its parts, and the platform as context (as in the HTML overview)."""
    e = report.device_exposure
    if e is None:
        return
    # App parts with apps in them, and the phone's own parts (known threats, settings) when they add points.
    parts = ", ".join(f"{part_title(p.part).lower()} {p.points:+d}" for p in e.parts if p.apps or p.points)
    console.print(f"[bold]Device exposure {e.grade.value} {e.score}/100[/bold] — {parts or 'no app reaches anything'}")
    if e.platform is not None:
        console.print(
            f"  The operating system ({e.platform.apps} components) holds its accesses by design: context, not counted."
        )


def _print_top_and_keys(report: AuditReport, console: Console, limit: int = 5) -> None:
    """The apps that matter most with why, and master keys held by installed apps (as in the HTML overview)."""
    top = top_apps(report, limit)
    if top:
        console.print("[bold]Apps that matter most[/bold]")
        for t in top:
            grade = f"{t.grade.value} {t.score:>3}" if t.grade is not None and t.score is not None else "    "
            user = f" (user {t.app.user})" if t.app.user else ""
            origin = "" if t.origin is AppOrigin.INSTALLED else f" [{origin_words(t.origin)}]"
            also = f" (+{len(t.also)} sharing its uid)" if t.also else ""
            console.print(f"  {grade}  {shown(app_name(t.app))}{user}{also}{shown(origin)} — {shown(t.why)}")
    keys = [g for g in key_groups(report) if g.master and g.third_party]
    if keys:
        console.print("[bold]Master keys held by apps you installed[/bold]")
        for g in keys:
            names = ", ".join(
                shown(app_name(h.app)) + (f" (user {h.app.user})" if h.app.user else "")
                for h in g.holders
                if h.origin is AppOrigin.INSTALLED
            )
            console.print(f"  {shown(g.words.title)}: {names}")


def _print_background_sessions(report: AuditReport, console: Console) -> None:
    """Camera, microphone, location and health used in the background in the last 24 hours, newest first."""
    found = background_sessions_24h(report)
    if not found:
        return
    console.print("[bold]Used in the background in the last 24 hours[/bold]")
    for s in found[:MAX_SESSIONS]:
        user = f" (user {s.app.user})" if s.app.user else ""
        length = f" for {duration_words(s.length)}" if s.length is not None else ""
        console.print(f"  {shown(s.start[:16])}  {shown(s.group)}{length} — {shown(app_name(s.app))}{user}")
    if len(found) > MAX_SESSIONS:
        console.print(f"  … and {len(found) - MAX_SESSIONS} more in the report's access timeline")
