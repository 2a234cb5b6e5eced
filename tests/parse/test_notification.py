"""Notification listener parser: the Android 14 HyperOS excerpt, multi-user shapes, privacy, fuzzing."""

from __future__ import annotations

import functools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import ComponentGrant, ParsedNotificationListeners
from auditor.parse.notification import parse_dumpsys_notification_listeners
from auditor.parse.text import decode_output
from tests.parse.damage import Contract, cut_points, cuts, synthetic_output
from tests.parse.strategies import mutated
from tests.realdata import real_file, real_text

# Shape of a full ``dumpsys notification`` on Android 13/14 with a work profile, written for these
# tests. The notification record holds personal text that must never reach the result.
SAMPLE = """\
Current Notification Manager state:
  Notification List:
    NotificationRecord(0x0a1b2c3d: pkg=com.chat.app user=UserHandle{0} id=7 key=0|com.chat.app|7|null|10200)
      extras={
        android.title=String (Alice)
        android.text=String (The door code is 4711)
      }

  Notification listeners:
    Allowed notification listeners:
      com.spy.app/com.spy.app.NotifReader:com.watch.band/.BandListener (user: 0 isPrimary: true)
      com.corp.mail/com.corp.mail.Listener (user: 10 isPrimary: true)
      com.spy.app (user: 0 isPrimary: false)
    Has user set:
      userId=0 value={com.spy.app/com.spy.app.NotifReader}
(user 0):   All notification listeners (2) enabled for current profiles:
      ComponentInfo{com.spy.app/com.spy.app.NotifReader}
      ComponentInfo{com.watch.band/com.watch.band.BandListener}
    Live notification listeners (3):
      ComponentInfo{com.android.systemui/com.android.systemui.NotifListener} (user -1): Stub$Proxy@1 SYSTEM
      ComponentInfo{com.spy.app/com.spy.app.NotifReader} (user 0): INotificationListener$Stub$Proxy@2
      ComponentInfo{com.corp.mail/com.corp.mail.Listener} (user 10): INotificationListener$Stub$Proxy@3
    Snoozed notification listeners (1):
      User: 0
        com.watch.band/com.watch.band.BandListener

  Notification assistant services:
    Allowed notification assistants:
      com.android.ext.services/android.ext.services.Assistant (user: 0 isPrimary: true isUserChanged: false)
      com.android.ext.services/android.ext.services.Assistant (user: 10 isPrimary: true isUserChanged: false)
    Has user set:
    Live notification assistants (1):
      ComponentInfo{com.android.ext.services/android.ext.services.notification.Assistant} (user 0): x@4

  Condition providers:
    Allowed condition providers:
      com.spy.app:com.dnd.helper (user: 0 isPrimary: true)
    Live condition providers (1):
      ComponentInfo{android/com.android.server.notification.ScheduleConditionProvider} (user 0): p@5 SYSTEM
"""


def _check(result: ParsedNotificationListeners) -> None:
    assert isinstance(result, ParsedNotificationListeners)
    for grant in (*result.allowed, *result.live, *result.assistants):
        assert isinstance(grant, ComponentGrant)
        assert isinstance(grant.user, int) and isinstance(grant.component, str) and grant.component
    assert all(isinstance(line, str) for line in result.unknown)


@functools.cache
def _parse(text: str) -> ParsedNotificationListeners:
    return parse_dumpsys_notification_listeners(text)


def _facts(result: ParsedNotificationListeners) -> frozenset[tuple[str, ComponentGrant]]:
    return frozenset(
        [("allowed", g) for g in result.allowed]
        + [("live", g) for g in result.live]
        + [("assistant", g) for g in result.assistants]
    )


def _evidence(fact: tuple[str, ComponentGrant]) -> str:
    kind, grant = fact
    if kind == "live":
        return re.escape(f"ComponentInfo{{{grant.component}}} (user {grant.user})")
    # An allowed entry is whole once its line's "(user: N …)" is closed.
    return re.escape(grant.component) + rf"[^\n]*\(user: {grant.user}[^()\n]*\)"


