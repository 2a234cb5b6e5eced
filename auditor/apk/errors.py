"""Errors of the APK stage.

Two kinds live here. ``ApkError`` subclasses that a user can fix (an unreadable ``--trackers`` file, an
unusable cache directory) reach the CLI, which prints them on one line. ``FormatError`` subclasses
describe what is wrong with an APK; the analysis never lets them escape: each becomes an ``ApkIssue``
of the kind it carries, and the audit goes on.
"""

from __future__ import annotations

from auditor.errors import AuditorError
from auditor.model import ApkIssueKind


class ApkError(AuditorError):
    """Base of every error raised by ``auditor.apk``."""


class TrackerListError(ApkError):
    """A tracker list (``--trackers FILE``) that cannot be read or has the wrong shape."""


class CacheError(ApkError):
    """The APK cache directory cannot be created or used."""


class FormatError(ApkError):
    """Something in an APK that cannot be read; ``kind`` says which ``ApkIssue`` it becomes."""

    kind: ApkIssueKind = ApkIssueKind.BAD_ZIP

    def __init__(self, message: str, *, kind: ApkIssueKind | None = None, entry: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        self.entry = entry


class ZipFormatError(FormatError):
    """The archive itself (end record, central directory, local headers, entry data) is unusable."""

    kind = ApkIssueKind.BAD_ZIP


class LimitExceeded(FormatError):
    """A cap on inflated bytes, entries or nesting was reached: stop, never trust declared sizes."""

    kind = ApkIssueKind.LIMIT_EXCEEDED


class DexFormatError(FormatError):
    """A DEX file whose header or ID tables point outside it or contradict each other."""

    kind = ApkIssueKind.BAD_DEX


class AxmlFormatError(FormatError):
    """A binary XML document (manifest, network security config) that Android would reject too."""

    kind = ApkIssueKind.BAD_MANIFEST


class ArscFormatError(FormatError):
    """A resource table that cannot be walked."""

    kind = ApkIssueKind.BAD_RESOURCES


class SigningFormatError(FormatError):
    """An APK Signing Block or a v1 signature file that cannot be parsed."""

    kind = ApkIssueKind.BAD_SIGNING
