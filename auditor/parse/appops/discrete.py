"""The discrete access history: ``dumpsys appops --history --include-discrete 0`` (Android 12+).

AppOpsService.dump prints, after everything else, a line ``Discrete accesses: `` and then
``HistoricalRegistry.dumpDiscreteData`` with the prefix ``"  "``. Read from AOSP's dump methods
(frameworks/base, services/core/java/com/android/server/appop/):

* Android 12 (``DiscreteRegistry``, first release): ``DiscreteOps.dump`` → ``DiscreteUidOps.dump`` →
  ``DiscretePackageOps.dump`` → ``DiscreteOp.dump`` → ``DiscreteOpEvent.dump``, two more spaces per
  level::

      Discrete accesses:
        Uid: 1010234
          Package: com.example
            CAMERA
              Attribution: null
                Access [bg-s] at 2024-06-01 01:40:00.000 for 3120000 milliseconds

* Android 12L–15 (``DiscreteRegistry`` with attribution chains): ``dump`` first prints
  ``  Largest chain id: N``; an event with attribution flags ends in
  `` attribution flags=F with chainId=C`` (after `` milliseconds `` that makes two spaces).
  Times and durations are printed quantised (``discretizeTimeStamp``/``discretizeDuration``: the time
  rounded down, the duration up, to ``discrete_history_quantization_millis``, one minute by default).
* Android 16, XML registry (``DiscreteOpsXmlRegistry``): a ``Device: <persistent device id>`` level
  between the op and its attributions (``default:0`` is the phone itself); times and durations as
  recorded.
* Android 16, SQLite registry (``DiscreteOpsSqlRegistry.dump``): after ``Largest chain id:`` a header
  ``UID|PACKAGE_NAME|DEVICE_ID|OP_NAME|ATTRIBUTION_TAG|UID_STATE|OP_FLAGS|ATTR_FLAGS|CHAIN_ID|ACCESS_TIME|DURATION``
  and one unindented ``|``-separated row per access (``-1``: no duration, no chain), then a blank
  line.

The key ``[state-flags]`` is ``getUidStateName`` and ``flagsToString`` (``|``-joined, empty for no
flag), as in the regular dump. The op is ``AppOpsManager.opToName``. ``Uid:`` prints the plain
number (``1010234``: user 10, app 10234). ``--history`` keeps the regular per-uid state out of the
output; what comes before ``Discrete accesses:`` (constants, watchers, restrictions and the
aggregated ``History:`` buckets) is read past and counted, not kept.

Android 11 and older have no discrete registry: the plan's command prints a marker line instead
(``##auditor## history=none sdk=N``), read here as ``HistoryStatus.NOT_SUPPORTED``.

Hostile text. Attribution tags are declared by apps, so a tag is untrusted and kept verbatim (the
table form's tag is everything between the fourth ``|`` and the sixth from the end, so a tag with
``|`` in it stays whole). A tag with a line break in it could forge following lines; the analysis
only attaches an event to an app whose uid owns its package, which bounds what a forged line can
claim. Nothing here raises; lines not understood are kept in ``unknown``.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from auditor.model import DiscreteAccess, HistoryStatus, ParsedDiscreteHistory
from auditor.parse.appops.fields import StateKey, line_chunks, slot_setters, state_key
from auditor.parse.markers import MARKER

logger = logging.getLogger(__name__)

__all__ = ["NO_HISTORY", "SECTION_HEADER", "TABLE_HEADER", "parse_discrete_history"]

SECTION_HEADER: Final = "Discrete accesses:"
"""AppOpsService prints it with a trailing space (``"Discrete accesses: "``); compared stripped."""

TABLE_HEADER: Final = (
    "UID|PACKAGE_NAME|DEVICE_ID|OP_NAME|ATTRIBUTION_TAG|UID_STATE|OP_FLAGS|ATTR_FLAGS|CHAIN_ID|ACCESS_TIME|DURATION"
)
"""The header row of Android 16's SQLite registry dump."""

NO_HISTORY: Final = f"{MARKER} history=none"
"""The start of the line the plan's command prints where Android keeps no discrete history (before 12)."""

_ACCESS: Final = re.compile(
    r"Access \[([^\]]*)\] at (\S+ \S+)"  # key and the local time (two words, whatever their digits)
    r"(?: for (-?[0-9]{1,19}) milliseconds)?"
    r"(?: +attribution flags=(-?[0-9]{1,10}) with chainId=(-?[0-9]{1,19}))?"
    r" *"
)
_OP_NAME: Final = re.compile(r"[A-Za-z0-9_()]{1,100}")
"""``opToName``: ``CAMERA``, ``Unknown(150)``, vendor ``MIUIOP(10004)``."""

_MAX_UNKNOWN: Final = 1000
"""Lines kept in ``unknown`` at most (a hostile or foreign output could be all unknown); the rest are counted."""

