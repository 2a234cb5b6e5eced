"""Peer timing: MVT's parsers on the same file (run inside an environment where `mvt` is installed).

Usage: python _mvt_peer.py package|appops FILE REPEAT  → prints one JSON line {seconds, mb_s, items}.
This only calls MVT as a library to time it side by side; nothing of it is part of auditor.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> None:
    kind, path, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    text = path.read_text("utf-8", errors="replace")
    if kind == "package":
        from mvt.android.artifacts.dumpsys_packages import DumpsysPackagesArtifact as Artifact
    else:
        from mvt.android.artifacts.dumpsys_appops import DumpsysAppopsArtifact as Artifact  # type: ignore[assignment]
    best = float("inf")
    items = 0
    for _ in range(repeat):
        art = Artifact()
        t0 = time.perf_counter()
        art.parse(text)
        best = min(best, time.perf_counter() - t0)
        items = len(art.results)
    size = len(text.encode("utf-8"))
    print(json.dumps({"seconds": best, "mb_s": size / best / 1e6, "items": items}))


if __name__ == "__main__":
    main()
