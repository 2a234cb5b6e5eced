"""``pm list packages`` and ``dumpsys package`` parsers: real captures, newer shapes, hostile input."""

from __future__ import annotations

import functools
import random
from dataclasses import fields

from hypothesis import given, settings
from hypothesis import strategies as st

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
from auditor.parse.markers import marker_line
from auditor.parse.packages import parse_dumpsys_package, parse_pm_list_packages
from auditor.parse.packages.sections import _SKIPPED_LISTS
from auditor.parse.text import decode_output
from tests.parse.strategies import mutated
from tests.realdata import real_text

A7 = "multibox-rk322x-android7.1.2/dumpsys_package.txt"
SAMSUNG = "mvt-tests/android_data/dumpsys_packages.txt"
BUGREPORT = "mvt-tests/android_data/bugreport/dumpstate.txt"
PAD6 = "dellta77-xiaomi-pad6-android14/pm_list_packages_{}.txt"


def _by_name(dump: ParsedPackageDump) -> dict[str, ParsedPackage]:
    return {p.package: p for p in dump.packages}


def _shared(dump: ParsedPackageDump) -> dict[str, ParsedSharedUser]:
    return {s.name: s for s in dump.shared_users}


def _perm(state: PackageUserState, name: str) -> PermissionState:
    return next(p for p in state.runtime_permissions if p.name == name)


# --------------------------------------------------------------------------------------------------
# pm list packages
# --------------------------------------------------------------------------------------------------


def test_list_every_option_on_one_line() -> None:
    text = (
        "package:/data/app/~~Ab==/com.example-Cd==/base.apk=com.example versionCode:42"
        "  installer=com.android.vending uid:10234\n"
    )
    assert parse_pm_list_packages(text).packages == (
        ListedPackage(
            package="com.example",
            path="/data/app/~~Ab==/com.example-Cd==/base.apk",
            version_code=42,
            installer="com.android.vending",
            uid=10234,
        ),
    )


def test_list_partial_options_and_null_installer() -> None:
    text = "\n".join(
        [
            "package:com.a",
            "package:com.b  installer=null",
            "package:com.c versionCode:9000000000",
            "package:com.d uid:1010234",
            "package:/system/app/X/X.apk=com.e  installer=com.android.shell uid:10001,1010001",
            marker_line(user="10"),
            "",
        ]
    )
    parsed = parse_pm_list_packages(text)
    assert parsed.unknown == ()
    assert parsed.packages == (
        ListedPackage("com.a"),
        ListedPackage("com.b"),
        ListedPackage("com.c", version_code=9000000000),
        ListedPackage("com.d", uid=1010234),
        ListedPackage("com.e", path="/system/app/X/X.apk", installer="com.android.shell", uid=10001),
    )


def test_list_android7_rejects_new_options() -> None:
    # Android 7 has no -U / --show-versioncode: pm prints an error and the usage text.
    text = "Error: Unknown option: -U\npm list packages: lists all packages\npackage:com.ok\npackage:bad name\n"
    parsed = parse_pm_list_packages(text)
    assert parsed.packages == (ListedPackage("com.ok"),)
    assert parsed.unknown == (
        "Error: Unknown option: -U",
        "pm list packages: lists all packages",
        "package:bad name",
    )


def test_list_real_xiaomi_android14() -> None:
    listed = parse_pm_list_packages(real_text(PAD6.format("f")))
    system = parse_pm_list_packages(real_text(PAD6.format("s")))
    third = parse_pm_list_packages(real_text(PAD6.format("3")))
    assert (len(listed.packages), len(system.packages), len(third.packages)) == (322, 267, 55)
    assert listed.unknown == system.unknown == third.unknown == ()
    all_names = {p.package for p in listed.packages}
    system_names = {p.package for p in system.packages}
    third_names = {p.package for p in third.packages}
    # -s and -3 split the -f list exactly.
    assert system_names.isdisjoint(third_names)
    assert system_names | third_names == all_names
    by_name = {p.package: p for p in listed.packages}
    # Android 11+ code paths hold "=" twice: split at the last one.
    assert by_name["io.github.muntashirakon.AppManager"] == ListedPackage(
        package="io.github.muntashirakon.AppManager",
        path="/data/app/~~bt-GwgDT0B0WlSsvXrZynw==/io.github.muntashirakon.AppManager-Vgj7nt0khQox6qBv7ngwMQ==/base.apk",
    )
    assert by_name["com.android.camera"].path == "/product/priv-app/MiuiCamera/MiuiCamera.apk"
    assert sum(p.path is not None and p.path.startswith("/data/app/") for p in listed.packages) == 79
    assert "com.aurora.store" in third_names
    assert all(p.path is None and p.uid is None for p in third.packages)


