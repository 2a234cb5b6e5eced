"""Parsing speed: MB/s, apps/s and peak memory, ours against MVT's parser on the same input.

    python bench/bench_parse.py [--repeat 5] [--apps 5000]

Inputs: the largest real captures in ../shared/real-devices (a 682 KB Android 7 `dumpsys package`,
a 331 KB Xiaomi Android 14 `dumpsys appops`) and the synthetic device at 5,000 apps. MVT runs in
its own environment (bench/.venv-peers, made on first use with `pip install mvt`) in a subprocess,
so the two never share an interpreter. Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.parse.appops import parse_dumpsys_appops  # noqa: E402
from auditor.parse.packages import parse_dumpsys_package  # noqa: E402

REAL = ROOT.parent / "shared" / "real-devices"
PEER_ENV = ROOT / "bench" / ".venv-peers"


def best_time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_memory(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    result = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak


def peer_python() -> Path | None:
    python = PEER_ENV / "bin" / "python"
    if not python.exists():
        print("setting up the peer environment (pip install mvt) …", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PEER_ENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "mvt"], check=True)
        except (subprocess.CalledProcessError, OSError) as e:
            print(f"peer environment unavailable: {e}", file=sys.stderr)
            return None
    return python


def run_peer(kind: str, path: Path, repeat: int) -> dict[str, float] | None:
    python = peer_python()
    if python is None:
        return None
    out = subprocess.run(
        [str(python), str(ROOT / "bench" / "_mvt_peer.py"), kind, str(path), str(repeat)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        print(f"peer failed on {path.name}: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def row(label: str, size: int, seconds: float, items: int, peak: int, peer: dict[str, float] | None) -> str:
    mb_s = size / seconds / 1e6
    text = (
        f"{label:<44} {size / 1e6:6.2f} MB  {seconds * 1e3:8.1f} ms  {mb_s:7.1f} MB/s  "
        f"{items / seconds:9.0f} items/s  peak {peak / 1e6:6.1f} MB ({peak / size:4.1f}× input)"
    )
    if peer:
        text += f"  | MVT {peer['mb_s']:6.1f} MB/s → ours {mb_s / peer['mb_s']:4.1f}×"
    return text


def bench_file(label: str, kind: str, path: Path, text: str, repeat: int, with_peer: bool) -> None:
    parser: Callable[[str], object] = parse_dumpsys_package if kind == "package" else parse_dumpsys_appops
    size = len(text.encode("utf-8"))
    seconds = best_time(lambda: parser(text), repeat)
    peak = peak_memory(lambda: parser(text))
    parsed = parser(text)
    items = len(parsed.packages) if kind == "package" else sum(len(u.packages) for u in parsed.uids)  # type: ignore[attr-defined]
    peer = run_peer(kind, path, repeat) if with_peer else None
    print(row(label, size, seconds, items, peak, peer))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--apps", type=int, default=5000)
    ap.add_argument("--no-peer", action="store_true", help="skip MVT")
    args = ap.parse_args()
    with_peer = not args.no_peer

    print(f"Python {sys.version.split()[0]}, best of {args.repeat}")
    for label, kind, rel in (
        ("real dumpsys package (Android 7.1, 84 pkgs)", "package", "multibox-rk322x-android7.1.2/dumpsys_package.txt"),
        ("real dumpsys appops (Xiaomi Android 14)", "appops", "dellta77-xiaomi-pad6-android14/dumpsys_appops.txt"),
    ):
        path = REAL / rel
        if path.exists():
            bench_file(label, kind, path, path.read_text("utf-8", errors="replace"), args.repeat, with_peer)
        else:
            print(f"{label}: {path} not found, skipped")

    from auditor.acquire.synthetic import generate
    from auditor.analyse.build import build_report
    from auditor.analyse.parsed import parse_snapshot
    from auditor.model import SourceInfo

    t0 = time.perf_counter()
    snapshot, _ = generate(args.apps)
    gen_s = time.perf_counter() - t0
    print(f"synthetic device: {args.apps} apps generated in {gen_s:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for cid, kind in (("dumpsys_package", "package"), ("dumpsys_appops", "appops")):
            blob = snapshot.outputs[cid]
            path = Path(tmp) / f"{cid}.txt"
            path.write_bytes(blob)
            bench_file(f"synthetic {cid} ({args.apps} apps)", kind, path, blob.decode(), args.repeat, with_peer)

    total = sum(len(b) for b in snapshot.outputs.values())
    source = SourceInfo(kind="synthetic", path="-")

    def whole() -> object:
        return build_report(parse_snapshot(snapshot), source)

    seconds = best_time(whole, max(1, args.repeat // 2))
    peak = peak_memory(whole)
    report = build_report(parse_snapshot(snapshot), source)
    n_apps = len(report.apps)
    print(
        f"{'whole audit (parse + assemble), synthetic':<44} {total / 1e6:6.2f} MB  {seconds * 1e3:8.1f} ms  "
        f"{total / seconds / 1e6:7.1f} MB/s  {n_apps / seconds:9.0f} apps/s  peak {peak / 1e6:6.1f} MB "
        f"({peak / total:4.1f}× input)  [{n_apps} app×user entries]"
    )


if __name__ == "__main__":
    main()
