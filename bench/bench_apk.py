"""Benchmark: our APK analysis against androguard and Debian's dexdump, on factory-built APKs.

    python bench/bench_apk.py [--repeat 3] [--keep DIR]

Inputs (built by ``tests/apk/factory.py``, v2-signed, class names in realistic packages with a few
real tracker SDKs among them):

* ``5k``:   5,000 classes in one DEX;
* ``50k``:  50,000 classes over five DEX files;

each class with 6 methods of 30 code units, 2 fields and 4 strings of its own (``REALISTIC``), so
parsers that read code pay what they would on a real app;
* ``100MB``: 5,000 classes plus a 100 MB stored asset (the size of a large game or map app).

Methods, each run in a fresh Python process so imports and peak memory are its own (peak RSS from
``wait4``'s ``ru_maxrss``); times are measured inside the process around the work alone, except
``dexdump`` and ``worker`` which are timed from outside (their process start is part of the cost):

* ``ours-classes``  our zip reader + DEX tables: class names of every ``classes*.dex``;
* ``ours-full``     the whole analysis in-process: manifest, resources, DEX, trackers, signing;
* ``worker``        ``analyse_apk`` as the CLI runs it: hashing, then a worker process with limits;
* ``ag-dex``        androguard ``DEX(bytes).get_classes_names()`` for each ``classes*.dex``;
* ``ag-apk``        androguard ``APK(path)`` (manifest only) for comparison;
* ``dexdump``       Debian ``dexdump`` on the APK (what Exodus runs), output discarded.

Never run by the test suite; figures go to ``docs/performance.md`` (APK analysis).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRACKER_CLASSES = [
    "com.google.firebase.analytics.FirebaseAnalytics",
    "com.google.android.gms.measurement.AppMeasurement",
    "com.facebook.ads.AdView",
    "com.appsflyer.AppsFlyerLib",
    "com.adjust.sdk.Adjust",
    "io.sentry.Sentry",
]


def class_names(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct names spread over ~n/25 packages of 3-5 segments, plus tracker classes."""
    words = [
        "core", "ui", "data", "net", "util", "model", "view", "sync", "auth", "media", "db", "cache",
        "feature", "widget", "internal", "api", "impl", "common", "io", "event",
    ]  # fmt: skip
    names = list(TRACKER_CLASSES)
    i = 0
    while len(names) < n:
        pkg_id = (i // 25) + seed * 100_000
        depth = 3 + pkg_id % 3
        parts = ["com", f"vendor{pkg_id % 97}"] + [words[(pkg_id * (k + 7)) % len(words)] for k in range(depth - 2)]
        name = ".".join(parts) + f".p{pkg_id}.Class{i}"
        if i % 7 == 0:
            name += f"$Inner{i % 5}"
        names.append(name)
        i += 1
    return names[:n]


def build_inputs(directory: Path) -> dict[str, Path]:
    from tests.apk import factory

    signer = factory.make_signer("Bench Key")
    root = factory.manifest(
        "com.bench.app",
        permissions=["android.permission.INTERNET", "android.permission.ACCESS_FINE_LOCATION"],
        components=[factory.activity(".Main", factory.LAUNCHER, exported=True)],
    )
    inputs: dict[str, Path] = {}

    def write(name: str, data: bytes) -> None:
        path = directory / f"{name}.apk"
        path.write_bytes(data)
        inputs[name] = path

    def dexes(names: list[str], per_dex: int) -> list[tuple[str, bytes]]:
        chunks = [names[i : i + per_dex] for i in range(0, len(names), per_dex)]
        return [
            ("classes.dex" if i == 0 else f"classes{i + 1}.dex", factory.dex(chunk, **REALISTIC))
            for i, chunk in enumerate(chunks)
        ]

    manifest = factory.axml(root)
    write("5k", _apk(factory, manifest, dexes(class_names(5_000), 10_000), [], signer))
    write("50k", _apk(factory, manifest, dexes(class_names(50_000), 10_000), [], signer))
    asset = ("assets/big.bin", os.urandom(100 * 1024 * 1024))
    write("100MB", _apk(factory, manifest, dexes(class_names(5_000, seed=1), 10_000), [asset], signer))
    return inputs


REALISTIC = {"methods_per_class": 6, "fields_per_class": 2, "strings_per_class": 4, "code_units": 30}
"""Per class, roughly what d8 emits for an average app class (methods, fields, strings, code size)."""


def _apk(
    factory: Any, manifest: bytes, dexes: list[tuple[str, bytes]], stored: list[tuple[str, bytes]], signer: Any
) -> bytes:
    zb = factory.ZipBuilder().add("AndroidManifest.xml", manifest)
    for name, data in dexes:
        zb.add(name, data)
    for name, data in stored:
        zb.add(name, data, compress=False)
    return bytes(factory.add_signing_block(zb.build(), signer))


# ------------------------------------------------------------------------------------ methods (child side)


def _dex_entries(path: Path) -> list[bytes]:
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        return [z.read(n) for n in sorted(z.namelist()) if re.fullmatch(r"classes\d*\.dex", n)]


def run_method(method: str, path: Path) -> dict[str, object]:
    if method == "ours-classes":
        import re

        from auditor.apk import dex
        from auditor.apk.limits import DEFAULT_LIMITS, Budget
        from auditor.apk.zipread import ZipArchive

        start = time.perf_counter()
        count = 0
        with open(path, "rb") as f:
            z = ZipArchive(
                f,
                path.stat().st_size,
                budget=Budget(DEFAULT_LIMITS.max_total_inflated_bytes),
                max_entries=DEFAULT_LIMITS.max_entries,
                max_central_directory_bytes=DEFAULT_LIMITS.max_central_directory_bytes,
            )
            for e in z.entries:
                if re.fullmatch(r"classes\d*\.dex", e.name):
                    for one in dex.list_classes(z.read(e, DEFAULT_LIMITS.max_dex_bytes)):
                        count += len(one.names)
        return {"seconds": time.perf_counter() - start, "classes": count}
    if method == "ours-full":
        from auditor.apk import DEFAULT_LIMITS, load_trackers
        from auditor.apk.analyse import analyse_file

        trackers = load_trackers()
        start = time.perf_counter()
        result = analyse_file(path, trackers=trackers, limits=DEFAULT_LIMITS)
        seconds = time.perf_counter() - start
        assert result.facts is not None, result.issues
        return {"seconds": seconds, "classes": result.facts.class_count, "trackers": len(result.facts.trackers)}
    if method == "ag-dex":
        from loguru import logger

        logger.disable("androguard")
        from androguard.core.dex import DEX

        start = time.perf_counter()
        count = 0
        for data in _dex_entries(path):
            count += len(DEX(data).get_classes_names())
        return {"seconds": time.perf_counter() - start, "classes": count}
    if method == "ag-apk":
        from loguru import logger

        logger.disable("androguard")
        from androguard.core.apk import APK

        start = time.perf_counter()
        package = APK(str(path)).get_package()
        return {"seconds": time.perf_counter() - start, "package": package}
    raise SystemExit(f"unknown method {method}")


# ------------------------------------------------------------------------------------ parent side


def measure(argv: list[str], *, inner: bool) -> tuple[float, float, dict[str, object]]:
    """Run ``argv`` under a fresh launcher: (seconds, peak RSS in MiB, its JSON answer).

    The launcher reports ``RUSAGE_CHILDREN`` for its one child: ``wait4`` in this long-lived parent
    proved unreliable (a vforked child can inherit the parent's high-water mark)."""
    launcher = (
        "import json, resource, subprocess, sys, time; t = time.perf_counter(); "
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL); "
        "w = time.perf_counter() - t; "
        "print(json.dumps({'rc': p.returncode, 'wall': w, 'out': p.stdout.decode(errors='replace')[-4000:], "
        "'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
    )
    done = subprocess.run([sys.executable, "-c", launcher, *argv], capture_output=True, check=True, cwd=ROOT)
    report = json.loads(done.stdout)
    if report["rc"] != 0:
        raise RuntimeError(f"{argv} failed with {report['rc']}")
    answer: dict[str, object] = json.loads(report["out"]) if inner else {}
    seconds = float(answer["seconds"]) if inner else float(report["wall"])  # type: ignore[arg-type]
    return seconds, report["maxrss_kib"] / 1024, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the APKs here and keep them")
    parser.add_argument("--run", nargs=2, metavar=("METHOD", "APK"), help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build_inputs(args.build)
        return
    if args.run:
        print(json.dumps(run_method(args.run[0], Path(args.run[1]))))
        return

    tmp = tempfile.TemporaryDirectory(prefix="bench-apk-")
    directory = args.keep or Path(tmp.name)
    directory.mkdir(parents=True, exist_ok=True)
    # Build in a child: a parent holding 100 MB would lend its RSS to every child it forks.
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--build", str(directory)], check=True)
    inputs = {name: directory / f"{name}.apk" for name in ("5k", "50k", "100MB")}
    dexdump = shutil.which("dexdump")
    me = [sys.executable, str(Path(__file__).resolve())]
    worker_code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
        "from auditor.apk import analyse_apk; r = analyse_apk(Path(sys.argv[2])); assert r.facts is not None"
    )
    methods: dict[str, tuple[list[str], bool]] = {
        "ours-classes": (me + ["--run", "ours-classes"], True),
        "ours-full": (me + ["--run", "ours-full"], True),
        "worker": ([sys.executable, "-c", worker_code, str(ROOT)], False),
        "ag-dex": (me + ["--run", "ag-dex"], True),
        "ag-apk": (me + ["--run", "ag-apk"], True),
    }
    if dexdump:
        methods["dexdump"] = ([dexdump], False)

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; median of {args.repeat} runs per cell")
    print(f"{'APK':<7} {'size':>8}  {'method':<13} {'seconds':>9} {'peak MiB':>9} {'vs ours-classes':>16}  notes")
    for label, path in inputs.items():
        size = f"{path.stat().st_size / 1024 / 1024:.1f}M"
        base: float | None = None
        for name, (argv, inner) in methods.items():
            runs = [measure([*argv, str(path)], inner=inner) for _ in range(args.repeat)]
            seconds = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            answer = runs[0][2]
            if name == "ours-classes":
                base = seconds
            ratio = f"{seconds / base:.1f}x" if base else "-"
            notes = ", ".join(f"{k}={v}" for k, v in answer.items() if k != "seconds")
            print(f"{label:<7} {size:>8}  {name:<13} {seconds:>9.3f} {peak:>9.1f} {ratio:>16}  {notes}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
