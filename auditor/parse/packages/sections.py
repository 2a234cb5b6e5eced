"""``dumpsys package``: one ``Packages:`` / ``Hidden system packages:`` / ``Shared users:`` section,
read line by line into the block accumulators."""

from __future__ import annotations

from typing import Final

from auditor.model import (
    DeclaredPermission,
    RequestedPermission,
)
from auditor.parse.packages.blocks import (
    _FLAG_FIELDS,
    _IGNORED_KEYS,
    _TEXT_FIELDS,
    _BlockAcc,
    _DumpAcc,
    _user_line,
    _UserAcc,
    _version_line,
)
from auditor.parse.packages.fields import _block_name, _flag_list, _int, _pairs, _shared_user_name

_SEC_PACKAGES: Final = 0
_SEC_HIDDEN: Final = 1
_SEC_SHARED: Final = 2

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
