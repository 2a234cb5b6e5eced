"""What identifies a phone across captures: one rule for collection, the fleet and redaction.

A serial is the obvious identity, but cheap and MediaTek builds ship with a placeholder
(``0123456789ABCDEF``), Android's ``Build.UNKNOWN`` (``unknown``), all zeros, or nothing at all: two
such phones would look like one. So a placeholder is never an identity, and two captures are the
same phone only when their serial *and* their build fingerprint agree (a phone that took a system
update between two captures is two builds: counted as two, never merged silently).

Used by ``auditor collect --resume`` (is the phone attached the one the snapshot began on?), by
``auditor fleet`` (one device or two?) and by redaction (a placeholder names nobody: it is neither
hashed nor searched for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

PLACEHOLDER_SERIALS: Final = frozenset({"", "unknown", "0123456789abcdef", "1234567890abcdef"})
"""Serials, in lower case, that builds print when they have none of their own:

* ``""``: no ``ro.serialno`` at all (some vendor builds, emulated images);
* ``unknown``: ``android.os.Build.UNKNOWN``, what ``Build.getSerial()`` and ``ro.serialno`` default to;
* ``0123456789ABCDEF``: the MediaTek reference default, left on many cheap phones and tablets;
* ``1234567890ABCDEF``: the same mistake on Rockchip and Allwinner TV boxes.

Serials made only of zeros (``0``, ``00000000`` …, bootloaders that read an unprogrammed eFuse) are
placeholders too (``is_placeholder_serial``)."""

_ZEROS: Final = re.compile(r"0+")


def is_placeholder_serial(serial: str | None) -> bool:
    """Whether ``serial`` is missing or a placeholder (``PLACEHOLDER_SERIALS``, or only zeros): no identity."""
    if serial is None:
        return True
    value = serial.strip().lower()
    return value in PLACEHOLDER_SERIALS or _ZEROS.fullmatch(value) is not None


def identity_serial(serial: str | None) -> str | None:
    """``serial`` when it identifies a phone, else ``None``."""
    return None if is_placeholder_serial(serial) else serial


def device_key(serial: str | None, fingerprint: str | None) -> tuple[str, str] | None:
    """What two captures of one phone share: (serial, build fingerprint); ``None`` for a placeholder serial,
    whose captures can only be told apart by their own digest."""
    ident = identity_serial(serial)
    return None if ident is None else (ident, fingerprint or "")


class Sameness(StrEnum):
    """Whether the phone attached now is the one a snapshot was begun on (``compare``)."""

    SAME = "same"
    """Same serial and build, and the same boot (or a boot id is missing on one side, the serial says it)."""
    REBOOTED = "rebooted"
    """The same phone (its own serial and the same build), restarted in between."""
    UNVERIFIED = "unverified"
    """Nothing contradicts it, but nothing proves it: a placeholder serial and no boot id to compare."""
    UNSURE = "unsure"
    """A placeholder serial and another boot: a restart and another phone of the same build look alike."""
    OTHER = "other"
    """Another serial or another build: another phone (or one updated in between)."""


@dataclass(frozen=True)
class Identity:
    """What a capture says about which phone it is; ``None``: not read (``""``: read, and empty)."""

    serial: str | None
    fingerprint: str | None
    boot_id: str | None = None
    """``/proc/sys/kernel/random/boot_id``: a random UUID the kernel draws at every boot."""

    def describe(self) -> str:
        """``serial X, build Y`` for messages (the caller sanitises it before printing)."""
        return f"serial {self.serial or 'none'}, build {self.fingerprint or 'unknown'}"


def compare(before: Identity, now: Identity) -> Sameness:
    """Whether ``now`` is the phone ``before`` was read from; only what both sides hold is compared.

    A serial never changes, so two different values (placeholders included) are two phones; the same
    value proves it only when it is not a placeholder. A build fingerprint changes only with a system
    update, after which the snapshot would mix two builds: refused like another phone. A boot id is
    random per boot, so the same one is the same phone and boot whatever the serial says. A first part
    that recorded nothing of the phone (stopped before ``getprop``) has nothing to compare.
    """
    serials_read = before.serial is not None and now.serial is not None
    if serials_read and (before.serial or "").strip() != (now.serial or "").strip():
        return Sameness.OTHER
    if before.fingerprint and now.fingerprint and before.fingerprint != now.fingerprint:
        return Sameness.OTHER
    proven_by_serial = serials_read and identity_serial(now.serial) is not None
    if before.boot_id and now.boot_id:
        if before.boot_id == now.boot_id:
            return Sameness.SAME
        return Sameness.REBOOTED if proven_by_serial else Sameness.UNSURE
    if proven_by_serial or before == Identity(None, None, None):
        return Sameness.SAME
    return Sameness.UNVERIFIED
