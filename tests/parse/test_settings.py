"""``settings list`` parser and the component-list helpers: real captures, hostile input, fuzzing."""

from __future__ import annotations

import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import ComponentGrant, ParsedSettings
from auditor.parse.accessibility import parse_dumpsys_accessibility
from auditor.parse.settings import parse_component_list, parse_input_methods, parse_settings
from auditor.parse.text import decode_output
from tests.parse.damage import GARBAGE_LINES, cut_points, cuts, synthetic_output
from tests.parse.strategies import mutated
from tests.realdata import real_file, real_text

PAD6 = "dellta77-xiaomi-pad6-android14"

SAMPLE = """\
accessibility_enabled=1
bluetooth_name=
default_input_method=com.example.keys/.KeysIme
device_idle_constants=idle_after_inactive_timeout=30000,sensing_timeout=60000
enabled_accessibility_services=com.example.helper/com.example.helper.HelperService:org.sample/.A11y
enabled_input_methods=com.example.keys/.KeysIme;-921088104;529847764:com.other/.VoiceIme
enabled_notification_listeners=null
ringtone=content://media/internal/audio/media/57?title=Ring&canonical=1
"""

PAD6_ACCESSIBILITY = (
    "com.arlosoft.macrodroid/com.arlosoft.macrodroid.triggers.services.MacroDroidAccessibilityServiceJellyBean",
    "com.phascinate.precisevolume/com.phascinate.precisevolume.AccessiblePrecisionService",
    "com.celzero.bravedns/com.celzero.bravedns.util.BackgroundAccessibilityService",
    "us.spotco.malwarescanner/us.spotco.malwarescanner.LinkScannerService",
    "io.vi.hypertheme/io.vi.hypertheme.HyperThemeService",
    "io.github.muntashirakon.AppManager/io.github.muntashirakon.AppManager.accessibility.NoRootAccessibilityService",
    "eu.thedarken.sdm/eu.thedarken.sdm.accessibility.core.ACCService",
    "com.arlosoft.macrodroid/com.arlosoft.macrodroid.action.services.UIInteractionAccessibilityService",
    "com.omarea.vtools/com.omarea.vtools.AccessibilitySceneMode",
)


def _check(result: ParsedSettings) -> None:
    assert isinstance(result, ParsedSettings)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.values.items())
    assert all(isinstance(line, str) for line in result.unknown)


@functools.cache
def _parse(text: str) -> ParsedSettings:
    return parse_settings(text)


def _check_cut(text: str, cut: int) -> ParsedSettings:
    """A capture of one-line settings cut at ``cut``: what ``settings list`` parsing promises.

    Every setting of the lines before the cut line keeps its intact value. The cut line itself is
    never lost, but ``settings list`` has no end marker, so it cannot be told from a shorter line: a
    cut value reads as a shorter value of its key, and a cut name (no ``=`` yet) as one more line of
    the previous value (the module docstring says why lines without ``=`` continue a value).
    """
    full = _parse(text).values
    result = parse_settings(text[:cut])
    _check(result)
    line_start = text.rfind("\n", 0, cut) + 1
    before = _parse(text[:line_start]).values
    assert before.items() <= full.items()
    partial = text[line_start:cut]
    expected = dict(before)
    unknown: tuple[str, ...] = ()
    key, sep, value = partial.partition("=")
    if not partial.strip():
        pass
    elif sep and key in full:
        assert full[key].startswith(value)
        expected[key] = value
    elif before:
        last = list(before)[-1]
        expected[last] = before[last] + "\n" + partial
    else:
        unknown = (partial,)  # nothing to continue: text before the first setting is kept apart
    assert result.values == expected
    assert result.unknown == unknown
    return result


# ---------------------------------------------------------------------------------------------
# Real captures
# ---------------------------------------------------------------------------------------------