def test_list_hostile() -> None:
    assert parse_pm_list_packages("") == ParsedPackageList(packages=())
    garbage = random.Random(7).randbytes(4000).decode("utf-8", errors="replace")
    text = garbage + "\npackage:\npackage:=\npackage:x uid:zz\npackage:com.real\n"
    parsed = parse_pm_list_packages(text)
    # Only the one well-formed line is a package; every other line is kept as printed.
    assert parsed.packages == (ListedPackage("com.real"),)
    assert parsed.unknown == tuple(line for line in text.split("\n")[:-2] if line.strip())
    assert parsed.unknown[-3:] == ("package:", "package:=", "package:x uid:zz")
    crlf = decode_output(b"package:/a/b.apk=com.x  installer=null\r\npackage:com.y\r\n").text
    assert parse_pm_list_packages(crlf).packages == (ListedPackage("com.x", path="/a/b.apk"), ListedPackage("com.y"))


# --------------------------------------------------------------------------------------------------
# dumpsys package: real captures
# --------------------------------------------------------------------------------------------------


def test_android7_full_dump_counts() -> None:
    dump = parse_dumpsys_package(real_text(A7))
    # "Read completed successfully: 84 packages, 13 shared uids"; only 9 SharedUser blocks are printed.
    assert len(dump.packages) == 84
    assert len(dump.shared_users) == 9
    assert dump.hidden_system_packages == ()
    assert dump.truncated is False
    # The resolver tables, Permissions:, Key Set Manager:, Dexopt state: … are skipped unrecorded.
    assert dump.unknown == ("# All installed package information",)
    assert all(p.unknown == () for p in dump.packages)
    assert all(s.unknown == () for s in dump.shared_users)
    # A full dump before Android 12 never prints requested permissions: unknown, not empty.
    assert all(p.requested_permissions is None for p in dump.packages)
    assert sum(len(p.install_permissions) for p in dump.packages) == 282
    assert sum(len(u.runtime_permissions) for p in dump.packages for u in p.users) == 16
    assert sum("SYSTEM" in p.flags for p in dump.packages) == 76
    assert [p.package for p in dump.packages if p.installer] == ["berserker.android.apps.sshdroid"]
    assert sum(p.shared_user == "android.uid.system" for p in dump.packages) == 20


def test_android7_sideloaded_app() -> None:
    app = _by_name(parse_dumpsys_package(real_text(A7)))["berserker.android.apps.sshdroid"]
    assert (app.app_id, app.shared_user, app.code_path) == (10056, None, "/data/app/berserker.android.apps.sshdroid-1")
    assert (app.version_code, app.version_name, app.min_sdk, app.target_sdk) == (44, "2.1.2", 9, 18)
    assert app.flags == ("HAS_CODE", "ALLOW_CLEAR_USER_DATA", "ALLOW_BACKUP")
    assert app.private_flags == ()
    assert app.pkg_flags == app.flags
    assert app.installer == "com.google.android.packageinstaller"
    assert (app.timestamp, app.first_install_time, app.last_update_time) == (
        "2020-12-19 14:57:51",
        "2020-12-19 14:58:08",
        "2020-12-19 14:58:08",
    )
    assert app.signatures == "PackageSignatures{2511a1f [d7f1f224]}"
    assert app.splits == ("base",)
    assert len(app.install_permissions) == 9
    assert PermissionState("android.permission.WRITE_EXTERNAL_STORAGE", True) in app.install_permissions
    # targetSdk 18: storage is an install-time grant here, and no runtime section is printed.
    assert app.users == (
        PackageUserState(
            user=0,
            installed=True,
            hidden=False,
            suspended=False,
            stopped=False,
            not_launched=False,
            enabled=0,
            extras=(("ceDataInode", "115164"), ("gids", "[3003]")),
        ),
    )


def test_android7_play_store_and_disabled_webview() -> None:
    apps = _by_name(parse_dumpsys_package(real_text(A7)))
    store = apps["com.android.vending"]
    assert store.version_name == "14.9.70-all [0] [PR] 248420241"  # spaces kept
    assert (store.version_code, store.min_sdk, store.target_sdk) == (81497000, 16, 28)
    assert store.private_flags == ("PRIVILEGED", "HAS_DOMAIN_URLS", "RESIZEABLE_ACTIVITIES")
    assert len(store.declared_permissions) == 15
    assert DeclaredPermission("com.android.vending.TOS_ACKED", "signature|privileged") in store.declared_permissions
    assert len(store.install_permissions) == 58
    (user,) = store.users
    assert user.enabled == 1
    assert user.has_runtime_section is True
    # Android 7 separates permission flags with spaces, not "|".
    assert user.runtime_permissions == (
        PermissionState("android.permission.READ_SMS", True, ("GRANTED_BY_DEFAULT",)),
        PermissionState("android.permission.RECEIVE_SMS", True, ("GRANTED_BY_DEFAULT",)),
        PermissionState("android.permission.READ_EXTERNAL_STORAGE", True, ("SYSTEM_FIXED", "GRANTED_BY_DEFAULT")),
        PermissionState("android.permission.READ_PHONE_STATE", True, ("GRANTED_BY_DEFAULT",)),
        PermissionState("android.permission.SEND_SMS", True, ("GRANTED_BY_DEFAULT",)),
        PermissionState("android.permission.WRITE_EXTERNAL_STORAGE", True, ("SYSTEM_FIXED", "GRANTED_BY_DEFAULT")),
    )
    (webview_user,) = apps["com.google.android.webview"].users
    assert webview_user.enabled == 3  # COMPONENT_ENABLED_STATE_DISABLED_USER
    assert dict(webview_user.extras)["lastDisabledCaller"] == "1000"
    assert apps["com.google.android.webview"].first_install_time == "2019-12-18 06:43:44"


