"""The permission catalogue: which permissions are runtime or app-op backed, and which op gates each.

The table lives in ``auditor/data/permissions.json`` (one place, with its sources); this module only
loads it into typed objects, once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from auditor.model import PermissionKind, SpecialAccessKind


@dataclass(frozen=True)
class PermissionInfo:
    name: str
    kind: PermissionKind
    group: str | None
    """Runtime permission group as the Settings UI shows it (LOCATION, CAMERA …)."""
    api: int | None
    appop: str | None
    """The app-op that gates the permission (``FINE_LOCATION`` for ``ACCESS_FINE_LOCATION``)."""


@dataclass(frozen=True)
class SpecialAppOp:
    op: str
    access: SpecialAccessKind
    permission: str | None
    when_default: str
    """``permission``: mode ``default`` falls back to the permission's grant; ``deny``: not allowed."""


@dataclass(frozen=True)
class Catalogue:
    permissions: dict[str, PermissionInfo]
    runtime_prefixes: dict[str, PermissionInfo]
    special_appops: dict[str, SpecialAppOp]
    background_location: str
    stores: frozenset[str]
    sideload_installers: frozenset[str]

    def info(self, name: str) -> PermissionInfo | None:
        """What the catalogue knows about a permission (``None`` for install-time permissions)."""
        found = self.permissions.get(name)
        if found is not None:
            return found
        for prefix, info in self.runtime_prefixes.items():
            if name.startswith(prefix):
                return PermissionInfo(name, info.kind, info.group, info.api, info.appop)
        return None


def _info(name: str, raw: dict[str, object]) -> PermissionInfo:
    api = raw.get("api")
    group = raw.get("group")
    appop = raw.get("appop")
    return PermissionInfo(
        name=name,
        kind=PermissionKind(str(raw["kind"])),
        group=group if isinstance(group, str) else None,
        api=api if isinstance(api, int) else None,
        appop=appop if isinstance(appop, str) else None,
    )


@cache
def load_catalogue() -> Catalogue:
    """The bundled catalogue (read once per process)."""
    raw = json.loads(resources.files("auditor.data").joinpath("permissions.json").read_text("utf-8"))
    return Catalogue(
        permissions={name: _info(name, v) for name, v in raw["permissions"].items()},
        runtime_prefixes={p: _info(p, v) for p, v in raw["runtime_prefixes"].items()},
        special_appops={
            op: SpecialAppOp(op, SpecialAccessKind(v["access"]), v["permission"], v["when_default"])
            for op, v in raw["special_appops"].items()
        },
        background_location=raw["background_location"],
        stores=frozenset(raw["stores"]),
        sideload_installers=frozenset(raw["sideload_installers"]),
    )
