"""Every writer × every target it must refuse, and the modes of everything every writer creates.

Each command runs as a user runs it (``python -m auditor`` in a subprocess, with a timeout so a FIFO
opened for writing would fail the test instead of hanging it). A refusal is exit code 2, one line on
standard error naming the target, and nothing changed: not the target, not the file a link points
to, not the folder around it (no temporary file left). Before the rules in
``auditor.report.output`` every one of these replaced the link, the FIFO or the device node, or
ended in "internal error" with exit 3.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.acquire.synthetic import generate, write_synthetic
from auditor.acquire.synthetic.apks import synthetic_apks
from auditor.simulator import Simulator

ROOT = os.geteuid() == 0


def run(*args: str, home: Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m auditor …`` with HOME (the adb key) and the APK cache under ``home``."""
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "COLUMNS": "400"}
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,  # noqa: PLW1509 - no threads here
    )


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic snapshot every command reads."""
    path = tmp_path_factory.mktemp("input") / "snap"
    write_synthetic(path, 31, seed=3)
    return path


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    """The synthetic phone over ADB, serving its third-party APKs."""
    snapshot, truth = generate(31, seed=3)
    with Simulator(snapshot, auth="off", files=dict(synthetic_apks(truth))) as sim:
        yield sim


@dataclass(frozen=True)
class Writer:
    """One command that writes, and the argument list that writes to ``target``."""

    name: str
    argv: Callable[[Path, Path, Simulator], list[str]]
    """(target, snapshot folder, simulator) → arguments."""
    folder: bool = False
    """Whether the target is a folder the command writes into (else a file)."""


def _recipient() -> str:
    from pyrage import x25519

    return str(x25519.Identity.generate().to_public())


FILE_WRITERS = (
    Writer("audit --out", lambda t, s, _: ["audit", str(s), "--out", str(t), "--format", "json"]),
    Writer("audit --out (html)", lambda t, s, _: ["audit", str(s), "--out", str(t), "--format", "html"]),
    Writer("diff --out", lambda t, s, _: ["diff", str(s), str(s), "--out", str(t), "--format", "json"]),
    Writer("fleet --out", lambda t, s, _: ["fleet", str(s), "--out", str(t)]),
)
FOLDER_WRITERS = (
    Writer("collect --out", lambda t, _, sim: ["collect", "--tcp", sim.address, "--out", str(t)], folder=True),
    Writer(
        "collect --out --apks", lambda t, _, sim: ["collect", "--tcp", sim.address, "--out", str(t), "--apks"], True
    ),
    Writer("synth", lambda t, _s, _: ["synth", str(t), "--apps", "31"], folder=True),
    *(
        Writer(f"synth --form {form}", lambda t, _s, _, f=form: ["synth", str(t), "--apps", "31", "--form", f], True)
        for form in ("bugreport", "bugreport-folder", "androidqf", "androidqf-zip")
    ),
    Writer(
        "synth --form androidqf-age",
        lambda t, _s, _: ["synth", str(t), "--apps", "31", "--form", "androidqf-age", "--recipient", _recipient()],
        folder=True,
    ),
    Writer("synth --threats", lambda t, _s, _: ["synth", str(t), "--apps", "40", "--threats"], folder=True),
    Writer("fleet --export-dir", lambda t, s, _: ["fleet", str(s), "--out", "-", "--export-dir", str(t)], True),
    Writer("demo --out-dir", lambda t, _s, _: ["demo", "--apps", "31", "--out-dir", str(t)], folder=True),
)


# -- the bad targets --------------------------------------------------------------------------------------


def _state(path: Path) -> tuple[object, ...]:
    """What a path is and holds, to compare before and after (a link is described, not followed)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    content: object = None
    if stat.S_ISREG(st.st_mode):
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        content = os.readlink(path)
    elif stat.S_ISDIR(st.st_mode):
        content = sorted(p.name for p in path.iterdir())
    return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_ino, content)


@dataclass(frozen=True)
class Bad:
    """A target a writer must refuse: ``make`` lays it out in a folder and returns it and the paths to watch."""

    name: str
    make: Callable[[Path, bool], tuple[Path, list[Path]]]
    says: str
    """A part of the one line the refusal prints."""


def _symlink(base: Path, folder: bool) -> tuple[Path, list[Path]]:
    real = base / "real"
    if folder:
        real.mkdir()
    else:
        real.write_text("the file the link points to")
    link = base / "link"
    link.symlink_to(real)
    return link, [real, link]


def _fifo(base: Path, folder: bool) -> tuple[Path, list[Path]]:
    fifo = base / "fifo"
    os.mkfifo(fifo)
    return fifo, [fifo]


def _device(base: Path, folder: bool) -> tuple[Path, list[Path]]:
    return Path("/dev/null"), [Path("/dev/null")]


