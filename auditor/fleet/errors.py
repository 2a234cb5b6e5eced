"""The fleet stage's errors: one base class, so the CLI catches one thing and prints one line (exit 2)."""

from __future__ import annotations

from auditor.errors import AuditorError


class FleetError(AuditorError):
    """A fleet, policy, redaction or diff input cannot be used (one line for the user, exit code 2)."""


class PolicyError(FleetError):
    """A policy file is malformed; the message names the file, the line and the key."""


class DiffError(FleetError):
    """Two inputs cannot be compared (different devices, different apps, an unusable input)."""
