"""The fleet view, built by folding one device at a time into counters.

Why streaming: a fleet of 5,000 phones is 5,000 audit reports of a few MB each; holding them would
need tens of GB. Each report is first reduced to a ``DeviceSummary`` (in the worker that audited or
read it: a few hundred small records), the summary is folded into a ``FleetAccumulator``, and both
are dropped. What the accumulator keeps is keyed by what the fleet *has* — packages, permissions,
special accesses, trackers, rules, models, Android versions — with counts and small sets, plus
fixed-size heaps of the worst devices. Its size follows the app inventory, not the number of
devices. Per-device rows (the device table, violations) are not kept here: the caller spools them
to disk (``auditor.fleet.spool``) and the exports are written as they come.

Counting rules, so that numbers can be checked by hand:
* a package is *on a device* when at least one user of the device has it; ``installs`` counts
  (device, user) pairs;
* versions, installers and signers are counted per device: a version installed in two users of
  one device counts once;
* a permission or special access counts when an app can use it now (``digest.usable``: granted and
  not blocked by its app-op), for every app, system apps included, so the fleet table matches the
  per-device reports.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from auditor.fleet.inputs import InputKind, Skip
from auditor.fleet.policy import Policy, PolicyRule, Violation
from auditor.identity import identity_serial
from auditor.model import (
    AppPresence,
    AppReport,
    AuditReport,
    Finding,
    Grade,
    InstallSource,
    PermissionKind,
    Severity,
    SpecialAccessKind,
    SpecialAccessReport,
)
from auditor.report.digest import device_title, known_threat_findings, patch_age_days, setting_findings, usable
from auditor.score.evidence import role_short_name
from auditor.score.threat_rules import THREAT_RULES

WORST: Final = 25
"""How many of the worst apps and devices the view keeps."""

PATCH_BUCKETS: Final = ((30, "up to 30 days"), (90, "31–90 days"), (180, "91–180 days"), (365, "181–365 days"))
"""Patch age buckets (days at capture); older ones are "over a year", and unknown ones are counted too."""


# --------------------------------------------------------------------------------------------------
# What one device contributes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackerRef:
    name: str
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FindingRef:
    rule_id: str
    severity: Severity
    title: str


@dataclass(frozen=True, slots=True)
class AppSummary:
    """What the fleet needs of one app of one user."""

    package: str
    user: int
    version: str
    """``name (code)``, e.g. ``6.0.2 (60002)``; ``?`` for unknown parts."""
    system: bool
    installer: str | None
    install_source: InstallSource
    signer: str | None
    trackers: tuple[TrackerRef, ...]
    score: int | None
    permissions: tuple[tuple[str, PermissionKind], ...]
    """Permissions the app can use now, with their kind."""
    special: tuple[str, ...]
    """Special accesses held, as ``prevalence_key`` gives them."""
    findings: tuple[FindingRef, ...]


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """One line of the fleet's device table (also the ``devices`` export)."""

    index: int
    """Position of the input in the run (inputs are sorted by path)."""
    device_id: str
    source: str
    input_kind: InputKind
    title: str
    manufacturer: str | None
    model: str | None
    android_release: str | None
    sdk: int | None
    security_patch: str | None
    patch_age_days: int | None
    collected_at: str | None
    serial: str | None
    users: int
    apps: int
    third_party_apps: int
    score: int | None
    grade: Grade | None
    findings: int
    violations: int | None
    """``None`` when no policy was given."""
    complete: bool
    notes: int
    """Notes about missing or partial data (info notes not counted)."""
    known_threats: tuple[str, ...] = ()
    """Known-threat findings in words (``com.x@0: TheTruthSpy (stalkerware)``; ``the phone: …`` for traces)."""
    unsafe_settings: tuple[str, ...] = ()
    """Rule ids of the phone's unsafe settings (posture findings), most severe first."""
    usb_debugging: bool | None = None
    """USB debugging on (``None``: the source does not say)."""


@dataclass(frozen=True, slots=True)
class DeviceSummary:
    """One device reduced to what the fleet view needs."""

    row: DeviceRow
    apps: tuple[AppSummary, ...]
    violations: tuple[Violation, ...]


