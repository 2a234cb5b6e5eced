"""androidqf's ``packages.json``: every package with its flags, installer, uid, APK hashes and signers.

androidqf lists packages with ``pm list packages -U -u -i`` (``-u``: packages uninstalled for the user
whose data was kept are listed too), then marks each with ``disabled`` / ``system`` / ``third_party``
from ``pm list packages -d`` / ``-s`` / ``-3``. Those three lists hold *installed* packages only, so a
package that is neither ``system`` nor ``third_party`` was listed by ``-u`` alone: it is not installed
for the user (its data was kept). That reading holds only when the flags were collected at all: when
androidqf could not run ``-s`` and ``-3`` every package has both false, so if no package has either
flag the flags are taken as unknown. Newer androidqf versions write ``installed`` and ``user_id``
themselves; those win when present.

Each ``files[]`` entry is one APK (``pm path``): ``sha256`` of the file and the signer certificate
androidqf read from the pulled APK (``certificate``: ``Sha1``, ``Sha256``, ``Subject``, ``Issuer``,
``ValidFrom``, ``ValidTo``; zero values when it could not). Values are checked for shape (a hash is
hex of the right length) before they are kept: the file is input like any other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from auditor.model import ParsedApkFile, ParsedCertificate, ParsedQfPackages, QfPackage
from auditor.untrusted import UnsafeInputError, parse_json

_HEX = {n: re.compile(f"[0-9a-f]{{{n}}}") for n in (32, 40, 64)}
_PACKAGE = re.compile(r"[A-Za-z0-9_.]{1,255}")
_MAX_TEXT = 1024
"""Certificate names and dates longer than this are cut: they are display text, not keys."""


def _hex(value: object, length: int) -> str | None:
    if not isinstance(value, str):
        return None
    low = value.strip().lower()
    return low if _HEX[length].fullmatch(low) else None


def _text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:_MAX_TEXT]


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _certificate(value: object) -> ParsedCertificate | None:
    if not isinstance(value, Mapping):
        return None
    sha256 = _hex(value.get("Sha256"), 64)
    if sha256 is None:
        return None  # androidqf writes an empty certificate when it could not read one
    return ParsedCertificate(
        sha256=sha256,
        sha1=_hex(value.get("Sha1"), 40),
        subject=_text(value.get("Subject")),
        issuer=_text(value.get("Issuer")),
        valid_from=_text(value.get("ValidFrom")),
        valid_to=_text(value.get("ValidTo")),
        md5=_hex(value.get("Md5"), 32),
    )


def _files(value: object, unknown: list[str], package: str) -> tuple[ParsedApkFile, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        unknown.append(f"{package}: files is not a list")
        return ()
    files = []
    for item in value:
        path = _text(item.get("path")) if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or path is None:
            unknown.append(f"{package}: a files entry without a path")
            continue
        files.append(ParsedApkFile(path, _hex(item.get("sha256"), 64), _certificate(item.get("certificate"))))
    return tuple(files)


def _package(item: Mapping[str, object], unknown: list[str]) -> QfPackage | None:
    name = item.get("name")
    if not isinstance(name, str) or not _PACKAGE.fullmatch(name):
        unknown.append(f"a package entry without a usable name: {str(name)[:80]!r}")
        return None
    uid = _int(item.get("uid"))
    installer = _text(item.get("installer"))
    return QfPackage(
        package=name,
        # androidqf writes 0 when `-U` printed no uid; no app runs as root.
        uid=uid if uid is not None and uid > 0 else None,
        user=_int(item.get("user_id")),
        installer=None if installer in (None, "null") else installer,
        installer_listed=installer is not None,
        system=_flag(item.get("system")),
        third_party=_flag(item.get("third_party")),
        disabled=_flag(item.get("disabled")),
        installed=_flag(item.get("installed")),
        files=_files(item.get("files"), unknown, name),
    )


def parse_androidqf_packages(text: str) -> ParsedQfPackages:
    """Every package of ``packages.json``; entries that do not fit are named in ``unknown``. Never raises."""
    try:
        data = parse_json(text, "packages.json")
    except (ValueError, UnsafeInputError) as e:
        return ParsedQfPackages(unknown=(f"not JSON: {str(e)[:120]}",))
    if not isinstance(data, list):
        return ParsedQfPackages(unknown=("not a JSON list of packages",))
    unknown: list[str] = []
    packages = [p for item in data if (p := _package(item, unknown) if isinstance(item, Mapping) else None)]
    unknown += ["a package entry that is not an object"] * sum(not isinstance(item, Mapping) for item in data)
    flags_known = any(p.system or p.third_party for p in packages)
    packages = [_with_flags(p, flags_known) for p in packages]
    return ParsedQfPackages(packages=tuple(packages), unknown=tuple(unknown))


def _with_flags(p: QfPackage, flags_known: bool) -> QfPackage:
    """Flags of a file whose ``-s``/``-3`` lists failed are unknown; otherwise "in neither" = not installed."""
    if not flags_known:
        return replace(p, system=None, third_party=None, disabled=None)
    if p.installed is None:
        return replace(p, installed=bool(p.system or p.third_party))
    return p
