"""``--apks``: choose the APKs to audit, hash them on the device, and pull only the ones not known yet.

How it works, and why:

* **Choosing.** The ``pm path`` loops of the plan say where every package's APKs lie, per user
  (``auditor.parse.pm_path``). ``ApkSelection.THIRD_PARTY`` keeps the apps that are not part of the
  system image: the collected ``dumpsys package`` decides (neither ``SYSTEM`` nor
  ``UPDATED_SYSTEM_APP`` among the flags, so an updated Chrome in ``/data/app`` is still a system
  app, as ``pm list packages -3`` counts it); a package that dump does not describe counts as
  third-party when all its APKs lie where installs go (``/data/app``, adopted storage
  ``/mnt/expand``, old ``/mnt/asec``). ``ApkSelection.ALL`` keeps everything. Only ``*.apk`` paths.
* **Hashing on the device**, in one round trip (``auditor.acquire.plan.apk_hash_plan``:
  ``sha256sum`` over every chosen path; toybox has it from Android 8). An APK whose SHA-256 is
  already in the snapshot (an earlier run) or in the local ``ApkCache`` is not pulled at all: on a
  second audit of a phone, nothing crosses the cable but text. Android 7 and older (no
  ``sha256sum``), or a path the command could not hash, fall back to pulling and hashing here.
* **Pulling** with sync ``STAT`` then ``RECV`` only (read-only), to a fixed temporary name, then
  hashed here: the file is kept as ``apks/<sha256>.apk`` only when the bytes match the device's
  SHA-256 (never under a name the device chose). One pull per distinct file, even when several
  users or paths list it.
* **Honest and resumable.** Every chosen APK gets an ``ApkRef`` in the manifest (stored, cached, or
  failed with the reason); a failed pull is recorded and the next one goes on. The index is saved
  after every pull, and a resumed collection keeps what is stored.

The device is what is audited and is trusted to report its own hashes: a device that lies can make
the audit use cached facts of another APK, exactly as it could lie in ``dumpsys``. Bytes that do
arrive are always checked against the hash they were pulled for.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.acquire.adb.connection import DeviceConnection
from auditor.acquire.adb.errors import AcquireError, CommandTimeoutError, ConnectionLostError, PullLimitError
from auditor.model import ApkRef, ApkRefStatus, ParsedPackageDump
from auditor.parse.pm_path import PackagePaths
from auditor.progress import NullObserver, Observer
from auditor.report.output import ensure_folder
from auditor.snapshot import APK_DIR, SHA256_RE, apk_file

if TYPE_CHECKING:
    from auditor.apk import ApkCache

logger = logging.getLogger(__name__)

MIN_SHA256SUM_SDK = 26
"""Android 8.0: the first release whose toybox has ``sha256sum``."""

MAX_APK_BYTES = 4 * 1024**3
"""The most bytes one APK may take (the largest APKs Play serves are far below this). A file STAT says
is larger is not pulled; a pull is stopped as soon as the bytes actually received pass it, since STAT's
size is only the phone's word (``PullSink``)."""

INSTALL_DIRS = ("/data/app/", "/mnt/expand/", "/mnt/asec/")
"""Where Android installs apps that do not come with the system image (internal, adopted, old SD)."""

_SYSTEM_FLAGS = frozenset({"SYSTEM", "UPDATED_SYSTEM_APP"})
_HASH_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")
_CHUNK = 1024 * 1024
SAVE_INTERVAL_S = 1.0
"""How often the index is handed out for saving during pulls: the manifest grows with the index, and
rewriting it after each of a thousand small pulls would cost more than the pulls. A crash loses at
most this much of the index; the files already in ``apks/`` are found again by their hash."""

_PENDING = "not pulled yet"
_LOST = "not pulled: the connection was lost before it"


class ApkSelection(StrEnum):
    """Which apps' APKs ``--apks`` pulls."""

    THIRD_PARTY = "third-party"
    """Apps not in the system image (the default of ``--apks``)."""
    ALL = "all"
    """Every app, system apps included (``--apks=all``)."""


@dataclass(frozen=True, slots=True)
class ApkChoice:
    """One APK of one app for one user, chosen for the index."""

    user: int
    package: str
    path: str


def is_third_party(package: str, paths: Sequence[str], dump: Mapping[str, frozenset[str]]) -> bool:
    """The selection rule (see the module docstring); ``dump`` maps packages to their flags."""
    flags = dump.get(package)
    if flags is not None:
        return not (flags & _SYSTEM_FLAGS)
    return bool(paths) and all(p.startswith(INSTALL_DIRS) for p in paths)


def package_flags(dump: ParsedPackageDump | None) -> dict[str, frozenset[str]]:
    """Package → ``flags`` and ``pkgFlags`` of the collected ``dumpsys package`` (empty without one)."""
    if dump is None:
        return {}
    return {p.package: frozenset(p.flags) | frozenset(p.pkg_flags) for p in dump.packages}