CONTRACT: Contract[ParsedNotificationListeners, tuple[str, ComponentGrant]] = Contract(
    parse=parse_dumpsys_notification_listeners, facts=_facts, evidence=_evidence
)


# ---------------------------------------------------------------------------------------------
# Real capture
# ---------------------------------------------------------------------------------------------

PAD6 = "dellta77-xiaomi-pad6-android14/dumpsys_notification_listeners_excerpt.txt"


def test_xiaomi_pad6_allowed_listeners() -> None:
    result = parse_dumpsys_notification_listeners(real_text(PAD6))
    assert result.allowed == (
        ComponentGrant(0, "com.omarea.vtools/com.omarea.scene_mode.NotificationListenerService"),
        ComponentGrant(0, "com.arlosoft.macrodroid/com.arlosoft.macrodroid.triggers.services.NotificationServiceOreo"),
        ComponentGrant(0, "com.catchingnow.icebox/com.catchingnow.icebox.service.NotificationObserverService"),
    )
    assert result.assistants == (
        ComponentGrant(0, "com.google.android.ext.services/android.ext.services.notification.Assistant"),
    )
    assert result.unknown == ()


def test_xiaomi_pad6_live_listeners() -> None:
    result = parse_dumpsys_notification_listeners(real_text(PAD6))
    assert result.live == (
        ComponentGrant(-1, "android/com.android.server.am.AppFGSTracker$NotificationListener"),
        ComponentGrant(0, "com.android.server.telecom.voip/com.android.server.telecom.voip.VoipCallMonitor"),
        ComponentGrant(-1, "com.android.systemui/com.android.systemui.statusbar.notification.MiuiNotificationListener"),
        ComponentGrant(0, "android/com.android.server.people.data.DataManager"),
        ComponentGrant(0, "com.google.android.ext.services/android.ext.services.notification.Assistant"),
        ComponentGrant(
            10198, "com.xiaomi.xmsf/com.xiaomi.xmsf.push.service.notificationcollection.NotificationListener"
        ),
        ComponentGrant(0, "com.catchingnow.icebox/com.catchingnow.icebox.service.NotificationObserverService"),
        ComponentGrant(0, "com.omarea.vtools/com.omarea.scene_mode.NotificationListenerService"),
        ComponentGrant(0, "com.arlosoft.macrodroid/com.arlosoft.macrodroid.triggers.services.NotificationServiceOreo"),
        ComponentGrant(-1, "com.miui.securitycenter/com.miui.gamebooster.service.NotificationListener"),
    )
    # Condition providers (DND access) are not notification listeners.
    assert not any("DrivingConditionProvider" in g.component for g in (*result.allowed, *result.live))


def test_real_capture_truncated_anywhere() -> None:
    text = real_text(PAD6)
    full = _parse(text)
    assert (len(full.allowed), len(full.live), len(full.assistants)) == (3, 10, 1)
    for cut in cut_points(text, 197):
        _check(CONTRACT.check_cut(text, cut, full=full))
    # The three allowed listeners share one line: a cut inside it reads none of them, and keeps the line.
    cut = text.index("com.catchingnow.icebox/")
    result = parse_dumpsys_notification_listeners(text[:cut])
    assert result.allowed == ()
    assert result.unknown == (text[text.rfind("\n", 0, cut) + 1 : cut],)


# ---------------------------------------------------------------------------------------------
# Format details
# ---------------------------------------------------------------------------------------------


def test_sample_multi_user() -> None:
    result = parse_dumpsys_notification_listeners(SAMPLE)
    assert result.allowed == (
        ComponentGrant(0, "com.spy.app/com.spy.app.NotifReader"),
        ComponentGrant(0, "com.watch.band/.BandListener"),
        ComponentGrant(10, "com.corp.mail/com.corp.mail.Listener"),
        ComponentGrant(0, "com.spy.app"),  # a package-level (secondary) approval, kept as printed
    )
    assert result.live == (
        ComponentGrant(-1, "com.android.systemui/com.android.systemui.NotifListener"),
        ComponentGrant(0, "com.spy.app/com.spy.app.NotifReader"),
        ComponentGrant(10, "com.corp.mail/com.corp.mail.Listener"),
    )
    assert result.assistants == (
        ComponentGrant(0, "com.android.ext.services/android.ext.services.Assistant"),
        ComponentGrant(10, "com.android.ext.services/android.ext.services.Assistant"),
    )
    assert result.unknown == ()


