"""Tidy exports of a fleet: one table per kind of fact, as CSV and JSON Lines, ready for DuckDB or BigQuery.

Why tidy tables: every question a security team asks of a fleet ("which devices let an app read
SMS?", "who has an app from outside the Play Store?") is a filter, a join on ``device_id`` and a
group-by. One row per device × user × app × fact, with the same column names in both formats,
loads without reshaping into DuckDB (``read_csv_auto('permissions.csv')``,
``read_json_auto('permissions.jsonl')``), BigQuery (``bq load --source_format=NEWLINE_DELIMITED_JSON``)
or a spreadsheet. Column names and meanings are stable and documented in ``docs/fleet.md``
(generated from ``TABLES`` there; a test checks they agree).

Formats. CSV: RFC 4180 (comma, ``"`` quoting, CRLF line ends), UTF-8 without BOM, a header row;
booleans ``true``/``false``, unknown as an empty cell, lists joined with ``|``. A text cell that
starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` so that
spreadsheets show it instead of evaluating it (app labels and component names are written by
whoever built the app). JSON Lines: one object per line, UTF-8, ``null`` for unknown, lists as
arrays, values unchanged (no spreadsheet is involved).

How it scales: the rows of one device are formatted in the worker that read the device (bytes
travel to the writer, which appends them), so the writer's memory does not grow with the fleet.
Files are written through ``auditor.report.output.AtomicFile`` like every other output (owner-only
temporary files beside their final names, renamed when the run completes): a half-written export
never looks finished.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from auditor.fleet.aggregate import DeviceRow, FleetView, prevalence_key
from auditor.fleet.errors import FleetError
from auditor.fleet.policy import Violation
from auditor.model import AuditReport
from auditor.report.csv_report import FORMULA_STARTS, neutralise
from auditor.report.digest import app_label
from auditor.report.output import AtomicFile, ensure_folder
from auditor.serial import json_text


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    LIST = "list"
    """A list of texts: ``|``-joined in CSV, an array in JSON Lines."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    doc: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


TXT, INT, NUM, BOOL, LIST = ColumnType.TEXT, ColumnType.INTEGER, ColumnType.NUMBER, ColumnType.BOOLEAN, ColumnType.LIST

_DEVICE_KEY = Column(
    "device_id", TXT, "the device: its serial, the serial's keyed hash when redacted, or `snapshot-<digest>`"
)
_USER = Column("user", INT, "Android user id (0 owner, 10+ work profile or other users)")
_PACKAGE = Column("package", TXT, "package name")

