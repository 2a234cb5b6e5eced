"""``--apks``: choosing, hashing on the device, pulling only what is new, the manifest's APK index.

Collections run against the simulator over the real ADB protocol, with the synthetic device's own
APKs (``auditor.acquire.synthetic.apks``) served at the paths its ``pm path`` prints; what was pulled
is read from the device's side (its log of sync requests), not from the collector's word.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import shlex
from pathlib import Path

import pytest

from auditor.acquire.adb import DeviceTarget
from auditor.acquire.adb.exitcode import unwrap_command
from auditor.acquire.apks import (
    ApkChoice,
    ApkSelection,
    choose_apks,
    is_third_party,
    parse_sha256sum,
)
from auditor.acquire.collect import collect
from auditor.acquire.plan import (
    APK_HASH_BATCH_CHARS,
    apk_hash_plan,
    full_plan,
    hashable_path,
    is_read_only,
)
from auditor.acquire.resume import resume_command
from auditor.acquire.synthetic import SyntheticTruth, generate
from auditor.acquire.synthetic.apks import synthetic_apks
from auditor.apk import ApkCache, analyse_apks
from auditor.model import (
    ApkRef,
    ApkRefStatus,
    CommandStatus,
    NoteLevel,
    ParsedPackage,
    ParsedPackageDump,
    Snapshot,
    SnapshotManifest,
)
from auditor.parse.pm_path import PackagePaths
from auditor.simulator import Answer, SimFile, Simulator
from auditor.simulator.fixture import build_snapshot
from auditor.snapshot import manifest_from_json, manifest_to_json, read_snapshot_dir, snapshot_digest
from tests.simulator.helpers import FakeAdbServer, FakeDevice, shared_key

N_APPS = 40


@functools.cache
def device() -> tuple[Snapshot, SyntheticTruth]:
    """The synthetic device every test here collects (generated once: ~30 ms)."""
    return generate(N_APPS, seed=11)


@functools.cache
def device_apks(include_system: bool) -> dict[str, bytes]:
    return synthetic_apks(device()[1], include_system=include_system)


def third_party_paths(truth: SyntheticTruth) -> set[str]:
    return {p for a in truth.apps if not a.system for p in a.apk_paths}


def sim_for(files: dict[str, bytes | SimFile], snapshot: Snapshot | None = None, **options: object) -> Simulator:
    return Simulator(
        snapshot or device()[0],
        auth="accept",
        known_keys=[shared_key().public_line],
        files=files,
        **options,  # type: ignore[arg-type]
    )


def collect_apks(
    sim: Simulator, out: Path, cache: ApkCache, selection: ApkSelection = ApkSelection.THIRD_PARTY, **options: object
) -> SnapshotManifest:
    return collect(
        DeviceTarget.tcp(sim.address),
        out,
        key=shared_key(),
        apks=selection,
        apk_cache=cache,
        **options,  # type: ignore[arg-type]
    )


def received(sim: Simulator, verb: str, start: int = 0) -> list[str]:
    return [path for v, path in sim.sync_requests[start:] if v == verb]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_files(out: Path) -> set[str]:
    return {p.name for p in (out / "apks").iterdir()} if (out / "apks").is_dir() else set()


# -- collection against the simulator ----------------------------------------------------------------


def test_third_party_pulls_exactly_the_third_party_apks(tmp_path: Path) -> None:
    _snapshot, truth = device()
    files = device_apks(False)
    expected = third_party_paths(truth)
    assert expected and expected <= set(files)
    with sim_for(dict(files)) as sim:
        manifest = collect_apks(sim, tmp_path / "s", ApkCache(tmp_path / "cache"))
    assert manifest.complete

    # Pulled: every third-party APK once (base and splits), nothing else; sync asked only STAT and RECV.
    pulled = received(sim, "RECV")
    assert sorted(pulled) == sorted(expected)
    assert {verb for verb, _ in sim.sync_requests} == {"STAT", "RECV"}
    # An updated system app lives in /data/app too, and is not third-party.
    chrome = truth.app("com.android.chrome")
    assert chrome.apk_paths[0].startswith("/data/app/") and not set(chrome.apk_paths) & set(pulled)

    # Stored by content, verified; indexed per user, package and path.
    assert stored_files(tmp_path / "s") == {f"{sha(files[p])}.apk" for p in expected}
    for name in stored_files(tmp_path / "s"):
        assert sha((tmp_path / "s" / "apks" / name).read_bytes()) + ".apk" == name
    want = {(a.user, a.package, p) for a in truth.apps if not a.system for p in a.apk_paths}
    assert {(r.user, r.package, r.path) for r in manifest.apks} == want
    for ref in manifest.apks:
        assert (ref.status, ref.sha256, ref.size) == (ApkRefStatus.STORED, sha(files[ref.path]), len(files[ref.path]))
        assert ref.file == f"apks/{ref.sha256}.apk"

    # Every command sent is a declared plan command: the plan's apk_hashes loops (one per user, sent by every
    # collection) hashed every third-party APK, so --apks sent no hashing command of its own.
    allowed = {c.command for c in full_plan(manifest.users, with_apk_paths=True)}
    for sent in sim.commands_received:
        inner, _nonce = unwrap_command(sent)
        assert is_read_only(inner) and inner in allowed, inner[:80]
    assert not any(c.id.startswith("apk_sha256") for c in manifest.commands)
    loops = [c for c in manifest.commands if c.id.startswith("apk_hashes.")]
    assert [(c.id, c.status) for c in loops] == [
        ("apk_hashes.u0", CommandStatus.OK),
        ("apk_hashes.u10", CommandStatus.OK),
    ]

    # The index survives manifest.json, and is part of the evidence digest.
    again = read_snapshot_dir(tmp_path / "s")
    assert again.manifest.apks == manifest.apks
    assert snapshot_digest(manifest) != snapshot_digest(dataclasses.replace(manifest, apks=()))
    assert any(n.section == "apks" and "0 failed" in n.message for n in manifest.notes)


def test_all_pulls_system_apps_too(tmp_path: Path) -> None:
    _snapshot, truth = device()
    files = device_apks(True)
    with sim_for(dict(files)) as sim:
        manifest = collect_apks(sim, tmp_path / "s", ApkCache(tmp_path / "cache"), ApkSelection.ALL)
    every = {p for a in truth.apps for p in a.apk_paths}
    assert sorted(received(sim, "RECV")) == sorted(every)
    assert {r.status for r in manifest.apks} == {ApkRefStatus.STORED}
    assert any(r.package == "com.android.settings" for r in manifest.apks)


def test_a_warm_cache_pulls_nothing(tmp_path: Path) -> None:
    files = device_apks(False)
    cache = ApkCache(tmp_path / "cache")
    with sim_for(dict(files)) as sim:
        first = collect_apks(sim, tmp_path / "one", cache)
        # The audit analyses what was pulled and fills the cache (here in-process, for speed).
        analyse_apks(sorted((tmp_path / "one" / "apks").iterdir()), cache=cache, isolate=False)
        mark = len(sim.sync_requests)
        second = collect_apks(sim, tmp_path / "two", cache)
    assert received(sim, "RECV", mark) == [] and received(sim, "STAT", mark) == []
    assert stored_files(tmp_path / "two") == set()
    assert [(r.user, r.package, r.path, r.sha256) for r in second.apks] == [
        (r.user, r.package, r.path, r.sha256) for r in first.apks
    ]
    assert {r.status for r in second.apks} == {ApkRefStatus.CACHED}
    assert all(r.size == len(files[r.path]) for r in second.apks)  # sizes come from the cache


def test_a_hash_mismatch_is_refused_and_the_rest_goes_on(tmp_path: Path) -> None:
    files = device_apks(False)
    with sim_for(dict(files)) as sim:
        honest = collect_apks(sim, tmp_path / "honest", ApkCache(tmp_path / "c1"))
    command = next(c for c in honest.commands if c.id == "apk_hashes.u0").command
    output = (tmp_path / "honest" / "raw" / "apk_hashes.u0.txt").read_text()
    victim = next(r for r in honest.apks if r.package == "com.example.flashlight" and r.path.endswith("base.apk"))
    lie = "0" * 64
    assert victim.sha256 is not None
    lying = output.replace(f"{victim.sha256}  {victim.path}", f"{lie}  {victim.path}")
    assert lying != output
    with sim_for(dict(files), overrides={command: Answer(lying.encode())}) as sim:
        manifest = collect_apks(sim, tmp_path / "s", ApkCache(tmp_path / "c2"))
    ref = next(r for r in manifest.apks if r.path == victim.path)
    assert ref.status is ApkRefStatus.FAILED and ref.sha256 == lie
    assert ref.error is not None and "not stored" in ref.error and victim.sha256 in ref.error
    assert f"{victim.sha256}.apk" not in stored_files(tmp_path / "s")  # refused, never stored
    assert f"{lie}.apk" not in stored_files(tmp_path / "s")
    others = [r for r in manifest.apks if r.path != victim.path]
    assert others and all(r.status is ApkRefStatus.STORED for r in others)
    assert manifest.complete
    note = next(n for n in manifest.notes if n.level is NoteLevel.PARTIAL and "could not be pulled" in n.message)
    assert note.message.endswith(
        f"this tries them again: {resume_command(tmp_path / 's', DeviceTarget.tcp(sim.address))}"
    )


def test_failed_pulls_are_recorded_collection_goes_on_and_resume_retries(tmp_path: Path) -> None:
    files: dict[str, bytes | SimFile] = dict(device_apks(False))
    _snapshot, truth = device()
    unreadable = truth.app("com.example.stalker").apk_paths[0]
    missing = truth.app("com.example.flashlight").apk_paths[0]
    files[unreadable] = SimFile(device_apks(False)[unreadable], readable=False)
    del files[missing]
    out = tmp_path / "s"
    with sim_for(files) as sim:
        manifest = collect_apks(sim, out, ApkCache(tmp_path / "cache"))
        assert manifest.complete
        by_path = {r.path: r for r in manifest.apks}
        assert by_path[unreadable].status is ApkRefStatus.FAILED
        assert "Permission denied" in str(by_path[unreadable].error)
        assert by_path[missing].status is ApkRefStatus.FAILED
        assert "no such file" in str(by_path[missing].error)
        stored = [r for r in manifest.apks if r.status is ApkRefStatus.STORED]
        assert len(stored) == len(manifest.apks) - 2

        # The phone lets the shell read it now: resume pulls the two and nothing already stored.
        sim.add_file(unreadable, device_apks(False)[unreadable])
        sim.add_file(missing, device_apks(False)[missing])
        mark = len(sim.sync_requests)
        resumed = collect_apks(sim, out, ApkCache(tmp_path / "cache"), resume=True)
    assert sorted(received(sim, "RECV", mark)) == sorted([unreadable, missing])
    assert resumed.complete and {r.status for r in resumed.apks} == {ApkRefStatus.STORED}
    assert not any(n.level is NoteLevel.PARTIAL for n in resumed.notes if n.section == "apks")
    # Complete now: a further resume needs no device at all.
    again = collect(DeviceTarget.tcp("127.0.0.1:1"), out, resume=True, apks=ApkSelection.THIRD_PARTY, key=shared_key())
    assert again.apks == resumed.apks


def test_without_sha256sum_everything_is_pulled_and_hashed_here(tmp_path: Path) -> None:
    files = device_apks(False)
    expected = third_party_paths(device()[1])
    with sim_for(dict(files)) as sim:
        sim.shell.sha256sum_available = False  # Android 7: "sha256sum: not found"
        manifest = collect_apks(sim, tmp_path / "s", ApkCache(tmp_path / "cache"))
    assert sorted(received(sim, "RECV")) == sorted(expected)
    assert all(r.status is ApkRefStatus.STORED and r.sha256 == sha(files[r.path]) for r in manifest.apks)
    # The plan's loops printed nothing (they look for sha256sum first); the --apks hashing was refused.
    loops = [c for c in manifest.commands if c.id.startswith("apk_hashes.")]
    assert loops and all(c.status is CommandStatus.OK and c.bytes == 0 for c in loops)
    assert next(c for c in manifest.commands if c.id == "apk_sha256").status is CommandStatus.DENIED
    assert any("pulled and hashed here" in n.message for n in manifest.notes)


def test_an_old_device_is_not_asked_to_hash_and_resume_keeps_what_is_stored(tmp_path: Path) -> None:
    snapshot, _truth = device()
    outputs = dict(snapshot.outputs)
    outputs["getprop"] = outputs["getprop"].replace(b"[ro.build.version.sdk]: [34]", b"[ro.build.version.sdk]: [25]")
    assert outputs["getprop"] != snapshot.outputs["getprop"]
    old = dataclasses.replace(snapshot, outputs=outputs)
    files: dict[str, bytes | SimFile] = dict(device_apks(False))
    gone = device()[1].app("com.example.retrogame").apk_paths[0]
    del files[gone]
    out = tmp_path / "s"
    with sim_for(files, snapshot=old) as sim:
        sim.shell.sha256sum_available = False  # Android 7.1: the plan's apk_hashes loops print nothing
        first = collect_apks(sim, out, ApkCache(tmp_path / "cache"))
        assert first.device.sdk == 25
        # Only the plan's loops mention sha256sum; no hashing command of --apks was sent.
        assert not any(unwrap_command(c)[0].startswith("sha256sum") for c in sim.commands_received)
        assert [r.path for r in first.apks if r.status is ApkRefStatus.FAILED] == [gone]
        sim.add_file(gone, device_apks(False)[gone])
        mark = len(sim.sync_requests)
        second = collect_apks(sim, out, ApkCache(tmp_path / "cache"), resume=True)
    # Without device hashes, the paths stored by the first run are not pulled again.
    assert received(sim, "RECV", mark) == [gone]
    assert {r.status for r in second.apks} == {ApkRefStatus.STORED}


def test_a_path_that_trips_the_read_only_check_is_pulled_not_hashed(tmp_path: Path) -> None:
    snap = build_snapshot(2, users=(0,))
    weird = "/data/app/com.example.rebooter-1/base.apk"
    outputs = dict(snap.outputs)
    outputs["pm_path.u0"] += f"##auditor## package=com.example.rebooter user=0\npackage:{weird}\n".encode()
    snap = dataclasses.replace(snap, outputs=outputs)
    served = synthetic_apks(snap)
    assert weird in served and not hashable_path(weird)
    with sim_for(dict(served), snapshot=snap) as sim:
        manifest = collect_apks(sim, tmp_path / "s", ApkCache(tmp_path / "cache"))
    hashing = [unwrap_command(c)[0] for c in sim.commands_received if unwrap_command(c)[0].startswith("sha256sum")]
    assert len(hashing) == 1 and weird not in hashing[0] and all(is_read_only(c) for c in hashing)
    ref = next(r for r in manifest.apks if r.path == weird)
    assert ref.status is ApkRefStatus.STORED and ref.sha256 == sha(served[weird])
    assert weird in received(sim, "RECV")


def test_a_connection_lost_while_pulling_is_resumable(tmp_path: Path) -> None:
    files = device_apks(False)
    cache = ApkCache(tmp_path / "cache")
    with sim_for(dict(files)) as sim:
        collect_apks(sim, tmp_path / "probe", cache)
        analyse_apks(sorted((tmp_path / "probe" / "apks").iterdir()), cache=cache, isolate=False)
        before = sim.stats.bytes_out
        collect_apks(sim, tmp_path / "text-only", cache)  # everything cached: the bytes of text alone
        text_bytes = sim.stats.bytes_out - before
    # The same device drops the link a few pulls into a collection with an empty cache.
    with sim_for(dict(files), drop_after_bytes=text_bytes + 12_000) as sim:
        out = tmp_path / "s"
        lost = collect_apks(sim, out, ApkCache(tmp_path / "empty"))
        assert not lost.complete
        failed = [r for r in lost.apks if r.status is ApkRefStatus.FAILED]
        assert failed and any(r.error and "connection was lost" in r.error for r in failed)
        assert any(n.level is NoteLevel.PARTIAL and "--resume" in n.message for n in lost.notes)
        kept = {r.path for r in lost.apks if r.status is ApkRefStatus.STORED}
        mark = len(sim.sync_requests)
        done = collect_apks(sim, out, ApkCache(tmp_path / "empty"), resume=True)
    assert done.complete and {r.status for r in done.apks} == {ApkRefStatus.STORED}
    assert not set(received(sim, "RECV", mark)) & kept


def test_apks_over_the_adb_server_without_device_hashes(tmp_path: Path) -> None:
    """The server connection pulls too; this fake server's shell has no files to hash, so every APK is
    pulled and hashed here."""
    snapshot, truth = device()
    files = {p: SimFile(d) for p, d in device_apks(False).items()}
    with FakeAdbServer([FakeDevice("SER1", snapshot=snapshot, files=files)]) as server:
        manifest = collect(
            DeviceTarget.via_server("SER1", server.address),
            tmp_path / "s",
            apks=ApkSelection.THIRD_PARTY,
            apk_cache=ApkCache(tmp_path / "cache"),
        )
    assert manifest.source == "adb-server"
    assert {r.path for r in manifest.apks} == third_party_paths(truth)
    assert all(r.status is ApkRefStatus.STORED and r.sha256 == sha(files[r.path].data) for r in manifest.apks)


@pytest.mark.parametrize("route", ["direct", "adb server"])
def test_a_phone_that_sends_more_than_it_declared_is_stopped_at_the_cap(
    route: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap counts the bytes received, not the size the phone declares in STAT.

    The phone declares 1,000 bytes for one APK and sends 300,000; with the cap at 100,000 the pull
    stops there, the APK is recorded as failed with the reason, no byte of it stays on disk, and the
    other APKs are pulled as usual (the half-read stream was abandoned cleanly). Before, the cap was
    checked against STAT's 1,000 only and all 300,000 bytes were stored.
    """
    from auditor.acquire import apks as apk_phase

    monkeypatch.setattr(apk_phase, "MAX_APK_BYTES", 100_000)
    snapshot, truth = device()
    honest = device_apks(False)
    victim = truth.app("com.example.flashlight").apk_paths[0]
    files = {p: SimFile(d) for p, d in honest.items()}
    files[victim] = SimFile(honest[victim] + b"\0" * (300_000 - len(honest[victim])), declared_size=1_000)
    out = tmp_path / "s"
    if route == "direct":
        with sim_for(dict(files)) as sim:
            manifest = collect_apks(sim, out, ApkCache(tmp_path / "cache"))
        assert victim in received(sim, "RECV")
    else:
        with FakeAdbServer([FakeDevice("SER1", snapshot=snapshot, files=files)]) as server:
            manifest = collect(
                DeviceTarget.via_server("SER1", server.address),
                out,
                apks=ApkSelection.THIRD_PARTY,
                apk_cache=ApkCache(tmp_path / "cache"),
            )
    ref = next(r for r in manifest.apks if r.path == victim)
    assert ref.status is ApkRefStatus.FAILED and ref.file is None
    assert ref.error is not None and "sent more than 100000 bytes" in ref.error and "stopped" in ref.error
    assert manifest.complete
    assert any(n.level is NoteLevel.PARTIAL and "could not be pulled" in n.message for n in manifest.notes)
    others = [r for r in manifest.apks if r.path != victim]
    assert others and all(r.status is ApkRefStatus.STORED for r in others)
    # On disk: exactly the other APKs, each whole; no partial victim, no temporary file.
    assert stored_files(out) == {f"{r.sha256}.apk" for r in others}
    assert all((out / "apks" / f"{r.sha256}.apk").stat().st_size == len(honest[r.path]) for r in others)


