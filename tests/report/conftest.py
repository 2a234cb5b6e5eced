"""Fixtures for the report tests: the reports, and a headless Chromium driven by selenium.

The browser tests need Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and
the ``selenium`` test extra. Where they are absent the tests skip; with ``AUDITOR_REQUIRE_BROWSER=1``
they fail instead, so CI cannot pass by skipping them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from auditor.model import AuditReport
from tests.report.builders import hand_report, hostile_report, synthetic_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
"""Screenshots and rendered pages kept for people to look at (git-ignored)."""

CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)

# Installed before any page script runs (CDP scripts are not subject to the page's CSP): records every
# CSP violation, so a payload that became an element (an <img>, an inline handler) is caught even when
# the policy blocked it.
_WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


@pytest.fixture(scope="session")
def hand() -> AuditReport:
    return hand_report()


@pytest.fixture(scope="session")
def synthetic() -> AuditReport:
    return synthetic_report(60)


@pytest.fixture(scope="session")
def hostile() -> AuditReport:
    return hostile_report()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _missing(reason: str) -> None:
    if os.environ.get("AUDITOR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


@dataclass
class Loaded:
    """What a page load left behind."""

    url: str
    console: list[dict[str, Any]]
    requests: list[str]
    violations: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [e for e in self.console if e.get("level") in ("SEVERE", "ERROR")]


class Browser:
    """One headless Chromium for the session; ``load`` opens a file and reports console and network."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def load(self, path: Path) -> Loaded:
        d = self.driver
        d.get_log("browser")  # drop what earlier pages logged
        d.get_log("performance")
        url = path.resolve().as_uri()
        d.get(url)
        d.execute_script("return document.readyState")
        requests = []
        for entry in d.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
        return Loaded(
            url=url,
            console=d.get_log("browser"),
            requests=requests,
            violations=list(d.execute_script("return window.__violations || []")),
        )

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def dark(self, on: bool) -> None:
        scheme = "dark" if on else "light"
        self.driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
        )

    def size(self, width: int, height: int, *, mobile: bool = False) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        _missing("chromium or chromedriver not found (apt-get install chromium chromium-driver)")
    assert chromium is not None and chromedriver is not None
    profile = tempfile.mkdtemp(prefix="auditor-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _WATCH})
        yield Browser(driver)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