DEVICES = Table(
    "devices",
    "one row per device",
    (
        _DEVICE_KEY,
        Column("source", TXT, "the input it was read from (redacted: a keyed hash)"),
        Column("input_kind", TXT, "`audit_json`, `snapshot`, `bugreport` or `androidqf`"),
        Column("manufacturer", TXT, "`ro.product.manufacturer`"),
        Column("model", TXT, "`ro.product.model`"),
        Column("android_release", TXT, "e.g. `14`"),
        Column("sdk", INT, "API level, e.g. 34"),
        Column("security_patch", TXT, "`YYYY-MM-DD`"),
        Column("patch_age_days", INT, "days from the security patch to the capture"),
        Column("collected_at", TXT, "capture time, UTC ISO 8601"),
        Column("fingerprint", TXT, "`ro.build.fingerprint`"),
        Column("users", INT, "users and profiles on the device"),
        Column("apps", INT, "apps over all users (an app in two users counts twice)"),
        Column("third_party_apps", INT, "apps that are not preinstalled"),
        Column("exposure_score", INT, "device exposure 0–100"),
        Column("exposure_grade", TXT, "A (least exposed) to F"),
        Column("findings", INT, "rule hits over all apps"),
        Column("violations", INT, "policy violations (empty without a policy)"),
        Column("complete", BOOL, "false when collection stopped early"),
        Column("snapshot_sha256", TXT, "digest of the raw evidence the audit rests on"),
        Column("known_threats", INT, "known-threat findings (AUD-IOC-*): apps or traces an indicator list names"),
        Column("unsafe_settings", LIST, "rule ids of the phone's unsafe settings, e.g. `AUD-ADB-001` (USB debugging)"),
        Column("usb_debugging", BOOL, "USB debugging on (empty: the source does not say)"),
    ),
)
APPS = Table(
    "apps",
    "one row per device × user × app",
    (
        _DEVICE_KEY,
        _USER,
        Column("user_kind", TXT, "`primary`, `secondary`, `work_profile`, `guest`, `other_profile`"),
        _PACKAGE,
        Column("label", TXT, "the label the APK gives itself, when an APK was analysed (untrusted text)"),
        Column("version_code", INT, "versionCode"),
        Column("version_name", TXT, "versionName"),
        Column("target_sdk", INT, "targetSdkVersion"),
        Column("system", BOOL, "preinstalled in the system image"),
        Column("install_source", TXT, "`system`, `store`, `sideloaded`, `other_installer`, `unknown`"),
        Column("installer", TXT, "installerPackageName"),
        Column("initiating_installer", TXT, "initiatingPackageName (Android 13+)"),
        Column("first_install", TXT, "device-local time"),
        Column("last_update", TXT, "device-local time"),
        Column("signer_sha256", TXT, "SHA-256 of the signer certificate (APK facts, else androidqf's packages.json)"),
        Column("trackers", LIST, "tracker SDKs found in the APK"),
        Column("special_access", LIST, "special accesses held (`role:SMS` for roles)"),
        Column("exposure_score", INT, "app exposure 0–100"),
        Column("exposure_grade", TXT, "A to F"),
        Column("findings", INT, "rule hits on the app"),
    ),
)
PERMISSIONS = Table(
    "permissions",
    "one row per device × user × app × permission (requested or granted)",
    (
        _DEVICE_KEY,
        _USER,
        _PACKAGE,
        Column("permission", TXT, "full permission name"),
        Column("kind", TXT, "`runtime`, `install`, `appop`, `unknown`"),
        Column("requested", BOOL, "the app asks for it (empty: the source had no list)"),
        Column("granted", BOOL, "`granted=` for this user (empty: unknown)"),
        Column("effective", TXT, "`allowed`, `foreground_only`, `denied`, `revoked_compat`, `appop_denied`, …"),
        Column("usable", BOOL, "the app can use it now (allowed or foreground only)"),
        Column("flags", LIST, "permission flags as Android prints them"),
        Column("appop", TXT, "the app-op that gates it"),
        Column("appop_mode", TXT, "that op's mode"),
        Column("last_access", TXT, "newest recorded access, device-local time"),
        Column("last_access_state", TXT, "`foreground`, `background`, `unknown`"),
        Column("last_background_access", TXT, "newest access in the background"),
    ),
)
SPECIAL_ACCESS = Table(
    "special_access",
    "one row per device × user × app × special access",
    (
        _DEVICE_KEY,
        _USER,
        _PACKAGE,
        Column("kind", TXT, "e.g. `accessibility_service`, `device_admin`, `role`"),
        Column("detail", TXT, "component, role name or app-op"),
        Column("evidence", TXT, "where it was read"),
    ),
)
TRACKERS = Table(
    "trackers",
    "one row per device × user × app × tracker SDK (only for apps whose APK was analysed)",
    (
        _DEVICE_KEY,
        _USER,
        _PACKAGE,
        Column("tracker", TXT, "the SDK's name (Exodus Privacy list)"),
        Column("tracker_id", INT, "Exodus tracker id"),
        Column("categories", LIST, "Advertisement, Analytics, Location, Profiling, Identification, Crash reporting"),
    ),
)
FINDINGS = Table(
    "findings",
    "one row per device × user × app × finding",
    (
        _DEVICE_KEY,
        _USER,
        _PACKAGE,
        Column("rule_id", TXT, "stable rule id, e.g. `AUD-A11Y-001`"),
        Column("severity", TXT, "`critical`, `high`, `medium`, `low`, `info`"),
        Column("confidence", TXT, "`high`, `medium`, `low`"),
        Column("title", TXT, "one line"),
        Column("evidence", LIST, "the facts that triggered it"),
        Column("remediation", TXT, "the exact fix"),
    ),
)
DEVICE_FINDINGS = Table(
    "device_findings",
    "one row per device × finding about the phone itself (its safety settings, known-threat traces)",
    (
        _DEVICE_KEY,
        Column("rule_id", TXT, "stable rule id, e.g. `AUD-ADB-001`, `AUD-BOOT-001`"),
        Column("severity", TXT, "`critical`, `high`, `medium`, `low`, `info`"),
        Column("confidence", TXT, "`high`, `medium`, `low`"),
        Column("title", TXT, "one line"),
        Column("evidence", LIST, "the settings or properties that triggered it"),
        Column("remediation", TXT, "the Settings path that fixes it"),
    ),
)
INDICATOR_MATCHES = Table(
    "indicator_matches",
    "one row per indicator that matched: device × user × app (empty for the phone itself) × family × indicator",
    (
        _DEVICE_KEY,
        Column("user", INT, "Android user id (empty: a trace on the phone itself, a property or a process)"),
        Column("package", TXT, "the app (empty for the phone itself)"),
        Column("family", TXT, "the family the list names, e.g. `TheTruthSpy`"),
        Column("threat", TXT, "`stalkerware`, `watchware` or `spyware`"),
        Column("kind", TXT, "`package`, `cert_sha1`, `cert_sha256`, `cert_md5`, `apk_sha256`, `property`, `process`"),
        Column("value", TXT, "the indicator as matched"),
        Column("fact", TXT, "what it matched, e.g. `package name`, `stated by packages.json`"),
        Column("strong", BOOL, "a certificate or APK hash (a package or process name alone is weaker)"),
        Column("list", TXT, "the indicator list"),
        Column("list_version", TXT, "its version"),
    ),
)
VIOLATIONS = Table(
    "violations",
    "one row per policy violation (written only with --policy)",
    (
        _DEVICE_KEY,
        Column("rule", TXT, "policy rule id, e.g. `denied_permission`, `max_patch_age`"),
        Column("user", INT, "Android user, for app rules"),
        Column("package", TXT, "the app, for app rules (empty for device rules)"),
        Column("message", TXT, "what is wrong, in one sentence"),
        Column("evidence", LIST, "the facts from the audit report that show it"),
    ),
)
INVENTORY = Table(
    "inventory",
    "one row per package across the fleet (an aggregate, written at the end)",
    (
        _PACKAGE,
        Column("devices", INT, "devices with the package in at least one user"),
        Column("installs", INT, "device × user pairs"),
        Column("system_installs", INT, "installs that are preinstalled"),
        Column("versions", LIST, "`name (code)` of every version seen"),
        Column("installers", LIST, "installers seen (`(none)` when none was recorded)"),
        Column("signers", LIST, "signer certificate SHA-256s seen (from APK facts, else androidqf's packages.json)"),
        Column("signer_mismatch", BOOL, "more than one signer: one of them is a repackaged app"),
        Column("max_score", INT, "highest app exposure on any device"),
        Column("mean_score", NUM, "mean app exposure over its installs"),
        Column("trackers", LIST, "tracker SDKs found in any of its APKs"),
    ),
)

