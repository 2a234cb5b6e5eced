"""Parsing speed: MB/s, apps/s and peak memory, ours against MVT's parser on the same input.

    python bench/bench_parse.py [--repeat 5] [--rounds 5] [--apps 5000] [--real-only] [--history 100000]

Inputs: the largest real captures in ../shared/real-devices (a 682 KB Android 7 `dumpsys package`,
a 331 KB Xiaomi Android 14 `dumpsys appops`) and the synthetic device at 5,000 apps. MVT runs in
its own environment (bench/.venv-peers, made on first use with `pip install mvt`) in a subprocess,
so the two never share an interpreter. The two sides take turns: each round times ours (best of
--repeat) and then MVT (best of --repeat), and each side's figure is its best over --rounds, so a
busy moment of a shared machine hits both alike. Times are CPU time of the parsing process
(`time.process_time`), which waiting for a core does not inflate. Prints figures and ratios;
asserts nothing.

The discrete access history (``dumpsys appops --include-discrete``), which MVT does not read, is timed
on its own at two sizes (``--history`` events and half as many) to show it stays linear: a week of a
busy phone printed as Android 14 prints it (150 apps, every state and flag, durations, attribution
tags), the same events in Android 16's SQLite table form, and the assembly of the larger one into the
report's events (merge, totals, timeline index). ``--history 0`` leaves it out.
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
    """Best CPU time of ``repeat`` calls. The result is freed after the clock stops, as in
    _mvt_peer.py (MVT keeps its results on the artifact until the next one replaces it)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        result = fn()
        best = min(best, time.process_time() - t0)
        del result
    return best


