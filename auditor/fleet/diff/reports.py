"""Comparing two audit reports of one device: apps, permissions, special accesses, trackers, exposure, findings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from auditor.fleet.diff.model import (
    AppRef,
    AppUpdate,
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
from auditor.fleet.errors import DiffError
from auditor.fleet.inputs import InputKind
from auditor.identity import identity_serial
from auditor.model import (
    AppReport,
    AuditReport,
    Exposure,
    PermissionKind,
    ScoreReason,
    SpecialAccessKind,
)
from auditor.report.digest import device_title, is_master_key, usable

# --------------------------------------------------------------------------------------------------
# Comparing two reports
# --------------------------------------------------------------------------------------------------

USER_GRANTED: Final = frozenset({PermissionKind.RUNTIME, PermissionKind.APPOP})
"""Permission kinds listed for a newly installed app: the ones a person (or a role) grants."""


def _fingerprint_device(fingerprint: str | None) -> str | None:
    return fingerprint.split(":", 1)[0] if fingerprint else None


def different_devices(old: AuditReport, new: AuditReport) -> str | None:
    """Why the two reports look like different devices, or ``None`` when they look like one."""
    a, b = old.device, new.device
    if a.serial and b.serial:
        if a.serial != b.serial:
            hint = ""
            if a.serial.startswith("anon-") != b.serial.startswith("anon-"):
                hint = " (one is redacted: redact both, with the same key)"
            return f"serial {a.serial} vs {b.serial}{hint}"
        if identity_serial(a.serial) is not None:
            return None
        # The same placeholder (``0123456789ABCDEF`` …: ``auditor.identity``) proves nothing: the build decides.
    fa, fb = _fingerprint_device(a.fingerprint), _fingerprint_device(b.fingerprint)
    if fa and fb:
        return None if fa == fb else f"build fingerprint device {fa} vs {fb}"
    ma, mb = (a.manufacturer, a.model), (b.manufacturer, b.model)
    if a.model and b.model and ma != mb:
        return f"model {device_title(a)} vs {device_title(b)}"
    return None


def _version(app: AppReport) -> str:
    code = "?" if app.version_code is None else str(app.version_code)
    return f"{app.version_name or '?'} ({code})"


def _signer(app: AppReport) -> str | None:
    return app.signer_sha256


def _special_label(kind: SpecialAccessKind, detail: str | None) -> str:
    return kind.value + (f" {detail}" if detail else "")


def _ref(app: AppReport) -> AppRef:
    return AppRef(
        package=app.package,
        user=app.user,
        version=_version(app),
        installer=app.installer,
        install_source=app.install_source,
        system=app.system,
        score=app.exposure.score if app.exposure is not None else None,
        special=tuple(_special_label(s.kind, s.detail) for s in app.special_access),
    )


def _reason_totals(reasons: Iterable[ScoreReason]) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for r in reasons:
        points, _ = out.get(r.rule, (0, ""))
        out[r.rule] = (points + r.points, r.text)
    return out


def reason_changes(old: Iterable[ScoreReason], new: Iterable[ScoreReason]) -> tuple[ReasonChange, ...]:
    """The reasons whose points differ, largest change first (a rule's text from the newer side when it has one)."""
    a, b = _reason_totals(old), _reason_totals(new)
    out = []
    for rule in dict.fromkeys([*a, *b]):
        pa, ta = a.get(rule, (0, ""))
        pb, tb = b.get(rule, (0, ""))
        if pa != pb:
            out.append(ReasonChange(rule, pa, pb, tb or ta))
    out.sort(key=lambda r: (-abs(r.new_points - r.old_points), r.rule))
    return tuple(out)


def _exposure_change(
    package: str | None, user: int | None, old: Exposure | None, new: Exposure | None
) -> ExposureChange | None:
    old_score = old.score if old is not None else None
    new_score = new.score if new is not None else None
    if old_score == new_score:
        return None
    return ExposureChange(
        package,
        user,
        old_score,
        new_score,
        old.grade if old is not None else None,
        new.grade if new is not None else None,
        reason_changes(old.reasons if old else (), new.reasons if new else ()),
    )


def _permission_changes(old: AppReport | None, new: AppReport | None) -> list[PermissionChange]:
    if new is None:
        return []  # a removed app: its grants went with it (listed under apps removed)
    before = {p.name: p for p in old.permissions} if old is not None else {}
    out = []
    for p in new.permissions:
        prior = before.get(p.name)
        now_usable = usable(p)
        was_usable = prior is not None and usable(prior)
        if now_usable and not was_usable:
            if old is None and p.kind not in USER_GRANTED:
                continue  # a new app's normal install permissions are not news
            out.append(
                PermissionChange(
                    new.package, new.user, p.name, p.kind, True, prior.effective if prior else None, p.effective
                )
            )
        elif was_usable and not now_usable:
            out.append(
                PermissionChange(
                    new.package, new.user, p.name, p.kind, False, prior.effective if prior else None, p.effective
                )
            )
    if old is not None:
        names = {p.name for p in new.permissions}
        out.extend(
            PermissionChange(old.package, old.user, p.name, p.kind, False, p.effective, None)
            for p in old.permissions
            if p.name not in names and usable(p)
        )
    return out


def _special_changes(old: AppReport | None, new: AppReport | None) -> list[SpecialAccessChange]:
    a = {(s.kind, s.detail): s for s in old.special_access} if old is not None else {}
    b = {(s.kind, s.detail): s for s in new.special_access} if new is not None else {}
    app = new or old
    assert app is not None
    out = [
        SpecialAccessChange(app.package, app.user, k, d, True, s.evidence) for (k, d), s in b.items() if (k, d) not in a
    ]
    out += [
        SpecialAccessChange(app.package, app.user, k, d, False, s.evidence)
        for (k, d), s in a.items()
        if (k, d) not in b
    ]
    return out


def _tracker_changes(old: AppReport | None, new: AppReport | None) -> list[TrackerChange]:
    app = new or old
    assert app is not None
    if old is not None and new is not None and (old.apk is None or new.apk is None):
        return []  # no APK facts on one side: nothing can be said about trackers
    a = {t.name: t for t in old.apk.trackers} if old is not None and old.apk is not None else {}
    b = {t.name: t for t in new.apk.trackers} if new is not None and new.apk is not None else {}
    out = [TrackerChange(app.package, app.user, n, t.categories, True) for n, t in b.items() if n not in a]
    out += [TrackerChange(app.package, app.user, n, t.categories, False) for n, t in a.items() if n not in b]
    return out


def _finding_changes(old: AppReport | None, new: AppReport | None) -> list[FindingChange]:
    app = new or old
    assert app is not None
    a = {f.rule_id: f for f in old.findings} if old is not None else {}
    b = {f.rule_id: f for f in new.findings} if new is not None else {}
    out = [FindingChange(app.package, app.user, r, f.severity, f.title, True) for r, f in b.items() if r not in a]
    out += [FindingChange(app.package, app.user, r, f.severity, f.title, False) for r, f in a.items() if r not in b]
    return out


_DEVICE_FIELDS: Final = ("model", "manufacturer", "android_release", "sdk", "security_patch", "fingerprint", "serial")


def _side(report: AuditReport, path: str, kind: InputKind) -> Side:
    return Side(
        path=path,
        kind=kind,
        title=device_title(report.device),
        captured=report.source.collected_at,
        serial=report.device.serial,
        sha256=report.source.snapshot_sha256,
    )


def diff_reports(
    old: AuditReport,
    new: AuditReport,
    *,
    force: bool = False,
    old_path: str = "OLD",
    new_path: str = "NEW",
    old_kind: InputKind = InputKind.AUDIT_JSON,
    new_kind: InputKind = InputKind.AUDIT_JSON,
) -> ReportDiff:
    """Compare two audit reports of one device; ``DiffError`` when they are of different devices (unless ``force``)."""
    why = different_devices(old, new)
    if why is not None and not force:
        raise DiffError(f"{old_path} and {new_path} are different devices ({why}); use --force to compare anyway")
    device = tuple(
        FieldChange.between(name, getattr(old.device, name), getattr(new.device, name))
        for name in _DEVICE_FIELDS
        if getattr(old.device, name) != getattr(new.device, name)
    )
    a = {(x.package, x.user): x for x in old.apps}
    b = {(x.package, x.user): x for x in new.apps}
    keys = sorted(set(a) | set(b))
    added = tuple(_ref(b[k]) for k in keys if k not in a)
    removed = tuple(_ref(a[k]) for k in keys if k not in b)
    updated = []
    permissions: list[PermissionChange] = []
    special: list[SpecialAccessChange] = []
    trackers: list[TrackerChange] = []
    findings: list[FindingChange] = []
    app_exposure: list[ExposureChange] = []
    for k in keys:
        o, n = a.get(k), b.get(k)
        if o is not None and n is not None:
            changed = (
                _version(o) != _version(n)
                or o.installer != n.installer
                or (_signer(o) is not None and _signer(n) is not None and _signer(o) != _signer(n))
            )
            if changed:
                updated.append(
                    AppUpdate(
                        n.package, n.user, _version(o), _version(n), o.installer, n.installer, _signer(o), _signer(n)
                    )
                )
        permissions += _permission_changes(o, n)
        special += _special_changes(o, n)
        trackers += _tracker_changes(o, n)
        findings += _finding_changes(o, n)
        change = _exposure_change(k[0], k[1], o.exposure if o else None, n.exposure if n else None)
        if change is not None:
            app_exposure.append(change)
    app_exposure.sort(key=lambda c: (-abs(c.delta), c.package or "", c.user or 0))
    exposure: list[ExposureChange] = []
    dev_change = _device_exposure_change(old, new)
    if dev_change is not None:
        exposure.append(dev_change)
    exposure += app_exposure
    return ReportDiff(
        old=_side(old, old_path, old_kind),
        new=_side(new, new_path, new_kind),
        forced=why is not None,
        device=device,
        apps_added=added,
        apps_removed=removed,
        apps_updated=tuple(updated),
        permissions=tuple(permissions),
        special_access=tuple(special),
        trackers=tuple(trackers),
        exposure=tuple(exposure),
        findings=tuple(findings),
        red_flags=_report_red_flags(updated, special, new),
    )


def _device_exposure_change(old: AuditReport, new: AuditReport) -> ExposureChange | None:
    a, b = old.device_exposure, new.device_exposure
    if (a.score if a else None) == (b.score if b else None):
        return None
    return ExposureChange(
        None,
        None,
        a.score if a else None,
        b.score if b else None,
        a.grade if a else None,
        b.grade if b else None,
        reason_changes(a.reasons if a else (), b.reasons if b else ()),
    )


def _report_red_flags(
    updated: Iterable[AppUpdate], special: Iterable[SpecialAccessChange], new: AuditReport
) -> tuple[str, ...]:
    flags = [
        f"{u.package} (user {u.user}): signer changed from {u.old_signer} to {u.new_signer} — "
        "the app was replaced by a build signed by someone else"
        for u in updated
        if u.signer_changed
    ]
    by_key = {(x.package, x.user): x for x in new.apps}
    for s in special:
        if not s.on:
            continue
        app = by_key.get((s.package, s.user))
        holder = (
            next((x for x in app.special_access if x.kind is s.kind and x.detail == s.detail), None) if app else None
        )
        if holder is not None and is_master_key(holder):
            flags.append(f"{s.package} (user {s.user}): {_special_label(s.kind, s.detail)} turned on")
    return tuple(flags)
