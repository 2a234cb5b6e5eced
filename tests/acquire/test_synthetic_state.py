"""The synthetic device answers the plan's device-state commands: trusted computers, root check, processes."""

from __future__ import annotations

import base64
import hashlib

from auditor.acquire import synthetic
from auditor.acquire.synthetic.assemble import build_world
from auditor.acquire.synthetic.render.state import adb_key
from auditor.pipeline import audit_snapshot
from auditor.sections import ROOT_PATHS


def test_device_state_of_the_synthetic_phone() -> None:
    snapshot, _ = synthetic.generate(60, seed=4)
    report = audit_snapshot(snapshot, merge_apks=False)
    state = report.device_state
    assert state is not None
    world = build_world(60, 4, 0)  # the keys depend on the seed alone
    keys = [base64.b64decode(adb_key(world, i)) for i in (0, 1)]
    assert all(len(k) == 524 for k in keys)  # the shape of a 2048-bit Android RSA public key struct
    assert state.adb_host_keys == tuple(
        ":".join(f"{b:02X}" for b in hashlib.md5(k, usedforsecurity=False).digest()) for k in keys
    )
    # An unrooted phone: every path absent, and /data/adb (root's) could not be looked at.
    assert state.root_binaries == ()
    assert state.root_unchecked == ("/data/adb/magisk",)
    assert len(ROOT_PATHS) == 23
    assert state.processes is not None
    assert {"system_server", "com.example.stalker", "com.google.android.gms"} <= set(state.processes)
    # Its safety settings: collected over USB, so debugging (and developer options) are on; the rest is as sold.
    assert (state.usb_debugging, state.developer_options, state.wireless_debugging) == (True, True, False)
    assert (state.verify_apps, state.verify_adb_installs, state.play_protect_scanning) == (True, True, True)
    assert (state.verified_boot_state, state.flash_locked, state.vbmeta_device_state) == ("green", True, "locked")
    assert (state.selinux, state.selinux_evidence, state.encryption) == ("enforcing", "getenforce", "encrypted")
    assert (state.adb_authentication, state.debuggable_build, state.unknown_sources) == (True, False, None)
    assert [f.rule_id for f in report.device_findings] == ["AUD-ADB-001", "AUD-ADB-003", "AUD-DEV-001"]
