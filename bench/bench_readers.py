"""Benchmark: peak memory of reading hostile and real bug reports (``auditor audit``, ``auditor fleet -j 2``).

    python bench/bench_readers.py [--mib 1000] [--bombs 4] [--apps 500] [--work DIR]

Builds, in ``--work`` (a temporary folder by default):

* **bomb-outside.zip**: a bug report zip of about 1 MB whose dumpstate inflates to ``--mib`` MiB of lines
  in a service the auditor does not read (``DUMP OF SERVICE batterystats``);
* **bomb-inside.zip**: the same, with the filler inside a section the auditor reads
  (``DUMP OF SERVICE package``), so the per-section cap is what stops it;
* **real.zip**: the synthetic device of ``--apps`` apps as a bug report (``auditor synth --form bugreport``);

then runs ``auditor audit PATH --format json --out FILE`` on each in a child process and prints its wall
time, exit code and peak resident memory (``ru_maxrss`` of the child), and finally ``auditor fleet -j 2``
over a folder of ``--bombs`` copies of both bombs. Never run by the test suite; figures go to
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_LINE = b"  some filler line of a service nobody reads, repeated to inflate the dumpstate xxxxxxxxxxxxxxxx\n"


def _bomb(path: Path, service: str, mib: int) -> None:
    """A bug report zip whose dumpstate holds ``mib`` MiB of filler lines under ``service``."""
    block = _LINE * ((1 << 20) // len(_LINE) + 1)
    block = block[: 1 << 20]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("main_entry.txt", "dumpstate.txt")
        with zf.open("dumpstate.txt", "w", force_zip64=True) as f:
            f.write(b"== dumpstate: 2026-01-01 00:00:00\n")
            f.write(f"DUMP OF SERVICE {service}:\n".encode())
            for _ in range(mib):
                f.write(block)
            f.write(b"--------- 0.1s was the duration of dumpsys\n")


def _run(args: list[str]) -> tuple[float, int, int]:
    """(seconds, exit code, peak RSS of the child in MiB) of one auditor command in a fresh process."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode\n"
        "dt = time.perf_counter() - t\n"
        "print(dt, rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True).stdout
    seconds, rc, kib = out.split()
    return float(seconds), int(rc), int(kib) >> 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1000, help="inflated size of each bomb's dumpstate (MiB)")
    parser.add_argument("--bombs", type=int, default=4, help="copies of each bomb in the fleet folder")
    parser.add_argument("--apps", type=int, default=500, help="apps of the real-size bug report")
    parser.add_argument("--work", type=Path, default=None, help="where to build the inputs (default: a temp folder)")
    opts = parser.parse_args()
    work = opts.work or Path(tempfile.mkdtemp(prefix="bench-readers-"))
    work.mkdir(parents=True, exist_ok=True)
    auditor = [sys.executable, "-m", "auditor"]
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, work folder {work}")

    inputs = {"bomb-outside.zip": "batterystats", "bomb-inside.zip": "package"}
    for name, service in inputs.items():
        _bomb(work / name, service, opts.mib)
    synth = work / "synth"
    shutil.rmtree(synth, ignore_errors=True)
    subprocess.run([*auditor, "synth", str(synth), "--apps", str(opts.apps), "--form", "bugreport"], check=True)
    real = work / "real.zip"
    if real.is_dir():
        shutil.rmtree(real)
    shutil.copy(next(synth.glob("*.zip")), real)

    print(f"{'input':<22}{'zip':>10}{'inflated':>12}{'seconds':>10}{'exit':>6}{'peak RSS':>12}")
    for name in [*inputs, "real.zip"]:
        path = work / name
        with zipfile.ZipFile(path) as zf:
            inflated = sum(i.file_size for i in zf.infolist())
        seconds, rc, peak = _run([*auditor, "audit", str(path), "--format", "json", "--out", str(work / "out.json")])
        print(f"{name:<22}{path.stat().st_size >> 10:>8} K{inflated >> 20:>9} MiB{seconds:>10.1f}{rc:>6}{peak:>8} MiB")

    fleet = work / "fleet"
    shutil.rmtree(fleet, ignore_errors=True)
    fleet.mkdir()
    for i in range(opts.bombs):
        for name in inputs:
            os.link(work / name, fleet / f"{i}-{name}")
    shutil.copy(real, fleet / "real.zip")
    seconds, rc, peak = _run([*auditor, "fleet", str(fleet), "-j", "2", "--out", str(work / "fleet-out")])
    print(f"fleet -j 2 over {2 * opts.bombs} bombs and a real report: {seconds:.1f} s, exit {rc}, peak {peak} MiB")
    print(f"peak of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10} MiB")


if __name__ == "__main__":
    main()