# -- choosing, hashing, the plan ---------------------------------------------------------------------


def test_choose_apks_third_party_rule() -> None:
    listed = [
        PackagePaths("com.store.app", 0, ("/data/app/s/base.apk", "/data/app/s/split_config.en.apk")),
        PackagePaths("com.android.chrome", 0, ("/data/app/c/base.apk",)),  # updated system app
        PackagePaths("com.android.settings", 0, ("/system/priv-app/Settings/Settings.apk",)),
        PackagePaths("com.unknown.side", 10, ("/data/app/u/base.apk",)),  # not in the dump: by path
        PackagePaths("com.unknown.vendor", 0, ("/vendor/app/V/V.apk",)),
        PackagePaths("com.adopted", 0, ("/mnt/expand/1234/app/a/base.apk",)),
        PackagePaths("com.odd", 0, ("/data/app/o/base.apk", "/data/app/o/oat")),
    ]
    dump = ParsedPackageDump(
        packages=(
            ParsedPackage("com.store.app", flags=("HAS_CODE",)),
            ParsedPackage("com.android.chrome", flags=("SYSTEM", "UPDATED_SYSTEM_APP")),
            ParsedPackage("com.android.settings", flags=("SYSTEM",)),
            ParsedPackage("com.odd", flags=()),
        )
    )
    third = choose_apks(listed, dump, ApkSelection.THIRD_PARTY)
    assert third == [
        ApkChoice(0, "com.store.app", "/data/app/s/base.apk"),
        ApkChoice(0, "com.store.app", "/data/app/s/split_config.en.apk"),
        ApkChoice(10, "com.unknown.side", "/data/app/u/base.apk"),
        ApkChoice(0, "com.adopted", "/mnt/expand/1234/app/a/base.apk"),
        ApkChoice(0, "com.odd", "/data/app/o/base.apk"),  # only *.apk paths
    ]
    every = choose_apks(listed, dump, ApkSelection.ALL)
    assert len(every) == 8 and ApkChoice(0, "com.android.settings", "/system/priv-app/Settings/Settings.apk") in every
    # Without a package dump at all, the path decides.
    assert is_third_party("x", ["/data/app/x/base.apk"], {}) and not is_third_party("x", ["/system/x.apk"], {})
    assert not is_third_party("x", [], {})


