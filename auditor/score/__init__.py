"""Exposure scoring: which personal data each app can reach, how far, and why; findings with fixes.

Public API:

* ``score_report(report, weights=None)`` — a new ``AuditReport`` with every app's exposure and
  findings, the device's exposure and the weights used;
* ``load_weights(path=None)`` — the bundled weights, or a ``--weights`` file merged over them;
* ``score_app(app, weights)`` — one app's ``Exposure``;
* ``find(app)`` — one app's findings;
* ``RULES`` — every rule by stable id (``docs/rules.md`` is generated from it).
"""

from __future__ import annotations

from auditor.score.core import score_report
from auditor.score.exposure import score_app
from auditor.score.rules import RULES, find
from auditor.score.weights import Weights, WeightsError, load_weights

__all__ = ["RULES", "Weights", "WeightsError", "find", "load_weights", "score_app", "score_report"]
