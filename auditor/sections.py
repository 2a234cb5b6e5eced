"""Every kind of raw data the auditor reads, declared once: how it is collected, found, parsed and missed.

A *section* is one kind of device output (``getprop``, ``dumpsys appops`` …). Its declaration holds every
fact about it that some stage needs, and those stages derive their behaviour from here:

* the live collection's read-only plan (``auditor.acquire.plan``) from ``collect``;
* the offline sources (``auditor.acquire.offline``: bug reports, androidqf) from ``offline``;
* the analysis (``auditor.analyse.parsed``) from ``parse``, ``merge``, ``cut`` and ``missing``;
* the synthetic device (``auditor.acquire.synthetic``) from ``synthetic``, the name of its renderer;
* the simulator's minimal device (``auditor.simulator.fixture``) from ``example``.

So adding a section is one declaration here plus its parser; ``tests/test_sections.py`` fails when a
declaration lacks a part or a stage does not know it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from auditor.model import ParsedAppOps, ParsedRoles, Section, UidOps
from auditor.parse.accessibility import parse_dumpsys_accessibility
from auditor.parse.adb import parse_dumpsys_adb
from auditor.parse.androidqf_packages import parse_androidqf_packages
from auditor.parse.apk_hashes import parse_apk_hashes_loop
from auditor.parse.appops import parse_appops_get_loop, parse_discrete_history, parse_dumpsys_appops
from auditor.parse.appops.discrete import NO_HISTORY
from auditor.parse.boot_id import parse_boot_id
from auditor.parse.clock import parse_epoch_seconds
from auditor.parse.device_policy import parse_dumpsys_device_policy
from auditor.parse.markers import MARKER
from auditor.parse.notification import notification_listener_part, parse_dumpsys_notification_listeners
from auditor.parse.packages import parse_dumpsys_package, parse_pm_list_packages
from auditor.parse.pm_path import parse_pm_path_loop
from auditor.parse.processes import parse_ps
from auditor.parse.props import parse_getprop
from auditor.parse.roles import parse_dumpsys_role, parse_role_holders
from auditor.parse.root import parse_root_check
from auditor.parse.selinux import parse_getenforce
from auditor.parse.settings import parse_settings
from auditor.parse.users import parse_pm_list_users

T = TypeVar("T")


class Scope(StrEnum):
    """Whether a section describes the device or one user (profile) of it."""

    DEVICE = "device"
    """One output for the device; its command id is the section's name."""
    USER = "user"
    """One output per user and profile (``settings`` and ``pm`` answer for user 0 unless asked); its
    command id is ``<section>.u<user>`` and the command names the user."""


@dataclass(frozen=True)
class Collect:
    """How a live collection asks the device: one read-only shell command (``auditor.acquire.plan``)."""

    command: str
    """The exact command; ``{user}`` stands for the user of a per-user section."""
    timeout_s: float = 120.0
    """How long the command may stay silent before it is recorded as timed out."""
    with_apks: bool = False
    """Asked only when APKs are pulled (``--apks``)."""


@dataclass(frozen=True)
class Offline:
    """Where offline sources find the section (all ``None``: only a live collection has it)."""

    dumpsys: str | None = None
    """The service name in a ``DUMP OF SERVICE <name>:`` concatenation: a bug report's dumpstate,
    androidqf's ``dumpsys.txt``."""
    dumpstate: str | None = None
    """The title of a ``------ TITLE (command) ------`` section of a bug report's dumpstate."""
    androidqf: tuple[str, ...] = ()
    """The files of an androidqf acquisition that hold exactly this output, the first found wins (androidqf
    renamed some over versions: ``ps.txt`` became ``processes.txt``)."""
    keep: Callable[[str], str] | None = None
    """What of the found text may be kept (the rest is dropped before it is stored): e.g. only the
    listener part of ``dumpsys notification``, never the notifications."""