_SHARED_MAX: Final = 1 << 16
"""Distinct texts (times, and the table form's packages and devices) shared between events. Quantised
times repeat (a week holds 10,080 minutes for every access of every app), so sharing one string per
minute keeps a week's history small; bounded, since hostile text could make every one different."""

_set = slot_setters(
    DiscreteAccess,
    (
        "uid",
        "package",
        "op",
        "attribution_tag",
        "uid_state",
        "uid_state_raw",
        "flags",
        "time",
        "duration_ms",
        "attribution_flags",
        "chain_id",
        "device",
    ),
)
(
    _set_uid,
    _set_package,
    _set_op,
    _set_tag,
    _set_state,
    _set_raw,
    _set_flags,
    _set_time,
    _set_duration,
    _set_attribution,
    _set_chain,
    _set_device,
) = _set


def _new_access(
    uid: int,
    package: str,
    op: str,
    tag: str | None,
    key: StateKey,
    time: str,
    duration: int | None,
    attribution: int,
    chain: int | None,
    device: str | None,
) -> DiscreteAccess:
    """``DiscreteAccess(uid, package, op, tag, state, raw, flags, time, …)``, slot by slot."""
    event: DiscreteAccess = object.__new__(DiscreteAccess)
    _set_uid(event, uid)
    _set_package(event, package)
    _set_op(event, op)
    _set_tag(event, tag)
    _set_state(event, key[0])
    _set_raw(event, key[1])
    _set_flags(event, key[2])
    _set_time(event, time)
    _set_duration(event, duration)
    _set_attribution(event, attribution)
    _set_chain(event, chain)
    _set_device(event, device)
    return event


def _duration(text: str | None) -> int | None:
    """``for N milliseconds`` / the table's duration: ``-1`` (and any negative) means none recorded."""
    if text is None:
        return None
    value = int(text)
    return value if value >= 0 else None


def _chain(text: str | None) -> int | None:
    """ATTRIBUTION_CHAIN_ID_NONE is -1."""
    if text is None:
        return None
    value = int(text)
    return value if value >= 0 else None


def _tag(text: str) -> str | None:
    """``null`` is how Java prints a missing tag (a tag literally named ``null`` reads the same)."""
    return None if text == "null" else text


