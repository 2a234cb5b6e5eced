"""The audit report as JSON: the canonical, documented schema (``docs/schema.md``).

The JSON mirrors the dataclasses of ``auditor.model`` field by field: a dataclass becomes an object
with its fields in declaration order, an enum its value, a tuple a list. Nothing is renamed, so the
schema document and the model cannot drift apart (a test checks every field is documented).
"""

from __future__ import annotations

from auditor.model import AuditReport
from auditor.serial import json_text, to_data

to_jsonable = to_data
"""Model objects (dataclasses, enums, tuples, mappings) as plain JSON values."""


def report_json(report: AuditReport, *, indent: int | None = 1) -> str:
    """The audit report as JSON text (UTF-8, non-ASCII kept)."""
    return json_text(to_jsonable(report), indent=indent) + "\n"
