"""``dumpsys appops`` (AppOpsService.dump), read in one pass and dispatched on indentation::

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
from dataclasses import replace
from typing import Final

from auditor.model import OpEntry, OpEvent, OpEventKind, PackageOps, ParsedAppOps, UidOps, UidState
from auditor.parse.appops.fields import (
    DURATION_PATTERN,
    UID_STATES,
    StateKey,
    duration_ms,
    line_chunks,
    mode_name,
    parse_duration_ms,
    parse_uid,
    relative_parts,
    slot_setters,
    split_tail,
    state_key,
)

logger = logging.getLogger(__name__)

__all__ = ["parse_dumpsys_appops"]

# --------------------------------------------------------------------------------------------------
# Line readers (pure functions of one line)
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

_UID_STATE_PREFIXES: Final = tuple(f"{key}=" for key in sorted(_UID_STATE_KEYS))

_EVENT_KINDS: Final = {"Access:": OpEventKind.ACCESS, "Reject:": OpEventKind.REJECT}
"""The first seven characters of an event line."""


def _is_skipped_section(header: str) -> bool:
    name = header.partition(":")[0].strip()
    return name.endswith("watchers") or name.startswith(_SKIPPED_PREFIXES)


# An event after its "Access:"/"Reject:" word (or an Android 9 continuation line). Every form goes
# through this one pattern; the parts it cannot pin down are checked by _read_event.
_EVENT: Final = re.compile(
    r"(?:\[([^\]]*)\]|(?!\[)([^=]*)=)"  # "[top-s]" (Android 10+) or padded "top   =" (Android 9)
    r"([^(]*)"  # the local time, "2024-05-01 12:00:00.123 "
    rf"\((?:{DURATION_PATTERN}\)|([^)]*)\))"  # "(-1h2m3s4ms)", or anything else up to ")"
    r"(.*)",  # "duration=+2s0ms proxy[…]"
    re.DOTALL,
)


def _read_event(
    kind: OpEventKind, body: str, tag: str | None, states: dict[str, StateKey]
) -> tuple[OpEvent | None, bool]:
    """An event → (event, whether every part of it was read); ``None`` when it has no shape at all.

    Android 10+: ``[top-s] 2024-05-01 12:00:00.123 (-1h2m3s4ms) duration=+2s0ms proxy[…]``.
    Android 9: ``top   = 2024-05-01 12:00:00.123 (-1h2m3s4ms)`` (padded state, no flags).
    ``states`` caches the ``[state-flags]`` keys, which repeat throughout a dump.
    """
    m = _EVENT.match(body)
    if m is None:
        return None, False
    key, padded, time, sign, days, hours, minutes, seconds, ms, other, tail = m.groups()
    if key is not None:
        state, raw, flags = states.get(key) or state_key(key, states)
    else:
        raw = padded.strip()
        if not raw or " " in raw:
            return None, False
        state, flags = UID_STATES.get(raw, UidState.UNKNOWN), ()
    if "=" in time:
        # A field printed before the parentheses (not AOSP's order): read it with the tail.
        words = time.split()
        time = " ".join(w for w in words if "=" not in w)
        tail = " ".join(w for w in words if "=" in w) + " " + tail
    # dumpsys prints event time minus now: "(-1h…)" is one hour ago.
    if ms is not None:
        ago: int | None = -duration_ms(sign, days, hours, minutes, seconds, ms)
    else:
        ago = parse_duration_ms(other)  # "(0)", or not a duration at all
        ago = None if ago is None else -ago
    ok = ago is not None
    duration: int | None = None
    proxy: str | None = None
    if tail:
        duration, proxy, tail_ok = split_tail(tail)
        ok = ok and tail_ok
    return _new_event(kind, state, raw, flags, time.strip() or None, ago, duration, tag, proxy), ok


# --------------------------------------------------------------------------------------------------
# Building the thousands of result objects
# --------------------------------------------------------------------------------------------------

_set_kind, _set_state, _set_raw, _set_flags, _set_time, _set_ago, _set_duration, _set_tag, _set_proxy = slot_setters(
    OpEvent,
    ("kind", "uid_state", "uid_state_raw", "flags", "time", "ago_ms", "duration_ms", "attribution_tag", "proxy"),
)
_set_op, _set_mode, _set_events, _set_running, _set_switch = slot_setters(
    OpEntry, ("op", "mode", "events", "running", "switch")
)


def _new_event(
    kind: OpEventKind,
    state: UidState,
    raw: str,
    flags: tuple[str, ...],
    time: str | None,
    ago: int | None,
    duration: int | None,
    tag: str | None,
    proxy: str | None,
) -> OpEvent:
    """``OpEvent(kind, state, raw, flags, time, ago, duration, tag, proxy)``, slot by slot."""
    event: OpEvent = object.__new__(OpEvent)
    _set_kind(event, kind)
    _set_state(event, state)
    _set_raw(event, raw)
    _set_flags(event, flags)
    _set_time(event, time)
    _set_ago(event, ago)
    _set_duration(event, duration)
    _set_tag(event, tag)
    _set_proxy(event, proxy)
    return event


def _new_op_entry(op: str, mode: str, events: tuple[OpEvent, ...], running: bool, switch: str | None) -> OpEntry:
    """``OpEntry(op, mode, events, running, switch)``, slot by slot."""
    entry: OpEntry = object.__new__(OpEntry)
    _set_op(entry, op)
    _set_mode(entry, mode)
    _set_events(entry, events)
    _set_running(entry, running)
    _set_switch(entry, switch)
    return entry


_OpKey = tuple[str, str, str | None]
"""(name, mode, switch) of an op header."""


def _read_op_header(t: str) -> tuple[_OpKey | None, list[OpEvent], bool, bool]:
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
        events, more_running, ok = relative_parts(rest, None) if rest else ([], False, True)
        good = ok and bool(mode) and " " not in mode
        return (t[:colon], mode_name(mode), None), events, running or more_running, good
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
    header = (t[:paren], mode_name(mode), switch.strip() if sep else None)
    trailing = t[close + 2 :].strip()
    if not trailing:
        return header, [], False, bool(mode)
    events, running, ok = relative_parts(trailing, None)
    return header, events, running, ok and bool(mode)


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


# --------------------------------------------------------------------------------------------------
# The reader: one object holds where in the dump we are
# --------------------------------------------------------------------------------------------------


class _DumpReader:
    """The state of one pass over a dump, one method per indentation level.

    Three nested levels are open at a time at most: a uid (indent 2), one of its packages (4) and
    one op of that package (6), whose events (8 and deeper) are collected until a shallower line
    ends it. Besides those, two regions are read past: a skipped top-level section and a uid's
    ``foregroundOps:`` list.
    """

    def __init__(self) -> None:
        self.done: list[UidOps] = []
        self.unknown: list[str] = []
        """Lines outside any uid block."""
        self.bad: str | None = None
        """The last line not (fully) understood: when it is also the last line of a text without
        its final newline, the capture was cut inside it."""
        self.skip_deeper_than = -1
        """Inside a skipped section: its header's indentation (lines deeper than it are skipped)."""
        self.in_foreground_ops = False
        """Inside ``foregroundOps:`` (Android 9+): its WATCHER/SILENT lines at indent 6 are skipped."""
        self.states: dict[str, StateKey] = {}
        self.op_headers: dict[str, tuple[_OpKey | None, bool]] = {}
        """Op lines already read, by text: a dump prints the same few hundred ``NAME (mode):``
        lines thousands of times (only lines without events are kept; bounded for hostile input)."""
        self.mode_only: dict[_OpKey, OpEntry] = {}
        """Finished ops without events, shared per (name, mode, switch): they are frozen, and about
        a third of the ops of a full dump are such mode-only lines."""

        # The open uid (None: outside any uid block).
        self.uid: int | None = None
        self.uid_modes: list[tuple[str, str]] = []
        self.uid_unknown: list[str] = []
        self.packages: list[PackageOps] = []
        # The open package of that uid.
        self.package: str | None = None
        self.ops: list[OpEntry] = []
        # The open op of that package.
        self.op: _OpKey | None = None
        self.events: list[OpEvent] = []
        self.running = False
        self.tag: str | None = None
        """The attribution tag of the open ``<tag>=[`` block (``None`` also for ``null=[``)."""
        self.in_tag = False
        self.last_kind: OpEventKind | None = None
        """Kind of the op's last ``Access:``/``Reject:`` line, for Android 9 continuation lines."""

    def read(self, text: str) -> ParsedAppOps:
        deep, op_line, uid_line, top_line = self.deep_line, self.op_line, self.uid_line, self.top_line
        line = ""
        skip = -1  # self.skip_deeper_than, which only top_line sets
        for lines in line_chunks(text):
            for line in lines:
                t = line.lstrip(" ")
                if not t:
                    continue
                indent = len(line) - len(t)
                if skip >= 0:
                    if indent > skip or t.isspace():
                        continue
                    skip = self.skip_deeper_than = -1
                if indent >= 8:
                    deep(line, t)
                elif indent >= 6:
                    op_line(line, t)
                elif indent >= 4:
                    uid_line(line, t)
                else:
                    top_line(line, t, indent)
                    skip = self.skip_deeper_than
        # A last line without its newline that was not understood: the capture was cut inside it.
        truncated = self.in_tag or (self.bad is not None and self.bad is line and not text.endswith("\n"))
        self.end_op()
        self.end_uid()
        return ParsedAppOps(uids=tuple(self.done), truncated=truncated, unknown=tuple(self.unknown))

    # -- what to do with a line not understood ---------------------------------------------------

    def not_understood(self, line: str) -> None:
        """Keep the line with the open uid, or with the whole dump outside any uid."""
        (self.uid_unknown if self.uid is not None else self.unknown).append(line)
        self.bad = line

    # -- indent 8 and deeper: events and attribution wrappers of the open op ---------------------

    def deep_line(self, line: str, t: str) -> None:
        if self.op is None:
            self.not_understood(line)
            return
        if t == "]":
            self.tag, self.in_tag = None, False
            return
        kind = _EVENT_KINDS.get(t[:7])
        if kind is not None:
            self.last_kind = kind
            body = t[7:].lstrip()
        elif t.endswith("=["):
            # Android 11+: "<attributionTag>=[", "null" when the access had no tag.
            name = t[:-2]
            self.tag, self.in_tag = (None if name == "null" else name), True
            return
        elif t.startswith("Running start at:"):
            self.running = True
            return
        elif t.startswith("startNesting="):
            return  # nesting count of a running op; `running` already says it runs
        elif t.startswith("duration="):
            # Android 9: the newest access's duration on its own line.
            duration = parse_duration_ms(t[9:].strip())
            if duration is None:
                self.not_understood(line)
            else:
                _set_last_duration(self.events, duration)
            return
        elif self.last_kind is not None and "=" in t and "(" in t:
            # Android 9 continuation line: "fg    = <date> (<ago>)" for the previous kind.
            kind, body = self.last_kind, t
        else:
            self.not_understood(line)
            return
        event, ok = _read_event(kind, body, self.tag, self.states)
        if event is not None:
            self.events.append(event)
        if not ok:
            self.not_understood(line)

    # -- indent 6: an op of the open package, or a uid mode before the first package ---------------

    def op_line(self, line: str, t: str) -> None:
        if self.in_foreground_ops:
            return
        if self.package is not None:
            if self.op is not None:
                self.end_op()
            known = self.op_headers.get(t)
            if known is not None:
                header, ok = known
                self.op = header
            else:
                header, events, running, ok = _read_op_header(t.rstrip())
                if header is not None:
                    self.op, self.events, self.running = header, events, running
                if not events and not running and len(self.op_headers) < 4096:
                    self.op_headers[t] = header, ok
            if header is None or not ok:
                self.not_understood(line)
            return
        if self.uid is not None:
            # Uid-level mode (before the first package): "CAMERA: mode=ignore" (≤ 8: mode=1).
            name, sep, mode = t.partition(": mode=")
            mode = mode.strip()
            if sep and name and " " not in name and mode and " " not in mode:
                self.uid_modes.append((name, mode_name(mode)))
                return
        self.not_understood(line)

    def end_op(self) -> None:
        """Close the open op (if any) into the package's ops; the one place op state is reset."""
        key = self.op
        if key is None:
            return
        if self.events or self.running:
            self.ops.append(_new_op_entry(key[0], key[1], tuple(self.events), self.running, key[2]))
        else:
            entry = self.mode_only.get(key)
            if entry is None:
                entry = self.mode_only[key] = OpEntry(op=key[0], mode=key[1], switch=key[2])
            self.ops.append(entry)
        self.op, self.events, self.running = None, [], False
        self.tag, self.in_tag, self.last_kind = None, False, None

    # -- indent 4: package headers and the uid's own state lines ---------------------------------

    def uid_line(self, line: str, t: str) -> None:
        if self.op is not None:
            self.end_op()
        self.in_foreground_ops = False
        t = t.rstrip()
        if self.uid is None:
            self.not_understood(line)  # e.g. "User #0: u0a45" under "Profile owners:"
        elif t.startswith(_UID_STATE_PREFIXES) or t in _UID_STATE_KEYS:
            pass
        elif t.startswith("Package ") and t.endswith(":") and len(t) > 9:
            self.end_package()
            self.package = t[8:-1].strip()
        elif t == "foregroundOps:":
            self.in_foreground_ops = True
        else:
            self.not_understood(line)

    def end_package(self) -> None:
        if self.package is not None:
            self.packages.append(PackageOps(package=self.package, ops=tuple(self.ops)))
            self.package = None
            self.ops = []

    # -- indent 0-3: uid headers and top-level sections ------------------------------------------

    def top_line(self, line: str, t: str, indent: int) -> None:
        if self.op is not None:
            self.end_op()
        self.in_foreground_ops = False
        self.end_uid()
        t = t.rstrip()
        if indent >= 2 and t.startswith("Uid ") and t.endswith(":"):
            self.start_uid(t[4:-1].strip(), line)
        elif _is_skipped_section(t):
            self.skip_deeper_than = indent
            self.unknown.append(f"skipped section: {t.partition(':')[0].strip()}")
        elif t != "Current AppOps Service state:":
            self.not_understood(line)

    def start_uid(self, printed: str, line: str) -> None:
        uid = parse_uid(printed)
        if uid is None:
            # Keep the block (its packages are real) under -1, with the header it came with.
            self.uid, self.uid_unknown = -1, [line]
        else:
            self.uid = uid

    def end_uid(self) -> None:
        self.end_package()
        if self.uid is not None:
            self.done.append(
                UidOps(
                    uid=self.uid,
                    uid_modes=tuple(self.uid_modes),
                    packages=tuple(self.packages),
                    unknown=tuple(self.uid_unknown),
                )
            )
            self.uid = None
            self.uid_modes = []
            self.packages = []
            self.uid_unknown = []


def parse_dumpsys_appops(text: str) -> ParsedAppOps:
    """Parse ``dumpsys appops`` (the formats of Android 8 to 16, AOSP and vendor) in one pass.

    Uid blocks become ``UidOps`` (uid-level modes plus packages with ops and events). Watchers,
    settings, history and discrete accesses are skipped with one line each in ``unknown``.
    ``truncated`` is set when the text ends inside an attribution block or on a partial line.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Lines are read lazily (see fields.line_chunks): a list of every line would double the memory.
    result = _DumpReader().read(text)
    logger.debug(
        "dumpsys appops: %d uids, %d top-level lines not understood or skipped, truncated=%s",
        len(result.uids),
        len(result.unknown),
        result.truncated,
    )
    return result
