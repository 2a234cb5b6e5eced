"""``dumpsys device_policy``: device admins per user, the device owner and profile owners.

Written from the AOSP dump code (DevicePolicyData.dump and Owners.dump, Android 12–16; the same
text came from DevicePolicyManagerService.dump on Android 5–11), as no real capture is at hand::

    Current Device Policy Manager state:
      Device Owner:
        admin=ComponentInfo{com.corp.mdm/com.corp.mdm.AdminReceiver}
        name=Corp MDM
        package=com.corp.mdm
        isOrganizationOwnedDevice=true
        User ID: 0

      Profile Owner (User 10):
        admin=ComponentInfo{com.google.android.apps.work.clouddpc/…CloudDeviceAdminReceiver}
        …

      Enabled Device Admins (User 0, provisioningState: 3):
        com.corp.mdm/.AdminReceiver:
          uid=10234
          policies:
            wipe-data
        com.android.work/com.android.work.Admin:
          uid=10111

        mPasswordOwner=-1

Old builds print ``Enabled Device Admins (User 0):`` without the provisioning state. The block
repeats for every user. An admin line is ``flattenToShortString()`` plus ``:`` (so ``pkg/.Cls``
is kept abbreviated, as printed) at the first indentation under the header; the deeper detail
lines (``uid=``, ``policies:`` and the policy names, a ``parentAdmin:`` block) and the per-user
fields at admin level (``mPasswordOwner=``, ``Removing Device Admins …``) are skipped on purpose.
The owners' ``admin=`` is ``ComponentName.toString()``: ``ComponentInfo{pkg/full.Class}``. The device
owner's user comes from its ``User ID:`` line (0 when absent, the only user it can be before
Android 8's split system user).

The rest of the dump (policy engine state, statistics) is skipped. ``unknown`` gets lines inside an
admin or owner block that have neither the admin shape nor a ``key=value`` / ``key: value`` shape.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from auditor.model import ComponentGrant, ParsedDevicePolicy

logger = logging.getLogger(__name__)

_ADMINS_HEADER = re.compile(r"^\s*Enabled Device Admins \(User (-?\d{1,10})(?:,[^)]*)?\):\s*$")
_DEVICE_OWNER = re.compile(r"^\s*Device Owner:\s*$")
_PROFILE_OWNER = re.compile(r"^\s*Profile Owner \(User (-?\d{1,10})\):\s*$")
_ADMIN_LINE = re.compile(r"^([^\s/]+/[^\s]+):$")
_OWNER_ADMIN = re.compile(r"^admin=ComponentInfo\{([^{}]+)\}$")
_OWNER_USER = re.compile(r"^User ID: (-?\d{1,10})$")
_FIELD = re.compile(r"^[\w.\- ]+(=|: |:$)")


@dataclass
class _Owner:
    """An owner block being read (its user may come after its admin)."""

    profile: bool
    user: int
    component: str | None = None
    package: str | None = None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def parse_dumpsys_device_policy(text: str) -> ParsedDevicePolicy:
    """Parse device admins, the device owner and profile owners. Never raises.

    An owner block without ``admin=`` but with ``package=`` is recorded with the package as its
    component (the owner still exists; its receiver is just not named). Only the first
    ``Device Owner:`` block counts; a device has at most one.
    """
    admins: dict[ComponentGrant, None] = {}
    owners: list[_Owner] = []
    unknown: list[str] = []

    admins_user: int | None = None  # set while inside an "Enabled Device Admins" block
    owner: _Owner | None = None  # set while inside an owner block
    header_indent = 0
    admin_indent: int | None = None

    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped:
            continue
        indent = _indent(line)

        header = _ADMINS_HEADER.match(line)
        device_owner = _DEVICE_OWNER.match(line)
        profile_owner = _PROFILE_OWNER.match(line)
        if header or device_owner or profile_owner:
            admins_user, owner, admin_indent = None, None, None
            header_indent = indent
            if header:
                admins_user = int(header.group(1))
            elif profile_owner:
                owner = _Owner(profile=True, user=int(profile_owner.group(1)))
                owners.append(owner)
            else:
                owner = _Owner(profile=False, user=0)
                owners.append(owner)
            continue
        if indent <= header_indent:
            admins_user, owner, admin_indent = None, None, None
            continue

        if admins_user is not None:
            if admin_indent is None:
                admin_indent = indent
            if indent > admin_indent:
                continue  # detail lines of one admin: uid=, policies:, policy names …
            admin = _ADMIN_LINE.match(stripped)
            if admin:
                admins.setdefault(ComponentGrant(user=admins_user, component=admin.group(1)), None)
            elif not (_FIELD.match(stripped) or stripped.startswith("Removing Device Admins")):
                unknown.append(line)
        elif owner is not None:
            owner_admin = _OWNER_ADMIN.match(stripped)
            owner_user = _OWNER_USER.match(stripped)
            if owner_admin:
                owner.component = owner_admin.group(1)
            elif owner_user and not owner.profile:
                owner.user = int(owner_user.group(1))
            elif stripped.startswith("package="):
                owner.package = stripped[len("package=") :] or None
            elif not _FIELD.match(stripped):
                unknown.append(line)

    device_owner_grant: ComponentGrant | None = None
    profile_owners: dict[ComponentGrant, None] = {}
    for item in owners:
        component = item.component or item.package
        if component is None:
            unknown.append(f"{'Profile' if item.profile else 'Device'} Owner without admin= or package=")
            continue
        grant = ComponentGrant(user=item.user, component=component)
        if item.profile:
            profile_owners.setdefault(grant, None)
        elif device_owner_grant is None:
            device_owner_grant = grant
    logger.debug(
        "device_policy: %d admins, device owner %s, %d profile owners",
        len(admins),
        device_owner_grant,
        len(profile_owners),
    )
    return ParsedDevicePolicy(
        admins=tuple(admins),
        device_owner=device_owner_grant,
        profile_owners=tuple(profile_owners),
        unknown=tuple(unknown),
    )