def test_notification_content_is_never_recorded() -> None:
    shown = repr(parse_dumpsys_notification_listeners(SAMPLE))
    assert "Alice" not in shown
    assert "4711" not in shown


def test_malformed_entries_inside_the_lists_go_to_unknown() -> None:
    text = (
        "    Allowed notification listeners:\n"
        "      garbled entry\n"
        "    Live notification listeners (1):\n"
        "      ComponentInfo{a.b/.C (user 0\n"
        "    Snoozed notification listeners (0):\n"
        "      not read\n"
    )
    result = parse_dumpsys_notification_listeners(text)
    assert result.allowed == result.live == ()
    assert result.unknown == ("      garbled entry", "      ComponentInfo{a.b/.C (user 0")


def test_empty_allowed_list_for_a_user() -> None:
    text = "    Allowed notification listeners:\n       (user: 10 isPrimary: true)\n    Has user set:\n"
    result = parse_dumpsys_notification_listeners(text)
    assert result.allowed == ()
    assert result.unknown == ()


def test_android7_without_allowed_section() -> None:
    text = (
        "  Notification listeners:\n"
        "    All notification listeners (1) enabled for current profiles:\n"
        "      ComponentInfo{com.old/com.old.Listener}\n"
        "    Live notification listeners (1):\n"
        "      ComponentInfo{com.old/com.old.Listener} (user 0): android.os.BinderProxy@1\n"
    )
    result = parse_dumpsys_notification_listeners(text)
    assert result.allowed == ()
    assert result.live == (ComponentGrant(0, "com.old/com.old.Listener"),)


def test_html_comes_through_verbatim() -> None:
    text = "    Allowed notification listeners:\n      com.evil/<script>x()</script> (user: 0 isPrimary: true)\n"
    result = parse_dumpsys_notification_listeners(text)
    assert result.allowed == (ComponentGrant(0, "com.evil/<script>x()</script>"),)


# ---------------------------------------------------------------------------------------------
# Hostile input
# ---------------------------------------------------------------------------------------------


def test_empty() -> None:
    assert parse_dumpsys_notification_listeners("") == ParsedNotificationListeners()


def test_binary_garbage() -> None:
    junk = bytes(range(256)) * 4
    # Junk around a capture is outside every list: skipped, and never copied (it could be content).
    text = decode_output(junk + b"\n" + real_file(PAD6).read_bytes() + junk).text
    result = parse_dumpsys_notification_listeners(text)
    assert result == _parse(real_text(PAD6))
    # Junk inside a list is not an entry: kept in unknown, never a grant.
    text = decode_output(junk + b"\n    Live notification listeners (1):\n      \xff\x00 (user 0)\n").text
    result = parse_dumpsys_notification_listeners(text)
    assert result == ParsedNotificationListeners(unknown=("      \ufffd (user 0)",))


def test_crlf_capture() -> None:
    text = decode_output(SAMPLE.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_notification_listeners(text) == parse_dumpsys_notification_listeners(SAMPLE)


def test_every_truncation_of_the_sample() -> None:
    full = _parse(SAMPLE)
    assert len(_facts(full)) == 9
    for cut in range(len(SAMPLE) + 1):
        _check(CONTRACT.check_cut(SAMPLE, cut, full=full))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_never_raises(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="cut an intact capture"):
        counts = {SAMPLE: 9, synthetic_output("dumpsys_notification"): 7, real_text(PAD6): 14}
        text, cut = data.draw(cuts(counts))
        assert len(_facts(_parse(text))) == counts[text]
        _check(CONTRACT.check_cut(text, cut, full=_parse(text)))
        return
    text = data.draw(mutated(SAMPLE))
    result = parse_dumpsys_notification_listeners(text)
    _check(result)
    # Hostile text: every entry was printed as such.
    assert all(grant.component in text for _kind, grant in _facts(result))