def test_android7_shared_uid_apps_and_their_grants() -> None:
    dump = parse_dumpsys_package(real_text(A7))
    app = _by_name(dump)["com.rockchip.devicetest"]
    assert (app.app_id, app.shared_user, app.install_permissions) == (1000, "android.uid.system", ())
    assert app.users[0].has_runtime_section is False  # grants live under the shared user
    shared = _shared(dump)
    counts = {name: (s.app_id, len(s.install_permissions)) for name, s in shared.items()}
    assert counts == {
        "android.media": (10009, 18),
        "com.google.android.calendar.uid.shared": (10033, 10),
        "android.uid.systemui": (10002, 83),
        "com.google.uid.shared": (10011, 182),
        "android.uid.mediacenter": (10006, 21),
        "android.uid.shared": (10004, 7),
        "android.uid.system": (1000, 95),
        "android.uid.shell": (2000, 75),
        "android.uid.calendar": (10001, 12),
    }
    (gms_user,) = shared["com.google.uid.shared"].users
    assert gms_user.user == 0
    assert len(gms_user.runtime_permissions) == 21
    assert _perm(gms_user, "android.permission.ACCESS_FINE_LOCATION") == PermissionState(
        "android.permission.ACCESS_FINE_LOCATION", True, ("SYSTEM_FIXED", "GRANTED_BY_DEFAULT")
    )
    assert gms_user.extras == (("gids", "[2001, 1005, 3002, 3003, 3001, 1007, 3006, 3007]"),)
    assert gms_user.installed is None  # the shared-user "User 0: " line carries no state
    assert shared["android.uid.mediacenter"].users[0].has_runtime_section is False


def test_samsung_android10_excerpt() -> None:
    dump = parse_dumpsys_package(real_text(SAMSUNG))
    assert [p.package for p in dump.packages] == [
        "com.samsung.android.provider.filterprovider",
        "com.sec.android.app.DataCreate",
    ]
    assert (dump.shared_users, dump.truncated, dump.unknown) == ((), False, ())
    filt, data = dump.packages
    assert (filt.app_id, filt.shared_user, filt.requested_permissions) == (1000, "android.uid.system", None)
    assert filt.private_flags == (
        "PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION",
        "PRIVATE_FLAG_REQUEST_LEGACY_EXTERNAL_STORAGE",
    )
    assert filt.declared_permissions == (
        DeclaredPermission("com.samsung.android.provider.filterprovider.permission.READ_FILTER", "normal"),
        DeclaredPermission("com.samsung.android.provider.filterprovider.permission.WRITE_FILTER", "signature"),
        DeclaredPermission("com.samsung.android.provider.filterprovider.permission.RECEIVE_UPDATE", "signature"),
        DeclaredPermission("com.sec.android.camera.permission.USE_EFFECT_FILTER", "signature"),
    )
    assert dict(filt.users[0].extras) == {"ceDataInode": "-4294835840", "instant": "false", "virtual": "false"}
    assert (data.app_id, data.version_code, data.version_name, data.min_sdk, data.target_sdk) == (
        10143,
        1,
        "1.0",
        29,
        29,
    )
    assert data.signatures == "PackageSignatures{b4da5e3 version:2, signatures:[b378e95c], past signatures:[]}"
    assert data.requested_permissions is not None
    assert len(data.requested_permissions) == 11
    assert data.requested_permissions[-1] == RequestedPermission("com.google.android.c2dm.permission.RECEIVE")
    assert len(data.install_permissions) == 20
    assert PermissionState("android.permission.WRITE_SECURE_SETTINGS", True) in data.install_permissions
    (user,) = data.users
    assert len(user.runtime_permissions) == 13
    assert not any(p.granted for p in user.runtime_permissions)
    assert _perm(user, "android.permission.READ_EXTERNAL_STORAGE").flags == (
        "REVOKE_WHEN_REQUESTED",
        "USER_SENSITIVE_WHEN_GRANTED",
        "RESTRICTION_UPGRADE_EXEMPT",
    )


def _bugreport_package_section() -> str:
    text = real_text(BUGREPORT)
    start = text.index("DUMP OF SERVICE package:\n") + len("DUMP OF SERVICE package:\n")
    end = text.index("\n--------- ", start) + 1
    return text[start:end]


