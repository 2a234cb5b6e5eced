"""Known threats: indicator lists of stalkerware, watchware and spyware, loaded and matched by set lookups.

Public API:

* ``Indicators.load(paths=(), env=None)`` — the bundled Echap list, ``$AUDITOR_IOCS``'s files and ``--iocs``
  files (STIX 2.1 bundles or the Echap YAML shape), indexed once;
* ``Indicators.bundled()`` — the bundled list only (what an audit uses when nothing else is given);
* ``match_report(report, indicators, properties=None)`` — a report whose apps carry their matches;
* ``IocError`` — an unusable indicator file (one line naming the file and the problem).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from auditor.iocs.lists import IocError, LoadedList
from auditor.iocs.load import ENV_FOLDER, bundled_list, load_lists
from auditor.iocs.match import IndicatorIndex, all_matches
from auditor.iocs.match import match_report as _match_report
from auditor.model import AuditReport, IndicatorList

__all__ = ["ENV_FOLDER", "Indicators", "IocError", "all_matches", "match_report"]


@dataclass(frozen=True)
class Indicators:
    """Loaded indicator lists and their index (built once, shared by every report matched)."""

    lists: tuple[LoadedList, ...]
    index: IndicatorIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", IndicatorIndex(self.lists))

    @staticmethod
    def load(paths: Sequence[Path] = (), *, env: Mapping[str, str] | None = None) -> Indicators:
        """The bundled list, then ``$AUDITOR_IOCS``'s files (``env``: default the process environment), then
        ``paths`` (files or folders). Raises ``IocError`` for an unusable file."""
        lists = load_lists(paths, env=env)
        if len(lists) == 1:
            return Indicators.bundled()
        return Indicators(lists)

    @staticmethod
    def bundled() -> Indicators:
        """The bundled Echap list alone (indexed once per process)."""
        return _bundled()

    def infos(self) -> tuple[IndicatorList, ...]:
        """Each list as a report records it (name, version, origin, counts, licence, attribution)."""
        return tuple(loaded.info() for loaded in self.lists)


@cache
def _bundled() -> Indicators:
    return Indicators((bundled_list(),))


def match_report(
    report: AuditReport, indicators: Indicators, *, properties: Mapping[str, str] | None = None
) -> AuditReport:
    """A new report with every app's matches, the device's matches, the lists used and notes (see
    ``auditor.iocs.match``)."""
    return _match_report(report, indicators.index, properties=properties)
