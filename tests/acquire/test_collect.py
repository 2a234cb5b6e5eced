"""Live collection against the simulator over the real protocol: read-only, constant round trips,
honest statuses, dropped connections, resume."""

from __future__ import annotations

import hashlib
import json
import stat
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from auditor.acquire import collect as collect_module
from auditor.acquire.adb import AcquireError, AuthorizationError, DeviceTarget, ResumeError
from auditor.acquire.adb.exitcode import unwrap_command
from auditor.acquire.collect import collect
from auditor.acquire.outcome import classify
from auditor.acquire.plan import PlannedCommand, base_plan, full_plan, is_read_only
from auditor.model import CommandStatus, NoteLevel, Snapshot
from auditor.simulator import Simulator
from auditor.simulator.fixture import build_snapshot
from auditor.snapshot import read_snapshot_dir
from tests.simulator.helpers import free_port, shared_key


@dataclass
class RecordingObserver:
    events: list[tuple[str, object]] = field(default_factory=list)

    def start(self, task: str, total: int | None = None) -> None:
        self.events.append(("start", total))

    def advance(self, step: int = 1, detail: str = "") -> None:
        self.events.append(("advance", step))

    def say(self, message: str) -> None:
        self.events.append(("say", message))

    def finish(self) -> None:
        self.events.append(("finish", None))


def _sim(snapshot: Snapshot, **options: object) -> Simulator:
    return Simulator(snapshot, auth="accept", known_keys=[shared_key().public_line], **options)  # type: ignore[arg-type]


def _collect(sim: Simulator, out: Path, **options: object) -> collect_module.SnapshotManifest:
    return collect(DeviceTarget.tcp(sim.address), out, key=shared_key(), **options)  # type: ignore[arg-type]


def _inner(sim: Simulator, start: int = 0) -> list[str]:
    return [unwrap_command(c)[0] for c in sim.commands_received[start:]]


# -- read-only, complete, fast ---------------------------------------------------------------------


def test_full_collection_sends_only_plan_commands(tmp_path: Path) -> None:
    snap = build_snapshot(25, users=(0, 10))
    with _sim(snap) as sim:
        manifest = _collect(sim, tmp_path / "s", with_apk_paths=True)
    plan = full_plan([0, 10], with_apk_paths=True)
    allowed = {c.command for c in plan}
    nonces = set()
    for sent in sim.commands_received:
        inner, nonce = unwrap_command(sent)
        assert inner in allowed, f"sent a command outside the plan: {sent!r}"
        assert is_read_only(inner)
        nonces.add(nonce)
    assert len(nonces) == 1 and None not in nonces
    assert sorted(_inner(sim)) == sorted(allowed)  # each exactly once
    assert sim.stats.connections == 1  # one connection for the whole collection

    assert manifest.complete and manifest.source == "adb-tcp" and manifest.users == (0, 10)
    assert [c.id for c in manifest.commands] == [c.id for c in plan]
    for rec in manifest.commands:
        blob = (tmp_path / "s" / rec.output).read_bytes()
        assert blob == snap.outputs[rec.id]  # verbatim: the wrapper's tag is gone
        assert (rec.status, rec.exit_code, rec.bytes) == (CommandStatus.OK, 0, len(blob))
        assert rec.sha256 == hashlib.sha256(blob).hexdigest() and rec.seconds >= 0
    dev = manifest.device
    assert (dev.model, dev.manufacturer, dev.android_release, dev.sdk, dev.security_patch) == (
        "Simulated Pixel",
        "Google",
        "14",
        34,
        "2024-01-05",
    )
    assert (dev.serial, dev.timezone) == ("SIM0001", "Europe/Berlin")
    reread = read_snapshot_dir(tmp_path / "s")
    assert reread.manifest.complete and all(n.level is NoteLevel.INFO for n in reread.manifest.notes)


def test_round_trips_do_not_grow_with_apps(tmp_path: Path) -> None:
    sent: dict[int, list[str]] = {}
    for n in (10, 200):
        with _sim(build_snapshot(n)) as sim:
            manifest = _collect(sim, tmp_path / f"s{n}")
        assert manifest.complete
        sent[n] = _inner(sim)
    assert sent[10] == sent[200]
    assert len(sent[200]) == len(full_plan([0]))