class _Reader:
    """One pass over the output; the open uid, package, op, device and tag are the context of events."""

    def __init__(self) -> None:
        self.events: list[DiscreteAccess] = []
        self.unknown: list[str] = []
        self.dropped = 0
        self.status = HistoryStatus.ABSENT
        self.skipped = 0
        self.largest: int | None = None
        self.table = False
        self.keys: dict[str, StateKey] = {}
        self.strings: dict[str, str] = {}
        self.ops: dict[str, str] = {}
        self.uid: int | None = None
        self.package: str | None = None
        self.op: str | None = None
        self.device: str | None = None
        self.tag: str | None = None
        self.in_tag = False

    def not_understood(self, line: str) -> None:
        if len(self.unknown) < _MAX_UNKNOWN:
            self.unknown.append(line)
        else:
            self.dropped += 1

    def read(self, text: str) -> ParsedDiscreteHistory:
        # AOSP ends every line it prints: a text that does not end with a line break was cut, and its
        # last line may be a shortened event (an access without its duration is still an access),
        # so that line is kept aside instead of read.
        tail = ""
        if text and not text.endswith("\n"):
            at = text.rfind("\n") + 1
            text, tail = text[:at], text[at:]
        started = False
        for lines in line_chunks(text):
            for line in lines:
                if started:
                    self.line(line)
                    continue
                stripped = line.strip()
                if stripped == SECTION_HEADER:
                    started = True
                    self.status = HistoryStatus.READ
                elif stripped.startswith(NO_HISTORY):
                    self.status = HistoryStatus.NOT_SUPPORTED
                elif stripped:
                    self.skipped += 1
        if self.status is HistoryStatus.ABSENT and self.skipped:
            # No history at all: keep the start of what the device said instead (an error, usually).
            self.unknown = [ln for ln in text.split("\n", 40)[:40] if ln.strip()]
            self.skipped = 0
        if tail.strip():
            self.not_understood(tail)
        if self.dropped:
            self.unknown.append(f"… {self.dropped} more lines not understood")
        return ParsedDiscreteHistory(
            status=self.status,
            events=tuple(self.events),
            largest_chain_id=self.largest,
            table=self.table,
            skipped_lines=self.skipped,
            truncated=bool(tail.strip()),
            unknown=tuple(self.unknown),
        )

    def line(self, line: str) -> None:
        t = line.strip()
        if not t:
            return
        if t.startswith("Access ["):
            self.access(line, t)
        elif t.startswith("Attribution: "):
            if self.op is None:
                self.not_understood(line)
                return
            self.tag, self.in_tag = _tag(line.split("Attribution: ", 1)[1]), True
        elif t.startswith("Device: "):
            if self.op is None:
                self.not_understood(line)
                return
            self.device, self.in_tag = t[8:], False
        elif t.startswith("Package: "):
            if self.uid is None:
                self.not_understood(line)
                return
            self.package, self.op, self.device, self.in_tag = t[9:], None, None, False
        elif t.startswith("Uid: "):
            uid = _signed(t[5:])
            self.uid = uid
            self.package, self.op, self.device, self.in_tag = None, None, None, False
            if uid is None:
                self.not_understood(line)
        elif t.startswith("Largest chain id: "):
            self.largest = _signed(t[18:])
            if self.largest is None:
                self.not_understood(line)
        elif t == TABLE_HEADER:
            self.table = True
            self.uid = self.package = self.op = None
        elif self.table and "|" in t:
            self.row(line, t)
        elif self.package is not None and _OP_NAME.fullmatch(t):
            # An op name (opToName: CAMERA, RECORD_AUDIO, vendor MIUIOP(10004)), its own line.
            op = self.ops.get(t)
            if op is None:
                op = self.ops[t] = t
            self.op, self.device, self.in_tag = op, None, False
        else:
            self.not_understood(line)

    def access(self, line: str, t: str) -> None:
        if self.uid is None or self.package is None or self.op is None or not self.in_tag:
            self.not_understood(line)
            return
        m = _ACCESS.fullmatch(t)
        if m is None:
            self.not_understood(line)
            return
        key_text, time, duration, attribution, chain = m.groups()
        key = self.keys.get(key_text) or state_key(key_text, self.keys)
        self.events.append(
            _new_access(
                self.uid,
                self.package,
                self.op,
                self.tag,
                key,
                self.share(time),
                _duration(duration),
                int(attribution) if attribution is not None else 0,
                _chain(chain),
                self.device,
            )
        )

    def share(self, text: str) -> str:
        """One string object per distinct package, device or time of the table form (bounded)."""
        found = self.strings.get(text)
        if found is None:
            found = text
            if len(self.strings) < _SHARED_MAX:
                self.strings[text] = text
        return found

    def row(self, line: str, t: str) -> None:
        """``UID|PACKAGE|DEVICE|OP|TAG|STATE|FLAGS|ATTR_FLAGS|CHAIN|TIME|DURATION`` (Android 16, SQLite).

        Read from both ends: a tag (the app's own text) may hold ``|`` and stays whole in the middle.
        Several op flags are ``|``-joined too (``flagsToString``) and would shift the right end; a
        discrete access carries one, and a row that does not fit is kept as not understood.
        """
        parts = t.split("|")
        n = len(parts)
        if n < 11:
            self.not_understood(line)
            return
        state, flags, attribution, chain, time, duration = parts[n - 6 :]
        uid, attribution_n, chain_n, duration_n = (_signed(x) for x in (parts[0], attribution, chain, duration))
        package, op = parts[1], parts[3]
        if uid is None or attribution_n is None or chain_n is None or duration_n is None or not package or not op:
            self.not_understood(line)
            return
        key_text = state + "-" + flags
        key = self.keys.get(key_text) or state_key(key_text, self.keys)
        self.events.append(
            _new_access(
                uid,
                self.share(package),
                self.ops.setdefault(op, op),
                _tag(parts[4] if n == 11 else "|".join(parts[4 : n - 6])),
                key,
                self.share(time),
                duration_n if duration_n >= 0 else None,
                attribution_n,
                chain_n if chain_n >= 0 else None,
                self.share(parts[2]) if parts[2] else None,
            )
        )


def _signed(text: str) -> int | None:
    """An ASCII integer of at most 19 digits with an optional ``-`` (never a Unicode or huge digit string)."""
    digits = text[1:] if text[:1] == "-" else text
    if not (0 < len(digits) <= 19 and digits.isascii() and digits.isdigit()):
        return None
    return -int(digits) if digits is not text else int(digits)


def parse_discrete_history(text: str) -> ParsedDiscreteHistory:
    """Parse the discrete access history (Android 12 to 16, every registry's dump form) in one pass.

    Returns ``HistoryStatus.READ`` with the events when the ``Discrete accesses:`` section is there
    (an empty history is read too, with no event), ``NOT_SUPPORTED`` for the plan's Android-11 marker
    line, and ``ABSENT`` otherwise (the start of whatever was printed is kept in ``unknown``).
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    result = _Reader().read(text)
    logger.debug(
        "discrete history: %s, %d events, %d lines skipped before it, %d not understood",
        result.status.value,
        len(result.events),
        result.skipped_lines,
        len(result.unknown),
    )
    return result
