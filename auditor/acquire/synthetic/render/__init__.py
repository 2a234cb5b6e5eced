"""Printing the synthetic device in the text formats real Android 14 builds use.

Each function returns what one command of the plan prints. The shapes follow AOSP's dump code
(``Settings.dumpPackageLPr``, ``AppOpsService.dumpLocked``, ``AccessibilityUserState.dump``,
``ManagedServices.dump``, ``DevicePolicyData.dump``, ``RoleUserState.dump`` through
``DualDumpOutputStream``) and the real captures under ``shared/real-devices``: indentation, the
trailing space after ``OP (mode):``, the missing space after ``Reject: [bg-s]``, ``[ A|B]`` flag lists,
``null=[`` attribution wrappers and the like are reproduced on purpose, because parsers meet them.

One module per kind of output; every renderer is named here, which is where a section's declaration
(``auditor.sections``: ``synthetic``) finds it.
"""

from __future__ import annotations

from auditor.acquire.synthetic.render.appops import dumpsys_appops, format_uid
from auditor.acquire.synthetic.render.device import (
    BRAND,
    MANUFACTURER,
    MODEL,
    SECURITY_PATCH,
    USER_NAMES,
    apk_hashes,
    date,
    device_info,
    enabled_input_methods,
    getprop,
    pm_list_packages,
    pm_list_users,
    pm_path,
    settings_global,
    settings_secure,
    settings_system,
)
from auditor.acquire.synthetic.render.history import appops_discrete
from auditor.acquire.synthetic.render.packages import dumpsys_package
from auditor.acquire.synthetic.render.special import (
    ROLES,
    dumpsys_accessibility,
    dumpsys_device_policy,
    dumpsys_notification,
    dumpsys_role,
    role_holders,
)
from auditor.acquire.synthetic.render.state import boot_id, dumpsys_adb, getenforce, ps, root_binaries

__all__ = [
    "apk_hashes",
    "boot_id",
    "getenforce",
    "BRAND",
    "MANUFACTURER",
    "MODEL",
    "ROLES",
    "SECURITY_PATCH",
    "USER_NAMES",
    "appops_discrete",
    "date",
    "device_info",
    "dumpsys_accessibility",
    "dumpsys_adb",
    "dumpsys_appops",
    "dumpsys_device_policy",
    "dumpsys_notification",
    "dumpsys_package",
    "dumpsys_role",
    "enabled_input_methods",
    "format_uid",
    "getprop",
    "pm_list_packages",
    "pm_list_users",
    "pm_path",
    "ps",
    "role_holders",
    "root_binaries",
    "settings_global",
    "settings_secure",
    "settings_system",
]
