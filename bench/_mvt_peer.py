"""Peer timing: MVT's parsers on the same file (run inside an environment where `mvt` is installed).

Usage: python _mvt_peer.py         → reads requests ``package|appops<TAB>FILE<TAB>REPEAT`` from stdin,
answers each with one JSON line {seconds, mb_s, items} (the best of REPEAT parses, CPU time).
bench_parse.py keeps one such process and alternates its requests with its own timings, so both
sides are measured under the same load of a shared machine.
This only calls MVT as a library to time it side by side; nothing of it is part of auditor.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def measure(kind: str, path: Path, repeat: int) -> dict[str, float]:
    text = path.read_text("utf-8", errors="replace")
    if kind == "package":
        from mvt.android.artifacts.dumpsys_packages import DumpsysPackagesArtifact as Artifact
    else:
        from mvt.android.artifacts.dumpsys_appops import DumpsysAppopsArtifact as Artifact  # type: ignore[assignment]
    best = float("inf")
    items = 0
    for _ in range(repeat):
        art = Artifact()
        t0 = time.process_time()
        art.parse(text)
        best = min(best, time.process_time() - t0)
        items = len(art.results)
    size = len(text.encode("utf-8"))
    return {"seconds": best, "mb_s": size / best / 1e6, "items": items}


def main() -> None:
    for request in sys.stdin:
        kind, path, repeat = request.rstrip("\n").split("\t")
        print(json.dumps(measure(kind, Path(path), int(repeat))), flush=True)


if __name__ == "__main__":
    main()
