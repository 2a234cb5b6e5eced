"""Fuzzing the command line with hostile inputs: mutated snapshot folders and bug-report zips.

Whoever hands over a snapshot or a bug report controls every byte of it, and every file type in it.
Whatever they do, a command must end with exit code 0, 1 or 2 (a result, a policy verdict, or one line
saying what is wrong), never "internal error" (3), never a traceback, within a bounded time and memory,
and write nothing outside ``--out`` (the input and the working folder are left exactly as they were,
and no file a link points at outside the input reaches the report).

Each example runs the real command in a subprocess, because only a subprocess can be stopped when it
hangs (a FIFO read) and given a memory limit (``RLIMIT_AS``): a reader that follows ``/dev/zero`` or
inflates a zip bomb whole dies of ``MemoryError``, which the command reports as internal error, and the
test fails. The number of examples keeps the whole file well under two minutes on two cores.
"""

from __future__ import annotations

import hashlib
import io
import os
import resource
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from auditor.acquire.synthetic import write_synthetic
from auditor.acquire.synthetic.forms import Form, write_form

# A duplicate member name is one of the mutations; zipfile warns when writing it.
pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")

TIMEOUT_S = 60
"""Wall time one command may take on a mutated input (a normal audit of these inputs takes about 1 s)."""

MEMORY_LIMIT = 3 << 30
"""Address space one command may use: well above a normal audit's, far below what a read of
``/dev/zero`` or an inflated bomb takes."""

SECRET = "SECRET-OUTSIDE-THE-INPUT-7f3a"
"""The content of a file beside the input: a link out of the input must not carry it into a report."""

HOSTILE_NAME = "raw\x1b]0;pwned\x07\n.txt"
DEEP = b"[" * 200_000 + b"]" * 200_000


FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is red only when the code changes
    database=None,
    phases=(Phase.explicit, Phase.generate),  # a failing example prints its draws; shrinking reruns hangs
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _tree(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (links not followed, special files not opened): kind and content digest."""
    seen: dict[str, str] = {}
    entries = [Path(top) / name for top, dirs, files in os.walk(root) for name in (*dirs, *files)]
    for path in sorted(entries):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            if info.st_size > 64 << 20:  # a sparse giant: its size says enough
                seen[str(path)] = f"file {info.st_size}"
            else:
                seen[str(path)] = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
        elif stat.S_ISLNK(info.st_mode):
            seen[str(path)] = "link " + os.readlink(path)
        else:
            seen[str(path)] = f"mode {stat.S_IFMT(info.st_mode):o}"
    return seen


def _run(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(work / "cache"),
        "TMPDIR": str(work / "tmp"),
        "AUDITOR_IOCS": "",
    }
    env.pop("AUDITOR_DEBUG", None)
    try:
        return subprocess.run(
            [sys.executable, "-m", "auditor", *args],
            capture_output=True,
            text=True,
            errors="replace",
            cwd=work,
            env=env,
            timeout=TIMEOUT_S,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"auditor {' '.join(args)} did not end within {TIMEOUT_S} s")


def _check(work: Path, input_path: Path, command: str) -> None:
    """Run ``command`` on ``input_path`` and check the contract of the module docstring."""
    out = work / "out"
    out.mkdir(exist_ok=True)
    before = _tree(work)
    if command == "audit":
        result = _run(work, "audit", str(input_path), "--out", str(out / "report.json"))
    elif command == "fleet":
        result = _run(work, "fleet", str(input_path.parent), "--out", str(out / "fleet.html"))
    else:
        result = _run(work, "diff", str(input_path), str(input_path), "--out", str(out / "diff.json"))
    said = result.stdout + result.stderr
    assert result.returncode in (0, 1, 2), f"exit {result.returncode}: {said[-2000:]}"
    assert "internal error" not in said and "Traceback" not in said, said[-2000:]
    if result.returncode == 2:
        assert result.stderr.strip(), "exit 2 must say why"
    after = _tree(work)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    outside = {p for p in changed if not p.startswith(str(out) + os.sep) and not p.startswith(str(work / "cache"))}
    assert not outside, f"written outside --out: {sorted(outside)}"
    assert list((work / "tmp").iterdir()) == [], "temporary files left behind"
    for written in out.rglob("*"):
        if written.is_file():
            assert SECRET not in written.read_text(errors="replace"), f"{written} holds a file from outside the input"


# --------------------------------------------------------------------------------------------------
# Snapshot folders
# --------------------------------------------------------------------------------------------------


def _mutate_file(target: Path, kind: str, data: st.DataObject) -> None:
    """Do ``kind`` to one file of a snapshot."""
    match kind:
        case "truncate":
            content = target.read_bytes()
            target.write_bytes(content[: data.draw(st.integers(0, len(content)), label="cut at")])
        case "garbage":
            target.write_bytes(data.draw(st.binary(max_size=4096), label="bytes"))
        case "flip":
            content = bytearray(target.read_bytes())
            if content:
                at = data.draw(st.integers(0, len(content) - 1), label="flip at")
                content[at] ^= data.draw(st.integers(1, 255), label="xor")
            target.write_bytes(bytes(content))
        case "deep":
            target.write_bytes(DEEP)
        case "fifo":
            target.unlink()
            os.mkfifo(target)
        case "folder":
            target.unlink()
            target.mkdir()
        case "to-dev-zero":
            target.unlink()
            target.symlink_to("/dev/zero")
        case "out-of-input":
            target.unlink()
            target.symlink_to(next(p for p in target.parents if p.name == "inputs").parent / "secret.txt")
        case "loop":
            target.unlink()
            target.symlink_to(target.name)
        case "sparse-giant":
            with target.open("r+b") as f:
                f.truncate(3 << 30)
        case "hostile-name":
            target.rename(target.with_name(HOSTILE_NAME))
        case "no-access":
            target.chmod(0)
        case "removed":
            target.unlink()
        case _:
            raise AssertionError(kind)


FILE_MUTATIONS = (
    "truncate",
    "garbage",
    "flip",
    "deep",
    "fifo",
    "folder",
    "to-dev-zero",
    "out-of-input",
    "loop",
    "sparse-giant",
    "hostile-name",
    "no-access",
    "removed",
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small synthetic device, as a snapshot folder and as a bug-report zip."""
    root = tmp_path_factory.mktemp("pristine")
    write_synthetic(root / "snapshot", 31, seed=11)
    zipped = write_form(root / "bugreport", Form.BUGREPORT_ZIP, 31, seed=11)
    return {"snapshot": root / "snapshot", "bugreport": zipped}


def _workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("fuzz")
    (work / "secret.txt").write_text(SECRET)
    (work / "inputs").mkdir()
    (work / "tmp").mkdir()
    return work


@pytest.mark.parametrize("first", FILE_MUTATIONS)
@settings(FUZZ, max_examples=2)
@given(data=st.data())
def test_a_mutated_snapshot_folder_never_breaks_a_command(
    pristine: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, first: str, data: st.DataObject
) -> None:
    """Every kind of damage at least once (``first``), with up to two more drawn on top of it."""
    work = _workspace(tmp_path_factory)
    snapshot = work / "inputs" / "phone"
    shutil.copytree(pristine["snapshot"], snapshot)
    kinds = [first] + data.draw(st.lists(st.sampled_from(FILE_MUTATIONS), max_size=2), label="more")
    for kind in kinds:
        files = sorted(p for p in snapshot.rglob("*") if p.is_file() and not p.is_symlink())
        if not files:
            break
        _mutate_file(data.draw(st.sampled_from(files), label="file"), kind, data)
    command = data.draw(st.sampled_from(("audit", "fleet", "diff")), label="command")
    event(command)
    _check(work, snapshot, command)


# --------------------------------------------------------------------------------------------------
# Bug-report zips
# --------------------------------------------------------------------------------------------------


def _bomb(size: int) -> Callable[[zipfile.ZipFile, str], None]:
    """A member that inflates to ``size`` bytes of plausible dumpstate lines from a few hundred kB."""

    def write(archive: zipfile.ZipFile, name: str) -> None:
        line = b"  android.permission.READ_CONTACTS: granted=true, flags=[ USER_SET ]\n"
        block = line * ((1 << 20) // len(line))
        with archive.open(zipfile.ZipInfo(name), "w", force_zip64=True) as member:
            for _ in range(size // len(block)):
                member.write(block)

    return write


ZIP_MUTATIONS = (
    "cut-archive",
    "garbage-member",
    "cut-member",
    "deep-member",
    "bomb",
    "hostile-member-name",
    "escaping-member-name",
    "many-members",
    "dropped-member",
    "duplicate-member",
    "corrupt-deflate",
)


def _mutate_zip(pristine: Path, target: Path, kind: str, data: st.DataObject) -> None:
    with zipfile.ZipFile(pristine) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    if kind == "cut-archive":
        content = pristine.read_bytes()
        target.write_bytes(content[: data.draw(st.integers(0, len(content) - 1), label="cut at")])
        return
    names = sorted(members)
    chosen = data.draw(st.sampled_from(names), label="member")
    extra: list[tuple[str, bytes]] = []
    writers: dict[str, Callable[[zipfile.ZipFile, str], None]] = {}
    match kind:
        case "garbage-member":
            members[chosen] = data.draw(st.binary(max_size=4096), label="bytes")
        case "cut-member":
            members[chosen] = members[chosen][: data.draw(st.integers(0, len(members[chosen])), label="cut at")]
        case "deep-member":
            members[chosen] = DEEP
        case "bomb":
            writers[chosen] = _bomb(data.draw(st.sampled_from((300 << 20, 1100 << 20)), label="inflated size"))
        case "hostile-member-name":
            members[HOSTILE_NAME] = members.pop(chosen)
        case "escaping-member-name":
            extra.append(("../../outside.txt", b"x"))
            extra.append(("/etc/evil.txt", b"x"))
        case "many-members":
            extra.extend((f"FS/data/{i}.txt", b"") for i in range(20_000))
        case "dropped-member":
            del members[chosen]
        case "duplicate-member":
            extra.append((chosen, data.draw(st.binary(max_size=512), label="bytes")))
        case "corrupt-deflate":
            pass  # the archive is written intact, then bytes inside the member's compressed data are changed
        case _:
            raise AssertionError(kind)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if name in writers:
                writers[name](archive, name)
            else:
                archive.writestr(name, content)
        for name, content in extra:
            archive.writestr(name, content)
    content = bytearray(buffer.getvalue())
    if kind == "corrupt-deflate":
        # Damage found only while inflating (zlib's "invalid distance", or a CRC mismatch at the end).
        with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
            info = archive.getinfo(chosen)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        size = info.compress_size
        if size:
            at = start + data.draw(st.integers(0, size - 1), label="damage at")
            for i in range(at, min(at + 16, start + size)):
                content[i] ^= 0x5A
    target.write_bytes(bytes(content))


@pytest.mark.parametrize("kind", ZIP_MUTATIONS)
@settings(FUZZ, max_examples=2)
@given(data=st.data())
def test_a_mutated_bug_report_zip_never_breaks_a_command(
    pristine: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, kind: str, data: st.DataObject
) -> None:
    work = _workspace(tmp_path_factory)
    zipped = work / "inputs" / pristine["bugreport"].name
    _mutate_zip(pristine["bugreport"], zipped, kind, data)
    command = data.draw(st.sampled_from(("audit", "fleet", "diff")), label="command")
    event(command)
    _check(work, zipped, command)