def test_pad6_secure() -> None:
    result = parse_settings(real_text(f"{PAD6}/settings/settings_secure.txt"))
    assert len(result.values) == 347
    assert result.unknown == ()
    assert result.values["accessibility_enabled"] == "1"
    assert result.values["install_non_market_apps"] == "1"
    assert result.values["FBO_RULES"] == ""
    assert result.values["backup_manager_constants"] == "key_value_backup_interval_milliseconds=43200000"
    assert result.values["default_input_method"] == (
        "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"
    )
    accessibility = parse_component_list(result.values["enabled_accessibility_services"], 0)
    assert tuple(g.component for g in accessibility) == PAD6_ACCESSIBILITY
    listeners = parse_component_list(result.values["enabled_notification_listeners"], 0)
    assert [g.component for g in listeners] == [
        "com.omarea.vtools/com.omarea.scene_mode.NotificationListenerService",
        "com.arlosoft.macrodroid/com.arlosoft.macrodroid.triggers.services.NotificationServiceOreo",
        "com.catchingnow.icebox/com.catchingnow.icebox.service.NotificationObserverService",
    ]
    imes = parse_input_methods(result.values["enabled_input_methods"], 0)
    assert imes == (
        ComponentGrant(
            0,
            "com.google.android.tts/com.google.android.apps.speech.tts.googletts.settings.asr.voiceime"
            ".VoiceInputMethodService",
        ),
        ComponentGrant(0, "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"),
    )


def test_pad6_global_and_system() -> None:
    global_ = parse_settings(real_text(f"{PAD6}/settings/settings_global.txt"))
    assert len(global_.values) == 584
    assert global_.unknown == ()
    assert global_.values["adb_enabled"] == "1"
    assert global_.values["development_settings_enabled"] == "1"
    assert global_.values["device_name"] == "Xiaomi Pad 6"
    assert global_.values["0#BLUETOOTHHEADSETPLUGIN"] == "1"
    assert global_.values["headsetList"].startswith('[{"+6D8G6uOkTGk9HuXE1QarWUMHIcgzspXOgUq7N0mEng=":"')

    system = parse_settings(real_text(f"{PAD6}/settings/settings_system.txt"))
    assert len(system.values) == 491
    assert system.unknown == ()
    assert system.values["alarm_alert"] == ("content://media/internal/audio/media/11?title=Fireflies&canonical=1")
    assert system.values["screen_off_timeout"] == "2147483647"


def test_pad6_settings_get_matches_dumpsys_accessibility() -> None:
    """``settings get secure enabled_accessibility_services`` and dumpsys agree on the 9 services."""
    value = real_text(f"{PAD6}/settings_secure_enabled_accessibility_services.txt")
    from_settings = parse_component_list(value, 0)
    assert tuple(g.component for g in from_settings) == PAD6_ACCESSIBILITY
    from_dumpsys = parse_dumpsys_accessibility(real_text(f"{PAD6}/dumpsys_accessibility.txt"))
    assert from_settings == from_dumpsys.enabled


def test_androidqf_settings_random() -> None:
    result = parse_settings(real_text("mvt-tests/androidqf/settings_random.txt"))
    assert len(result.values) == 9
    assert result.unknown == ()
    assert result.values["package_verifier_enable"] == "1"
    assert result.values["navigationbar_recently_used_color"] == ""


def test_real_capture_truncated_anywhere() -> None:
    text = real_text(f"{PAD6}/settings/settings_secure.txt")
    assert len(_parse(text).values) == 347
    for cut in cut_points(text, 97):
        _check_cut(text, cut)
    # A cut value is a shorter value: settings cannot know the line was cut (the collector can).
    cut = text.index("accessibility_enabled=1") + len("accessibility_enabled=")
    assert parse_settings(text[:cut]).values["accessibility_enabled"] == ""


# ---------------------------------------------------------------------------------------------
# Format details
# ---------------------------------------------------------------------------------------------


def test_sample() -> None:
    result = parse_settings(SAMPLE)
    assert result.unknown == ()
    assert result.values["bluetooth_name"] == ""
    assert result.values["enabled_notification_listeners"] == "null"
    assert result.values["device_idle_constants"] == "idle_after_inactive_timeout=30000,sensing_timeout=60000"


def test_line_without_equals_continues_the_previous_value() -> None:
    result = parse_settings("a=first line\nsecond line\n\nthird after a blank\nb=2\n\n")
    assert result.values == {"a": "first line\nsecond line\n\nthird after a blank", "b": "2"}
    assert result.unknown == ()


def test_text_before_the_first_setting_and_stack_traces_go_to_unknown() -> None:
    text = (
        "Exception occurred while executing 'list':\n"
        "java.lang.SecurityException: Permission Denial\n"
        "\tat com.android.providers.settings.SettingsService.onShellCommand(SettingsService.java:52)\n"
    )
    result = parse_settings(text)
    assert result.values == {}
    assert len(result.unknown) == 3
    # Once a trace starts, a later bare line is not glued to a setting either.
    after = parse_settings("a=1\njava.lang.IllegalStateException: boom\nstray\n")
    assert after.values == {"a": "1"}
    assert after.unknown == ("java.lang.IllegalStateException: boom", "stray")


