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
from dataclasses import dataclass, field
from typing import Final

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


@dataclass(slots=True)
class _UserAcc:
    """One user's state of one package or shared user, merged over repeated ``User N:`` blocks."""

    user: int
    installed: bool | None = None
    hidden: bool | None = None
    suspended: bool | None = None
    stopped: bool | None = None
    not_launched: bool | None = None
    enabled: int | None = None
    install_reason: int | None = None
    first_install_time: str | None = None
    runtime: dict[str, PermissionState] = field(default_factory=dict)
    has_runtime: bool = False
    install: dict[str, PermissionState] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)

    def build(self) -> PackageUserState:
        return PackageUserState(
            user=self.user,
            installed=self.installed,
            hidden=self.hidden,
            suspended=self.suspended,
            stopped=self.stopped,
            not_launched=self.not_launched,
            enabled=self.enabled,
            install_reason=self.install_reason,
            first_install_time=self.first_install_time,
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
    app_id: int | None = None
    shared_user: str | None = None
    code_path: str | None = None
    version_code: int | None = None
    version_name: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    flags: tuple[str, ...] = ()
    private_flags: tuple[str, ...] = ()
    pkg_flags: tuple[str, ...] = ()
    installer: str | None = None
    initiating_package: str | None = None
    originating_package: str | None = None
    update_owner: str | None = None
    package_source: int | None = None
    timestamp: str | None = None
    first_install_time: str | None = None
    last_update_time: str | None = None
    signatures: str | None = None
    splits: tuple[str, ...] = ()
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
            app_id=self.app_id,
            shared_user=self.shared_user,
            code_path=self.code_path,
            version_code=self.version_code,
            version_name=self.version_name,
            min_sdk=self.min_sdk,
            target_sdk=self.target_sdk,
            flags=self.flags,
            private_flags=self.private_flags,
            pkg_flags=self.pkg_flags,
            installer=self.installer,
            initiating_package=self.initiating_package,
            originating_package=self.originating_package,
            update_owner=self.update_owner,
            package_source=self.package_source,
            timestamp=self.timestamp,
            first_install_time=self.first_install_time,
            last_update_time=self.last_update_time,
            signatures=self.signatures,
            splits=self.splits,
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
            app_id=self.app_id,
            install_permissions=tuple(self.install.values()),
            users=self.built_users(),
            unknown=tuple(self.unknown),
        )


@dataclass(slots=True)
class _DumpAcc:
    packages: dict[str, _BlockAcc] = field(default_factory=dict)
    hidden: dict[str, _BlockAcc] = field(default_factory=dict)
    shared: dict[str, _BlockAcc] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    truncated: bool = False
    perm_cache: dict[str, tuple[PermissionState, int | None] | None] = field(default_factory=dict)
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

# What the items of the list under the current header are. Plain ints, not an enum: they are
# compared once per line in the hot loop and never leave this module.
_M_NONE: Final = 0
_M_DECLARED: Final = 1
_M_REQUESTED: Final = 2
_M_INSTALL: Final = 3
_M_RUNTIME: Final = 4
_M_SKIP: Final = 5
"""A list the model does not carry (libraries, processes, components, overlay paths …)."""
_M_UNKNOWN: Final = 6
"""A list under a header this parser does not know: its items go to ``unknown`` with it."""
_M_SUSPEND: Final = 7
"""``Suspend params:`` (Android 10+, printed at package depth after a User line)."""
_M_OVERLAY: Final = 8
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
    return PermissionState(name=name, granted=granted, flags=flags), user


def _shared_user_name(value: str) -> str:
    """``SharedUserSetting{cb92b86 android.uid.system/1000}`` → ``android.uid.system``."""
    open_at = value.find("{")
    close_at = value.rfind("}")
    if open_at == -1 or close_at < open_at:
        return value
    inner = value[open_at + 1 : close_at]
    inner = inner.split(" ", 1)[1] if " " in inner else inner
    return inner.rpartition("/")[0] or inner


def _package_field(acc: _BlockAcc, line: str, text: str) -> None:
    """A depth-4 ``key=value`` line of a package or shared-user block."""
    key, eq, value = text.partition("=")
    if not eq:
        acc.unknown.append(line)
        return
    attr = _TEXT_FIELDS.get(key)
    if attr is not None:
        setattr(acc, attr, None if value in ("null", "") else value)
        return
    attr = _FLAG_FIELDS.get(key)
    if attr is not None:
        setattr(acc, attr, _flag_list(value))
        return
    if key in _IGNORED_KEYS:
        return
    if key in ("userId", "appId"):
        # "userId=" up to Android 12, "appId=" after; Android 6 added " gids=[…]" on the same line.
        number = _int(value.split(" ", 1)[0])
        if number is None:
            acc.unknown.append(line)
        else:
            acc.app_id = number
    elif key == "versionCode":
        _version_line(acc, line, text)
    elif key == "sharedUser":
        acc.shared_user = _shared_user_name(value)
    elif key == "splits":
        # "[base, config.arm64_v8a, config.xxhdpi:3]" (name[:revision]); "unknown" when pkg == null.
        names = value.strip().strip("[]").split(",") if value.startswith("[") else ()
        acc.splits = tuple(part.strip() for part in names if part.strip())
    elif key == "packageSource":
        acc.package_source = _int(value)
        if acc.package_source is None:
            acc.unknown.append(line)
    else:
        acc.unknown.append(line)


