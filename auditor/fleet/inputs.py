"""What the PATHs of ``auditor fleet`` and ``auditor diff`` are: audit JSONs, snapshots, bug reports, androidqf, APKs.

Why sniff instead of trusting names: a fleet folder is whatever an MDM export or a colleague's
script left there. Each path is judged by the one detector ``audit`` and ``diff`` use too
(``auditor.acquire.detect``): a file by its first bytes, a zip by its member names, a folder by what it
holds. Only the first few KiB are read here; the full read happens later, in a worker.

A folder that is itself a source (a snapshot, an androidqf folder, an unzipped bug report) is one
input; any other folder is searched, recursively, without following symbolic links (a link loop cannot
hang the run). In a searched folder only candidates are taken (``*.json``, ``*.json.gz``, ``*.zip``,
``*.age``, ``*.txt`` that look like sources, and source folders); other files are ignored and counted. A candidate that
turns out unusable becomes a ``Skip`` with its reason: one broken file never stops a fleet.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from auditor.acquire.detect import LOOKED_FOR, SourceKind, is_source_dir
from auditor.acquire.detect import sniff as detect_sniff

InputKind = SourceKind
"""What one input is: the detector's kinds (``auditor.acquire.detect``), under the fleet's old name."""


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


def sniff(path: Path) -> InputKind | str:
    """What ``path`` is, or a one-line reason why it is none of the supported inputs (``auditor.acquire.detect``).

    Callers tell the two apart with ``isinstance(result, InputKind)``: an ``InputKind`` is a ``str`` too.
    """
    found = detect_sniff(path)
    return found if isinstance(found, str) else found.kind


# --------------------------------------------------------------------------------------------------
# Expanding PATHs
# --------------------------------------------------------------------------------------------------

_CANDIDATE_SUFFIXES: Final = (".json", ".json.gz", ".zip", ".age", ".txt", ".apk")


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
            if is_source_dir(sub):
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
            if explicit:
                skips.append(Skip(str(path), f"{kind}; {LOOKED_FOR}" if path.exists() else kind))
            elif not path.name.lower().endswith(".txt"):
                skips.append(Skip(str(path), kind))
            else:
                ignored += 1  # a stray .txt in a folder is not a broken input
            return
        if kind is InputKind.APK and not apks:
            skips.append(Skip(str(path), "an APK is one app, not a device (compare two with 'auditor diff')"))
            return
        inputs.append(FleetInput(str(path), kind))

    for path in paths:
        if path.is_dir() and not is_source_dir(path):
            for found, is_dir in _walk(path):
                if is_dir or _is_candidate(found.name):
                    take(found, explicit=False)
                elif not found.is_symlink():
                    ignored += 1
            continue
        take(path, explicit=True)
    return Expanded(tuple(inputs), tuple(skips), ignored)
