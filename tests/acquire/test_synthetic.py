"""The synthetic Android 14 device: determinism, plan conformance, personas, and a parse round trip.

The round trip is the point of the generator: every output is parsed back with the project's own
parsers and compared, app by app and user by user, with the ``SyntheticTruth`` the generator meant.
A mismatch is either a generator bug or a parser bug; the assertion message names the app, user and
field so it can be told which.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from auditor.acquire.plan import full_plan
from auditor.acquire.synthetic import (
    MIN_APPS,
    SyntheticTruth,
    TruthAccess,
    TruthApp,
    TruthDiscreteAccess,
    generate,
    write_synthetic,
)
from auditor.model import (
    AccessState,
    CommandStatus,
    ComponentGrant,
    HistoryStatus,
    OpEntry,
    OpEvent,
    OpEventKind,
    Snapshot,
)
from auditor.parse.text import decode_output
from auditor.snapshot import read_snapshot_dir, sha256_hex

USERS = (0, 10)
PERSONAS = (
    "com.example.flashlight",
    "com.example.maps",
    "com.example.messenger.bg",
    "com.example.messenger.fg",
    "com.example.stalker",
    "com.example.camera",
    "com.example.retrogame",
    "com.example.photoeditor",
    "com.example.oldweather",
    "com.example.devtool",
    "com.example.filemanager",
    "com.example.batterysaver",
    "com.example.smartwatch",
    "com.example.passwordmanager",
    "com.example.workdpc",
    "com.example.work.mail",
    "com.example.keyboard",
    "com.android.dialer",
    "com.android.contacts",
)


@pytest.fixture(scope="module")
def device() -> tuple[Snapshot, SyntheticTruth]:
    return generate(120, seed=11)


@pytest.fixture(scope="module")
def snapshot(device: tuple[Snapshot, SyntheticTruth]) -> Snapshot:
    return device[0]


@pytest.fixture(scope="module")
def truth(device: tuple[Snapshot, SyntheticTruth]) -> SyntheticTruth:
    return device[1]


def _text(snapshot: Snapshot, command_id: str) -> str:
    return decode_output(snapshot.outputs[command_id]).text


def _parser(name: str) -> ModuleType:
    """The parser module, or skip while another engineer has not landed it yet."""
    module: ModuleType = pytest.importorskip(f"auditor.parse.{name}")
    return module


# --------------------------------------------------------------------------------------------------
# Shape of the snapshot
# --------------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes() -> None:
    first, truth_a = generate(45, seed=5)
    second, truth_b = generate(45, seed=5)
    assert first.outputs == second.outputs
    assert first.manifest == second.manifest
    assert truth_a == truth_b
    other, _ = generate(45, seed=6)
    assert other.outputs["dumpsys_package"] != first.outputs["dumpsys_package"]


def test_personas_do_not_depend_on_n_apps() -> None:
    _, small = generate(MIN_APPS, seed=2)
    _, large = generate(300, seed=2)
    for package in ("com.example.stalker", "com.example.maps", "com.example.messenger.bg"):
        assert small.app(package) == large.app(package)


def test_manifest_lists_exactly_the_collectors_plan(snapshot: Snapshot) -> None:
    plan = full_plan([0, 10], with_apk_paths=True)
    manifest = snapshot.manifest
    assert [c.command for c in manifest.commands] == [p.command for p in plan]
    assert [(c.id, c.section, c.user) for c in manifest.commands] == [(p.id, p.section, p.user) for p in plan]
    assert manifest.source == "synthetic"
    assert manifest.users == (0, 10)
    assert manifest.complete
    device = manifest.device
    assert (device.model, device.manufacturer, device.android_release, device.sdk) == (
        "Synthetic Pixel",
        "Auditor",
        "14",
        34,
    )
    assert device.security_patch and device.fingerprint and device.fingerprint.startswith("auditor/")


def test_every_command_has_an_ok_output(snapshot: Snapshot) -> None:
    for record in snapshot.manifest.commands:
        blob = snapshot.outputs[record.id]
        assert blob, record.id
        assert record.status is CommandStatus.OK
        assert record.exit_code == 0
        assert record.bytes == len(blob)
        assert record.sha256 == sha256_hex(blob)


def test_write_synthetic_reads_back(tmp_path: Path) -> None:
    truth = write_synthetic(tmp_path / "snap", 40, seed=3)
    read = read_snapshot_dir(tmp_path / "snap")
    expected, expected_truth = generate(40, seed=3)
    assert read.manifest.notes == ()
    assert dict(read.outputs) == dict(expected.outputs)
    assert truth == expected_truth


def test_uids_are_unique_except_shared_users() -> None:
    _, truth = generate(2_000, seed=4)
    owners: dict[int, set[str]] = {}
    for app in truth.apps:
        owners.setdefault(app.uid, set()).add(app.shared_user or app.package)
        assert app.uid == app.user * 100_000 + app.app_id
    assert all(len(names) == 1 for names in owners.values())


def test_too_few_apps_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(MIN_APPS - 1)


def test_now_sets_the_device_clock() -> None:
    now = datetime(2025, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    snapshot, truth = generate(MIN_APPS, now=now)
    assert snapshot.outputs["date"] == b"1735787045\n"
    assert truth.now_epoch_s == 1735787045
    naive, _ = generate(MIN_APPS, now=now.replace(tzinfo=None))
    assert naive.outputs["date"] == snapshot.outputs["date"]


def test_size_counts_every_package() -> None:
    snapshot, truth = generate(400, seed=9)
    assert len(truth.packages) == 400
    per_app = len(snapshot.outputs["dumpsys_package"]) / 400
    assert 2_000 < per_app < 6_000
    assert len(truth.apps_for_user(10)) < len(truth.apps_for_user(0))


# --------------------------------------------------------------------------------------------------
# The personas mean what they say (checked on the truth; the round trip checks the text)
# --------------------------------------------------------------------------------------------------


def _granted(app: TruthApp, perm: str) -> bool:
    state = app.permission("android.permission." + perm)
    return state is not None and state.granted


def _flags(app: TruthApp, perm: str) -> tuple[str, ...]:
    state = app.permission("android.permission." + perm)
    assert state is not None, (app.package, perm)
    return state.flags


def _last(app: TruthApp, op: str) -> TruthAccess:
    entry = app.op(op)
    assert entry is not None and entry.last_access is not None, (app.package, op)
    return entry.last_access


def test_every_persona_is_present_at_the_minimum_size() -> None:
    _, truth = generate(MIN_APPS)
    assert len(truth.packages) == MIN_APPS
    present = {a.package for a in truth.apps}
    assert set(PERSONAS) <= present
    described = {p.package for p in truth.personas}
    assert set(PERSONAS) <= described


def test_persona_facts(truth: SyntheticTruth) -> None:
    flashlight = truth.app("com.example.flashlight")
    assert _granted(flashlight, "READ_CONTACTS") and _granted(flashlight, "ACCESS_FINE_LOCATION")
    assert flashlight.op("READ_CONTACTS") is not None
    assert any(o.op.startswith("MIUIOP(") for o in flashlight.ops)

    maps = truth.app("com.example.maps")
    assert maps.effective_mode("FINE_LOCATION") == "foreground"
    assert not _granted(maps, "ACCESS_BACKGROUND_LOCATION")
    fine = maps.op("FINE_LOCATION")
    assert fine is not None and fine.running and fine.last_background_access is None
    assert fine.last_reject is not None and fine.last_reject.state is AccessState.BACKGROUND

    bg = truth.app("com.example.messenger.bg")
    assert _last(bg, "RECORD_AUDIO").state is AccessState.BACKGROUND
    assert bg.effective_mode("RECORD_AUDIO") == "allow"
    fg = truth.app("com.example.messenger.fg")
    audio = fg.op("RECORD_AUDIO")
    assert audio is not None and audio.last_background_access is None
    assert fg.effective_mode("RECORD_AUDIO") == "foreground"
    assert truth.app("com.example.messenger.fg", 10).effective_mode("RECORD_AUDIO") == "ignore"

    stalker = truth.app("com.example.stalker")
    assert stalker.installer == "com.google.android.packageinstaller" and stalker.package_source == 4
    assert stalker.accessibility_services and stalker.notification_listeners and stalker.device_admin
    assert _granted(stalker, "ACCESS_BACKGROUND_LOCATION") and stalker.effective_mode("FINE_LOCATION") == "allow"
    assert {"SYSTEM_ALERT_WINDOW", "GET_USAGE_STATS"} <= set(stalker.appop_specials)
    for op in ("CAMERA", "FINE_LOCATION", "RECORD_AUDIO"):
        assert _last(stalker, op).state is AccessState.BACKGROUND

    dialer = truth.app("com.android.dialer")
    assert dialer.system and dialer.updated_system and "android.app.role.DIALER" in dialer.roles
    assert "GRANTED_BY_ROLE" in _flags(dialer, "READ_CALL_LOG")

    camera = truth.app("com.example.camera")
    assert "ONE_TIME" in _flags(camera, "ACCESS_FINE_LOCATION")
    assert _last(camera, "CAMERA").state is AccessState.FOREGROUND

    retro = truth.app("com.example.retrogame")
    assert retro.target_sdk == 22 and _granted(retro, "READ_CONTACTS")
    assert "REVOKED_COMPAT" in _flags(retro, "READ_CONTACTS") and retro.effective_mode("READ_CONTACTS") == "ignore"

    photos = truth.app("com.example.photoeditor")
    assert _granted(photos, "READ_MEDIA_VISUAL_USER_SELECTED") and not _granted(photos, "READ_MEDIA_IMAGES")
    camera_op = photos.op("CAMERA")
    assert camera_op is not None and camera_op.mode == "allow" and photos.effective_mode("CAMERA") == "ignore"

    assert "AUTO_REVOKED" in _flags(truth.app("com.example.oldweather"), "ACCESS_FINE_LOCATION")
    devtool = truth.app("com.example.devtool")
    assert devtool.debuggable and devtool.initiating_installer == "com.android.shell"
    assert {"MANAGE_EXTERNAL_STORAGE", "REQUEST_INSTALL_PACKAGES"} <= set(
        truth.app("com.example.filemanager").appop_specials
    )
    assert "GET_USAGE_STATS" in truth.app("com.example.batterysaver").appop_specials
    assert truth.app("com.example.smartwatch").notification_listeners
    assert truth.app("com.example.passwordmanager").accessibility_services
    dpc = truth.app("com.example.workdpc", 10)
    assert dpc.profile_owner and dpc.device_admin
    with pytest.raises(KeyError):
        truth.app("com.example.workdpc", 0)
    assert "POLICY_FIXED" in _flags(truth.app("com.example.work.mail", 10), "CAMERA")
    contacts = truth.app("com.android.contacts")
    assert contacts.shared_user == "android.uid.shared" and _granted(contacts, "READ_CONTACTS")


def test_the_device_covers_every_required_case(truth: SyntheticTruth) -> None:
    flags = {f for app in truth.apps for p in app.runtime_permissions for f in p.flags}
    assert {"USER_FIXED", "ONE_TIME", "AUTO_REVOKED", "REVOKED_COMPAT", "GRANTED_BY_ROLE", "POLICY_FIXED"} <= flags
    states: dict[str, set[AccessState]] = {}
    for app in truth.apps:
        for op in app.ops:
            if op.last_access:
                states.setdefault(op.op, set()).add(op.last_access.state)
            if op.last_background_access:
                states.setdefault(op.op, set()).add(AccessState.BACKGROUND)
    for name in ("CAMERA", "RECORD_AUDIO", "FINE_LOCATION", "COARSE_LOCATION"):
        assert states[name] == {AccessState.FOREGROUND, AccessState.BACKGROUND}, name
    specials = {op for app in truth.apps for op in app.appop_specials}
    assert {"SYSTEM_ALERT_WINDOW", "GET_USAGE_STATS", "REQUEST_INSTALL_PACKAGES", "MANAGE_EXTERNAL_STORAGE"} <= specials
    assert any(a.updated_system for a in truth.apps) and any(a.privileged for a in truth.apps)
    assert any(a.installer == "com.android.vending" and not a.system for a in truth.apps)
    proxied = [
        op.last_access
        for app in truth.apps
        for op in app.ops
        if op.last_access is not None and op.last_access.proxy is not None
    ]
    assert proxied
    assert {r.role.rsplit(".", 1)[1] for r in truth.roles} >= {"SMS", "DIALER", "ASSISTANT", "HOME", "BROWSER"}


# --------------------------------------------------------------------------------------------------
# Round trip: parse every output back and compare with the truth
# --------------------------------------------------------------------------------------------------


def _expand(component: str) -> str:
    """``pkg/.Cls`` → ``pkg/pkg.Cls`` (flattenToShortString undone)."""
    package, _, cls = component.partition("/")
    return f"{package}/{package}{cls}" if cls.startswith(".") else component


def _grants(grants: Iterable[ComponentGrant]) -> set[tuple[int, str]]:
    return {(g.user, _expand(g.component)) for g in grants}


def test_round_trip_dumpsys_package(snapshot: Snapshot, truth: SyntheticTruth) -> None:
    packages = _parser("packages")
    dump = packages.parse_dumpsys_package(_text(snapshot, "dumpsys_package"))
    assert not dump.truncated
    by_name = {p.package: p for p in dump.packages}
    assert sorted(by_name) == list(truth.packages)
    hidden = {p.package: p for p in dump.hidden_system_packages}
    shared = {s.name: s for s in dump.shared_users}
    for app in truth.apps:
        where = f"{app.package} (user {app.user})"
        parsed = by_name[app.package]
        assert not parsed.unknown, (where, parsed.unknown)
        assert (parsed.app_id, parsed.version_code, parsed.version_name) == (
            app.app_id,
            app.version_code,
            app.version_name,
        ), where
        assert (parsed.min_sdk, parsed.target_sdk, parsed.code_path) == (app.min_sdk, app.target_sdk, app.code_path)
        assert (parsed.installer, parsed.initiating_package, parsed.originating_package) == (
            app.installer,
            app.initiating_installer,
            app.originating_installer,
        ), where
        assert parsed.package_source == app.package_source, where
        assert parsed.shared_user == app.shared_user, where
        assert ("SYSTEM" in parsed.flags, "DEBUGGABLE" in parsed.flags, "UPDATED_SYSTEM_APP" in parsed.flags) == (
            app.system,
            app.debuggable,
            app.updated_system,
        ), where
        assert ("PRIVILEGED" in parsed.private_flags) == app.privileged, where
        assert parsed.last_update_time == app.last_update_time, where
        assert parsed.requested_permissions is not None
        assert [r.name for r in parsed.requested_permissions] == list(app.requested_permissions), where
        assert [(p.name, p.granted, p.flags) for p in parsed.install_permissions] == [
            (p.name, p.granted, p.flags) for p in app.install_permissions
        ], where
        user_state = next(u for u in parsed.users if u.user == app.user)
        assert (user_state.installed, user_state.enabled, user_state.first_install_time) == (
            True,
            app.enabled,
            app.first_install_time,
        ), where
        if app.shared_user is None:
            runtime = user_state.runtime_permissions
        else:
            su = shared[app.shared_user]
            assert su.app_id == app.app_id
            runtime = next((u.runtime_permissions for u in su.users if u.user == app.user), ())
            assert not user_state.runtime_permissions, where
        assert [(p.name, p.granted, p.flags) for p in runtime] == [
            (p.name, p.granted, p.flags) for p in app.runtime_permissions
        ], where
        if app.updated_system:
            factory = hidden[app.package]
            assert factory.hidden_system and factory.version_code == app.factory_version_code, where
            assert "UPDATED_SYSTEM_APP" not in factory.flags
        else:
            assert app.package not in hidden, where
    # Packages installed for no user of a kind are still dumped, with installed=false there.
    for parsed in dump.packages:
        installed = {u.user for u in parsed.users if u.installed}
        assert installed == {a.user for a in truth.apps if a.package == parsed.package}, parsed.package


def test_round_trip_pm_list_packages(snapshot: Snapshot, truth: SyntheticTruth) -> None:
    packages = _parser("packages")
    for user in USERS:
        listed = packages.parse_pm_list_packages(_text(snapshot, f"pm_list_packages.u{user}"))
        assert not listed.unknown
        got = {p.package: p for p in listed.packages}
        apps = {a.package: a for a in truth.apps_for_user(user)}
        assert sorted(got) == sorted(apps)
        for name, app in apps.items():
            entry = got[name]
            assert (entry.path, entry.version_code, entry.installer, entry.uid) == (
                app.apk_paths[0],
                app.version_code,
                app.installer,
                app.uid,
            ), (name, user)


def _newest(events: Iterable[OpEvent]) -> OpEvent | None:
    timed = [e for e in events if e.ago_ms is not None]
    return min(timed, key=lambda e: e.ago_ms or 0) if timed else None


def _same_access(got: OpEvent | None, want: TruthAccess | None, where: str) -> None:
    if want is None:
        assert got is None, where
        return
    assert got is not None, where
    background = got.uid_state_raw in ("bg", "cch")
    assert (got.time, got.ago_ms, got.uid_state_raw, got.flags) == (
        want.time,
        want.ago_ms,
        want.uid_state,
        want.flags,
    ), where
    assert (AccessState.BACKGROUND if background else AccessState.FOREGROUND) is want.state, where
    assert (got.attribution_tag, got.proxy, got.duration_ms) == (want.attribution_tag, want.proxy, want.duration_ms)


def test_round_trip_dumpsys_appops(snapshot: Snapshot, truth: SyntheticTruth) -> None:
    appops = _parser("appops")
    parsed = appops.parse_dumpsys_appops(_text(snapshot, "dumpsys_appops"))
    assert not parsed.truncated
    by_uid = {u.uid: u for u in parsed.uids}
    for app in truth.apps:
        where = f"{app.package} (user {app.user})"
        uid_ops = by_uid[app.uid]
        assert not uid_ops.unknown, (where, uid_ops.unknown)
        assert dict(uid_ops.uid_modes) == dict(app.uid_modes), where
        package_ops = next((p for p in uid_ops.packages if p.package == app.package), None)
        got: dict[str, OpEntry] = {o.op: o for o in package_ops.ops} if package_ops else {}
        assert sorted(got) == sorted(o.op for o in app.ops), where
        for want in app.ops:
            entry = got[want.op]
            at = f"{where} {want.op}"
            assert (entry.mode, entry.switch, entry.running) == (want.mode, want.switch, want.running), at
            accesses = [e for e in entry.events if e.kind is OpEventKind.ACCESS]
            _same_access(_newest(accesses), want.last_access, at + " newest access")
            background = [e for e in accesses if e.uid_state_raw in ("bg", "cch")]
            _same_access(_newest(background), want.last_background_access, at + " newest background access")
            rejects = [e for e in entry.events if e.kind is OpEventKind.REJECT]
            _same_access(_newest(rejects), want.last_reject, at + " newest reject")


def test_round_trip_discrete_history(snapshot: Snapshot, truth: SyntheticTruth) -> None:
    """Every line of the discrete history parses back to exactly what the generator wrote, in order."""
    appops = _parser("appops")
    parsed = appops.parse_discrete_history(_text(snapshot, "appops_discrete"))
    assert parsed.status is HistoryStatus.READ and not parsed.truncated and parsed.unknown == ()
    assert parsed.largest_chain_id == truth.largest_chain_id == 41
    got: dict[tuple[int, str], list[TruthDiscreteAccess]] = {}
    for e in parsed.events:
        got.setdefault((e.uid, e.package), []).append(
            TruthDiscreteAccess(
                e.op,
                e.time,
                e.uid_state_raw,
                e.flags,
                e.attribution_tag,
                e.duration_ms,
                e.attribution_flags,
                e.chain_id,
            )
        )
    want = {(a.uid, a.package): list(a.history) for a in truth.apps if a.history}
    assert got == want
    assert sum(len(h) for h in want.values()) == len(parsed.events) > 100


def test_the_history_holds_the_stories(truth: SyntheticTruth) -> None:
    """What the discrete history is there to show, checked on the truth (the round trip checks the text)."""

    def lines(package: str, op: str, user: int = 0) -> list[TruthDiscreteAccess]:
        return [h for h in truth.app(package, user).history if h.op == op]

    stalker = truth.app("com.example.stalker")
    cam = lines("com.example.stalker", "CAMERA")
    newest_cch = stalker.op("CAMERA")
    assert newest_cch is not None and newest_cch.last_background_access is not None
    # A camera session last night that the regular dump replaced with a newer access of its key.
    night = [h for h in cam if h.time == "2024-06-02 01:12:00.000"]
    assert [(h.uid_state, h.duration_ms) for h in night] == [("cch", None), ("cch", 360_000)]
    assert newest_cch.last_background_access.time.startswith("2024-06-03 12:57")
    # Night-time recordings in the background: 2 h 5 min in 6 sessions, the longest 52 min at 01:40.
    mic = [h for h in lines("com.example.stalker", "RECORD_AUDIO") if h.duration_ms is not None]
    assert [(h.time[11:16], h.duration_ms // 60_000) for h in mic if h.duration_ms] == [
        ("00:50", 8),
        ("03:20", 12),
        ("01:05", 18),
        ("02:10", 20),
        ("01:40", 52),
        ("14:45", 15),
    ]
    assert all(h.uid_state == "bg" for h in mic) and sum(h.duration_ms or 0 for h in mic) == 125 * 60_000
    # The work profile's camera use (uid 10xxxxx) and an access through a proxy (flags tpd).
    work = lines("com.example.messenger.fg", "CAMERA", 10)
    assert [(h.uid_state, h.duration_ms) for h in work] == [("top", None), ("top", 60_000)]
    assert truth.app("com.example.messenger.fg", 10).uid // 100_000 == 10
    assert [h.flags for h in lines("com.example.maps", "FINE_LOCATION") if h.flags != ("s",)] == [("tpd",)]
    # One attribution chain: the assistant's speech service (accessor) for the messenger (receiver).
    chained = [
        (a.package, h.attribution_flags, h.chain_id)
        for a in truth.apps
        for h in a.history
        if h.chain_id is not None and h.duration_ms is None
    ]
    assert chained == [
        ("com.example.messenger.fg", 12, 41),
        ("com.google.android.googlequicksearchbox", 9, 41),
    ]
    # Nothing older than the 7-day retention, no untrusted proxy, only the discrete ops.
    assert all(h.time >= "2024-05-27 15:11" for a in truth.apps for h in a.history)
    assert not [h for a in truth.apps for h in a.history if "upd" in h.flags or h.op == "READ_CONTACTS"]
    assert not [h for h in lines("com.example.stalker", "FINE_LOCATION") if h.time.startswith("2024-05-25")]


def test_round_trip_special_accesses(snapshot: Snapshot, truth: SyntheticTruth) -> None:
    accessibility = _parser("accessibility")
    notification = _parser("notification")
    device_policy = _parser("device_policy")
    settings = _parser("settings")
    a11y = accessibility.parse_dumpsys_accessibility(_text(snapshot, "dumpsys_accessibility"))
    want_a11y = {(a.user, c) for a in truth.apps for c in a.accessibility_services}
    assert _grants(a11y.enabled) == want_a11y
    listeners = notification.parse_dumpsys_notification_listeners(_text(snapshot, "dumpsys_notification"))
    want_listeners = {(a.user, c) for a in truth.apps for c in a.notification_listeners}
    assert _grants(listeners.allowed) == want_listeners
    assert _grants(listeners.assistants) == set(truth.notification_assistants)
    policy = device_policy.parse_dumpsys_device_policy(_text(snapshot, "dumpsys_device_policy"))
    want_admins = {(a.user, a.device_admin) for a in truth.apps if a.device_admin}
    assert _grants(policy.admins) == want_admins
    assert policy.device_owner is None
    assert _grants(policy.profile_owners) == {(a.user, a.device_admin) for a in truth.apps if a.profile_owner}
    for user in USERS:
        secure = settings.parse_settings(_text(snapshot, f"settings_secure.u{user}")).values
        apps = truth.apps_for_user(user)
        enabled = settings.parse_component_list(secure["enabled_accessibility_services"], user)
        assert _grants(enabled) == {(user, c) for a in apps for c in a.accessibility_services}
        nls = settings.parse_component_list(secure["enabled_notification_listeners"], user)
        assert _grants(nls) == {(user, c) for a in apps for c in a.notification_listeners}
        imes = settings.parse_input_methods(secure["enabled_input_methods"], user)
        assert _grants(imes) == {(user, c) for a in apps for c in a.input_methods}
        defaults = [c for a in apps if a.default_input_method for c in a.input_methods]
        assert [secure["default_input_method"]] == defaults
        assert secure["accessibility_enabled"] == ("1" if any(a.accessibility_services for a in apps) else "0")


def test_round_trip_roles_users_props_date_paths(snapshot: Snapshot, truth: SyntheticTruth) -> None:
    roles = _parser("roles")
    users = _parser("users")
    props = _parser("props")
    parsed_roles = roles.parse_dumpsys_role(_text(snapshot, "dumpsys_role"))
    assert not parsed_roles.unknown
    assert set(parsed_roles.holders) == set(truth.roles)
    assert {(r.user, r.role, r.package) for r in truth.roles} == {
        (a.user, role, a.package) for a in truth.apps for role in a.roles
    }
    parsed_users = users.parse_pm_list_users(_text(snapshot, "pm_list_users"))
    assert [(u.id, u.name, u.flags, u.running) for u in parsed_users.users] == [
        (u.id, u.name, u.flags, True) for u in truth.users
    ]
    values = props.parse_getprop(_text(snapshot, "getprop")).values
    device = truth.device
    assert values["ro.product.model"] == device.model
    assert values["ro.product.manufacturer"] == device.manufacturer
    assert values["ro.build.version.release"] == device.android_release
    assert values["ro.build.version.sdk"] == str(device.sdk)
    assert values["ro.build.version.security_patch"] == device.security_patch
    assert values["ro.build.fingerprint"] == device.fingerprint
    assert values["persist.sys.timezone"] == truth.timezone
    assert "\n" in values["persist.sys.boot.reason.history"]
    assert int(_text(snapshot, "date")) == truth.now_epoch_s

    from auditor.parse.markers import split_marked

    for user in USERS:
        paths: dict[str, list[str]] = {}
        for part in split_marked(_text(snapshot, f"pm_path.u{user}")):
            assert part.keys["user"] == str(user)
            paths[part.keys["package"]] = [line.removeprefix("package:") for line in part.text.splitlines()]
        assert paths == {a.package: list(a.apk_paths) for a in truth.apps_for_user(user)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_round_trip_holds_for_other_seeds(seed: int) -> None:
    """A smaller device per seed, through the two densest parsers (packages, app-ops)."""
    snapshot, truth = generate(70, seed=seed)
    test_round_trip_dumpsys_package(snapshot, truth)
    test_round_trip_dumpsys_appops(snapshot, truth)
    test_round_trip_discrete_history(snapshot, truth)