def _version_line(acc: _BlockAcc, line: str, text: str) -> None:
    """``versionCode=42 minSdk=26 targetSdk=34``; any subset, as the parts depend on ``pkg != null``."""
    understood = True
    for word in text.split():
        key, _, value = word.partition("=")
        number = _int(value)
        if key == "versionCode" and number is not None:
            acc.version_code = number
        elif key == "minSdk" and number is not None:
            acc.min_sdk = number
        elif key == "targetSdk" and number is not None:
            acc.target_sdk = number
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
    pairs, clean = _pairs(rest)
    for key, value in pairs:
        attr = _USER_BOOLS.get(key)
        if attr is not None:
            flag = _bool(value)
            if flag is not None:
                setattr(user, attr, flag)
                continue
        elif key == "enabled":
            number = _int(value)
            if number is not None:
                user.enabled = number
                continue
        elif key == "installReason":
            number = _int(value)
            if number is not None:
                user.install_reason = number
                continue
        elif key == "firstInstallTime":
            user.first_install_time = value
            continue
        user.extras[key] = value
    if not clean:
        acc.unknown.append(line)  # words before the first pair: keep the line as printed
    return user


def _user_detail(acc: _BlockAcc, user: _UserAcc, line: str, text: str) -> int:
    """A depth-6 line under a ``User N:`` line; returns the list mode its items (depth 8) are in."""
    if text == "runtime permissions:":
        user.has_runtime = True
        return _M_RUNTIME
    if text in ("disabledComponents:", "enabledComponents:") or text.endswith("overlay paths:"):
        return _M_SKIP
    key, eq, value = text.partition("=")
    if eq and key.isidentifier():
        number = _int(value) if key == "installReason" else None
        if number is not None:
            user.install_reason = number
            return _M_NONE
        if key == "firstInstallTime":
            # Android 13+ keep the first install time per user.
            user.first_install_time = value
            return _M_NONE
        # gids, dataDir, uninstallReason, archiveTime (15+), unarchiveInstallerTitle (15+) …
        user.extras[key] = value
        return _M_NONE
    key, sep, value = text.partition(": ")
    if sep and key.isidentifier():
        # "lastDisabledCaller: com.x" and "harmfulAppWarning: …" are printed with ": ".
        user.extras[key] = value
        return _M_NONE
    acc.unknown.append(line)
    return _M_UNKNOWN


def _block_name(text: str, prefix: str) -> str | None:
    """``Package [com.x] (1a2b):`` → ``com.x`` (the hash is an identity hash, of no use)."""
    close = text.rfind("]")
    if not text.startswith(prefix) or close <= len(prefix):
        return None
    return text[len(prefix) : close]


