"""What changed on one device between two captures, or in one app between two APKs.

Why a typed diff: "what changed since last month" is the question a helpline asks after a person
got their phone back, and an IT team asks after a rollout. The answer must say exactly which apps
came, went or were updated, which permissions were newly granted or revoked, which special
accesses were turned on or off, which trackers came or went, and how exposure moved and why (the
scoring reasons that changed). Renderers (text, JSON, HTML) print this one structure.

Comparing two different devices is almost always a mistake (two files swapped in a folder), so it
is refused unless forced. Devices are the same when their serials match; when a serial is missing,
the build fingerprint's device part (``brand/product/device``, before the first ``:``) and then
the model are compared — the rest of the fingerprint changes with every system update, which is
exactly what a diff over time must allow.

A signer change is a red flag: Android refuses an update signed by another key, so a different
signer for the same package means the app was uninstalled and replaced by someone else's build
(a repackaged app), or the APKs compared are not the same app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from auditor.fleet.errors import DiffError
from auditor.fleet.inputs import FleetInput, InputKind, sniff
from auditor.model import (
    ApkComponentKind,
    ApkFacts,
    ApkStatus,
    AppReport,
    AuditReport,
    EffectiveAccess,
    Exposure,
    Grade,
    InstallSource,
    PermissionKind,
    ScoreReason,
    Severity,
    SpecialAccessKind,
)
from auditor.report.digest import device_title, is_master_key, usable

# --------------------------------------------------------------------------------------------------
# The diff
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Side:
    """One of the two inputs."""

    path: str
    kind: InputKind
    title: str
    """The device (``Google Pixel 8``) or the app (``com.example 1.2 (12)``)."""
    captured: str | None = None
    serial: str | None = None
    sha256: str | None = None
    """The APK's SHA-256, or the snapshot digest of a report."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A device or APK property that changed."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class AppRef:
    """An app that was added or removed."""

    package: str
    user: int
    version: str
    installer: str | None
    install_source: InstallSource
    system: bool
    score: int | None
    special: tuple[str, ...]
    """Special accesses it holds (``kind`` or ``kind detail``)."""


@dataclass(frozen=True, slots=True)
class AppUpdate:
    """An app present in both whose version, installer or signer changed."""

    package: str
    user: int
    old_version: str
    new_version: str
    old_installer: str | None
    new_installer: str | None
    old_signer: str | None
    new_signer: str | None

    @property
    def signer_changed(self) -> bool:
        """Both signers known and different: the app was replaced by someone else's build."""
        return self.old_signer is not None and self.new_signer is not None and self.old_signer != self.new_signer


@dataclass(frozen=True, slots=True)
class PermissionChange:
    """A permission the app can now use (``granted``) or no longer can."""

    package: str
    user: int
    permission: str
    kind: PermissionKind
    granted: bool
    """True: newly usable; False: revoked or restricted."""
    old: EffectiveAccess | None
    """``None`` when the app was not installed before."""
    new: EffectiveAccess | None


@dataclass(frozen=True, slots=True)
class SpecialAccessChange:
    package: str
    user: int
    kind: SpecialAccessKind
    detail: str | None
    on: bool
    evidence: str
    """Where the access was read (in the capture that has it)."""


@dataclass(frozen=True, slots=True)
class TrackerChange:
    package: str
    user: int
    tracker: str
    categories: tuple[str, ...]
    added: bool


@dataclass(frozen=True, slots=True)
class ReasonChange:
    """One scoring reason whose points changed (appeared, went, or moved)."""

    rule: str
    old_points: int
    new_points: int
    text: str


@dataclass(frozen=True, slots=True)
class ExposureChange:
    """An exposure score that changed, with the reasons that explain the change."""

    package: str | None
    """``None`` for the device's exposure."""
    user: int | None
    old_score: int | None
    new_score: int | None
    old_grade: Grade | None
    new_grade: Grade | None
    reasons: tuple[ReasonChange, ...]

    @property
    def delta(self) -> int:
        return (self.new_score or 0) - (self.old_score or 0)


