"""App-ops: ``dumpsys appops`` and ``appops get`` (one package, or a marked loop over many).

``dumpsys appops`` (AppOpsService.dump) is read in one pass, dispatching on indentation::

    Current AppOps Service state:
      Settings: / Op mode watchers: / … watchers: / History: …    skipped, one note each
      Uid u0a234:                                                 indent 2: UserHandle.formatUid
        state=cch / capability=… / appWidgetVisible=…             indent 4: UidState dump, ignored
        foregroundOps:                                            indent 4 … up to hasForegroundWatchers=
          FINE_LOCATION: WATCHER                                  skipped
          CAMERA: mode=ignore                                     indent 6, before packages: uid mode
        Package com.example:                                      indent 4
          COARSE_LOCATION (foreground / switch FINE_LOCATION=allow):     indent 6: op and mode
            null=[                                                indent 8: attribution tag (11+)
              Access: [top-s] 2024-05-01 12:00:00.123 (-1h2m3s4ms) duration=+2s0ms
              Reject: [bg-s]2024-05-01 09:00:00.000 (-4h0m0s0ms)
              Running start at: +5m0s0ms
            ]

Versions and quirks handled (each branch below names the one it is for):

* Android 11+ wraps events in ``<tag>=[`` … ``]`` per attribution tag (``null`` = no tag).
* Android 10 prints the same ``Access:``/``Reject:`` lines directly under the op, no wrapper.
* Android 9 prints ``Access: top   = <date> (<ago>)`` with further states on continuation lines
  (``fg    = …``), no flags, and the last duration on its own ``duration=`` line.
* Android ≤ 8 prints ``OP: mode=<int>; time=+1h ago; rejectTime=…; duration=…`` under a package and
  numeric uid modes; the numbers are turned into AppOpsManager.MODE_NAMES so every version compares
  alike.
* ``Reject:`` has no space after ``]`` (AppOpsService prints none); proxy accesses end with
  ``proxy[uid=…, pkg=…, attributionTag=…]`` (Android 10: ``proxy[uid=0, pkg=null]``).
* Vendor ops keep the printed name, e.g. MIUI ``MIUIOP(10004)``; vendor uid states map to
  ``UidState.UNKNOWN`` with the raw text kept.

Nothing here raises; lines not understood go to ``unknown`` of the uid they appear in (or of the
whole result outside any uid).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Final

from auditor.model import OpEntry, OpEvent, OpEventKind, PackageOps, ParsedAppOps, UidOps, UidState
from auditor.parse.markers import split_marked

logger = logging.getLogger(__name__)

__all__ = ["parse_appops_get", "parse_appops_get_loop", "parse_dumpsys_appops", "parse_duration_ms"]

# --------------------------------------------------------------------------------------------------
# Durations (TimeUtils.formatDuration)
# --------------------------------------------------------------------------------------------------

# ``0``, or ``[+-][Nd][Nh][Nm][Ns]Nms``; ASCII digits only, and bounded so that ``int()`` never meets
# a digit string longer than Python's int-conversion limit.
_DURATION: Final = re.compile(
    r"([+-]?)(?:([0-9]{1,12})d)?(?:([0-9]{1,12})h)?(?:([0-9]{1,12})m)?(?:([0-9]{1,12})s)?([0-9]{1,15})ms"
)


def parse_duration_ms(text: str) -> int | None:
    """Milliseconds of a ``TimeUtils.formatDuration`` text: ``0`` or ``[+-][Nd][Nh][Nm][Ns]Nms``.

    ``-1h2m3s4ms`` gives ``-3723004``; the sign is returned as printed (the caller decides what it
    means: dumpsys prints event time minus now, ``appops get`` now minus event time). AOSP always
    prints a sign except for ``0``; an unsigned value is accepted too. ``None`` when malformed.
    """
    if text == "0":
        return 0
    m = _DURATION.fullmatch(text)
    if m is None:
        return None
    sign, d, h, mi, s, ms = m.groups()
    total = int(ms)
    if s:
        total += int(s) * 1000
    if mi:
        total += int(mi) * 60_000
    if h:
        total += int(h) * 3_600_000
    if d:
        total += int(d) * 86_400_000
    return -total if sign == "-" else total


# --------------------------------------------------------------------------------------------------
# Shared tables
# --------------------------------------------------------------------------------------------------

_UID_STATES: Final[dict[str, UidState]] = {s.value: s for s in UidState if s is not UidState.UNKNOWN}

_MODE_NAMES: Final = ("allow", "ignore", "deny", "default", "foreground")
"""AppOpsManager.MODE_NAMES by mode value; Android ≤ 8 dumpsys prints the value, newer the name."""

# AppOpsManager op codes (index = code; "-" for deprecated slots), from the op constants of
# AppOpsManager (Android 16). Codes are append-only, so older versions agree on the ops they have.
# Only used to see where ``appops get`` switches from uid ops to package ops (both are printed in
# ascending code order, see _GetSplitter).
_OP_NAMES_BY_CODE: Final = """
COARSE_LOCATION FINE_LOCATION GPS VIBRATE READ_CONTACTS WRITE_CONTACTS READ_CALL_LOG WRITE_CALL_LOG
READ_CALENDAR WRITE_CALENDAR WIFI_SCAN POST_NOTIFICATION NEIGHBORING_CELLS CALL_PHONE READ_SMS
WRITE_SMS RECEIVE_SMS RECEIVE_EMERGENCY_BROADCAST RECEIVE_MMS RECEIVE_WAP_PUSH SEND_SMS READ_ICC_SMS
WRITE_ICC_SMS WRITE_SETTINGS SYSTEM_ALERT_WINDOW ACCESS_NOTIFICATIONS CAMERA RECORD_AUDIO PLAY_AUDIO
READ_CLIPBOARD WRITE_CLIPBOARD TAKE_MEDIA_BUTTONS TAKE_AUDIO_FOCUS AUDIO_MASTER_VOLUME
AUDIO_VOICE_VOLUME AUDIO_RING_VOLUME AUDIO_MEDIA_VOLUME AUDIO_ALARM_VOLUME AUDIO_NOTIFICATION_VOLUME
AUDIO_BLUETOOTH_VOLUME WAKE_LOCK MONITOR_LOCATION MONITOR_HIGH_POWER_LOCATION GET_USAGE_STATS
MUTE_MICROPHONE TOAST_WINDOW PROJECT_MEDIA ACTIVATE_VPN WRITE_WALLPAPER ASSIST_STRUCTURE
ASSIST_SCREENSHOT READ_PHONE_STATE ADD_VOICEMAIL USE_SIP PROCESS_OUTGOING_CALLS USE_FINGERPRINT
BODY_SENSORS READ_CELL_BROADCASTS MOCK_LOCATION READ_EXTERNAL_STORAGE WRITE_EXTERNAL_STORAGE
TURN_SCREEN_ON GET_ACCOUNTS RUN_IN_BACKGROUND AUDIO_ACCESSIBILITY_VOLUME READ_PHONE_NUMBERS
REQUEST_INSTALL_PACKAGES PICTURE_IN_PICTURE INSTANT_APP_START_FOREGROUND ANSWER_PHONE_CALLS
RUN_ANY_IN_BACKGROUND CHANGE_WIFI_STATE REQUEST_DELETE_PACKAGES BIND_ACCESSIBILITY_SERVICE
ACCEPT_HANDOVER MANAGE_IPSEC_TUNNELS START_FOREGROUND BLUETOOTH_SCAN USE_BIOMETRIC
ACTIVITY_RECOGNITION SMS_FINANCIAL_TRANSACTIONS READ_MEDIA_AUDIO WRITE_MEDIA_AUDIO READ_MEDIA_VIDEO
WRITE_MEDIA_VIDEO READ_MEDIA_IMAGES WRITE_MEDIA_IMAGES LEGACY_STORAGE ACCESS_ACCESSIBILITY
READ_DEVICE_IDENTIFIERS ACCESS_MEDIA_LOCATION QUERY_ALL_PACKAGES MANAGE_EXTERNAL_STORAGE
INTERACT_ACROSS_PROFILES ACTIVATE_PLATFORM_VPN LOADER_USAGE_STATS -
AUTO_REVOKE_PERMISSIONS_IF_UNUSED AUTO_REVOKE_MANAGED_BY_INSTALLER NO_ISOLATED_STORAGE
PHONE_CALL_MICROPHONE PHONE_CALL_CAMERA RECORD_AUDIO_HOTWORD MANAGE_ONGOING_CALLS MANAGE_CREDENTIALS
USE_ICC_AUTH_WITH_DEVICE_IDENTIFIER RECORD_AUDIO_OUTPUT SCHEDULE_EXACT_ALARM FINE_LOCATION_SOURCE
COARSE_LOCATION_SOURCE MANAGE_MEDIA BLUETOOTH_CONNECT UWB_RANGING ACTIVITY_RECOGNITION_SOURCE
BLUETOOTH_ADVERTISE RECORD_INCOMING_PHONE_AUDIO NEARBY_WIFI_DEVICES ESTABLISH_VPN_SERVICE
ESTABLISH_VPN_MANAGER ACCESS_RESTRICTED_SETTINGS RECEIVE_AMBIENT_TRIGGER_AUDIO
RECEIVE_EXPLICIT_USER_INTERACTION_AUDIO RUN_USER_INITIATED_JOBS READ_MEDIA_VISUAL_USER_SELECTED
SYSTEM_EXEMPT_FROM_SUSPENSION SYSTEM_EXEMPT_FROM_DISMISSIBLE_NOTIFICATIONS READ_WRITE_HEALTH_DATA
FOREGROUND_SERVICE_SPECIAL_USE SYSTEM_EXEMPT_FROM_POWER_RESTRICTIONS SYSTEM_EXEMPT_FROM_HIBERNATION
SYSTEM_EXEMPT_FROM_ACTIVITY_BG_START_RESTRICTION CAPTURE_CONSENTLESS_BUGREPORT_ON_USERDEBUG_BUILD -
USE_FULL_SCREEN_INTENT CAMERA_SANDBOXED RECORD_AUDIO_SANDBOXED RECEIVE_SANDBOX_TRIGGER_AUDIO -
CREATE_ACCESSIBILITY_OVERLAY MEDIA_ROUTING_CONTROL ENABLE_MOBILE_DATA_BY_USER -
RAPID_CLEAR_NOTIFICATIONS_BY_LISTENER READ_SYSTEM_GRAMMATICAL_GENDER - ARCHIVE_ICON_OVERLAY
UNARCHIVAL_CONFIRMATION EMERGENCY_LOCATION RECEIVE_SENSITIVE_NOTIFICATIONS READ_HEART_RATE
READ_SKIN_TEMPERATURE RANGING READ_OXYGEN_SATURATION WRITE_SYSTEM_PREFERENCES CONTROL_AUDIO
CONTROL_AUDIO_PARTIAL EYE_TRACKING_COARSE EYE_TRACKING_FINE FACE_TRACKING HAND_TRACKING
HEAD_TRACKING SCENE_UNDERSTANDING_COARSE SCENE_UNDERSTANDING_FINE POST_PROMOTED_NOTIFICATIONS
SYSTEM_APPLICATION_OVERLAY
"""

_OP_CODES: Final[dict[str, int]] = {
    name: code for code, name in enumerate(_OP_NAMES_BY_CODE.split()) if name != "-"
} | {
    # Other names printed for the same codes: RECEIVE_SOUNDTRIGGER_AUDIO (120) by Android 14 (the
    # Xiaomi capture), TURN_ON_SCREEN (61) in an Android 9 dump, and the constant's own misspelt
    # RECEIVE_EMERGECY_SMS (17).
    "RECEIVE_SOUNDTRIGGER_AUDIO": 120,
    "TURN_ON_SCREEN": 61,
    "RECEIVE_EMERGECY_SMS": 17,
}


def _op_code(name: str) -> int | None:
    """The op code of a printed op name: from the table, or from a vendor ``NAME(code)`` suffix."""
    code = _OP_CODES.get(name)
    if code is not None:
        return code
    # Vendor ops print as NAME(code), e.g. MIUI "MIUIOP(10004)".
    if name.endswith(")"):
        num = name[name.rfind("(") + 1 : -1]
        if 0 < len(num) <= 9 and num.isascii() and num.isdigit():
            return int(num)
    return None


def _mode_name(mode: str) -> str:
    """The mode as printed, with Android ≤ 8's numeric values turned into MODE_NAMES."""
    if len(mode) == 1 and "0" <= mode <= "4":
        return _MODE_NAMES[int(mode)]
    return mode


