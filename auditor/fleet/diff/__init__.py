"""What changed on one device between two captures, or in one app between two APKs.

Why a typed diff: "what changed since last month" is the question a helpline asks after a person
got their phone back, and an IT team asks after a rollout. The answer must say exactly which apps
came, went or were updated, which permissions were newly granted or revoked, which special
accesses were turned on or off, which trackers came or went, and how exposure moved and why (the
scoring reasons that changed). Renderers (text, JSON, HTML) print this one structure.

Comparing two different devices is almost always a mistake (two files swapped in a folder), so it
is refused unless forced. Devices are the same when their serials match; when a serial is missing or
the same placeholder (``0123456789ABCDEF`` …: ``auditor.identity``),
the build fingerprint's device part (``brand/product/device``, before the first ``:``) and then
the model are compared — the rest of the fingerprint changes with every system update, which is
exactly what a diff over time must allow.

A signer change is a red flag: Android refuses an update signed by another key, so a different
signer for the same package means the app was uninstalled and replaced by someone else's build
(a repackaged app), or the APKs compared are not the same app.
"""

from __future__ import annotations

from pathlib import Path

from auditor.fleet.diff.apks import apk_title, diff_apks
from auditor.fleet.diff.model import (
    ApkDiff,
    AppRef,
    AppUpdate,
    ComponentRef,
    Diff,
    ExposureChange,
    FieldChange,
    FindingChange,
    PermissionChange,
    ReasonChange,
    ReportDiff,
    Side,
    SpecialAccessChange,
    TrackerChange,
)
from auditor.fleet.diff.reports import diff_reports, different_devices, reason_changes

__all__ = [
    "ApkDiff",
    "AppRef",
    "AppUpdate",
    "ComponentRef",
    "Diff",
    "ExposureChange",
    "FieldChange",
    "FindingChange",
    "PermissionChange",
    "ReasonChange",
    "ReportDiff",
    "Side",
    "SpecialAccessChange",
    "TrackerChange",
    "diff_apks",
    "diff_paths",
    "diff_reports",
    "different_devices",
    "reason_changes",
]
from auditor.acquire.agefile import AgeKey
from auditor.acquire.detect import LOOKED_FOR
from auditor.fleet.errors import DiffError
from auditor.fleet.inputs import FleetInput, InputKind, sniff
from auditor.model import ApkFacts, ApkStatus

# --------------------------------------------------------------------------------------------------
# Comparing two paths
# --------------------------------------------------------------------------------------------------


def _apk_facts(path: Path) -> tuple[ApkFacts, Side]:
    from auditor.apk import ApkCache, analyse_apk

    result = analyse_apk(path, cache=ApkCache())
    if result.status is ApkStatus.SKIPPED or result.facts is None:
        why = "; ".join(i.message for i in result.issues) or "no facts"
        raise DiffError(f"{path}: the APK could not be analysed ({why})")
    return result.facts, Side(str(path), InputKind.APK, apk_title(result.facts), sha256=result.sha256)


def _kind(path: Path) -> InputKind:
    kind = sniff(path)
    if not isinstance(kind, InputKind):
        raise DiffError(f"{path}: {kind}" + (f"; {LOOKED_FOR}" if path.exists() else ""))
    return kind


def diff_paths(old: Path, new: Path, *, force: bool = False, key: AgeKey | None = None) -> Diff:
    """Compare two inputs: two device captures (audit JSON, snapshot, bug report, androidqf) or two APKs.

    ``key`` decrypts an age-encrypted androidqf acquisition on either side."""
    from auditor.fleet.parallel import load_report

    ka, kb = _kind(old), _kind(new)
    if (ka is InputKind.APK) != (kb is InputKind.APK):
        raise DiffError(f"cannot compare an APK with a device capture ({old} is {ka.value}, {new} is {kb.value})")
    if ka is InputKind.APK:
        fa, sa = _apk_facts(old)
        fb, sb = _apk_facts(new)
        return diff_apks(fa, fb, force=force, old_side=sa, new_side=sb)
    ra = load_report(FleetInput(str(old), ka), None, key)
    rb = load_report(FleetInput(str(new), kb), None, key)
    return diff_reports(ra, rb, force=force, old_path=str(old), new_path=str(new), old_kind=ka, new_kind=kb)
