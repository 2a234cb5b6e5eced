"""Benchmark: live collection from the device simulator, the plan's way against the naive way.

Serves a synthetic device (``auditor.acquire.synthetic.generate``; the minimal fixture device when
that is unavailable) with a fixed delay added to every round trip, and collects it twice over the
real ADB protocol:

* **plan**: ``auditor.acquire.collect.collect``: the read-only plan, per-package output gathered by
  one loop on the device, so the number of shell commands does not depend on the number of apps;
* **naive**: what older tools did: ``pm list packages``, then one ``dumpsys package <pkg>`` per
  package, plus the same other commands as the plan.

Both use the same TCP_NODELAY transport, so the difference is round trips alone. ``--stock-sample N``
also times N single commands through adb-shell's stock transport (no TCP_NODELAY, Nagle + delayed
ACK) and extrapolates the naive collection with it.

    python bench/bench_collect.py                 # 500 and 5,000 apps, 2 ms per round trip
    python bench/bench_collect.py --sizes 100 --latency-ms 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from adb_shell.adb_device import AdbDeviceTcp

from auditor.acquire.adb import AdbKey, DeviceTarget, open_connection
from auditor.acquire.collect import collect
from auditor.acquire.plan import full_plan
from auditor.model import Section, Snapshot
from auditor.simulator import Simulator


@dataclass(frozen=True)
class Run:
    way: str
    apps: int
    commands: int
    """Shell commands sent: each at least one round trip."""
    packets_in: int
    """ADB packets the host sent (OPEN, OKAY, CLSE …): every one of them waited the added delay."""
    megabytes: float
    """What the device sent."""
    seconds: float


def make_device(n_apps: int) -> tuple[Snapshot, str]:
    try:
        from auditor.acquire.synthetic import generate
    except ImportError:
        from auditor.simulator.fixture import build_snapshot

        return build_snapshot(n_apps, users=(0, 10)), "fixture"
    snapshot, _truth = generate(n_apps, seed=1)
    return snapshot, "synthetic"


def run_plan(snapshot: Snapshot, n_apps: int, latency_s: float, key: AdbKey) -> Run:
    with Simulator(snapshot, latency_s=latency_s, auth="accept", known_keys=[key.public_line]) as sim:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            manifest = collect(DeviceTarget.tcp(sim.address), Path(tmp) / "snap", key=key)
            seconds = time.perf_counter() - start
        if not manifest.complete:
            raise SystemExit("the plan's collection did not complete")
        return Run("plan", n_apps, sim.stats.commands, sim.stats.packets_in, sim.stats.bytes_out / 1e6, seconds)


def naive_commands(snapshot: Snapshot, packages: list[str]) -> list[str]:
    users = snapshot.manifest.users or (0,)
    rest = [c.command for c in full_plan(users) if c.section is not Section.DUMPSYS_PACKAGE]
    return ["pm list packages -u", *(f"dumpsys package {p}" for p in packages), *rest]


def run_naive(snapshot: Snapshot, n_apps: int, latency_s: float, key: AdbKey) -> Run:
    with Simulator(snapshot, latency_s=latency_s, auth="accept", known_keys=[key.public_line]) as sim:
        packages = list(sim.shell.package_dumps)
        conn = open_connection(DeviceTarget.tcp(sim.address), key=key)
        try:
            start = time.perf_counter()
            listed = b"".join(conn.shell("pm list packages -u", timeout_s=60)).decode().split()
            names = [line.removeprefix("package:") for line in listed]
            for cmd in naive_commands(snapshot, names)[1:]:
                for _chunk in conn.shell(cmd, timeout_s=60):
                    pass
            seconds = time.perf_counter() - start
        finally:
            conn.close()
        assert len(names) == len(packages)
        return Run("naive", n_apps, sim.stats.commands, sim.stats.packets_in, sim.stats.bytes_out / 1e6, seconds)


def stock_ms_per_command(snapshot: Snapshot, samples: int, latency_s: float) -> float:
    """Median time of one ``dumpsys package`` through adb-shell's stock transport (no NODELAY)."""
    with Simulator(snapshot, latency_s=latency_s) as sim:
        name = next(iter(sim.shell.package_dumps))
        dev = AdbDeviceTcp("127.0.0.1", sim.port, default_transport_timeout_s=30)
        dev.connect()
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            dev.shell(f"dumpsys package {name}", decode=False)
            times.append(time.perf_counter() - start)
        dev.close()
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--latency-ms", type=float, default=2.0, help="added to every round trip (default 2)")
    parser.add_argument("--stock-sample", type=int, default=50, help="commands timed with the stock transport")
    args = parser.parse_args(argv)
    latency = args.latency_ms / 1000
    key = AdbKey.generate()
    print(f"# {args.latency_ms:g} ms added per round trip; Python {sys.version.split()[0]}")
    header = f"{'apps':>6} {'way':<6} {'commands':>9} {'packets':>9} {'MB':>8} {'seconds':>9}"
    rows: list[tuple[Run, Run]] = []
    device_kind = ""
    for n in args.sizes:
        snapshot, device_kind = make_device(n)
        rows.append((run_plan(snapshot, n, latency, key), run_naive(snapshot, n, latency, key)))
    print(f"# device: {device_kind}")
    print(header)
    for plan, naive in rows:
        for r in (plan, naive):
            print(f"{r.apps:>6} {r.way:<6} {r.commands:>9} {r.packets_in:>9} {r.megabytes:>8.1f} {r.seconds:>9.2f}")
        print(
            f"{'':>6} {'ratio':<6} {naive.commands / plan.commands:>8.0f}x {naive.packets_in / plan.packets_in:>8.0f}x"
            f" {naive.megabytes / plan.megabytes:>7.2f}x {naive.seconds / plan.seconds:>8.1f}x"
        )
    if args.stock_sample:
        snapshot, _ = make_device(min(args.sizes))
        ms = stock_ms_per_command(snapshot, args.stock_sample, latency)
        print(f"# adb-shell stock transport (no TCP_NODELAY): {ms:.1f} ms per command (median of {args.stock_sample})")
        for _plan, naive in rows:
            print(f"#   naive at {naive.apps} apps with it: ~{naive.commands * ms / 1000:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