def test_bugreport_android10_instagram() -> None:
    dump = parse_dumpsys_package(_bugreport_package_section())
    assert [p.package for p in dump.packages] == [
        "com.samsung.android.provider.filterprovider",
        "com.instagram.android",
    ]
    assert (dump.truncated, dump.unknown) == (False, ())
    app = dump.packages[1]
    assert (app.app_id, app.version_code, app.version_name, app.min_sdk, app.target_sdk) == (
        10164,
        364105349,
        "241.1.0.18.114",
        21,
        31,
    )
    assert app.code_path == "/data/app/com.instagram.android-0mrt4tCf3oHIUTc_FFSStA=="
    assert app.installer == "com.android.vending"
    assert (app.first_install_time, app.last_update_time) == ("2020-06-12 00:41:34", "2022-06-29 23:28:51")
    assert "LARGE_HEAP" in app.flags
    assert app.requested_permissions is None
    assert len(app.declared_permissions) == 3
    assert len(app.install_permissions) == 17
    (user,) = app.users
    assert (user.installed, user.enabled) == (True, 4)  # COMPONENT_ENABLED_STATE_DISABLED_UNTIL_USED
    assert dict(user.extras)["lastDisabledCaller"] == "auto_disabler"
    assert len(user.runtime_permissions) == 12
    assert not any(p.granted for p in user.runtime_permissions)
    assert _perm(user, "android.permission.ACCESS_FINE_LOCATION").flags == (
        "USER_SET",
        "USER_SENSITIVE_WHEN_GRANTED",
        "USER_SENSITIVE_WHEN_DENIED",
    )
    # disabledComponents are recognised and not reported as unknown
    assert app.unknown == ()


# --------------------------------------------------------------------------------------------------
# dumpsys package: shapes not in the real captures (Android 12-16, per-package loops, OEM quirks)
# --------------------------------------------------------------------------------------------------

# Written from the Android 16 dumpPackageLPr / dumpSharedUsersLPr format (android-platform.md §3.1).
MODERN = """\
Activity Resolver Table:
  Non-Data Actions:
      android.intent.action.MAIN:
        1a2b com.example.app/.Main

Packages:
  Package [com.example.app] (1a2b3c):
    appId=10234
    pkg=Package{4d5e6f com.example.app}
    codePath=/data/app/~~AbC==/com.example.app-XyZ==
    resourcePath=/data/app/~~AbC==/com.example.app-XyZ==
    extractNativeLibs=false
    primaryCpuAbi=arm64-v8a
    cpuAbiOverride=null
    versionCode=42 minSdk=26 targetSdk=35
    minExtensionVersions=[30=1, 31=2]
    versionName=4.2 beta
    hiddenApiEnforcementPolicy=2
    usesNonSdkApi=false
    splits=[base, config.arm64_v8a, config.xxhdpi:3]
    apkSigningVersion=3
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA DEBUGGABLE ]
    privateFlags=[ PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION ALLOW_AUDIO_PLAYBACK_CAPTURE ]
    forceQueryable=false (override=true)
    pageSizeCompat=0
    scannedAsStoppedSystemApp=false
    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]
    usesSdkLibraries:
      com.example.sdk version:1
 optional:false
    processes:
      com.example.app:remote
        deny: android.permission.INTERNET
    timeStamp=2024-05-01 10:00:00
    lastUpdateTime=2024-05-02 11:00:00
    installerPackageName=com.android.vending
    installerPackageUid=10031
    initiatingPackageName=com.android.shell
    originatingPackageName=null
    updateOwnerPackageName=com.android.vending
    installerAttributionTag=store
    packageSource=3
    appMetadataFilePath=null
    signatures=PackageSignatures{8a9b0c version:3, signatures:[1a2b3c4d], past signatures:[]}
    installPermissionsFixed=true
    pkgFlags=[ HAS_CODE ALLOW_CLEAR_USER_DATA DEBUGGABLE ]
    privatePkgFlags=[ ]
    apexModuleName=null
    vendorSecurityLevel=high
    declared permissions:
      com.example.app.permission.C2D_MESSAGE: prot=signature, INSTALLED
    requested permissions:
      android.permission.INTERNET
      android.permission.CAMERA
      android.permission.READ_SMS: restricted=true
      android.permission.SYSTEM_ALERT_WINDOW
    install permissions:
      android.permission.INTERNET: granted=true
      android.permission.SYSTEM_ALERT_WINDOW: granted=true, flags=[ USER_SET]
      android.permission.SYSTEM_ALERT_WINDOW: granted=false, userId=10
    User 0: ceDataInode=1234 deDataInode=5678 installed=true hidden=false suspended=false distractionFlags=0 \
stopped=false notLaunched=false enabled=0 instant=false virtual=false quarantined=false
      installReason=4
      dataDir=/data/user/0/com.example.app
      firstInstallTime=2024-05-01 10:00:00
      uninstallReason=0
      overlay paths:
        /product/overlay/ExampleOverlay.apk
      gids=[3003]
      runtime permissions:
        android.permission.CAMERA: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED|\
USER_SENSITIVE_WHEN_DENIED]
        android.permission.ACCESS_COARSE_LOCATION: granted=true, flags=[ USER_SET|ONE_TIME|524288]
        android.permission.READ_SMS: granted=false, flags=[ APPLY_RESTRICTION]
      disabledComponents:
        com.example.app.Tracker
    User 10: ceDataInode=0 deDataInode=0 installed=true hidden=false suspended=true distractionFlags=0 \
stopped=true notLaunched=true enabled=2 instant=false virtual=false quarantined=true
      installReason=0
      dataDir=/data/user/10/com.example.app
      firstInstallTime=2024-06-01 09:30:00
      archiveTime=2024-07-01 08:00:00
      unarchiveInstallerTitle=Play Store
        archiveActivityInfo=ArchiveActivityInfo{title=Example}
      uninstallReason=0
    Suspend params:
      suspendingPackage=com.android.settings dialogInfo=null quarantined=true

      lastDisabledCaller: com.android.shell
      gids=[3003]
      runtime permissions:
      harmfulAppWarning: flagged by Play Protect

Hidden system packages:
  Package [com.android.chrome] (77aa):
    appId=10120
    codePath=/product/app/Chrome
    versionCode=5735 minSdk=29 targetSdk=34
    flags=[ SYSTEM HAS_CODE ]
    User 0: ceDataInode=0 deDataInode=0 installed=true hidden=false suspended=false stopped=false \
notLaunched=false enabled=0

Shared users:
  SharedUser [android.uid.phone] (9c8d):
    appId=1001
    Packages
      PackageSetting{5e6f com.android.phone/1001}
    install permissions:
      android.permission.MODIFY_PHONE_STATE: granted=true
    User 0: \n\
      gids=[3002]
      runtime permissions:
        android.permission.READ_CONTACTS: granted=true, flags=[ SYSTEM_FIXED|GRANTED_BY_DEFAULT]

Dexopt state:
  [com.example.app]
    path: /data/app/~~AbC==/com.example.app-XyZ==/base.apk
"""


