"""The HTML report in headless Chromium: loads clean and offline, sorting, filtering, the category
chooser and the keyboard work, and hostile labels run nothing. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from auditor.model import AuditReport
from auditor.report.html import render_html
from tests.report.builders import PWN_IMG, PWN_RTL, PWN_SCRIPT, PWN_SVG, PWN_TEMPLATE
from tests.report.conftest import Browser, Loaded

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def page(synthetic: AuditReport, artifacts: Path) -> Path:
    path = artifacts / "report-synthetic.html"
    path.write_text(render_html(synthetic), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_page(hostile: AuditReport, artifacts: Path) -> Path:
    path = artifacts / "report-hostile.html"
    path.write_text(render_html(hostile), encoding="utf-8")
    return path


@pytest.fixture
def loaded(browser: Browser, page: Path) -> Loaded:
    browser.dark(False)
    browser.size(1280, 1600)
    return browser.load(page)


def _shot(browser: Browser, path: Path, *, full: bool = False) -> None:
    params: dict[str, object] = {"format": "png"}
    if full:
        width, height = browser.js(
            "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
    data = browser.driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"]
    path.write_bytes(base64.b64decode(data))


def _assert_clean(result: Loaded) -> None:
    assert result.errors == [], result.errors
    assert result.violations == [], result.violations
    # Nothing but the file itself (a data: favicon never leaves the page).
    assert [u for u in result.requests if not u.startswith("data:")] == [result.url]


def _visible_rows(browser: Browser, table: str) -> int:
    """Rows shown: neither hidden by the text filter nor by the origin filter (a class on the section)."""
    return int(
        browser.js(
            f"return [...document.querySelectorAll('{table} tbody tr')]"
            ".filter(r => !r.hidden && getComputedStyle(r).display !== 'none').length"
        )
    )


# --------------------------------------------------------------------------------------------------


def test_loads_without_errors_or_requests(browser: Browser, loaded: Loaded, artifacts: Path) -> None:
    _assert_clean(loaded)
    assert browser.js("return document.documentElement.dataset.ready") is not None
    # The script ran: its controls are shown and the tables are sortable.
    assert browser.js("return document.getElementById('f-matrix').offsetParent !== null")
    assert browser.js("return document.querySelectorAll('#matrix thead button.sort').length") == 14
    _shot(browser, artifacts / "report-light.png")


def test_sorting_a_column_reorders_rows(browser: Browser, loaded: Loaded) -> None:
    def column(index: int) -> list[str]:
        return list(
            browser.js(
                "return [...document.querySelectorAll('#matrix tbody tr')].map(r => r.cells[arguments[0]].textContent)",
                index,
            )
        )

    scores = [int(s) for s in column(1)]
    assert scores == sorted(scores, reverse=True)  # server order: most exposed first
    # Score: numbers sort descending first.
    browser.js("document.querySelectorAll('#matrix thead button.sort')[1].click()")
    assert browser.js("return document.querySelectorAll('#matrix thead th')[1].getAttribute('aria-sort')") == (
        "descending"
    )
    browser.js("document.querySelectorAll('#matrix thead button.sort')[1].click()")
    ascending = [int(s) for s in column(1)]
    assert ascending == sorted(scores)
    assert ascending != scores
    # A category column sorts by access level, not by the words in the cells.
    browser.js("document.querySelectorAll('#matrix thead button.sort')[6].click()")  # Microphone
    ranks = browser.js(
        "return [...document.querySelectorAll('#matrix tbody tr')].map(r => Number(r.cells[6].className.slice(1)))"
    )
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > ranks[-1]
    browser.js("document.querySelectorAll('#matrix thead button.sort')[0].click()")  # App: text sorts A to Z
    names = [n.strip().lower() for n in column(0)]
    assert names == sorted(names)


def test_filter_box_hides_rows(browser: Browser, loaded: Loaded, synthetic: AuditReport) -> None:
    total = _visible_rows(browser, "#matrix")
    box = browser.driver.find_element("id", "f-matrix")
    box.send_keys("stalker")
    assert _visible_rows(browser, "#matrix") == 1
    assert browser.js("return document.getElementById('s-matrix').textContent") == f"1 of {total} apps match"
    box.clear()
    box.send_keys(" ")  # an input event with an empty query shows everything again
    assert _visible_rows(browser, "#matrix") == total
    apps = browser.driver.find_element("id", "f-apps")
    apps.send_keys("com.example.messenger")
    shown = browser.js("return [...document.querySelectorAll('#applist > details')].filter(d => !d.hidden).length")
    assert shown == sum("com.example.messenger" in a.package for a in synthetic.apps) > 1


def test_choosing_a_category_lists_its_apps(browser: Browser, loaded: Loaded, artifacts: Path) -> None:
    browser.js("document.querySelector('button[data-cat=\"microphone\"]').click()")
    state = browser.js(
        """const p = document.getElementById('cat-microphone');
        const shown = [...p.querySelectorAll('tbody tr')].filter(r => getComputedStyle(r).display !== 'none');
        return {open: p.open, hidden: p.hidden, rows: shown.length, n: Number(p.dataset.n),
                others: [...document.querySelectorAll('details.cat')].filter(d => d !== p && !d.hidden).length,
                status: document.getElementById('cat-status').textContent}"""
    )
    assert state["open"] and not state["hidden"]
    assert state["rows"] == state["n"] > 0
    assert state["others"] == 0
    assert state["status"] == f"Microphone: {state['n']} apps reach it"
    browser.js("document.getElementById('h-choose').scrollIntoView()")
    _shot(browser, artifacts / "report-category.png")
    # Choosing it again shows every category again.
    browser.js("document.querySelector('button[data-cat=\"microphone\"]').click()")
    assert browser.js("return [...document.querySelectorAll('details.cat')].filter(d => d.hidden).length") == 0


def test_the_platform_is_hidden_from_the_reach_lists_until_asked_for(
    browser: Browser, loaded: Loaded, synthetic: AuditReport
) -> None:
    """Installed and preinstalled apps are shown at first; ticking "part of the operating system" adds the phone
    process and its kin to the matrix and the category counts."""
    origins = dict(
        browser.js("return [...document.querySelectorAll('fieldset.origins input')].map(i => [i.value, i.checked])")
    )
    assert origins == {"installed": True, "preinstalled": True, "platform": False}
    platform_rows = int(
        browser.js("return document.querySelectorAll('#matrix tbody tr[data-origin=\"platform\"]').length")
    )
    assert platform_rows > 0
    phone = browser.js(
        "return [...document.querySelectorAll('#matrix tbody tr')].filter(r => r.cells[0].textContent"
        ".includes('com.android.phone')).map(r => getComputedStyle(r).display)"
    )
    assert phone and set(phone) == {"none"}
    before = _visible_rows(browser, "#matrix")
    count = "return Number(document.querySelector('button[data-cat=\"messages\"] .n').textContent)"
    messages = int(browser.js(count))
    browser.js("document.querySelector('fieldset.origins input[value=\"platform\"]').click()")
    assert _visible_rows(browser, "#matrix") == before + platform_rows
    assert int(browser.js(count)) > messages  # the phone process reads every SMS
    assert browser.js("return document.getElementById('s-matrix').textContent") == f"{before + platform_rows} apps"
    browser.js("document.querySelector('fieldset.origins input[value=\"platform\"]').click()")
    assert _visible_rows(browser, "#matrix") == before
    assert int(browser.js(count)) == messages


def test_keyboard_only(browser: Browser, loaded: Loaded) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    keys = ActionChains(browser.driver)
    browser.js("document.querySelector('button[data-cat=\"location\"]').focus()")
    keys.send_keys(Keys.TAB).send_keys(Keys.ENTER).perform()  # Tab to the next category, Enter to choose it
    assert browser.js("return document.activeElement.dataset.cat") == "contacts"
    assert browser.js("return document.getElementById('cat-contacts').open") is True
    # Enter on a per-app summary opens its detail.
    browser.js("document.querySelector('#applist > details > summary').focus()")
    ActionChains(browser.driver).send_keys(Keys.ENTER).perform()
    assert browser.js("return document.querySelector('#applist > details').open") is True

    # Enter on a column heading sorts it, A to Z; Enter again, Z to A. Focus stays on the heading.
    def names() -> list[str]:
        cells = browser.js("return [...document.querySelectorAll('#matrix tbody tr')].map(r => r.cells[0].textContent)")
        return [str(n).strip().lower() for n in cells]

    def direction() -> str | None:
        return browser.js("return document.querySelectorAll('#matrix thead th')[0].getAttribute('aria-sort')")

    server_order = names()
    assert len(set(server_order)) > 2 and direction() is None
    browser.js("document.querySelectorAll('#matrix thead button.sort')[0].focus()")
    ActionChains(browser.driver).send_keys(Keys.ENTER).perform()
    assert direction() == "ascending"
    ascending = names()
    assert ascending == sorted(server_order) != server_order
    assert browser.js("return document.activeElement.getAttribute('aria-label')") == "Sort by App"
    ActionChains(browser.driver).send_keys(Keys.ENTER).perform()
    assert direction() == "descending"
    assert names() == sorted(server_order, reverse=True) == ascending[::-1]


def test_anchor_opens_the_app_detail(browser: Browser, page: Path) -> None:
    result = browser.load(page)
    _assert_clean(result)
    browser.js("document.querySelector('#matrix tbody a').click()")
    target = browser.js("return location.hash.slice(1)")
    assert browser.js("return document.getElementById(arguments[0]).open", target) is True


def test_copy_button_answers_a_click(browser: Browser, loaded: Loaded) -> None:
    browser.js("document.querySelector('details.app').open = true")
    label = browser.js(
        """const b = document.querySelector('button.copy'); b.click();
        return new Promise(done => setTimeout(() => done(b.textContent), 200));"""
    )
    assert label in ("Copied", "Select and copy")
    assert [e for e in browser.driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_print_opens_every_detail(browser: Browser, loaded: Loaded) -> None:
    browser.js("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.js("return [...document.querySelectorAll('details')].every(d => d.open)")
    browser.js("window.dispatchEvent(new Event('afterprint'))")
    assert browser.js("return [...document.querySelectorAll('details.app')].some(d => d.open)") is False


def test_readable_without_javascript(browser: Browser, page: Path) -> None:
    browser.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.load(page)
        shown = browser.driver.find_element("id", "matrix").is_displayed()
        rows = len(browser.driver.find_elements("css selector", "#matrix tbody tr"))
        controls = browser.driver.find_element("id", "f-matrix").is_displayed()
    finally:
        browser.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    assert shown and rows > 10
    assert not controls  # controls that need the script stay hidden without it


def test_dark_mode_and_phone(browser: Browser, page: Path, artifacts: Path) -> None:
    browser.dark(True)
    try:
        result = browser.load(page)
        _assert_clean(result)
        background = browser.js("return getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(20, 22, 26)"
        _shot(browser, artifacts / "report-dark.png")
        browser.size(390, 844, mobile=True)
        browser.load(page)
        # Wide tables scroll inside their own box; the page itself does not scroll sideways.
        assert browser.js("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        _shot(browser, artifacts / "report-phone.png")
    finally:
        browser.dark(False)
        browser.size(1280, 1600)


def test_hostile_report_runs_nothing_and_shows_payloads_as_text(
    browser: Browser, hostile_page: Path, artifacts: Path
) -> None:
    browser.size(1280, 1600)
    result = browser.load(hostile_page)
    _assert_clean(result)
    assert browser.js("return typeof window.__pwned") == "undefined"
    assert browser.js("return document.querySelectorAll('img, iframe, object, embed, svg svg, b').length") == 0
    assert browser.js("return document.querySelectorAll('script').length") == 2
    # Open every detail and interact, so that any payload in a hidden part would have had its chance.
    browser.js("document.getElementById('expand-all').click()")
    browser.js("document.querySelectorAll('.chooser button').forEach(b => b.click())")
    browser.js("document.querySelectorAll('button.sort').forEach(b => b.click())")
    browser.driver.find_element("id", "f-apps").send_keys("evil")
    text = browser.js("return document.body.innerText")
    for payload in (PWN_IMG, PWN_SCRIPT, PWN_SVG, PWN_TEMPLATE):
        assert payload in text, payload
    assert PWN_RTL.replace("\u202e", "\\u{202e}") in text
    assert "\u202e" not in text
    assert browser.js("return typeof window.__pwned") == "undefined"
    assert browser.js("return window.__violations") == []
    assert [e for e in browser.driver.get_log("browser") if e["level"] == "SEVERE"] == []
    browser.js("window.scrollTo(0, 0)")
    _shot(browser, artifacts / "report-hostile.png")


def test_payloads_from_raw_device_output_run_nothing(browser: Browser, artifacts: Path) -> None:
    from tests.report.builders import SNAPSHOT_PAYLOADS, hostile_snapshot_report

    path = artifacts / "report-hostile-snapshot.html"
    path.write_text(render_html(hostile_snapshot_report()), encoding="utf-8")
    browser.size(1280, 1600)
    _assert_clean(browser.load(path))
    browser.js("document.getElementById('expand-all').click()")
    text = browser.js("return document.body.innerText")
    for evil in SNAPSHOT_PAYLOADS.values():
        assert evil.replace("\u202e", "\\u{202e}") in text
    assert browser.js("return typeof window.__pwned") == "undefined"
    assert browser.js("return window.__violations") == []
