"""The snapshot: the contract between acquisition (which only writes snapshots) and analysis (which only
reads them). A snapshot keeps every command's output verbatim with how it went, so parsers can be improved
and re-run on old snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from auditor.model.notes import Note
from auditor.model.report import DeviceInfo

SNAPSHOT_SCHEMA = "1"
"""Version of ``manifest.json``."""


class Section(StrEnum):
    """What a raw output is, so that analysis knows which parser reads it, whatever its file name."""

    GETPROP = "getprop"
    BOOT_ID = "boot_id"
    """``/proc/sys/kernel/random/boot_id``: a random UUID per boot, so a resumed collection knows whether
    the phone is the one (and the boot) it began on."""
    DATE = "date"
    """``date +%s``: the device clock, to turn relative app-op times into absolute ones."""
    PM_LIST_USERS = "pm_list_users"
    PM_LIST_PACKAGES = "pm_list_packages"
    DUMPSYS_PACKAGE = "dumpsys_package"
    """A full ``dumpsys package`` or per-package dumps concatenated (with marker lines)."""
    DUMPSYS_APPOPS = "dumpsys_appops"
    APPOPS_DISCRETE = "appops_discrete"
    """``dumpsys appops --history --include-discrete 0``: every access of the last days (Android 12+)."""
    APPOPS_GET = "appops_get"
    """``appops get`` per package in a marked loop (a fallback where ``dumpsys appops`` is denied)."""
    DUMPSYS_ACCESSIBILITY = "dumpsys_accessibility"
    DUMPSYS_NOTIFICATION = "dumpsys_notification"
    """Only the listener and assistant parts of ``dumpsys notification`` (filtered on the device)."""
    DUMPSYS_DEVICE_POLICY = "dumpsys_device_policy"
    DUMPSYS_ROLE = "dumpsys_role"
    ROLE_HOLDERS = "role_holders"
    SETTINGS_SECURE = "settings_secure"
    SETTINGS_GLOBAL = "settings_global"
    SETTINGS_SYSTEM = "settings_system"
    PM_PATH = "pm_path"
    """``pm path`` per package in a marked loop: where the APKs lie (for pulling them)."""
    DUMPSYS_ADB = "dumpsys_adb"
    """``dumpsys adb``: the computers trusted for USB debugging (their key fingerprints)."""
    ROOT_BINARIES = "root_binaries"
    """Where root tools were looked for and what was found (``ls -d``, or androidqf's ``root_binaries.json``)."""
    PROCESSES = "processes"
    """``ps -A``: the running processes (only their names are read)."""
    ANDROIDQF_PACKAGES = "androidqf_packages"
    """androidqf's ``packages.json``: packages with flags, installer, uid, APK hashes and signer certificates."""
    SELINUX = "selinux"
    """``getenforce``: whether SELinux enforces its policy."""
    APK_HASHES = "apk_hashes"
    """``sha256sum`` over the APKs of every non-system app of a user, in a marked loop (known samples are found
    by their hash without pulling the files)."""
    OTHER = "other"
    """Kept as evidence; no parser reads it."""

    @classmethod
    def _missing_(cls, value: object) -> Section | None:
        """A section this version does not know (written by a newer one) is kept as evidence, unread."""
        return cls.OTHER if isinstance(value, str) else None


class CommandStatus(StrEnum):
    """What happened to one command of a collection."""

    OK = "ok"
    FAILED = "failed"
    """The command ran and exited non-zero (its output is kept; it often says why)."""
    TIMEOUT = "timeout"
    DENIED = "denied"
    """The device refused it (permission denial, unknown service, SELinux)."""
    SKIPPED = "skipped"
    """Not run: not applicable to this device, or the connection was lost before it."""


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """One entry of ``manifest.json``: a command, where its output is, and how it went."""

    id: str
    """Unique within the snapshot; the output file is ``raw/<id>.txt``."""
    command: str
    """The exact shell command sent (or, for offline sources, where the text was found)."""
    section: Section
    user: int | None
    """The Android user the command was about, for per-user commands."""
    status: CommandStatus
    exit_code: int | None = None
    bytes: int = 0
    sha256: str | None = None
    seconds: float = 0.0
    error: str | None = None
    """Why the command failed, timed out, was denied or skipped."""

    __json_derived__: ClassVar[tuple[str, ...]] = ("output",)
    """``manifest.json`` names each output file for its readers (see ``auditor.serial``)."""

    @property
    def output(self) -> str:
        """Path of the verbatim output, relative to the snapshot directory."""
        return f"raw/{self.id}.txt"


class ApkRefStatus(StrEnum):
    """What became of one APK of the snapshot's APK index (``--apks``)."""

    STORED = "stored"
    """The file is in the snapshot as ``apks/<sha256>.apk`` (pulled now, or by an earlier run)."""
    CACHED = "cached"
    """Not pulled: the device's SHA-256 was already in the local APK cache, whose facts the audit uses."""
    FAILED = "failed"
    """Not in the snapshot: the pull failed, or the bytes did not match the device's SHA-256 (see ``error``)."""


@dataclass(frozen=True, slots=True)
class ApkRef:
    """One APK of one app for one user, as ``pm path`` listed it, and what the collection did with it."""

    user: int
    package: str
    path: str
    """The device path ``pm path`` printed (untrusted text; never used as a local file name)."""
    sha256: str | None
    """Lowercase hex SHA-256 of the file: from the device (``sha256sum``) or of the pulled bytes."""
    size: int | None
    """Bytes, when known (sync ``STAT``, the pulled file, or the cached analysis)."""
    status: ApkRefStatus
    error: str | None = None
    """Why a ``failed`` APK is not in the snapshot."""

    __json_derived__: ClassVar[tuple[str, ...]] = ("file",)
    """``manifest.json`` names each stored file for its readers (see ``auditor.serial``)."""

    @property
    def stored(self) -> bool:
        """Whether the snapshot holds the file."""
        return self.status is ApkRefStatus.STORED and self.sha256 is not None

    @property
    def file(self) -> str | None:
        """Path of the stored file relative to the snapshot directory (content-addressed)."""
        return f"apks/{self.sha256}.apk" if self.stored else None


@dataclass(frozen=True, slots=True)
class SnapshotManifest:
    """``manifest.json``: how, when and from what the snapshot was made, and every command's outcome."""

    schema: str
    tool_version: str
    created_at: str
    """UTC, ISO 8601."""
    source: str
    """``adb-tcp``, ``adb-server``, ``adb-usb``, ``synthetic``, ``bugreport`` or ``androidqf``."""
    device: DeviceInfo
    users: tuple[int, ...]
    commands: tuple[CommandRecord, ...]
    complete: bool
    """False when collection stopped early (``auditor collect --resume`` completes it)."""
    notes: tuple[Note, ...] = ()
    apks: tuple[ApkRef, ...] = ()
    """The APK index of ``--apks``: every APK chosen, stored or not (empty when APKs were not asked for)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A snapshot in memory: the manifest and the raw output bytes of each command, by id."""

    manifest: SnapshotManifest
    outputs: Mapping[str, bytes]
    path: str
    """Where it was read from (a directory, a bug report, an androidqf acquisition: the path given)."""
