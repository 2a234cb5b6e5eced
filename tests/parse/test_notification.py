"""Notification listener parser: the Android 14 HyperOS excerpt, multi-user shapes, privacy, fuzzing."""

from __future__ import annotations

from hypothesis import given, settings

from auditor.model import ComponentGrant, ParsedNotificationListeners
from auditor.parse.notification import parse_dumpsys_notification_listeners
from auditor.parse.text import decode_output
from tests.parse.strategies import mutated
from tests.realdata import real_text

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
    full = parse_dumpsys_notification_listeners(text)
    for cut in range(0, len(text), max(1, len(text) // 197)):
        result = parse_dumpsys_notification_listeners(text[:cut])
        _check(result)
        assert set(result.allowed) <= set(full.allowed)
        assert set(result.live) <= set(full.live)


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
    text = decode_output(bytes(range(256)) * 4 + b"    Live notification listeners (1):\n  \xff\x00").text
    _check(parse_dumpsys_notification_listeners(text))


def test_crlf_capture() -> None:
    text = decode_output(SAMPLE.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_notification_listeners(text) == parse_dumpsys_notification_listeners(SAMPLE)


def test_every_truncation_of_the_sample() -> None:
    full = parse_dumpsys_notification_listeners(SAMPLE)
    for cut in range(len(SAMPLE) + 1):
        result = parse_dumpsys_notification_listeners(SAMPLE[:cut])
        _check(result)
        assert set(result.allowed) <= set(full.allowed)
        assert set(result.live) <= set(full.live)
        assert set(result.assistants) <= set(full.assistants)


@settings(max_examples=200, deadline=None)
@given(mutated(SAMPLE))
def test_never_raises(text: str) -> None:
    _check(parse_dumpsys_notification_listeners(text))
