"""App-ops: ``dumpsys appops`` and ``appops get`` (one package, or a marked loop over many).

Two readers of the same facts: ``dumpsys`` (the whole service state with absolute event times,
Android 8 to 16) and ``get`` (``appops get`` per package, relative times). What both print alike
(durations, uids, modes, uid states, relative time fields) is read in ``fields``.
"""

from __future__ import annotations

from auditor.parse.appops.dumpsys import parse_dumpsys_appops
from auditor.parse.appops.fields import parse_duration_ms
from auditor.parse.appops.get import parse_appops_get, parse_appops_get_loop

__all__ = ["parse_appops_get", "parse_appops_get_loop", "parse_dumpsys_appops", "parse_duration_ms"]
