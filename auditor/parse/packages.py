"""``pm list packages`` and ``dumpsys package``: which apps exist, and what each one holds.

``pm list packages`` (PackageManagerShellCommand.runListPackages) prints one line per app::

    package:/data/app/~~Ab==/com.example-Cd==/base.apk=com.example versionCode:42  installer=null uid:10234

``dumpsys package`` (Settings.dumpPackageLPr, dumpSharedUsersLPr) is a tree drawn with spaces. Only
three of its top-level sections matter here: ``Packages:``, ``Hidden system packages:`` (the factory
copy of an updated system app) and ``Shared users:`` (where the runtime grants of sharedUserId apps
live). Everything else in a full dump (resolver tables, ``Permissions:``, ``Key Set Manager:``,
``Dexopt state:`` …) is skipped without being looked at line by line, because it is most of the text.

Inside a section the depth of a line is its indentation, fixed by the ``"  "`` prefix AOSP passes
down (docs/android-platform.md §3.1)::

      Package [com.example] (1a2b3c):          2  a block
        appId=10234                            4  package fields, list headers, ``User N:`` lines
          android.permission.INTERNET: …       6  list items, and the per-user lines of a User block
            android.permission.CAMERA: …       8  runtime permissions (and other per-user lists)

The parser is a single pass over the lines of those sections with ``str`` methods only. Lines it
does not understand are kept in the ``unknown`` tuple of the enclosing package or shared user (or of
the dump); known fields the model does not carry (ABIs, library lists, component lists, overlay
paths …) are recognised and skipped. Several per-package dumps may be concatenated, each part
optionally preceded by a ``##auditor##`` marker line; a package or shared user seen more than once is
merged, and so are repeated ``User N:`` blocks of one user (an OEM quirk seen on ASUS Android 15).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, fields
from typing import Any, Final

from auditor.model import (
    DeclaredPermission,
    ListedPackage,
    PackageUserState,
    ParsedPackage,
    ParsedPackageDump,
    ParsedPackageList,
    ParsedSharedUser,
    PermissionState,
    RequestedPermission,
)
from auditor.parse.markers import MARKER

logger = logging.getLogger(__name__)


def _int(text: str) -> int | None:
    """``int(text)`` or ``None``; bounded so a hostile 5,000-digit string never reaches ``int``."""
    text = text.strip()
    if not text or len(text) > 24:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _bool(text: str) -> bool | None:
    if text == "true":
        return True
    if text == "false":
        return False
    return None


# --------------------------------------------------------------------------------------------------
# pm list packages
# --------------------------------------------------------------------------------------------------


def _listed(body: str) -> ListedPackage | None:
    """One ``package:`` line without its prefix, or ``None`` when it does not have the known shape.

    The optional suffixes are removed from the right first (` uid:`, `  installer=`, ` versionCode:`),
    because ``installer=`` itself holds ``=``; what remains is split at its *last* ``=``: package
    names never contain ``=`` but ``/data/app/~~Ab==/…`` paths (Android 11+) often do.
    """
    uid: int | None = None
    cut = body.rfind(" uid:")
    if cut != -1:
        # Multi-user listings may print several uids joined by ","; the first is the asked-for user.
        uid = _int(body[cut + 5 :].split(",", 1)[0])
        if uid is None:
            return None
        body = body[:cut]
    installer: str | None = None
    cut = body.rfind(" installer=")
    if cut != -1:
        installer = body[cut + 11 :].strip()
        if installer in ("null", ""):
            installer = None
        body = body[:cut]
    version_code: int | None = None
    cut = body.rfind(" versionCode:")
    if cut != -1:
        version_code = _int(body[cut + 13 :])
        if version_code is None:
            return None
        body = body[:cut]
    body = body.rstrip()
    path, eq, package = body.rpartition("=")
    if not package or " " in package:
        return None
    return ListedPackage(
        package=package,
        path=path if eq and path else None,
        version_code=version_code,
        installer=installer,
        uid=uid,
    )


def parse_pm_list_packages(text: str) -> ParsedPackageList:
    """Parse any ``pm list packages`` variant (``-f -U -i --show-versioncode -s -3 -d -e -u --user N``).

    Every option only adds a part to the line, so one line parser serves them all. Android 7 has no
    ``-U`` and no ``--show-versioncode`` (it prints an error line, which lands in ``unknown``).
    ``installer=null`` becomes ``None``. Marker lines of an on-device loop are skipped; blank lines
    too. Never raises.
    """
    packages: list[ListedPackage] = []
    unknown: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith(MARKER):
            continue
        item = _listed(line[8:]) if line.startswith("package:") else None
        if item is None:
            unknown.append(raw.rstrip("\r"))
        else:
            packages.append(item)
    logger.debug("pm list packages: %d packages, %d unknown lines", len(packages), len(unknown))
    return ParsedPackageList(packages=tuple(packages), unknown=tuple(unknown))


# --------------------------------------------------------------------------------------------------
# dumpsys package: accumulators (mutable while parsing, frozen model objects at the end)
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# dumpsys package: line parsers
# --------------------------------------------------------------------------------------------------

_SEC_PACKAGES: Final = 0
_SEC_HIDDEN: Final = 1
_SEC_SHARED: Final = 2
_EV_MARKER: Final = 3

_HEADERS: Final = (
    ("\nPackages:", _SEC_PACKAGES),
    ("\nHidden system packages:", _SEC_HIDDEN),
    ("\nShared users:", _SEC_SHARED),
)

# What the items of an open list are (the lines one level deeper than its header). Plain ints, not
# an enum: they are compared once per line in the hot loop and never leave this module.
_LIST_NONE: Final = 0
"""No list open: deeper lines are the fields of a User line, or not understood."""
_LIST_DECLARED: Final = 1
_LIST_REQUESTED: Final = 2
_LIST_INSTALL: Final = 3
_LIST_RUNTIME: Final = 4
_LIST_SKIPPED: Final = 5
"""A list the model does not carry (libraries, processes, components, overlay paths …)."""
_LIST_UNKNOWN: Final = 6
"""A list under a header this parser does not know: its items go to ``unknown`` with it."""
_LIST_SUSPEND: Final = 7
"""``Suspend params:`` (Android 10+, printed at package depth after a User line)."""
_LIST_OVERLAY: Final = 8
"""``overlay paths:`` at package depth (Android 9 and older): path items, then the user lines resume."""

_SKIPPED_LISTS: Final = frozenset(
    {
        "usesLibraries:",
        "usesStaticLibraries:",
        "usesSdkLibraries:",
        "usesOptionalLibraries:",
        "usesNativeLibraries:",
        "usesOptionalNativeLibraries:",
        "usesLibraryFiles:",
        "libraries:",
        "dynamic libraries:",
        "static library:",
        "SDK library:",
        "processes:",
        # OPTION_DUMP_ALL_COMPONENTS (``dumpsys package --all-components``)
        "activities:",
        "services:",
        "receivers:",
        "providers:",
        "instrumentations:",
    }
)

_LIST_HEADERS: Final = {
    "install permissions:": _LIST_INSTALL,
    "requested permissions:": _LIST_REQUESTED,
    "declared permissions:": _LIST_DECLARED,
} | dict.fromkeys(_SKIPPED_LISTS, _LIST_SKIPPED)
"""Depth-4 list headers of a block that end the User line above (the user's own lists are deeper)."""

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


def _flag_list(value: str) -> tuple[str, ...]:
    """``[ A B C ]`` (application flags, every version) or ``[ A|B|C]`` (permission flags).

    Android 7 prints permission flags with spaces too (``[ SYSTEM_FIXED GRANTED_BY_DEFAULT ]``), so
    both separators are accepted everywhere. Unknown bits print as decimal and stay as that text.
    """
    return tuple(value.strip().strip("[]").replace("|", " ").split())


def _pairs(text: str) -> tuple[list[tuple[str, str]], bool]:
    """``k=v k=v …`` into pairs; a word without ``=`` continues the previous value.

    Values can hold spaces: Android 9 prints ``dialogInfo=SuspendDialogInfo: {…}`` on the User line
    of a suspended app, and a date is ``yyyy-MM-dd HH:mm:ss``. The flag is False when words came
    before any pair (nothing to attach them to).
    """
    pairs: list[tuple[str, str]] = []
    clean = True
    for word in text.split():
        key, eq, value = word.partition("=")
        if eq and key.isidentifier():
            pairs.append((key, value))
        elif pairs:
            last_key, last_value = pairs[-1]
            pairs[-1] = (last_key, f"{last_value} {word}")
        else:
            clean = False
    return pairs, clean


def _perm_line(text: str) -> tuple[PermissionState, int | None] | None:
    """``name: granted=true[, flags=[ A|B]][, userId=10]`` or ``None`` when it is not one.

    The ``userId=`` suffix appears on install permissions only, for a user whose state differs from
    user 0 (Android 12+, dumpInstallPermissionsLPr).
    """
    name, sep, rest = text.partition(": granted=")
    if not sep or not name or " " in name:
        return None
    if rest.startswith("true"):
        granted, tail = True, rest[4:]
    elif rest.startswith("false"):
        granted, tail = False, rest[5:]
    else:
        return None
    flags: tuple[str, ...] = ()
    user: int | None = None
    if tail:
        if tail[0] != ",":
            return None
        start = tail.find("flags=[")
        if start != -1:
            close = tail.find("]", start)
            if close == -1:
                return None
            flags = _flag_list(tail[start + 6 : close + 1])
            tail = tail[close + 1 :]
        if tail:
            key, eq, value = tail.lstrip(", ").partition("=")
            user = _int(value) if key == "userId" and eq else None
            if user is None:
                return None
    return PermissionState(name, granted, flags), user


def _shared_user_name(value: str) -> str:
    """``SharedUserSetting{cb92b86 android.uid.system/1000}`` → ``android.uid.system``."""
    open_at = value.find("{")
    close_at = value.rfind("}")
    if open_at == -1 or close_at < open_at:
        return value
    inner = value[open_at + 1 : close_at]
    inner = inner.split(" ", 1)[1] if " " in inner else inner
    return inner.rpartition("/")[0] or inner


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


def _user_detail(acc: _BlockAcc, user: _UserAcc, line: str, text: str) -> int:
    """A depth-6 line under a ``User N:`` line; returns what the depth-8 lines after it are."""
    if text == "runtime permissions:":
        user.has_runtime = True
        return _LIST_RUNTIME
    if text in ("disabledComponents:", "enabledComponents:") or text.endswith("overlay paths:"):
        return _LIST_SKIPPED
    key, eq, value = text.partition("=")
    if eq and key.isidentifier():
        number = _int(value) if key == "installReason" else None
        if number is not None:
            user.scalars["install_reason"] = number
            return _LIST_NONE
        if key == "firstInstallTime":
            # Android 13+ keep the first install time per user.
            user.scalars["first_install_time"] = value
            return _LIST_NONE
        # gids, dataDir, uninstallReason, archiveTime (15+), unarchiveInstallerTitle (15+) …
        user.extras[key] = value
        return _LIST_NONE
    key, sep, value = text.partition(": ")
    if sep and key.isidentifier():
        # "lastDisabledCaller: com.x" and "harmfulAppWarning: …" are printed with ": ".
        user.extras[key] = value
        return _LIST_NONE
    acc.unknown.append(line)
    return _LIST_UNKNOWN


def _block_name(text: str, prefix: str) -> str | None:
    """``Package [com.x] (1a2b):`` → ``com.x`` (the hash is an identity hash, of no use)."""
    close = text.rfind("]")
    if not text.startswith(prefix) or close <= len(prefix):
        return None
    return text[len(prefix) : close]


class _SectionReader:
    """One ``Packages:``/``Hidden system packages:``/``Shared users:`` section, read line by line.

    A line's depth (its indentation) says what it is (see the module docstring), one method per
    depth. Two list states say what the lines one level under a list header are: ``items6`` for
    depth-6 lines (opened by a depth-4 header such as ``install permissions:``) and ``items8`` for
    depth-8 lines (opened by a depth-6 header such as a user's ``runtime permissions:``, or by
    Android 12's column-0 overlay header).
    """

    __slots__ = ("block", "blocks", "cut_off", "dump", "items6", "items8", "kind", "permissions", "prefix", "user")

    def __init__(self, kind: int, dump: _DumpAcc) -> None:
        self.kind = kind
        self.dump = dump
        self.permissions = dump.permissions
        if kind == _SEC_SHARED:
            self.blocks, self.prefix = dump.shared, "SharedUser ["
        elif kind == _SEC_HIDDEN:
            self.blocks, self.prefix = dump.hidden, "Package ["
        else:
            self.blocks, self.prefix = dump.packages, "Package ["
        self.block: _BlockAcc | None = None
        self.user: _UserAcc | None = None
        """The user whose ``User N:`` line the following lines belong to."""
        self.items6 = _LIST_NONE
        self.items8 = _LIST_NONE
        self.cut_off: str | None = None
        """The last line that looked cut off: a permission line without its ``granted=`` part, or
        a block header (which would be cut off if nothing followed it)."""

    def read(self, lines: list[str]) -> bool:
        """Read the section's lines; returns whether its last non-blank line looked cut off (a sign
        of truncation when the section is the last thing in the text)."""
        depth8, depth6, depth4 = self.depth8, self.depth6, self.depth4
        last = None
        for line in lines:
            text = line.lstrip(" ")
            depth = len(line) - len(text)
            text = text.rstrip()
            if not text:
                continue
            last = line
            if depth >= 4:
                block = self.block
                if block is None:
                    self.dump.unknown.append(line)  # under a header that was not a block's
                elif depth >= 8:
                    depth8(block, line, text)
                elif depth == 6:
                    depth6(block, line, text)
                elif depth == 4:
                    depth4(block, line, text)
                else:
                    self.shallow(line, text, depth)
            elif depth == 2:
                self.block_header(line, text)
            else:
                self.shallow(line, text, depth)
        return last is not None and self.cut_off is last

    def depth8(self, block: _BlockAcc, line: str, text: str) -> None:
        """Items of a user's list (runtime permissions), or a per-user line printed deeper."""
        user = self.user
        if self.items8 == _LIST_RUNTIME and user is not None:
            parsed = self.permissions[text]
            if parsed is not None:
                user.runtime[parsed[0].name] = parsed[0]
            elif text.startswith("harmfulAppWarning: "):
                # Android 9-16 print it 2 deeper than the other per-user lines.
                user.extras["harmfulAppWarning"] = text[19:]
            else:
                block.unknown.append(line)
                self.cut_off = line
        elif self.items8 == _LIST_SKIPPED or self.items6 == _LIST_SKIPPED:
            pass
        elif user is not None and text.startswith("harmfulAppWarning: "):
            user.extras["harmfulAppWarning"] = text[19:]
        elif user is not None and text.startswith("archiveActivityInfo="):
            pass  # Android 15+ archived apps: launcher activity list
        else:
            block.unknown.append(line)

    def depth6(self, block: _BlockAcc, line: str, text: str) -> None:
        """Items of a block's list, or the per-user lines under a User line."""
        self.items8 = _LIST_NONE
        items = self.items6
        user = self.user
        if items == _LIST_INSTALL:
            parsed = self.permissions[text]
            if parsed is None:
                block.unknown.append(line)
                self.cut_off = line
            else:
                state, user_id = parsed
                (block.install if user_id is None else block.user(user_id).install)[state.name] = state
        elif items == _LIST_REQUESTED:
            name, sep, rest = text.partition(":")
            rest = rest.strip()
            if block.requested is not None:
                # Android 10/11 mark hard-restricted permissions (SMS, call log …).
                block.requested[name] = RequestedPermission(name, restricted=rest == "restricted=true")
            if sep and rest not in ("restricted=true", "restricted=false"):
                block.unknown.append(line)
        elif items == _LIST_DECLARED:
            name, sep, rest = text.partition(": prot=")
            if sep and name:
                # ", INSTALLED" / ", COSTS_MONEY" / ", HIDDEN" follow the protection text.
                block.declared[name] = DeclaredPermission(name, rest.split(",", 1)[0].strip())
            else:
                block.unknown.append(line)
        elif items == _LIST_SKIPPED:
            pass
        elif items == _LIST_UNKNOWN:
            block.unknown.append(line)
        elif items == _LIST_OVERLAY and text[0] == "/":
            pass
        elif items == _LIST_SUSPEND and user is not None and text.startswith("suspendingPackage="):
            pairs, _ = _pairs(text)
            user.extras.update(pairs)
        elif user is not None:
            self.items6 = _LIST_NONE
            self.items8 = _user_detail(block, user, line, text)
        elif text.startswith("oldCodePath="):
            pass  # Android 14+: previous code paths of an updated app
        else:
            block.unknown.append(line)

    def depth4(self, block: _BlockAcc, line: str, text: str) -> None:
        """A ``key=value`` field of the block (most depth-4 lines); the rest go to ``heading4``."""
        self.items8 = _LIST_NONE
        key, eq, value = text.partition("=")
        if not eq or key.startswith("User "):
            self.heading4(block, line, text)
            return
        self.items6, self.user = _LIST_NONE, None
        scalars = block.scalars
        name = _TEXT_FIELDS.get(key)
        if name is not None:
            scalars[name] = None if value in ("null", "") else value
            return
        name = _FLAG_FIELDS.get(key)
        if name is not None:
            scalars[name] = _flag_list(value)
            return
        if key in _IGNORED_KEYS:
            return
        if key in ("userId", "appId"):
            # "userId=" up to Android 12, "appId=" after; Android 6 added " gids=[…]" on the same line.
            number = _int(value.split(" ", 1)[0])
            if number is None:
                block.unknown.append(line)
            else:
                scalars["app_id"] = number
        elif key == "versionCode":
            _version_line(block, line, text)
        elif key == "sharedUser":
            scalars["shared_user"] = _shared_user_name(value)
        elif key == "splits":
            # "[base, config.arm64_v8a, config.xxhdpi:3]" (name[:revision]); "unknown" when pkg == null.
            names = value.strip().strip("[]").split(",") if value.startswith("[") else ()
            scalars["splits"] = tuple(part.strip() for part in names if part.strip())
        elif key == "packageSource":
            number = scalars["package_source"] = _int(value)
            if number is None:
                block.unknown.append(line)
        else:
            block.unknown.append(line)

    def heading4(self, block: _BlockAcc, line: str, text: str) -> None:
        """A depth-4 line without a field: ``User N:`` lines and list headers."""
        if text.startswith("User "):
            self.user = _user_line(block, line, text)
            self.items6 = _LIST_NONE
            if self.user is None:
                block.unknown.append(line)
        elif text[-1] == ":":
            items = _LIST_HEADERS.get(text)
            if items is not None:
                self.user = None
                if items == _LIST_REQUESTED and block.requested is None:
                    block.requested = {}
            elif text == "Suspend params:":
                items = _LIST_SUSPEND  # belongs to the User line above: keep ``user``
            elif text.endswith("overlay paths:"):
                items = _LIST_OVERLAY  # Android 9: per-user, printed at package depth
            else:
                items, self.user = _LIST_UNKNOWN, None
                block.unknown.append(line)
            self.items6 = items
        elif text == "Packages" and self.kind == _SEC_SHARED:
            # Android 11+: the member packages of a shared user (also known from each package).
            self.items6, self.user = _LIST_SKIPPED, None
        else:
            self.items6, self.user = _LIST_NONE, None
            block.unknown.append(line)

    def block_header(self, line: str, text: str) -> None:
        """``Package [com.x] (1a2b):`` or ``SharedUser [android.uid.system] (3c4d):``."""
        self.items6 = self.items8 = _LIST_NONE
        self.user = None
        name = _block_name(text, self.prefix)
        if name is None:
            self.block = None
            self.dump.unknown.append(line)
            return
        block = self.blocks.get(name)
        if block is None:
            block = self.blocks[name] = _BlockAcc(name, hidden_system=self.kind == _SEC_HIDDEN)
        self.block = block
        self.cut_off = line  # a header as the very last line: the block was cut off

    def shallow(self, line: str, text: str, depth: int) -> None:
        """Depths 0, 1, 3, 5 and 7: two version quirks, else not understood."""
        if depth == 0 and text.endswith("overlay paths:"):
            # Android 12 prints a shared library's overlay header at column 0 (println("    ")
            # then the library name); its paths follow deeper.
            self.items8 = _LIST_SKIPPED
        elif depth == 1 and text.startswith("optional:"):
            pass  # Android 14+ usesSdkLibraries prints " optional:<bool>" on its own line
        elif self.block is not None:
            self.block.unknown.append(line)
        else:
            self.dump.unknown.append(line)


# --------------------------------------------------------------------------------------------------
# dumpsys package: finding the sections
# --------------------------------------------------------------------------------------------------

_TOP_LEVEL: Final = re.compile(r"\n(?=[^ \n])")
"""A line that starts at column 0: the end of the current top-level section."""


class _Finder:
    """Next occurrence of each needle at or after a position, each text searched once overall."""

    __slots__ = ("_next", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._next: dict[str, int] = {}

    def find(self, needle: str, pos: int) -> int:
        found = self._next.get(needle, -2)
        if found == -1 or found >= pos:
            return found
        found = self._text.find(needle, pos)
        self._next[needle] = found
        return found

    def next_event(self, pos: int) -> tuple[int, int]:
        """Start of the next relevant header line or marker, and its kind; ``(-1, -1)`` if none."""
        text = self._text
        best, kind = -1, -1
        for needle, section in _HEADERS:
            at = self.find(needle, pos - 1)
            while at != -1:
                end = text.find("\n", at + 1)
                rest = text[at + len(needle) : len(text) if end == -1 else end]
                if not rest.strip():
                    break
                at = self.find(needle, at + 1)  # "Packages: …" is not the header
            if at != -1 and (best == -1 or at + 1 < best):
                best, kind = at + 1, section
        marker = self.find(MARKER, pos)
        if marker != -1 and (best == -1 or marker < best):
            best, kind = marker, _EV_MARKER
        return best, kind


def _section_end(text: str, start: int, finder: _Finder) -> tuple[int, int, bool]:
    """Where the section starting at ``start`` ends: (chunk end, resume position, at part end).

    A section ends at the next line that starts at column 0, or at a marker (even one in the
    middle of a line, which means the loop's previous command was cut off).
    """
    marker = finder.find(MARKER, start)
    limit = len(text) if marker == -1 else marker
    search_from = start - 1
    while True:
        match = _TOP_LEVEL.search(text, search_from, limit)
        if match is None:
            return limit, limit, True
        newline = match.start()
        end = text.find("\n", newline + 1, limit)
        head = text[newline + 1 : limit if end == -1 else end].rstrip()
        if head.endswith("overlay paths:") and not head.startswith(MARKER):
            search_from = newline + 1  # Android 12 column-0 quirk, see _SectionReader.shallow
            continue
        return newline, newline + 1, False


def _skip_gap(text: str, start: int, end: int, unknown: list[str]) -> None:
    """Text between the relevant sections: keep stray lines, skip whole irrelevant sections.

    Lines before the first top-level header (``Xxx:`` at column 0) of the gap belong to no section
    (an error message, a comment a capture tool added, the cut-off start of a section): they go to
    ``unknown``. From the first header on, the gap is an irrelevant section and is not read.
    """
    pos = start
    while pos < end:
        newline = text.find("\n", pos, end)
        stop = end if newline == -1 else newline
        line = text[pos:stop]
        stripped = line.strip()
        if stripped:
            if line[0] not in " \t" and stripped[-1] == ":":
                return
            unknown.append(line)
        pos = stop + 1


def parse_dumpsys_package(text: str) -> ParsedPackageDump:
    """Parse a full ``dumpsys package`` or many concatenated ``dumpsys package <pkg>`` outputs.

    Returns every package of ``Packages:`` (merged by name), the factory copies of
    ``Hidden system packages:`` (``hidden_system=True``) and every ``SharedUser`` block (merged by
    name). ``requested_permissions`` is ``None`` for a package whose dump had no such section (full
    dumps before Android 12 print it only for ``dumpsys package <pkg>``). ``truncated`` is set when
    the text was visibly cut: it ends without a newline inside a section, a marker interrupts a
    line, or the last line of a section is a half permission line or a bare block header.
    Never raises.
    """
    dump = _DumpAcc()
    buf = "\n" + text  # every line, the first included, now follows a "\n"
    size = len(buf)
    finder = _Finder(buf)
    pos = 1
    while pos < size:
        event, kind = finder.next_event(pos)
        _skip_gap(buf, pos, size if event == -1 else event, dump.unknown)
        if event == -1:
            break
        newline = buf.find("\n", event)
        if kind == _EV_MARKER:
            if buf[event - 1] != "\n":
                dump.truncated = True  # the previous command's output stops mid-line
            pos = size if newline == -1 else newline + 1
            continue
        if newline == -1:
            dump.truncated = True  # the text stops right after a section header
            break
        chunk_end, pos, part_end = _section_end(buf, newline + 1, finder)
        cut = _SectionReader(kind, dump).read(buf[newline + 1 : chunk_end].split("\n"))
        if part_end and (cut or (chunk_end == size and not text.endswith("\n"))):
            dump.truncated = True
    result = ParsedPackageDump(
        packages=tuple(block.build_package() for block in dump.packages.values()),
        hidden_system_packages=tuple(block.build_package() for block in dump.hidden.values()),
        shared_users=tuple(block.build_shared_user() for block in dump.shared.values()),
        truncated=dump.truncated,
        unknown=tuple(dump.unknown),
    )
    logger.debug(
        "dumpsys package: %d packages, %d hidden, %d shared users, truncated=%s, %d unknown lines",
        len(result.packages),
        len(result.hidden_system_packages),
        len(result.shared_users),
        result.truncated,
        len(result.unknown),
    )
    return result
