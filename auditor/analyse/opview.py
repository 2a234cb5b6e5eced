"""App-op lookups: the ops of one package in one uid, with the uid-level modes that override them.

``dumpsys appops`` keeps state per uid (``Uid u0a234:``) with uid-level modes (``COARSE_LOCATION:
mode=ignore``) and per-package children. Android applies a uid mode over the package's own mode
(AppOpsService: "Uid mode overrides package mode"), so a package's view carries both. A uid block
applies to every package of that uid, including one the block does not name and one known only from a
package list: ``OpIndex.view`` falls back to the uid's modes alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from auditor.model import OpEntry, UidOps


@dataclass(frozen=True)
class OpView:
    """The app-ops of one package in one uid: effective modes (uid overrides package) and entries."""

    uid_modes: Mapping[str, str]
    entries: Mapping[str, OpEntry]

    def mode(self, op: str) -> str | None:
        """The mode Android applies: a uid mode overrides the package mode (AppOpsService)."""
        if op in self.uid_modes:
            return self.uid_modes[op]
        entry = self.entries.get(op)
        return entry.mode if entry is not None else None

    def effective_entries(self) -> tuple[OpEntry, ...]:
        """Every op as Android applies it: package entries with a uid mode put over theirs, then ops set only
        for the uid (as entries without events). For apps without permission rows, whose ops are all
        the report can show."""
        found = [replace(e, mode=self.uid_modes[op]) if op in self.uid_modes else e for op, e in self.entries.items()]
        found += [OpEntry(op=op, mode=mode) for op, mode in self.uid_modes.items() if op not in self.entries]
        return tuple(found)


EMPTY_OPS = OpView({}, {})


@dataclass(frozen=True)
class OpIndex:
    """Every uid block of an app-op dump, by (uid, package) and by (user, package)."""

    by_uid: Mapping[int, UidOps]
    by_name: Mapping[tuple[int, str], int]
    """(user, package) → the uid whose block names it."""

    @classmethod
    def of(cls, uids: Iterable[UidOps]) -> OpIndex:
        """The index of a dump; a uid printed twice keeps its first block (as the merge of outputs does)."""
        by_uid: dict[int, UidOps] = {}
        for block in uids:
            by_uid.setdefault(block.uid, block)
        by_name = {
            (uid // 100_000, pkg.package): uid for uid, block in by_uid.items() if uid >= 0 for pkg in block.packages
        }
        return cls(by_uid, by_name)

    def view(self, uid: int | None, package: str) -> OpView:
        """The package's ops in ``uid``; the uid's modes alone when the block does not name the package."""
        block = self.by_uid.get(uid) if uid is not None else None
        if block is None:
            return EMPTY_OPS
        for pkg in block.packages:
            if pkg.package == package:
                return OpView(dict(block.uid_modes), {e.op: e for e in pkg.ops})
        return OpView(dict(block.uid_modes), {})

    def find(self, user: int, package: str) -> tuple[int | None, OpView]:
        """The uid and ops of ``package`` in ``user`` by name, for a listing that printed no uid (``-U`` is 8+)."""
        uid = self.by_name.get((user, package))
        return (uid, self.view(uid, package)) if uid is not None else (None, EMPTY_OPS)

    def packages(self) -> Iterable[tuple[int, str]]:
        """(uid, package) of every package the dump names."""
        for uid, block in self.by_uid.items():
            for pkg in block.packages:
                yield uid, pkg.package
