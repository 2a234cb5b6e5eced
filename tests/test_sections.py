"""Every section is declared once (``auditor.sections``) and every stage knows it from that declaration.

These tests fail when a declaration lacks a part, or when a stage (the plan, the offline sources, the
analysis, the synthetic device, the simulator's minimal device) does not handle a declared section.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from auditor.acquire import synthetic
from auditor.acquire.plan import full_plan, is_read_only
from auditor.acquire.sources import read_androidqf, read_bugreport
from auditor.acquire.synthetic import render
from auditor.analyse.parsed import parse_snapshot
from auditor.model import CommandRecord, CommandStatus, Section, Snapshot
from auditor.sections import BY_SECTION, SECTIONS, Declared, Scope
from auditor.simulator.fixture import build_snapshot
from auditor.snapshot import new_manifest, sha256_hex

IDS = [d.name for d in SECTIONS]


def _says_something(result: object) -> bool:
    """A parse result that holds at least one fact (an empty one is what a stub would return)."""
    if result is None:
        return False
    if isinstance(result, int | str):
        return True
    assert dataclasses.is_dataclass(result)
    for f in dataclasses.fields(result):
        if f.name == "unknown":
            continue
        value = getattr(result, f.name)
        if isinstance(value, tuple | Mapping | str) and value:
            return True
    return False


def test_every_section_is_declared_once() -> None:
    declared = [d.section for d in SECTIONS]
    assert len(declared) == len(set(declared))
    assert set(declared) == set(Section) - {Section.OTHER}
    assert {d.section: d for d in SECTIONS} == BY_SECTION


@pytest.mark.parametrize("declared", SECTIONS, ids=IDS)
def test_the_example_parses_to_facts(declared: Declared[Any]) -> None:
    result = declared.parse(declared.example)
    assert _says_something(result), f"{declared.name}: its example gives no fact"
    assert not getattr(result, "unknown", ()), f"{declared.name}: its example has lines the parser keeps as unknown"


@pytest.mark.parametrize("declared", SECTIONS, ids=IDS)
def test_every_section_can_be_acquired_and_is_accounted_for(declared: Declared[Any]) -> None:
    offline = declared.offline
    found_offline = offline.dumpsys is not None or offline.dumpstate is not None or bool(offline.androidqf)
    if declared.stands_in_for is not None:
        # A fallback format: read when a snapshot holds it, never asked for; its main section speaks for it.
        assert declared.stands_in_for in BY_SECTION and BY_SECTION[declared.stands_in_for].stands_in_for is None
        assert declared.collect is None and declared.missing is None
        return
    assert declared.collect is not None or found_offline, f"{declared.name}: no way to acquire it"
    if declared.collect is not None:
        assert declared.synthetic is not None, f"{declared.name}: the synthetic device cannot answer it"
    if declared.scope is Scope.USER:
        assert offline.dumpsys is None and offline.dumpstate is None, "a dumpsys holds one output, not one per user"


@pytest.mark.parametrize(
    "declared", [d for d in SECTIONS if d.synthetic], ids=[d.name for d in SECTIONS if d.synthetic]
)
def test_the_synthetic_renderer_exists_with_the_scopes_signature(declared: Declared[Any]) -> None:
    assert declared.synthetic is not None
    renderer = getattr(render, declared.synthetic)
    params = list(inspect.signature(renderer).parameters)
    assert params == (["world", "user"] if declared.scope is Scope.USER else ["world"])


def test_the_plan_is_every_collected_declaration_and_only_reads() -> None:
    plan = full_plan([0, 10], with_apk_paths=True)
    expected = [
        d.command_id(user)
        for d in SECTIONS
        if d.collect is not None
        for user in ([None] if d.scope is Scope.DEVICE else [0, 10])
    ]
    assert sorted(c.id for c in plan) == sorted(expected)
    assert all(is_read_only(c.command) for c in plan)
    per_user = [c for c in plan if c.user is not None]
    assert all(f"--user {c.user}" in c.command for c in per_user)


def test_the_synthetic_device_and_the_minimal_device_answer_every_planned_section() -> None:
    snapshot, _ = synthetic.generate(40)
    minimal = build_snapshot(3, users=(0, 10))
    for snap in (snapshot, minimal):
        parsed = parse_snapshot(snap)
        assert not [n for n in parsed.notes if n.message.startswith("not in this source")]
        for cmd in snap.manifest.commands:
            declared = BY_SECTION[cmd.section]
            value = (
                parsed.per_user(declared).get(cmd.user if cmd.user is not None else 0)
                if declared.scope is Scope.USER
                else parsed.one(declared)
            )
            assert _says_something(value), f"{snap.path}: {cmd.id} gives no fact"


def _snapshot_of_examples() -> Snapshot:
    commands, outputs = [], {}
    for d in SECTIONS:
        user = 0 if d.scope is Scope.USER else None
        data = d.example.encode()
        cid = d.command_id(user)
        commands.append(
            CommandRecord(cid, "example", d.section, user, CommandStatus.OK, 0, len(data), sha256_hex(data))
        )
        outputs[cid] = data
    return Snapshot(new_manifest(source="snapshot", created_at="", commands=commands), outputs, "examples")


def test_the_analysis_reads_every_declared_section() -> None:
    parsed = parse_snapshot(_snapshot_of_examples())
    assert parsed.notes == ()
    for d in SECTIONS:
        if d.stands_in_for is not None:
            continue  # read only when its main section is absent
        value = parsed.per_user(d).get(0) if d.scope is Scope.USER else parsed.one(d)
        assert value == d.parse(d.example), d.name


def test_a_stand_in_is_read_when_its_main_section_is_absent() -> None:
    snap = _snapshot_of_examples()
    kept = tuple(c for c in snap.manifest.commands if c.section not in {s.stands_in_for for s in SECTIONS})
    parsed = parse_snapshot(Snapshot(dataclasses.replace(snap.manifest, commands=kept), snap.outputs, "x"))
    for d in SECTIONS:
        if d.stands_in_for is not None:
            main = BY_SECTION[d.stands_in_for]
            assert parsed.one(main) == d.parse(d.example), d.name
    assert [n.message for n in parsed.notes] == [d.stand_in_note for d in SECTIONS if d.stand_in_note]


def test_offline_sources_find_every_section_they_are_declared_to_hold(tmp_path: Path) -> None:
    in_dumpsys = [d for d in SECTIONS if d.offline.dumpsys]
    dumpsys = "".join(f"DUMP OF SERVICE {d.offline.dumpsys}:\n{d.example}\n" for d in in_dumpsys)
    dumpstate = "== dumpstate: 2024-06-10 12:00:00\n" + "".join(
        f"------ {d.offline.dumpstate} (cmd) ------\n{d.example}" for d in SECTIONS if d.offline.dumpstate
    )
    report = tmp_path / "dumpstate.txt"
    report.write_text(dumpstate + dumpsys)
    bugreport = {c.section for c in read_bugreport(report).manifest.commands}
    assert bugreport == {d.section for d in SECTIONS if d.offline.dumpsys or d.offline.dumpstate}

    qf = tmp_path / "androidqf"
    qf.mkdir()
    (qf / "dumpsys.txt").write_text(dumpsys)
    for d in SECTIONS:
        for name in d.offline.androidqf:
            (qf / name).write_text(d.example)
    androidqf = {c.section for c in read_androidqf(qf).manifest.commands}
    assert androidqf == {d.section for d in SECTIONS if d.offline.dumpsys or d.offline.androidqf}