def test_setting_named_like_an_error_is_still_a_setting() -> None:
    assert parse_settings("lastError=none\n").values == {"lastError": "none"}


def test_html_comes_through_verbatim() -> None:
    result = parse_settings('device_name=<img src=x onerror="alert(1)">\n')
    assert result.values["device_name"] == '<img src=x onerror="alert(1)">'
    grants = parse_component_list("com.evil/<script>x</script>", 0)
    assert grants == (ComponentGrant(0, "com.evil/<script>x</script>"),)


def test_component_list() -> None:
    assert parse_component_list("", 0) == ()
    assert parse_component_list("null", 0) == ()
    assert parse_component_list("null\n", 0) == ()
    assert parse_component_list("a.b/.C::d.e/d.e.F:null:a.b/.C", 10) == (
        ComponentGrant(10, "a.b/.C"),
        ComponentGrant(10, "d.e/d.e.F"),
    )
    assert parse_component_list("a.b/.C", 10)[0].package == "a.b"


def test_input_methods() -> None:
    assert parse_input_methods("", 0) == ()
    assert parse_input_methods("null", 0) == ()
    assert parse_input_methods("com.example.keys/.KeysIme;-921088104;529847764:com.other/.VoiceIme", 11) == (
        ComponentGrant(11, "com.example.keys/.KeysIme"),
        ComponentGrant(11, "com.other/.VoiceIme"),
    )
    assert parse_input_methods("a/.Ime;1:a/.Ime;2", 0) == (ComponentGrant(0, "a/.Ime"),)


# ---------------------------------------------------------------------------------------------
# Hostile input
# ---------------------------------------------------------------------------------------------


def test_empty() -> None:
    assert parse_settings("") == ParsedSettings(values={}, unknown=())


def test_binary_garbage() -> None:
    junk = bytes(range(256)) * 4
    intact = real_file(f"{PAD6}/settings/settings_secure.txt").read_bytes()
    result = parse_settings(decode_output(junk + b"\n" + intact).text)
    # Junk before the first setting is kept apart, never glued to a value; every setting is read.
    assert result.values == _parse(real_text(f"{PAD6}/settings/settings_secure.txt")).values
    assert result.unknown == GARBAGE_LINES
    # A junk line with "=" is not a setting when what precedes "=" is not a name (it holds spaces).
    result = parse_settings(decode_output(junk + b"=\xff\n\x00a=1").text)
    assert result.values == {"a": "1"}
    assert result.unknown == (*GARBAGE_LINES[:-1], GARBAGE_LINES[-1] + "=\ufffd")


def test_crlf_capture() -> None:
    text = decode_output(SAMPLE.replace("\n", "\r\n").encode()).text
    assert parse_settings(text) == parse_settings(SAMPLE)


def test_every_truncation_of_the_sample() -> None:
    assert len(_parse(SAMPLE).values) == 8
    for cut in range(len(SAMPLE) + 1):
        _check_cut(SAMPLE, cut)


@settings(max_examples=200, deadline=None)
@given(st.data(), st.integers(-1, 2000))
def test_never_raises(data: st.DataObject, user: int) -> None:
    if data.draw(st.booleans(), label="cut an intact capture"):
        counts = {
            SAMPLE: 8,
            synthetic_output("settings_secure.u0"): 55,
            real_text(f"{PAD6}/settings/settings_global.txt"): 584,
        }
        text, cut = data.draw(cuts(counts))
        assert len(_parse(text).values) == counts[text]
        _check_cut(text, cut)
        return
    text = data.draw(mutated(SAMPLE))
    result = parse_settings(text)
    _check(result)
    # Hostile text: nothing is invented. Every name was printed before a "=", every kept line is input.
    assert all(f"{key}=" in text for key in result.values)
    assert all(line in text for value in result.values.values() for line in value.split("\n"))
    assert all(line in text for line in result.unknown)
    for value in (*result.values.values(), text):
        for grant in (*parse_component_list(value, user), *parse_input_methods(value, user)):
            assert grant.user == user
            assert grant.component and grant.component != "null"
            assert grant.component in value
