"""``dumpsys package`` blocks: accumulators (mutable while a dump is read, frozen model objects at
the end) and the readers of a block's fields and ``User N:`` lines."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Final

from auditor.model import (
    DeclaredPermission,
    PackageUserState,
    ParsedPackage,
    ParsedSharedUser,
    PermissionState,
    RequestedPermission,
)
from auditor.parse.packages.fields import _bool, _int, _pairs, _perm_line

# The accumulators keep the scalar fields of the model objects in a dict keyed by the model's own
# field names, so each field is declared once (in auditor.model); only the lists, which repeated
# blocks extend rather than replace, have attributes here. A block printed twice (the per-package
# loop, or an OEM's repeated ``User N:`` block) writes into the same accumulator: a later value
# replaces an earlier one, a list gains the new names.

_USER_LISTS: Final = frozenset({"user", "runtime_permissions", "has_runtime_section", "install_permissions", "extras"})
_USER_SCALARS: Final = frozenset(f.name for f in fields(PackageUserState)) - _USER_LISTS
"""installed, hidden, suspended, stopped, not_launched, enabled, install_reason, first_install_time."""

_PACKAGE_LISTS: Final = frozenset(
    {
        "package",
        "declared_permissions",
        "requested_permissions",
        "install_permissions",
        "users",
        "hidden_system",
        "unknown",
    }
)
_PACKAGE_SCALARS: Final = frozenset(f.name for f in fields(ParsedPackage)) - _PACKAGE_LISTS
"""app_id, code_path, versions, SDKs, flags, install source, times, signatures, splits …"""


@dataclass(slots=True)
class _UserAcc:
    """One user's state of one package or shared user, merged over repeated ``User N:`` blocks."""

    user: int
    scalars: dict[str, Any] = field(default_factory=dict)
    """PackageUserState fields by name (``_USER_SCALARS``): only those the dump printed."""
    runtime: dict[str, PermissionState] = field(default_factory=dict)
    has_runtime: bool = False
    install: dict[str, PermissionState] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)

    def build(self) -> PackageUserState:
        return PackageUserState(
            user=self.user,
            **self.scalars,
            runtime_permissions=tuple(self.runtime.values()),
            has_runtime_section=self.has_runtime,
            install_permissions=tuple(self.install.values()),
            extras=tuple(self.extras.items()),
        )


@dataclass(slots=True)
class _BlockAcc:
    """A ``Package [..]`` or ``SharedUser [..]`` block, merged over every time it is printed."""

    name: str
    hidden_system: bool = False
    scalars: dict[str, Any] = field(default_factory=dict)
    """ParsedPackage fields by name (``_PACKAGE_SCALARS``): only those the dump printed."""
    declared: dict[str, DeclaredPermission] = field(default_factory=dict)
    requested: dict[str, RequestedPermission] | None = None
    install: dict[str, PermissionState] = field(default_factory=dict)
    users: dict[int, _UserAcc] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def user(self, user_id: int) -> _UserAcc:
        acc = self.users.get(user_id)
        if acc is None:
            acc = self.users[user_id] = _UserAcc(user_id)
        return acc

    def built_users(self) -> tuple[PackageUserState, ...]:
        # By user id: a "…, userId=10" install permission line creates user 10 before "User 0:".
        return tuple(self.users[key].build() for key in sorted(self.users))

    def build_package(self) -> ParsedPackage:
        return ParsedPackage(
            package=self.name,
            **self.scalars,
            declared_permissions=tuple(self.declared.values()),
            requested_permissions=None if self.requested is None else tuple(self.requested.values()),
            install_permissions=tuple(self.install.values()),
            users=self.built_users(),
            hidden_system=self.hidden_system,
            unknown=tuple(self.unknown),
        )

    def build_shared_user(self) -> ParsedSharedUser:
        return ParsedSharedUser(
            name=self.name,
            app_id=self.scalars.get("app_id"),
            install_permissions=tuple(self.install.values()),
            users=self.built_users(),
            unknown=tuple(self.unknown),
        )


class _PermissionLines(dict[str, tuple[PermissionState, int | None] | None]):
    """``_perm_line`` of each permission line text, each text parsed once: ``lines[text]``."""

    def __missing__(self, text: str) -> tuple[PermissionState, int | None] | None:
        parsed = self[text] = _perm_line(text)
        return parsed


@dataclass(slots=True)
class _DumpAcc:
    packages: dict[str, _BlockAcc] = field(default_factory=dict)
    hidden: dict[str, _BlockAcc] = field(default_factory=dict)
    shared: dict[str, _BlockAcc] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    truncated: bool = False
    permissions: _PermissionLines = field(default_factory=lambda: _PermissionLines())
    """Permission lines repeat across apps (``INTERNET: granted=true``); parse each text once."""


