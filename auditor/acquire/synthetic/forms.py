"""The synthetic device written as the acquisitions people bring: bug reports and androidqf, plain or packed.

Why: the same phone must audit to the same apps, grants, special accesses and scores whatever form it
arrives in, except for exactly what a form lacks (the parity test). Every form is printed from the one
world ``build_world`` decides, in the shapes the real tools write:

* a **bug report** (``adb bugreport``): a zip with ``main_entry.txt`` naming the dumpstate file, whose
  ``SYSTEM PROPERTIES`` section is ``getprop`` and whose ``DUMP OF SERVICE`` parts are the services —
  ``dumpsys package`` in its full form, without ``requested permissions:``; and the same unzipped;
* an **androidqf** acquisition: ``getprop.txt``, ``dumpsys.txt`` (the same services), ``settings_*.txt``
  for user 0, ``packages.json`` (``pm list packages -U -u -i`` of user 0 with the ``-d``/``-s``/``-3`` flags,
  each APK's SHA-256 and signer certificate), ``ps.txt``, ``root_binaries.json``, ``acquisition.json``;
  as a folder, as the zip of its UUID folder, and that zip encrypted to an age recipient.

APK hashes and signers come from the APKs the synthetic device serves (``auditor.acquire.synthetic.apks``),
so ``packages.json`` states what analysing those APKs would find.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import assert_never

from cryptography import x509
from cryptography.x509.oid import NameOID

from auditor.acquire.synthetic import apks, render
from auditor.acquire.synthetic.apkwriter import derived_ec_signer
from auditor.acquire.synthetic.assemble import build_world
from auditor.acquire.synthetic.clock import epoch_ms, local_time
from auditor.acquire.synthetic.oracle import build_truth
from auditor.acquire.synthetic.render.packages import dumpsys_package_full
from auditor.acquire.synthetic.world import App, World
from auditor.errors import AuditorError
from auditor.report.output import ensure_folder, write_bytes

_DASHES = "-" * 79
_BUILD_STAMP = "synthpix"


class Form(StrEnum):
    """A form the synthetic device can be written in (besides the snapshot folder of ``write_synthetic``)."""

    BUGREPORT_ZIP = "bugreport"
    BUGREPORT_FOLDER = "bugreport-folder"
    ANDROIDQF_FOLDER = "androidqf"
    ANDROIDQF_ZIP = "androidqf-zip"
    ANDROIDQF_AGE = "androidqf-age"
    """The androidqf zip encrypted to an age recipient (``<UUID>.zip.age``)."""


# --------------------------------------------------------------------------------------------------
# The dumpsys concatenation both tools hold
# --------------------------------------------------------------------------------------------------


def _services(world: World) -> list[tuple[str, str]]:
    """(service, what ``dumpsys <service>`` prints), in ``dumpsys``'s alphabetical order."""
    services = {
        "accessibility": render.dumpsys_accessibility(world),
        "adb": render.dumpsys_adb(world),
        "appops": render.dumpsys_appops(world),
        # Not read by the auditor: the reports name it as not interpreted.
        "battery": "Current Battery Service state:\n  AC powered: false\n  USB powered: true\n  level: 81\n",
        "device_policy": render.dumpsys_device_policy(world),
        "notification": render.dumpsys_notification(world),
        "package": dumpsys_package_full(world),
        "role": render.dumpsys_role(world),
        # `dumpsys user` prints the UserInfo lines `pm list users` does.
        "user": render.pm_list_users(world),
    }
    return sorted(services.items())


def _dumpsys(world: World) -> str:
    when = local_time(world.now_ms)
    parts = []
    for name, body in _services(world):
        parts.append(
            f"{_DASHES}\nDUMP OF SERVICE {name}:\n{body.rstrip(chr(10))}\n"
            f"--------- 0.012s was the duration of dumpsys {name}, ending at: {when}\n"
        )
    return "".join(parts)


# --------------------------------------------------------------------------------------------------
# Bug report
# --------------------------------------------------------------------------------------------------


def _dumpstate_name(world: World) -> str:
    stamp = local_time(world.now_ms).replace(" ", "-").replace(":", "-")
    return f"bugreport-{_BUILD_STAMP}-{world.build_id}-{stamp}.txt"