def test_progress_reaches_the_plan_size(tmp_path: Path) -> None:
    obs = RecordingObserver()
    with _sim(build_snapshot(3, users=(0, 10))) as sim:
        _collect(sim, tmp_path / "s", observer=obs)
    starts = [total for kind, total in obs.events if kind == "start"]
    assert starts[-1] == len(full_plan([0, 10]))
    last_start = max(i for i, e in enumerate(obs.events) if e[0] == "start")
    advanced = sum(int(n) for kind, n in obs.events[last_start:] if kind == "advance")  # type: ignore[call-overload]
    assert advanced == len(full_plan([0, 10]))
    assert obs.events[-1] == ("finish", None)


# -- honest statuses -------------------------------------------------------------------------------


def test_denied_and_failed_are_recorded_and_collection_goes_on(tmp_path: Path) -> None:
    snap = build_snapshot(
        4,
        statuses={
            "dumpsys_appops": (CommandStatus.DENIED, 255, b"Permission Denial: can't dump AppOps from uid=2000\n"),
            "dumpsys_device_policy": (
                CommandStatus.OK,
                0,
                b"Permission Denial: can't dump DevicePolicyManagerService from pid=42, uid=2000\n",
            ),
            "dumpsys_role": (CommandStatus.FAILED, 3, b"Error: something broke\n"),
            "settings_system.u0": (CommandStatus.FAILED, 1, b"/system/bin/sh: settings: inaccessible or not found\n"),
        },
    )
    with _sim(snap) as sim:
        manifest = _collect(sim, tmp_path / "s")
    by_id = {c.id: c for c in manifest.commands}
    assert (by_id["dumpsys_appops"].status, by_id["dumpsys_appops"].exit_code) == (CommandStatus.DENIED, 255)
    assert by_id["dumpsys_appops"].error == "Permission Denial: can't dump AppOps from uid=2000"
    assert by_id["dumpsys_device_policy"].status is CommandStatus.DENIED  # dumpsys exits 0 when it refuses
    assert (by_id["dumpsys_role"].status, by_id["dumpsys_role"].exit_code) == (CommandStatus.FAILED, 3)
    assert by_id["settings_system.u0"].status is CommandStatus.DENIED
    assert (tmp_path / "s" / "raw" / "dumpsys_role.txt").read_bytes() == b"Error: something broke\n"
    others = [
        c
        for c in manifest.commands
        if c.id not in {"dumpsys_appops", "dumpsys_device_policy", "dumpsys_role", "settings_system.u0"}
    ]
    assert all(c.status is CommandStatus.OK for c in others)
    assert manifest.complete  # every command ran; the statuses say which did not succeed


@pytest.mark.parametrize(
    ("output", "code", "status"),
    [
        (b"ok\n", 0, CommandStatus.OK),
        (b"", 0, CommandStatus.OK),
        (b"x" * 5000 + b"\nPermission Denial: one section only\n", 0, CommandStatus.OK),
        (b"Can't find service: role\n", 0, CommandStatus.DENIED),
        (b"/system/bin/sh: cmd: not found\n", 127, CommandStatus.DENIED),
        (b"java.lang.SecurityException: nope\n", 255, CommandStatus.DENIED),
        (b"Error: user 10 not found\n", 1, CommandStatus.FAILED),
        (b"half an outp", None, CommandStatus.FAILED),
    ],
)
def test_classify(output: bytes, code: int | None, status: CommandStatus) -> None:
    assert classify(output, code)[0] is status


