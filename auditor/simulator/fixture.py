"""A minimal device to simulate: a snapshot with an answer for every command of the plan.

For the simulator's own tests and the collection benchmark, which need a device of any size (10, 500,
5,000 apps) whose outputs look like Android's and have realistic sizes (a per-package ``dumpsys
package`` is 2–3 KB). The realistic synthetic device with stories to find is
``auditor.acquire.synthetic``; this one only has to be shaped right. Sections whose size does not
depend on the apps answer with the example output their declaration carries (``auditor.sections``),
so a new section needs nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from auditor.acquire.plan import PlannedCommand, full_plan
from auditor.model import CommandRecord, CommandStatus, Section, Snapshot
from auditor.parse.markers import marker_line
from auditor.sections import BY_SECTION
from auditor.snapshot import new_manifest, sha256_hex

_PERMISSIONS = (
    "android.permission.INTERNET",
    "android.permission.ACCESS_NETWORK_STATE",
    "android.permission.CAMERA",
    "android.permission.RECORD_AUDIO",
    "android.permission.ACCESS_FINE_LOCATION",
    "android.permission.ACCESS_COARSE_LOCATION",
    "android.permission.READ_CONTACTS",
    "android.permission.POST_NOTIFICATIONS",
    "android.permission.WAKE_LOCK",
    "android.permission.FOREGROUND_SERVICE",
    "com.google.android.c2dm.permission.RECEIVE",
)
_RUNTIME = frozenset(
    {
        "android.permission.CAMERA",
        "android.permission.RECORD_AUDIO",
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.ACCESS_COARSE_LOCATION",
        "android.permission.READ_CONTACTS",
        "android.permission.POST_NOTIFICATIONS",
    }
)
_USER_NAMES = {0: ("Owner", "c13"), 10: ("Work profile", "1030")}


def package_names(n_apps: int) -> list[str]:
    """``com.example.app0000`` … (a stable order, like ``pm list packages``)."""
    return [f"com.example.app{i:04d}" for i in range(n_apps)]


def _getprop() -> str:
    props = {
        "persist.sys.timezone": "Europe/Berlin",
        "ro.build.fingerprint": "google/sim/sim:14/UQ1A.240105.004/11206848:user/release-keys",
        "ro.build.version.release": "14",
        "ro.build.version.sdk": "34",
        "ro.build.version.security_patch": "2024-01-05",
        "ro.product.brand": "google",
        "ro.product.device": "sim",
        "ro.product.manufacturer": "Google",
        "ro.product.model": "Simulated Pixel",
        "ro.product.name": "sim",
        "ro.serialno": "SIM0001",
    }
    return "".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items()))


def _package_dump(i: int, name: str, users: Iterable[int]) -> str:
    requested = _PERMISSIONS[: 3 + i % (len(_PERMISSIONS) - 2)]
    lines = [
        "Activity Resolver Table:",
        "  Non-Data Actions:",
        "      android.intent.action.MAIN:",
        f"        {i:07x} {name}/.MainActivity filter {i + 7:07x}",
        '          Action: "android.intent.action.MAIN"',
        '          Category: "android.intent.category.LAUNCHER"',
        "",
        "Key Set Manager:",
        f"  [{name}]",
        f"      Signing KeySets: {i + 40}",
        "",
        "Packages:",
        f"  Package [{name}] ({i:07x}):",
        f"    appId={10000 + i}",
        f"    pkg=Package{{{i:07x} {name}}}",
        f"    codePath=/data/app/~~{i:08x}==/{name}-{i:08x}==",
        f"    resourcePath=/data/app/~~{i:08x}==/{name}-{i:08x}==",
        "    primaryCpuAbi=arm64-v8a",
        "    secondaryCpuAbi=null",
        f"    versionCode={100 + i} minSdk=24 targetSdk=34",
        f"    versionName=1.{i % 10}.{i % 7}",
        "    splits=[base]",
        "    apkSigningVersion=3",
        "    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]",
        "    privateFlags=[ PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE ALLOW_AUDIO_PLAYBACK_CAPTURE ]",
        f"    dataDir=/data/user/0/{name}",
        "    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]",
        "    timeStamp=2024-01-02 03:04:05",
        "    lastUpdateTime=2024-01-02 03:04:05",
        "    installerPackageName=com.android.vending",
        "    installInitiatingPackageName=com.android.vending",
        "    installOriginatingPackageName=null",
        "    packageSource=0",
        f"    signatures=PackageSignatures{{{i:07x} version:3, signatures:[{i * 31 % 99991:08x}], past signatures:[]}}",
        "    installPermissionsFixed=true",
        "    pkgFlags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]",
        "    requested permissions:",
        *(f"      {p}" for p in requested),
        "    install permissions:",
        *(f"      {p}: granted=true" for p in requested if p not in _RUNTIME),
    ]
    for user in users:
        lines += [
            f"    User {user}: ceDataInode={5000 + i} installed=true hidden=false suspended=false "
            "distractionFlags=0 stopped=false notLaunched=false enabled=0 instant=false virtual=false",
            "      installReason=0",
            "      firstInstallTime=2024-01-02 03:04:05",
            "      uninstallReason=0",
            "      runtime permissions:",
            *(
                f"        {p}: granted={'true' if (i + len(p)) % 3 else 'false'}, "
                "flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED ]"
                for p in requested
                if p in _RUNTIME
            ),
        ]
    return "\n".join(lines) + "\n\n"


def _outputs(cmd: PlannedCommand, names: list[str], users: tuple[int, ...]) -> str:
    section = cmd.section
    if section is Section.GETPROP:
        return _getprop()
    if section is Section.PM_LIST_USERS:
        rows = []
        for u in users:
            name, flags = _USER_NAMES.get(u, (f"User {u}", "410"))
            rows.append(f"\tUserInfo{{{u}:{name}:{flags}}} running")
        return "Users:\n" + "\n".join(rows) + "\n"
    if section is Section.DUMPSYS_PACKAGE:
        return "".join(marker_line(package=n) + "\n" + _package_dump(i, n, users) for i, n in enumerate(names))
    if section is Section.DUMPSYS_APPOPS:
        parts = ["Current AppOps Service state:", "  Settings:", "    top_state_settle_time=+5s0ms"]
        for i, n in enumerate(names):
            for u in users:
                parts += [
                    f"  Uid u{u}a{i}:",
                    "    state=cch",
                    f"    Package {n}:",
                    f"      CAMERA (allow):\n        Access: [fg-s] 2024-06-01 10:{i % 60:02d}:00.000 (-1d2h3m4s5ms)",
                ]
        return "\n".join(parts) + "\n"
    if section is Section.PM_LIST_PACKAGES:
        return "".join(
            f"package:/data/app/~~{i:08x}==/{n}-{i:08x}==/base.apk={n} versionCode:{100 + i} "
            f"installer=com.android.vending uid:{(cmd.user or 0) * 100000 + 10000 + i}\n"
            for i, n in enumerate(names)
        )
    if section is Section.PM_PATH:
        return "".join(
            f"{marker_line(package=n, user=str(cmd.user))}\npackage:/data/app/~~{i:08x}==/{n}-{i:08x}==/base.apk\n"
            for i, n in enumerate(names)
        )
    # Whatever does not grow with the number of apps: the section's declared example output.
    return BY_SECTION[section].example


def build_snapshot(
    n_apps: int,
    *,
    users: Iterable[int] = (0,),
    with_apk_paths: bool = True,
    statuses: Mapping[str, tuple[CommandStatus, int | None, bytes | None]] | None = None,
) -> Snapshot:
    """A complete snapshot answering every command of ``full_plan(users)``.

    ``statuses`` overrides single commands by id: (status, exit code, output or None to keep it),
    e.g. ``{"dumpsys_appops": (CommandStatus.DENIED, 255, b"Permission Denial: …\\n")}``.
    """
    users_t = tuple(sorted(set(users)))
    names = package_names(n_apps)
    records: list[CommandRecord] = []
    outputs: dict[str, bytes] = {}
    for cmd in full_plan(users_t, with_apk_paths=with_apk_paths):
        blob = _outputs(cmd, names, users_t).encode()
        rec = CommandRecord(cmd.id, cmd.command, cmd.section, cmd.user, CommandStatus.OK, exit_code=0)
        if statuses and cmd.id in statuses:
            status, code, override = statuses[cmd.id]
            blob = override if override is not None else blob
            rec = replace(rec, status=status, exit_code=code)
        outputs[cmd.id] = blob
        records.append(replace(rec, bytes=len(blob), sha256=sha256_hex(blob)))
    manifest = new_manifest(source="synthetic", created_at="2024-06-10T00:00:00Z", commands=records, users=users_t)
    return Snapshot(manifest=manifest, outputs=outputs, path=f"<fixture {n_apps} apps>")
