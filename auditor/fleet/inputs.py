"""What the PATHs of ``auditor fleet`` and ``auditor diff`` are: audit JSONs, snapshots, bug reports, androidqf, APKs.

Why sniff instead of trusting names: a fleet folder is whatever an MDM export or a colleague's
script left there. A file is judged by its first bytes (a JSON object with a ``schema`` key, a zip
with ``AndroidManifest.xml`` or with a dumpstate inside, a ``== dumpstate`` text), a folder by
what it holds. Only the first few KiB are read here; the full read happens later, in a worker.

A folder that is itself a source (a snapshot or an androidqf folder) is one input; any other folder
is searched, recursively, without following symbolic links (a link loop cannot hang the run). In a
searched folder only candidates are taken (``*.json``, ``*.json.gz``, ``*.zip``, ``*.txt`` that
look like sources, and source folders); other files are ignored and counted. A candidate that
turns out unusable becomes a ``Skip`` with its reason: one broken file never stops a fleet.
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from auditor.acquire.offline import is_androidqf_dir
from auditor.snapshot import is_snapshot_dir

SNIFF_BYTES: Final = 4096
MAX_ZIP_ENTRIES: Final = 100_000
"""A zip whose central directory lists more entries is not looked into (a bug report has a few thousand)."""


class InputKind(StrEnum):
    """What one input is."""

    AUDIT_JSON = "audit_json"
    """An audit report written by ``auditor audit --format json`` (plain or ``.gz``)."""
    SNAPSHOT = "snapshot"
    BUGREPORT = "bugreport"
    ANDROIDQF = "androidqf"
    APK = "apk"
    """An APK: a single app, not a device (``auditor diff`` compares two of them)."""


@dataclass(frozen=True, slots=True)
class FleetInput:
    """One input found, and what it was judged to be."""

    path: str
    kind: InputKind


@dataclass(frozen=True, slots=True)
class Skip:
    """An input that was not used, and why (shown in the fleet report and on the terminal)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Expanded:
    """Every input found under the PATHs, in a stable order, with the skips and how much was ignored."""

    inputs: tuple[FleetInput, ...]
    skips: tuple[Skip, ...]
    ignored: int
    """Files in searched folders that are not candidates at all (a README, a spreadsheet …)."""


# --------------------------------------------------------------------------------------------------
# Sniffing one path
# --------------------------------------------------------------------------------------------------


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as g:
                return g.read(SNIFF_BYTES)
        except (OSError, EOFError, zlib.error):
            return b""
    return head


def _looks_like_audit_json(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and b'"schema"' in text[:512]


def _zip_kind(path: Path) -> InputKind | str:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return f"a zip with {len(infos)} entries; not a bug report"
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        return f"not a readable zip ({e})"
    if "AndroidManifest.xml" in names:
        return InputKind.APK
    if "main_entry.txt" in names or any(n.startswith(("bugreport", "dumpstate")) and n.endswith(".txt") for n in names):
        return InputKind.BUGREPORT
    return "a zip without main_entry.txt or bugreport-*.txt; not a bug report"


def sniff(path: Path) -> InputKind | str:
    """What ``path`` is, or a one-line reason why it is none of the supported inputs.

    Callers tell the two apart with ``isinstance(result, InputKind)``: an ``InputKind`` is a ``str`` too.
    """
    try:
        if path.is_dir():
            if is_snapshot_dir(path):
                return InputKind.SNAPSHOT
            if is_androidqf_dir(path):
                return InputKind.ANDROIDQF
            return "a folder that is neither a snapshot (manifest.json) nor an androidqf folder (dumpsys.txt)"
        if not path.exists():
            return "no such file or directory"
        if not path.is_file():
            return "not a regular file"
        head = _head(path)
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    if not head:
        return "empty file"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path)
    if _looks_like_audit_json(head):
        return InputKind.AUDIT_JSON
    if head.lstrip().startswith(b"{"):
        return "a JSON file that is not an audit report (no 'schema' key at its start)"
    if b"== dumpstate" in head or b"DUMP OF SERVICE" in head:
        return InputKind.BUGREPORT
    if path.suffix.lower() == ".apk":
        return "named .apk but not a zip"
    return "not an audit JSON, snapshot, bug report or androidqf folder"


# --------------------------------------------------------------------------------------------------
# Expanding PATHs
# --------------------------------------------------------------------------------------------------

_CANDIDATE_SUFFIXES: Final = (".json", ".json.gz", ".zip", ".txt", ".apk")


def _is_candidate(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(_CANDIDATE_SUFFIXES) and lower != "manifest.json"


def _walk(root: Path) -> Iterator[tuple[Path, bool]]:
    """(path, is_dir) for every source folder and candidate file under ``root``, sorted, without following links."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            sub = here / d
            if sub.is_symlink():
                continue
            if is_snapshot_dir(sub) or is_androidqf_dir(sub):
                yield sub, True
            else:
                keep.append(d)
        dirnames[:] = keep  # only plain folders are searched further
        for name in sorted(filenames):
            yield here / name, False


def expand(paths: Sequence[Path], *, apks: bool = False) -> Expanded:
    """Every input under ``paths`` (files, source folders, folders searched recursively), each once.

    An APK is a device input only for ``diff``; in a fleet (``apks=False``) it becomes a skip.
    A .txt file found in a searched folder is taken only when it looks like a dumpstate.
    """
    inputs: list[FleetInput] = []
    skips: list[Skip] = []
    seen: set[str] = set()
    ignored = 0

    def take(path: Path, explicit: bool) -> None:
        nonlocal ignored
        key = os.path.realpath(path)
        if key in seen:
            return
        seen.add(key)
        kind = sniff(path)
        if not isinstance(kind, InputKind):  # a reason (InputKind is a str too: test for it, not for str)
            if explicit or not path.name.lower().endswith(".txt"):
                skips.append(Skip(str(path), kind))
            else:
                ignored += 1  # a stray .txt in a folder is not a broken input
            return
        if kind is InputKind.APK and not apks:
            skips.append(Skip(str(path), "an APK is one app, not a device (compare two with 'auditor diff')"))
            return
        inputs.append(FleetInput(str(path), kind))

    for path in paths:
        if path.is_dir() and not (is_snapshot_dir(path) or is_androidqf_dir(path)):
            for found, is_dir in _walk(path):
                if is_dir or _is_candidate(found.name):
                    take(found, explicit=False)
                elif not found.is_symlink():
                    ignored += 1
            continue
        take(path, explicit=True)
    return Expanded(tuple(inputs), tuple(skips), ignored)
