"""Worker processes: each APK is analysed in a child with a time limit and a memory cap.

Why: a hostile APK can make any parser slow or greedy, and a parser bug must not take the audit
down with it. androguard's maintainers give the same advice for batches (memory fragments; analysis
can take ~150x the APK's size). The parent:

* starts ``python -B`` children (``-B``: no ``.pyc`` written; the child writes nothing at all),
  each of which lowers its own limits first: address space to ``ApkLimits.memory_bytes``
  (``RLIMIT_AS``), no core files, no file writes (``RLIMIT_FSIZE`` 0; its pipes are not files);
* sends one JSON line per APK and waits at most ``timeout_s`` for the JSON answer;
* on timeout kills the child; on a dead child reports a crash; on ``MemoryError`` the child
  answers with a memory result and exits; each case is a skipped result with its reason, and a
  fresh child takes the next APK;
* recycles a child after ``RECYCLE_AFTER`` APKs so memory fragmentation cannot build up.

Several children run at once (``jobs``); results come back in input order.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.apk.analyse import skipped
from auditor.apk.limits import ApkLimits
from auditor.model import ApkIssueKind, ApkResult
from auditor.serial import from_data, result_from_data, to_data

log = logging.getLogger(__name__)

RECYCLE_AFTER = 64
STARTUP_TIMEOUT_S = 30.0
MAX_LINE_BYTES = 256 * 1024 * 1024
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from auditor.apk.worker import main; main()"


@dataclass(frozen=True)
class Job:
    """One APK for a worker: where it is, and what the parent already knows of it."""

    index: int
    path: str
    sha256: str
    size: int


class _Child:
    """One worker process and the line protocol with it."""

    def __init__(self, limits: ApkLimits, trackers_path: str | None, use_trackers: bool) -> None:
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-B", "-c", _BOOT, _PACKAGE_ROOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        self.buffer = b""
        self.handled = 0
        init = {"limits": to_data(limits), "trackers": trackers_path, "use_trackers": use_trackers}
        self.send(init)
        ready = self.receive(time.monotonic() + max(STARTUP_TIMEOUT_S, limits.timeout_s))
        if not isinstance(ready, dict) or ready.get("ready") is not True:
            self.kill()
            raise RuntimeError(f"worker did not start: {ready!r}")

    def send(self, message: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def receive(self, deadline: float) -> object:
        """One JSON line, or ``None`` on timeout; ``EOFError`` when the child is gone."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise EOFError
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE_BYTES:
                raise EOFError
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        """Ask the child to exit (EOF on its input), then make sure it has."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"the worker died from signal {-code} (often the memory cap)"
    return f"the worker exited with status {code}"


def run_one(child: _Child, job: Job, limits: ApkLimits) -> tuple[ApkResult, bool]:
    """Analyse ``job`` in ``child``: the result, and whether the child may be reused."""
    try:
        child.send({"path": job.path, "sha256": job.sha256})
        answer = child.receive(time.monotonic() + limits.timeout_s)
    except (EOFError, OSError, ValueError):
        child.kill()
        message = _describe_exit(child.proc.returncode)
        return skipped(job.path, ApkIssueKind.CRASH, message, sha256=job.sha256, size=job.size), False
    if answer is None:
        child.kill()
        return (
            skipped(
                job.path,
                ApkIssueKind.TIMEOUT,
                f"analysis took longer than {limits.timeout_s:g} s and was stopped",
                sha256=job.sha256,
                size=job.size,
            ),
            False,
        )
    try:
        if not isinstance(answer, dict):
            raise ValueError("answer is not an object")
        result = result_from_data(answer.get("result"))
    except ValueError as e:
        child.kill()
        return skipped(job.path, ApkIssueKind.CRASH, f"unreadable worker answer: {e}", sha256=job.sha256), False
    reusable = not answer.get("exit", False)
    return result, reusable


def run_jobs(
    jobs: Sequence[Job],
    *,
    limits: ApkLimits,
    trackers_path: str | None,
    use_trackers: bool,
    workers: int,
    on_result: Callable[[int, ApkResult], None],
) -> None:
    """Analyse ``jobs`` in up to ``workers`` children; ``on_result`` is called in this thread.

    Every job yields exactly one result, whatever happens to its worker. If this thread is
    interrupted (Ctrl-C), the remaining jobs are dropped and every live child is killed."""
    if not jobs:
        return
    todo: queue.Queue[Job] = queue.Queue()
    for job in jobs:
        todo.put(job)
    done: queue.Queue[tuple[int, ApkResult]] = queue.Queue()
    stop = threading.Event()
    live: set[_Child] = set()
    lock = threading.Lock()

    def crash(job: Job, message: str) -> ApkResult:
        return skipped(job.path, ApkIssueKind.CRASH, message, sha256=job.sha256, size=job.size)

    def loop() -> None:
        child: _Child | None = None
        try:
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    if child is None or child.handled >= RECYCLE_AFTER:
                        if child is not None:
                            child.close()
                            with lock:
                                live.discard(child)
                        child = None
                        child = _Child(limits, trackers_path, use_trackers)
                        with lock:
                            live.add(child)
                    result, reusable = run_one(child, job, limits)
                    child.handled += 1
                    if not reusable:
                        child.kill()
                        child = None
                except Exception as e:  # one job's trouble never stalls the batch
                    log.debug("worker trouble on %s", job.path, exc_info=True)
                    result = crash(job, f"worker failed: {type(e).__name__}: {e}")
                    if child is not None:
                        child.kill()
                        child = None
                done.put((job.index, result))
        finally:
            if child is not None:
                child.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(max(1, min(workers, len(jobs))))]
    for t in threads:
        t.start()
    try:
        for _ in range(len(jobs)):
            index, result = done.get()
            on_result(index, result)
    except BaseException:
        stop.set()
        with lock:
            for child in list(live):
                child.kill()
        raise
    for t in threads:
        t.join()


# ------------------------------------------------------------------------------------ child side


def _limit_self(limits: ApkLimits) -> None:
    import resource

    try:  # Linux: die with the parent, so an interrupted audit leaves no analysis running
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass

    for which, value in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 0),
    ):
        try:
            _soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))
        except (ValueError, OSError) as e:  # pragma: no cover - platform without the limit
            log.debug("cannot set rlimit %s: %s", which, e)


def main() -> None:
    """Worker entry point: an init line, then one APK per line; answers on stdout."""
    from auditor.apk.analyse import analyse_file
    from auditor.apk.trackers import TrackerDB, load_trackers

    out = sys.stdout.buffer
    stdin = sys.stdin.buffer

    def answer(message: object) -> None:
        out.write(json.dumps(message, ensure_ascii=True).encode("ascii") + b"\n")
        out.flush()

    init = json.loads(stdin.readline())
    limits = from_data(ApkLimits, init["limits"])
    _limit_self(limits)
    trackers: TrackerDB | None = None
    if init.get("use_trackers"):
        path = init.get("trackers")
        trackers = load_trackers(Path(path) if path else None)
    answer({"ready": True})
    for line in stdin:
        request = json.loads(line)
        path = Path(request["path"])
        try:
            result = analyse_file(path, trackers=trackers, limits=limits, sha256=request.get("sha256"))
            answer({"result": to_data(result)})
        except MemoryError:
            result = skipped(
                path,
                ApkIssueKind.MEMORY,
                f"analysis needed more than the {limits.memory_bytes // (1024 * 1024)} MiB allowed",
                sha256=request.get("sha256"),
            )
            answer({"result": to_data(result), "exit": True})
            return
