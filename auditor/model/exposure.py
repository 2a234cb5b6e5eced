"""Exposure: personal data an app reaches, scores whose reasons add up to them, and findings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DataCategory(StrEnum):
    """Personal data a phone exposes: Google Play's Data-safety axes, extended for what apps can reach."""

    LOCATION = "location"
    CONTACTS = "contacts"
    """Contacts and the social graph: contacts, accounts, call log."""
    MESSAGES = "messages"
    """SMS/MMS, and notification content through a notification listener."""
    CAMERA = "camera"
    MICROPHONE = "microphone"
    MEDIA = "photos_files"
    """Photos, videos and files."""
    CALENDAR = "calendar"
    HEALTH = "health"
    """Health and body: body sensors, activity recognition, Health Connect."""
    IDENTITY = "identity"
    """Identity and device identifiers: phone state and numbers, accounts."""
    APP_ACTIVITY = "app_activity"
    """Usage access and the list of installed apps (which reveals health, religion, money, employer)."""
    SCREEN_INPUT = "screen_input"
    """Screen and input: can read and act on anything shown or typed."""
    DEVICE_CONTROL = "device_control"
    """Device admin or owner, installing other apps, VPN, changing settings."""


class AccessLevel(StrEnum):
    """How far an app reaches a category, from least to most (``rank`` orders them)."""

    NONE = "none"
    REQUESTED = "requested"
    """Asked for, not granted."""
    WHILE_IN_USE = "while_in_use"
    """Granted only while the app is in use."""
    ALL_THE_TIME = "all_the_time"
    """Granted all the time, including in the background."""
    USED_FOREGROUND = "used_foreground"
    """An app-op access was recorded, only in the foreground."""
    USED_BACKGROUND = "used_background"
    """An app-op access was recorded while the app was in the background."""
    SPECIAL_ACCESS = "special_access"
    """A special access (accessibility, notification listener, device admin …) is enabled."""

    @property
    def rank(self) -> int:
        """0 for NONE up to 6 for SPECIAL_ACCESS."""
        return _ACCESS_LEVEL_ORDER.index(self)


_ACCESS_LEVEL_ORDER = list(AccessLevel)


class Grade(StrEnum):
    """A letter for a 0–100 exposure score: A is least exposed, F most."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


@dataclass(frozen=True, slots=True)
class CategoryExposure:
    """How far one app reaches one category, and through what."""

    category: DataCategory
    level: AccessLevel
    points: int
    via: tuple[str, ...]
    """The permissions, special accesses or ops that give this level."""
    qualifiers: tuple[str, ...] = ()
    """What the level does not show: ``one_time``, ``user_fixed_denial``, ``auto_revoked``, ``approximate_only``,
    ``selected_photos_only``, ``explained_by_role:<role>``."""


class DevicePart(StrEnum):
    """A named part of the device exposure: each adds its own share of the score, with its own reasons.

    The operating system's own components are not a part: they hold their accesses by design, so the
    device exposure states them as context (``PlatformContext``) and counts nothing for them.
    """

    KNOWN_THREATS = "known_threats"
    """Apps and traces an indicator list names: known stalkerware, watchware and spyware (AUD-IOC findings)."""
    INSTALLED_APPS = "installed_apps"
    """Apps installed afterwards: what the person (or someone with the phone) chose."""
    PREINSTALLED_APPS = "preinstalled_apps"
    """Apps that came with the phone but are not the platform: the same on every phone of the model."""
    ALTERED_SYSTEM_APPS = "altered_system_apps"
    """Platform or preinstalled apps whose code was replaced outside normal updates (an AUD-ORIGIN finding)."""
    PHONE_SETTINGS = "phone_settings"
    """The phone's own safety settings: USB debugging, Play Protect, the bootloader, root … (posture findings)."""


@dataclass(frozen=True, slots=True)
class ScoreReason:
    """One addend of a score: its points, the rule that gave them, and the evidence."""

    rule: str
    """Stable id: ``category.<name>``, ``combination.<id>``, ``modifier.<id>``, ``cap``, ``pool.<kind>``."""
    points: int
    text: str
    """Plain words, e.g. "Precise location used in the background (last 2024-05-01 11:00)"."""
    evidence: tuple[str, ...] = ()
    category: DataCategory | None = None
    part: DevicePart | None = None
    """For a device reason: the part of the device exposure it belongs to (``None``: the cap)."""


@dataclass(frozen=True, slots=True)
class Exposure:
    """An app's exposure: per-category reach and a 0–100 score whose reasons add up to it exactly."""

    score: int
    grade: Grade
    categories: tuple[CategoryExposure, ...]
    reasons: tuple[ScoreReason, ...]
    profiles: tuple[str, ...] = ()
    """Stable ids of the combination profiles matched (e.g. ``covert_listening``)."""


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule hit on one app: what, how sure, why it matters, the evidence, and the exact fix."""

    rule_id: str
    """Stable id, e.g. ``AUD-A11Y-001``; documented in ``docs/rules.md``."""
    title: str
    severity: Severity
    confidence: Confidence
    rationale: str
    evidence: tuple[str, ...]
    remediation: str
    """The exact ``adb shell …`` command, or the Settings path where no command exists."""
    safety: str | None = None
    """What to read before any fix, for findings where acting may put someone in danger (known stalkerware
    and watchware, stalkerware-like apps): removing the app may alert whoever installed it. Reports show it
    before the remediation."""


@dataclass(frozen=True, slots=True)
class ExposurePool:
    """Apps that pool what they reach: one signer, one sharedUserId, or one tracker SDK inside them."""

    kind: str
    """``shared_uid``, ``shared_signer`` or ``tracker_sdk``."""
    name: str
    apps: tuple[str, ...]
    """``package@user`` of every app in the pool."""
    categories: tuple[DataCategory, ...]
    """What the pool reaches together (granted or more)."""
    text: str


@dataclass(frozen=True, slots=True)
class ExposurePart:
    """One part of the device exposure: its share of the score (the sum of its reasons) and what it covers."""

    part: DevicePart
    points: int
    """The sum of the device reasons of this part, before the device's cap at 100."""
    apps: int
    """How many apps the part covers (all users)."""
    percent: int
    """The share at which its apps' scores count (100: in full)."""


@dataclass(frozen=True, slots=True)
class PlatformContext:
    """What the operating system's own components hold: stated, never counted."""

    apps: int
    """Platform components (all users) without an abnormal-origin finding."""
    categories: tuple[DataCategory, ...]
    """What they reach, granted or more, in the model's order."""
    master_keys: int
    """How many of them hold a master key (accessibility, notification access, device admin …)."""
    text: str


@dataclass(frozen=True, slots=True)
class DeviceExposure:
    """The device's exposure over all apps and users, built from named parts."""

    score: int
    grade: Grade
    reasons: tuple[ScoreReason, ...]
    """Every part's reasons in part order, then the cap: they add up to ``score`` exactly."""
    pools: tuple[ExposurePool, ...] = ()
    parts: tuple[ExposurePart, ...] = ()
    """Each part with its points (the sum of its reasons): installed apps, preinstalled apps …"""
    platform: PlatformContext | None = None
    """The operating system's own accesses, as context (0 points)."""


@dataclass(frozen=True, slots=True)
class WeightsInfo:
    source: str
    """``built-in`` or the path of the ``--weights`` file."""
    sha256: str
