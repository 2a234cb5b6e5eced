"""What the offline sources share: records for what they found, the dumpsys cutter, and their notes.

A source only finds the raw text and hands it to the same parsers a live collection feeds: each
section found becomes a command record whose ``command`` says where in the source it was read. The
readers are ``auditor.acquire.bugreport`` and ``auditor.acquire.androidqf``; ``auditor.acquire.sources``
picks one for a path. What a source holds and the auditor does not read is named in a note
(``not_interpreted``), so "not looked at" is never mistaken for "nothing there".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

from auditor import untrusted
from auditor.acquire.dumpstate import Cut
from auditor.model import CommandRecord, CommandStatus, Note, NoteLevel, Section
from auditor.sections import SECTIONS
from auditor.snapshot import sha256_hex

MAX_DUMPSTATE_BYTES: Final = untrusted.MAX_DUMPSTATE_BYTES
"""A bug report's dumpstate (or androidqf's dumpsys.txt), streamed (``auditor.untrusted`` says why this size)."""
MAX_FILE_BYTES: Final = untrusted.MAX_OUTPUT_BYTES
"""Any other file a source is read for (getprop, settings, packages.json, ps): one command's output."""
_NAMED_AT_MOST: Final = 60
"""A note names this many uninterpreted parts, then counts the rest (a bug report has hundreds)."""


def now() -> str:
    """When the offline source was read (UTC, ISO 8601): it has no collection time of its own."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(cid: str, where: str, section: Section, data: bytes, user: int | None = None) -> CommandRecord:
    """The record of one section found in a source (``where`` says where)."""
    return CommandRecord(
        id=cid,
        command=where,
        section=section,
        user=user,
        status=CommandStatus.OK,
        exit_code=0,
        bytes=len(data),
        sha256=sha256_hex(data),
    )


_ORDER = {d.section: i for i, d in enumerate(SECTIONS)}


def in_plan_order(records: list[CommandRecord]) -> list[CommandRecord]:
    """Records in the order a live collection would have them (sections as declared)."""
    return sorted(records, key=lambda r: _ORDER.get(r.section, len(_ORDER)))


def wanted_services() -> frozenset[str]:
    """The ``dumpsys`` services some declared section reads (the only ones kept from a dumpstate)."""
    return frozenset(d.offline.dumpsys for d in SECTIONS if d.offline.dumpsys is not None)


def from_cut(cut: Cut, origin: str) -> tuple[list[CommandRecord], dict[str, bytes], list[str]]:
    """Every declared section found as a ``DUMP OF SERVICE`` part, and the services no section reads."""
    records: list[CommandRecord] = []
    outputs: dict[str, bytes] = {}
    used: set[str] = set()
    for declared in SECTIONS:
        service = declared.offline.dumpsys
        body = cut.services.get(service) if service is not None else None
        if service is None or body is None:
            continue
        used.add(service)
        if declared.offline.keep is not None:
            body = declared.offline.keep(body)
        data = body.encode("utf-8")
        cid = f"dumpsys_{service}"
        records.append(record(cid, f"{origin}: DUMP OF SERVICE {service}", declared.section, data))
        outputs[cid] = data
    return records, outputs, [s for s in cut.service_names if s not in used]


def refused_notes(source: str, cut: Cut) -> list[Note]:
    """One note per section that was too big to keep (the audit goes on without it)."""
    return [Note(source, NoteLevel.PARTIAL, why) for why in cut.refused]


def _listed(kind: str, names: list[str]) -> str:
    shown = names[:_NAMED_AT_MOST]
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    return f"{len(names)} {kind} ({', '.join(shown)}{more})"


def not_interpreted(source: str, parts: Iterable[tuple[str, list[str]]]) -> Note | None:
    """A note naming what a source holds that the auditor does not read (``None`` when there is nothing).

    ``parts`` are (what kind, names), e.g. ``("dumpsys services", ["batterystats", …])``.
    """
    said = [_listed(kind, sorted(names)) for kind, names in parts if names]
    if not said:
        return None
    return Note(
        source,
        NoteLevel.INFO,
        "holds parts the auditor does not interpret (not looked at, so no claim about them): " + "; ".join(said),
    )
