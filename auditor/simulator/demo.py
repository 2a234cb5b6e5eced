"""``auditor demo``'s acquisition: collect the synthetic device over the real ADB protocol.

The demo must show the real path, not a shortcut: a simulated device listens on a free loopback port,
and the collector connects to it, authenticates with an RSA key, runs the read-only plan and writes a
snapshot exactly as from a phone. The key is made in memory for the run, so the demo never touches
``~/.android``.

The device carries APKs for its third-party apps (``auditor.acquire.synthetic.apks``, served over
sync at the paths its ``pm path`` prints), and the demo collects with ``--apks``: hashed on the
device, pulled into the snapshot unless the local APK cache already knows them, so the audit shows
labels, trackers, tracker pools and the stalkerware's hidden launcher icon.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from auditor.acquire.adb.discover import DeviceTarget
from auditor.acquire.adb.keys import AdbKey
from auditor.acquire.apks import ApkSelection
from auditor.acquire.collect import collect
from auditor.model import Snapshot, SnapshotManifest
from auditor.progress import Observer
from auditor.simulator.device import Simulator
from auditor.snapshot import read_snapshot_dir

if TYPE_CHECKING:
    from auditor.apk import ApkCache


def collect_demo(
    source: Path | Snapshot,
    out_dir: Path,
    *,
    observer: Observer | None = None,
    latency_s: float = 0.0,
    apks: ApkSelection | None = ApkSelection.THIRD_PARTY,
    apk_cache: ApkCache | None = None,
) -> SnapshotManifest:
    """Serve ``source`` (a snapshot directory or object) on 127.0.0.1 and collect it into ``out_dir``.

    The device knows the run's key (as a phone that allowed this computer before), so nothing asks
    for approval. It serves synthetic APKs for the apps its ``pm path`` lists (system apps too when
    ``apks`` is ``ALL``), and the collection pulls them as ``--apks`` does; ``apks=None`` collects
    text only. ``apk_cache`` defaults to the user's cache, which collection only reads. Returns the
    collected manifest; ``out_dir`` must be new or empty.
    """
    from auditor.acquire.synthetic.apks import synthetic_apks

    snapshot = read_snapshot_dir(source) if isinstance(source, Path) else source
    files = synthetic_apks(snapshot, include_system=apks is ApkSelection.ALL) if apks is not None else {}
    key = AdbKey.generate(comment="auditor@demo")
    with Simulator(snapshot, latency_s=latency_s, auth="accept", known_keys=[key.public_line], files=files) as sim:
        return collect(
            DeviceTarget.tcp(sim.address), out_dir, observer=observer, key=key, apks=apks, apk_cache=apk_cache
        )
