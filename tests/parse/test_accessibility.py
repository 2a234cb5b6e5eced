"""``dumpsys accessibility`` parser: Android 14 and Samsung pre-14 captures, other shapes, fuzzing."""

from __future__ import annotations

import functools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import ComponentGrant, ParsedAccessibility
from auditor.parse.accessibility import parse_dumpsys_accessibility
from auditor.parse.text import decode_output
from tests.parse.damage import Contract, cut_points, cuts, synthetic_output
from tests.parse.strategies import mutated
from tests.realdata import real_file, real_text

PAD6 = "dellta77-xiaomi-pad6-android14/dumpsys_accessibility.txt"
MVT = "mvt-tests/android_data/dumpsys_accessibility.txt"
MVT14 = "mvt-tests/android_data/dumpsys_accessibility_v14_or_later.txt"

# Android 14 shape, two users (owner and a work profile), written for these tests.
SAMPLE = """\
ACCESSIBILITY MANAGER (dumpsys accessibility)

currentUserId=0
User state[
     attributes:{id=0, touchExplorationEnabled=false, installedServiceCount=3}
     shortcut key:{}
     button:{}
     button target:{null}
     Bound services:{Service[label=Helper, feedbackType[FEEDBACK_GENERIC], capabilities=1], \n\
                     Service[label=Reader {beta}, feedbackType[], capabilities=8, eventTypes=]}
     Enabled services:{{com.example.helper/com.example.helper.HelperService}, {org.sample.reader/.ReaderService}}
     Binding services:{}
     Crashed services:{}
     Client list info:{
          Client list callbacks: 3
          Registered clients:{
[com.example.helper][com.android.systemui]}]
User state[
     attributes:{id=10, touchExplorationEnabled=false, installedServiceCount=1}
     Bound services:{}
     Enabled services:{{com.corp.assist/com.corp.assist.A11y}}
     Binding services:{{com.corp.assist/com.corp.assist.A11y}}
     Crashed services:{}

Window attributes:[{1=AccessibilityWindowAttributes{mAccessibilityWindowTitle=Secret chat}]
A11yWindow[AccessibilityWindowInfo[title=Banking app, displayId=0, id=11]]
"""


def _check(result: ParsedAccessibility) -> None:
    assert isinstance(result, ParsedAccessibility)
    for grant in (*result.enabled, *result.bound, *result.installed):
        assert isinstance(grant, ComponentGrant)
        assert isinstance(grant.user, int) and isinstance(grant.component, str) and "/" in grant.component
    assert all(isinstance(line, str) for line in result.unknown)


@functools.cache
def _parse(text: str) -> ParsedAccessibility:
    return parse_dumpsys_accessibility(text)


def _facts(result: ParsedAccessibility) -> frozenset[tuple[str, ComponentGrant]]:
    return frozenset(
        [("enabled", g) for g in result.enabled]
        + [("bound", g) for g in result.bound]
        + [("installed", g) for g in result.installed]
    )


CONTRACT: Contract[ParsedAccessibility, tuple[str, ComponentGrant]] = Contract(
    parse=parse_dumpsys_accessibility,
    facts=_facts,
    # "{pkg/cls}" carries its own end; a Samsung "0 : pkg/cls" line is whole only with its newline.
    evidence=lambda fact: rf"\{{{re.escape(fact[1].component)}\}}|{re.escape(fact[1].component)}\n",
)

INTACT_COUNTS = {PAD6: 9, MVT: 4, MVT14: 1}
"""Services each real capture lists (read by eye: the tests above name them)."""


# ---------------------------------------------------------------------------------------------
# Real captures
# ---------------------------------------------------------------------------------------------


def test_xiaomi_pad6_android14_nine_enabled() -> None:
    result = parse_dumpsys_accessibility(real_text("dellta77-xiaomi-pad6-android14/dumpsys_accessibility.txt"))
    assert [g.component for g in result.enabled] == [
        "com.arlosoft.macrodroid/com.arlosoft.macrodroid.triggers.services.MacroDroidAccessibilityServiceJellyBean",
        "com.phascinate.precisevolume/com.phascinate.precisevolume.AccessiblePrecisionService",
        "com.celzero.bravedns/com.celzero.bravedns.util.BackgroundAccessibilityService",
        "us.spotco.malwarescanner/us.spotco.malwarescanner.LinkScannerService",
        "io.vi.hypertheme/io.vi.hypertheme.HyperThemeService",
        "io.github.muntashirakon.AppManager/io.github.muntashirakon.AppManager.accessibility.NoRootAccessibilityService",
        "eu.thedarken.sdm/eu.thedarken.sdm.accessibility.core.ACCService",
        "com.arlosoft.macrodroid/com.arlosoft.macrodroid.action.services.UIInteractionAccessibilityService",
        "com.omarea.vtools/com.omarea.vtools.AccessibilitySceneMode",
    ]
    assert {g.user for g in result.enabled} == {0}
    # Its 9 bound services are printed by label (HyperTheme, SD Maid …), never by component.
    assert result.bound == ()
    assert result.installed == ()
    assert result.unknown == ()