_IGNORED_KEYS: Final = frozenset(
    {
        # Known package fields the audit does not use. Kept out of ``unknown`` so that ``unknown``
        # means "format drift or a vendor addition", not "every package on every device".
        "pkg",
        "compat name",
        "resourcePath",
        "legacyNativeLibraryDir",
        "extractNativeLibs",
        "primaryCpuAbi",
        "secondaryCpuAbi",
        "cpuAbiOverride",
        "minExtensionVersions",
        "parentPackage",
        "childPackages",
        "hiddenApiEnforcementPolicy",
        "usesNonSdkApi",
        "apkSigningVersion",
        "applicationInfo",
        "dataDir",
        "supportsScreens",
        "hasPreserveLegacyExternalStorage",
        "pendingRestore",
        "updatableSystem",
        "emergencyInstaller",
        "forceQueryable",
        "pageSizeCompat",
        "developerVerificationStatus",
        "queriesPackages",
        "queriesIntents",
        "scannedAsStoppedSystemApp",
        "installerPackageUid",
        "installerAttributionTag",
        "loadingProgress",
        "loadingCompletedTime",
        "appMetadataFilePath",
        "appMetadataSource",
        "volumeUuid",
        "installPermissionsFixed",
        "privatePkgFlags",
        "apexModuleName",
        "overlayTarget",
        "overlayCategory",
    }
)

_TEXT_FIELDS: Final = {
    "codePath": "code_path",
    "versionName": "version_name",
    "timeStamp": "timestamp",
    "firstInstallTime": "first_install_time",
    "lastUpdateTime": "last_update_time",
    "signatures": "signatures",
    # Install source. Android 16 always prints these and writes "null" when unset; Android ≤ 12
    # prints installerPackageName only when set.
    "installerPackageName": "installer",
    "initiatingPackageName": "initiating_package",
    "originatingPackageName": "originating_package",
    "updateOwnerPackageName": "update_owner",
}

_FLAG_FIELDS: Final = {"flags": "flags", "privateFlags": "private_flags", "pkgFlags": "pkg_flags"}

_USER_BOOLS: Final = {
    "installed": "installed",
    "hidden": "hidden",
    "suspended": "suspended",
    "stopped": "stopped",
    "notLaunched": "not_launched",
}

# Every model field named above exists (a renamed model field fails here, not in a report).
assert {*_TEXT_FIELDS.values(), *_FLAG_FIELDS.values()} <= _PACKAGE_SCALARS
assert {*_USER_BOOLS.values(), "enabled", "install_reason", "first_install_time"} == _USER_SCALARS


def _version_line(acc: _BlockAcc, line: str, text: str) -> None:
    """``versionCode=42 minSdk=26 targetSdk=34``; any subset, as the parts depend on ``pkg != null``."""
    understood = True
    for word in text.split():
        key, _, value = word.partition("=")
        number = _int(value)
        if key == "versionCode" and number is not None:
            acc.scalars["version_code"] = number
        elif key == "minSdk" and number is not None:
            acc.scalars["min_sdk"] = number
        elif key == "targetSdk" and number is not None:
            acc.scalars["target_sdk"] = number
        else:
            understood = False
    if not understood:
        acc.unknown.append(line)


def _user_line(acc: _BlockAcc, line: str, text: str) -> _UserAcc | None:
    """``User 0: ceDataInode=… installed=true hidden=false … enabled=0 …`` (or ``User 0: `` alone).

    The typed fields go to their places; every other pair (ceDataInode, deDataInode,
    distractionFlags, instant, virtual, quarantined, vendor keys such as ``restricted``/``alive``,
    Android 9's ``suspendingPackage``/``dialogInfo``) is kept in ``extras`` as printed.
    """
    head, sep, rest = text[5:].partition(":")
    user_id = _int(head)
    if not sep or user_id is None:
        return None
    user = acc.user(user_id)
    scalars = user.scalars
    pairs, clean = _pairs(rest)
    for key, value in pairs:
        name = _USER_BOOLS.get(key)
        if name is not None:
            flag = _bool(value)
            if flag is not None:
                scalars[name] = flag
                continue
        elif key == "enabled":
            number = _int(value)
            if number is not None:
                scalars["enabled"] = number
                continue
        elif key == "installReason":
            number = _int(value)
            if number is not None:
                scalars["install_reason"] = number
                continue
        elif key == "firstInstallTime":
            scalars["first_install_time"] = value
            continue
        user.extras[key] = value
    if not clean:
        acc.unknown.append(line)  # words before the first pair: keep the line as printed
    return user