def peak_memory(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    result = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak


class Peer:
    """One long-lived MVT process answering timing requests (see _mvt_peer.py)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        python = PEER_ENV / "bin" / "python"
        if not python.exists():
            print("setting up the peer environment (pip install mvt) …", file=sys.stderr)
            try:
                subprocess.run([sys.executable, "-m", "venv", str(PEER_ENV)], check=True)
                subprocess.run([str(python), "-m", "pip", "install", "-q", "mvt"], check=True)
            except (subprocess.CalledProcessError, OSError) as e:
                print(f"peer environment unavailable: {e}", file=sys.stderr)
                return
        self.proc = subprocess.Popen(
            [str(python), str(ROOT / "bench" / "_mvt_peer.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def time(self, kind: str, path: Path, repeat: int) -> dict[str, float] | None:
        if self.proc is None or self.proc.stdin is None or self.proc.stdout is None:
            return None
        self.proc.stdin.write(f"{kind}\t{path}\t{repeat}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            print(f"peer failed on {path.name}", file=sys.stderr)
            self.proc = None
            return None
        result: dict[str, float] = json.loads(answer)
        return result

    def close(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()
            self.proc.wait()


def row(label: str, size: int, seconds: float, items: int, peak: int, peer: dict[str, float] | None) -> str:
    mb_s = size / seconds / 1e6
    text = (
        f"{label:<44} {size / 1e6:6.2f} MB  {seconds * 1e3:8.1f} ms  {mb_s:7.1f} MB/s  "
        f"{items / seconds:9.0f} items/s  peak {peak / 1e6:6.1f} MB ({peak / size:4.1f}× input)"
    )
    if peer:
        text += f"  | MVT {peer['mb_s']:6.1f} MB/s → ours {mb_s / peer['mb_s']:4.1f}×"
    return text


def bench_file(label: str, kind: str, path: Path, text: str, args: argparse.Namespace, peer: Peer | None) -> None:
    parser: Callable[[str], object] = parse_dumpsys_package if kind == "package" else parse_dumpsys_appops
    size = len(text.encode("utf-8"))
    seconds = float("inf")
    mvt: dict[str, float] | None = None
    for _ in range(args.rounds):
        seconds = min(seconds, best_time(lambda: parser(text), args.repeat))
        answer = peer.time(kind, path, args.repeat) if peer is not None else None
        if answer is not None and (mvt is None or answer["seconds"] < mvt["seconds"]):
            mvt = answer
    peak = peak_memory(lambda: parser(text))
    parsed = parser(text)
    items = len(parsed.packages) if kind == "package" else sum(len(u.packages) for u in parsed.uids)  # type: ignore[attr-defined]
    print(row(label, size, seconds, items, peak, mvt))


def busy_week(events: int, seed: int = 1) -> tuple[str, str]:
    """A week's discrete history of a busy phone with ``events`` access lines: tree form (Android 12–15)
    and table form (Android 16, SQLite registry), the same events in both."""
    import random

    from auditor.acquire.synthetic.clock import epoch_ms, local_time
    from auditor.acquire.synthetic.history import HistoryEntry, print_order
    from auditor.acquire.synthetic.render.history import history_lines

    rng = random.Random(seed)
    now = epoch_ms(None)
    ops = ("FINE_LOCATION", "FINE_LOCATION", "COARSE_LOCATION", "CAMERA", "RECORD_AUDIO", "PHONE_CALL_MICROPHONE")
    entries = []
    for _ in range(events):
        app = rng.randrange(150)
        uid = (10 if app >= 130 else 0) * 100_000 + 10_100 + app
        t = (now - rng.randrange(7 * 86_400_000)) // 60_000 * 60_000
        duration = rng.choice((None, None, 60_000, 120_000, 600_000, 3_600_000))
        entries.append(
            HistoryEntry(
                uid=uid,
                package=f"com.busy.app{app:03d}",
                op=rng.choice(ops),
                tag=rng.choice((None, None, None, "sync", "location_provider")),
                uid_state=rng.choice(("top", "fgsvc", "fg", "bg", "cch")),
                flags=rng.choice(("s", "s", "s", "tpd", "tp")),
                t_ms=t,
                duration_ms=duration,
                attribution=rng.choice((None, None, None, None, (12, rng.randrange(1, 500)))),
            )
        )
    entries.sort(key=print_order)
    tree = "Current AppOps Service state:\n\nDiscrete accesses: \n" + "\n".join(history_lines(entries, 500)) + "\n"
    rows = [
        f"{e.uid}|{e.package}|default:0|{e.op}|{e.tag or 'null'}|{e.uid_state}|{e.flags}|"
        f"{e.attribution[0] if e.attribution else 0}|{e.attribution[1] if e.attribution else -1}|"
        f"{local_time(e.t_ms, millis=True)}|{e.duration_ms if e.duration_ms is not None else -1}"
        for e in entries
    ]
    from auditor.parse.appops.discrete import TABLE_HEADER

    table = "Discrete accesses: \n  Largest chain id: 500\n" + TABLE_HEADER + "\n" + "\n".join(rows) + "\n\n"
    return tree, table


def bench_history(args: argparse.Namespace) -> None:
    """Parse and assemble a busy week's discrete history at two sizes (linear: the rates should match)."""
    from dataclasses import replace

    from auditor.analyse.timeline import attach_timeline
    from auditor.model import AppReport, DeviceInfo, InstallSource, SourceInfo
    from auditor.parse.appops import parse_discrete_history

    for events in (args.history // 2, args.history):
        tree, table = busy_week(events)
        for label, text in ((f"discrete history, {events:,} events", tree), ("  same, Android 16 table", table)):
            size = len(text.encode("utf-8"))
            seconds = min(best_time(lambda t=text: parse_discrete_history(t), args.repeat) for _ in range(args.rounds))
            peak = peak_memory(lambda t=text: parse_discrete_history(t))
            print(row(label, size, seconds, events, peak, None))
    parsed = parse_discrete_history(tree)
    template = AppReport(
        package="",
        user=0,
        uid=None,
        app_id=None,
        version_code=None,
        version_name=None,
        min_sdk=None,
        target_sdk=None,
        system=False,
        updated_system=False,
        enabled=None,
        installer=None,
        initiating_installer=None,
        install_source=InstallSource.UNKNOWN,
        package_source=None,
        first_install=None,
        last_update=None,
        code_path=None,
        shared_user=None,
        debuggable=False,
        permissions=(),
        special_access=(),
    )
    apps = [
        replace(template, package=f"com.busy.app{i:03d}", user=u, uid=u * 100_000 + 10_100 + i, app_id=10_100 + i)
        for i in range(150)
        for u in ((10,) if i >= 130 else (0,))
    ]
    device = DeviceInfo(timezone="Asia/Kolkata")
    source = SourceInfo(kind="bench", path="-", device_time="2024-06-03T09:41:27+00:00")

    def assemble() -> object:
        return attach_timeline(apps, None, parsed, device, source)

    seconds = best_time(assemble, max(1, args.repeat // 2))
    peak = peak_memory(assemble)
    n = len(parsed.events)
    print(
        f"{f'assemble {n:,} events (merge, totals, index)':<44} {'':>9}  {seconds * 1e3:8.1f} ms  {'':>12}  "
        f"{n / seconds:9.0f} items/s  peak {peak / 1e6:6.1f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed parses per side and round")
    ap.add_argument("--rounds", type=int, default=5, help="turns each side takes")
    ap.add_argument("--apps", type=int, default=5000)
    ap.add_argument("--no-peer", action="store_true", help="skip MVT")
    ap.add_argument("--real-only", action="store_true", help="skip the synthetic device")
    ap.add_argument("--history", type=int, default=100_000, help="events of the larger discrete history (0: skip)")
    args = ap.parse_args()
    peer = None if args.no_peer else Peer()
    try:
        run(args, peer)
    finally:
        if peer is not None:
            peer.close()


def run(args: argparse.Namespace, peer: Peer | None) -> None:
    print(f"Python {sys.version.split()[0]}, CPU time, best of {args.repeat} × {args.rounds} rounds per side")
    for label, kind, rel in (
        ("real dumpsys package (Android 7.1, 84 pkgs)", "package", "multibox-rk322x-android7.1.2/dumpsys_package.txt"),
        ("real dumpsys appops (Xiaomi Android 14)", "appops", "dellta77-xiaomi-pad6-android14/dumpsys_appops.txt"),
    ):
        path = REAL / rel
        if path.exists():
            bench_file(label, kind, path, path.read_text("utf-8", errors="replace"), args, peer)
        else:
            print(f"{label}: {path} not found, skipped")
    if args.history:
        bench_history(args)
    if args.real_only:
        return

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
            bench_file(f"synthetic {cid} ({args.apps} apps)", kind, path, blob.decode(), args, peer)

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