@dataclass(frozen=True, kw_only=True)
class Declared(Generic[T]):
    """One section: every stage's facts about it (see the module docstring).

    The parts every stage needs have no default, so a declaration cannot leave one out by accident: a part
    that does not apply is said to be ``None`` (and ``tests/test_sections.py`` checks each against the stage).
    """

    section: Section
    scope: Scope
    parse: Callable[[str], T]
    """The pure parser of one output (``auditor.parse``)."""
    example: str
    """A small output in the device's exact format that parses to something: the simulator's minimal device
    answers with it, and a test keeps it parseable."""
    collect: Collect | None
    """``None``: not in the plan (a format another collector writes, read when a snapshot holds it)."""
    offline: Offline
    """Where a bug report or an androidqf acquisition holds it (``Offline()``: nowhere)."""
    missing: str | None
    """What the report cannot claim when the source lacks the section (a note says it). ``None`` for a
    section that stands in for another (whose absence that one's note covers) or whose absence limits no
    claim of the report."""
    synthetic: str | None
    """The function of ``auditor.acquire.synthetic.render`` that prints it for the synthetic device
    (called with the world, and the user for a per-user section); ``None`` only for a section the plan
    does not collect."""
    stands_in_for: Section | None = None
    """A fallback format of another section, read only when that one is absent."""
    stand_in_note: str | None = None
    """What reading the fallback costs, said when it is read."""
    merge: Callable[[Sequence[T]], T] | None = None
    """Several outputs of the section (or of it and its stand-in) as one; ``None``: the last one wins."""
    cut: str | None = None
    """Said when a parse result comes back ``truncated``."""

    @property
    def name(self) -> str:
        return self.section.value

    def command_id(self, user: int | None) -> str:
        """The plan's id for the command (and the raw file's name)."""
        return self.name if self.scope is Scope.DEVICE else f"{self.name}.u{user}"


def _merge_appops(parts: Sequence[ParsedAppOps]) -> ParsedAppOps:
    """Several app-op outputs as one: the first block of a uid wins (a resumed collection may repeat one)."""
    if len(parts) == 1:
        return parts[0]
    uids: dict[int, UidOps] = {}
    for part in parts:
        for uid in part.uids:
            uids.setdefault(uid.uid, uid)
    return ParsedAppOps(uids=tuple(uids.values()), truncated=any(p.truncated for p in parts))


def _merge_roles(parts: Sequence[ParsedRoles]) -> ParsedRoles:
    """The last output that names any holder (an empty role dump says less than one with holders)."""
    with_holders = [p for p in parts if p.holders]
    return with_holders[-1] if with_holders else parts[-1]


# Listing every package known to any user: `-u` includes packages installed only in other users
# or profiles (MATCH_UNINSTALLED_PACKAGES), so one loop covers the work profile too.
_ALL_PACKAGES = "pm list packages -u 2>/dev/null | sed 's/^package://'"

# Only the listener and assistant parts of `dumpsys notification` leave the device: the rest of
# that dump holds notification records, which the auditor never collects.
_NOTIFICATION_FILTER = (
    "dumpsys notification 2>&1 | sed -n "
    "'/^ *Notification listeners:/,/^ *Snoozed notification listeners/p;"
    "/^ *Notification assistant services:/,/^ *Has user set/p'"
)

# Where root tools live when a phone is rooted: su of SuperSU, Magisk and older kits, Magisk's own
# binaries, BusyBox (the toolbox rooting kits install). `ls -d` prints each that exists; a missing one,
# or one the shell may not look at (/data/adb is root's), gets an error line on stderr, kept with 2>&1.
# `; true`: a missing path makes ls exit 1, which is the answer, not a failure.
ROOT_PATHS = (
    "/system/bin/su",
    "/system/xbin/su",
    "/sbin/su",
    "/system/sbin/su",
    "/vendor/bin/su",
    "/su/bin/su",
    "/system/bin/failsafe/su",
    "/system/sd/xbin/su",
    "/data/local/su",
    "/data/local/bin/su",
    "/data/local/xbin/su",
    "/data/local/tmp/su",
    "/system/app/Superuser.apk",
    "/system/app/SuperSU.apk",
    "/sbin/magisk",
    "/system/bin/magisk",
    "/debug_ramdisk/magisk",
    "/data/local/tmp/magisk",
    "/data/adb/magisk",
    "/system/xbin/busybox",
    "/system/bin/busybox",
    "/sbin/busybox",
    "/data/local/tmp/busybox",
)
_ROOT_CHECK = "ls -d " + " ".join(ROOT_PATHS) + " 2>&1; true"

