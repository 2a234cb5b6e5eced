"""auditor: an Android app-permission and data-access auditor."""

from __future__ import annotations

__version__ = "0.1.0"