# --------------------------------------------------------------------------------------------------
# Uids (UserHandle.formatUid)
# --------------------------------------------------------------------------------------------------

_PER_USER_RANGE: Final = 100_000
_FIRST_APPLICATION_UID: Final = 10_000
_FIRST_ISOLATED_UID: Final = 99_000
_FIRST_APP_ZYGOTE_ISOLATED_UID: Final = 90_000
_APP_ID_OFFSET: Final = {
    "a": _FIRST_APPLICATION_UID,
    "s": 0,
    "i": _FIRST_ISOLATED_UID,
    "ai": _FIRST_APP_ZYGOTE_ISOLATED_UID,
}


def _small_int(text: str) -> int | None:
    """A non-negative ASCII integer of at most 12 digits (never a huge or Unicode digit string)."""
    if 0 < len(text) <= 12 and text.isascii() and text.isdigit():
        return int(text)
    return None


def _parse_uid(text: str) -> int | None:
    """A uid as UserHandle.formatUid prints it.

    Plain number below 10000 (or any plain number); ``u<user>a<n>`` app (appId 10000 + n);
    ``u<user>s<appId>`` system uid of another user; ``u<user>i<n>`` isolated (99000 + n);
    ``u<user>ai<n>`` app-zygote isolated (90000 + n; formatUid prints 99000 itself as ``ai9000``
    because it tests ``appId > FIRST_ISOLATED_UID``).
    """
    plain = _small_int(text)
    if plain is not None:
        return plain
    if len(text) < 3 or text[0] != "u":
        return None
    i = 1
    while i < len(text) and "0" <= text[i] <= "9":
        i += 1
    user = _small_int(text[1:i])
    if user is None:
        return None
    j = i
    while j < len(text) and "a" <= text[j] <= "z":
        j += 1
    offset = _APP_ID_OFFSET.get(text[i:j])
    n = _small_int(text[j:])
    if offset is None or n is None:
        return None
    return user * _PER_USER_RANGE + offset + n


