"""The known-threats report in headless Chromium: the safety block comes before every fix of a stalkerware or
watchware finding, at the top of the page and within each finding, and the page stays clean."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from auditor.acquire.synthetic.forms import Form, write_form
from auditor.acquire.synthetic.threats import (
    DISGUISED_PACKAGE,
    STALKERWARE_PACKAGE,
    WATCHWARE_PACKAGE,
    write_threat_stix,
)
from auditor.iocs import Indicators
from auditor.model import AuditReport
from auditor.pipeline import audit_path
from auditor.report.html import render_html
from tests.report.conftest import Browser

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def threat_report(tmp_path_factory: pytest.TempPathFactory) -> AuditReport:
    """The threat scenario as an androidqf acquisition: its packages.json states the disguised app's certificate."""
    root = tmp_path_factory.mktemp("threats")
    folder = write_form(root, Form.ANDROIDQF_FOLDER, 60, seed=2, threats=True)
    return audit_path(folder, indicators=Indicators.load([write_threat_stix(root)], env={}))


@pytest.fixture(scope="module")
def threat_page(threat_report: AuditReport, artifacts: Path) -> Path:
    path = artifacts / "report-threats.html"
    path.write_text(render_html(threat_report), encoding="utf-8")
    return path


# For every known-threat finding: the positions (in document order) of its safety block and of its fix, and
# where the page's first uninstall command and its top safety section are.
_ORDER = """
const all = [...document.querySelectorAll('*')];
const at = el => all.indexOf(el);
const findings = [...document.querySelectorAll('.finding')].filter(f => f.querySelector('.safety'));
const pairs = findings.map(f => {
  const safety = f.querySelector('.safety');
  const fix = [...f.querySelectorAll('p, .fix')].find(p => /pm uninstall/.test(p.textContent) && !p.closest('.safety'));
  return [at(safety), fix ? at(fix) : -1, f.closest('section').id];
});
const uninstall = all.find(el => el.children.length === 0 && /pm uninstall/.test(el.textContent));
return {pairs, top: at(document.getElementById('safety')), firstUninstall: at(uninstall)};
"""


def test_the_safety_block_precedes_every_fix(browser: Browser, threat_page: Path, artifacts: Path) -> None:
    browser.dark(False)
    browser.size(1280, 1600)
    loaded = browser.load(threat_page)
    assert loaded.errors == [] and loaded.violations == []
    order = browser.js(_ORDER)
    # At the top of the page, before anything else the page says, and before the first uninstall command.
    assert 0 <= order["top"] < order["firstUninstall"]
    assert browser.js("return document.querySelector('main').firstElementChild.id") == "safety"
    # In the known-threats section and in each app's detail, each finding's safety block precedes its fix.
    sections = sorted({s for _, _, s in order["pairs"]})
    assert sections == ["apps", "threats"]
    # Three threat apps in both sections, and the stalkerware-like persona in its detail.
    assert len(order["pairs"]) == 7
    for safety_at, fix_at, _section in order["pairs"]:
        assert 0 <= safety_at < fix_at
    text = browser.js("return document.getElementById('safety').innerText")
    assert "Removing or disabling this app may alert the person who installed it" in text
    assert "stopstalkerware.org" in text and "keep this report as evidence" in text
    assert "fine if you set it up yourself, for example on your child's phone" in text
    names = browser.js("return [...document.querySelectorAll('#safety a')].map(a => a.textContent)")
    for package in (STALKERWARE_PACKAGE, DISGUISED_PACKAGE, WATCHWARE_PACKAGE):
        assert any(package.split(".")[-1] in n for n in names), (package, names)
    data = browser.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"]
    (artifacts / "report-threats.png").write_bytes(base64.b64decode(data))


def test_the_method_names_the_lists_and_their_attribution(browser: Browser, threat_page: Path) -> None:
    browser.load(threat_page)
    method = " ".join(browser.js("return document.getElementById('method').textContent").split())
    assert "No match never means no stalkerware" in method
    assert "Echap stalkerware-indicators" in method and "CC-BY-4.0" in method and "threats.stix2" in method
    settings = browser.js("return [...document.querySelectorAll('#settings tbody tr')].map(r => r.textContent)")
    assert len(settings) == 11  # an androidqf acquisition: no getenforce, no phone clock (patch age unknown)
    boot = next(row for row in settings if "Bootloader unlocked" in row)
    assert "ro.boot.verifiedbootstate=orange" in boot and "relock the bootloader" in boot