# Android 12 (SDK 31) is the first to keep a discrete access history. Older builds answer the option
# with an error or print the aggregated history alone, so the device itself decides, and says so in
# one marker line: still one command, one round trip, on every version. `--history` leaves the
# regular per-uid state (already collected by `dumpsys appops`) out; `0` keeps every access.
_DISCRETE_HISTORY = (
    'sdk=$(getprop ro.build.version.sdk); if [ "$sdk" -ge 31 ] 2>/dev/null; '
    "then dumpsys appops --history --include-discrete 0; "
    f'else echo "{NO_HISTORY} sdk=$sdk"; fi'
)
# The APKs of every non-system app (`pm list packages -3`: no SYSTEM flag, so an updated system app is
# left out) hashed on the phone, one loop per user: known samples are found by their SHA-256 without
# pulling anything. toybox has sha256sum from Android 8; older phones print nothing (`command -v` first).
# `[ -n "$f" ]` keeps sha256sum from reading standard input when pm path finds no file; `; true`: a last
# package without a file is not a failure of the whole command.
_APK_HASHES = (
    "if command -v sha256sum >/dev/null 2>&1; then "
    "for p in $(pm list packages -3 --user {user} 2>/dev/null | sed 's/^package://'); do "
    f'echo "{MARKER} package=$p user={{user}}"; '
    "f=$(pm path --user {user} \"$p\" 2>/dev/null | sed 's/^package://'); "
    '[ -n "$f" ] && sha256sum $f 2>&1; done; fi; true'
)

# --------------------------------------------------------------------------------------------------
# The declarations, in plan order
# --------------------------------------------------------------------------------------------------

