"""The access timeline: every recorded access of every app, from either app-op source, as one model.

Android keeps two records of app-op use. ``dumpsys appops`` prints, per app and op, the newest access
(and rejection) for each uid state, op flags and attribution tag; since Android 12 the discrete
history keeps every access to the discrete ops (camera, microphone, location …) of the last days.
``auditor.analyse.timeline`` reads both into ``AccessEvent`` values (the same access printed by both
is one event), totals them per app and data category (``UsageTotals``) and indexes the whole device
(``Timeline``). This is part of the audit report's JSON contract (``docs/schema.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from auditor.model.exposure import DataCategory
from auditor.model.parsed import OpEventKind


class AccessState(StrEnum):
    """Whether a recorded app-op access happened while the app was visible."""

    FOREGROUND = "foreground"
    BACKGROUND = "background"
    UNKNOWN = "unknown"


class EventSource(StrEnum):
    """Which record an event comes from."""

    LAST_ACCESS = "last_access"
    """``dumpsys appops``: the newest access or rejection per uid state, flags and attribution tag."""
    HISTORY = "history"
    """The discrete access history (Android 12+): every access to a discrete op in its window."""
    BOTH = "both"
    """One access printed by both; the regular dump's exact time and duration are kept."""


class ProxyRole(StrEnum):
    """How another app took part in an access (op flags, proxy info, attribution chains)."""

    THROUGH = "through"
    """The access was made for this app by another one: op flags ``tpd``/``upd``, or the receiver of an
    attribution chain. ``proxy_package`` names the app it went through, when known."""
    ON_BEHALF_OF = "on_behalf_of"
    """This app made the access for another one: op flags ``tp``/``up``, or an attribution chain's accessor
    or intermediary. ``proxy_package`` names the app it was for, when known."""


class TimeBasis(StrEnum):
    """Where the timeline's end (the capture, in device-local time) comes from."""

    DEVICE_CLOCK = "device_clock"
    """The device's clock at capture (``date +%s``) in its time zone (``persist.sys.timezone``)."""
    EVENT_AGE = "event_age"
    """An event of ``dumpsys appops``, which prints each time and its age before the dump."""
    NEWEST_EVENT = "newest_event"
    """Neither is known: the window ends at the newest event, and no age is given."""
    NONE = "none"
    """No event at all."""


class HistoryCoverage(StrEnum):
    """Whether the discrete access history is part of the timeline."""

    READ = "read"
    """Read: every access to a discrete op in its window is in the timeline."""
    NOT_KEPT = "not_kept"
    """The device keeps none (Android 11 and older): the timeline holds the regular dump's events only."""
    NOT_IN_SOURCE = "not_in_source"
    """The source lacks it (a bug report, androidqf, an older snapshot, a failed command)."""
    UNREADABLE = "unreadable"
    """The command's output held no discrete history (an error message, a vendor build without it)."""


@dataclass(frozen=True, slots=True)
class AccessEvent:
    """One recorded access (or rejection) of an app-op by one app, from either record."""

    op: str
    """The app-op, e.g. ``CAMERA``, ``FINE_LOCATION`` (vendor ops keep their printed name)."""
    category: DataCategory | None
    """The data category the op reveals (camera, microphone, location, health …), ``None`` for other ops."""
    kind: OpEventKind
    time: str | None
    """Device-local ``yyyy-MM-dd HH:mm:ss.SSS`` as the device printed it (``None`` where only an age was
    printed: ``appops get``, Android 8 and older)."""
    time_utc: str | None
    """The same instant in UTC (ISO 8601), only when the device's time zone is known to the tz database."""
    ago_ms: int | None
    """Milliseconds before the capture: printed by ``dumpsys appops``, worked out for history events when the
    capture's device-local time is known (``Timeline.basis``)."""
    duration_ms: int | None
    """How long the access lasted (the history rounds it up to its quantum, a minute by default)."""
    uid_state: str
    """The raw uid state (``top``, ``fgsvc``, ``bg``, ``cch`` …)."""
    state: AccessState
    """``background`` for ``bg``/``cch``/``gone``, ``foreground`` otherwise, ``unknown`` when not printed."""
    flags: tuple[str, ...]
    """Op flags: ``s`` self, ``tp``/``up`` trusted/untrusted proxy, ``tpd``/``upd`` trusted/untrusted proxied."""
    attribution_tag: str | None
    """The app's own label for the part of it that made the access (untrusted text)."""
    proxy_role: ProxyRole | None
    """Whether another app took part, and how (``None``: the app's own access)."""
    proxy_package: str | None
    """The other app: from the regular dump's ``proxy[…]`` or the attribution chain (untrusted text)."""
    proxy_uid: int | None
    proxy_attribution_tag: str | None
    chain_id: int | None
    """The attribution chain the access belongs to (discrete history, Android 12L+)."""
    device_id: str | None
    """Android 16's persistent device id (``default:0`` is the phone itself; others are virtual devices)."""
    source: EventSource


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """An app's recorded accesses to one data category (or one op of none) in one state, within the window.

    Accesses that overlap (fine and coarse location noted together, a start and its finish) count as one
    session; a session's length is the union of its accesses' durations.
    """

    category: DataCategory | None
    ops: tuple[str, ...]
    """The ops counted (one op when ``category`` is ``None``)."""
    state: AccessState
    sessions: int
    total_ms: int
    """The summed length of the sessions whose duration is known."""
    unknown_duration: int
    """Sessions without a recorded duration (counted in ``sessions``, not in ``total_ms``)."""
    longest_ms: int | None
    longest_at: str | None
    """Device-local start of the longest session."""
    newest_at: str | None
    """Device-local start of the most recent session."""
    newest_ms: int | None
    """The most recent session's length, when known."""
    sessions_24h: int
    """Sessions that started in the last 24 hours before the window's end."""
    total_ms_24h: int


@dataclass(frozen=True, slots=True)
class EventRef:
    """One event of the device-level timeline: the ``index``-th of that app's ``events``."""

    user: int
    package: str
    index: int


@dataclass(frozen=True, slots=True)
class Timeline:
    """The device's access timeline: its window, how its times are known, and every event, newest first."""

    history: HistoryCoverage
    start: str | None
    """Device-local start of the window: 7 days (Android's default discrete-history retention) before ``end``."""
    end: str | None
    """Device-local end of the window: the capture (see ``basis``)."""
    end_utc: str | None
    basis: TimeBasis
    time_zone: str | None
    """The zone used for UTC times (``persist.sys.timezone``), ``None`` when unknown or not in the tz database."""
    events: tuple[EventRef, ...]
    """Every event of every app, newest first (events without any time last)."""