TABLES: Final = (
    DEVICES,
    APPS,
    PERMISSIONS,
    SPECIAL_ACCESS,
    TRACKERS,
    FINDINGS,
    DEVICE_FINDINGS,
    INDICATOR_MATCHES,
    VIOLATIONS,
    INVENTORY,
)
"""Every export table, in the order they are documented."""

Value = str | int | float | bool | tuple[str, ...] | None
Row = tuple[Value, ...]


# --------------------------------------------------------------------------------------------------
# Rows of one device
# --------------------------------------------------------------------------------------------------


def device_rows(report: AuditReport, row: DeviceRow, violations: Sequence[Violation] | None) -> dict[str, list[Row]]:
    """The rows one device contributes to each per-device table."""
    dev = row.device_id
    d = report.device
    kinds = {u.id: u.kind.value for u in report.users}
    out: dict[str, list[Row]] = {t.name: [] for t in TABLES if t is not INVENTORY}
    out[DEVICES.name].append(
        (
            dev,
            row.source,
            row.input_kind.value,
            d.manufacturer,
            d.model,
            d.android_release,
            d.sdk,
            d.security_patch,
            row.patch_age_days,
            report.source.collected_at,
            d.fingerprint,
            row.users,
            row.apps,
            row.third_party_apps,
            row.score,
            row.grade.value if row.grade is not None else None,
            row.findings,
            row.violations,
            report.source.complete,
            report.source.snapshot_sha256,
            len(row.known_threats),
            row.unsafe_settings,
            row.usb_debugging,
        )
    )
    out[DEVICE_FINDINGS.name].extend(
        (dev, f.rule_id, f.severity.value, f.confidence.value, f.title, f.evidence, f.remediation)
        for f in report.device_findings
    )
    out[INDICATOR_MATCHES.name].extend(
        (dev, user, pkg, m.family, m.threat.value, m.kind.value, m.value, m.fact, m.strong, m.list_name, m.list_version)
        for user, pkg, m in [(a.user, a.package, m) for a in report.apps for m in a.indicator_matches]
        + [(None, None, m) for m in report.device_matches]
    )
    apps, perms, special, trackers, findings = (
        out[APPS.name],
        out[PERMISSIONS.name],
        out[SPECIAL_ACCESS.name],
        out[TRACKERS.name],
        out[FINDINGS.name],
    )
    for app in report.apps:
        user, pkg = app.user, app.package
        apk, exposure = app.apk, app.exposure
        apps.append(
            (
                dev,
                user,
                kinds.get(user),
                pkg,
                app_label(app),
                app.version_code,
                app.version_name,
                app.target_sdk,
                app.system,
                app.install_source.value,
                app.installer,
                app.initiating_installer,
                app.first_install,
                app.last_update,
                app.signer_sha256,
                tuple(t.name for t in apk.trackers) if apk is not None else (),
                tuple(dict.fromkeys(prevalence_key(s) for s in app.special_access)),
                exposure.score if exposure is not None else None,
                exposure.grade.value if exposure is not None else None,
                len(app.findings),
            )
        )
        for p in app.permissions:
            eff = p.effective.value
            perms.append(
                (
                    dev,
                    user,
                    pkg,
                    p.name,
                    p.kind.value,
                    p.requested,
                    p.granted,
                    eff,
                    eff == "allowed" or eff == "foreground_only",
                    p.flags,
                    p.appop,
                    p.appop_mode,
                    p.last_access,
                    p.last_access_state.value if p.last_access_state is not None else None,
                    p.last_background_access,
                )
            )
        special.extend((dev, user, pkg, s.kind.value, s.detail, s.evidence) for s in app.special_access)
        if apk is not None:
            trackers.extend((dev, user, pkg, t.name, t.id, t.categories) for t in apk.trackers)
        findings.extend(
            (dev, user, pkg, f.rule_id, f.severity.value, f.confidence.value, f.title, f.evidence, f.remediation)
            for f in app.findings
        )
    if violations:
        out[VIOLATIONS.name].extend((v.device, v.rule.value, v.user, v.app, v.message, v.evidence) for v in violations)
    return out