def device_id(report: AuditReport, index: int) -> str:
    """How the fleet names a device: its serial (a keyed hash when redacted), else its capture's digest.

    A placeholder serial (``0123456789ABCDEF``, ``unknown`` …: ``auditor.identity``) is shared by many
    phones, so it names none of them: those captures are named by their digest.
    """
    return identity_serial(report.device.serial) or digest_id(report, index)


def digest_id(report: AuditReport, index: int) -> str:
    """A capture's own name: ``snapshot-`` + its digest, else its position in the run."""
    if report.source.snapshot_sha256:
        return "snapshot-" + report.source.snapshot_sha256[:16]
    return f"input-{index}"


def prevalence_key(s: SpecialAccessReport) -> str:
    """``accessibility_service``, or ``role:SMS`` for a role: roles differ too much to count as one."""
    if s.kind is SpecialAccessKind.ROLE:
        return "role:" + role_short_name(s.detail or "?")
    return s.kind.value


def version_label(app: AppReport) -> str:
    code = "?" if app.version_code is None else str(app.version_code)
    return f"{app.version_name or '?'} ({code})"


def _app_summary(app: AppReport) -> AppSummary:
    apk = app.apk
    return AppSummary(
        package=app.package,
        user=app.user,
        version=version_label(app),
        system=app.system,
        installer=app.installer,
        install_source=app.install_source,
        signer=app.signer_sha256,
        trackers=tuple(TrackerRef(t.name, t.categories) for t in apk.trackers) if apk is not None else (),
        score=app.exposure.score if app.exposure is not None else None,
        permissions=tuple((p.name, p.kind) for p in app.permissions if usable(p)),
        special=tuple(dict.fromkeys(prevalence_key(s) for s in app.special_access)),
        findings=tuple(FindingRef(f.rule_id, f.severity, f.title) for f in app.findings),
    )


def summarise(
    report: AuditReport,
    *,
    index: int,
    source: str,
    kind: InputKind,
    violations: tuple[Violation, ...] | None,
    ident: str | None = None,
) -> DeviceSummary:
    """Reduce one audit report to its fleet summary (``violations`` is ``None`` without a policy)."""
    d = report.device
    exposure = report.device_exposure
    row = DeviceRow(
        index=index,
        device_id=ident or device_id(report, index),
        source=source,
        input_kind=kind,
        title=device_title(d),
        manufacturer=d.manufacturer,
        model=d.model,
        android_release=d.android_release,
        sdk=d.sdk,
        security_patch=d.security_patch,
        patch_age_days=patch_age_days(d, report.source.collected_at),
        collected_at=report.source.collected_at,
        serial=d.serial,
        users=len(report.users),
        apps=sum(1 for a in report.apps if a.installed),
        third_party_apps=sum(1 for a in report.apps if a.installed and not a.system),
        score=exposure.score if exposure is not None else None,
        grade=exposure.grade if exposure is not None else None,
        findings=sum(len(a.findings) for a in report.apps),
        violations=None if violations is None else len(violations),
        complete=report.source.complete,
        notes=sum(1 for n in report.notes if n.level.value != "info"),
        known_threats=tuple(_threat_words(report, app, f) for app, f in known_threat_findings(report)),
        unsafe_settings=tuple(f.rule_id for f in setting_findings(report)),
        usb_debugging=report.device_state.usb_debugging if report.device_state is not None else None,
    )
    # Packages listed only with `-u` are not installed for their user: the inventory counts installs.
    on_device = (a for a in report.apps if a.presence is not AppPresence.NOT_INSTALLED)
    return DeviceSummary(row=row, apps=tuple(_app_summary(a) for a in on_device), violations=violations or ())


def _threat_words(report: AuditReport, app: AppReport | None, finding: Finding) -> str:
    """``com.x@0: known stalkerware (TheTruthSpy)``: where, what, and the families the lists name."""
    threat = THREAT_RULES[finding.rule_id]
    matches = app.indicator_matches if app is not None else report.device_matches
    families = ", ".join(dict.fromkeys(m.family for m in matches if m.threat is threat or app is None))
    where = f"{app.package}@{app.user}" if app is not None else "the phone"
    return f"{where}: {finding.title.lower()}" + (f" ({families})" if families else "")


