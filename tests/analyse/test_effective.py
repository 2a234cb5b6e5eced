"""Effective access is derived from grant, flags and app-op mode — the rules of android-platform.md §3.1."""

from __future__ import annotations

from auditor.analyse.build import OpView, build_permissions, install_source
from auditor.analyse.catalogue import load_catalogue
from auditor.model import (
    AccessState,
    EffectiveAccess,
    InstallSource,
    OpEntry,
    OpEvent,
    OpEventKind,
    PackageUserState,
    ParsedPackage,
    ParsedSharedUser,
    PermissionKind,
    PermissionReport,
    PermissionState,
    RequestedPermission,
    UidState,
)

CAT = load_catalogue()
P = "android.permission."


def _pkg(target: int = 34, requested: tuple[str, ...] | None = None, **kw: object) -> ParsedPackage:
    req = None if requested is None else tuple(RequestedPermission(P + r) for r in requested)
    return ParsedPackage(package="com.example.app", app_id=10123, target_sdk=target, requested_permissions=req, **kw)  # type: ignore[arg-type]


def _state(*perms: PermissionState, user: int = 0) -> PackageUserState:
    return PackageUserState(user=user, installed=True, runtime_permissions=perms, has_runtime_section=True)


def _ops(uid_modes: dict[str, str] | None = None, **modes: str) -> OpView:
    return OpView(uid_modes or {}, {op: OpEntry(op=op, mode=mode) for op, mode in modes.items()})


def _rows(
    pkg: ParsedPackage, state: PackageUserState, ops: OpView, have_appops: bool = True
) -> dict[str, PermissionReport]:
    perms = build_permissions(pkg, state, None, None, ops, have_appops=have_appops, catalogue=CAT)
    return {p.name.removeprefix(P): p for p in perms}


def test_granted_and_op_allow_is_allowed() -> None:
    rows = _rows(_pkg(), _state(PermissionState(P + "CAMERA", True)), _ops(CAMERA="allow"))
    cam = rows["CAMERA"]
    assert cam.effective is EffectiveAccess.ALLOWED
    assert cam.kind is PermissionKind.RUNTIME
    assert cam.appop == "CAMERA"


def test_not_granted_is_denied_and_keeps_user_fixed() -> None:
    rows = _rows(_pkg(), _state(PermissionState(P + "CAMERA", False, ("USER_SET", "USER_FIXED"))), _ops())
    cam = rows["CAMERA"]
    assert cam.effective is EffectiveAccess.DENIED
    assert cam.flags == ("USER_SET", "USER_FIXED")


def test_legacy_app_granted_true_but_revoked_compat() -> None:
    state = _state(PermissionState(P + "READ_CONTACTS", True, ("REVOKED_COMPAT",)))
    rows = _rows(_pkg(target=22), state, _ops(READ_CONTACTS="ignore"))
    assert rows["READ_CONTACTS"].effective is EffectiveAccess.REVOKED_COMPAT


def test_legacy_app_op_ignore_without_flag_is_revoked_compat() -> None:
    rows = _rows(_pkg(target=22), _state(PermissionState(P + "CAMERA", True)), _ops(CAMERA="ignore"))
    assert rows["CAMERA"].effective is EffectiveAccess.REVOKED_COMPAT


def test_uid_mode_overrides_package_mode() -> None:
    rows = _rows(_pkg(), _state(PermissionState(P + "CAMERA", True)), _ops({"CAMERA": "ignore"}, CAMERA="allow"))
    assert rows["CAMERA"].effective is EffectiveAccess.APPOP_DENIED
    assert rows["CAMERA"].appop_mode == "ignore"


def test_location_while_in_use_and_all_the_time() -> None:
    fine = PermissionState(P + "ACCESS_FINE_LOCATION", True)
    rows = _rows(_pkg(), _state(fine), _ops(FINE_LOCATION="foreground"))
    assert rows["ACCESS_FINE_LOCATION"].effective is EffectiveAccess.FOREGROUND_ONLY

    bg = PermissionState(P + "ACCESS_BACKGROUND_LOCATION", True)
    rows = _rows(_pkg(), _state(fine, bg), _ops(FINE_LOCATION="allow"))
    assert rows["ACCESS_FINE_LOCATION"].effective is EffectiveAccess.ALLOWED
    assert rows["ACCESS_BACKGROUND_LOCATION"].effective is EffectiveAccess.ALLOWED


def test_location_without_appops_data_follows_platform_rule() -> None:
    # targetSdk >= 29 without ACCESS_BACKGROUND_LOCATION: the platform sets the op to foreground.
    rows = _rows(_pkg(), _state(PermissionState(P + "ACCESS_FINE_LOCATION", True)), _ops(), have_appops=False)
    assert rows["ACCESS_FINE_LOCATION"].effective is EffectiveAccess.FOREGROUND_ONLY