def _dumpstate(world: World) -> str:
    when = local_time(world.now_ms)
    return (
        "========================================================\n"
        f"== dumpstate: {when}\n"
        "========================================================\n\n"
        f"Build: {world.build_id}\n"
        "------ SYSTEM PROPERTIES (getprop) ------\n"
        f"{render.getprop(world)}"
        "------ 0.031s was the duration of 'SYSTEM PROPERTIES' ------\n"
        "------ UPTIME (uptime) ------\n up 3 days,  2:01,  0 users,  load average: 1.02, 0.98, 0.91\n"
        "------ 0.002s was the duration of 'UPTIME' ------\n"
        "------ DUMPSYS (/system/bin/dumpsys) ------\n"
        f"{_dumpsys(world)}"
    )


def _bugreport_files(world: World) -> dict[str, bytes]:
    name = _dumpstate_name(world)
    return {
        "main_entry.txt": name.encode(),
        name: _dumpstate(world).encode(),
        "version.txt": b"2.0\n",
    }


# --------------------------------------------------------------------------------------------------
# androidqf
# --------------------------------------------------------------------------------------------------


def _certificate(common_name: str) -> dict[str, object]:
    """The signer certificate as androidqf's ``packages.json`` describes it (its apkverifier field names)."""
    # The synthetic APKs are signed with a certificate derived from the signer's name (apks.py).
    der = derived_ec_signer(common_name).cert_der
    cert = x509.load_der_x509_certificate(der)
    order = (
        NameOID.COUNTRY_NAME,
        NameOID.STATE_OR_PROVINCE_NAME,
        NameOID.LOCALITY_NAME,
        NameOID.ORGANIZATION_NAME,
        NameOID.ORGANIZATIONAL_UNIT_NAME,
        NameOID.COMMON_NAME,
    )
    abbr = {NameOID.COUNTRY_NAME: "C", NameOID.STATE_OR_PROVINCE_NAME: "ST", NameOID.LOCALITY_NAME: "L"}
    abbr |= {NameOID.ORGANIZATION_NAME: "O", NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.COMMON_NAME: "CN"}
    name = ", ".join(f"{abbr[oid]}={a.value!s}" for oid in order for a in cert.subject.get_attributes_for_oid(oid))
    return {
        "Md5": hashlib.md5(der, usedforsecurity=False).hexdigest(),
        "Sha1": hashlib.sha1(der, usedforsecurity=False).hexdigest(),
        "Sha256": hashlib.sha256(der).hexdigest(),
        "Subject": name,
        "Issuer": name,
        "SerialNumber": cert.serial_number,
        "SignatureAlgorithm": "ECDSA-SHA256",
        "ValidFrom": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ValidTo": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _signer_name(app: App) -> str | None:
    return apks.spec_for(
        app.package,
        version_code=app.version_code,
        version_name=app.version_name,
        min_sdk=app.min_sdk,
        target_sdk=app.target_sdk,
        permissions=app.requested,
        system=app.system,
        platform_signed=app.platform_signed,
    ).signer


def _packages_json(world: World, files: Mapping[str, bytes]) -> str:
    """What androidqf writes for user 0: ``-u`` lists every package, ``-s``/``-3``/``-d`` only installed ones."""
    entries = []
    for name in world.listing_order:
        app = world.by_name[name]
        state = app.users[0]
        signer = _signer_name(app)
        certificate = _certificate(signer) if signer is not None else {}
        entries.append(
            {
                "name": name,
                "files": [
                    {
                        "path": path,
                        "local_name": "",
                        "sha256": hashlib.sha256(files[path]).hexdigest() if path in files else "",
                        "certificate": certificate,
                        "certificate_error": "",
                        "error": "",
                        "trusted_certificate": False,
                        "verified_certificate": True,
                    }
                    for path in app.apk_paths
                ]
                if state.installed
                else [],
                "installer": app.installer or "null",
                "uid": world.uid(app, 0),
                "disabled": state.installed and state.enabled not in (0, 1),
                "system": state.installed and app.system,
                "third_party": state.installed and not app.system,
            }
        )
    return json.dumps(entries, indent=4)


def _androidqf_files(world: World, acquisition: uuid.UUID) -> dict[str, bytes]:
    truth = build_truth(world, len(world.apps))
    served = apks.synthetic_apks(truth, include_system=True)
    started = datetime.fromtimestamp(world.now_ms / 1000).isoformat()
    return {
        "acquisition.json": json.dumps(
            {"uuid": str(acquisition), "androidqf_version": "synthetic", "started": started}, indent=2
        ).encode(),
        "getprop.txt": render.getprop(world).encode(),
        "dumpsys.txt": _dumpsys(world).encode(),
        "settings_secure.txt": render.settings_secure(world, 0).encode(),
        "settings_global.txt": render.settings_global(world).encode(),
        "settings_system.txt": render.settings_system(world, 0).encode(),
        "packages.json": _packages_json(world, served).encode(),
        "ps.txt": render.ps(world).encode(),
        # androidqf's `which -a` per tool: the paths found, as a JSON array of strings.
        "root_binaries.json": json.dumps(world.root_paths).encode(),
        "logcat.txt": b"--------- beginning of main\n",
    }


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def _zip(files: Mapping[str, bytes], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(prefix + name, data)
    return buffer.getvalue()


def _write_folder(folder: Path, files: Mapping[str, bytes]) -> Path:
    ensure_folder(folder)
    for name, data in files.items():
        write_bytes(folder / name, data)
    return folder


class RecipientError(AuditorError):
    """An ``androidqf-age`` form without a usable age recipient."""


def _check_recipient(recipient: str | None) -> None:
    from pyrage import RecipientError as Unusable
    from pyrage import x25519

    if not recipient:
        raise RecipientError("--form androidqf-age needs --recipient AGE_PUBLIC_KEY (age1…, from age-keygen)")
    try:
        x25519.Recipient.from_str(recipient)
    except Unusable as e:
        raise RecipientError(f"--recipient {recipient[:80]!r}: not an age public key ({e})") from None


def write_form(
    root: Path, form: Form, n_apps: int = 60, *, seed: int = 0, recipient: str | None = None, threats: bool = False
) -> Path:
    """Write the synthetic device (``n_apps``, ``seed``) in one form under ``root``; returns its path.

    ``recipient`` is the age public key (``age1…``) an ``androidqf-age`` form is encrypted to (``RecipientError``
    when it is missing or unusable). ``threats`` plants known threats and unsafe settings.
    """
    if form is Form.ANDROIDQF_AGE:
        _check_recipient(recipient)
    world = build_world(n_apps, seed, epoch_ms(None), threats=threats)
    acquisition = uuid.UUID(int=seed + 1)
    match form:
        case Form.BUGREPORT_ZIP:
            path = ensure_folder(root) / _dumpstate_name(world).replace(".txt", ".zip")
            write_bytes(path, _zip(_bugreport_files(world)))
            return path
        case Form.BUGREPORT_FOLDER:
            return _write_folder(ensure_folder(root) / "bugreport", _bugreport_files(world))
        case Form.ANDROIDQF_FOLDER:
            return _write_folder(ensure_folder(root) / str(acquisition), _androidqf_files(world, acquisition))
        case Form.ANDROIDQF_ZIP:
            path = ensure_folder(root) / f"{acquisition}.zip"
            write_bytes(path, _zip(_androidqf_files(world, acquisition), f"{acquisition}/"))
            return path
        case Form.ANDROIDQF_AGE:
            assert recipient is not None  # _check_recipient
            from pyrage import encrypt, x25519

            path = ensure_folder(root) / f"{acquisition}.zip.age"
            plain = _zip(_androidqf_files(world, acquisition), f"{acquisition}/")
            write_bytes(path, encrypt(plain, [x25519.Recipient.from_str(recipient)]))
            return path
        case _:
            assert_never(form)


def write_forms(
    root: Path, forms: Iterable[Form] = tuple(Form), n_apps: int = 60, *, seed: int = 0, recipient: str | None = None
) -> dict[Form, Path]:
    """Each of ``forms`` in its own folder under ``root``."""
    return {form: write_form(root / form.value, form, n_apps, seed=seed, recipient=recipient) for form in forms}