def choose_apks(
    listed: Iterable[PackagePaths],
    dump: ParsedPackageDump | None,
    selection: ApkSelection,
    *,
    default_user: int = 0,
) -> list[ApkChoice]:
    """The APKs to index, in ``pm path`` order (per user, base first), each (user, path) once."""
    flags = package_flags(dump)
    chosen: list[ApkChoice] = []
    seen: set[tuple[int, str]] = set()
    for entry in listed:
        user = entry.user if entry.user is not None else default_user
        if selection is ApkSelection.THIRD_PARTY and not is_third_party(entry.package, entry.paths, flags):
            continue
        for path in entry.paths:
            if not path.endswith(".apk") or (user, path) in seen:
                continue
            seen.add((user, path))
            chosen.append(ApkChoice(user, entry.package, path))
    return chosen


def parse_sha256sum(text: str, wanted: Iterable[str]) -> dict[str, str]:
    """``<hex>  <path>`` lines of ``sha256sum`` → path → lowercase SHA-256, for the paths asked about.

    Error lines (an unreadable file) and paths not asked about are ignored; a path printed twice with
    different digests gets none (it is then pulled and hashed here).
    """
    asked = set(wanted)
    found: dict[str, str] = {}
    conflicting: set[str] = set()
    for raw in text.split("\n"):
        match = _HASH_LINE.fullmatch(raw.rstrip("\r"))
        if match is None:
            continue
        digest, path = match.group(1).lower(), match.group(2)
        if path not in asked:
            continue
        if found.setdefault(path, digest) != digest:
            conflicting.add(path)
    for path in conflicting:
        del found[path]
    return found


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 (lowercase hex) and size of a local file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: ApkRefStatus
    sha256: str | None
    size: int | None
    error: str | None = None


@dataclass
class ApkCollection:
    """What the APK phase did: the index, and the connection error that ended it early, if one did."""

    refs: tuple[ApkRef, ...]
    pulled: int = 0
    """Files pulled and stored in this run."""
    lost: AcquireError | None = None