def test_mvt_android14_syntax() -> None:
    result = parse_dumpsys_accessibility(real_text("mvt-tests/android_data/dumpsys_accessibility_v14_or_later.txt"))
    assert result.enabled == (ComponentGrant(0, "com.malware.accessibility/com.malware.service.malwareservice"),)
    assert result.bound == ()
    assert result.installed == ()
    assert result.unknown == ()


def test_mvt_samsung_pre14_installed_only() -> None:
    result = parse_dumpsys_accessibility(real_text("mvt-tests/android_data/dumpsys_accessibility.txt"))
    assert result.enabled == ()  # "enabled services: {" is empty on this phone
    assert result.bound == ()
    assert result.installed == (
        ComponentGrant(0, "com.android.settings/com.samsung.android.settings.development.gpuwatch.GPUWatchInterceptor"),
        ComponentGrant(0, "com.samsung.accessibility/.universalswitch.UniversalSwitchService"),
        ComponentGrant(0, "com.samsung.accessibility/com.samsung.android.app.talkback.TalkBackService"),
        ComponentGrant(0, "com.sec.android.app.camera/com.samsung.android.glview.AccessibilityGestureHandler"),
    )
    assert result.unknown == ()


@pytest.mark.parametrize("relpath", [PAD6, MVT, MVT14])
def test_real_capture_truncated_anywhere(relpath: str) -> None:
    text = real_text(relpath)
    full = _parse(text)
    assert len(_facts(full)) == INTACT_COUNTS[relpath]
    for cut in cut_points(text, 400):
        _check(CONTRACT.check_cut(text, cut, full=full))


def test_cut_inside_the_enabled_list_keeps_the_whole_entries() -> None:
    text = real_text(PAD6)
    cut = text.index("{com.celzero.bravedns") + len("{com.celzero")
    result = parse_dumpsys_accessibility(text[:cut])
    assert [g.package for g in result.enabled] == ["com.arlosoft.macrodroid", "com.phascinate.precisevolume"]
    assert result.unknown == ("enabled services: {com.celzero",)


# ---------------------------------------------------------------------------------------------
# Format details
# ---------------------------------------------------------------------------------------------


def test_sample_two_users() -> None:
    result = parse_dumpsys_accessibility(SAMPLE)
    assert result.enabled == (
        ComponentGrant(0, "com.example.helper/com.example.helper.HelperService"),
        ComponentGrant(0, "org.sample.reader/.ReaderService"),
        ComponentGrant(10, "com.corp.assist/com.corp.assist.A11y"),
    )
    assert result.bound == ()
    assert result.unknown == ()


def test_window_titles_are_never_recorded() -> None:
    result = parse_dumpsys_accessibility(SAMPLE)
    assert not any("Secret" in line or "Banking" in line for line in result.unknown)


def test_android10_one_line_attributes() -> None:
    text = (
        "User state[attributes:{id=0, currentUser=true, touchExplorationEnabled=true}\n"
        "     Bound services:{Service[label=TalkBack, feedbackType[FEEDBACK_SPOKEN]]}\n"
        "     Enabled services:{{com.google.android.marvin.talkback/com.google.android.marvin.talkback"
        ".TalkBackService}}\n"
        "     Binding services:{}]\n"
    )
    result = parse_dumpsys_accessibility(text)
    assert result.enabled == (
        ComponentGrant(0, "com.google.android.marvin.talkback/com.google.android.marvin.talkback.TalkBackService"),
    )


def test_samsung_enabled_and_bound_lists_with_entries() -> None:
    text = (
        "User state[attributes:{id=0, currentUser=true\n"
        "  }\n"
        "  installed services: {\n"
        "    0 : com.samsung.accessibility/.universalswitch.UniversalSwitchService\n"
        "    1 : com.spy.app/com.spy.app.Watcher\n"
        "  }\n"
        "  enabled services: {\n"
        "    0 : com.spy.app/com.spy.app.Watcher\n"
        "  }\n"
        "  binding services: {\n"
        "  }\n"
        "  bound services:{\n"
        "    0 : com.spy.app/com.spy.app.Watcher\n"
        "  }\n"
        "User state[attributes:{id=95, currentUser=false\n"
        "  enabled services: {\n"
        "    0 : com.dual.app/.A11y\n"
        "  }]\n"
    )
    result = parse_dumpsys_accessibility(text)
    assert result.enabled == (
        ComponentGrant(0, "com.spy.app/com.spy.app.Watcher"),
        ComponentGrant(95, "com.dual.app/.A11y"),
    )
    assert result.bound == (ComponentGrant(0, "com.spy.app/com.spy.app.Watcher"),)
    assert len(result.installed) == 2
    assert result.unknown == ()


