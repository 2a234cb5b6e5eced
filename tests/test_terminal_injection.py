"""No command lets what a phone or a file says drive the terminal.

Every command is run (as the user would: ``python -m auditor``, in a subprocess) on inputs whose every text a
hostile party controls: a phone's ``getprop`` (model, manufacturer, serial) served by the device simulator,
a snapshot's ``manifest.json`` (source, notes, device), file and folder names in a fleet, serials that
``diff`` refuses, an APK's label, an indicator list's name, paths in errors. Each carries every hostile
sequence of ``tests.test_untrusted.HOSTILE``: an OSC title, a screen clear, an OSC 8 link, the 8-bit CSI,
BEL, a right-to-left override and rich markup. Asserted on standard output and standard error: no ESC,
BEL or C1 control at all without colours; with colours forced on (``FORCE_COLOR=1``, ``TERM=xterm``),
only rich's own styles (SGR ``ESC[…m``) and its progress display's cursor moves. Each run also asserts
that the hostile value *was* printed, made visible, so a command that printed nothing could not pass.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from auditor.acquire.synthetic import generate
from auditor.acquire.synthetic.threats import threat_stix
from auditor.model import DeviceInfo, Note, NoteLevel, Snapshot
from auditor.sanitise import visible
from auditor.simulator import Simulator
from auditor.snapshot import sha256_hex, write_snapshot_dir
from tests.apk import factory
from tests.hostile import HOSTILE

EVIL = "".join(HOSTILE.values())
"""Every hostile sequence at once."""
NAME = EVIL.replace("/", "_")
"""Every hostile sequence in a file name (which cannot hold "/")."""
SEEN = visible(HOSTILE["retitle"])
"""How the title sequence reads once made visible: each run must show it (the value reached the terminal)."""

_CONTROL = re.compile("[\x07\x1b\x80-\x9f]")
_RICH_OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[2K|\x1b\[[0-9]*A|\r")
"""Rich's own output with colours on: SGR styles, and the progress display's hide/show cursor, erase line
and cursor up. A hostile ``ESC[2J`` (clear) or ``ESC]`` (OSC) is none of these."""


def hostile_snapshot(serial: str = "SERIAL") -> Snapshot:
    """A synthetic phone whose getprop and manifest say ``EVIL`` in every text a terminal line shows."""
    snapshot, _ = generate(31)
    getprop = snapshot.outputs["getprop"].decode()
    said = {"ro.product.model": "Model", "ro.product.manufacturer": "Maker", "ro.serialno": serial}
    for key, prefix in said.items():
        line = f"[{key}]: [{prefix}{EVIL}]"
        getprop = re.sub(rf"^\[{re.escape(key)}\]: \[.*\]$", lambda _m, line=line: line, getprop, flags=re.M)
    outputs = {**snapshot.outputs, "getprop": getprop.encode()}
    commands = tuple(
        replace(c, bytes=len(outputs[c.id]), sha256=sha256_hex(outputs[c.id])) if c.id == "getprop" else c
        for c in snapshot.manifest.commands
    )
    device: DeviceInfo = replace(
        snapshot.manifest.device, model=f"Model{EVIL}", manufacturer=f"Maker{EVIL}", serial=f"{serial}{EVIL}"
    )
    manifest = replace(
        snapshot.manifest,
        source=f"source{EVIL}",
        device=device,
        commands=commands,
        notes=(*snapshot.manifest.notes, Note(f"section{EVIL}", NoteLevel.PARTIAL, f"message{EVIL}")),
    )
    return replace(snapshot, manifest=manifest, outputs=outputs)


@dataclass(frozen=True, slots=True)
class World:
    """Everything the commands are run on, made once for the module."""

    root: Path
    snapshot: Path
    other_phone: Path
    fleet: Path
    apk: Path
    sim_address: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("hostile")
    snapshot = root / "snapshot"
    write_snapshot_dir(snapshot, hostile_snapshot())
    other = root / "other-phone"
    write_snapshot_dir(other, hostile_snapshot(serial="OTHER"))
    fleet = root / "fleet"
    fleet.mkdir()
    write_snapshot_dir(fleet / f"phone{NAME}", hostile_snapshot())
    (fleet / f"junk{NAME}.json").write_text("{not json")
    apk = root / "app.apk"
    apk.write_bytes(factory.build_apk(factory.manifest(app_attrs={"android:label": f"Label{EVIL}"})))
    with Simulator(hostile_snapshot(serial="LIVE"), auth="off") as sim:
        yield World(root, snapshot, other, fleet, apk, sim.address)


@dataclass(frozen=True, slots=True)
class Case:
    """One command run: its arguments (from the world and a fresh folder) and the exit codes it may end with."""

    args: Callable[[World, Path], list[str]]
    codes: tuple[int, ...] = (0,)
    seen: str = SEEN
    plain_silent: bool = False
    """The command prints no hostile value without a terminal (collect names the phone in its progress only)."""


def _weights(w: World, tmp: Path) -> list[str]:
    weights = tmp / "weights.json"
    weights.write_text(json.dumps({f"weight{EVIL}": 1}))
    return ["audit", str(w.snapshot), "--weights", str(weights), "--out", str(tmp / "r.json")]


def _iocs(w: World, tmp: Path) -> list[str]:
    listed = tmp / f"list{NAME}.stix2"
    listed.write_bytes(threat_stix())
    return ["iocs", str(listed)]


def _bad_iocs(w: World, tmp: Path) -> list[str]:
    bad = tmp / f"bad{NAME}.yaml"
    bad.write_text("[" * 40 + "]" * 40)
    return ["iocs", str(bad)]


CASES: dict[str, Case] = {
    "audit snapshot": Case(lambda w, t: ["audit", str(w.snapshot), "--out", str(t / "r.json")]),
    "audit snapshot, markdown on stdout": Case(lambda w, t: ["audit", str(w.snapshot), "--out", "-", "-f", "md"]),
    "audit live phone": Case(lambda w, t: ["audit", "--tcp", w.sim_address, "--out", str(t / "live.json")]),
    "collect live phone": Case(
        lambda w, t: ["collect", "--tcp", w.sim_address, "--out", str(t / "c")], plain_silent=True
    ),
    # The simulator's connection banner cuts the model at its first ";" (a banner's field separator).
    "devices": Case(lambda w, t: ["devices", "--no-usb", "--tcp", w.sim_address], seen=visible("Model\x1b]0")),
    "synth": Case(lambda w, t: ["synth", str(t / f"synth{NAME}"), "--apps", "31"]),
    "fleet": Case(lambda w, t: ["fleet", str(w.fleet), "--out", str(t / "fleet.html")]),
    "diff, two phones": Case(lambda w, t: ["diff", str(w.snapshot), str(w.other_phone)], codes=(2,)),
    "diff, text": Case(lambda w, t: ["diff", str(w.snapshot), str(w.snapshot)]),
    "apk": Case(lambda w, t: ["apk", str(w.apk)]),
    "iocs": Case(_iocs),
    "iocs, a bad list": Case(_bad_iocs, codes=(2,)),
    "error: no such input": Case(lambda w, t: ["audit", str(t / f"missing{NAME}")], codes=(2,)),
    # The weights loader quotes the unknown key with repr(): already escaped, and still so.
    "error: bad weights": Case(_weights, codes=(2,), seen="weight\\x1b]0;pwned\\x07"),
}


def _run(args: list[str], tmp: Path, *, colours: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "TERM", "ANDROID_SERIAL")}
    env |= {"HOME": str(tmp), "XDG_CACHE_HOME": str(tmp / "cache"), "COLUMNS": "2000"}
    if colours:
        env |= {"FORCE_COLOR": "1", "TERM": "xterm"}
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        cwd=tmp,
        env=env,
        timeout=180,
    )


@pytest.mark.parametrize("colours", [False, True], ids=["plain", "coloured"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_no_hostile_sequence_reaches_the_terminal(world: World, tmp_path: Path, name: str, colours: bool) -> None:
    case = CASES[name]
    result = _run(case.args(world, tmp_path), tmp_path, colours=colours)
    assert result.returncode in case.codes, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for stream in (result.stdout, result.stderr):
        left = _RICH_OWN.sub("", stream) if colours else stream
        found = _CONTROL.search(left)
        assert found is None, f"{found.group()!r} in {left[max(0, found.start() - 80) : found.end() + 80]!r}"
    shown = result.stdout + result.stderr
    if colours:
        shown = _RICH_OWN.sub("", shown)
    if colours or not case.plain_silent:
        assert case.seen in shown, shown[-2000:]


V = visible(EVIL)
"""How ``EVIL`` reads on a terminal: every hidden character escaped, the markup printed as written."""

REPRODUCTIONS: dict[str, tuple[Callable[[World, Path], list[str]], bool, Callable[[World, Path], str]]] = {
    # name: (arguments, colours on, the exact text the hostile value now prints as)
    "getprop model and manufacturer": (
        lambda w, t: ["audit", str(w.snapshot), "--out", str(t / "r.json")],
        False,
        lambda w, t: f"Maker{V} Model{V} — Android 14 (SDK 34), security patch 2024-05-05\n",
    ),
    "manifest source": (
        lambda w, t: ["audit", str(w.snapshot), "--out", str(t / "r.json")],
        False,
        lambda w, t: f"Source: source{V} {w.snapshot}\n",
    ),
    "manifest notes": (
        lambda w, t: ["audit", str(w.snapshot), "--out", str(t / "r.json")],
        False,
        lambda w, t: f"  • section{V}: message{V}\n",
    ),
    "file names in fleet skip lines": (
        lambda w, t: ["fleet", str(w.fleet), "--out", str(t / "f.html")],
        False,
        lambda w, t: f"skipped {w.fleet / ('junk' + NAME + '.json')}: ".replace(NAME, visible(NAME)),
    ),
    "serials in diff errors": (
        lambda w, t: ["diff", str(w.snapshot), str(w.other_phone)],
        False,
        lambda w, t: (
            f"error: {w.snapshot} and {w.other_phone} are different devices (serial SERIAL{V} vs OTHER{V}); "
            "use --force to compare anyway\n"
        ),
    ),
    "messages of collect": (
        lambda w, t: ["collect", "--tcp", w.sim_address, "--out", str(t / "c")],
        True,
        lambda w, t: f"Collecting from Model{V}",
    ),
    "device listing": (
        lambda w, t: ["devices", "--no-usb", "--tcp", w.sim_address],
        False,
        lambda w, t: visible("Model\x1b]0"),
    ),
    "paths in errors": (
        lambda w, t: ["audit", str(t / f"missing{NAME}")],
        False,
        lambda w, t: f"error: {t / ('missing' + NAME)}".replace(NAME, visible(NAME)),
    ),
}


@pytest.mark.parametrize("name", sorted(REPRODUCTIONS))
def test_each_reproduction_prints_the_value_as_seen(world: World, tmp_path: Path, name: str) -> None:
    """The places the hostile values reached the terminal raw, each now printing them made visible."""
    args, colours, expected = REPRODUCTIONS[name]
    result = _run(args(world, tmp_path), tmp_path, colours=colours)
    printed = result.stdout + result.stderr
    if colours:
        printed = _RICH_OWN.sub("", printed)
    assert expected(world, tmp_path) in printed, printed[-3000:]
