"""``pm list packages`` (PackageManagerShellCommand.runListPackages): one line per app::

package:/data/app/~~Ab==/com.example-Cd==/base.apk=com.example versionCode:42  installer=null uid:10234
"""

from __future__ import annotations

import logging

from auditor.model import (
    ListedPackage,
    ParsedPackageList,
)
from auditor.parse.markers import MARKER
from auditor.parse.packages.fields import _int

logger = logging.getLogger(__name__)


def _listed(body: str) -> ListedPackage | None:
    """One ``package:`` line without its prefix, or ``None`` when it does not have the known shape.

    The optional suffixes are removed from the right first (` uid:`, `  installer=`, ` versionCode:`),
    because ``installer=`` itself holds ``=``; what remains is split at its *last* ``=``: package
    names never contain ``=`` but ``/data/app/~~Ab==/…`` paths (Android 11+) often do.
    """
    uid: int | None = None
    cut = body.rfind(" uid:")
    if cut != -1:
        # Multi-user listings may print several uids joined by ","; the first is the asked-for user.
        uid = _int(body[cut + 5 :].split(",", 1)[0])
        if uid is None:
            return None
        body = body[:cut]
    installer: str | None = None
    cut = body.rfind(" installer=")
    if cut != -1:
        installer = body[cut + 11 :].strip()
        if installer in ("null", ""):
            installer = None
        body = body[:cut]
    version_code: int | None = None
    cut = body.rfind(" versionCode:")
    if cut != -1:
        version_code = _int(body[cut + 13 :])
        if version_code is None:
            return None
        body = body[:cut]
    body = body.rstrip()
    path, eq, package = body.rpartition("=")
    if not package or " " in package:
        return None
    return ListedPackage(
        package=package,
        path=path if eq and path else None,
        version_code=version_code,
        installer=installer,
        uid=uid,
    )


def parse_pm_list_packages(text: str) -> ParsedPackageList:
    """Parse any ``pm list packages`` variant (``-f -U -i --show-versioncode -s -3 -d -e -u --user N``).

    Every option only adds a part to the line, so one line parser serves them all. Android 7 has no
    ``-U`` and no ``--show-versioncode`` (it prints an error line, which lands in ``unknown``).
    ``installer=null`` becomes ``None``. Marker lines of an on-device loop are skipped; blank lines
    too. Never raises.
    """
    packages: list[ListedPackage] = []
    unknown: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith(MARKER):
            continue
        item = _listed(line[8:]) if line.startswith("package:") else None
        if item is None:
            unknown.append(raw.rstrip("\r"))
        else:
            packages.append(item)
    logger.debug("pm list packages: %d packages, %d unknown lines", len(packages), len(unknown))
    return ParsedPackageList(packages=tuple(packages), unknown=tuple(unknown))
