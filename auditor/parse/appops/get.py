"""``appops get``: one package, or a marked loop over many (``##auditor##`` lines between outputs).

Each line is ``OP: mode[; time=+1h2m3s4ms ago][; rejectTime=… ago][; duration=…][ (running)]``:
times relative to the call, no uid state. The uid-level modes come first and carry no marker after
the first line, so telling them from the package's ops takes the op-code table below.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from auditor.model import OpEntry, PackageOps, ParsedAppOps, UidOps
from auditor.parse.appops.fields import relative_parts, small_int
from auditor.parse.markers import split_marked

logger = logging.getLogger(__name__)

__all__ = ["op_code", "parse_appops_get", "parse_appops_get_loop"]

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


def op_code(name: str) -> int | None:
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
        self.last_code = op_code(name)

    def is_uid_line(self, name: str, has_events: bool) -> bool:
        if not self.in_uid:
            return False
        code = op_code(name)
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
        events, running, ok = relative_parts(after, tag) if after.strip() else ([], False, True)
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
        parsed_uid = small_int(part.keys.get("uid", ""))
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