def test_modern_package_fields() -> None:
    dump = parse_dumpsys_package(MODERN)
    assert (dump.truncated, dump.unknown) == (False, ())
    (app,) = dump.packages
    assert app.app_id == 10234
    assert app.code_path == "/data/app/~~AbC==/com.example.app-XyZ=="
    assert (app.version_code, app.version_name, app.min_sdk, app.target_sdk) == (42, "4.2 beta", 26, 35)
    assert app.splits == ("base", "config.arm64_v8a", "config.xxhdpi:3")
    assert app.flags == ("HAS_CODE", "ALLOW_CLEAR_USER_DATA", "DEBUGGABLE")
    assert app.installer == app.update_owner == "com.android.vending"
    assert (app.initiating_package, app.originating_package, app.package_source) == ("com.android.shell", None, 3)
    assert (app.timestamp, app.last_update_time, app.first_install_time) == (
        "2024-05-01 10:00:00",
        "2024-05-02 11:00:00",
        None,  # per user since Android 13
    )
    assert app.declared_permissions == (DeclaredPermission("com.example.app.permission.C2D_MESSAGE", "signature"),)
    assert app.requested_permissions == (
        RequestedPermission("android.permission.INTERNET"),
        RequestedPermission("android.permission.CAMERA"),
        RequestedPermission("android.permission.READ_SMS", restricted=True),
        RequestedPermission("android.permission.SYSTEM_ALERT_WINDOW"),
    )
    assert app.install_permissions == (
        PermissionState("android.permission.INTERNET", True),
        PermissionState("android.permission.SYSTEM_ALERT_WINDOW", True, ("USER_SET",)),
    )
    # A vendor line the parser cannot interpret stays with its package.
    assert app.unknown == ("    vendorSecurityLevel=high",)


def test_modern_users() -> None:
    (app,) = parse_dumpsys_package(MODERN).packages
    owner, work = app.users
    assert owner == PackageUserState(
        user=0,
        installed=True,
        hidden=False,
        suspended=False,
        stopped=False,
        not_launched=False,
        enabled=0,
        install_reason=4,
        first_install_time="2024-05-01 10:00:00",
        runtime_permissions=(
            PermissionState(
                "android.permission.CAMERA",
                True,
                ("USER_SET", "USER_SENSITIVE_WHEN_GRANTED", "USER_SENSITIVE_WHEN_DENIED"),
            ),
            # unknown bits print as decimal (1<<19 SELECTED_LOCATION_ACCURACY)
            PermissionState("android.permission.ACCESS_COARSE_LOCATION", True, ("USER_SET", "ONE_TIME", "524288")),
            PermissionState("android.permission.READ_SMS", False, ("APPLY_RESTRICTION",)),
        ),
        has_runtime_section=True,
        extras=(
            ("ceDataInode", "1234"),
            ("deDataInode", "5678"),
            ("distractionFlags", "0"),
            ("instant", "false"),
            ("virtual", "false"),
            ("quarantined", "false"),
            ("dataDir", "/data/user/0/com.example.app"),
            ("uninstallReason", "0"),
            ("gids", "[3003]"),
        ),
    )
    assert (work.user, work.installed, work.suspended, work.stopped, work.enabled) == (10, True, True, True, 2)
    assert work.first_install_time == "2024-06-01 09:30:00"
    # The "userId=10" install permission line is a per-user override.
    assert work.install_permissions == (PermissionState("android.permission.SYSTEM_ALERT_WINDOW", False),)
    # dumpAll prints the runtime header even when empty: present-and-empty, not absent.
    assert (work.has_runtime_section, work.runtime_permissions) == (True, ())
    extras = dict(work.extras)
    assert extras["quarantined"] == "true"
    assert extras["suspendingPackage"] == "com.android.settings"
    assert extras["lastDisabledCaller"] == "com.android.shell"
    assert extras["harmfulAppWarning"] == "flagged by Play Protect"
    assert extras["archiveTime"] == "2024-07-01 08:00:00"
    assert extras["unarchiveInstallerTitle"] == "Play Store"