@dataclass
class ApkPuller:
    """Turns chosen APKs and device hashes into stored files and index entries (one per choice).

    ``prior`` is the index of the run being resumed; ``on_change`` is called with the whole index
    after a pull at most every ``SAVE_INTERVAL_S``, so the caller can save the manifest (and saves
    the final index itself).
    """

    connection: DeviceConnection
    out_dir: Path
    cache: ApkCache | None
    observer: Observer = field(default_factory=NullObserver)
    prior: Sequence[ApkRef] = ()
    on_change: Callable[[tuple[ApkRef, ...]], None] | None = None
    max_bytes: int = field(default_factory=lambda: MAX_APK_BYTES)
    """The most bytes one APK may send (counted as they arrive, not as STAT declares them)."""
    _verified: dict[str, bool] = field(default_factory=dict)

    # -- what is known without pulling ---------------------------------------------------------------

    def stored(self, sha256: str) -> int | None:
        """Size of ``apks/<sha256>.apk`` when it is present and its bytes match its name (checked once)."""
        file = apk_file(self.out_dir, sha256)
        ok = self._verified.get(sha256)
        if ok is None:
            try:
                ok = hash_file(file)[0] == sha256
            except OSError:
                ok = False
            self._verified[sha256] = ok
        if not ok:
            return None
        try:
            return file.stat().st_size
        except OSError:
            return None

    def cached_size(self, sha256: str) -> tuple[bool, int | None]:
        """Whether the local cache has facts for this SHA-256 (made with the bundled trackers and limits)."""
        if self.cache is None:
            return False, None
        from auditor.apk import cached_result

        hit = cached_result(sha256, self.cache)
        return (hit is not None), (hit.size if hit is not None else None)

    def known(self, path: str, device_sha: str | None) -> _Outcome | None:
        """The outcome of a path that needs no pull, or ``None``."""
        if device_sha is not None:
            size = self.stored(device_sha)
            if size is not None:
                return _Outcome(ApkRefStatus.STORED, device_sha, size)
            hit, size = self.cached_size(device_sha)
            if hit:
                return _Outcome(ApkRefStatus.CACHED, device_sha, size)
            return None
        # No device hash (Android 7 or older): a file an earlier run stored for this path is kept.
        for ref in self.prior:
            if ref.path == path and ref.stored and ref.sha256 is not None:
                size = self.stored(ref.sha256)
                if size is not None:
                    return _Outcome(ApkRefStatus.STORED, ref.sha256, size)
        return None

    # -- pulling -----------------------------------------------------------------------------------

    def pull(self, path: str, expected: str | None) -> _Outcome:
        """STAT, RECV to a temporary file, hash, keep it as ``apks/<sha256>.apk`` if it matches.

        Raises ConnectionLostError when the connection is gone (the caller records the rest as not pulled).
        """
        apk_dir = ensure_folder(self.out_dir / APK_DIR)
        fd, name = tempfile.mkstemp(prefix=".pull.", suffix=".tmp", dir=apk_dir)  # 0600, a fresh name
        os.close(fd)
        tmp = Path(name)
        try:
            st = self.connection.stat(path)
            if st.mode == 0:
                return _Outcome(ApkRefStatus.FAILED, expected, None, "the device has no such file (sync STAT)")
            if not stat.S_ISREG(st.mode):
                return _Outcome(ApkRefStatus.FAILED, expected, None, f"not a regular file (mode {st.mode:o})")
            if st.size > self.max_bytes:
                return _Outcome(ApkRefStatus.FAILED, expected, st.size, f"{st.size} bytes: larger than allowed")
            self.connection.pull(path, tmp, timeout_s=120.0, max_bytes=self.max_bytes)
            sha, size = hash_file(tmp)
            if expected is not None and sha != expected:
                return _Outcome(
                    ApkRefStatus.FAILED,
                    expected,
                    size,
                    f"the pulled bytes hash to {sha}, not to the {expected} the device reported; not stored",
                )
            if expected is None and size != st.size:
                return _Outcome(
                    ApkRefStatus.FAILED, None, size, f"the file changed while pulled ({st.size} bytes, {size} pulled)"
                )
            target = apk_file(self.out_dir, sha)
            os.replace(tmp, target)
            self._verified[sha] = True
            return _Outcome(ApkRefStatus.STORED, sha, size)
        except ConnectionLostError:
            raise
        except (CommandTimeoutError, PullLimitError) as e:
            # A half-read sync stream cannot be abandoned on the same link (as for shell commands).
            try:
                self.connection.reset()
            except AcquireError as lost:
                raise ConnectionLostError(f"{e}; reconnecting failed: {lost}") from lost
            return _Outcome(ApkRefStatus.FAILED, expected, None, str(e))
        except AcquireError as e:
            return _Outcome(ApkRefStatus.FAILED, expected, None, str(e))
        except OSError as e:
            return _Outcome(ApkRefStatus.FAILED, expected, None, f"cannot write the APK locally: {e.strerror or e}")
        finally:
            tmp.unlink(missing_ok=True)

    # -- the whole phase ---------------------------------------------------------------------------

    def collect(self, choices: Sequence[ApkChoice], device_hashes: Mapping[str, str]) -> ApkCollection:
        """Index every choice, pulling what is neither stored nor cached. Never raises AcquireError."""
        outcomes: dict[str, _Outcome] = {}
        wanted: dict[str, list[str]] = {}  # one pull per distinct file: device sha (or path) -> paths
        for path in dict.fromkeys(c.path for c in choices):
            device_sha = device_hashes.get(path)
            if device_sha is not None and not SHA256_RE.fullmatch(device_sha):
                device_sha = None
            found = self.known(path, device_sha)
            if found is not None:
                outcomes[path] = found
            else:
                wanted.setdefault(device_sha or f"path:{path}", []).append(path)
                outcomes[path] = _Outcome(ApkRefStatus.FAILED, device_sha, None, _PENDING)

        def index() -> tuple[ApkRef, ...]:
            return tuple(
                ApkRef(
                    user=c.user,
                    package=c.package,
                    path=c.path,
                    sha256=outcomes[c.path].sha256,
                    size=outcomes[c.path].size,
                    status=outcomes[c.path].status,
                    error=outcomes[c.path].error,
                )
                for c in choices
            )

        result = ApkCollection(refs=())
        by_path = {c.path: c for c in choices}
        if wanted:
            self.observer.start("Pulling APKs", total=len(wanted))
        current: list[str] = []
        last_save = time.monotonic()
        try:
            for key, paths in wanted.items():
                expected = None if key.startswith("path:") else key
                current = paths
                outcome = self.pull(paths[0], expected)
                for p in paths:
                    outcomes[p] = outcome
                if outcome.status is ApkRefStatus.STORED:
                    result.pulled += 1
                else:
                    logger.debug("pull of %s failed: %s", paths[0], outcome.error)
                self.observer.advance(1, by_path[paths[0]].package)
                if self.on_change is not None and time.monotonic() - last_save >= SAVE_INTERVAL_S:
                    self.on_change(index())
                    last_save = time.monotonic()
        except ConnectionLostError as e:
            result.lost = e
            for path, outcome in outcomes.items():
                if outcome.error == _PENDING:
                    error = str(e) if path in current else _LOST
                    outcomes[path] = _Outcome(ApkRefStatus.FAILED, outcome.sha256, None, error)
        finally:
            if wanted:
                self.observer.finish()
        result.refs = index()
        return result


def summary(refs: Sequence[ApkRef], pulled: int, selection: ApkSelection) -> str:
    """One sentence for the collection's notes."""
    files = {r.sha256 or r.path: r.status for r in refs}
    cached = sum(1 for s in files.values() if s is ApkRefStatus.CACHED)
    stored = sum(1 for s in files.values() if s is ApkRefStatus.STORED)
    failed = sum(1 for s in files.values() if s is ApkRefStatus.FAILED)
    return (
        f"APKs ({selection.value}): {len(refs)} indexed for {len({(r.user, r.package) for r in refs})} apps; "
        f"{len(files)} distinct files: {pulled} pulled now, {stored - pulled} already in the snapshot, "
        f"{cached} known from the local APK cache (not pulled), {failed} failed"
    )
