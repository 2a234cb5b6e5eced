"""``dumpsys accessibility`` parser: Android 14 and Samsung pre-14 captures, other shapes, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from auditor.model import ComponentGrant, ParsedAccessibility
from auditor.parse.accessibility import parse_dumpsys_accessibility
from auditor.parse.text import decode_output
from tests.parse.strategies import mutated
from tests.realdata import real_text

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


@pytest.mark.parametrize(
    "relpath",
    ["dellta77-xiaomi-pad6-android14/dumpsys_accessibility.txt", "mvt-tests/android_data/dumpsys_accessibility.txt"],
)
def test_real_capture_truncated_anywhere(relpath: str) -> None:
    text = real_text(relpath)
    full = parse_dumpsys_accessibility(text)
    for cut in range(0, len(text) + 1, max(1, len(text) // 1500)):
        result = parse_dumpsys_accessibility(text[:cut])
        _check(result)
        # A cut component lands in unknown, never in a list.
        assert set(result.enabled) <= set(full.enabled)
        assert set(result.installed) <= set(full.installed)


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
    text = decode_output(bytes(range(256)) * 4 + b"Enabled services:{{\xff/\x00}").text
    _check(parse_dumpsys_accessibility(text))


def test_huge_user_id_does_not_raise() -> None:
    result = parse_dumpsys_accessibility("attributes:{id=" + "7" * 5000 + "}\nEnabled services:{{a/b}}\n")
    _check(result)
    assert result.enabled == (ComponentGrant(0, "a/b"),)  # not a user id: its digits are not cut short


def test_crlf_capture() -> None:
    text = decode_output(SAMPLE.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_accessibility(text) == parse_dumpsys_accessibility(SAMPLE)


def test_every_truncation_of_the_sample() -> None:
    full = set(parse_dumpsys_accessibility(SAMPLE).enabled)
    for cut in range(len(SAMPLE) + 1):
        result = parse_dumpsys_accessibility(SAMPLE[:cut])
        _check(result)
        assert set(result.enabled) <= full


@settings(max_examples=200, deadline=None)
@given(mutated(SAMPLE))
def test_never_raises(text: str) -> None:
    _check(parse_dumpsys_accessibility(text))
