"""What a PATH is: the one detector ``audit``, ``diff`` and ``fleet`` share.

People bring what other tools made, and name files as they like, so a path is judged by what it holds,
never by its name alone:

* a **snapshot** folder holds ``manifest.json``;
* an **androidqf** acquisition holds some of ``acquisition.json``, ``getprop.txt``, ``dumpsys.txt``,
  ``packages.json`` (an acquisition missing some opens, with notes on what is missing), in a folder, in
  a zip (at its root or under one top folder, as a zipped acquisition folder is), or in a zip encrypted
  with age (androidqf writes ``<UUID>.zip.age`` when it finds a ``key.txt``);
* a **bug report** is a zip with ``main_entry.txt`` or a ``bugreport-*.txt``/``dumpstate*.txt`` (what
  ``adb bugreport`` writes), the same as a folder (an unzipped bug report), or the dumpstate text itself
  (``== dumpstate`` or ``DUMP OF SERVICE`` at its start);
* an **audit JSON** (``auditor audit --format json``, plain or gzip) starts as a JSON object with a
  ``schema`` key; an **APK** is a zip holding ``AndroidManifest.xml``.

Only a few KiB of a file and the central directory of a zip are read here; sources read the rest,
bounded (``auditor.acquire.containers``). When nothing matches, the reason says what was looked for.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from auditor.acquire.containers import MAX_MEMBERS, FolderContainer, open_zip
from auditor.errors import AuditorError
from auditor.snapshot import MANIFEST, SnapshotError
from auditor.untrusted import UnsafeInputError, open_regular

SNIFF_BYTES: Final = 4096
AGE_MAGIC: Final = b"age-encryption.org/v1\n"
ANDROIDQF_MARKERS: Final = frozenset({"acquisition.json", "getprop.txt", "dumpsys.txt", "packages.json"})
"""Files only an androidqf acquisition holds at its top; any one of them makes one."""
LOOKED_FOR: Final = (
    "looked for a snapshot folder (manifest.json), an androidqf acquisition (a folder, .zip or .zip.age holding "
    "getprop.txt, dumpsys.txt, packages.json or acquisition.json), a bug report (a zip or folder with "
    "main_entry.txt or bugreport-*.txt, or dumpstate text), an audit JSON or an APK"
)


class SourceKind(StrEnum):
    """What an input is."""

    SNAPSHOT = "snapshot"
    BUGREPORT = "bugreport"
    ANDROIDQF = "androidqf"
    AUDIT_JSON = "audit_json"
    """An audit report written by ``auditor audit --format json`` (plain or ``.gz``)."""
    APK = "apk"
    """An APK: a single app, not a device (``auditor diff`` compares two of them)."""


class Packing(StrEnum):
    """How an input is packed."""

    FOLDER = "folder"
    ZIP = "zip"
    ENCRYPTED_ZIP = "encrypted_zip"
    """A zip encrypted with age; what it holds is known only once decrypted."""
    FILE = "file"
    """A single plain file: dumpstate text, an audit JSON."""


@dataclass(frozen=True, slots=True)
class Detected:
    """What a path was judged to be, and where in it the source lies."""

    kind: SourceKind
    packing: Packing
    root: str = ""
    """For a zip: the folder inside it that holds the source (``""``: its root)."""
    entry: str | None = None
    """For a bug report: the dumpstate file (from ``main_entry.txt``, else the largest ``bugreport*.txt``)."""


class UnknownSourceError(SnapshotError):
    """A path that is none of the inputs the auditor reads (the message says what was looked for)."""


# --------------------------------------------------------------------------------------------------
# Folders and zips: judged by the names they hold
# --------------------------------------------------------------------------------------------------


def _dumpstate_candidates(names: list[str] | tuple[str, ...]) -> list[str]:
    return [n for n in names if "/" not in n and n.startswith(("bugreport", "dumpstate")) and n.endswith(".txt")]


def judge_names(names: list[str] | tuple[str, ...], main_entry: str | None, *, in_zip: bool) -> Detected | str:
    """What a set of member names is (a folder's files or a zip's members), or why it is none of the sources.

    ``main_entry`` is the text of ``main_entry.txt`` when there is one (it names the dumpstate file). A zip
    without it is a bug report when it holds a ``bugreport*.txt`` (older ``adb bugreport`` zips); a folder
    is one only with ``main_entry.txt``, since a folder of several dumpstate texts is a folder of reports.
    """
    top = {n for n in names if "/" not in n}
    if main_entry is not None:
        if main_entry in top:
            return Detected(SourceKind.BUGREPORT, Packing.FOLDER, entry=main_entry)
        return f"main_entry.txt names {main_entry[:80]!r}, which is not there"
    if top & ANDROIDQF_MARKERS:
        return Detected(SourceKind.ANDROIDQF, Packing.FOLDER)
    candidates = _dumpstate_candidates(names) if in_zip else []
    if candidates:
        return Detected(SourceKind.BUGREPORT, Packing.FOLDER, entry=sorted(candidates)[-1])
    if in_zip:
        return (
            "neither an androidqf acquisition (no getprop.txt, dumpsys.txt, packages.json or acquisition.json) "
            "nor a bug report (no main_entry.txt or bugreport-*.txt)"
        )
    return (
        "neither a snapshot (no manifest.json), an androidqf acquisition (no getprop.txt, dumpsys.txt, "
        "packages.json or acquisition.json) nor an unzipped bug report (no main_entry.txt)"
    )


def zip_root(names: list[str] | tuple[str, ...]) -> str:
    """The one top folder every member lies under (a zipped acquisition folder), or ``""``."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return next(iter(tops)) + "/"
    return ""


