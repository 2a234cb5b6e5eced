"""The threat scenario: a synthetic phone with known threats and unsafe settings (``synth --threats``).

Why: the known-threat checks need a phone that holds each case, end to end through every form (snapshot,
bug report, androidqf with ``packages.json`` certificates), without a real stalkerware sample:

* ``com.ispyoo.traceyou``: a package name on the bundled Echap list (TheTruthSpy), sideloaded;
* ``com.example.notes.pro``: an innocent name, signed with the "Synthetic Spy Vendor" key. No real list
  names that certificate (no real one is forged): ``threat_stix()`` writes an MVT-style STIX2 bundle that
  names its SHA-1 as stalkerware, to be given with ``--iocs``;
* ``com.wondershare.famisafe.kids``: a watchware app on the bundled list (FamiSafe), from the Play Store;
* unsafe settings: wireless debugging on, Play Protect's verifier, USB-install checks, scanning and uploads
  off, the Play Store disabled for the owner, an unlocked bootloader (verified boot orange), SELinux
  permissive, su and Magisk present, and a security patch more than a year old.

Only ``build_world(…, threats=True)`` adds them: the default device is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Final

from auditor.acquire.synthetic.apks import SPY_SIGNER
from auditor.acquire.synthetic.apkwriter import derived_ec_signer
from auditor.acquire.synthetic.catalog import ANDROID as P
from auditor.acquire.synthetic.world import (
    PACKAGE_INSTALLER,
    SOURCE_DOWNLOADED_FILE,
    UserAppSpec,
    World,
    grant,
    granted_user,
    sync_uid_modes,
    user_app,
)
from auditor.report.output import write_bytes

STALKERWARE_PACKAGE: Final = "com.ispyoo.traceyou"
"""On the bundled Echap list as TheTruthSpy."""
DISGUISED_PACKAGE: Final = "com.example.notes.pro"
"""An innocent name, signed with the spy vendor's synthetic key."""
WATCHWARE_PACKAGE: Final = "com.wondershare.famisafe.kids"
"""On the bundled Echap watchware list as FamiSafe."""
THREAT_APPS: Final = 3
"""How many apps the scenario adds (taken from the fillers, so the device keeps its size)."""
OLD_PATCH: Final = "2023-01-05"

_COMMON = (P + "INTERNET", P + "ACCESS_NETWORK_STATE", P + "WAKE_LOCK", P + "RECEIVE_BOOT_COMPLETED")
_PLAY = "com.android.vending"


def spy_certificate_sha1() -> str:
    """The SHA-1 (lowercase hex) of the certificate ``com.example.notes.pro`` is signed with."""
    return hashlib.sha1(derived_ec_signer(SPY_SIGNER).cert_der, usedforsecurity=False).hexdigest()


def _sideloaded(package: str, version_name: str, version_code: int) -> UserAppSpec:
    """Installed from a downloaded file with the package installer, as stalkerware is put on a phone."""
    return UserAppSpec(
        package,
        version_name,
        version_code,
        installer=PACKAGE_INSTALLER,
        initiating=PACKAGE_INSTALLER,
        source=SOURCE_DOWNLOADED_FILE,
        install=_COMMON,
        splits=(),
    )


def add_threats(world: World, rng: random.Random, *, first_app_id: int) -> None:
    """Add the three threat apps and make the phone's settings unsafe (see the module docstring)."""
    stalker = world.add(user_app(world, rng, _sideloaded(STALKERWARE_PACKAGE, "3.1", 31), first_app_id))
    stalker.persona = "Known stalkerware by its package name (Echap: TheTruthSpy), sideloaded."
    for name in (P + "ACCESS_FINE_LOCATION", P + "ACCESS_COARSE_LOCATION", P + "READ_SMS", P + "READ_CALL_LOG"):
        grant(stalker, 0, name, True, granted_user())
    disguised = world.add(user_app(world, rng, _sideloaded(DISGUISED_PACKAGE, "1.4", 14), first_app_id + 3))
    disguised.persona = "An innocent name signed with a stalkerware vendor's certificate (matched with --iocs)."
    for name in (P + "ACCESS_FINE_LOCATION", P + "RECORD_AUDIO"):
        grant(disguised, 0, name, True, granted_user())
    watch = world.add(
        user_app(world, rng, UserAppSpec(WATCHWARE_PACKAGE, "7.2", 720, install=_COMMON), first_app_id + 6)
    )
    watch.persona = "A parental-control app on the Echap watchware list (FamiSafe), from the Play Store."
    grant(watch, 0, P + "ACCESS_FINE_LOCATION", True, granted_user())
    for app in (stalker, disguised, watch):
        sync_uid_modes(app, 0)

    world.settings.setdefault("global", {}).update(
        {
            "adb_wifi_enabled": "1",
            "package_verifier_enable": "0",
            "verifier_verify_adb_installs": "0",
            "package_verifier_user_consent": "-1",
            "upload_apk_enable": "0",
        }
    )
    world.props.update(
        {
            "ro.boot.verifiedbootstate": "orange",
            "ro.boot.flash.locked": "0",
            "ro.boot.vbmeta.device_state": "unlocked",
            "ro.build.version.security_patch": OLD_PATCH,
            "ro.vendor.build.security_patch": OLD_PATCH,
        }
    )
    world.selinux = "Permissive"
    world.root_paths.extend(["/system/xbin/su", "/sbin/magisk"])
    play = world.by_name[_PLAY].users[0]
    play.enabled, play.last_disabled_caller = 3, "com.android.shell"  # COMPONENT_ENABLED_STATE_DISABLED_USER


def threat_stix() -> bytes:
    """An MVT-style STIX 2.1 bundle naming the spy vendor's certificate SHA-1 as stalkerware (for ``--iocs``)."""
    stamp = "2026-06-21T00:00:00.000Z"
    malware = "malware--5e0c4c1e-0000-4000-8000-000000000001"
    indicator = "indicator--5e0c4c1e-0000-4000-8000-000000000002"
    objects = [
        {"type": "malware", "spec_version": "2.1", "id": malware, "created": stamp, "modified": stamp,
         "name": "Synthetic Spy", "description": "Stalkerware applications", "is_family": False},
        {"type": "indicator", "spec_version": "2.1", "id": indicator, "created": stamp, "modified": stamp,
         "indicator_types": ["malicious-activity"], "pattern": f"[app:cert.sha1 = '{spy_certificate_sha1()}']",
         "pattern_type": "stix", "pattern_version": "2.1", "valid_from": stamp},
        {"type": "relationship", "spec_version": "2.1", "id": "relationship--5e0c4c1e-0000-4000-8000-000000000003",
         "created": stamp, "modified": stamp, "relationship_type": "indicates", "source_ref": indicator,
         "target_ref": malware},
    ]  # fmt: skip
    return json.dumps({"type": "bundle", "id": "bundle--5e0c4c1e-0000-4000-8000-000000000000", "objects": objects},
                      indent=1).encode()  # fmt: skip


def write_threat_stix(folder: Path) -> Path:
    """``threats.stix2`` in ``folder`` (``synth``'s output folder: the snapshot, or where the form was written)."""
    target = folder / "threats.stix2"
    write_bytes(target, threat_stix())
    return target
