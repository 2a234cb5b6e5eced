"""The one base class of errors a user can cause or fix; the CLI prints its message on one line."""

from __future__ import annotations


class AuditorError(Exception):
    """An input, device or usage problem with a one-line explanation (exit code 2)."""