def test_services_before_any_user_state_go_to_the_current_user() -> None:
    result = parse_dumpsys_accessibility("currentUserId=10\n     Enabled services:{{a.b/.C}}\n")
    assert result.enabled == (ComponentGrant(10, "a.b/.C"),)
    assert parse_dumpsys_accessibility("     Enabled services:{{a.b/.C}}\n").enabled == (ComponentGrant(0, "a.b/.C"),)


def test_entry_that_is_not_a_component_goes_to_unknown() -> None:
    result = parse_dumpsys_accessibility("     Enabled services:{{a.b/.C}, {not a component}}\n")
    assert result.enabled == (ComponentGrant(0, "a.b/.C"),)
    assert result.unknown != ()


def test_list_cut_mid_entry() -> None:
    result = parse_dumpsys_accessibility("     Enabled services:{{a.b/.C}, {d.e/.F")
    assert result.enabled == (ComponentGrant(0, "a.b/.C"),)
    assert result.unknown == ("enabled services: {d.e/.F",)


def test_samsung_list_cut_mid_entry() -> None:
    text = "  installed services: {\n    0 : com.a/.One\n    1 : com.b/.Tw"
    result = parse_dumpsys_accessibility(text)
    assert result.installed == (ComponentGrant(0, "com.a/.One"),)
    assert result.unknown == ("installed services: 1 : com.b/.Tw",)


def test_unclosed_bound_list_ends_at_the_next_header() -> None:
    text = (
        "User state[\n     attributes:{id=0}\n"
        "     Bound services:{Service[label=Broken {, feedbackType[]]}\n"
        "     Enabled services:{{a.b/.C}}\n"
    )
    assert parse_dumpsys_accessibility(text).enabled == (ComponentGrant(0, "a.b/.C"),)


def test_html_comes_through_verbatim() -> None:
    result = parse_dumpsys_accessibility("     Enabled services:{{com.evil/<script>alert(1)</script>}}\n")
    assert result.enabled == (ComponentGrant(0, "com.evil/<script>alert(1)</script>"),)


# ---------------------------------------------------------------------------------------------
# Hostile input
# ---------------------------------------------------------------------------------------------


def test_empty() -> None:
    assert parse_dumpsys_accessibility("") == ParsedAccessibility()


def test_binary_garbage() -> None:
    junk = bytes(range(256)) * 4
    intact = real_file(PAD6).read_bytes()
    # Junk around a capture: outside the lists it is skipped, inside none; every service is read.
    result = parse_dumpsys_accessibility(decode_output(junk + b"\n" + intact + junk).text)
    assert result == _parse(real_text(PAD6))
    # Junk inside a list is not a component: kept in unknown, never a grant.
    result = parse_dumpsys_accessibility(decode_output(junk + b"\nEnabled services:{{\xff/\x00}").text)
    assert result.enabled == ()
    assert result.unknown == ("enabled services: {\ufffd/}",)


def test_huge_user_id_does_not_raise() -> None:
    result = parse_dumpsys_accessibility("attributes:{id=" + "7" * 5000 + "}\nEnabled services:{{a/b}}\n")
    _check(result)
    assert result.enabled == (ComponentGrant(0, "a/b"),)  # not a user id: its digits are not cut short


def test_crlf_capture() -> None:
    text = decode_output(SAMPLE.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_accessibility(text) == parse_dumpsys_accessibility(SAMPLE)


def test_every_truncation_of_the_sample() -> None:
    full = _parse(SAMPLE)
    assert len(_facts(full)) == 3
    for cut in range(len(SAMPLE) + 1):
        _check(CONTRACT.check_cut(SAMPLE, cut, full=full))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_never_raises(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="cut an intact capture"):
        counts = {SAMPLE: 3, synthetic_output("dumpsys_accessibility"): 2, real_text(PAD6): 9, real_text(MVT): 4}
        text, cut = data.draw(cuts(counts))
        assert len(_facts(_parse(text))) == counts[text]
        _check(CONTRACT.check_cut(text, cut, full=_parse(text)))
        return
    text = data.draw(mutated(SAMPLE))
    result = parse_dumpsys_accessibility(text)
    _check(result)
    # Hostile text: every component it names was printed as such.
    assert all(grant.component in text for _kind, grant in _facts(result))
