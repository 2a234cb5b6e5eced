"""The HTML report without a browser: sections, exact content, the CSP, and escaping of hostile text."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from importlib import resources

import pytest

from auditor.model import AuditReport
from auditor.report.html import (
    PAGE_TEMPLATE,
    SCRIPT_TEMPLATE,
    STYLE_TEMPLATE,
    commands_in,
    content_security_policy,
    render_html,
    static_text,
)
from tests.report.builders import (
    HOSTILE,
    PWN_ENTITY,
    PWN_IMG,
    PWN_JS_URL,
    PWN_SCRIPT,
    PWN_TEMPLATE,
    apk,
    app,
)

SECTIONS = ("overview", "reach", "recent", "keys", "trackers", "apps", "method")


_INLINE = frozenset({"a", "b", "bdi", "code", "small", "span", "strong", "wbr"})


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.blocks: list[tuple[str, dict[str, str | None], str]] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in _INLINE:
            self.text.append(" ")
        if tag in ("script", "style"):
            self._open, self._text = (tag, dict(attrs)), []

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE:
            self.text.append(" ")
        if self._open is not None and tag == self._open[0]:
            self.blocks.append((self._open[0], self._open[1], "".join(self._text)))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)
        else:
            self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def hand_html(hand: AuditReport) -> str:
    return render_html(hand)


@pytest.fixture(scope="module")
def hostile_html(hostile: AuditReport) -> str:
    return render_html(hostile)


# --------------------------------------------------------------------------------------------------
# Structure and content
# --------------------------------------------------------------------------------------------------


def test_every_section_is_present_with_its_heading(hand_html: str) -> None:
    for section in SECTIONS:
        assert f'<section id="{section}" aria-labelledby="h-{section}">' in hand_html
        assert f'<h2 id="h-{section}">' in hand_html


def test_overview_states_device_patch_age_exposure_and_top_apps(hand_html: str) -> None:
    text = " ".join("".join(parse(hand_html).text).split())
    assert "Who can reach what on Google Pixel 8" in text
    assert "Android 14 (SDK 34)" in text
    # 2024-01-05 to the capture on 2024-06-03: 150 days, about five months.
    assert "2024-01-05 — 5 months old at capture" in text
    assert "74 of 100 — very high exposure" in text
    # The top app's line: grade, score, label, package, and its strongest reasons, combinations by name.
    assert "71 Spy Cam com.example.spy — Spy-like; Screen and input: special access enabled; Camera: used in" in text
    assert "Owner (owner, id 0), Work (work profile, id 10)" in text
    assert "3 (3 installed, 0 came with the phone, 0 part of the operating system)" in text


def test_matrix_has_a_row_per_reaching_app_and_a_column_per_category(hand_html: str) -> None:
    matrix = hand_html.split('<table id="matrix"', 1)[1].split("</table>", 1)[0]
    assert matrix.count("<tr>") == 1  # the header
    assert matrix.count('<tr data-origin="installed">') == 1  # spy@0; notes and spy@10 reach nothing
    assert matrix.count('<th scope="col" class="cat">') == 12
    row = matrix.split("<tbody>", 1)[1]
    assert '<td class="l5">used bg</td>' in row  # camera
    assert '<td class="l6">key</td>' in row  # screen and input
    assert '<td class="l1">asked</td>' in row  # microphone
    assert "2 other apps reach none of these categories" in hand_html


def test_category_panels_list_how_each_app_reaches(hand_html: str) -> None:
    panel = hand_html.split('id="cat-screen_input"', 1)[1].split("</details>", 1)[0]
    assert '<span data-count="screen_input">1</span> of the apps shown reach it' in panel
    via = "<td>Accessibility service</td><td>expected of its role: default sms app</td>"
    assert ">special access enabled</td>" + via in panel
    camera = hand_html.split('id="cat-microphone"', 1)[1].split("</details>", 1)[0]
    assert 'Asked for it, not granted: <span data-origin="installed"><bdi>Spy Cam</bdi></span>.' in camera


def test_recent_access_lists_apps_with_state_and_timeline(hand_html: str) -> None:
    recent = hand_html.split('<section id="recent"', 1)[1].split("</section>", 1)[0]
    assert "2024-06-03 12:00:00.000 <small>(1 h before capture)</small>" in recent  # camera
    assert "2024-06-03 13:00:00.000 <small>(2 min before capture)</small>" in recent  # location via MONITOR_LOCATION
    assert recent.count('<circle class="bg"') == 2
    assert "<title>Spy Cam (com.example.spy) — 2024-06-03 12:00:00.000 — background</title>" in recent


def test_master_keys_name_the_app_and_what_it_lets_it_do(hand_html: str) -> None:
    keys = hand_html.split('<section id="keys"', 1)[1].split("</section>", 1)[0]
    assert "<h4>Accessibility service <span" in keys
    assert "It can read everything on your screen and act for you: tap, type, read." in keys
    assert "<code>com.example.spy/com.example.spy.Svc</code>" in keys
    assert "<h4>Default SMS app <span" in keys
    assert "It reads, sends and deletes all text messages." in keys
    assert keys.index("Accessibility service") < keys.index("Default SMS app")


def test_trackers_say_what_an_sdk_reaches_through_all_its_apps(hand_html: str) -> None:
    trackers = hand_html.split('<section id="trackers"', 1)[1].split("</section>", 1)[0]
    row = trackers.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert '<th scope="row">Tracker X</th><td>Analytics</td><td class="n">2</td>' in row
    # Camera through the spy app (used in the background); screen and input through its accessibility service.
    assert row.endswith("<td>Camera, Screen and input</td>")
    assert "Exodus Privacy" in trackers  # the ODbL attribution


def test_per_app_detail_has_permissions_flags_fixes_apk_and_reasons(hand_html: str) -> None:
    spy = hand_html.split('<details class="app" id="a1">', 1)[1].split("</details>", 1)[0]
    camera = "<td>CAMERA</td><td>runtime</td><td>yes</td><td>yes</td><td>allowed</td><td>you chose this yourself</td>"
    assert camera in spy
    assert "you chose this yourself; you denied it and chose don&#39;t ask again" in spy
    assert "USER_SENSITIVE" not in spy  # quiet flags stay out of the words column
    assert "<strong>Also granted at install</strong> (ordinary permissions, nothing recorded): INTERNET." in spy
    command = "adb shell pm revoke --user 0 com.example.spy android.permission.CAMERA"
    assert (
        f'<div class="fix"><pre><code>{command}</code></pre>'
        '<button type="button" class="copy" data-js hidden>Copy</button></div>'
    ) in spy
    assert '<td class="n">+42</td><td>Spy-like: (A OR B) AND C</td>' in spy
    assert "<dt>Launcher icon</dt><dd>hidden: the app shows no icon</dd>" in spy
    assert '<span class="tag bad">sideloaded</span>' in spy
    assert "Requested permissions unknown for this app." in spy


def test_method_names_weights_snapshot_rules_and_gaps(hand_html: str) -> None:
    method = hand_html.split('<section id="method"', 1)[1].split("</section>", 1)[0]
    assert "built-in, SHA-256 <code>" + "0" * 64 + "</code>" in method
    assert "<code>" + "f" * 64 + "</code>" in method
    assert "auditor 9.9.9, report schema 1.2" in method
    assert "<td><code>AUD-CAM-BG-001</code></td><td>Camera used in the background</td>" in method
    assert "App-op history was denied; last use is unknown." in method
    assert "<code>SER123</code>" in method


def test_the_serial_appears_only_in_the_method_section(hand_html: str) -> None:
    assert hand_html.count("SER123") == 1


def test_unscored_report_renders_and_says_so(hand: AuditReport) -> None:
    bare = replace(
        hand,
        apps=tuple(replace(a, exposure=None, findings=()) for a in hand.apps),
        device_exposure=None,
        weights=None,
    )
    html = render_html(bare)
    assert "This report was not scored" in html
    assert '<table id="matrix"' not in html
    # Without scores the top apps come from master keys and grants.
    assert "Accessibility service; 1 runtime permission granted" in html


def test_empty_report_renders(hand: AuditReport) -> None:
    html = render_html(replace(hand, apps=(), users=(), notes=(), device_exposure=None))
    assert "No app holds a special access." in html
    assert "No app's APK was analysed" in html


def test_synthetic_device_renders_every_app(synthetic: AuditReport) -> None:
    html = render_html(synthetic)
    assert html.count('<details class="app"') == len(synthetic.apps)
    assert "com.example.stalker" in html


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        (
            "adb shell pm revoke --user 0 a b && adb shell pm revoke --user 0 a c",
            ["adb shell pm revoke --user 0 a b && adb shell pm revoke --user 0 a c"],
        ),
        ("Settings › Accessibility › x › Off.", []),
        (
            "adb shell cmd notification disallow_listener a/b 0 — or Settings › Apps",
            ["adb shell cmd notification disallow_listener a/b 0"],
        ),
        ("When it is safe: then adb shell pm uninstall --user 0 com.x.y.", ["adb shell pm uninstall --user 0 com.x.y"]),
        (
            "adb shell appops set --user 0 'x (y; z.' OP deny (Settings › Apps)",
            ["adb shell appops set --user 0 'x (y; z.' OP deny"],
        ),
    ],
)
def test_commands_are_cut_out_of_remediation_text(text: str, commands: list[str]) -> None:
    assert commands_in(text) == commands


# --------------------------------------------------------------------------------------------------
# The Content-Security-Policy
# --------------------------------------------------------------------------------------------------


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_csp_allows_exactly_the_inlined_script_and_style(hand_html: str) -> None:
    page = parse(hand_html)
    meta = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(meta) == 1
    csp = meta[0]["content"] or ""
    assert csp == content_security_policy(static_text(STYLE_TEMPLATE), static_text(SCRIPT_TEMPLATE))
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    assert directives["connect-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'none'"
    scripts = [(a, body) for t, a, body in page.blocks if t == "script"]
    executable = [body for a, body in scripts if a.get("type") != "application/json"]
    styles = [body for t, _a, body in page.blocks if t == "style"]
    assert len(executable) == 1 and len(styles) == 1
    assert directives["script-src"] == _sha(executable[0])
    assert directives["style-src"] == _sha(styles[0])


def test_inlined_script_and_style_are_the_static_files_verbatim(hand_html: str) -> None:
    folder = resources.files("auditor.report").joinpath("templates")
    meta = [a for t, a in parse(hand_html).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    for name in (SCRIPT_TEMPLATE, STYLE_TEMPLATE):
        text = folder.joinpath(name).read_text("utf-8")
        # jinja drops one trailing newline; nothing else may change (no template syntax in these files).
        assert _sha(text.removesuffix("\n")) in (meta[0]["content"] or "")
        assert not re.search(r"\{\{|\{%|\{#", text)
    assert folder.joinpath(PAGE_TEMPLATE).is_file()


def test_one_policy_for_pages_with_and_without_a_script() -> None:
    assert content_security_policy("p{}") == (
        f"default-src 'none'; style-src {_sha('p{}')}; img-src data:; script-src 'none'; connect-src 'none'; "
        "font-src 'none'; base-uri 'none'; form-action 'none'"
    )
    assert content_security_policy("p{}", "go()") == (
        f"default-src 'none'; script-src {_sha('go()')}; style-src {_sha('p{}')}; img-src data:; "
        "connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'; "
        "require-trusted-types-for 'script'; trusted-types 'none'"
    )


def test_no_inline_style_handler_or_remote_reference(hostile_html: str) -> None:
    for tag, attrs in parse(hostile_html).tags:
        assert "style" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert tag not in ("img", "iframe", "object", "embed", "base", "form", "link") or (
            tag == "link" and attrs.get("href") == "data:,"
        ), (tag, attrs)
        for name in ("src", "action", "formaction", "xlink:href", "srcset"):
            assert name not in attrs, (tag, attrs)
        href = attrs.get("href")
        if href is not None and tag == "a":
            assert re.fullmatch(r"#[a-z][a-z0-9_-]*", href), href


# --------------------------------------------------------------------------------------------------
# Hostile text
# --------------------------------------------------------------------------------------------------


def test_hostile_strings_never_become_markup(hostile_html: str) -> None:
    page = parse(hostile_html)
    text = "".join(page.text)
    for payload in (PWN_IMG, PWN_SCRIPT, PWN_TEMPLATE):
        assert payload in text, payload  # shown, as text
    for raw in ("<img src=x", "<script>window.__pwned", "<svg onload", "<b>bold</b>", "</style><style>"):
        assert raw not in hostile_html, raw
    assert "{{7*7}}" in text and ">49<" not in hostile_html
    scripts = [body for t, a, body in page.blocks if t == "script"]
    assert len(scripts) == 2  # the JSON data and the static script: no payload opened another
    assert [t for t, _a, _b in page.blocks].count("style") == 1


def test_javascript_urls_stay_text(hostile_html: str) -> None:
    assert PWN_JS_URL in "".join(parse(hostile_html).text)
    assert 'href="javascript:' not in hostile_html.lower()
    assert "href=javascript:" not in hostile_html.lower()


def test_bidi_override_is_shown_not_obeyed(hostile_html: str) -> None:
    assert "\u202e" not in hostile_html
    assert "Photo\\u{202e}gpj.exe" in hostile_html


def test_every_hostile_payload_reaches_the_page(hostile_html: str) -> None:
    text = "".join(parse(hostile_html).text).replace("\\u{202e}", "\u202e").replace("\\u{000a}", "\n")
    for payload in HOSTILE:
        assert payload in text, payload


def test_entities_in_data_are_not_decoded(hand: AuditReport) -> None:
    evil = replace(hand, apps=(*hand.apps, app("com.example.entity", 0, apk=apk("com.example.entity", PWN_ENTITY))))
    html = render_html(evil)
    assert "&amp;lt;b&amp;gt;kept&amp;lt;/b&amp;gt;" in html
    assert PWN_ENTITY in "".join(parse(html).text)


def test_page_data_is_json_that_cannot_close_its_script(hostile_html: str) -> None:
    block = hostile_html.split('<script type="application/json" id="data">', 1)[1].split("</script>", 1)[0]
    data = json.loads(block)
    assert set(data) == {"categories", "levels", "schema"}
    assert "<" not in block and ">" not in block


def test_payloads_from_raw_device_output_stay_text() -> None:
    from tests.report.builders import SNAPSHOT_PAYLOADS, hostile_snapshot_report

    report = hostile_snapshot_report()
    assert {a.package for a in report.apps} >= set(SNAPSHOT_PAYLOADS.values())  # they reached the report
    html = render_html(report)
    page = parse(html)
    text = "".join(page.text)
    for evil in SNAPSHOT_PAYLOADS.values():
        assert evil.replace("\u202e", "\\u{202e}") in text
    assert "img" not in [t for t, _a in page.tags]
    assert [t for t, _a in page.tags].count("svg") == 3  # recent access, and the timeline's 24 hours and 7 days
    assert not any(name.startswith("on") for _t, attrs in page.tags for name in attrs)
    assert [t for t, _a, _b in page.blocks].count("script") == 2