def test_modern_hidden_and_shared() -> None:
    dump = parse_dumpsys_package(MODERN)
    (chrome,) = dump.hidden_system_packages
    assert (chrome.package, chrome.hidden_system, chrome.app_id, chrome.version_code) == (
        "com.android.chrome",
        True,
        10120,
        5735,
    )
    assert chrome.flags == ("SYSTEM", "HAS_CODE")
    assert chrome.users[0].installed is True
    (phone,) = dump.shared_users
    assert phone == ParsedSharedUser(
        name="android.uid.phone",
        app_id=1001,
        install_permissions=(PermissionState("android.permission.MODIFY_PHONE_STATE", True),),
        users=(
            PackageUserState(
                user=0,
                runtime_permissions=(
                    PermissionState("android.permission.READ_CONTACTS", True, ("SYSTEM_FIXED", "GRANTED_BY_DEFAULT")),
                ),
                has_runtime_section=True,
                extras=(("gids", "[3002]"),),
            ),
        ),
    )


def _part(name: str, body: str) -> str:
    return f"{marker_line(package=name)}\nKey Set Manager:\n  [{name}]\n      Signing KeySets: 1\n\n{body}"


def test_per_package_loop_merges_repeats() -> None:
    first = """\
Packages:
  Package [com.a] (1):
    userId=10100
    sharedUser=SharedUserSetting{ab android.uid.foo/10100}
    versionCode=1 minSdk=21 targetSdk=30
    install permissions:
      android.permission.INTERNET: granted=true
    User 0: ceDataInode=1 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0
      runtime permissions:
        android.permission.CAMERA: granted=true
    User 0: \n\
      runtime permissions:
        android.permission.RECORD_AUDIO: granted=false, flags=[ USER_FIXED]

Shared users:
  SharedUser [android.uid.foo] (cd):
    userId=10100
    install permissions:
      android.permission.INTERNET: granted=true
    User 0: \n\
      runtime permissions:
        android.permission.READ_CONTACTS: granted=true

Dexopt state:
  [com.a]
"""
    second = """\
Packages:
  Package [com.a] (1):
    userId=10100
    versionName=1.0
    requested permissions:
      android.permission.CAMERA
  Package [com.b] (2):
    userId=10101
    versionCode=7

Shared users:
  SharedUser [android.uid.foo] (cd):
    userId=10100
    User 10: \n\
      runtime permissions:
        android.permission.READ_CONTACTS: granted=false
"""
    dump = parse_dumpsys_package(_part("com.a", first) + _part("com.b", second))
    assert (dump.truncated, dump.unknown) == (False, ())
    a, b = dump.packages
    assert (a.package, a.version_code, a.version_name, a.shared_user, a.target_sdk) == (
        "com.a",
        1,
        "1.0",
        "android.uid.foo",
        30,
    )
    assert a.requested_permissions == (RequestedPermission("android.permission.CAMERA"),)
    assert (b.package, b.version_code, b.requested_permissions) == ("com.b", 7, None)
    # OEM quirk (ASUS A15): a second "User 0:" block holding only permissions merges into the first.
    (owner,) = a.users
    assert (owner.installed, owner.enabled) == (True, 0)
    assert owner.runtime_permissions == (
        PermissionState("android.permission.CAMERA", True),
        PermissionState("android.permission.RECORD_AUDIO", False, ("USER_FIXED",)),
    )
    (foo,) = dump.shared_users
    assert (foo.app_id, [u.user for u in foo.users]) == (10100, [0, 10])
    assert foo.users[1].runtime_permissions == (PermissionState("android.permission.READ_CONTACTS", False),)


def test_android9_quirks() -> None:
    # Android 9: suspend details on the User line (dialogInfo has spaces), overlay paths at package depth.
    text = """\
Packages:
  Package [com.s] (1):
    userId=10200 gids=[3003]
    User 0: ceDataInode=5 installed=true hidden=false suspended=true suspendingPackage=com.mdm \
dialogInfo=SuspendDialogInfo: {mDialogMessage = "Ask IT"} stopped=false notLaunched=false enabled=0
    overlay paths:
      /vendor/overlay/Theme.apk
      lastDisabledCaller: com.mdm
      runtime permissions:
        android.permission.CAMERA: granted=true
        harmfulAppWarning: looks bad
"""
    dump = parse_dumpsys_package(text)
    (app,) = dump.packages
    assert (app.app_id, app.unknown, dump.unknown) == (10200, (), ())
    (user,) = app.users
    assert (user.suspended, user.stopped, user.enabled) == (True, False, 0)
    extras = dict(user.extras)
    assert extras["suspendingPackage"] == "com.mdm"
    assert extras["dialogInfo"] == 'SuspendDialogInfo: {mDialogMessage = "Ask IT"}'
    assert extras["lastDisabledCaller"] == "com.mdm"
    assert extras["harmfulAppWarning"] == "looks bad"
    assert user.runtime_permissions == (PermissionState("android.permission.CAMERA", True),)


