"""Loading indicator lists: the bundled Echap list, ``--iocs`` files and ``$AUDITOR_IOCS`` folders.

The bundled list is the Echap association's data, shipped unchanged in ``auditor/data/iocs`` under
CC-BY-4.0 (``auditor/data/iocs/LICENSE.md``); it is read once per process. A ``--iocs`` file is a STIX
2.1 bundle (``.stix2``, ``.json``) or an Echap YAML file (``.yaml``, ``.yml``); another extension is
recognised by its first character (``{``: STIX). A folder (``--iocs DIR``, ``$AUDITOR_IOCS``) contributes
every such file directly inside it, in name order. Each file is untrusted input: at most
``MAX_FILE_BYTES``, a regular file (``auditor.untrusted``), and any problem is one ``IocError``
naming the file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final

from auditor.errors import AuditorError
from auditor.iocs.echap import families_of
from auditor.iocs.lists import IocError, LoadedList
from auditor.iocs.stix import read_stix
from auditor.untrusted import read_regular

MAX_FILE_BYTES: Final = 64 * 1024**2
"""Largest indicator file read (MVT's and Amnesty's bundles are a few MB; Echap's STIX2 is about 2 MB)."""

MAX_FOLDER_FILES: Final = 1000
"""Most indicator files one folder may contribute."""

ENV_FOLDER: Final = "AUDITOR_IOCS"
"""The environment variable naming a folder of indicator files loaded with every audit."""

STIX_SUFFIXES: Final = (".stix2", ".json")
YAML_SUFFIXES: Final = (".yaml", ".yml")

BUNDLED_NAME: Final = "Echap stalkerware-indicators"
BUNDLED_COMMIT: Final = "a04c5c1958bff93fec3b1b56edbb412b209f2a38"
BUNDLED_VERSION: Final = f"{BUNDLED_COMMIT[:12]} (2026-06-21)"
BUNDLED_LICENCE: Final = "CC-BY-4.0"
BUNDLED_ATTRIBUTION: Final = (
    "Stalkerware and watchware indicators by the Echap association (github.com/AssoEchap/stalkerware-indicators, "
    f"commit {BUNDLED_COMMIT[:12]}), licensed CC-BY-4.0. The list is incomplete: no match never means no stalkerware."
)
_BUNDLED_FILES: Final = ("stalkerware-ioc.yaml", "watchware.yaml")
_BUNDLED_SAMPLES: Final = "samples.csv"


def _bundled_text(name: str) -> str:
    return resources.files("auditor.data").joinpath("iocs", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def bundled_list() -> LoadedList:
    """The Echap list shipped with the auditor: 147 stalkerware and 27 watchware families with their samples."""
    builder = families_of(
        [(_bundled_text(n), f"bundled {n}") for n in _BUNDLED_FILES],
        [(_bundled_text(_BUNDLED_SAMPLES), f"bundled {_BUNDLED_SAMPLES}")],
    )
    return LoadedList(
        name=BUNDLED_NAME,
        version=BUNDLED_VERSION,
        origin="bundled",
        families=tuple(builder.families),
        indicators=tuple(builder.indicators),
        licence=BUNDLED_LICENCE,
        attribution=BUNDLED_ATTRIBUTION,
    )


def _is_stix(path: Path, data: bytes) -> bool:
    suffix = path.suffix.lower()
    if suffix in STIX_SUFFIXES:
        return True
    if suffix in YAML_SUFFIXES:
        return False
    return data.lstrip()[:1] == b"{"


_loaded: dict[tuple[str, int, int], LoadedList] = {}
"""Files already read in this process, by path, modification time and size (a fleet audits many devices with
the same lists)."""


def load_file(path: Path) -> LoadedList:
    """One indicator file (STIX2 bundle or Echap YAML); ``IocError`` naming it when it cannot be used."""
    try:
        st = path.lstat()
        key: tuple[str, int, int] | None = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    if key is not None and key in _loaded:
        return _loaded[key]
    loaded = _read_file(path)
    if key is not None:
        _loaded[key] = loaded
    return loaded


def _read_file(path: Path) -> LoadedList:
    label = str(path)
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except AuditorError as e:
        raise IocError(f"indicator file {e}") from None
    version = hashlib.sha256(data).hexdigest()[:12]
    if _is_stix(path, data):
        stix = read_stix(data, label, default_family=path.stem)
        families, indicators, unsupported = tuple(stix.families), tuple(stix.indicators), stix.unsupported
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise IocError(f"{label}: not UTF-8 text") from None
        builder = families_of([(text, label)])
        families, indicators, unsupported = tuple(builder.families), tuple(builder.indicators), 0
    if not indicators and not unsupported:
        raise IocError(f"{label}: holds no indicator")
    return LoadedList(
        name=path.name,
        version=version,
        origin=label,
        families=families,
        indicators=indicators,
        unsupported=unsupported,
    )


def files_in(folder: Path) -> list[Path]:
    """The indicator files directly inside ``folder``, in name order (``IocError`` if it is not a folder)."""
    try:
        entries = sorted(p for p in folder.iterdir() if p.suffix.lower() in STIX_SUFFIXES + YAML_SUFFIXES)
    except OSError as e:
        raise IocError(f"indicator folder {folder}: cannot list it ({e.strerror or e})") from None
    files = [p for p in entries if p.is_file() and not p.name.startswith(".")]
    if len(files) > MAX_FOLDER_FILES:
        raise IocError(f"indicator folder {folder}: more than {MAX_FOLDER_FILES} files")
    return files


def _expand(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += files_in(path)
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise IocError(f"indicator file {path}: no such file or folder")
    return list(dict.fromkeys(found))


def load_lists(
    paths: Sequence[Path] = (), *, env: Mapping[str, str] | None = None, bundled: bool = True
) -> tuple[LoadedList, ...]:
    """The bundled list (unless ``bundled=False``), then every file of ``$AUDITOR_IOCS`` (from ``env``, by
    default the process environment), then ``paths`` (files or folders), each file once."""
    env = os.environ if env is None else env
    wanted: list[Path] = []
    folder = env.get(ENV_FOLDER)
    if folder:
        if not Path(folder).is_dir():
            raise IocError(f"${ENV_FOLDER} ({folder}) is not a folder of indicator files")
        wanted.append(Path(folder))
    wanted += paths
    loaded = [bundled_list()] if bundled else []
    loaded += [load_file(p) for p in _expand(wanted)]
    return tuple(loaded)
