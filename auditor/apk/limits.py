"""Caps that keep the analysis of a hostile APK bounded in time, memory and work.

Every cap counts what the analysis actually does (bytes really inflated, entries really parsed),
never what a header claims: MobSF's zip-bomb guard trusted the declared ``file_size`` and was bypassed
(GHSA-x768-8642-mmq9).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.apk.errors import LimitExceeded

MiB = 1024 * 1024


@dataclass(frozen=True)
class ApkLimits:
    """Bounds for one APK analysis. The defaults fit real apps with room to spare."""

    timeout_s: float = 60.0
    """Wall-clock time for one APK in the worker process; past it the worker is killed."""
    memory_bytes: int = 1024 * MiB
    """Address-space cap of the worker process (``RLIMIT_AS``)."""
    max_entries: int = 200_000
    """Central-directory entries parsed per archive."""
    max_central_directory_bytes: int = 64 * MiB
    max_manifest_bytes: int = 8 * MiB
    max_dex_bytes: int = 128 * MiB
    """One inflated DEX file."""
    max_resources_bytes: int = 64 * MiB
    """The inflated ``resources.arsc``."""
    max_small_entry_bytes: int = 4 * MiB
    """Signature files and the network security config."""
    max_nested_bytes: int = 128 * MiB
    """One nested APK/JAR, inflated into memory to read its DEX files."""
    max_total_inflated_bytes: int = 768 * MiB
    """Everything inflated for one APK, nested archives included."""
    max_nesting_depth: int = 1
    """How deep nested archives are opened (1: archives inside the APK, not inside those)."""
    max_nested_archives: int = 32
    max_dex_files: int = 512
    max_signing_block_bytes: int = 32 * MiB


DEFAULT_LIMITS = ApkLimits()


class Budget:
    """Counts the bytes actually inflated for one APK and stops at the total cap."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    @property
    def remaining(self) -> int:
        """Bytes that may still be inflated."""
        return max(0, self.limit - self.used)

    def charge(self, n: int) -> None:
        """Record ``n`` more inflated bytes; raise ``LimitExceeded`` past the cap."""
        self.used += n
        if self.used > self.limit:
            raise LimitExceeded(f"more than {self.limit} bytes inflated in total")