# --------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------

_StateKey = tuple[UidState, str, tuple[str, ...]]


def _state_key(key: str, cache: dict[str, _StateKey]) -> _StateKey:
    """``top-s`` / ``fgsvc-tpd|s`` → (state, raw state, flags); flags are ``|``-joined after the ``-``."""
    hit = cache.get(key)
    if hit is not None:
        return hit
    # Flags never contain "-"; split at the last one so a vendor state with a "-" survives.
    raw, sep, flags = key.rpartition("-")
    if not sep:
        raw, flags = key, ""
    raw = raw.strip()
    value = (_UID_STATES.get(raw, UidState.UNKNOWN), raw, tuple(flags.split("|")) if flags else ())
    if len(cache) < 256:
        cache[key] = value
    return value


def _split_tail(tail: str) -> tuple[int | None, str | None, bool]:
    """``duration=+2s0ms`` and ``proxy[…]`` after an event, in any order → (duration, proxy, all read)."""
    duration: int | None = None
    proxy: str | None = None
    ok = True
    tail = tail.strip()
    while tail:
        if tail.startswith("duration="):
            end = tail.find(" ", 9)
            token = tail[9:] if end < 0 else tail[9:end]
            duration = parse_duration_ms(token)
            ok = ok and duration is not None
            tail = "" if end < 0 else tail[end + 1 :].lstrip()
        elif tail.startswith("proxy["):
            end = tail.find("]")
            if end < 0:
                # Cut inside the proxy text: keep what is there, say it was not read whole.
                return duration, tail[6:], False
            proxy = tail[6:end]
            tail = tail[end + 1 :].lstrip()
        else:
            return duration, proxy, False
    return duration, proxy, ok