def test_android12_column0_library_overlay_header() -> None:
    # Android 12 prints println("    ") then "<lib> overlay paths:" at column 0 inside a User block.
    text = (
        "Packages:\n  Package [com.o] (1):\n    userId=10300\n"
        "    User 0: installed=true enabled=0\n"
        "    \ncom.lib overlay paths:\n          /product/overlay/Lib.apk\n"
        "      gids=[1]\n      runtime permissions:\n        android.permission.CAMERA: granted=true\n"
        "Dexopt state:\n"
    )
    dump = parse_dumpsys_package(text)
    (app,) = dump.packages
    assert app.users[0].runtime_permissions == (PermissionState("android.permission.CAMERA", True),)
    assert (app.unknown, dump.unknown) == ((), ())


def test_unknown_lists_and_stray_lines_are_kept() -> None:
    text = """\
cmd: failure talking to service
Packages:
  Package [com.v] (1):
    userId=10400
    miuiExtras:
      someFlag=on
    User 0: installed=true
      vendorFreezer:
        frozen since boot
      strange line without structure
  garbage at depth two
"""
    dump = parse_dumpsys_package(text)
    assert dump.unknown == ("cmd: failure talking to service", "  garbage at depth two")
    (app,) = dump.packages
    assert app.unknown == (
        "    miuiExtras:",
        "      someFlag=on",
        "      vendorFreezer:",
        "        frozen since boot",
        "      strange line without structure",
    )


# --------------------------------------------------------------------------------------------------
# Truncation and hostile input
# --------------------------------------------------------------------------------------------------


def test_truncation_signs() -> None:
    dump = parse_dumpsys_package(MODERN)
    assert dump.truncated is False
    cut_mid_line = MODERN[: MODERN.index("USER_SET|ONE_TIME") + 4]
    dump = parse_dumpsys_package(cut_mid_line)
    assert dump.truncated is True
    assert len(dump.packages[0].users[0].runtime_permissions) == 1  # the CAMERA line before the cut
    cut_perm = MODERN[: MODERN.index(": granted=true, flags=[ USER_SET|ONE")] + "\n"
    assert parse_dumpsys_package(cut_perm).truncated is True
    bare_header = "Packages:\n  Package [com.x] (1):\n"
    assert parse_dumpsys_package(bare_header).truncated is True
    assert parse_dumpsys_package("Packages:").truncated is True
    # A marker in the middle of a line: the loop's previous command was cut off.
    looped = "Packages:\n  Package [com.x] (1):\n    userId=1\n    User 0: inst" + marker_line(package="y") + "\n"
    dump = parse_dumpsys_package(looped)
    assert dump.truncated is True
    assert dump.packages[0].app_id == 1


Fact = tuple[object, ...]


def facts(dump: ParsedPackageDump) -> set[Fact]:
    """Everything a dump says, one fact per field value, permission, user state and extra; values
    that mean "not printed" (None, empty) are no facts."""
    out: set[Fact] = set()
    for package in (*dump.packages, *dump.hidden_system_packages):
        key = (package.package, package.hidden_system)
        out.add((*key, "exists"))
        for f in fields(ParsedPackage):
            value = getattr(package, f.name)
            if f.name in ("users", "unknown", "package") or value in (None, (), False):
                continue
            if f.name.endswith("_permissions"):
                out.update((*key, f.name, item) for item in value)
            else:
                out.add((*key, f.name, value))
        out.update(user_facts(key, package.users))
    for shared in dump.shared_users:
        key = ("shared", shared.name)
        if shared.app_id is not None:
            out.add((*key, "app_id", shared.app_id))
        out.add((*key, "exists"))
        out.update((*key, "install", p) for p in shared.install_permissions)
        out.update(user_facts(key, shared.users))
    return out


def user_facts(key: tuple[object, ...], users: tuple[PackageUserState, ...]) -> set[Fact]:
    out: set[Fact] = set()
    for user in users:
        for f in fields(PackageUserState):
            value = getattr(user, f.name)
            if f.name == "user" or value in (None, (), False):
                continue
            if isinstance(value, tuple):
                out.update((*key, user.user, f.name, item) for item in value)
            else:
                out.add((*key, user.user, f.name, value))
    return out


def all_unknown(dump: ParsedPackageDump) -> list[str]:
    blocks = (*dump.packages, *dump.hidden_system_packages, *dump.shared_users)
    return [*dump.unknown, *(line for block in blocks for line in block.unknown)]


