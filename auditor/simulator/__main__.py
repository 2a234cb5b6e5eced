"""``python -m auditor.simulator SNAPSHOT_DIR [--port N] [--auth MODE]``: serve a snapshot as a device.

For trying the official adb or the auditor against a device by hand::

    python -m auditor.simulator snap --port 5556 --auth prompt-accept
    adb connect 127.0.0.1:5556 && adb -s 127.0.0.1:5556 shell getprop ro.product.model
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import cast

from auditor.simulator.device import AuthMode, Simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auditor.simulator", description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path, help="a snapshot directory (manifest.json + raw/)")
    parser.add_argument("--port", type=int, default=5555)
    parser.add_argument("--auth", choices=["accept", "prompt-accept", "refuse", "off"], default="prompt-accept")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--maxdata", type=int, default=1024 * 1024)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Simulator(
        args.snapshot,
        port=args.port,
        auth=cast(AuthMode, args.auth),
        latency_s=args.latency_ms / 1000,
        maxdata=args.maxdata,
    ) as sim:
        print(f"simulated device on {sim.address} (auth: {args.auth}); Ctrl-C stops it", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