def _parse_event(
    kind: OpEventKind, body: str, tag: str | None, cache: dict[str, _StateKey]
) -> tuple[OpEvent | None, bool]:
    """The part after ``Access:``/``Reject:`` → (event, whether every part of it was read).

    Android 10+: ``[top-s] 2024-05-01 12:00:00.123 (-1h2m3s4ms) duration=+2s0ms proxy[…]``.
    Android 9: ``top   = 2024-05-01 12:00:00.123 (-1h2m3s4ms)`` (padded state, no flags).
    """
    if body.startswith("["):
        close = body.find("]")
        if close < 0:
            return None, False
        state, raw, flags = _state_key(body[1:close], cache)
        rest = body[close + 1 :]
    else:
        raw, sep, rest = body.partition("=")
        raw = raw.strip()
        if not sep or not raw or " " in raw:
            return None, False
        state, flags = _UID_STATES.get(raw, UidState.UNKNOWN), ()
    open_p = rest.find("(")
    if open_p < 0:
        return None, False
    close_p = rest.find(")", open_p)
    if close_p < 0:
        return None, False
    time_text = rest[:open_p]
    tail = rest[close_p + 1 :]
    if "=" in time_text:
        # A field printed before the parentheses (not AOSP's order): read it with the tail.
        words = time_text.split()
        time_text = " ".join(w for w in words if "=" not in w)
        tail = " ".join(w for w in words if "=" in w) + " " + tail
    time = time_text.strip() or None
    ago = parse_duration_ms(rest[open_p + 1 : close_p])
    ok = ago is not None
    duration: int | None = None
    proxy: str | None = None
    if tail:
        duration, proxy, tail_ok = _split_tail(tail)
        ok = ok and tail_ok
    event = OpEvent(
        kind=kind,
        uid_state=state,
        uid_state_raw=raw,
        flags=flags,
        time=time,
        # dumpsys prints event time minus now: "(-1h…)" is one hour ago.
        ago_ms=None if ago is None else -ago,
        duration_ms=duration,
        attribution_tag=tag,
        proxy=proxy,
    )
    return event, ok


# "time=+1h2m3s4ms ago", "rejectTime=… ago", "duration=…": found wherever they stand in the line.
_RELATIVE: Final = re.compile(r"\b(time|rejectTime|duration)=([+-]?[0-9dhms]{1,60})(?: ago)?")


def _relative_parts(text: str, tag: str | None) -> tuple[list[OpEvent], bool, bool]:
    """``time=+1h ago``, ``rejectTime=+3d ago``, ``duration=+5s0ms`` and ``(running)`` → events.

    The relative form of ``appops get`` (all versions) and of Android ≤ 8 ``dumpsys appops``: no
    uid state is printed (``time`` is the newest over every state and flag since Android 11). The
    fields are read in any order and with any separator. Returns (events, running, whether
    everything in ``text`` was read).
    """
    access_ago: int | None = None
    reject_ago: int | None = None
    duration: int | None = None
    have_access = have_reject = False
    ok = True
    for key, value in _RELATIVE.findall(text):
        number = parse_duration_ms(value)
        ok = ok and number is not None
        if key == "time":
            have_access, access_ago = True, number
        elif key == "rejectTime":
            have_reject, reject_ago = True, number
        else:
            duration = number
    running = "(running)" in text
    if _RELATIVE.sub("", text).replace("(running)", "").strip(" ;"):
        ok = False
    events: list[OpEvent] = []
    if have_access:
        events.append(
            OpEvent(
                kind=OpEventKind.ACCESS,
                uid_state=UidState.UNKNOWN,
                uid_state_raw=UidState.UNKNOWN.value,
                ago_ms=access_ago,
                duration_ms=duration,
                attribution_tag=tag,
            )
        )
    elif duration is not None:
        ok = False  # a duration without the access it belongs to
    if have_reject:
        events.append(
            OpEvent(
                kind=OpEventKind.REJECT,
                uid_state=UidState.UNKNOWN,
                uid_state_raw=UidState.UNKNOWN.value,
                ago_ms=reject_ago,
                attribution_tag=tag,
            )
        )
    return events, running, ok


# --------------------------------------------------------------------------------------------------
# dumpsys appops
# --------------------------------------------------------------------------------------------------

# Top-level sections of no use for an audit (callbacks of other processes, settings, history that
# needs its own reader). Their content is skipped; one line in ``unknown`` says so.
_SKIPPED_PREFIXES: Final = (
    "Settings",
    "History",
    "Discrete accesses",
    "Clients",  # Android ≤ 9: started ops per client binder
    "Audio Restrictions",
    "User restrictions for token",
    "AppOps policy",  # location / activity-recognition attribution tags of the policy
)

