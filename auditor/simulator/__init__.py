"""A simulated Android device that speaks the real ADB protocol over TCP on 127.0.0.1.

``Simulator(snapshot_dir_or_snapshot, …)`` serves a snapshot's outputs (keyed by the exact command)
and files; see ``auditor.simulator.device`` for the protocol details and fault options. It is the
device of the test suite and the device behind ``auditor demo``::

    with Simulator(Path("snapshot"), auth="accept", known_keys=[key.public_line]) as sim:
        collect(DeviceTarget.tcp(sim.address), out_dir, key=key)
"""

from __future__ import annotations

from auditor.simulator.device import AuthMode, Simulator, SimulatorStats
from auditor.simulator.shell import Answer, SnapshotShell
from auditor.simulator.sync import SimFile

__all__ = ["Answer", "AuthMode", "SimFile", "Simulator", "SimulatorStats", "SnapshotShell"]