def inventory_rows(view: FleetView) -> Iterable[Row]:
    for e in view.inventory:
        yield (
            e.package,
            e.devices,
            e.installs,
            e.system_installs,
            tuple(c.value for c in e.versions),
            tuple(c.value for c in e.installers),
            tuple(s.sha256 for s in e.signers),
            e.signer_mismatch,
            e.max_score,
            e.mean_score,
            e.trackers,
        )


# --------------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------------


def _csv_cell(value: Value) -> str | int | float:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return neutralise(value) if value else value
    if isinstance(value, tuple):
        return neutralise("|".join(value)) if value else ""
    return value


_FORMULA_FIRST: Final = frozenset(FORMULA_STARTS)
_BOOLS: Final[dict[object, str]] = {True: "true", False: "false", None: ""}


def _typed_converter(table: Table) -> Callable[[Row], list[object]]:
    """A row converter that touches only the columns that need it (the csv module writes ints and
    ``None`` itself): booleans to ``true``/``false``, lists joined, texts neutralised. Same cells as
    ``_csv_cell`` for every column, at a third of the cost on the 4,800 permission rows of a device."""
    texts = [i for i, c in enumerate(table.columns) if c.type is ColumnType.TEXT]
    bools = [i for i, c in enumerate(table.columns) if c.type is ColumnType.BOOLEAN]
    lists = [i for i, c in enumerate(table.columns) if c.type is ColumnType.LIST]

    def convert(row: Row) -> list[object]:
        cells: list[object] = list(row)
        for i in texts:
            v = cells[i]
            if v and v[0] in _FORMULA_FIRST:  # type: ignore[index]
                cells[i] = "'" + v  # type: ignore[operator]
        for i in bools:
            cells[i] = _BOOLS[cells[i]]
        for i in lists:
            v = cells[i]
            cells[i] = neutralise("|".join(v)) if v else ""  # type: ignore[arg-type]
        return cells

    return convert


