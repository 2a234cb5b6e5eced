"""The audit as CSV: one tidy row per device × user × app × permission, for spreadsheets and databases.

Why this shape: every question people take to a spreadsheet ("which apps hold location in the
background?", "what did the work profile grant?") is a filter and a pivot over permission rows, and
a database loads it as one table without reshaping. App-level facts repeat on each row of the app.
An app with no permission at all still gets one row, with the permission columns empty, so that
no app silently disappears from a pivot (a left join, in database terms).

Format: RFC 4180 (comma separated, ``"`` quoting doubled, CRLF line ends), UTF-8 without a byte
order mark, one header row. Booleans are ``true``/``false``; unknown is an empty cell; lists
inside a cell are joined with ``|`` (flags, as Android prints them) or ``;`` (categories).

Safety: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel, LibreOffice and Google Sheets (CSV injection, e.g. an app label ``=HYPERLINK(…)``). Such
cells get a leading ``'``, which spreadsheets show as text; the value is otherwise unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Final

from auditor.model import AppReport, AuditReport, PermissionReport
from auditor.report.digest import app_label, device_serial
from auditor.score.categories import load_categories
from auditor.score.scope import app_origin

COLUMNS: Final[tuple[str, ...]] = (
    "device_model",
    "device_serial",
    "android_release",
    "snapshot_sha256",
    "user",
    "user_kind",
    "package",
    "label",
    "uid",
    "version_name",
    "version_code",
    "target_sdk",
    "system",
    "origin",
    "install_source",
    "installer",
    "first_install",
    "app_score",
    "app_grade",
    "permission",
    "permission_kind",
    "categories",
    "requested",
    "granted",
    "effective",
    "flags",
    "appop",
    "appop_mode",
    "last_access",
    "last_access_state",
    "last_background_access",
    "last_reject",
)
"""The header, in order (documented column by column in ``docs/report.md``)."""

_PERMISSION_COLUMNS: Final = len(COLUMNS) - COLUMNS.index("permission")

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make spreadsheets evaluate a cell (OWASP's CSV-injection list)."""

Cell = str | int | bool | None


def neutralise(value: str) -> str:
    """A text cell a spreadsheet will not evaluate: a leading ``'`` before a formula start."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return neutralise(value)


def _app_cells(report: AuditReport, app: AppReport, kinds: dict[int, str]) -> list[Cell]:
    d = report.device
    return [
        d.model,
        device_serial(report),
        d.android_release,
        report.source.snapshot_sha256,
        app.user,
        kinds.get(app.user),
        app.package,
        app_label(app),
        app.uid,
        app.version_name,
        app.version_code,
        app.target_sdk,
        app.system,
        app_origin(app).value,
        app.install_source.value,
        app.installer,
        app.first_install,
        app.exposure.score if app.exposure else None,
        app.exposure.grade.value if app.exposure else None,
    ]


def _permission_cells(p: PermissionReport | None) -> list[Cell]:
    if p is None:
        return [None] * _PERMISSION_COLUMNS
    categories = dict.fromkeys(e.category.value for e in load_categories().lookup(p.name))
    return [
        p.name,
        p.kind.value,
        ";".join(categories) if categories else None,
        p.requested,
        p.granted,
        p.effective.value,
        "|".join(p.flags) if p.flags else None,
        p.appop,
        p.appop_mode,
        p.last_access,
        p.last_access_state.value if p.last_access_state else None,
        p.last_background_access,
        p.last_reject,
    ]


def rows(report: AuditReport) -> Iterator[list[str]]:
    """Every data row (without the header), as the text cells that will be written."""
    kinds = {u.id: u.kind.value for u in report.users}
    for app in report.apps:
        head = _app_cells(report, app, kinds)
        perms: Sequence[PermissionReport | None] = app.permissions or (None,)
        for p in perms:
            yield [_cell(v) for v in (*head, *_permission_cells(p))]


def report_csv(report: AuditReport) -> str:
    """The whole CSV document as text (CRLF line ends; write it without newline translation)."""
    buf = io.StringIO()
    writer = csv.writer(buf, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(rows(report))
    return buf.getvalue()
