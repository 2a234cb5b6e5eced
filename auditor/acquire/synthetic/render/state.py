"""The synthetic device's own state: trusted ADB hosts (``dumpsys adb``), the root check and ``ps -A``.

The phone is not rooted: every root path answers as toybox ``ls`` does on a stock Android 14 phone
(``/data/adb`` belongs to root, so the shell may not look inside it). It trusts two computers for USB
debugging: one in ``adb_keys`` ("always allow") and one in the Android 11+ temporary key store.
"""

from __future__ import annotations

import base64
import random
import struct

from auditor.acquire.synthetic.render.device import text
from auditor.acquire.synthetic.world import World
from auditor.sections import ROOT_PATHS

_HOSTS = (("owner", "laptop"), ("it-support", "desk-07"))
_SYSTEM_PROCESSES = (
    "init",
    "[kthreadd]",
    "[kworker/0:0H]",
    "ueventd",
    "logd",
    "servicemanager",
    "vold",
    "surfaceflinger",
    "zygote64",
    "zygote",
    "adbd",
    "system_server",
    "com.android.systemui",
)


def adb_key(world: World, index: int) -> str:
    """An Android RSA public key struct (2048-bit shape: word count 64, n0inv, n, rr, e) in base64.

    Random bytes, not a real key: the auditor only fingerprints it, as the phone does.
    """
    rng = random.Random(f"adb-key:{world.seed}:{index}")
    body = struct.pack("<II", 64, rng.getrandbits(32)) + rng.randbytes(512) + struct.pack("<I", 65537)
    return base64.b64encode(body).decode()


def dumpsys_adb(world: World) -> str:
    """``dumpsys adb`` as Android 14 prints it (the temporary store as plain XML, as older builds do)."""
    (user0, host0), (user1, host1) = _HOSTS
    return text(
        [
            "ADB MANAGER STATE (dumpsys adb):",
            "{",
            "  debugging_manager={",
            "    connected_to_adb=true",
            "    last_key_received=",
            f"    user_keys={adb_key(world, 0)} {user0}@{host0}",
            "",
            "    keystore=<?xml version='1.0' encoding='utf-8' standalone='yes' ?>",
            '    <keyStore version="1">',
            f'    <adbKey key="{adb_key(world, 1)} {user1}@{host1}" lastConnection="{world.now_ms - 3_600_000}" />',
            "    </keyStore>",
            "",
            "    adb_wifi={",
            "      enabled=false",
            "    }",
            "  }",
            "}",
        ]
    )


def root_binaries(world: World) -> str:
    """The plan's ``ls -d`` over the root paths (stderr kept with ``2>&1``): an unrooted phone, unless the world
    plants root tools."""
    return text(
        path
        if path in world.root_paths
        else f"ls: {path}: Permission denied"
        if path.startswith("/data/adb/")
        else f"ls: {path}: No such file or directory"
        for path in ROOT_PATHS
    )


def boot_id(world: World) -> str:
    """``cat /proc/sys/kernel/random/boot_id``: one UUID."""
    return f"{world.boot_id}\n"


def getenforce(world: World) -> str:
    """``getenforce``: one word."""
    return f"{world.selinux}\n"


def _user_name(uid: int) -> str:
    user, app_id = divmod(uid, 100_000)
    return f"u{user}_a{app_id - 10_000}" if app_id >= 10_000 else "system"


def ps(world: World) -> str:
    """``ps -A``: kernel and system processes, then the apps that run (persistent ones and a seeded few)."""
    rng = random.Random(f"ps:{world.seed}")
    lines = ["USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME"]
    pid = 1
    for name in _SYSTEM_PROCESSES:
        owner = "root" if not name.startswith("com.") else "system"
        lines.append(
            f"{owner:<12}{pid:>6}{0 if pid == 1 else 1:>6}{rng.randint(10_000, 99_999):>8}"
            f"{rng.randint(1_000, 9_999):>7} 0                   0 S {name}"
        )
        pid += rng.randint(1, 40)
    running = [app for app in world.apps if app.persistent or app.persona is not None]
    for app in running:
        for user in app.installed_users():
            uid = world.uid(app, user)
            lines.append(
                f"{_user_name(uid):<12}{pid:>6}{612:>6}{rng.randint(1_000_000, 9_999_999):>8}"
                f"{rng.randint(10_000, 99_999):>7} 0                   0 S {app.package}"
            )
            pid += rng.randint(1, 40)
    return text(lines)