def test_real_file_truncated_everywhere() -> None:
    text = real_text(A7)
    intact = facts(parse_dumpsys_package(text))
    lines = text.split("\n")
    previous = 0
    for cut in range(0, len(lines), 997):
        whole_lines = "\n".join(lines[:cut]) + "\n"
        dump = parse_dumpsys_package(whole_lines)
        assert previous <= len(dump.packages) <= 84
        previous = len(dump.packages)
        # Whole lines cut: everything read is in the intact dump.
        assert facts(dump) <= intact
        mid_line = whole_lines + lines[cut][: len(lines[cut]) // 2]
        dump = parse_dumpsys_package(mid_line)
        # Cut inside a line: at most the fact of that half line is new.
        assert len(facts(dump) - intact) <= 1
        in_packages = text.index("\nPackages:\n") < len(mid_line) < text.index("\nActive install sessions:")
        if in_packages and lines[cut].strip():
            assert dump.truncated is True, cut
    assert previous == 84


def test_hostile_inputs() -> None:
    assert parse_dumpsys_package("") == ParsedPackageDump(packages=())
    rng = random.Random(1234)
    for _ in range(20):
        garbage = rng.randbytes(rng.randrange(1, 6000)).decode("utf-8", errors="replace")
        garbage_lines = tuple(line for line in garbage.split("\n") if line.strip())
        # Random bytes start no section: every line is kept, nothing is read.
        assert parse_dumpsys_package(garbage) == ParsedPackageDump(packages=(), unknown=garbage_lines)
        under_header = parse_dumpsys_package("Packages:\n" + garbage)
        assert (under_header.packages, under_header.unknown) == ((), garbage_lines)
        in_block = parse_dumpsys_package("Packages:\n  Package [x] (1):\n" + garbage)
        (x,) = in_block.packages
        assert x == ParsedPackage("x", unknown=x.unknown)
        assert sorted(all_unknown(in_block)) == sorted(garbage_lines)
    crlf = decode_output(MODERN.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_package(crlf) == parse_dumpsys_package(MODERN)
    huge_number = "Packages:\n  Package [x] (1):\n    userId=" + "9" * 5000 + "\n    User " + "1" * 5000 + ": a=b\n"
    dump = parse_dumpsys_package(huge_number)
    assert dump.packages[0].app_id is None
    assert len(dump.packages[0].unknown) == 2


@functools.cache
def _corpus() -> tuple[tuple[tuple[str, ...], set[Fact], tuple[int, ...]], ...]:
    """Per source: its lines, the facts of its intact parse, and the lines worth damaging (the
    indented lines of its Packages and Shared users sections)."""
    a7 = real_text(A7)
    relevant = a7[a7.index("\nPackages:\n") - 200 : a7.index("\nActive install sessions:") + 200]
    out = []
    for text in (real_text(SAMSUNG), relevant, MODERN):
        lines = tuple(text.split("\n"))
        candidates, relevant = [], False
        for i, line in enumerate(lines):
            if line[:1] not in ("", " "):
                relevant = line in ("Packages:", "Hidden system packages:", "Shared users:")
            elif relevant and line.startswith("  ") and line.strip():
                candidates.append(i)
        out.append((lines, facts(parse_dumpsys_package(text)), tuple(candidates)))
    return tuple(out)


@settings(max_examples=200, deadline=None)
@given(source=st.integers(min_value=0, max_value=2), choice=st.integers(min_value=0), noise=st.binary(max_size=40))
def test_one_damaged_line_costs_only_its_own_block(source: int, choice: int, noise: bytes) -> None:
    lines, intact, candidates = _corpus()[source]
    i = candidates[choice % len(candidates)]
    indent = len(lines[i]) - len(lines[i].lstrip(" "))
    garbage = decode_output(noise).text.replace("\r", "").replace("\n", "")
    damaged_line = " " * indent + "\x00" + garbage  # never a valid line: no line starts with NUL
    dump = parse_dumpsys_package("\n".join([*lines[:i], damaged_line, *lines[i + 1 :]]))
    # Nothing is invented but what the damaged line itself says (a requested permission's name is
    # taken as printed) …
    invented = facts(dump) - intact
    assert all("\\x00" in repr(fact) for fact in invented)
    # … the damaged line is kept (in unknown, or as that name), unless it stood in a list the
    # parser does not read …
    ancestors, depth = [], indent
    for j in range(i - 1, -1, -1):
        above = len(lines[j]) - len(lines[j].lstrip(" "))
        if lines[j].strip() and above < depth:
            ancestors.append(lines[j].strip())
            depth = above
    skipped = _SKIPPED_LISTS | {"Packages", "disabledComponents:", "enabledComponents:"}
    if not any(a in skipped or a.endswith("overlay paths:") for a in ancestors):
        assert damaged_line in all_unknown(dump) or invented
    # … and only the block the damaged line was in can lose anything.
    owner = next(lines[j] for j in range(i, -1, -1) if lines[j].startswith("  ") and not lines[j].startswith("   "))
    name = owner.strip().partition("[")[2].rpartition("]")[0]
    assert {fact[1] if fact[0] == "shared" else fact[0] for fact in intact - facts(dump)} <= {name}


@settings(max_examples=100, deadline=None)
@given(mutated(MODERN))
def test_damage_never_reaches_back(text: str) -> None:
    """Packages whose block ends before the first damaged character read as in the intact dump
    (unless the damaged rest prints them again: repeated blocks are merged by design)."""
    same = 0
    while same < min(len(text), len(MODERN)) and text[same] == MODERN[same]:
        same += 1
    intact = parse_dumpsys_package(MODERN)
    headers = [m for m in range(len(MODERN)) if MODERN.startswith("\n  Package [", m)]
    safe = sum(1 for m in headers if MODERN.find("\n", m + 1) < same) - 1
    dump = parse_dumpsys_package(text)
    for package in intact.packages[: max(safe, 0)]:
        if f"Package [{package.package}]" not in text[same:]:
            assert package in dump.packages
    assert set(all_unknown(dump)) <= set(text.split("\n"))
