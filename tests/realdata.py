"""Shared test helpers: where the real device captures are, and how to ask for one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REAL_DEVICES = Path(
    os.environ.get("AUDITOR_REAL_DEVICES", Path(__file__).resolve().parents[2] / "shared" / "real-devices")
)
"""Real Android output, read in place (never copied into the project)."""

REQUIRE_REAL_DATA = os.environ.get("AUDITOR_REQUIRE_REAL_DATA") == "1"
"""Set by ``.ci/run``: real-data tests must run there, so a missing folder fails instead of skipping."""


def real_file(relpath: str) -> Path:
    """Path of a real capture; skips the test (or fails it in CI) when the folder is absent."""
    path = REAL_DEVICES / relpath
    if not path.exists():
        if REQUIRE_REAL_DATA:
            pytest.fail(f"real device data required but missing: {path}")
        pytest.skip(f"real device data not found at {path} (set AUDITOR_REAL_DEVICES)")
    return path


def real_text(relpath: str) -> str:
    """Decoded text of a real capture (through the same decoder the audit uses)."""
    from auditor.parse.text import decode_output

    return decode_output(real_file(relpath).read_bytes()).text
