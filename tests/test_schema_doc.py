"""docs/schema.md documents every field of the audit report, and nothing that is not there."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path

from auditor import model

DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


def _report_types() -> dict[str, type]:
    """Every dataclass reachable from AuditReport's fields."""
    found: dict[str, type] = {}

    def walk(tp: object) -> None:
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            if tp.__name__ in found:
                return
            found[tp.__name__] = tp
            hints = typing.get_type_hints(tp)
            for f in dataclasses.fields(tp):
                walk(hints[f.name])
            return
        origin = typing.get_origin(tp)
        if origin is not None or isinstance(tp, types.UnionType):
            for arg in typing.get_args(tp):
                walk(arg)

    walk(model.AuditReport)
    return found


def _doc_sections() -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    current: str | None = None
    for line in DOC.read_text("utf-8").splitlines():
        if line.startswith("### "):
            current = line[4:].strip()
            sections[current] = set()
        elif line.startswith("## "):
            current = None
        elif current and line.startswith("- "):
            head = line[2:].split(" — ", 1)[0]
            sections[current].update(re.findall(r"`([a-z_0-9]+)`", head))
    return sections


def test_every_report_field_is_documented_and_nothing_else() -> None:
    types_ = _report_types()
    docs = _doc_sections()
    assert set(docs) == set(types_), "each reachable dataclass has a ### section"
    for name, tp in types_.items():
        fields = {f.name for f in dataclasses.fields(tp)}
        assert docs[name] == fields, f"{name}: doc {sorted(docs[name] ^ fields)} differ"


def test_schema_version_matches_doc() -> None:
    assert f"(schema {model.SCHEMA_VERSION})" in DOC.read_text("utf-8")