def csv_bytes(rows: Iterable[Row], header: Sequence[str] | None = None, table: Table | None = None) -> bytes:
    """Rows as RFC 4180 CSV (CRLF), formulas neutralised; with ``header`` first when given.

    With ``table`` the cells are converted by column type (fast); without, by value (any row).
    """
    buf = io.StringIO()
    writer = csv.writer(buf, dialect="excel", lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    if table is not None:
        convert = _converters.get(table.name) or _converters.setdefault(table.name, _typed_converter(table))
        writer.writerows(map(convert, rows))
    else:
        writer.writerows([_csv_cell(v) for v in r] for r in rows)
    return buf.getvalue().encode("utf-8")


_converters: dict[str, Callable[[Row], list[object]]] = {}


def jsonl_bytes(rows: Iterable[Row], names: Sequence[str]) -> bytes:
    """Rows as JSON Lines objects keyed by ``names`` (lists as arrays, unknown as null)."""
    lines = [json_text(dict(zip(names, r, strict=True)), compact=True) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


_FORMATTERS: Final[dict[ExportFormat, Callable[[Iterable[Row], Table], bytes]]] = {
    ExportFormat.CSV: lambda rows, table: csv_bytes(rows, table=table),
    ExportFormat.JSONL: lambda rows, table: jsonl_bytes(rows, table.names),
}


@dataclass(frozen=True, slots=True)
class ExportChunk:
    """The formatted rows of one device: (table, format, bytes) ready to append."""

    parts: tuple[tuple[str, ExportFormat, bytes], ...]


_BY_NAME: Final = {t.name: t for t in TABLES}


def format_chunk(rows: dict[str, list[Row]], formats: Sequence[ExportFormat]) -> ExportChunk:
    """Format one device's rows in each requested format (done in the worker, off the writer's thread)."""
    return ExportChunk(
        tuple(
            (name, fmt, _FORMATTERS[fmt](table_rows, _BY_NAME[name]))
            for name, table_rows in rows.items()
            if table_rows
            for fmt in formats
        )
    )


# --------------------------------------------------------------------------------------------------
# The writer
# --------------------------------------------------------------------------------------------------


class ExportWriter:
    """Appends device chunks to one file per table and format; ``finish`` adds the inventory and renames."""

    def __init__(self, directory: Path, formats: Sequence[ExportFormat], *, violations: bool) -> None:
        self.directory = directory
        self.formats = tuple(formats)
        self.tables = tuple(t for t in TABLES if violations or t is not VIOLATIONS)
        self.files: dict[tuple[str, ExportFormat], AtomicFile] = {}
        ensure_folder(directory)  # created 0700 when its parent exists; a link or a file there is refused
        try:
            for table in self.tables:
                for fmt in self.formats:
                    f = AtomicFile(self._final(table.name, fmt))
                    self.files[(table.name, fmt)] = f
                    if fmt is ExportFormat.CSV:
                        f.write(csv_bytes((), table.names))
        except OSError as e:
            self.abort()
            raise FleetError(f"{directory}: cannot write the exports ({e.strerror or e})") from e

    def _final(self, name: str, fmt: ExportFormat) -> Path:
        return self.directory / f"{name}.{fmt.value}"

    def write(self, chunk: ExportChunk) -> None:
        try:
            for name, fmt, data in chunk.parts:
                f = self.files.get((name, fmt))
                if f is not None:
                    f.write(data)
        except OSError as e:
            raise FleetError(f"{self.directory}: cannot write the exports ({e.strerror or e})") from e

    def finish(self, view: FleetView) -> list[Path]:
        """Write the inventory, close every file and give each its final name; returns the files written."""
        rows = list(inventory_rows(view))
        self.write(format_chunk({INVENTORY.name: rows}, self.formats))
        written = []
        try:
            for f in self.files.values():
                f.commit()
                written.append(f.path)
        except OSError as e:
            raise FleetError(f"{self.directory}: cannot write the exports ({e.strerror or e})") from e
        self.files.clear()
        return written

    def abort(self) -> None:
        """Close and remove the partial files (after an error)."""
        for f in self.files.values():
            f.discard()
        self.files.clear()