def _parse_section(lines: list[str], kind: int, dump: _DumpAcc) -> bool:
    """Parse the lines of one ``Packages:``/``Hidden system packages:``/``Shared users:`` section.

    Returns True when the last non-blank line looked cut off (a permission line without its
    ``granted=`` part, or a block header with nothing under it): a sign of truncation when the
    section is the last thing in the text.
    """
    if kind == _SEC_SHARED:
        blocks, prefix = dump.shared, "SharedUser ["
    elif kind == _SEC_HIDDEN:
        blocks, prefix = dump.hidden, "Package ["
    else:
        blocks, prefix = dump.packages, "Package ["
    cache = dump.perm_cache
    block: _BlockAcc | None = None
    user: _UserAcc | None = None
    mode4 = _M_NONE  # items at depth 6
    mode6 = _M_NONE  # items at depth 8
    cut = False
    for line in lines:
        text = line.lstrip(" ")
        depth = len(line) - len(text)
        text = text.rstrip()
        if not text:
            continue
        cut = False

        if depth >= 8:
            if block is None:
                dump.unknown.append(line)
            elif mode6 == _M_RUNTIME and user is not None:
                parsed = cache.get(text)
                if parsed is None and text not in cache:
                    parsed = cache[text] = _perm_line(text)
                if parsed is not None:
                    user.runtime[parsed[0].name] = parsed[0]
                elif text.startswith("harmfulAppWarning: "):
                    # Android 9-16 print it 2 deeper than the other per-user lines.
                    user.extras["harmfulAppWarning"] = text[19:]
                else:
                    block.unknown.append(line)
                    cut = True
            elif mode6 == _M_SKIP or mode4 == _M_SKIP:
                pass
            elif user is not None and text.startswith("harmfulAppWarning: "):
                user.extras["harmfulAppWarning"] = text[19:]
            elif user is not None and text.startswith("archiveActivityInfo="):
                pass  # Android 15+ archived apps: launcher activity list
            else:
                block.unknown.append(line)

        elif depth == 6:
            if block is None:
                dump.unknown.append(line)
                continue
            mode6 = _M_NONE
            if mode4 == _M_INSTALL:
                parsed = cache.get(text)
                if parsed is None and text not in cache:
                    parsed = cache[text] = _perm_line(text)
                if parsed is None:
                    block.unknown.append(line)
                    cut = True
                elif parsed[1] is None:
                    block.install[parsed[0].name] = parsed[0]
                else:
                    block.user(parsed[1]).install[parsed[0].name] = parsed[0]
            elif mode4 == _M_REQUESTED:
                name, sep, rest = text.partition(":")
                rest = rest.strip()
                if block.requested is not None:
                    # Android 10/11 mark hard-restricted permissions (SMS, call log …).
                    block.requested[name] = RequestedPermission(name, restricted=rest == "restricted=true")
                if sep and rest not in ("restricted=true", "restricted=false"):
                    block.unknown.append(line)
            elif mode4 == _M_DECLARED:
                name, sep, rest = text.partition(": prot=")
                if sep and name:
                    # ", INSTALLED" / ", COSTS_MONEY" / ", HIDDEN" follow the protection text.
                    block.declared[name] = DeclaredPermission(name, rest.split(",", 1)[0].strip())
                else:
                    block.unknown.append(line)
            elif mode4 == _M_SKIP:
                pass
            elif mode4 == _M_UNKNOWN:
                block.unknown.append(line)
            elif mode4 == _M_OVERLAY and text[0] == "/":
                pass
            elif mode4 == _M_SUSPEND and user is not None and text.startswith("suspendingPackage="):
                pairs, _ = _pairs(text)
                user.extras.update(pairs)
            elif user is not None:
                mode4 = _M_NONE
                mode6 = _user_detail(block, user, line, text)
            elif text.startswith("oldCodePath="):
                pass  # Android 14+: previous code paths of an updated app
            else:
                block.unknown.append(line)

        elif depth == 4:
            if block is None:
                dump.unknown.append(line)
                continue
            mode6 = _M_NONE
            if text.startswith("User "):
                user = _user_line(block, line, text)
                mode4 = _M_NONE
                if user is None:
                    block.unknown.append(line)
            elif text[-1] == ":" and "=" not in text:
                if text == "install permissions:":
                    mode4, user = _M_INSTALL, None
                elif text == "requested permissions:":
                    mode4, user = _M_REQUESTED, None
                    if block.requested is None:
                        block.requested = {}
                elif text == "declared permissions:":
                    mode4, user = _M_DECLARED, None
                elif text == "Suspend params:":
                    mode4 = _M_SUSPEND  # belongs to the User line above: keep ``user``
                elif text.endswith("overlay paths:"):
                    mode4 = _M_OVERLAY  # Android 9: per-user, printed at package depth
                elif text in _SKIPPED_LISTS:
                    mode4, user = _M_SKIP, None
                else:
                    mode4, user = _M_UNKNOWN, None
                    block.unknown.append(line)
            elif text == "Packages" and kind == _SEC_SHARED:
                # Android 11+: the member packages of a shared user (also known from each package).
                mode4, user = _M_SKIP, None
            else:
                mode4, user = _M_NONE, None
                _package_field(block, line, text)

        elif depth == 2:
            mode4 = mode6 = _M_NONE
            user = None
            block_name = _block_name(text, prefix)
            if block_name is None:
                block = None
                dump.unknown.append(line)
                continue
            block = blocks.get(block_name)
            if block is None:
                block = blocks[block_name] = _BlockAcc(block_name, hidden_system=kind == _SEC_HIDDEN)
            cut = True  # a header as the very last line: the block was cut off

        elif depth == 0 and text.endswith("overlay paths:"):
            # Android 12 prints a shared library's overlay header at column 0 (println("    ")
            # then the library name); its paths follow deeper.
            mode6 = _M_SKIP
        elif depth == 1 and text.startswith("optional:"):
            pass  # Android 14+ usesSdkLibraries prints " optional:<bool>" on its own line
        elif block is not None:
            block.unknown.append(line)
        else:
            dump.unknown.append(line)
    return cut


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
            search_from = newline + 1  # Android 12 column-0 quirk, see _parse_section
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
        cut = _parse_section(buf[newline + 1 : chunk_end].split("\n"), kind, dump)
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