# UidState dump lines (Android 9–16, AppOpsService.UidState / AppOpsUidStateTracker): process
# state and capabilities at dump time, not the app's permissions. Read past without a record.
_UID_STATE_KEYS: Final = frozenset(
    {
        "state",
        "pendingState",
        "capability",
        "pendingCapability",
        "appWidgetVisible",
        "pendingAppWidgetVisible",
        "pendingStateCommitTime",
        "startNesting",
        "hasForegroundWatchers",
    }
)


def _is_skipped_section(header: str) -> bool:
    name = header.partition(":")[0].strip()
    return name.endswith("watchers") or name.startswith(_SKIPPED_PREFIXES)


def _parse_op_header(t: str) -> tuple[tuple[str, str, str | None] | None, list[OpEvent], bool, bool]:
    """An op line under a package → ((name, mode, switch), events, running, whether fully read).

    Android 9+: ``COARSE_LOCATION (allow / switch FINE_LOCATION=allow):`` — the name ends at the
    first `` (`` (vendor names such as ``MIUIOP(10004)`` have no space before their parenthesis).
    Android ≤ 8: ``CAMERA: mode=0; time=+1h ago; duration=+5s0ms`` (relative times, numeric mode).
    """
    colon = t.find(": mode=")
    if colon > 0 and " " not in t[:colon]:
        mode_part, _, rest = t[colon + 7 :].partition(";")
        mode = mode_part.strip()
        running = mode.endswith("(running)")
        if running:
            mode = mode[:-9].rstrip()
        events, more_running, ok = _relative_parts(rest, None) if rest else ([], False, True)
        good = ok and bool(mode) and " " not in mode
        return (t[:colon], _mode_name(mode), None), events, running or more_running, good
    paren = t.find(" (")
    if paren <= 0 or " " in t[:paren]:
        return None, [], False, False
    close = t.find("):", paren)
    if close < 0:
        if not t.endswith(")"):
            return None, [], False, False
        close = len(t) - 1
    mode, sep, switch = t[paren + 2 : close].partition("/ switch ")
    mode = mode.strip()
    header = (t[:paren], _mode_name(mode), switch.strip() if sep else None)
    trailing = t[close + 2 :].strip()
    if not trailing:
        return header, [], False, bool(mode)
    events, running, ok = _relative_parts(trailing, None)
    return header, events, running, ok and bool(mode)


_EntryKey = tuple[str, str, str | None]


def _entry(key: _EntryKey, events: list[OpEvent], running: bool, cache: dict[_EntryKey, OpEntry]) -> OpEntry:
    """The finished op. Ops without events are shared per (name, mode, switch): they are frozen,
    and about a third of the ops of a full dump are such mode-only lines."""
    if events or running:
        return OpEntry(op=key[0], mode=key[1], events=tuple(events), running=running, switch=key[2])
    entry = cache.get(key)
    if entry is None:
        entry = cache[key] = OpEntry(op=key[0], mode=key[1], switch=key[2])
    return entry


def _set_last_duration(events: list[OpEvent], duration: int) -> None:
    """Android 9 prints one ``duration=`` line per op: the duration of its newest access."""
    best: OpEvent | None = None
    where = -1
    for i, ev in enumerate(events):
        if (
            ev.kind is OpEventKind.ACCESS
            and ev.ago_ms is not None
            and (best is None or best.ago_ms is None or ev.ago_ms < best.ago_ms)
        ):
            best, where = ev, i
    if best is not None:
        events[where] = replace(best, duration_ms=duration)


# One modern event line, duration in the parentheses included: the hot path of a full dump. Lines
# it does not match (Android 9, "(0)", a field before the parentheses) take _parse_event.
_EVENT_LINE: Final = re.compile(
    r"(Access|Reject): ?\[([^\]]*)\]([^(=]*)"
    r"\(([+-]?)(?:([0-9]{1,12})d)?(?:([0-9]{1,12})h)?(?:([0-9]{1,12})m)?(?:([0-9]{1,12})s)?([0-9]{1,15})ms\)"
    r"(.*)"
)


class _Uids:
    """The uid and package levels of a dump being read (changed rarely, so kept in an object)."""

    def __init__(self) -> None:
        self.done: list[UidOps] = []
        self.uid: int | None = None
        self.modes: list[tuple[str, str]] = []
        self.unknown: list[str] = []
        self.packages: list[PackageOps] = []
        self.package: str | None = None
        self.ops: list[OpEntry] = []

    def close_package(self) -> None:
        if self.package is not None:
            self.packages.append(PackageOps(package=self.package, ops=tuple(self.ops)))
            self.package = None
            self.ops = []

    def close_uid(self) -> None:
        self.close_package()
        if self.uid is not None:
            self.done.append(
                UidOps(
                    uid=self.uid,
                    uid_modes=tuple(self.modes),
                    packages=tuple(self.packages),
                    unknown=tuple(self.unknown),
                )
            )
            self.uid = None
            self.modes = []
            self.packages = []
            self.unknown = []

    def open_uid(self, text: str, line: str) -> None:
        uid = _parse_uid(text)
        if uid is None:
            # Keep the block (its packages are real) under -1, with the header it came with.
            self.uid, self.unknown = -1, [line]
        else:
            self.uid = uid


