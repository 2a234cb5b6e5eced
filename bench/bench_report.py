"""Benchmark: report rendering and the HTML page in Chromium, on the synthetic device.

    python bench/bench_report.py [--sizes 50,500,5000] [--repeat 3] [--no-browser] [--write-docs]

For each size the synthetic device (``auditor.acquire.synthetic.generate(n)``; it adds the system
apps and a work profile, so the audit holds more apps than ``n``) is audited and scored once, then:

* each format (HTML, JSON, CSV, Markdown) is rendered ``--repeat`` times; the best time is shown,
  with the size in bytes (UTF-8);
* the HTML file is opened in headless Chromium (Debian's ``chromium`` and ``chromedriver``, through
  selenium) ``--repeat`` times, each in a fresh tab state: the time until the page's own script has
  finished (it stamps ``performance.now()`` on ``<html data-ready>``), the DOMContentLoaded and load
  events from the Navigation Timing entry, and the wall time of the driver's ``get``. Best of the
  repeats.

Never run by the test suite (figures are not assertions); ``--markdown`` prints the tables in the
form ``docs/performance.md`` (section "Reports") keeps them.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.acquire.synthetic import generate  # noqa: E402
from auditor.model import AuditReport  # noqa: E402
from auditor.pipeline import audit_snapshot  # noqa: E402
from auditor.report.formats import ReportFormat, render  # noqa: E402
from auditor.score import score_report  # noqa: E402

CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
)


@dataclass
class Row:
    n: int
    apps: int
    permissions: int
    audit_s: float
    render_s: dict[str, float]
    size: dict[str, int]
    ready_ms: float | None = None
    dcl_ms: float | None = None
    load_ms: float | None = None
    get_s: float | None = None


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def audited(n: int) -> tuple[AuditReport, float]:
    t = time.perf_counter()
    snapshot, _truth = generate(n, seed=7)
    report = audit_snapshot(snapshot)
    if report.device_exposure is None:  # the pipeline scores as it audits; an older one did not
        report = score_report(report)
    return report, time.perf_counter() - t


class Chromium:
    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        driver = shutil.which("chromedriver")
        if chromium is None or driver is None:
            raise RuntimeError("chromium or chromedriver not found")
        self.profile = tempfile.mkdtemp(prefix="bench-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in (*CHROME_FLAGS, f"--user-data-dir={self.profile}"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(options=options, service=Service(driver))
        self.version = self.driver.capabilities.get("browserVersion", "?")

    def measure(self, path: Path) -> tuple[float, float, float, float]:
        """(ready ms, DOMContentLoaded ms, load ms, driver get s) for one fresh load."""
        self.driver.get("about:blank")
        t = time.perf_counter()
        self.driver.get(path.as_uri())
        wall = time.perf_counter() - t
        ready, dcl, load = self.driver.execute_script(
            """const n = performance.getEntriesByType('navigation')[0];
            return [Number(document.documentElement.dataset.ready), n.domContentLoadedEventEnd, n.loadEventEnd];"""
        )
        return float(ready), float(dcl), float(load), wall

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


def run(sizes: list[int], repeat: int, browser: bool) -> tuple[list[Row], str]:
    chromium = Chromium() if browser else None
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        for n in sizes:
            report, audit_s = audited(n)
            row = Row(
                n=n,
                apps=len(report.apps),
                permissions=sum(len(a.permissions) for a in report.apps),
                audit_s=audit_s,
                render_s={},
                size={},
            )
            for fmt in ReportFormat:
                seconds, text = best(functools.partial(render, report, fmt), repeat)
                row.render_s[fmt.value] = seconds
                row.size[fmt.value] = len(text.encode("utf-8"))
                if fmt is ReportFormat.HTML:
                    page = work / f"report-{n}.html"
                    page.write_text(text, encoding="utf-8")
            if chromium is not None:
                runs = [chromium.measure(work / f"report-{n}.html") for _ in range(repeat)]
                row.ready_ms, row.dcl_ms, row.load_ms, row.get_s = (min(r[i] for r in runs) for i in range(4))
            rows.append(row)
            print(format_row(row), flush=True)
        version = chromium.version if chromium is not None else "not run"
    finally:
        if chromium is not None:
            chromium.close()
        shutil.rmtree(work, ignore_errors=True)
    return rows, version


def mb(size: int) -> str:
    return f"{size / 1_000_000:.2f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def format_row(r: Row) -> str:
    browser = (
        f"ready {r.ready_ms:.0f} ms, DOMContentLoaded {r.dcl_ms:.0f} ms, load {r.load_ms:.0f} ms"
        if r.ready_ms is not None and r.dcl_ms is not None and r.load_ms is not None
        else "browser not run"
    )
    return (
        f"n={r.n:>5} apps={r.apps:>5} permissions={r.permissions:>6} audit+score {r.audit_s:.2f} s | "
        f"html {r.render_s['html'] * 1000:.0f} ms {mb(r.size['html'])} | json {r.render_s['json'] * 1000:.0f} ms "
        f"{mb(r.size['json'])} | csv {r.render_s['csv'] * 1000:.0f} ms {mb(r.size['csv'])} | "
        f"md {r.render_s['md'] * 1000:.0f} ms | {browser}"
    )


def ms(value: float | None) -> str:
    return f"{value:.0f} ms" if value is not None else "—"


def markdown(rows: list[Row], repeat: int, chromium: str) -> str:
    lines = [
        "# Performance: reports",
        "",
        "Measured by `python bench/bench_report.py --write-docs` (best of "
        f"{repeat}) on {platform.machine()} ({os.cpu_count()} CPUs) with Python {platform.python_version()} "
        f"and headless Chromium {chromium}.",
        "The synthetic device at `n` apps holds more apps in the audit (system apps, and a work profile",
        "with its own copies). Render times are for an audited and scored report already in memory.",
        "The target for the 500-app device: an HTML file under 3 MB, usable in Chromium within a second.",
        "",
        "| n | apps in audit | permission rows | HTML render | HTML size | Chromium: script done | "
        "DOMContentLoaded | load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines.extend(
        f"| {r.n:,} | {r.apps:,} | {r.permissions:,} | {r.render_s['html'] * 1000:.0f} ms | {mb(r.size['html'])} | "
        f"{ms(r.ready_ms)} | {ms(r.dcl_ms)} | {ms(r.load_ms)} |"
        for r in rows
    )
    lines += [
        "",
        "| n | JSON render | JSON size | CSV render | CSV size | Markdown render |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    lines.extend(
        f"| {r.n:,} | {r.render_s['json'] * 1000:.0f} ms | {mb(r.size['json'])} | "
        f"{r.render_s['csv'] * 1000:.0f} ms | {mb(r.size['csv'])} | {r.render_s['md'] * 1000:.0f} ms |"
        for r in rows
    )
    lines += [
        "",
        '"Script done" is when the page\'s own script has finished (sortable tables, filters and the',
        "category chooser ready), in milliseconds from navigation start; the page is usable from then.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,500,5000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows, chromium = run(sizes, args.repeat, not args.no_browser)
    if args.markdown:
        print(markdown(rows, args.repeat, chromium))


if __name__ == "__main__":
    main()
