"""The plan's ``apk_hashes`` loop: the SHA-256 of every APK of every non-system app of one user.

One command per user hashes on the phone (``auditor.sections``: ``APK_HASHES``), so a known stalkerware
sample is found by its hash without pulling anything. Before each package the loop prints a marker line,
then toybox's ``sha256sum`` prints ``<hex>  <path>`` per APK, base first::

    ##auditor## package=com.example.app user=0
    4b2a…e1  /data/app/~~Xq1==/com.example.app-Yz2==/base.apk
    9c0d…77  /data/app/~~Xq1==/com.example.app-Yz2==/split_config.arm64_v8a.apk

A file ``sha256sum`` cannot read prints ``sha256sum: PATH: REASON`` and is kept as unreadable. Android 7
and older have no ``sha256sum``; the command then prints nothing (it checks first), and no hash is known.
"""

from __future__ import annotations

import re

from auditor.model import ApkFileHash, PackageHashes, ParsedApkHashes
from auditor.parse.markers import split_marked

_HASH = re.compile(r"([0-9a-fA-F]{64}) [ *](/\S.*)")
_ERROR = re.compile(r"sha256sum: (/\S.*?): .+")
_PACKAGE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")
_USER = re.compile(r"\d{1,9}")


def parse_apk_hashes_loop(text: str) -> ParsedApkHashes:
    """Hashes per package and user, in loop order. Never raises; unreadable lines are kept as unknown."""
    packages: list[PackageHashes] = []
    unreadable: list[str] = []
    unknown: list[str] = []
    for part in split_marked(text):
        package = part.keys.get("package")
        user_text = part.keys.get("user")
        files: list[ApkFileHash] = []
        for raw in part.text.splitlines():
            line = raw.rstrip("\r")
            if not line.strip():
                continue
            if (found := _HASH.fullmatch(line)) is not None:
                files.append(ApkFileHash(found.group(2), found.group(1).lower()))
            elif (error := _ERROR.fullmatch(line)) is not None:
                unreadable.append(error.group(1)[:300])
            else:
                unknown.append(line[:200])
        if package is None:
            continue
        if not _PACKAGE.fullmatch(package):
            unknown.append(f"marker with an unusable package name: {package[:100]}")
            continue
        user = int(user_text) if user_text is not None and _USER.fullmatch(user_text) else None
        packages.append(PackageHashes(package, user, tuple(files)))
    return ParsedApkHashes(packages=tuple(packages), unreadable=tuple(unreadable), unknown=tuple(unknown))