def test_parse_sha256sum() -> None:
    a, b = "/data/app/a/base.apk", "/data/app/b b/base.apk"
    text = (
        f"{'AB' * 32}  {a}\r\n"
        f"{'cd' * 32} *{b}\n"
        f"sha256sum: /data/app/c/base.apk: No such file or directory\n"
        f"{'ef' * 32}  /not/asked.apk\n"
        f"{'12' * 31}  /data/app/short.apk\n"
    )
    assert parse_sha256sum(text, [a, b, "/data/app/c/base.apk"]) == {a: "ab" * 32, b: "cd" * 32}
    twice = f"{'11' * 32}  {a}\n{'22' * 32}  {a}\n"
    assert parse_sha256sum(twice, [a]) == {}  # contradicting lines: no device hash, pull and hash here
    assert parse_sha256sum("", [a]) == {}


def test_apk_hash_plan_quotes_and_batches() -> None:
    paths = ["/data/app/~~a==/p-b==/base.apk", "/data/app/it's here/base.apk", "/data/app/$(id)/base.apk"]
    (cmd,) = apk_hash_plan(paths + paths[:1])
    assert cmd.id == "apk_sha256" and cmd.command.startswith("sha256sum ")
    assert shlex.split(cmd.command)[1:] == paths  # each exactly once, unexpanded
    assert "'/data/app/$(id)/base.apk'" in cmd.command and is_read_only(cmd.command)
    many = [f"/data/app/~~{i:06d}==/com.example.app{i}-{i:06d}==/base.apk" for i in range(2000)]
    batches = apk_hash_plan(many)
    assert len(batches) > 1 and [b.id for b in batches[:2]] == ["apk_sha256", "apk_sha256.1"]
    assert all(len(b.command) <= APK_HASH_BATCH_CHARS + len("sha256sum ") for b in batches)
    assert [p for b in batches for p in shlex.split(b.command)[1:]] == many
    assert not hashable_path("/data/app/com.x.reboot-1/base.apk")
    with pytest.raises(ValueError):
        apk_hash_plan(["/data/app/com.x.reboot-1/base.apk"])
    assert apk_hash_plan([]) == []