GETPROP = Declared(
    section=Section.GETPROP,
    scope=Scope.DEVICE,
    parse=parse_getprop,
    example="[ro.build.version.sdk]: [34]\n[ro.product.model]: [Pixel 8]\n",
    collect=Collect("getprop", timeout_s=30),
    offline=Offline(dumpstate="SYSTEM PROPERTIES", androidqf=("getprop.txt",)),
    missing="device model, Android version and security patch are unknown",
    synthetic="getprop",
)
BOOT_ID = Declared(
    section=Section.BOOT_ID,
    scope=Scope.DEVICE,
    parse=parse_boot_id,
    example="5d8c4c5e-2b0f-4f5e-9d1a-3c6e7f8a9b0c\n",
    # World-readable on every Android (procfs, no SELinux denial for shell): identity for --resume.
    collect=Collect("cat /proc/sys/kernel/random/boot_id", timeout_s=10),
    offline=Offline(),
    missing=None,
    synthetic="boot_id",
)
DATE = Declared(
    section=Section.DATE,
    scope=Scope.DEVICE,
    parse=parse_epoch_seconds,
    example="1718000000\n",
    collect=Collect("date +%s", timeout_s=10),
    offline=Offline(),
    missing=None,
    synthetic="date",
)
PM_LIST_USERS = Declared(
    section=Section.PM_LIST_USERS,
    scope=Scope.DEVICE,
    parse=parse_pm_list_users,
    example="Users:\n\tUserInfo{0:Owner:c13} running\n",
    collect=Collect("pm list users", timeout_s=30),
    # `dumpsys user` prints the same UserInfo{…} lines as `pm list users`.
    offline=Offline(dumpsys="user"),
    missing="users and profiles were inferred from package data",
    synthetic="pm_list_users",
)
DUMPSYS_PACKAGE = Declared(
    section=Section.DUMPSYS_PACKAGE,
    scope=Scope.DEVICE,
    parse=parse_dumpsys_package,
    example="Packages:\n  Package [com.example] (1a2b3c):\n    appId=10123\n    versionCode=1 minSdk=24 targetSdk=34\n",
    # Requested permissions appear only in per-package dumps: the loop runs on the device, one round trip.
    collect=Collect(
        f'for p in $({_ALL_PACKAGES}); do echo "{MARKER} package=$p"; dumpsys package "$p"; done', timeout_s=300
    ),
    offline=Offline(dumpsys="package"),
    missing="permissions and grant states are unknown; apps come from package lists only",
    cut="output ends mid-package (truncated)",
    synthetic="dumpsys_package",
)
DUMPSYS_APPOPS = Declared(
    section=Section.DUMPSYS_APPOPS,
    scope=Scope.DEVICE,
    parse=parse_dumpsys_appops,
    example="Current AppOps Service state:\n  Uid u0a123:\n    Package com.example:\n      CAMERA (allow):\n",
    collect=Collect("dumpsys appops", timeout_s=200),
    offline=Offline(dumpsys="appops"),
    missing="app-op modes and access history are unknown; effective access ignores app-ops",
    merge=_merge_appops,
    cut="output ends mid-uid (truncated)",
    synthetic="dumpsys_appops",
)
APPOPS_DISCRETE = Declared(
    section=Section.APPOPS_DISCRETE,
    scope=Scope.DEVICE,
    parse=parse_discrete_history,
    example=(
        "Current AppOps Service state:\n\nDiscrete accesses: \n  Largest chain id: 0\n  Uid: 10123\n"
        "    Package: com.example\n      CAMERA\n        Attribution: null\n"
        "          Access [top-s] at 2024-06-10 09:00:00.000 for 60000 milliseconds \n"
    ),
    collect=Collect(_DISCRETE_HISTORY, timeout_s=200),
    # Bug reports and androidqf run `dumpsys appops` without the option: no source has it offline.
    offline=Offline(),
    missing=(
        "the discrete access history (Android 12+) is unknown: the timeline holds only the newest "
        "access per uid state and flags that dumpsys appops keeps"
    ),
    cut="output ends mid-line (truncated)",
    synthetic="appops_discrete",
)
APPOPS_GET = Declared(
    section=Section.APPOPS_GET,
    scope=Scope.DEVICE,
    parse=parse_appops_get_loop,
    example=f"{MARKER} package=com.example user=0 uid=10123\nCAMERA: allow; time=+1h0m0s0ms ago\n",
    collect=None,
    offline=Offline(),
    missing=None,
    stands_in_for=Section.DUMPSYS_APPOPS,
    stand_in_note="app-op times are relative (from appops get), states unknown",
    merge=_merge_appops,
    synthetic=None,
)
DUMPSYS_ACCESSIBILITY = Declared(
    section=Section.DUMPSYS_ACCESSIBILITY,
    scope=Scope.DEVICE,
    parse=parse_dumpsys_accessibility,
    example=(
        "ACCESSIBILITY MANAGER (dumpsys accessibility)\n\nUser state[\n  attributes:{id=0, currentUser=true}\n"
        "  Enabled services:{{com.example/.Reader}}\n]\n"
    ),
    collect=Collect("dumpsys accessibility"),
    offline=Offline(dumpsys="accessibility"),
    missing="accessibility services come from settings only",
    synthetic="dumpsys_accessibility",
)
DUMPSYS_NOTIFICATION = Declared(
    section=Section.DUMPSYS_NOTIFICATION,
    scope=Scope.DEVICE,
    parse=parse_dumpsys_notification_listeners,
    example=(
        "  Notification listeners:\n    Allowed notification listeners:\n"
        "      com.example/com.example.Listener (user: 0 isPrimary: true)\n    Snoozed notification listeners (0):\n"
    ),
    collect=Collect(_NOTIFICATION_FILTER),
    offline=Offline(dumpsys="notification", keep=notification_listener_part),
    missing="notification listeners come from settings only",
    synthetic="dumpsys_notification",
)
DUMPSYS_DEVICE_POLICY = Declared(
    section=Section.DUMPSYS_DEVICE_POLICY,
    scope=Scope.DEVICE,
    parse=parse_dumpsys_device_policy,
    example=(
        "Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 0):\n"
        "    com.example/.Admin:\n"
    ),
    collect=Collect("dumpsys device_policy"),
    offline=Offline(dumpsys="device_policy"),
    missing="device admins, device owner and profile owners are unknown",
    synthetic="dumpsys_device_policy",
)
DUMPSYS_ROLE = Declared(
    section=Section.DUMPSYS_ROLE,
    scope=Scope.DEVICE,
    parse=parse_dumpsys_role,
    example=(
        "ROLE STATE (dumpsys role):\n{\n  user_states=[\n    {\n      user_id=0\n      roles=[\n        {\n"
        "          name=android.app.role.SMS\n          holders=com.example\n        }\n      ]\n    }\n  ]\n}\n"
    ),
    collect=Collect("dumpsys role"),
    offline=Offline(dumpsys="role"),
    missing="role holders (default SMS, dialer, assistant …) are unknown",
    merge=_merge_roles,
    synthetic="dumpsys_role",
)
ROLE_HOLDERS = Declared(
    section=Section.ROLE_HOLDERS,
    scope=Scope.DEVICE,
    parse=parse_role_holders,
    example=f"{MARKER} role=android.app.role.SMS user=0\ncom.example\n",
    collect=None,
    offline=Offline(),
    missing=None,
    stands_in_for=Section.DUMPSYS_ROLE,
    merge=_merge_roles,
    synthetic=None,
)
SETTINGS_GLOBAL = Declared(
    section=Section.SETTINGS_GLOBAL,
    scope=Scope.DEVICE,
    parse=parse_settings,
    example="adb_enabled=1\ndevice_provisioned=1\n",
    collect=Collect("settings list global", timeout_s=30),
    offline=Offline(androidqf=("settings_global.txt",)),
    missing=None,
    synthetic="settings_global",
)
PM_LIST_PACKAGES = Declared(
    section=Section.PM_LIST_PACKAGES,
    scope=Scope.USER,
    parse=parse_pm_list_packages,
    example="package:/data/app/~~a==/com.example-b==/base.apk=com.example versionCode:1 installer=null uid:10123\n",
    # Android 7 lacks -U and --show-versioncode and rejects the whole command: fall back.
    collect=Collect(
        "pm list packages -f -U -i --show-versioncode --user {user} 2>/dev/null"
        " || pm list packages -f -i --user {user}",
        timeout_s=60,
    ),
    offline=Offline(),
    missing=None,
    synthetic="pm_list_packages",
)
SETTINGS_SECURE = Declared(
    section=Section.SETTINGS_SECURE,
    scope=Scope.USER,
    parse=parse_settings,
    example="adb_enabled=1\nenabled_accessibility_services=com.example/.Reader\n",
    collect=Collect("settings --user {user} list secure", timeout_s=30),
    offline=Offline(androidqf=("settings_secure.txt",)),
    missing="settings-based special accesses (input methods, VPN, listeners) are unknown",
    synthetic="settings_secure",
)
SETTINGS_SYSTEM = Declared(
    section=Section.SETTINGS_SYSTEM,
    scope=Scope.USER,
    parse=parse_settings,
    example="screen_brightness=102\n",
    collect=Collect("settings --user {user} list system", timeout_s=30),
    offline=Offline(androidqf=("settings_system.txt",)),
    missing=None,
    synthetic="settings_system",
)
PM_PATH = Declared(
    section=Section.PM_PATH,
    scope=Scope.USER,
    parse=parse_pm_path_loop,
    example=f"{MARKER} package=com.example user=0\npackage:/data/app/~~a==/com.example-b==/base.apk\n",
    collect=Collect(
        f"for p in $(pm list packages --user {{user}} 2>/dev/null | sed 's/^package://'); do "
        f'echo "{MARKER} package=$p user={{user}}"; pm path --user {{user}} "$p"; done',
        with_apks=True,
    ),
    offline=Offline(),
    missing=None,
    synthetic="pm_path",
)

