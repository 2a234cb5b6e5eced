"""The whole audit on damaged input: a partial result with notes, never an exception."""

from __future__ import annotations

import functools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.acquire.synthetic import generate
from auditor.model import AuditReport, CommandStatus, NoteLevel, Snapshot
from auditor.parse.text import decode_output
from auditor.pipeline import audit_snapshot


@functools.cache
def _small() -> Snapshot:
    return generate(31, seed=3)[0]


@functools.cache
def _intact() -> AuditReport:
    return audit_snapshot(_small())


SAME_TEXT = frozenset({"utf16", "crlf"})
"""Damage that changes only the encoding or the line ends: the decoded text is the same."""


def _mutate(blob: bytes, data: st.DataObject) -> tuple[bytes, str]:
    how = data.draw(st.sampled_from(["truncate", "garble", "drop_lines", "empty", "binary", "utf16", "crlf"]))
    if how == "truncate":
        return blob[: data.draw(st.integers(0, len(blob)))], how
    if how == "garble":
        pos = data.draw(st.integers(0, max(0, len(blob) - 1)))
        return blob[:pos] + data.draw(st.binary(min_size=1, max_size=40)) + blob[pos + 1 :], how
    if how == "drop_lines":
        lines = blob.split(b"\n")
        keep = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
        return b"\n".join(line for line, k in zip(lines, keep, strict=True) if k), how
    if how == "empty":
        return b"", how
    if how == "binary":
        return data.draw(st.binary(max_size=500)), how
    if how == "utf16":
        return b"\xff\xfe" + blob.decode("utf-8", "replace").encode("utf-16-le"), how
    return blob.replace(b"\n", b"\r\n"), how


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_audit_survives_damaged_outputs(data: st.DataObject) -> None:
    snap = _small()
    ids = sorted(snap.outputs)
    chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
    outputs = dict(snap.outputs)
    damage = {}
    for cid in chosen:
        outputs[cid], damage[cid] = _mutate(outputs[cid], data)
    report = audit_snapshot(replace(snap, outputs=outputs))
    # The notes say which outputs came back empty and which held bytes that are not text.
    decoded = {cid: decode_output(outputs[cid]) for cid in chosen}
    empty = {n.section for n in report.notes if n.level is NoteLevel.MISSING and n.message == "output is empty"}
    assert empty == {cid for cid, d in decoded.items() if not d.text.strip()}
    binary = {n.section for n in report.notes if n.message.endswith("undecodable bytes replaced (binary data)")}
    assert binary == {cid for cid, d in decoded.items() if d.replaced}
    # Another encoding or other line ends change nothing but the evidence hashes.
    if set(damage.values()) <= SAME_TEXT:
        assert replace(report, source=_intact().source) == _intact()
    assert all(app.package for app in report.apps)


def test_missing_and_failed_sections_are_stated() -> None:
    snap = _small()
    outputs = {k: v for k, v in snap.outputs.items() if k not in ("dumpsys_appops", "appops_discrete")}
    commands = tuple(
        replace(c, status=CommandStatus.DENIED, error="Permission Denial") if c.id == "dumpsys_accessibility" else c
        for c in snap.manifest.commands
    )
    report = audit_snapshot(replace(snap, outputs=outputs, manifest=replace(snap.manifest, commands=commands)))
    notes = {(n.section, n.level) for n in report.notes}
    assert ("dumpsys_appops", NoteLevel.MISSING) in notes
    assert ("appops_discrete", NoteLevel.MISSING) in notes
    assert ("dumpsys_accessibility", NoteLevel.PARTIAL) in notes
    # Without either app-op record, nothing claims a last access.
    assert all(p.last_access is None for a in report.apps for p in a.permissions)
    assert not any(a.events for a in report.apps)
