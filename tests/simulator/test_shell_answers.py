"""The simulator's answers: exact lookup, the exit-status wrapper, derived and unknown commands."""

from __future__ import annotations

from auditor.acquire.adb.exitcode import split_exit_code, wrap_command
from auditor.model import CommandStatus
from auditor.parse.markers import split_marked
from auditor.simulator.fixture import build_snapshot, package_names
from auditor.simulator.shell import Answer, SnapshotShell


def test_exact_command_answers_recorded_output() -> None:
    snap = build_snapshot(3)
    shell = SnapshotShell(snap)
    assert shell.answer("dumpsys appops").output == snap.outputs["dumpsys_appops"]


def test_wrapped_command_gets_output_then_exit_tag() -> None:
    snap = build_snapshot(3)
    shell = SnapshotShell(snap)
    answer = shell.answer(wrap_command("date +%s", "abcd1234"))
    assert answer.output == b"1718000000\n\n__AUDITOR_RC_abcd1234=0\n"
    assert split_exit_code(answer.output, "abcd1234") == (b"1718000000\n", 0)


def test_denied_record_answers_its_text_and_255() -> None:
    denial = b"Permission Denial: can't dump AppOps from pid=1, uid=2000\n"
    snap = build_snapshot(2, statuses={"dumpsys_appops": (CommandStatus.DENIED, None, denial)})
    answer = SnapshotShell(snap).answer(wrap_command("dumpsys appops", "00ff00ff"))
    assert split_exit_code(answer.output, "00ff00ff") == (denial, 255)


def test_failed_record_keeps_its_exit_code() -> None:
    snap = build_snapshot(2, statuses={"dumpsys_role": (CommandStatus.FAILED, 3, b"boom\n")})
    assert SnapshotShell(snap).lookup("dumpsys role") == Answer(b"boom\n", 3)


def test_timeout_record_hangs() -> None:
    snap = build_snapshot(2, statuses={"dumpsys_role": (CommandStatus.TIMEOUT, None, b"")})
    assert SnapshotShell(snap).answer(wrap_command("dumpsys role", "1234abcd")).hang


def test_unknown_command_is_not_found_127() -> None:
    shell = SnapshotShell(build_snapshot(1))
    assert shell.lookup("frobnicate --all") == Answer(b"/system/bin/sh: frobnicate: not found\n", 127)
    assert shell.lookup("") == Answer(b"", 0)


def test_getprop_key_is_derived() -> None:
    shell = SnapshotShell(build_snapshot(1))
    assert shell.lookup("getprop ro.product.model").output == b"Simulated Pixel\n"
    assert shell.lookup("getprop no.such.key").output == b"\n"


def test_per_package_dumps_are_cut_from_the_loop() -> None:
    snap = build_snapshot(4)
    shell = SnapshotShell(snap)
    names = package_names(4)
    assert shell.lookup("pm list packages").output.decode().split() == [f"package:{n}" for n in names]
    parts = list(split_marked(snap.outputs["dumpsys_package"].decode()))
    assert shell.lookup(f"dumpsys package {names[2]}").output == parts[2].text.encode()
    # the pieces put back together are the loop output minus its marker lines
    joined = b"".join(shell.lookup(f"dumpsys package {n}").output for n in names)
    assert joined == b"".join(p.text.encode() for p in parts)
    assert shell.lookup("dumpsys package com.unknown").output.startswith(b"Unable to find package")


def test_overrides_win() -> None:
    shell = SnapshotShell(build_snapshot(1), overrides={"date +%s": Answer(b"42\n")})
    assert shell.lookup("date +%s").output == b"42\n"