def _iter_lines(text: str, chunk: int = 1 << 16) -> Iterator[str]:
    """The lines of ``text``, split a chunk at a time.

    ``text.split("\n")`` at once would hold a second copy of the whole dump as line objects (about 2×
    the input); splitting 64 KiB at a time keeps that to one chunk and stays at C speed.
    """
    start = 0
    size = len(text)
    while start < size:
        end = text.find("\n", min(start + chunk, size))
        if end < 0:
            yield from text[start:].split("\n")
            return
        yield from text[start:end].split("\n")
        start = end + 1
    if text.endswith("\n") or not text:
        yield ""


def parse_dumpsys_appops(text: str) -> ParsedAppOps:
    """Parse ``dumpsys appops`` (the formats of Android 8 to 16, AOSP and vendor) in one pass.

    Uid blocks become ``UidOps`` (uid-level modes plus packages with ops and events). Watchers,
    settings, history and discrete accesses are skipped with one line each in ``unknown``.
    ``truncated`` is set when the text ends inside an attribution block or on a partial line.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    u = _Uids()
    unknown: list[str] = []  # outside any uid
    states: dict[str, _StateKey] = {}
    entries: dict[_EntryKey, OpEntry] = {}
    access, reject = OpEventKind.ACCESS, OpEventKind.REJECT
    # The op being read (kept in locals: this is the per-line hot path).
    op: _EntryKey | None = None
    events: list[OpEvent] = []
    running = False
    last_kind: OpEventKind | None = None  # for Android 9 continuation lines
    tag: str | None = None
    in_tag = False
    skip_indent = -1  # inside a skipped section: lines indented deeper than this are skipped
    fg_ops = False  # inside "foregroundOps:" (Android 9+): its WATCHER/SILENT lines are skipped
    bad: str | None = None  # the last line not (fully) understood, to tell a cut-off last line
    # Lines are read lazily: a list of every line would double the memory the text already takes.
    line = ""
    for line in _iter_lines(text):
        t = line.lstrip(" ")
        if not t:
            continue
        indent = len(line) - len(t)
        if skip_indent >= 0:
            if indent > skip_indent or t.isspace():
                continue
            skip_indent = -1

        if indent >= 8:
            # Events (indent 10; Android 9 continuations deeper) and attribution wrappers (indent 8).
            if op is None:
                (u.unknown if u.uid is not None else unknown).append(line)
                bad = line
                continue
            c = t[0]
            if c == "A" or c == "R":
                m = _EVENT_LINE.match(t)
                if m is not None:
                    word, key, time, sign, d, h, mi, sec, ms, tail = m.groups()
                    time = time.strip() or None
                    state = states.get(key) or _state_key(key, states)
                    ago = int(ms)
                    if sec:
                        ago += int(sec) * 1000
                    if mi:
                        ago += int(mi) * 60_000
                    if h:
                        ago += int(h) * 3_600_000
                    if d:
                        ago += int(d) * 86_400_000
                    if sign != "-":
                        ago = -ago  # dumpsys prints event time minus now: "(-1h…)" is an hour ago
                    last_kind = access if word == "Access" else reject
                    if tail:
                        duration, proxy, ok = _split_tail(tail)
                        event = OpEvent(last_kind, state[0], state[1], state[2], time, ago, duration, tag, proxy)
                        if not ok:
                            u.unknown.append(line)
                            bad = line
                    else:
                        event = OpEvent(last_kind, state[0], state[1], state[2], time, ago, None, tag)
                    events.append(event)
                    continue
            if t == "]":
                tag, in_tag = None, False
                continue
            if t.endswith("=["):
                # Android 11+: "<attributionTag>=[", "null" when the access had no tag.
                name = t[:-2]
                tag, in_tag = (None if name == "null" else name), True
                continue
            parsed: OpEvent | None = None
            ok = True
            if t.startswith("Access:"):
                last_kind = access
                parsed, ok = _parse_event(access, t[7:].lstrip(), tag, states)
            elif t.startswith("Reject:"):
                last_kind = reject
                parsed, ok = _parse_event(reject, t[7:].lstrip(), tag, states)
            elif t.startswith("Running start at:"):
                running = True
                continue
            elif t.startswith("startNesting="):
                continue  # nesting count of a running op; `running` already says it runs
            elif t.startswith("duration="):
                # Android 9: the newest access's duration on its own line.
                duration = parse_duration_ms(t[9:].strip())
                if duration is None:
                    ok = False
                else:
                    _set_last_duration(events, duration)
            elif last_kind is not None and "=" in t and "(" in t:
                # Android 9 continuation line: "fg    = <date> (<ago>)" for the previous kind.
                parsed, ok = _parse_event(last_kind, t, tag, states)
            else:
                ok = False
            if parsed is not None:
                events.append(parsed)
            if not ok:
                u.unknown.append(line)
                bad = line
            continue

        if indent >= 6:
            if fg_ops:
                continue
            if u.package is not None:
                if op is not None:
                    u.ops.append(_entry(op, events, running, entries))
                    op, events, running, last_kind, tag, in_tag = None, [], False, None, None, False
                t = t.rstrip()
                paren = t.find(" (")
                if paren > 0 and t.endswith("):") and len(t) > paren + 4 and t.find(" ") == paren and "/" not in t:
                    # Fast path for the common "NAME (mode):" line (no switch, nothing after).
                    op, events = (t[:paren], _mode_name(t[paren + 2 : -2].strip()), None), []
                    continue
                header, found, running, ok = _parse_op_header(t)
                if header is None or not ok:
                    u.unknown.append(line)
                    bad = line
                if header is not None:
                    op, events = header, found
                continue
            if u.uid is not None:
                # Uid-level mode (before the first package): "CAMERA: mode=ignore" (≤ 8: mode=1).
                name, sep, mode = t.partition(": mode=")
                mode = mode.strip()
                if sep and name and " " not in name and mode and " " not in mode:
                    u.modes.append((name, _mode_name(mode)))
                    continue
                u.unknown.append(line)
            else:
                unknown.append(line)
            bad = line
            continue

        # Indent 0-5: the op (if any) ends here.
        if op is not None:
            u.ops.append(_entry(op, events, running, entries))
            op, events, running, last_kind, tag, in_tag = None, [], False, None, None, False
        fg_ops = False
        t = t.rstrip()
        if indent >= 4:
            if u.uid is None:
                unknown.append(line)  # e.g. "User #0: u0a45" under "Profile owners:"
                bad = line
            elif t.startswith("Package ") and t.endswith(":") and len(t) > 9:
                u.close_package()
                u.package = t[8:-1].strip()
            elif t == "foregroundOps:":
                fg_ops = True
            elif t.partition("=")[0] in _UID_STATE_KEYS:
                pass
            else:
                u.unknown.append(line)
                bad = line
            continue

        # Indent 0-3: a new uid, a new section, or the end of the last uid.
        u.close_uid()
        if indent >= 2 and t.startswith("Uid ") and t.endswith(":"):
            u.open_uid(t[4:-1].strip(), line)
        elif _is_skipped_section(t):
            skip_indent = indent
            unknown.append(f"skipped section: {t.partition(':')[0].strip()}")
        elif t == "Current AppOps Service state:":
            pass
        else:
            unknown.append(line)
            bad = line

    # A last line without its newline that was not understood: the capture was cut inside it.
    truncated = in_tag or (bad is not None and bad is line and not text.endswith("\n"))
    if op is not None:
        u.ops.append(_entry(op, events, running, entries))
    u.close_uid()
    logger.debug(
        "dumpsys appops: %d uids, %d top-level lines not understood or skipped, truncated=%s",
        len(u.done),
        len(unknown),
        truncated,
    )
    return ParsedAppOps(uids=tuple(u.done), truncated=truncated, unknown=tuple(unknown))


# --------------------------------------------------------------------------------------------------
# appops get
# --------------------------------------------------------------------------------------------------

_UID_MODE_PREFIX: Final = "Uid mode: "
# What an op line of ``appops get`` starts with: an op name as opToName prints it (upper case,
# vendor "MIUIOP(10004)", "Unknown(123)" for codes the build has no name for) and a mode as
# modeToName prints it (lower case; "mode=5" for values outside MODE_NAMES; vendor words such as
# MIUI "ask"). Error lines ("Error: No UID for …") fail one of the two.
_GET_OP_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\([0-9]{1,9}\))?")
_GET_MODE: Final = re.compile(r"[a-z][A-Za-z0-9_]*(?:=-?[0-9]{1,9})?|[0-9]{1,9}")


class _GetSplitter:
    """Decides where the uid-level lines of ``appops get <pkg>`` end and the package lines begin.

    AppOpsService's shell ``get`` prints getUidOps (the uid modes) and then getOpsForPackage, and
    writes ``Uid mode: `` only before the first uid entry. Both lists come from sparse arrays keyed
    by op code, so each is printed in ascending code order, and uid entries never carry times
    (uid modes have no access history). A line is taken as uid-level, after the prefixed one, while
    it has no time/reject/duration/running part, names an op not yet seen in the uid part, and does
    not go back in code order (when both codes are known). The first line failing that starts the
    package part. The one undecidable case — a package op with only a mode whose code is above the
    last uid op — is read as uid-level.
    """

    def __init__(self) -> None:
        self.in_uid = False
        self.seen: set[str] = set()
        self.last_code: int | None = None

    def start(self, name: str) -> None:
        self.in_uid = True
        self.seen = {name}
        self.last_code = _op_code(name)

    def is_uid_line(self, name: str, has_events: bool) -> bool:
        if not self.in_uid:
            return False
        code = _op_code(name)
        if (
            has_events
            or name in self.seen
            or (code is not None and self.last_code is not None and code <= self.last_code)
        ):
            self.in_uid = False
            return False
        self.seen.add(name)
        if code is not None:
            self.last_code = code
        return True


def _parse_get(text: str, package: str, uid: int) -> tuple[UidOps, bool]:
    """``parse_appops_get`` plus whether the last non-blank line was not fully read."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    uid_modes: list[tuple[str, str]] = []
    ops: list[OpEntry] = []
    unknown: list[str] = []
    splitter = _GetSplitter()
    last_bad = False
    answered = False  # the command answered for this app ("No operations." counts; an error not)
    for line in text.split("\n"):
        t = line.strip()
        if not t:
            continue
        last_bad = False
        prefixed = t.startswith(_UID_MODE_PREFIX)
        if prefixed:
            t = t[len(_UID_MODE_PREFIX) :].lstrip()
        elif t == "No operations.":
            answered = True
            continue
        elif t.startswith("Default mode: "):
            # The op's default when nothing is recorded (only when an op was asked for): not a
            # setting of this app, but kept so nothing printed is lost.
            answered = True
            unknown.append(line)
            continue
        name, sep, rest = t.partition(": ")
        if not sep or _GET_OP_NAME.fullmatch(name) is None:
            unknown.append(line)  # e.g. "java.lang.SecurityException: …"
            last_bad = True
            continue
        rest = rest.strip()
        # The mode is the first word; after it come "(running)" or "(<tag>)" (with --attribution)
        # and the time fields, normally "; "-separated.
        end = len(rest)
        for stop in (";", " ", "("):
            at = rest.find(stop)
            if 0 <= at < end:
                end = at
        mode, after = rest[:end], rest[end:].lstrip(" ;")
        tag: str | None = None
        if after.startswith("(") and not after.startswith("(running)"):
            close = after.find(")")
            if close > 0:
                inner = after[1:close]
                tag = None if inner == "null" else inner
                after = after[close + 1 :]
        if _GET_MODE.fullmatch(mode) is None:
            unknown.append(line)  # e.g. "Error: No UID for com.x in user 0"
            last_bad = True
            continue
        events, running, ok = _relative_parts(after, tag) if after.strip() else ([], False, True)
        if prefixed:
            splitter.start(name)
            uid_modes.append((name, mode))
            ok = ok and not events
        elif splitter.is_uid_line(name, bool(events) or running):
            uid_modes.append((name, mode))
        else:
            ops.append(OpEntry(op=name, mode=mode, events=tuple(events), running=running))
        if not ok:
            unknown.append(line)
            last_bad = True
    # An error ("Error: No UID for …") or empty output says nothing about the app's ops: no
    # PackageOps then, rather than one claiming it has none.
    answered = answered or bool(ops) or bool(uid_modes)
    packages = (PackageOps(package=package, ops=tuple(ops)),) if answered and (package or ops) else ()
    result = UidOps(uid=uid, uid_modes=tuple(uid_modes), packages=packages, unknown=tuple(unknown))
    return result, last_bad


