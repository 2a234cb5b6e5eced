"""The typed diff: what changed between two device captures or two APKs (renderers print this one structure)."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.fleet.inputs import InputKind
from auditor.model import (
    ApkComponentKind,
    EffectiveAccess,
    Grade,
    InstallSource,
    PermissionKind,
    Severity,
    SpecialAccessKind,
)


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

    @classmethod
    def between(cls, name: str, old: object, new: object) -> FieldChange:
        """The change of one property, its values as text (``None`` stays ``None``)."""
        return cls(name, None if old is None else str(old), None if new is None else str(new))


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