def _judge_zip(path: Path) -> Detected | str:
    try:
        zf = open_zip(path, str(path))
    except SnapshotError as e:
        return str(e).removeprefix(f"{path}: ")
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        names = [i.filename for i in infos]
        if "AndroidManifest.xml" in names:
            return Detected(SourceKind.APK, Packing.FILE)
        root = zip_root(names)
        inner = [n[len(root) :] for n in names]
        main_entry = None
        if "main_entry.txt" in inner:
            with zf.open(root + "main_entry.txt") as f:
                main_entry = f.read(4096).decode("utf-8", "replace").strip()
        judged = judge_names(inner, main_entry, in_zip=True)
        if isinstance(judged, str):
            return f"a zip that is {judged}" if judged.startswith("neither") else judged
        entry = judged.entry
        if judged.kind is SourceKind.BUGREPORT and main_entry is None and entry is not None:
            # Without main_entry.txt the largest dumpstate-looking file is the report (a few small ones are logs).
            sizes = {i.filename[len(root) :]: i.file_size for i in infos}
            entry = max(_dumpstate_candidates(inner), key=lambda n: (sizes.get(n, 0), n))
        return Detected(judged.kind, Packing.ZIP, root=root, entry=entry)


def _judge_folder(path: Path) -> Detected | str:
    manifest = path / MANIFEST
    if manifest.is_file():
        return Detected(SourceKind.SNAPSHOT, Packing.FOLDER)
    if os.path.lexists(manifest):
        # A snapshot whose manifest is a link loop, a dangling link, a FIFO or a folder: it is still a snapshot
        # (never judged again as whatever its raw/ files resemble), one that cannot be read.
        return f"a snapshot folder whose {MANIFEST} is not a readable regular file"
    folder = FolderContainer(path)
    names = folder.top_names()
    main_entry = None
    if "main_entry.txt" in names:
        try:
            main_entry = folder.read("main_entry.txt", 4096).decode("utf-8", "replace").strip()
        except AuditorError as e:
            return str(e)
    judged = judge_names(names, main_entry, in_zip=False)
    if isinstance(judged, str):
        return f"a folder that is {judged}" if judged.startswith("neither") else judged
    return judged


# --------------------------------------------------------------------------------------------------
# Plain files: judged by their first bytes
# --------------------------------------------------------------------------------------------------


def _head(path: Path) -> bytes:
    with open_regular(path) as f:
        head = f.read(SNIFF_BYTES)
        if head[:2] == b"\x1f\x8b":
            f.seek(0)
            try:
                with gzip.GzipFile(fileobj=f) as g:
                    return g.read(SNIFF_BYTES)
            except (OSError, EOFError, zlib.error):
                return b""
    return head


def _looks_like_audit_json(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and b'"schema"' in text[:512]


def _judge_file(path: Path) -> Detected | str:
    head = _head(path)
    if not head:
        return "an empty file"
    if head.startswith(AGE_MAGIC):
        return Detected(SourceKind.ANDROIDQF, Packing.ENCRYPTED_ZIP)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _judge_zip(path)
    if _looks_like_audit_json(head):
        return Detected(SourceKind.AUDIT_JSON, Packing.FILE)
    if head.lstrip().startswith(b"{"):
        return "a JSON file that is not an audit report (no 'schema' key at its start)"
    if b"== dumpstate" in head or b"DUMP OF SERVICE" in head:
        return Detected(SourceKind.BUGREPORT, Packing.FILE)
    if path.suffix.lower() == ".apk":
        return "named .apk but not a zip"
    return "not an audit JSON, a bug report's dumpstate, an androidqf acquisition or an APK"


def sniff(path: Path) -> Detected | str:
    """What ``path`` is, or a one-line reason why it is none of the inputs (without what was looked for)."""
    try:
        if path.is_dir():
            return _judge_folder(path)
        if not path.exists():
            return "no such file or directory"
        if not path.is_file():
            return "not a regular file"
        return _judge_file(path)
    except UnsafeInputError as e:
        return str(e).removeprefix(f"{path}: ")
    except OSError as e:
        return f"cannot read ({e.strerror or e})"


def detect(path: Path) -> Detected:
    """What ``path`` is; ``UnknownSourceError`` naming what was looked for when it is none of the inputs."""
    found = sniff(path)
    if isinstance(found, str):
        raise UnknownSourceError(f"{path}: {found}" + (f"; {LOOKED_FOR}" if path.exists() else ""))
    return found


def is_source_dir(path: Path) -> bool:
    """A folder that is one input itself (snapshot, androidqf, unzipped bug report), not a folder of inputs."""
    if not path.is_dir() or path.is_symlink():
        return False
    # A folder naming a manifest is one input even when the manifest cannot be read: its own error, not a search.
    return os.path.lexists(path / MANIFEST) or isinstance(_judge_folder(path), Detected)


__all__ = [
    "AGE_MAGIC",
    "ANDROIDQF_MARKERS",
    "LOOKED_FOR",
    "MAX_MEMBERS",
    "Detected",
    "Packing",
    "SourceKind",
    "UnknownSourceError",
    "detect",
    "is_source_dir",
    "judge_names",
    "sniff",
    "zip_root",
]
