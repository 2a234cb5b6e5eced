"""``--key``: read the age identity file before any work, so a bad key fails at once, in one line.

Kept apart from ``auditor.acquire.agefile`` so the command line can name it without importing ``pyrage``
until a key is actually given.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.acquire.agefile import AgeKey


def age_key_option(path: Path | None) -> AgeKey | None:
    """The identities of ``--key PATH`` (``None`` without the option); ``AgeKeyError`` when unusable."""
    if path is None:
        return None
    from auditor.acquire.agefile import load_key

    return load_key(path)