def test_background_location_granted_but_foreground_denied_reaches_nothing() -> None:
    state = _state(
        PermissionState(P + "ACCESS_FINE_LOCATION", False), PermissionState(P + "ACCESS_BACKGROUND_LOCATION", True)
    )
    rows = _rows(_pkg(), state, _ops())
    assert rows["ACCESS_BACKGROUND_LOCATION"].effective is EffectiveAccess.DENIED


def test_requested_runtime_without_grant_line_is_denied_and_unrequested_grant_marked() -> None:
    rows = _rows(_pkg(requested=("CAMERA", "RECORD_AUDIO")), _state(PermissionState(P + "CAMERA", True)), _ops())
    assert rows["RECORD_AUDIO"].granted is False
    assert rows["RECORD_AUDIO"].effective is EffectiveAccess.DENIED
    assert rows["RECORD_AUDIO"].requested is True


def test_appop_special_allow_and_default() -> None:
    pkg = _pkg(
        requested=("SYSTEM_ALERT_WINDOW", "REQUEST_INSTALL_PACKAGES"),
        install_permissions=(PermissionState(P + "SYSTEM_ALERT_WINDOW", True),),
    )
    rows = _rows(pkg, _state(), _ops(REQUEST_INSTALL_PACKAGES="default"))
    # default falls back to the permission for overlay, and means "not allowed" for installing apps.
    assert rows["SYSTEM_ALERT_WINDOW"].effective is EffectiveAccess.ALLOWED
    assert rows["REQUEST_INSTALL_PACKAGES"].effective is EffectiveAccess.DENIED
    rows = _rows(pkg, _state(), _ops(SYSTEM_ALERT_WINDOW="ignore", REQUEST_INSTALL_PACKAGES="allow"))
    assert rows["SYSTEM_ALERT_WINDOW"].effective is EffectiveAccess.APPOP_DENIED
    assert rows["REQUEST_INSTALL_PACKAGES"].effective is EffectiveAccess.ALLOWED


def test_shared_user_runtime_grants_apply_to_member() -> None:
    pkg = _pkg(shared_user="android.uid.calendar")
    shared = ParsedSharedUser(
        name="android.uid.calendar",
        app_id=10033,
        users=(PackageUserState(user=0, runtime_permissions=(PermissionState(P + "READ_CALENDAR", True),)),),
    )
    perms = build_permissions(pkg, _state(), shared, shared.users[0], _ops(), have_appops=False, catalogue=CAT)
    assert [(p.name, p.granted, p.effective) for p in perms] == [(P + "READ_CALENDAR", True, EffectiveAccess.ALLOWED)]


def test_last_access_newest_and_background() -> None:
    events = (
        OpEvent(OpEventKind.ACCESS, UidState.TOP, "top", ("s",), "2024-05-01 12:00:00.000", 3_600_000),
        OpEvent(OpEventKind.ACCESS, UidState.BACKGROUND, "bg", ("s",), "2024-05-01 11:00:00.000", 7_200_000),
        OpEvent(OpEventKind.REJECT, UidState.CACHED, "cch", ("s",), "2024-05-01 12:30:00.000", 1_800_000),
    )
    ops = OpView({}, {"RECORD_AUDIO": OpEntry("RECORD_AUDIO", "allow", events)})
    mic = _rows(_pkg(), _state(PermissionState(P + "RECORD_AUDIO", True)), ops)["RECORD_AUDIO"]
    assert mic.last_access == "2024-05-01 12:00:00.000"
    assert mic.last_access_state is AccessState.FOREGROUND
    assert mic.last_background_access == "2024-05-01 11:00:00.000"
    assert mic.last_reject == "2024-05-01 12:30:00.000"


def test_install_source() -> None:
    assert install_source(_pkg(flags=("SYSTEM",)), None, CAT) is InstallSource.SYSTEM
    assert install_source(_pkg(), "com.android.vending", CAT) is InstallSource.STORE
    # `pm install -i com.android.vending` spoofs the installer; the initiator stays the shell.
    spoofed = _pkg(initiating_package="com.android.shell")
    assert install_source(spoofed, "com.android.vending", CAT) is InstallSource.SIDELOADED
    assert install_source(_pkg(package_source=4), "com.example.store", CAT) is InstallSource.SIDELOADED
    assert install_source(_pkg(), None, CAT) is InstallSource.SIDELOADED
    assert install_source(_pkg(), "com.google.android.packageinstaller", CAT) is InstallSource.SIDELOADED
    assert install_source(_pkg(), "com.example.mdm", CAT) is InstallSource.OTHER_INSTALLER
