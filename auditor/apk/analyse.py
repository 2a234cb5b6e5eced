"""One APK, analysed in the current process: every part bounded, every failure a typed issue.

This is the function the worker process runs (``worker``); call it directly only on trusted input
or in tests. Order of work, and what a failure of each part means:

1. open and hash the file (not a regular file, unreadable: skipped);
2. the zip's central directory (not a zip, truncated, bomb-sized directory: skipped);
3. the manifest, with ``resources.arsc`` to resolve references (no manifest, or one Android would
   reject: skipped; unreadable resources: degraded, references stay unresolved);
4. the network security config it names (unreadable: degraded, platform defaults reported);
5. ``classes*.dex`` at the root, in nested APK/JAR/ZIP archives to a bounded depth, and a DEX
   prepended to the zip (Janus); each unreadable DEX degrades the result and the rest go on;
6. trackers over all class names; 7. signing (an unparsable scheme degrades the result).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import stat
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, BinaryIO

from auditor.apk import axml, dex
from auditor.apk.arsc import ResourceTable
from auditor.apk.errors import FormatError, LimitExceeded
from auditor.apk.limits import ApkLimits, Budget
from auditor.apk.manifest import ManifestFacts, read_manifest
from auditor.apk.netsec import network_security
from auditor.apk.signing import read_signing
from auditor.apk.trackers import TrackerDB
from auditor.apk.zipread import STORED, ZipArchive, ZipEntry
from auditor.model import (
    ApkFacts,
    ApkIssue,
    ApkIssueKind,
    ApkManifest,
    ApkNetworkSecurity,
    ApkResult,
    ApkStatus,
    ApkTracker,
)

log = logging.getLogger(__name__)

ANALYSER_VERSION = "2"
"""Bump when facts change for the same input: it is part of the cache key."""

ANOMALY_KINDS = frozenset({ApkIssueKind.ZIP_ANOMALY, ApkIssueKind.MANIFEST_ANOMALY, ApkIssueKind.JANUS})
"""Issue kinds that report tampering without losing facts: they do not degrade a result."""

MAX_ISSUES = 50
_DEX_NAME = re.compile(r"classes(\d*)\.dex")
_ARCHIVE_SUFFIXES = (".apk", ".jar", ".zip")
_HASH_CHUNK = 1024 * 1024


def status_for(facts: ApkFacts | None, issues: tuple[ApkIssue, ...]) -> ApkStatus:
    """Skipped without facts; degraded when an issue other than an anomaly was met; else ok."""
    if facts is None:
        return ApkStatus.SKIPPED
    if any(i.kind not in ANOMALY_KINDS for i in issues):
        return ApkStatus.DEGRADED
    return ApkStatus.OK


def skipped(
    path: Path | str, kind: ApkIssueKind, message: str, *, sha256: str | None = None, size: int | None = None
) -> ApkResult:
    """A result with no facts and one reason."""
    return ApkResult(
        path=str(path),
        sha256=sha256,
        size=size,
        status=ApkStatus.SKIPPED,
        facts=None,
        issues=(ApkIssue(kind, message),),
    )


def open_regular(path: Path) -> tuple[BinaryIO, int]:
    """Open ``path`` read-only; refuse anything but a regular file (a FIFO or /dev/zero would hang).

    ``O_NONBLOCK`` keeps the open itself from waiting for a FIFO's writer; it means nothing for the
    regular files that pass the check."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path} is not a regular file")
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def hash_file(f: BinaryIO) -> str:
    """SHA-256 of the whole file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    f.seek(0)
    while chunk := f.read(_HASH_CHUNK):
        h.update(chunk)
    return h.hexdigest()


def analyse_file(path: Path, *, trackers: TrackerDB | None, limits: ApkLimits, sha256: str | None = None) -> ApkResult:
    """Analyse one APK in this process. Never raises for anything the APK contains."""
    try:
        f, size = open_regular(path)
    except OSError as e:
        return skipped(path, ApkIssueKind.UNREADABLE, f"cannot read the file: {e.strerror or e}")
    with f:
        try:
            digest = sha256 or hash_file(f)
        except OSError as e:
            return skipped(path, ApkIssueKind.UNREADABLE, f"cannot read the file: {e.strerror or e}", size=size)
        try:
            return _Analysis(path, f, size, digest, trackers, limits).run()
        except MemoryError:
            raise
        except Exception as e:  # a bug met on hostile input must not stop the audit
            log.debug("analysis of %s failed", path, exc_info=True)
            return skipped(
                path, ApkIssueKind.CRASH, f"internal error: {type(e).__name__}: {e}", sha256=digest, size=size
            )


@dataclass
class _Classes:
    names: list[str] = field(default_factory=list)
    dex_files: int = 0


class _Window(io.RawIOBase):
    """A read-only view of ``length`` bytes at ``start`` of a file: a stored nested archive is read
    in place instead of being copied into memory."""

    def __init__(self, f: BinaryIO, start: int, length: int) -> None:
        self._f = f
        self._start = start
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int = -1) -> bytes:
        left = max(0, self._length - self._pos)
        n = left if n is None or n < 0 else min(n, left)
        self._f.seek(self._start + self._pos)
        data = self._f.read(n)
        self._pos += len(data)
        return data

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


class _Analysis:
    def __init__(
        self, path: Path, f: BinaryIO, size: int, sha256: str, trackers: TrackerDB | None, limits: ApkLimits
    ) -> None:
        self.path = path
        self.f = f
        self.size = size
        self.sha256 = sha256
        self.trackers = trackers
        self.limits = limits
        self.budget = Budget(limits.max_total_inflated_bytes)
        self.issues: list[ApkIssue] = []
        self.nested_archives = 0
        self.archives: list[ZipArchive] = []

    def add_anomalies(self) -> None:
        """Zip anomalies of every archive read, once each, after the parts that found them."""
        seen: set[tuple[str, str | None]] = set()
        for archive in self.archives:
            for a in archive.anomalies:
                if (a.message, a.entry) not in seen:
                    seen.add((a.message, a.entry))
                    self.issue(a.kind, a.message, a.entry)

    def issue(self, kind: ApkIssueKind, message: str, entry: str | None = None) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(ApkIssue(kind, message, entry))

    def from_error(self, e: FormatError, context: str, entry: str | None = None) -> None:
        self.issue(e.kind, f"{context}: {e}", e.entry or entry)

    def result(self, facts: ApkFacts | None) -> ApkResult:
        issues = tuple(self.issues)
        return ApkResult(
            path=str(self.path),
            sha256=self.sha256,
            size=self.size,
            status=status_for(facts, issues),
            facts=facts,
            issues=issues,
        )

    def run(self) -> ApkResult:
        self.f.seek(0)
        head = self.f.read(8)
        janus = dex.is_dex(head)
        if janus:
            self.issue(ApkIssueKind.JANUS, "the file starts with a DEX header before the zip (Janus, CVE-2017-13156)")
        try:
            archive = ZipArchive(
                self.f,
                self.size,
                budget=self.budget,
                max_entries=self.limits.max_entries,
                max_central_directory_bytes=self.limits.max_central_directory_bytes,
            )
        except FormatError as e:
            self.issue(e.kind, str(e))
            return self.result(None)
        self.archives.append(archive)
        manifest = self.manifest(archive)
        if manifest is None:
            self.add_anomalies()
            return self.result(None)
        classes = _Classes()
        if janus:
            self.janus_classes(classes)
        self.dex_in(archive, classes, depth=0, label="")
        trackers: tuple[ApkTracker, ...] = ()
        if self.trackers is not None:
            trackers = self.trackers.match(classes.names, manifest.package)
        signing, signing_issues = read_signing(
            archive,
            max_block_bytes=self.limits.max_signing_block_bytes,
            max_file_bytes=self.limits.max_small_entry_bytes,
        )
        for i in signing_issues:
            self.issue(i.kind, i.message, i.entry)
        network = self.network(archive, manifest)
        self.add_anomalies()
        # The manifest's facts carry over field by field (ApkFacts extends ApkManifest).
        shared: dict[str, Any] = {f.name: getattr(manifest, f.name) for f in fields(ApkManifest)}
        facts = ApkFacts(
            **shared,
            network=network,
            signing=signing,
            hides_launcher_icon=manifest.split is None and not manifest.launcher_activities,
            trackers=trackers,
            dex_files=classes.dex_files,
            class_count=len(classes.names),
            janus=janus,
        )
        return self.result(facts)

    # -------------------------------------------------------------- manifest and resources

    def manifest(self, archive: ZipArchive) -> ManifestFacts | None:
        entry = archive.get("AndroidManifest.xml")
        if entry is None:
            self.issue(ApkIssueKind.NO_MANIFEST, "the archive has no AndroidManifest.xml")
            return None
        try:
            data = archive.read(entry, self.limits.max_manifest_bytes)
        except FormatError as e:
            self.from_error(e, "AndroidManifest.xml", entry.name)
            return None
        if entry.method not in (0, 8):
            self.issue(
                ApkIssueKind.ZIP_ANOMALY,
                f"AndroidManifest.xml declares compression method {entry.method}; read as Android does",
                entry.name,
            )
        resources = self.resources(archive)
        try:
            doc = axml.parse(data)
            facts = read_manifest(doc, resources)
        except FormatError as e:
            self.from_error(e, "AndroidManifest.xml", entry.name)
            return None
        for message in facts.anomalies[:10]:
            self.issue(ApkIssueKind.MANIFEST_ANOMALY, message, entry.name)
        return facts

    def resources(self, archive: ZipArchive) -> ResourceTable | None:
        entry = archive.get("resources.arsc")
        if entry is None:
            return None
        try:
            return ResourceTable(archive.read(entry, self.limits.max_resources_bytes))
        except FormatError as e:
            self.issue(ApkIssueKind.BAD_RESOURCES, f"resources.arsc: {e}", entry.name)
            return None

    def network(self, archive: ZipArchive, manifest: ManifestFacts) -> ApkNetworkSecurity:
        target = manifest.effective_target_sdk
        config = None
        path = manifest.network_security_config
        if manifest.network_security_config_declared:
            entry = archive.get(path) if path else None
            if entry is None:
                self.issue(
                    ApkIssueKind.BAD_NETWORK_SECURITY_CONFIG,
                    "a network security config is declared but could not be found; platform defaults reported",
                    path,
                )
                path = None
            else:
                try:
                    config = axml.parse(archive.read(entry, self.limits.max_small_entry_bytes))
                except FormatError as e:
                    self.issue(ApkIssueKind.BAD_NETWORK_SECURITY_CONFIG, f"network security config: {e}", path)
        try:
            return network_security(
                target_sdk=target, uses_cleartext=manifest.uses_cleartext, config=config, config_path=path
            )
        except FormatError as e:
            self.issue(ApkIssueKind.BAD_NETWORK_SECURITY_CONFIG, f"network security config: {e}", path)
            return network_security(
                target_sdk=target, uses_cleartext=manifest.uses_cleartext, config=None, config_path=path
            )

    # -------------------------------------------------------------- DEX

    def janus_classes(self, classes: _Classes) -> None:
        self.f.seek(0)
        head = self.f.read(0x70)
        declared = dex.declared_size(head) or 0
        n = min(declared, self.size, self.limits.max_dex_bytes)
        self.f.seek(0)
        self.add_dex(self.f.read(n), classes, "(DEX before the zip)")

    def add_dex(self, data: bytes, classes: _Classes, name: str) -> None:
        try:
            for one in dex.list_classes(data):
                classes.names.extend(one.names)
                classes.dex_files += 1
        except FormatError as e:
            self.from_error(e, name, name)

    def dex_in(self, archive: ZipArchive, classes: _Classes, *, depth: int, label: str) -> None:
        dex_entries: list[tuple[int, ZipEntry]] = []
        nested: list[ZipEntry] = []
        for e in archive.entries:
            m = _DEX_NAME.fullmatch(e.name)
            if m:
                dex_entries.append((int(m.group(1) or 1), e))
            elif e.name.lower().endswith(_ARCHIVE_SUFFIXES) and not e.name.endswith("/"):
                nested.append(e)
        for _n, entry in sorted(dex_entries, key=lambda t: t[0]):
            if classes.dex_files >= self.limits.max_dex_files:
                self.issue(
                    ApkIssueKind.LIMIT_EXCEEDED, f"more than {self.limits.max_dex_files} DEX files; rest skipped"
                )
                return
            name = label + entry.name
            try:
                data = archive.read(entry, self.limits.max_dex_bytes)
            except FormatError as e:
                self.from_error(e, name, name)
                if isinstance(e, LimitExceeded) and self.budget.remaining == 0:
                    return
                continue
            self.add_dex(data, classes, name)
        if depth >= self.limits.max_nesting_depth:
            return
        for entry in nested:
            if self.nested_archives >= self.limits.max_nested_archives:
                self.issue(
                    ApkIssueKind.LIMIT_EXCEEDED,
                    f"more than {self.limits.max_nested_archives} nested archives; rest skipped",
                )
                return
            self.nested_archives += 1
            self.nested(archive, entry, classes, depth=depth + 1, label=label + entry.name + "!")

    def nested(self, archive: ZipArchive, entry: ZipEntry, classes: _Classes, *, depth: int, label: str) -> None:
        source: BinaryIO
        try:
            if entry.method == STORED and depth == 1:
                start = archive.data_start(entry)
                length = entry.compressed_size
                if start + length > archive.size:
                    raise FormatError("nested archive runs past the end of the file", kind=ApkIssueKind.TRUNCATED)
                source = _Window(self.f, start, length)  # type: ignore[assignment]
            else:
                data = archive.read(entry, self.limits.max_nested_bytes)
                source, length = io.BytesIO(data), len(data)
            head = source.read(4)
            if head != b"PK\x03\x04":
                return  # not a zip (an asset named .zip, or an empty one): nothing to scan
            inner = ZipArchive(
                source,
                length,
                budget=self.budget,
                max_entries=self.limits.max_entries,
                max_central_directory_bytes=self.limits.max_central_directory_bytes,
                label=label.rstrip("!"),
            )
        except FormatError as e:
            self.from_error(e, f"nested archive {label.rstrip('!')}", label.rstrip("!"))
            return
        self.archives.append(inner)
        self.dex_in(inner, classes, depth=depth, label=label)
