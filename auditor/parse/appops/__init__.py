"""App-ops: ``dumpsys appops`` and ``appops get`` (one package, or a marked loop over many).

Two readers of the same facts: ``dumpsys`` (the whole service state with absolute event times,
Android 8 to 16) and ``get`` (``appops get`` per package, relative times); and ``discrete``, the
discrete access history (every access of the last days, Android 12 to 16). What both print alike
(durations, uids, modes, uid states, relative time fields) is read in ``fields``.
"""

from __future__ import annotations

from auditor.parse.appops.discrete import parse_discrete_history
from auditor.parse.appops.dumpsys import parse_dumpsys_appops
from auditor.parse.appops.fields import parse_duration_ms
from auditor.parse.appops.get import parse_appops_get, parse_appops_get_loop

__all__ = [
    "parse_appops_get",
    "parse_appops_get_loop",
    "parse_discrete_history",
    "parse_dumpsys_appops",
    "parse_duration_ms",
]