# --------------------------------------------------------------------------------------------------
# The fleet view (what the accumulator gives at the end)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Count:
    """A value and on how many devices it was seen."""

    value: str
    devices: int


@dataclass(frozen=True, slots=True)
class SignerCount:
    sha256: str
    devices: int
    examples: tuple[str, ...]
    """Up to three device ids that have the package with this signer (evidence for a mismatch)."""


@dataclass(frozen=True, slots=True)
class InventoryEntry:
    """One package across the fleet."""

    package: str
    devices: int
    installs: int
    system_installs: int
    versions: tuple[Count, ...]
    installers: tuple[Count, ...]
    """``(none)`` for apps with no recorded installer."""
    signers: tuple[SignerCount, ...]
    """Signer certificates seen (from APK facts, or androidqf's packages.json); more than one is a signer mismatch."""
    max_score: int | None
    mean_score: float | None
    worst_device: str | None
    trackers: tuple[str, ...]

    @property
    def signer_mismatch(self) -> bool:
        """The same package signed by different certificates on different devices: one of them is repackaged."""
        return len(self.signers) > 1


@dataclass(frozen=True, slots=True)
class Prevalence:
    """How common a permission, special access or finding is across the fleet."""

    key: str
    devices: int
    installs: int
    kind: str | None = None
    """Permission kind (runtime, install, appop) or finding severity."""
    title: str | None = None
    top: tuple[Count, ...] = ()
    """The packages that hold it on the most devices."""


@dataclass(frozen=True, slots=True)
class TrackerPrevalence:
    name: str
    categories: tuple[str, ...]
    devices: int
    installs: int
    packages: tuple[Count, ...]


@dataclass(frozen=True, slots=True)
class WorstDevice:
    device_id: str
    title: str
    score: int
    grade: Grade | None
    violations: int | None


@dataclass(frozen=True, slots=True)
class PolicySummary:
    name: str
    source: str
    sha256: str
    violations: int
    devices_with_violations: int
    by_rule: tuple[Count, ...]
    """Rule id and number of violations (``devices`` holds the count of violations here)."""


@dataclass(frozen=True, slots=True)
class FleetView:
    """Everything the fleet report shows that is not a per-device row."""

    devices: int
    installs: int
    skipped: tuple[Skip, ...]
    ignored: int
    inventory: tuple[InventoryEntry, ...]
    """Every package, most widespread first."""
    permissions: tuple[Prevalence, ...]
    special_access: tuple[Prevalence, ...]
    trackers: tuple[TrackerPrevalence, ...]
    findings: tuple[Prevalence, ...]
    worst_apps: tuple[InventoryEntry, ...]
    worst_devices: tuple[WorstDevice, ...]
    android: tuple[Count, ...]
    models: tuple[Count, ...]
    patch_ages: tuple[Count, ...]
    grades: tuple[Count, ...]
    incomplete: int
    """Devices whose source was incomplete or had missing sections."""
    policy: PolicySummary | None

    @property
    def signer_mismatches(self) -> tuple[InventoryEntry, ...]:
        return tuple(e for e in self.inventory if e.signer_mismatch)


# --------------------------------------------------------------------------------------------------
# The accumulator
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _PackageStats:
    devices: int = 0
    installs: int = 0
    system_installs: int = 0
    versions: Counter[str] = field(default_factory=Counter)
    installers: Counter[str] = field(default_factory=Counter)
    signers: Counter[str] = field(default_factory=Counter)
    signer_examples: dict[str, list[str]] = field(default_factory=dict)
    max_score: int | None = None
    worst_device: str | None = None
    score_sum: int = 0
    scored: int = 0
    trackers: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Prevalence:
    devices: int = 0
    installs: int = 0
    kind: str | None = None
    title: str | None = None
    holders: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Tracker:
    categories: tuple[str, ...] = ()
    devices: int = 0
    installs: int = 0
    packages: Counter[str] = field(default_factory=Counter)


NO_INSTALLER: Final = "(none)"
EXAMPLES: Final = 3