# -- the manifest's APK index ------------------------------------------------------------------------


def _manifest_with(apks: tuple[ApkRef, ...]) -> SnapshotManifest:
    return dataclasses.replace(build_snapshot(1).manifest, apks=apks)


def test_index_round_trip_and_old_manifests() -> None:
    refs = (
        ApkRef(0, "a.b", "/data/app/x/base.apk", "ab" * 32, 1234, ApkRefStatus.STORED),
        ApkRef(10, "a.b", "/data/app/x/base.apk", "ab" * 32, None, ApkRefStatus.CACHED),
        ApkRef(0, "c.d", "/data/app/y/base.apk", None, None, ApkRefStatus.FAILED, "cannot pull: denied"),
    )
    data = manifest_to_json(_manifest_with(refs))
    assert json.loads(json.dumps(data))["apks"][0] == {
        "user": 0,
        "package": "a.b",
        "path": "/data/app/x/base.apk",
        "sha256": "ab" * 32,
        "size": 1234,
        "status": "stored",
        "file": f"apks/{'ab' * 32}.apk",
        "error": None,
    }
    assert manifest_from_json(data).apks == refs
    old = manifest_to_json(_manifest_with(()))
    del old["apks"]  # written before the index existed
    assert manifest_from_json(old).apks == ()


def test_malformed_index_entries_are_dropped_with_a_note() -> None:
    good = {"user": 0, "package": "a.b", "path": "/p/base.apk", "sha256": "ab" * 32, "size": 1, "status": "stored"}
    data = manifest_to_json(_manifest_with(()))
    data["apks"] = [
        good,
        {**good, "sha256": "../../../etc/passwd"},  # would name a file outside apks/
        {**good, "sha256": "AB" * 32},
        {**good, "sha256": "ab" * 32 + "\n"},
        {**good, "status": "exploded"},
        {**good, "user": "0"},
        {**good, "sha256": None},  # stored without a hash
        "not an object",
    ]
    manifest = manifest_from_json(data)
    assert [r.package for r in manifest.apks] == ["a.b"]
    assert any(n.section == "apks" and "7 APK index entries" in n.message for n in manifest.notes)
