"""Scoring a whole audit report: every app's exposure and findings, the device's exposure, the weights used."""

from __future__ import annotations

import logging
from dataclasses import replace

from auditor.model import AppReport, AuditReport, Exposure, WeightsInfo
from auditor.score.categories import CategoryTable, app_reach, load_categories
from auditor.score.device import score_device
from auditor.score.device_rules import find_device
from auditor.score.exposure import app_facts, score_app
from auditor.score.rules import find
from auditor.score.weights import Weights, load_weights

log = logging.getLogger(__name__)


def score_report(report: AuditReport, weights: Weights | None = None) -> AuditReport:
    """A new report with each app's ``exposure`` and ``findings``, ``device_exposure``, ``device_findings`` and
    ``weights`` filled.

    ``weights`` defaults to the bundled ones; the report records which were used (source and SHA-256).
    """
    weights = weights or load_weights()
    table = load_categories()
    apps = tuple(_scored(app, weights, table) for app in report.apps)
    log.debug("scored %d apps with weights %s", len(apps), weights.source)
    # A package not installed for its user counts in no part of the device (``auditor.score.parts.app_part``).
    # The device's findings come first: its known-threats and phone-settings parts read them.
    device_findings = find_device(report)
    scored = replace(report, apps=apps, device_findings=device_findings)
    device = score_device(apps, weights, _exposure, report=scored)
    return replace(
        report,
        apps=apps,
        device_exposure=device,
        device_findings=device_findings,
        weights=WeightsInfo(source=weights.source, sha256=weights.sha256),
    )


def _scored(app: AppReport, weights: Weights, table: CategoryTable) -> AppReport:
    reach, facts = app_reach(app, table), app_facts(app)
    return replace(
        app,
        exposure=score_app(app, weights, reach=reach, facts=facts),
        findings=find(app, reach=reach, facts=facts),
    )


def _exposure(app: AppReport) -> Exposure:
    if app.exposure is None:  # score_report fills every app before the device is scored
        raise ValueError(f"{app.package}@{app.user} has no exposure")
    return app.exposure
