"""Reading audit report JSONs back into ``AuditReport``s, fast enough for thousands of devices.

Decoding and its checks are ``auditor.serial.from_data`` (compiled per dataclass, ~40 ms for a
300-app report); this module adds what a fleet needs around it: compressed files, size limits,
schema versions and errors that name the file.

Files may be plain JSON or gzip-compressed (``.json.gz``): archives of a fleet are usually kept
compressed. A file above ``MAX_REPORT_BYTES`` (inflated) is refused rather than read into memory.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Final, TypeVar

from auditor.fleet.errors import FleetError
from auditor.model import AuditReport
from auditor.serial import from_data
from auditor.untrusted import UnsafeInputError, open_regular, parse_json

T = TypeVar("T")

MAX_REPORT_BYTES: Final = 1 << 30
"""An audit JSON of 5,000 apps is about 40 MB; more than 1 GiB is not a report (or a gzip bomb)."""


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------

GZIP_MAGIC: Final = b"\x1f\x8b"


def read_json_bytes(path: Path, limit: int = MAX_REPORT_BYTES) -> bytes:
    """The bytes of a JSON file, inflated when it is gzip-compressed; ``FleetError`` when unreadable or too big."""
    try:
        with open_regular(path) as f:
            head = f.read(2)
            f.seek(0)
            if head == GZIP_MAGIC:
                with gzip.GzipFile(fileobj=f) as g:
                    data = g.read(limit + 1)
            else:
                data = f.read(limit + 1)
    except UnsafeInputError as e:
        raise FleetError(str(e)) from None
    except (OSError, EOFError, zlib.error) as e:
        raise FleetError(f"{path}: cannot read ({e})") from e
    if len(data) > limit:
        raise FleetError(f"{path}: more than {limit >> 20} MiB; not an audit report")
    return data


def parse_report(data: bytes, where: str) -> AuditReport:
    """An ``AuditReport`` from audit JSON bytes; ``FleetError`` naming ``where`` and the bad field."""
    try:
        doc = parse_json(data, where)
    except UnsafeInputError as e:
        raise FleetError(str(e)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FleetError(f"{where}: not valid JSON ({e})") from e
    return report_from_data(doc, where)


def report_from_data(doc: object, where: str) -> AuditReport:
    """An ``AuditReport`` from parsed JSON; ``FleetError`` when it is not one (or a newer major schema)."""
    if not isinstance(doc, dict) or "schema" not in doc or "apps" not in doc:
        raise FleetError(f"{where}: not an audit report (no 'schema' and 'apps')")
    schema = doc.get("schema")
    if not isinstance(schema, str) or schema.split(".", 1)[0] != "1":
        raise FleetError(f"{where}: audit report schema {schema!r} is not supported (this auditor reads 1.x)")
    try:
        return from_data(AuditReport, doc)
    except ValueError as e:
        raise FleetError(f"{where}: not a valid audit report ({e})") from e


def read_report(path: Path) -> AuditReport:
    """An audit report JSON file (plain or gzip) as an ``AuditReport``; ``FleetError`` when it is not one."""
    return parse_report(read_json_bytes(path), str(path))
