"""Results cached by APK SHA-256, so an unchanged app is never analysed twice.

One JSON file per APK, ``<sha256>.json``, in one directory (default ``$XDG_CACHE_HOME/auditor/apk``
or ``~/.cache/auditor/apk``). Each file records the *context* it was made in: the analyser version,
the tracker list's SHA-256 and the limits. A different context is a miss, so a newer tracker list
or a code change re-runs the analysis. Results that depend on the machine rather than the APK
(timeouts, memory, crashes, unreadable files) are never stored.

The cache writes only inside its directory, through a temporary file renamed into place (a reader
never sees half a file). Entries it cannot decode are misses, not errors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
from pathlib import Path

from auditor.apk.errors import CacheError
from auditor.model import ApkIssueKind, ApkResult
from auditor.report.output import OutputError, ensure_folder, write_bytes
from auditor.serial import result_from_data, to_data

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MACHINE_KINDS = frozenset({ApkIssueKind.TIMEOUT, ApkIssueKind.MEMORY, ApkIssueKind.CRASH, ApkIssueKind.UNREADABLE})


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/auditor/apk``, else ``~/.cache/auditor/apk``."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "auditor" / "apk"


def cacheable(result: ApkResult) -> bool:
    """Only results that depend on the APK alone are worth keeping."""
    return result.sha256 is not None and not any(i.kind in _MACHINE_KINDS for i in result.issues)


class ApkCache:
    """A directory of analysed results keyed by SHA-256 and context."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_cache_dir()

    def _path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.directory / f"{sha256}.json"

    def get(self, sha256: str, context: str, *, path: str | None = None) -> ApkResult | None:
        """The cached result for ``sha256`` made in ``context``, with ``path`` put in, or ``None``."""
        file = self._path(sha256)
        try:
            if file.stat().st_size > MAX_ENTRY_BYTES:
                return None
            doc = json.loads(file.read_bytes())
            if not isinstance(doc, dict) or doc.get("format") != CACHE_FORMAT or doc.get("context") != context:
                return None
            result = result_from_data(doc.get("result"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            log.debug("cache entry %s unusable: %s", file, e)
            return None
        if result.sha256 != sha256:
            return None
        return dataclasses.replace(result, path=path) if path is not None else result

    def put(self, result: ApkResult, context: str) -> bool:
        """Store ``result`` if it is cacheable; ``CacheError`` if the directory cannot be used."""
        if not cacheable(result) or result.sha256 is None:
            return False
        file = self._path(result.sha256)
        payload = json.dumps(
            {"format": CACHE_FORMAT, "context": context, "result": to_data(result)}, ensure_ascii=True
        ).encode("ascii")
        try:
            # The cache lists what apps a person's phone had: 0700 folders, 0600 entries, as every output.
            ensure_folder(self.directory, parents=True)
            write_bytes(file, payload)
        except OutputError as e:
            raise CacheError(f"cannot use the APK cache: {e}") from e
        except OSError as e:
            raise CacheError(f"cannot write to the APK cache {self.directory}: {e.strerror or e}") from e
        return True


def cache_context(*parts: str) -> str:
    """A short digest of everything besides the APK that decides a result."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]
