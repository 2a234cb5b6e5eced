"""The audit report as JSON: the canonical, documented schema (``docs/schema.md``).

The JSON mirrors the dataclasses of ``auditor.model`` field by field: a dataclass becomes an object
with its fields in declaration order, an enum its value, a tuple a list. Nothing is renamed, so the
schema document and the model cannot drift apart (a test checks every field is documented).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from enum import Enum
from pathlib import Path

from auditor.model import AuditReport

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def to_jsonable(obj: object) -> JsonValue:
    """Convert model objects (dataclasses, enums, tuples, mappings) to plain JSON values."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, Enum):
        return to_jsonable(obj.value)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in obj]
        return sorted(items, key=str) if isinstance(obj, set | frozenset) else items
    raise TypeError(f"cannot convert {type(obj).__name__} to JSON")


def report_json(report: AuditReport, *, indent: int | None = 1) -> str:
    """The audit report as JSON text (UTF-8, non-ASCII kept)."""
    return json.dumps(to_jsonable(report), indent=indent, ensure_ascii=False) + "\n"


def write_report_json(report: AuditReport, path: Path) -> None:
    path.write_text(report_json(report), encoding="utf-8")
