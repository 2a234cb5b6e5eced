"""``dumpsys device_policy`` parser.

No real capture exists in the shared folder. The samples below are written for these tests from
the AOSP dump code (DevicePolicyData.dump, Owners.dump, ActiveAdmin.dump) and checked against the
shape of captures quoted in public test fixtures: header at two spaces, admins at four, details at
six and deeper, owners' ``admin=ComponentInfo{…}``.
"""

from __future__ import annotations

import functools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import ComponentGrant, ParsedDevicePolicy
from auditor.parse.device_policy import parse_dumpsys_device_policy
from auditor.parse.text import decode_output
from tests.parse.damage import Contract, cuts, synthetic_output
from tests.parse.strategies import mutated

# Android 13/14: fully managed phone (device owner) with a work profile (user 10).
MANAGED = """\
DUMP OF SERVICE device_policy:
Current Device Policy Manager state:
  Immutable state:
    mHasFeature=true
    mIsWatch=false
    mIsAutomotive=false
    mHasTelephonyFeature=true
    mSafetyChecker=null
  Device Owner:\x20
    admin=ComponentInfo{com.corp.mdm/com.corp.mdm.receivers.AdminReceiver}
    name=Corp MDM
    package=com.corp.mdm
    isOrganizationOwnedDevice=true
    User ID: 0

  Profile Owner (User 10):\x20
    admin=ComponentInfo{com.google.android.apps.work.clouddpc/com.google.android.apps.work.clouddpc.receivers.CloudDeviceAdminReceiver}
    name=
    package=com.google.android.apps.work.clouddpc
    isOrganizationOwnedDevice=false

  Enabled Device Admins (User 0, provisioningState: 3):
    com.corp.mdm/.receivers.AdminReceiver:
      uid=10234
      testOnlyAdmin=false
      policies:
        limit-password
        watch-login
        reset-password
        force-lock
        wipe-data
        set-global-proxy
        expire-password
        encrypted-storage
        disable-camera
        disable-keyguard-features
      passwordQuality=0x0
      minimumPasswordLength=0
      disableCamera=false
      permittedAccessiblityServices=null
      parentAdmin:
        uid=10234
        testOnlyAdmin=false
        policies:
    com.google.android.gms/com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver:
      uid=10150
      testOnlyAdmin=false
      policies:
        wipe-data
        force-lock
    Removing Device Admins (User 0): [ComponentInfo{com.old.admin/com.old.admin.Receiver}]

    mPasswordOwner=-1
    mPasswordTokenHandle=0
    mUserSetupComplete=true
    mAffiliationIds=[]

  Enabled Device Admins (User 10, provisioningState: 3):
    com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver:
      uid=1010188
      testOnlyAdmin=false
      policies:
        wipe-data

    mPasswordOwner=-1

  Constants:
    DAS_DIED_SERVICE_RECONNECT_BACKOFF_SEC: 3600
  Stats:
    LockTaskMode: 0
"""

# Android 7/8 (DevicePolicyManagerService.dump): no provisioning state, a " " line after the admins.
# (\x20 stands for the trailing spaces AOSP prints.)
OLD = """\
Current Device Policy Manager state:

  Enabled Device Admins (User 0):
    com.android.email/.SecurityPolicy$PolicyAdmin:
      uid=10038
      policies:
        limit-password
        wipe-data
\x20
    mPasswordOwner=-1

  Enabled Device Admins (User 11):
    com.watch.kid/.KidAdmin:
      uid=1110211
\x20
    mPasswordOwner=-1
"""


def _check(result: ParsedDevicePolicy) -> None:
    assert isinstance(result, ParsedDevicePolicy)
    owner = () if result.device_owner is None else (result.device_owner,)
    for grant in (*result.admins, *result.profile_owners, *owner):
        assert isinstance(grant, ComponentGrant)
        assert isinstance(grant.user, int) and isinstance(grant.component, str) and grant.component
    assert all(isinstance(line, str) for line in result.unknown)


@functools.cache
def _parse(text: str) -> ParsedDevicePolicy:
    return parse_dumpsys_device_policy(text)


def _facts(result: ParsedDevicePolicy) -> frozenset[tuple[str, ComponentGrant]]:
    owner = [] if result.device_owner is None else [("device owner", result.device_owner)]
    return frozenset(
        [("admin", g) for g in result.admins] + [("profile owner", g) for g in result.profile_owners] + owner
    )


def _evidence(fact: tuple[str, ComponentGrant]) -> str:
    kind, grant = fact
    if kind == "admin":
        return re.escape(grant.component + ":")  # flattenToShortString() and its ":"
    return re.escape(f"admin=ComponentInfo{{{grant.component}}}") + "|" + re.escape(f"package={grant.component}\n")


CONTRACT: Contract[ParsedDevicePolicy, tuple[str, ComponentGrant]] = Contract(
    parse=parse_dumpsys_device_policy, facts=_facts, evidence=_evidence
)

COUNTS = {MANAGED: 5, OLD: 2}
"""Admins and owners of each sample (listed by value in the tests above)."""


def test_managed_device_with_work_profile() -> None:
    result = parse_dumpsys_device_policy(MANAGED)
    assert result.admins == (
        ComponentGrant(0, "com.corp.mdm/.receivers.AdminReceiver"),
        ComponentGrant(0, "com.google.android.gms/com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver"),
        ComponentGrant(10, "com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver"),
    )
    assert result.device_owner == ComponentGrant(0, "com.corp.mdm/com.corp.mdm.receivers.AdminReceiver")
    assert result.profile_owners == (
        ComponentGrant(
            10,
            "com.google.android.apps.work.clouddpc/com.google.android.apps.work.clouddpc.receivers"
            ".CloudDeviceAdminReceiver",
        ),
    )
    assert result.unknown == ()