def _short_timeouts(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    def shorten(plan: list[PlannedCommand]) -> list[PlannedCommand]:
        return [replace(c, timeout_s=min(c.timeout_s, seconds)) for c in plan]

    monkeypatch.setattr(collect_module, "base_plan", lambda: shorten(base_plan()))
    monkeypatch.setattr(collect_module, "full_plan", lambda *a, **k: shorten(full_plan(*a, **k)))


def test_silent_command_times_out_and_collection_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _short_timeouts(monkeypatch, 0.4)
    snap = build_snapshot(3, statuses={"dumpsys_accessibility": (CommandStatus.TIMEOUT, None, b"")})
    with _sim(snap) as sim:
        manifest = _collect(sim, tmp_path / "s")
    by_id = {c.id: c for c in manifest.commands}
    assert by_id["dumpsys_accessibility"].status is CommandStatus.TIMEOUT
    assert all(c.status is CommandStatus.OK for c in manifest.commands if c.id != "dumpsys_accessibility")
    assert manifest.complete
    assert sim.stats.connections == 2  # reconnected once to leave the stuck stream behind


def test_pm_list_users_failing_falls_back_to_user_0(tmp_path: Path) -> None:
    snap = build_snapshot(2, statuses={"pm_list_users": (CommandStatus.FAILED, 1, b"Error\n")})
    with _sim(snap) as sim:
        manifest = _collect(sim, tmp_path / "s")
    assert manifest.users == (0,)
    assert any(n.section == "pm_list_users" and n.level is NoteLevel.PARTIAL for n in manifest.notes)
    assert "pm_list_packages.u0" in {c.id for c in manifest.commands}


# -- dropped connections and resume ---------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 5, 15])  # getprop; pm list users; dumpsys appops; a user-10 command
def test_drop_at_command_then_resume_sends_only_the_missing(tmp_path: Path, k: int) -> None:
    snap = build_snapshot(8, users=(0, 10))
    out = tmp_path / "s"
    with _sim(snap, drop_at_command=k) as sim:
        partial = _collect(sim, out)
        assert not partial.complete
        statuses = [c.status for c in partial.commands]
        assert statuses[: k - 1] == [CommandStatus.OK] * (k - 1)
        assert statuses[k - 1] is CommandStatus.FAILED
        assert all(s is CommandStatus.SKIPPED for s in statuses[k:])
        for rec in partial.commands[: k - 1]:
            assert (out / rec.output).read_bytes() == snap.outputs[rec.id]  # finished outputs intact
        assert any(n.level is NoteLevel.PARTIAL and "--resume" in n.message for n in partial.notes)
        on_disk = json.loads((out / "manifest.json").read_text())
        assert on_disk["complete"] is False

        first_run = len(sim.commands_received)
        done = _collect(sim, out, resume=True)
    assert done.complete
    assert all(c.status is CommandStatus.OK for c in done.commands)
    resent = _inner(sim, first_run)
    # The identity is read again first (is it the same phone?), then nothing finished is redone.
    assert resent[:2] == ["getprop", "cat /proc/sys/kernel/random/boot_id"]
    assert resent[2:] == [c.command for c in full_plan([0, 10])[k - 1 :]]
    assert not any(n.level is NoteLevel.PARTIAL for n in done.notes)
    for rec in done.commands:
        assert (out / rec.output).read_bytes() == snap.outputs[rec.id]


def test_drop_mid_output_returns_fast_keeps_bytes_and_uses_little_cpu(tmp_path: Path) -> None:
    snap = build_snapshot(400)  # dumpsys_package is ~1.1 MB: 18 WRTEs of 64 KiB, as a phone sends
    out = tmp_path / "s"
    with _sim(snap, drop_after_bytes=600_000, maxdata=64 * 1024) as sim:
        cpu, wall = time.process_time(), time.monotonic()
        partial = _collect(sim, out)
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        by_id = {c.id: c for c in partial.commands}
        cut = by_id["dumpsys_package"]
        assert cut.status is CommandStatus.FAILED and "closed the connection" in (cut.error or "")
        kept = (out / cut.output).read_bytes()
        assert 0 < len(kept) < len(snap.outputs["dumpsys_package"])
        assert snap.outputs["dumpsys_package"].startswith(kept)  # what arrived is kept, verbatim
        assert not partial.complete
        # Loose bound: the plan allows this command 300 s of silence; a client spinning on the dead
        # socket would burn CPU for all of it (adb-shell's own transport does).
        assert cpu < 20 and wall < 60
        done = _collect(sim, out, resume=True)
    assert done.complete
    assert (out / "raw" / "dumpsys_package.txt").read_bytes() == snap.outputs["dumpsys_package"]


def test_resume_redoes_an_output_altered_on_disk(tmp_path: Path) -> None:
    snap = build_snapshot(3)
    out = tmp_path / "s"
    with _sim(snap) as sim:
        first = _collect(sim, out)
        assert first.complete
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["complete"] = False
        (out / "manifest.json").write_text(json.dumps(manifest))
        (out / "raw" / "date.txt").write_bytes(b"tampered\n")
        before = len(sim.commands_received)
        done = _collect(sim, out, resume=True)
    assert _inner(sim, before) == ["getprop", "cat /proc/sys/kernel/random/boot_id", "date +%s"]  # identity, then redo
    assert done.complete and (out / "raw" / "date.txt").read_bytes() == snap.outputs["date"]


def test_resume_of_a_complete_snapshot_needs_no_device(tmp_path: Path) -> None:
    with _sim(build_snapshot(2)) as sim:
        assert _collect(sim, tmp_path / "s").complete
    on_disk = (tmp_path / "s" / "manifest.json").read_bytes()
    gone = DeviceTarget.tcp(f"127.0.0.1:{free_port()}")
    again = collect(gone, tmp_path / "s", resume=True, key=shared_key())
    assert again.complete and (tmp_path / "s" / "manifest.json").read_bytes() == on_disk


def test_out_dir_checks(tmp_path: Path) -> None:
    target = DeviceTarget.tcp(f"127.0.0.1:{free_port()}")
    with pytest.raises(ResumeError, match="no snapshot to resume"):
        collect(target, tmp_path, resume=True, key=shared_key())
    (tmp_path / "other.txt").write_text("x")
    with pytest.raises(AcquireError, match="not empty"):
        collect(target, tmp_path, key=shared_key())
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(AcquireError, match="already holds a snapshot"):
        collect(target, tmp_path, key=shared_key())
    with pytest.raises(ResumeError, match="cannot resume"):
        collect(target, tmp_path, resume=True, key=shared_key())


# -- first connection: keys and the user's approval ------------------------------------------------


def test_first_connection_creates_key_and_asks_the_user(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    obs = RecordingObserver()
    with Simulator(build_snapshot(2), auth="prompt-accept") as sim:
        manifest = collect(DeviceTarget.tcp(sim.address), tmp_path / "s", keys_dir=keys, observer=obs)
        assert manifest.complete
        assert stat.S_IMODE((keys / "adbkey").stat().st_mode) == 0o600
        said = [m for kind, m in obs.events if kind == "say"]
        assert said == ["Unlock the phone and allow USB debugging for this computer (waiting up to 60 s)."]
        # Allowed once ("always allow"): the same key connects again without asking.
        obs2 = RecordingObserver()
        collect(DeviceTarget.tcp(sim.address), tmp_path / "s2", keys_dir=keys, observer=obs2)
        assert not [m for kind, m in obs2.events if kind == "say"]
        assert sim.stats.auth_prompts == 1


def test_refused_authorization_is_an_error_within_the_bound(tmp_path: Path) -> None:
    with Simulator(build_snapshot(1), auth="refuse") as sim:
        with pytest.raises(AuthorizationError, match="did not allow USB debugging"):
            collect(DeviceTarget.tcp(sim.address), tmp_path / "s", key=shared_key(), auth_timeout_s=0.3)
        assert sim.commands_received == []
    assert not (tmp_path / "s").exists()


def test_latency_is_paid_per_command_not_per_app(tmp_path: Path) -> None:
    """With 2 ms per round trip the plan costs about the same for 10 and 300 apps (no time assert:
    the packets exchanged are counted instead)."""
    packets = {}
    for n in (10, 300):
        with _sim(build_snapshot(n), latency_s=0.002) as sim:
            assert _collect(sim, tmp_path / f"s{n}").complete
            packets[n] = sim.stats.packets_in
    assert packets[10] == packets[300]
