"""One capture per phone: which of several captures of one device the fleet counts, and which it sets aside.

Why the newest by capture time, not the first in path order: a fleet folder gathers what people sent in
over months. Counting the first file found would let a stale capture (``2023/phone.json``) hide a newer
one that breaks the policy (``2024/phone.json``); counting both would count the phone twice in every
prevalence. So the newest is counted, and every other one is listed as set aside, naming the kept one.

Which captures are one phone is ``auditor.identity``'s rule: the same real serial and the same build
fingerprint. Two builds under one serial (a phone updated between captures, or a cloned serial) are
two devices; the second one found is named by its digest so that device ids stay unique.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from auditor.fleet.parallel import Capture

_UNKNOWN_TIME = datetime.min.replace(tzinfo=UTC)


def _when(text: str | None) -> datetime:
    """A capture time as a comparable datetime; unknown or unreadable times sort before every known one."""
    if not text:
        return _UNKNOWN_TIME
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return _UNKNOWN_TIME
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Found:
    """One usable input: its position in the run, its path and what identifies it."""

    index: int
    path: str
    capture: Capture


@dataclass(frozen=True)
class Choice:
    """The run's decision about captures of the same phone."""

    set_aside: dict[int, str] = field(default_factory=dict)
    """Input index → why it is not counted (an older capture of a device counted from another input)."""
    renamed: frozenset[int] = frozenset()
    """Inputs counted under their digest id: their serial already names a device of another build."""


def choose_captures(found: Iterable[Found], path_name: Callable[[str], str] = str) -> Choice:
    """Keep the newest capture of each phone (ties: the first in path order); set the others aside.

    ``path_name`` gives how a reason names the kept input (its keyed hash in a redacted run: a path can
    name a person).
    """
    groups: dict[tuple[str, str], list[Found]] = {}
    for item in found:
        groups.setdefault(item.capture.key or ("", item.capture.digest_id), []).append(item)
    set_aside: dict[int, str] = {}
    kept: list[Found] = []
    for items in groups.values():
        newest = max(items, key=lambda f: (_when(f.capture.captured_at), -f.index))
        kept.append(newest)
        for other in items:
            if other is newest:
                continue
            when, kept_when = other.capture.captured_at or "time unknown", newest.capture.captured_at or "time unknown"
            set_aside[other.index] = (
                f"set aside: an older capture ({when}) of the same device ({_name(other)}) as "
                f"{path_name(newest.path)} ({kept_when}), which is counted; one capture per device, the newest"
            )
    renamed: set[int] = set()
    serials: set[str] = set()
    for item in sorted(kept, key=lambda f: f.index):
        key = item.capture.key
        if key is None:
            continue
        if key[0] in serials:
            renamed.add(item.index)
        serials.add(key[0])
    return Choice(set_aside, frozenset(renamed))


def _name(item: Found) -> str:
    key = item.capture.key
    if key is None:
        return item.capture.digest_id
    return f"serial {key[0]}, build {key[1] or 'unknown'}"
