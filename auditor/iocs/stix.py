"""STIX 2.1 bundles as MVT and Amnesty publish them: ``indicator`` objects linked to ``malware`` objects.

A bundle is ``{"type": "bundle", "objects": [...]}``. Each ``indicator`` has a ``pattern`` holding one
comparison, ``[object:path = 'value']``; a ``relationship`` of type ``indicates`` links it to the
``malware`` object that names the family. What each object path is matched against:

=============================================  ==========================================================
``app:id``                                     package names of every app of every user
``app:cert.sha1`` / ``.sha256`` / ``.md5``     signing certificates (APK analysis, androidqf's packages.json)
``file:hashes.sha256`` (or ``'SHA-256'``)      APK file hashes (on-device ``sha256sum``, packages.json, pulled APKs)
``android-property:name``                      the names of ``getprop``'s properties
``process:name``                               the processes running at capture (``ps``), where the source has them
``domain-name:value``, ``url:value``,          loaded and counted; an audit holds no network data, so they
``ipv4-addr:value``, ``ipv6-addr:value``       match nothing here (the report says so once)
=============================================  ==========================================================

Compound patterns (``AND``, ``OR``, several brackets) and other object paths are counted as unsupported
and said once, as MVT ignores them too. A family's kind comes from the malware object: ``stalkerware``
or ``watchware`` among its ``labels`` or ``malware_types``, or in its description (Echap's generated
bundle says "Stalkerware applications"); anything else is known spyware. An indicator that indicates no
malware object belongs to a family named after its own ``name``, else after the file.

The file is untrusted: its size is bounded by the caller, JSON nesting beyond Python's recursion limit
is refused, and every value is checked before it is indexed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from auditor.iocs.lists import Family, Indicator, IocError, normalise
from auditor.model.threats import IndicatorKind, ThreatKind
from auditor.untrusted import UnsafeInputError, parse_json

PATHS: Final[Mapping[str, IndicatorKind]] = {
    "app:id": IndicatorKind.PACKAGE,
    "app:cert.sha1": IndicatorKind.CERT_SHA1,
    "app:cert.sha256": IndicatorKind.CERT_SHA256,
    "app:cert.md5": IndicatorKind.CERT_MD5,
    "file:hashes.sha256": IndicatorKind.APK_SHA256,
    "file:hashes.'sha-256'": IndicatorKind.APK_SHA256,
    "android-property:name": IndicatorKind.PROPERTY,
    "process:name": IndicatorKind.PROCESS,
    "domain-name:value": IndicatorKind.DOMAIN,
    "url:value": IndicatorKind.URL,
    "ipv4-addr:value": IndicatorKind.IP,
    "ipv6-addr:value": IndicatorKind.IP,
}
"""Object paths understood (lower-cased), and what each names."""

# One comparison in one bracket: [path = 'value'], the value single-quoted with \' and \\ escapes.
_PATTERN = re.compile(r"\A\s*\[\s*([A-Za-z0-9_.:'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]\s*\Z", re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def parse_pattern(pattern: str) -> tuple[IndicatorKind, str] | None:
    """``(kind, raw value)`` of a one-comparison pattern with a known object path, else ``None``."""
    found = _PATTERN.match(pattern)
    if found is None:
        return None
    kind = PATHS.get(found.group(1).lower())
    if kind is None:
        return None
    return kind, _ESCAPE.sub(r"\1", found.group(2))


def _text(obj: Mapping[str, object], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def _words(obj: Mapping[str, object], key: str) -> list[str]:
    value = obj.get(key)
    return [v.lower() for v in value if isinstance(v, str)] if isinstance(value, list) else []


def threat_of(malware: Mapping[str, object]) -> ThreatKind:
    """The kind of family a malware object describes (see the module docstring)."""
    words = set(_words(malware, "labels")) | set(_words(malware, "malware_types"))
    description = (_text(malware, "description") or "").lower()
    for kind in (ThreatKind.WATCHWARE, ThreatKind.STALKERWARE):
        if kind.value in words or kind.value in description:
            return kind
    return ThreatKind.SPYWARE


class StixList:
    """What one bundle holds: families, indicators and how many patterns could not be used."""

    def __init__(self) -> None:
        self.families: list[Family] = []
        self.indicators: list[Indicator] = []
        self.unsupported = 0


def read_stix(data: bytes, label: str, default_family: str) -> StixList:
    """The families and indicators of a STIX 2.1 bundle (``IocError`` naming ``label`` when it is not one)."""
    try:
        bundle = parse_json(data, label)
    except UnsafeInputError as e:
        raise IocError(str(e)) from None
    except (UnicodeDecodeError, ValueError) as e:
        raise IocError(f"{label}: not valid JSON ({str(e).splitlines()[0][:120]})") from None
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle" or not isinstance(bundle.get("objects"), list):
        raise IocError(f'{label}: not a STIX2 bundle (expected {{"type": "bundle", "objects": [...]}})')
    malware: dict[str, dict[str, object]] = {}
    indicators: list[tuple[str, dict[str, object]]] = []
    targets: dict[str, list[str]] = {}
    for position, obj in enumerate(bundle["objects"], 1):
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            raise IocError(f"{label}: object {position} is not a STIX object (no type)")
        kind, ident = obj["type"], _text(obj, "id") or f"#{position}"
        if kind == "malware":
            malware[ident] = obj
        elif kind == "indicator":
            indicators.append((ident, obj))
        elif kind == "relationship" and obj.get("relationship_type") == "indicates":
            source, target = _text(obj, "source_ref"), _text(obj, "target_ref")
            if source and target:
                targets.setdefault(source, []).append(target)

    out = StixList()
    family_index: dict[tuple[str, ThreatKind], int] = {}

    def family(name: str, threat: ThreatKind) -> int:
        key = (name, threat)
        if key not in family_index:
            family_index[key] = len(out.families)
            out.families.append(Family(name, threat))
        return family_index[key]

    seen: set[tuple[IndicatorKind, str, int]] = set()
    for ident, obj in indicators:
        pattern = _text(obj, "pattern")
        if pattern is None:
            raise IocError(f"{label}: {ident[:80]}: an indicator without a pattern")
        if (_text(obj, "pattern_type") or "stix") != "stix":
            out.unsupported += 1
            continue
        parsed = parse_pattern(pattern)
        if parsed is None:
            out.unsupported += 1
            continue
        kind, raw = parsed
        value = normalise(kind, raw)
        if value is None:
            raise IocError(f"{label}: {ident[:80]}: {raw[:80]!r} is not a valid {kind.value} indicator")
        linked = [malware[t] for t in targets.get(ident, ()) if t in malware]
        owners = (
            [family(_text(m, "name") or default_family, threat_of(m)) for m in linked]
            if linked
            else [family(_text(obj, "name") or default_family, ThreatKind.SPYWARE)]
        )
        for owner in owners:
            if (kind, value, owner) not in seen:
                seen.add((kind, value, owner))
                out.indicators.append(Indicator(kind, value, owner))
    return out