def parse_appops_get(text: str, package: str = "", uid: int = -1) -> UidOps:
    """Parse the output of ``appops get [--user U] <package|uid> [<op>]``.

    Lines are ``OP: mode[; time=+1h2m3s4ms ago][; rejectTime=… ago][; duration=…][ (running)]``.
    Times are relative to the call and no uid state is printed, so events carry ``ago_ms`` with
    ``UidState.UNKNOWN``. Uid-level modes (the ``Uid mode: `` line and the unprefixed ones after it,
    see ``_GetSplitter``) go to ``uid_modes``; the rest to one ``PackageOps`` for ``package``, which
    is left out when the output is empty or an error. ``uid`` is the caller's (the output does not
    print it); -1 when unknown.
    """
    return _parse_get(text, package, uid)[0]


class _UidGroup:
    """The ``appops get`` outputs of one uid's packages, merged in loop order."""

    def __init__(self, uid: int) -> None:
        self.uid = uid
        self.modes: dict[tuple[str, str], None] = {}  # ordered set: printed again per package
        self.packages: list[PackageOps] = []
        self.unknown: list[str] = []

    def add(self, part: UidOps) -> None:
        self.modes.update(dict.fromkeys(part.uid_modes))
        self.packages.extend(part.packages)
        self.unknown.extend(part.unknown)

    def result(self) -> UidOps:
        return UidOps(
            uid=self.uid,
            uid_modes=tuple(self.modes),
            packages=tuple(self.packages),
            unknown=tuple(self.unknown),
        )


