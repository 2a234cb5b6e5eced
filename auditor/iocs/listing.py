"""``auditor iocs``: the indicator lists an audit matches against, with their counts and origin.

The text names come from files (a list's name is its file name, its version and attribution what the file
says), so every value is made visible (``auditor.sanitise.visible``) before it reaches a terminal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from auditor.iocs import Indicators
from auditor.iocs.lists import LoadedList
from auditor.model import IndicatorKind, ThreatKind
from auditor.sanitise import visible
from auditor.serial import json_text, to_data

_WORDS = {
    IndicatorKind.PACKAGE: "package names",
    IndicatorKind.CERT_SHA1: "certificate SHA-1s",
    IndicatorKind.CERT_SHA256: "certificate SHA-256s",
    IndicatorKind.CERT_MD5: "certificate MD5s",
    IndicatorKind.APK_SHA256: "APK SHA-256s",
    IndicatorKind.PROPERTY: "system properties",
    IndicatorKind.PROCESS: "process names",
}


def _list_lines(loaded: LoadedList) -> list[str]:
    info = loaded.info()
    threats = Counter(f.threat for f in loaded.families)
    kinds = ", ".join(f"{threats[t]} {t.value}" for t in ThreatKind if threats[t])
    counts = {c.kind: c.count for c in info.counts}
    parts = [f"{info.families} families ({kinds})" if kinds else "no family"]
    parts += [f"{counts[k]:,} {words}" for k, words in _WORDS.items() if counts.get(k)]
    network = sum(n for k, n in counts.items() if not k.matchable)
    if network:
        parts.append(f"{network:,} network indicators (nothing to match them against in an audit)")
    if loaded.unsupported:
        parts.append(f"{loaded.unsupported:,} patterns not understood (skipped)")
    lines = [
        f"{visible(info.name)}  version {visible(info.version)}  from {visible(info.origin)}",
        "    " + " · ".join(parts),
    ]
    if info.attribution:
        lines.append(f"    {visible(info.attribution)}")
    return lines


def describe(paths: Sequence[Path] = (), *, as_json: bool = False) -> str:
    """What ``auditor iocs`` prints: every list (bundled, ``$AUDITOR_IOCS``, ``paths``) with counts and origin, as
    text or as JSON (the ``IndicatorList`` records a report keeps). Raises ``IocError`` for an unusable file."""
    indicators = Indicators.load(paths)
    if as_json:
        return json_text([to_data(info) for info in indicators.infos()], indent=2)
    lines = ["Indicator lists an audit matches against (a list is incomplete: no match never means no stalkerware):"]
    for loaded in indicators.lists:
        lines += ["", *_list_lines(loaded)]
    index = indicators.index
    matchable = sum(len(v) for v in index.by_kind.values())
    lines += ["", f"{matchable:,} distinct indicators can match an audit's package names, certificates, APK hashes, "
              "system properties and processes."]  # fmt: skip
    return "\n".join(lines)
