"""``cat /proc/sys/kernel/random/boot_id``: the kernel's random UUID for the current boot.

The kernel draws it once per boot (``drivers/char/random.c``) and prints it as 36 lower-case
characters. Collection compares it to tell "the same phone, restarted" from "the same boot" when a
snapshot is resumed. Anything that is not one UUID (an error, a vendor's extra text) gives ``""``.
"""

from __future__ import annotations

import re

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def parse_boot_id(text: str) -> str:
    """The boot id in lower case, or ``""`` when the text is not exactly one UUID. Never raises."""
    value = text.strip().lower()
    return value if _UUID.fullmatch(value) else ""