def _wrong_kind(base: Path, folder: bool) -> tuple[Path, list[Path]]:
    """A folder where a file is wanted, a file where a folder is wanted."""
    target = base / "wrong"
    if folder:
        target.write_text("a file, not a folder")
    else:
        target.mkdir()
        (target / "inside.txt").write_text("kept")
    return target, [target]


def _under_a_file(base: Path, folder: bool) -> tuple[Path, list[Path]]:
    small = base / "small.json"
    small.write_text("{}")
    return small / "x.out", [small]


def _missing_parent(base: Path, folder: bool) -> tuple[Path, list[Path]]:
    return base / "missing" / "x.out", [base / "missing"]


def _unwritable(base: Path, folder: bool) -> tuple[Path, list[Path]]:
    locked = base / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "x.out", [locked]


BAD = (
    Bad("symlink", _symlink, "is a symbolic link; refusing to write through it"),
    Bad("fifo", _fifo, "a named pipe (FIFO)"),
    Bad("device", _device, "a device"),
    Bad("wrong kind", _wrong_kind, "not a"),
    Bad("under a file", _under_a_file, "is a file, not a folder"),
    Bad("missing parent", _missing_parent, "does not exist"),
    pytest.param(
        Bad("unwritable folder", _unwritable, "is not writable"),
        marks=pytest.mark.skipif(ROOT, reason="root writes into a 0500 folder: nothing to refuse"),
    ),
)


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.name)
@pytest.mark.parametrize("writer", FILE_WRITERS + FOLDER_WRITERS, ids=lambda w: w.name)
def test_a_bad_target_is_refused_in_one_line_and_left_alone(
    writer: Writer, bad: Bad, tmp_path: Path, snapshot_dir: Path, simulator: Simulator
) -> None:
    base = tmp_path / "out"
    base.mkdir()
    target, watched = bad.make(base, writer.folder)
    before = {p: _state(p) for p in [base, *watched]}
    result = run(*writer.argv(target, snapshot_dir, simulator), home=tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert bad.says in lines[0] and str(target.parent) in lines[0], lines[0]
    assert {p: _state(p) for p in [base, *watched]} == before  # no temporary file left, nothing replaced
    if bad.name == "symlink" and not writer.folder:
        assert (base / "real").read_text() == "the file the link points to"


# -- modes ------------------------------------------------------------------------------------------------


def _modes(top: Path) -> Iterator[tuple[str, int]]:
    """(path relative to ``top``, mode) of ``top``'s contents, folders with a trailing ``/``."""
    for path in sorted(top.rglob("*")):
        rel = str(path.relative_to(top))
        yield (rel + "/" if path.is_dir() else rel), stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022], ids=["umask 000", "umask 022"])
@pytest.mark.parametrize("writer", FILE_WRITERS + FOLDER_WRITERS, ids=lambda w: w.name)
def test_everything_written_is_owner_only_whatever_the_umask(
    writer: Writer, umask: int, tmp_path: Path, snapshot_dir: Path, simulator: Simulator
) -> None:
    base = tmp_path / "out"
    base.mkdir()
    target = base / ("made" if writer.folder else "written.out")
    result = run(*writer.argv(target, snapshot_dir, simulator), home=tmp_path, umask=umask)
    assert result.returncode in (0, 1), result.stderr  # 1: diff saw no change is 0; a fleet violation is 1
    written = dict(_modes(base))
    assert written, "nothing written"
    wrong = {p: oct(m) for p, m in written.items() if m != (0o700 if p.endswith("/") else 0o600)}
    assert wrong == {}
    if writer.folder:
        assert stat.S_IMODE(target.stat().st_mode) == 0o700
        assert len(written) > 1


def test_the_apk_cache_is_owner_only_and_not_written_through_a_link(tmp_path: Path) -> None:
    """``auditor apk`` keeps its results in $XDG_CACHE_HOME/auditor/apk: 0700 folders, 0600 entries."""
    _snapshot, truth = generate(31, seed=3)
    apk = tmp_path / "app.apk"
    apk.write_bytes(next(iter(synthetic_apks(truth).values())))
    result = run("apk", str(apk), "--format", "json", home=tmp_path, umask=0)
    assert result.returncode == 0, result.stderr
    cache = tmp_path / "cache"
    assert dict(_modes(cache)) == {
        "auditor/": 0o700,
        "auditor/apk/": 0o700,
        **{f"auditor/apk/{p.name}": 0o600 for p in (cache / "auditor" / "apk").iterdir()},
    }
    assert len(list((cache / "auditor" / "apk").iterdir())) == 1

    # A cache folder planted as a link elsewhere: the analysis still runs; nothing lands behind the link.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = tmp_path / "other"
    (other / "auditor").mkdir(parents=True)
    (other / "auditor" / "apk").symlink_to(elsewhere)
    env_home = tmp_path / "h2"
    env_home.mkdir()
    (env_home / "cache").symlink_to(other)  # a link above the last part is the user's layout: followed
    again = run("apk", str(apk), "--format", "json", home=env_home)
    assert again.returncode == 0, again.stderr
    assert list(elsewhere.iterdir()) == []
