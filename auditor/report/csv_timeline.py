"""The access timeline as CSV: one tidy row per recorded access or rejection, for spreadsheets and databases.

Why a second table: the permission table (``csv_report``) has one row per permission and keeps only the
newest access; questions such as "when was the microphone on at night, for how long, and by whom?" need
every event. This table sits beside it: the same device and app columns (so the two join on
``snapshot_sha256``, ``user`` and ``package``), then one row per event, newest first across the whole
device (the report's timeline index).

Format and safety as for the permission table (``csv_report``): RFC 4180, CRLF, UTF-8 without a byte
order mark, ``true``/``false``, empty for unknown, ``|`` between flags, and a leading ``'`` on any cell a
spreadsheet would evaluate. Attribution tags and proxy packages are written by apps: they are cells like
any other, neutralised the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Final

from auditor.model import AppReport, AuditReport
from auditor.report.csv_report import Cell, cell
from auditor.report.digest import app_label, device_serial

COLUMNS: Final[tuple[str, ...]] = (
    "device_model",
    "device_serial",
    "snapshot_sha256",
    "user",
    "user_kind",
    "package",
    "label",
    "uid",
    "time",
    "time_utc",
    "ago_ms",
    "op",
    "category",
    "kind",
    "state",
    "uid_state",
    "duration_ms",
    "attribution_tag",
    "proxy_role",
    "proxy_package",
    "flags",
    "chain_id",
    "source",
)
"""The header, in order (documented column by column in ``docs/report.md``)."""


def rows(report: AuditReport) -> Iterator[list[str]]:
    """Every event row (without the header), newest first, as the text cells that will be written."""
    kinds = {u.id: u.kind.value for u in report.users}
    by_key: dict[tuple[int, str], AppReport] = {(a.user, a.package): a for a in report.apps}
    d = report.device
    refs = report.timeline.events if report.timeline is not None else ()
    for ref in refs:
        app = by_key.get((ref.user, ref.package))
        if app is None or not 0 <= ref.index < len(app.events):
            continue
        e = app.events[ref.index]
        values: list[Cell] = [
            d.model,
            device_serial(report),
            report.source.snapshot_sha256,
            app.user,
            kinds.get(app.user),
            app.package,
            app_label(app),
            app.uid,
            e.time,
            e.time_utc,
            e.ago_ms,
            e.op,
            e.category.value if e.category is not None else None,
            e.kind.value,
            e.state.value,
            e.uid_state,
            e.duration_ms,
            e.attribution_tag,
            e.proxy_role.value if e.proxy_role is not None else None,
            e.proxy_package,
            "|".join(e.flags) if e.flags else None,
            e.chain_id,
            e.source.value,
        ]
        yield [cell(v) for v in values]


def timeline_csv(report: AuditReport) -> str:
    """The whole timeline table as text (CRLF line ends; write it without newline translation)."""
    buf = io.StringIO()
    writer = csv.writer(buf, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(rows(report))
    return buf.getvalue()
