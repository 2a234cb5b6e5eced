"""The Echap association's shape: ``ioc.yaml`` / ``watchware.yaml`` families and ``samples.csv`` APK hashes.

A YAML file is a list of families::

    - name: TheTruthSpy
      names: [Copy9, …]            # aliases (samples.csv names a family by any of them)
      type: stalkerware            # or watchware
      packages: [com.fone, …]      # app ids
      certificates: [31A6…, …]     # SHA-1 of the signing certificate, upper-case hex
      websites: [copy9.com, …]
      distribution: [app.…, …]     # where it is downloaded from
      c2: {domains: […], ips: […]}

Other keys the source adds for its own tools (``ios_bundles``, ``certificate_organizations`` …) are
ignored. Everything else is checked: a family without a name, a list that is not a list of strings, or
a certificate that is not a hex digest is an error naming the file, the family and the value.
``samples.csv`` (``SHA256,Package Name,Certificate,Version,App``) adds one APK hash per row to the family
whose name or alias is ``App``, as the source's own generator joins them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from auditor.iocs.lists import Family, Indicator, IocError, certificate_kind, normalise
from auditor.iocs.yamlread import YamlValue, read_yaml
from auditor.model.threats import IndicatorKind, ThreatKind

_TYPES: Final = {"stalkerware": ThreatKind.STALKERWARE, "watchware": ThreatKind.WATCHWARE}
_LISTS: Final = {
    "packages": IndicatorKind.PACKAGE,
    "websites": IndicatorKind.DOMAIN,
    "distribution": IndicatorKind.DOMAIN,
}
_C2: Final = {"domains": IndicatorKind.DOMAIN, "ips": IndicatorKind.IP, "ip": IndicatorKind.IP}
SAMPLE_COLUMNS: Final = ("SHA256", "Package Name", "Certificate", "Version", "App")


def _strings(value: YamlValue, label: str, family: str, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]  # `packages: com.x` written without a list
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise IocError(f"{label}: family {family[:60]!r}: {key} must be a list of text values")
    return [v for v in value if isinstance(v, str)]


class _Builder:
    """Families and indicators of one list, each indicator once per family."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.families: list[Family] = []
        self.indicators: list[Indicator] = []
        self._seen: set[tuple[IndicatorKind, str, int]] = set()
        self.by_name: dict[str, int] = {}

    def family(self, family: Family) -> int:
        index = len(self.families)
        self.families.append(family)
        for name in (family.name, *family.aliases):
            self.by_name.setdefault(name, index)
        return index

    def add(self, kind: IndicatorKind, raw: str, family: int, what: str, where: str | None = None) -> None:
        value = normalise(kind, raw)
        if value is None:
            place = where or f"family {self.families[family].name[:60]!r}"
            raise IocError(f"{self.label}: {place}: {raw[:80]!r} is not a valid {what}")
        key = (kind, value, family)
        if key not in self._seen:
            self._seen.add(key)
            self.indicators.append(Indicator(kind, value, family))


def read_families(text: str, label: str, builder: _Builder | None = None) -> _Builder:
    """The families of one Echap YAML file (added to ``builder`` when given)."""
    data = read_yaml(text, label)
    out = builder or _Builder(label)
    if data is None:
        return out
    if not isinstance(data, list):
        raise IocError(f"{label}: expected a list of families (the Echap ioc.yaml shape)")
    for position, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise IocError(f"{label}: family {position} is not a mapping")
        _family(entry, position, out)
    return out


def _family(entry: Mapping[str, YamlValue], position: int, out: _Builder) -> None:
    label = out.label
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise IocError(f"{label}: family {position} has no name")
    name = name.strip()
    kind = entry.get("type", "stalkerware")
    if not isinstance(kind, str) or kind not in _TYPES:
        raise IocError(f"{label}: family {name[:60]!r}: type must be stalkerware or watchware, not {str(kind)[:40]!r}")
    aliases = tuple(a.strip() for a in _strings(entry.get("names", []), label, name, "names") if a.strip())
    index = out.family(Family(name, _TYPES[kind], tuple(a for a in aliases if a != name)))
    for key, indicator_kind in _LISTS.items():
        for raw in _strings(entry.get(key, []), label, name, key):
            out.add(indicator_kind, raw, index, key.rstrip("s") if key != "distribution" else "download site")
    for raw in _strings(entry.get("certificates", []), label, name, "certificates"):
        cert = certificate_kind(raw)
        if cert is None:
            raise IocError(f"{label}: family {name[:60]!r}: certificate {raw[:80]!r} is not a hex SHA-1")
        out.add(cert, raw, index, "certificate")
    c2 = entry.get("c2", {})
    if not isinstance(c2, dict):
        raise IocError(f"{label}: family {name[:60]!r}: c2 must be a mapping of domains and ips")
    for key, indicator_kind in _C2.items():
        for raw in _strings(c2.get(key, []), label, name, f"c2.{key}"):
            out.add(indicator_kind, raw, index, "network address")


def read_samples(text: str, label: str, builder: _Builder) -> int:
    """Add ``samples.csv``'s APK hashes to the families of ``builder``; returns the rows read.

    A row whose ``App`` names no family of the list gets a family of its own (stalkerware, as the source's
    samples are), so no hash is dropped.
    """
    builder.label = label
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header[: len(SAMPLE_COLUMNS)]) != SAMPLE_COLUMNS:
        raise IocError(f"{label}: expected the columns {', '.join(SAMPLE_COLUMNS)}")
    rows = 0
    for line, row in enumerate(reader, 2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < len(SAMPLE_COLUMNS):
            raise IocError(f"{label}: line {line}: {len(row)} columns, expected {len(SAMPLE_COLUMNS)}")
        sha, _package, _cert, _version, app = (cell.strip() for cell in row[: len(SAMPLE_COLUMNS)])
        family = builder.by_name.get(app)
        if family is None:
            family = builder.family(Family(app or "unnamed sample", ThreatKind.STALKERWARE))
        builder.add(IndicatorKind.APK_SHA256, sha, family, "SHA-256", where=f"line {line}")
        rows += 1
    return rows


def families_of(texts: Iterable[tuple[str, str]], samples: Sequence[tuple[str, str]] = ()) -> _Builder:
    """Families of several YAML files (``(text, label)``), then the samples CSVs joined to them."""
    builder: _Builder | None = None
    for text, label in texts:
        builder = read_families(text, label, builder)
        builder.label = label
    if builder is None:
        builder = _Builder("")
    for text, label in samples:
        read_samples(text, label, builder)
    return builder