DUMPSYS_ADB = Declared(
    section=Section.DUMPSYS_ADB,
    scope=Scope.DEVICE,
    parse=parse_dumpsys_adb,
    example=(
        "ADB MANAGER STATE (dumpsys adb):\n{\n  debugging_manager={\n    connected_to_adb=true\n"
        "    user_keys=QAAAAAcgbytJst31DsaSP7hn8QcBXKR9NPVPK9MZssFVSNIP user@host\n  }\n}\n"
    ),
    collect=Collect("dumpsys adb", timeout_s=30),
    offline=Offline(dumpsys="adb"),
    missing="the computers this phone trusts for USB debugging are unknown",
    synthetic="dumpsys_adb",
)
ROOT_BINARIES = Declared(
    section=Section.ROOT_BINARIES,
    scope=Scope.DEVICE,
    parse=parse_root_check,
    example="/system/xbin/su\nls: /sbin/su: No such file or directory\n",
    collect=Collect(_ROOT_CHECK, timeout_s=30),
    offline=Offline(androidqf=("root_binaries.json",)),
    missing="whether root tools (su, Magisk, BusyBox) are on the phone was not checked",
    synthetic="root_binaries",
)
PROCESSES = Declared(
    section=Section.PROCESSES,
    scope=Scope.DEVICE,
    parse=parse_ps,
    example=(
        "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME\n"
        "root             1     0   57912   2084 0                   0 S init\n"
        "u0_a123       4321   612 1234567  89012 0                   0 S com.example\n"
    ),
    # Android 8+ (toybox) lists only the shell's own processes without -A; Android 7's toolbox ps takes -A
    # as a name filter and prints the header alone, and lists every process without arguments.
    collect=Collect('if [ "$(ps -A 2>/dev/null | wc -l)" -gt 1 ]; then ps -A; else ps; fi', timeout_s=30),
    offline=Offline(androidqf=("processes.txt", "ps.txt")),
    missing="the processes running at capture are unknown",
    synthetic="ps",
)
ANDROIDQF_PACKAGES = Declared(
    section=Section.ANDROIDQF_PACKAGES,
    scope=Scope.DEVICE,
    parse=parse_androidqf_packages,
    example=(
        '[{"name": "com.example", "uid": 10123, "installer": "com.android.vending", "system": false,'
        ' "third_party": true, "disabled": false, "files": [{"path": "/data/app/~~a==/com.example-b==/base.apk",'
        ' "sha256": "' + "ab" * 32 + '", "certificate": {"Sha256": "' + "cd" * 32 + '"}}]}]\n'
    ),
    collect=None,
    offline=Offline(androidqf=("packages.json",)),
    missing=None,
    synthetic=None,
)

