"""The terminal summary counts installed apps only, and says the phone's own facts."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console

from auditor.model import AppPresence
from auditor.pipeline import audit_path
from auditor.report.terminal import print_summary
from tests.realdata import real_file


def test_unlisted_and_not_installed_apps_are_listed_apart() -> None:
    report = audit_path(real_file("mvt-tests/androidqf"), merge_apks=False)
    whatsapp = next(a for a in report.apps if a.package == "com.whatsapp")
    kept = replace(whatsapp, package="com.kept.data", presence=AppPresence.NOT_INSTALLED)
    report = replace(report, apps=(*report.apps, kept))
    console = Console(record=True, width=200)
    print_summary(report, console)
    text = console.export_text()
    header = next(line for line in text.splitlines() if "preinstalled" in line)
    assert header.split("┃")[-2:] == [" not installed ", " unlisted "]
    row = next(line for line in text.splitlines() if "primary" in line)
    # 9 installed (4 installed by the person, 4 preinstalled, 1 platform; 3 sideloaded), 1 kept data, 11 unlisted.
    assert [cell.strip() for cell in row.split("│")] == ["0", "primary", "9", "4", "4", "1", "3", "1", "11"]
    # Data kept after an uninstall is no app a person must act on: it is not in the headline.
    top = text[text.index("Apps that matter most") :].split("Master keys")[0]
    assert "com.kept.data" not in top and "com.whatsapp" in top
    assert "This phone trusts 1 computer for USB debugging" in text
    assert "HIGH Root tools on the phone (AUD-ROOT-001): found /system/bin/su, found /system/xbin/busybox" in text