def test_old_build_without_provisioning_state() -> None:
    result = parse_dumpsys_device_policy(OLD)
    assert result.admins == (
        ComponentGrant(0, "com.android.email/.SecurityPolicy$PolicyAdmin"),
        ComponentGrant(11, "com.watch.kid/.KidAdmin"),
    )
    assert result.device_owner is None
    assert result.profile_owners == ()
    assert result.unknown == ()


def test_policy_names_and_details_are_not_admins() -> None:
    components = {g.component for g in parse_dumpsys_device_policy(MANAGED).admins}
    assert not any(name in components for name in ("policies", "wipe-data", "parentAdmin"))
    assert "com.old.admin/com.old.admin.Receiver" not in components  # being removed, not enabled


def test_device_owner_on_another_user() -> None:
    text = (
        "  Device Owner: \n"
        "    admin=ComponentInfo{com.kiosk/com.kiosk.Admin}\n"
        "    name=\n"
        "    package=com.kiosk\n"
        "    User ID: 5\n"
    )
    assert parse_dumpsys_device_policy(text).device_owner == ComponentGrant(5, "com.kiosk/com.kiosk.Admin")


def test_owner_without_admin_line_falls_back_to_its_package() -> None:
    text = "  Profile Owner (User 12): \n    name=Work\n    package=com.corp.dpc\n"
    assert parse_dumpsys_device_policy(text).profile_owners == (ComponentGrant(12, "com.corp.dpc"),)
    empty = parse_dumpsys_device_policy("  Device Owner: \n    name=x\n")
    assert empty.device_owner is None
    assert empty.unknown == ("Device Owner without admin= or package=",)


def test_no_admins() -> None:
    text = "  Enabled Device Admins (User 0, provisioningState: 0):\n\n    mPasswordOwner=-1\n"
    result = parse_dumpsys_device_policy(text)
    assert result == ParsedDevicePolicy()


def test_unexpected_line_at_admin_level_goes_to_unknown() -> None:
    text = "  Enabled Device Admins (User 0, provisioningState: 3):\n    com.a/.Admin:\n    ??? broken/ line:\n"
    result = parse_dumpsys_device_policy(text)
    assert result.admins == (ComponentGrant(0, "com.a/.Admin"),)
    assert result.unknown == ("    ??? broken/ line:",)


def test_html_comes_through_verbatim() -> None:
    text = (
        "  Device Owner: \n    admin=ComponentInfo{com.evil/<script>x()</script>}\n"
        "  Enabled Device Admins (User 0):\n    com.evil/<b>Admin</b>:\n"
    )
    result = parse_dumpsys_device_policy(text)
    assert result.device_owner == ComponentGrant(0, "com.evil/<script>x()</script>")
    assert result.admins == (ComponentGrant(0, "com.evil/<b>Admin</b>"),)


# ---------------------------------------------------------------------------------------------
# Hostile input
# ---------------------------------------------------------------------------------------------


def test_empty() -> None:
    assert parse_dumpsys_device_policy("") == ParsedDevicePolicy()


def test_binary_garbage() -> None:
    junk = bytes(range(256)) * 4
    intact = synthetic_output("dumpsys_device_policy")
    # Junk around a dump sits outside every block: skipped, and every admin and owner is read.
    result = parse_dumpsys_device_policy(decode_output(junk + b"\n" + intact.encode() + junk).text)
    assert result == _parse(intact)
    assert _facts(result) == {
        ("admin", ComponentGrant(0, "com.example.stalker/.core.DeviceAdminReceiver")),
        ("admin", ComponentGrant(10, "com.example.workdpc/.receivers.AdminReceiver")),
        ("profile owner", ComponentGrant(10, "com.example.workdpc/com.example.workdpc.receivers.AdminReceiver")),
    }
    # Junk at admin level inside a block is not an admin: kept in unknown.
    text = decode_output(junk + b"\n  Enabled Device Admins (User 0):\n    \xff/\x00:").text
    assert parse_dumpsys_device_policy(text) == ParsedDevicePolicy(unknown=("    \ufffd/:",))


def test_huge_user_id_does_not_raise() -> None:
    result = parse_dumpsys_device_policy("  Profile Owner (User " + "1" * 5000 + "): \n    package=p\n")
    _check(result)
    assert result.profile_owners == ()


def test_crlf_capture() -> None:
    text = decode_output(MANAGED.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_device_policy(text) == parse_dumpsys_device_policy(MANAGED)


def test_every_truncation() -> None:
    for sample, count in COUNTS.items():
        full = _parse(sample)
        assert len(_facts(full)) == count
        for cut in range(len(sample) + 1):
            _check(CONTRACT.check_cut(sample, cut, full=full))
    # Cut inside the device owner's admin= line: the owner is not guessed, and a note says it is unnamed.
    cut = MANAGED.index("admin=ComponentInfo{com.corp.mdm") + 10
    result = parse_dumpsys_device_policy(MANAGED[:cut])
    assert result.device_owner is None
    assert result.unknown == ("Device Owner without admin= or package=",)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_never_raises(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="cut an intact dump"):
        counts = {**COUNTS, synthetic_output("dumpsys_device_policy"): 3}
        text, cut = data.draw(cuts(counts))
        assert len(_facts(_parse(text))) == counts[text]
        _check(CONTRACT.check_cut(text, cut, full=_parse(text)))
        return
    text = data.draw(st.one_of(mutated(MANAGED), mutated(OLD)))
    result = parse_dumpsys_device_policy(text)
    _check(result)
    # Hostile text: every admin and owner was printed as such.
    assert all(grant.component in text for _kind, grant in _facts(result))
