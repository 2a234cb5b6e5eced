"""A loaded indicator list: families and their indicators, as every reader (Echap YAML, STIX2) produces it.

These types stay inside ``auditor.iocs``: what crosses into the audit report is ``IndicatorList`` (which
lists were used) and ``IndicatorMatch`` (what matched), in ``auditor.model.threats``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from auditor.errors import AuditorError
from auditor.model.threats import IndicatorCount, IndicatorKind, IndicatorList, ThreatKind


class IocError(AuditorError):
    """An indicator file that cannot be used; the message names the file and the problem (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Family:
    """A threat family as a list names it."""

    name: str
    threat: ThreatKind
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: what it names, its value (normalised), and the family it points to (index in the list)."""

    kind: IndicatorKind
    value: str
    family: int


@dataclass(frozen=True, slots=True)
class LoadedList:
    """One list as read: its identity, families and indicators, and what of it cannot be used here."""

    name: str
    version: str
    origin: str
    families: tuple[Family, ...]
    indicators: tuple[Indicator, ...]
    licence: str | None = None
    attribution: str | None = None
    unsupported: int = 0
    """Patterns the reader does not understand (compound STIX patterns, object paths it has no fact for)."""

    def info(self) -> IndicatorList:
        """The list as the report records it: identity and counts per kind."""
        counts = dict.fromkeys(IndicatorKind, 0)
        for indicator in self.indicators:
            counts[indicator.kind] += 1
        return IndicatorList(
            name=self.name,
            version=self.version,
            origin=self.origin,
            families=len(self.families),
            counts=tuple(IndicatorCount(kind, n) for kind, n in counts.items() if n),
            licence=self.licence,
            attribution=self.attribution,
        )


# --------------------------------------------------------------------------------------------------
# Values: every reader normalises through these, so the index compares like with like
# --------------------------------------------------------------------------------------------------

MAX_VALUE_CHARS: Final = 2048
"""Longest indicator value accepted (a URL may be long; nothing legitimate is longer)."""

_HEX = {
    IndicatorKind.CERT_SHA1: 40,
    IndicatorKind.CERT_SHA256: 64,
    IndicatorKind.CERT_MD5: 32,
    IndicatorKind.APK_SHA256: 64,
}
_HEX_CHARS = re.compile(r"[0-9a-f]+")
# Android package names: letters, digits, underscores, dots (PackageParser.validateName); the lists also
# hold names with upper-case letters, which Android allows.
_PACKAGE = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")


def normalise(kind: IndicatorKind, raw: str) -> str | None:
    """The indicator value to index (digests lowercase without colons), or ``None`` when ``raw`` is not one."""
    value = raw.strip()
    size = _HEX.get(kind)
    if size is not None:
        digest = value.replace(":", "").lower()
        return digest if len(digest) == size and _HEX_CHARS.fullmatch(digest) else None
    if not value or len(value) > MAX_VALUE_CHARS or "\0" in value or "\n" in value or "\r" in value:
        return None
    if kind is IndicatorKind.PACKAGE:
        return value if len(value) <= 255 and _PACKAGE.fullmatch(value) else None
    if kind is IndicatorKind.DOMAIN:
        return value.lower().rstrip(".")
    return value


def certificate_kind(value: str) -> IndicatorKind | None:
    """A certificate digest of a list that does not say which: by its length (Echap's are SHA-1)."""
    digest = value.strip().replace(":", "").lower()
    for kind in (IndicatorKind.CERT_SHA1, IndicatorKind.CERT_SHA256, IndicatorKind.CERT_MD5):
        if len(digest) == _HEX[kind] and _HEX_CHARS.fullmatch(digest):
            return kind
    return None
