"""The terminal summary: apps by origin, the device exposure by part, the apps that matter most; markup stays text."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console

from auditor.model import AuditReport
from auditor.report.terminal import print_summary
from tests.realreports import multibox


def _printed(report: AuditReport) -> list[str]:
    console = Console(width=400, record=True, color_system=None)
    print_summary(report, console)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_the_tv_box_summary() -> None:
    lines = _printed(multibox())
    assert (
        "    0 │ primary │   84 │         8 │           34 │       42 │          8 │             0 │        0" in lines
    )
    assert "Device exposure E 64/100 — installed apps +28, preinstalled apps +12, phone settings +24" in lines
    assert "  The operating system (42 components) holds its accesses by design: context, not counted." in lines
    top = lines[lines.index("Apps that matter most") + 1 :][:5]
    assert top[0].startswith("  C  25  org.xbmc.kodi — Sideloaded (no store review)")
    assert top[3].startswith(
        "  F 100  com.google.android.backuptransport (+3 sharing its uid) [came with the phone] — Reaches 12 categories"
    )
    assert "com.android.shell" not in "\n".join(lines)


def test_markup_in_device_text_is_printed_not_obeyed() -> None:
    report = multibox()
    kodi = next(a for a in report.apps if a.package == "org.xbmc.kodi")
    evil = replace(kodi, package="[bold red]org.evil[/bold red]")
    lines = _printed(replace(report, apps=tuple(evil if a is kodi else a for a in report.apps)))
    assert any("[bold red]org.evil[/bold red] — Sideloaded" in line for line in lines)