def parse_appops_get_loop(text: str) -> ParsedAppOps:
    """Parse a loop of ``appops get`` outputs, each after ``##auditor## package=<p> user=<n> uid=<u>``.

    Packages of the same uid (shared uids) are grouped into one ``UidOps``; their uid modes, printed
    again for each package, are kept once. A part without a usable ``uid`` key gets uid -1 and a
    ``UidOps`` of its own. Text before the first marker goes to ``unknown``.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    groups: list[_UidGroup] = []
    by_uid: dict[int, _UidGroup] = {}
    unknown: list[str] = []
    last_bad = False
    for part in split_marked(text):
        if not part.keys:
            unknown.extend(line for line in part.text.split("\n") if line.strip())
            last_bad = bool(part.text.strip())
            continue
        parsed_uid = _small_int(part.keys.get("uid", ""))
        uid = -1 if parsed_uid is None else parsed_uid
        result, last_bad = _parse_get(part.text, part.keys.get("package", ""), uid)
        group = by_uid.get(uid) if uid >= 0 else None
        if group is None:
            group = _UidGroup(uid)
            groups.append(group)
            if uid >= 0:
                by_uid[uid] = group
        group.add(result)
    truncated = bool(text) and not text.endswith("\n") and last_bad
    uids = tuple(g.result() for g in groups)
    logger.debug("appops get loop: %d uids, %d lines not understood", len(uids), len(unknown))
    return ParsedAppOps(uids=uids, truncated=truncated, unknown=tuple(unknown))
