"""adb's own environment, honoured as the official client does: ANDROID_SERIAL, ANDROID_ADB_SERVER_PORT,
ADB_SERVER_SOCKET and ADB_VENDOR_KEYS.

The server tests start Debian's official ``adb`` on a free, non-default port against the simulator
(``tests/simulator/helpers.py``), so a server the developer runs on 5037 is never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.acquire.adb import AcquireError, AdbKey, server_setting, vendor_keys
from auditor.simulator import Simulator
from auditor.simulator.fixture import build_snapshot
from tests.simulator.helpers import free_port, official_adb, shared_key


def _auditor(*args: str, env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    """``python -m auditor`` with a clean adb environment plus ``env`` (keys and cache in ``home``)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ADB_", "ANDROID_"))}
    clean.update(ANDROID_USER_HOME=str(home / ".android"), XDG_CACHE_HOME=str(home / "cache"), **env)
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=120, env=clean
    )


def test_where_the_server_is() -> None:
    assert server_setting({}).address == ("127.0.0.1", 5037)
    port = server_setting({"ANDROID_ADB_SERVER_PORT": "5038"})
    assert (port.address, str(port)) == (("127.0.0.1", 5038), "127.0.0.1:5038 (from $ANDROID_ADB_SERVER_PORT)")
    both = server_setting({"ADB_SERVER_SOCKET": "tcp:10.0.0.2:5040", "ANDROID_ADB_SERVER_PORT": "5038"})
    assert (both.address, both.origin) == (("10.0.0.2", 5040), "ADB_SERVER_SOCKET")
    assert server_setting({"ADB_SERVER_SOCKET": "tcp:5039"}).address == ("127.0.0.1", 5039)
    assert server_setting({"ADB_SERVER_SOCKET": "tcp:localhost:5041"}).address == ("127.0.0.1", 5041)
    with pytest.raises(AcquireError, match="only tcp:PORT or tcp:HOST:PORT servers are supported"):
        server_setting({"ADB_SERVER_SOCKET": "localabstract:adb"})
    with pytest.raises(AcquireError, match=r"\$ANDROID_ADB_SERVER_PORT: '70000' is not a port"):
        server_setting({"ANDROID_ADB_SERVER_PORT": "70000"})


def test_vendor_keys_from_files_and_folders(tmp_path: Path) -> None:
    one, two = AdbKey.generate(comment="lab-1"), AdbKey.generate(comment="lab-2")
    (tmp_path / "one.pem").write_bytes(one.private_pem())
    folder = tmp_path / "keys"
    folder.mkdir()
    (folder / "two.adb_key").write_bytes(two.private_pem())
    (folder / "README").write_text("not a key, and not named *.adb_key: not read")
    found = vendor_keys({"ADB_VENDOR_KEYS": f"{tmp_path / 'one.pem'}{os.pathsep}{folder}"})
    # The file first, then the folder's *.adb_key: the same public keys (comments come from the .pub files).
    assert [k.public_line.split(b" ")[0] for k in found] == [k.public_line.split(b" ")[0] for k in (one, two)]
    assert vendor_keys({}) == ()
    with pytest.raises(AcquireError, match=r"\$ADB_VENDOR_KEYS names '/nowhere', which is neither"):
        vendor_keys({"ADB_VENDOR_KEYS": "/nowhere"})


def test_a_server_on_another_port_is_asked_and_said(tmp_path: Path) -> None:
    with official_adb(tmp_path) as adb, Simulator(build_snapshot(3), auth="accept") as sim:
        sim.trust(adb.public_key)
        assert adb.run("connect", sim.address).returncode == 0
        assert adb.wait_state(sim.address, "device") == "device"
        for env, origin in (
            ({"ANDROID_ADB_SERVER_PORT": str(adb.port)}, "ANDROID_ADB_SERVER_PORT"),
            ({"ADB_SERVER_SOCKET": f"tcp:127.0.0.1:{adb.port}"}, "ADB_SERVER_SOCKET"),
        ):
            listed = _auditor("devices", "--no-usb", env=env, home=tmp_path)
            assert listed.returncode == 0, listed.stderr
            assert f"Asked the adb server at 127.0.0.1:{adb.port} (from ${origin})" in listed.stdout
            assert sim.address in listed.stdout and "Simulated Pixel" in listed.stdout
        # ANDROID_SERIAL chooses the device when --serial is not given, through that server.
        env = {"ANDROID_ADB_SERVER_PORT": str(adb.port), "ANDROID_SERIAL": sim.address}
        snap = tmp_path / "snap"
        collected = _auditor("collect", "--out", str(snap), env=env, home=tmp_path)
        assert collected.returncode == 0, collected.stderr
        assert (snap / "manifest.json").is_file()
        assert "getprop" in sim.commands_received
        wrong = _auditor("collect", "--out", str(tmp_path / "x"), env={**env, "ANDROID_SERIAL": "nope"}, home=tmp_path)
        assert wrong.returncode == 2 and "no device with serial nope" in wrong.stderr
        # A PATH to audit is not "PATH and --serial" because ANDROID_SERIAL is exported.
        audited = _auditor("audit", str(snap), "--out", str(tmp_path / "r.json"), env=env, home=tmp_path)
        assert audited.returncode == 0, audited.stderr


def test_without_a_server_the_message_names_the_port_asked(tmp_path: Path) -> None:
    port = free_port()
    listed = _auditor("devices", "--no-usb", env={"ANDROID_ADB_SERVER_PORT": str(port)}, home=tmp_path)
    assert listed.returncode == 0
    assert f"no adb server is running at 127.0.0.1:{port} (from $ANDROID_ADB_SERVER_PORT)" in listed.stdout


def test_vendor_keys_are_tried_at_authentication(tmp_path: Path) -> None:
    vendor = shared_key()
    key_file = tmp_path / "lab.adb_key"
    key_file.write_bytes(vendor.private_pem())
    no_server = {"ANDROID_ADB_SERVER_PORT": str(free_port())}
    # "accept": the phone accepts signatures by keys it trusts; a new key's dialog is never answered.
    with Simulator(build_snapshot(1), auth="accept", known_keys=[vendor.public_line]) as sim:
        refused = _auditor("devices", "--no-usb", "--tcp", sim.address, env=no_server, home=tmp_path)
        assert "unauthorized" in refused.stdout
        prompts = sim.stats.auth_prompts
        allowed = _auditor(
            "devices",
            "--no-usb",
            "--tcp",
            sim.address,
            env={**no_server, "ADB_VENDOR_KEYS": str(key_file)},
            home=tmp_path,
        )
        assert allowed.returncode == 0, allowed.stderr
        assert "Simulated Pixel" in allowed.stdout and "unauthorized" not in allowed.stdout
        assert sim.stats.auth_prompts == prompts  # signed with the vendor key: the phone asked nobody
