"""The phone's own state from its sections: trusted ADB hosts, root tools, running processes.

Each fact is ``None`` when the source lacks its section (the analysis notes that absence through the
section's declaration), and empty when the section was there and named nothing.
"""

from __future__ import annotations

from auditor.analyse.parsed import ParsedDevice
from auditor.model import DeviceState
from auditor.sections import DUMPSYS_ADB, PROCESSES, ROOT_BINARIES


def device_state(parsed: ParsedDevice) -> DeviceState:
    """What the sections say about the device itself."""
    adb = parsed.one(DUMPSYS_ADB)
    root = parsed.one(ROOT_BINARIES)
    ps = parsed.one(PROCESSES)
    # A root check whose every line was unreadable checked nothing: unknown, not "none found".
    root_checked = root is not None and bool(root.found or root.absent or root.unreadable or not root.unknown)
    return DeviceState(
        adb_host_keys=adb.fingerprints if adb is not None else None,
        root_binaries=root.found if root is not None and root_checked else None,
        root_unchecked=root.unreadable if root is not None else (),
        processes=ps.names if ps is not None else None,
    )