@dataclass(frozen=True, slots=True)
class FindingChange:
    package: str
    user: int
    rule_id: str
    severity: Severity
    title: str
    new: bool
    """True: a new finding; False: resolved."""


@dataclass(frozen=True, slots=True)
class ReportDiff:
    """Two captures of one device, compared."""

    old: Side
    new: Side
    forced: bool
    """The inputs looked like different devices and ``--force`` compared them anyway."""
    device: tuple[FieldChange, ...]
    apps_added: tuple[AppRef, ...]
    apps_removed: tuple[AppRef, ...]
    apps_updated: tuple[AppUpdate, ...]
    permissions: tuple[PermissionChange, ...]
    special_access: tuple[SpecialAccessChange, ...]
    trackers: tuple[TrackerChange, ...]
    exposure: tuple[ExposureChange, ...]
    """The device's first (when it changed), then apps by the size of the change."""
    findings: tuple[FindingChange, ...]
    red_flags: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return any(
            (
                self.device,
                self.apps_added,
                self.apps_removed,
                self.apps_updated,
                self.permissions,
                self.special_access,
                self.trackers,
                self.exposure,
                self.findings,
            )
        )


@dataclass(frozen=True, slots=True)
class ComponentRef:
    kind: ApkComponentKind
    name: str
    permission: str | None
    """The permission a caller needs; ``None``: any app can reach it."""


@dataclass(frozen=True, slots=True)
class ApkDiff:
    """Two APKs of one app, compared."""

    old: Side
    new: Side
    forced: bool
    fields: tuple[FieldChange, ...]
    old_signer: str | None
    new_signer: str | None
    permissions_added: tuple[str, ...]
    permissions_removed: tuple[str, ...]
    exported_added: tuple[ComponentRef, ...]
    exported_removed: tuple[ComponentRef, ...]
    trackers_added: tuple[str, ...]
    trackers_removed: tuple[str, ...]
    red_flags: tuple[str, ...]

    @property
    def signer_changed(self) -> bool:
        return self.old_signer != self.new_signer

    @property
    def changed(self) -> bool:
        return any(
            (
                self.fields,
                self.signer_changed,
                self.permissions_added,
                self.permissions_removed,
                self.exported_added,
                self.exported_removed,
                self.trackers_added,
                self.trackers_removed,
            )
        )


Diff = ReportDiff | ApkDiff


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
        return None
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
    return app.apk.signing.signer_sha256 if app.apk is not None else None


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
        FieldChange(name, _text(getattr(old.device, name)), _text(getattr(new.device, name)))
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


def _text(value: object) -> str | None:
    return None if value is None else str(value)


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


# --------------------------------------------------------------------------------------------------
# Comparing two APKs
# --------------------------------------------------------------------------------------------------


def _apk_title(f: ApkFacts) -> str:
    code = "?" if f.version_code is None else str(f.version_code)
    return f"{f.package} {f.version_name or '?'} ({code})"


def _exported(f: ApkFacts) -> dict[tuple[ApkComponentKind, str], ComponentRef]:
    return {(c.kind, c.name): ComponentRef(c.kind, c.name, c.permission) for c in f.components if c.exported}


_APK_FIELDS: Final = (
    "package",
    "version_code",
    "version_name",
    "min_sdk",
    "target_sdk",
    "shared_user_id",
    "debuggable",
    "allow_backup",
    "test_only",
    "hides_launcher_icon",
    "janus",
)