def _counts(counter: Counter[str], limit: int | None = None) -> tuple[Count, ...]:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    if limit is not None:
        items = items[:limit]
    return tuple(Count(k, n) for k, n in items)


def _patch_bucket(age: int | None) -> str:
    if age is None:
        return "unknown"
    for limit, label in PATCH_BUCKETS:
        if age <= limit:
            return label
    return "over a year"


class FleetAccumulator:
    """Folds ``DeviceSummary``s into fleet-wide counters; ``view()`` gives the ``FleetView``."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy
        self.devices = 0
        self.installs = 0
        self.incomplete = 0
        self.packages: dict[str, _PackageStats] = {}
        self.permissions: dict[str, _Prevalence] = {}
        self.special: dict[str, _Prevalence] = {}
        self.findings: dict[str, _Prevalence] = {}
        self.trackers: dict[str, _Tracker] = {}
        self.android: Counter[str] = Counter()
        self.models: Counter[str] = Counter()
        self.patch_ages: Counter[str] = Counter()
        self.grades: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.violations = 0
        self.devices_with_violations = 0
        self._worst: list[tuple[int, int, WorstDevice]] = []  # a min-heap of the WORST highest scores

    def add(self, summary: DeviceSummary) -> None:
        """Fold one device in. The summary can be dropped afterwards."""
        row = summary.row
        dev = row.device_id
        self.devices += 1
        self.installs += len(summary.apps)
        self.incomplete += 0 if row.complete and not row.notes else 1
        self.android[row.android_release or "unknown"] += 1
        self.models[row.title] += 1
        self.patch_ages[_patch_bucket(row.patch_age_days)] += 1
        self.grades[row.grade.value if row.grade is not None else "not scored"] += 1
        if row.score is not None:
            item = (row.score, -row.index, WorstDevice(dev, row.title, row.score, row.grade, row.violations))
            if len(self._worst) < WORST:
                heapq.heappush(self._worst, item)
            elif item[:2] > self._worst[0][:2]:
                heapq.heapreplace(self._worst, item)
        if summary.violations:
            self.devices_with_violations += 1
            self.violations += len(summary.violations)
            self.rules.update(v.rule.value for v in summary.violations)

        # Per device, each package / permission / access / tracker / rule counts once for ``devices``.
        seen_packages: dict[str, tuple[set[str], set[str], set[str]]] = {}
        seen_perms: set[str] = set()
        seen_special: set[str] = set()
        seen_findings: set[str] = set()
        seen_trackers: set[str] = set()
        holders_special: set[tuple[str, str]] = set()
        carriers: set[tuple[str, str]] = set()
        for app in summary.apps:
            stats = self.packages.get(app.package)
            if stats is None:
                stats = self.packages[app.package] = _PackageStats()
            stats.installs += 1
            stats.system_installs += app.system
            versions, installers, signers = seen_packages.setdefault(app.package, (set(), set(), set()))
            versions.add(app.version)
            installers.add(app.installer or NO_INSTALLER)
            if app.signer:
                signers.add(app.signer)
            if app.score is not None:
                stats.score_sum += app.score
                stats.scored += 1
                if stats.max_score is None or app.score > stats.max_score:
                    stats.max_score, stats.worst_device = app.score, dev
            for name, kind in app.permissions:
                entry = self.permissions.get(name)
                if entry is None:
                    entry = self.permissions[name] = _Prevalence(kind=kind.value)
                entry.installs += 1
                seen_perms.add(name)
            for key in app.special:
                sp = self.special.get(key)
                if sp is None:
                    sp = self.special[key] = _Prevalence()
                sp.installs += 1
                seen_special.add(key)
                holders_special.add((key, app.package))
            for f in app.findings:
                fp = self.findings.get(f.rule_id)
                if fp is None:
                    fp = self.findings[f.rule_id] = _Prevalence(kind=f.severity.value, title=f.title)
                fp.installs += 1
                seen_findings.add(f.rule_id)
            for t in app.trackers:
                tr = self.trackers.get(t.name)
                if tr is None:
                    tr = self.trackers[t.name] = _Tracker(categories=t.categories)
                tr.installs += 1
                seen_trackers.add(t.name)
                carriers.add((t.name, app.package))
                stats.trackers.add(t.name)
        for package, (versions, installers, signers) in seen_packages.items():
            stats = self.packages[package]
            stats.devices += 1
            stats.versions.update(versions)
            stats.installers.update(installers)
            stats.signers.update(signers)
            for s in signers:
                examples = stats.signer_examples.setdefault(s, [])
                if len(examples) < EXAMPLES:
                    examples.append(dev)
        for name in seen_perms:
            self.permissions[name].devices += 1
        for key in seen_special:
            self.special[key].devices += 1
        for key, package in holders_special:
            self.special[key].holders[package] += 1
        for rule_id in seen_findings:
            self.findings[rule_id].devices += 1
        for name in seen_trackers:
            self.trackers[name].devices += 1
        for name, package in carriers:
            self.trackers[name].packages[package] += 1

    def view(self, skipped: Iterable[Skip] = (), ignored: int = 0, *, top_holders: int = 10) -> FleetView:
        """The fleet view so far (the accumulator can keep folding afterwards)."""
        inventory = sorted(
            (self._entry(package, stats) for package, stats in self.packages.items()),
            key=lambda e: (-e.devices, e.package),
        )
        worst_apps = sorted(
            (e for e in inventory if e.max_score is not None),
            key=lambda e: (-(e.max_score or 0), -(e.mean_score or 0.0), e.package),
        )[:WORST]
        policy = None
        if self.policy is not None:
            policy = PolicySummary(
                name=self.policy.name,
                source=self.policy.source,
                sha256=self.policy.sha256,
                violations=self.violations,
                devices_with_violations=self.devices_with_violations,
                by_rule=tuple(Count(r.value, self.rules[r.value]) for r in PolicyRule if self.rules[r.value]),
            )
        return FleetView(
            devices=self.devices,
            installs=self.installs,
            skipped=tuple(skipped),
            ignored=ignored,
            inventory=tuple(inventory),
            permissions=_prevalences(self.permissions, 0),
            special_access=_prevalences(self.special, top_holders),
            trackers=tuple(
                sorted(
                    (
                        TrackerPrevalence(n, t.categories, t.devices, t.installs, _counts(t.packages, top_holders))
                        for n, t in self.trackers.items()
                    ),
                    key=lambda t: (-t.devices, -t.installs, t.name),
                )
            ),
            findings=_prevalences(self.findings, 0),
            worst_apps=tuple(worst_apps),
            worst_devices=tuple(w for _, _, w in sorted(self._worst, key=lambda x: (-x[0], -x[1]))),
            android=_counts(self.android),
            models=_counts(self.models),
            patch_ages=tuple(
                Count(label, self.patch_ages[label])
                for label in (*(b for _, b in PATCH_BUCKETS), "over a year", "unknown")
                if self.patch_ages[label]
            ),
            grades=tuple(Count(g, self.grades[g]) for g in (*(x.value for x in Grade), "not scored") if self.grades[g]),
            incomplete=self.incomplete,
            policy=policy,
        )

    @staticmethod
    def _entry(package: str, s: _PackageStats) -> InventoryEntry:
        return InventoryEntry(
            package=package,
            devices=s.devices,
            installs=s.installs,
            system_installs=s.system_installs,
            versions=_counts(s.versions),
            installers=_counts(s.installers),
            signers=tuple(
                SignerCount(sha, n, tuple(s.signer_examples.get(sha, ())))
                for sha, n in sorted(s.signers.items(), key=lambda kv: (-kv[1], kv[0]))
            ),
            max_score=s.max_score,
            mean_score=round(s.score_sum / s.scored, 1) if s.scored else None,
            worst_device=s.worst_device,
            trackers=tuple(sorted(s.trackers)),
        )


def _prevalences(table: dict[str, _Prevalence], top: int) -> tuple[Prevalence, ...]:
    return tuple(
        sorted(
            (
                Prevalence(key, p.devices, p.installs, p.kind, p.title, _counts(p.holders, top) if top else ())
                for key, p in table.items()
            ),
            key=lambda p: (-p.devices, -p.installs, p.key),
        )
    )
