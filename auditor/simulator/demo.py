"""``auditor demo``'s acquisition: collect the synthetic device over the real ADB protocol.

The demo must show the real path, not a shortcut: a simulated device listens on a free loopback port,
and the collector connects to it, authenticates with an RSA key, runs the read-only plan and writes a
snapshot exactly as from a phone. The key is made in memory for the run, so the demo never touches
``~/.android``.
"""

from __future__ import annotations

from pathlib import Path

from auditor.acquire.adb.discover import DeviceTarget
from auditor.acquire.adb.keys import AdbKey
from auditor.acquire.collect import collect
from auditor.model import Snapshot, SnapshotManifest
from auditor.progress import Observer
from auditor.simulator.device import Simulator


def collect_demo(
    source: Path | Snapshot, out_dir: Path, *, observer: Observer | None = None, latency_s: float = 0.0
) -> SnapshotManifest:
    """Serve ``source`` (a snapshot directory or object) on 127.0.0.1 and collect it into ``out_dir``.

    The device knows the run's key (as a phone that allowed this computer before), so nothing asks
    for approval. Returns the collected manifest; ``out_dir`` must be new or empty.
    """
    key = AdbKey.generate(comment="auditor@demo")
    with Simulator(source, latency_s=latency_s, auth="accept", known_keys=[key.public_line]) as sim:
        return collect(DeviceTarget.tcp(sim.address), out_dir, observer=observer, key=key)