def diff_apks(
    old: ApkFacts,
    new: ApkFacts,
    *,
    force: bool = False,
    old_side: Side | None = None,
    new_side: Side | None = None,
) -> ApkDiff:
    """Compare two APKs of one app; ``DiffError`` when the packages differ (unless ``force``)."""
    if old.package != new.package and not force:
        raise DiffError(f"the APKs are different apps ({old.package} vs {new.package}); use --force to compare anyway")
    fields = [
        FieldChange(name, _text(getattr(old, name)), _text(getattr(new, name)))
        for name in _APK_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    if old.network.cleartext_permitted != new.network.cleartext_permitted:
        fields.append(
            FieldChange(
                "cleartext_permitted", str(old.network.cleartext_permitted), str(new.network.cleartext_permitted)
            )
        )
    if old.network.user_cas_trusted != new.network.user_cas_trusted:
        fields.append(
            FieldChange("user_cas_trusted", str(old.network.user_cas_trusted), str(new.network.user_cas_trusted))
        )
    pa, pb = {p.name for p in old.permissions}, {p.name for p in new.permissions}
    ea, eb = _exported(old), _exported(new)
    ta, tb = {t.name for t in old.trackers}, {t.name for t in new.trackers}
    old_signer, new_signer = old.signing.signer_sha256, new.signing.signer_sha256
    flags = []
    if old_signer != new_signer:
        flags.append(
            f"signer changed from {old_signer or 'unsigned'} to {new_signer or 'unsigned'}: Android would refuse this "
            "as an update; the new APK was built and signed by someone else (repackaged?)"
        )
    if new.debuggable and not old.debuggable:
        flags.append("the new APK is debuggable: any app with adb access can run code as it")
    if new.network.user_cas_trusted and not old.network.user_cas_trusted:
        flags.append("the new APK trusts user-installed CAs: its traffic can be intercepted")
    return ApkDiff(
        old=old_side or Side("OLD", InputKind.APK, _apk_title(old)),
        new=new_side or Side("NEW", InputKind.APK, _apk_title(new)),
        forced=old.package != new.package,
        fields=tuple(fields),
        old_signer=old_signer,
        new_signer=new_signer,
        permissions_added=tuple(sorted(pb - pa)),
        permissions_removed=tuple(sorted(pa - pb)),
        exported_added=tuple(eb[k] for k in sorted(set(eb) - set(ea))),
        exported_removed=tuple(ea[k] for k in sorted(set(ea) - set(eb))),
        trackers_added=tuple(sorted(tb - ta)),
        trackers_removed=tuple(sorted(ta - tb)),
        red_flags=tuple(flags),
    )


# --------------------------------------------------------------------------------------------------
# Comparing two paths
# --------------------------------------------------------------------------------------------------


def _apk_facts(path: Path) -> tuple[ApkFacts, Side]:
    from auditor.apk import ApkCache, analyse_apk

    result = analyse_apk(path, cache=ApkCache())
    if result.status is ApkStatus.SKIPPED or result.facts is None:
        why = "; ".join(i.message for i in result.issues) or "no facts"
        raise DiffError(f"{path}: the APK could not be analysed ({why})")
    return result.facts, Side(str(path), InputKind.APK, _apk_title(result.facts), sha256=result.sha256)


def _kind(path: Path) -> InputKind:
    kind = sniff(path)
    if not isinstance(kind, InputKind):
        raise DiffError(f"{path}: {kind}")
    return kind


def diff_paths(old: Path, new: Path, *, force: bool = False) -> Diff:
    """Compare two inputs: two device captures (audit JSON, snapshot, bug report, androidqf) or two APKs."""
    from auditor.fleet.parallel import load_report

    ka, kb = _kind(old), _kind(new)
    if (ka is InputKind.APK) != (kb is InputKind.APK):
        raise DiffError(f"cannot compare an APK with a device capture ({old} is {ka.value}, {new} is {kb.value})")
    if ka is InputKind.APK:
        fa, sa = _apk_facts(old)
        fb, sb = _apk_facts(new)
        return diff_apks(fa, fb, force=force, old_side=sa, new_side=sb)
    ra = load_report(FleetInput(str(old), ka), None)
    rb = load_report(FleetInput(str(new), kb), None)
    return diff_reports(ra, rb, force=force, old_path=str(old), new_path=str(new), old_kind=ka, new_kind=kb)