SELINUX = Declared(
    section=Section.SELINUX,
    scope=Scope.DEVICE,
    parse=parse_getenforce,
    example="Enforcing\n",
    collect=Collect("getenforce", timeout_s=10),
    offline=Offline(),
    missing="SELinux's mode was not read (getenforce): only a permissive boot setting in getprop can show it off",
    synthetic="getenforce",
)
APK_HASHES = Declared(
    section=Section.APK_HASHES,
    scope=Scope.USER,
    parse=parse_apk_hashes_loop,
    example=f"{MARKER} package=com.example user=0\n{'ab' * 32}  /data/app/~~a==/com.example-b==/base.apk\n",
    collect=Collect(_APK_HASHES, timeout_s=300),
    offline=Offline(),
    missing=None,
    synthetic="apk_hashes",
)

SECTIONS: tuple[Declared[Any], ...] = (
    GETPROP,
    BOOT_ID,
    DATE,
    PM_LIST_USERS,
    DUMPSYS_PACKAGE,
    DUMPSYS_APPOPS,
    APPOPS_DISCRETE,
    APPOPS_GET,
    DUMPSYS_ACCESSIBILITY,
    DUMPSYS_NOTIFICATION,
    DUMPSYS_DEVICE_POLICY,
    DUMPSYS_ROLE,
    ROLE_HOLDERS,
    SETTINGS_GLOBAL,
    PM_LIST_PACKAGES,
    SETTINGS_SECURE,
    SETTINGS_SYSTEM,
    PM_PATH,
    DUMPSYS_ADB,
    ROOT_BINARIES,
    PROCESSES,
    ANDROIDQF_PACKAGES,
    SELINUX,
    APK_HASHES,
)
"""Every section, in the order the plan asks for them and the analysis reads them."""

BY_SECTION: dict[Section, Declared[Any]] = {d.section: d for d in SECTIONS}
