"""Live collection: run the declared read-only plan on one device and write a snapshot directory.

How it behaves, and why:

* **Read-only.** Every command sent is a ``PlannedCommand`` from ``auditor.acquire.plan`` (wrapped
  only to learn its exit status, see ``auditor.acquire.adb.exitcode``). Nothing else is sent.
* **Fast.** One connection for the whole collection, one command at a time, and a number of commands
  that does not depend on the number of apps (the plan loops on the device).
* **Honest.** Every command gets a ``CommandRecord``: ok, failed (non-zero exit), denied (the device
  refused), timeout (silent too long) or skipped (never ran), with exit code, seconds, bytes and
  SHA-256. A failing command is recorded and collection goes on.
* **Resumable, and nothing received is lost.** Each output is written as soon as its command ends
  (a partial one too), and ``manifest.json`` is rewritten after every command. A dropped connection
  ends the run with ``complete: false`` and a note; ``resume=True`` runs only the commands that are
  not ``ok``, and only on the phone the snapshot began on (``auditor.acquire.resume``).
* **APKs on request.** ``apks=ApkSelection.…`` adds a last phase (``auditor.acquire.apks``): hash the
  chosen APKs on the device in one command, pull only those neither in the snapshot nor in the local
  APK cache, and record every one in the manifest's APK index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.acquire.adb.connection import DeviceConnection
from auditor.acquire.adb.discover import DeviceTarget, open_connection
from auditor.acquire.adb.errors import AcquireError, CommandTimeoutError
from auditor.acquire.adb.exitcode import new_nonce, split_exit_code, wrap_command
from auditor.acquire.adb.identity import device_info
from auditor.acquire.adb.keys import AdbKey
from auditor.acquire.apks import MIN_SHA256SUM_SDK, ApkPuller, ApkSelection, choose_apks, parse_sha256sum, summary
from auditor.acquire.outcome import classify
from auditor.acquire.plan import PlannedCommand, apk_hash_plan, base_plan, full_plan, hashable_path, is_read_only
from auditor.acquire.resume import check_same_device, intact, load_prior, resume_command
from auditor.model import (
    ApkRef,
    ApkRefStatus,
    CommandRecord,
    CommandStatus,
    DeviceInfo,
    Note,
    NoteLevel,
    Section,
    SnapshotManifest,
)
from auditor.parse.apk_hashes import parse_apk_hashes_loop
from auditor.parse.packages import parse_dumpsys_package
from auditor.parse.pm_path import PackagePaths, parse_pm_path_loop
from auditor.parse.props import parse_getprop
from auditor.parse.text import decode_output
from auditor.parse.users import parse_pm_list_users
from auditor.progress import NullObserver, Observer
from auditor.report.output import check_folder_target, ensure_folder
from auditor.snapshot import (
    APK_DIR,
    MANIFEST,
    new_manifest,
    record_for,
    write_manifest,
    write_output,
)

if TYPE_CHECKING:
    from auditor.apk import ApkCache

logger = logging.getLogger(__name__)

MAX_OUTPUT_BYTES = 512 * 1024 * 1024
"""A device that streams more than this for one command is cut off (hostile or broken firmware)."""

NOTE_SECTION = "collect"
"""Section of the notes collection itself writes."""

_NOT_RUN = "not run yet"
_LOST = "not run: the connection was lost before it"
_INTERRUPTED = "not run: the collection was interrupted before it"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CollectionInterrupted(KeyboardInterrupt):
    """Ctrl-C during a collection, after the partial snapshot was saved (``complete: false``, with a note).

    A ``KeyboardInterrupt`` still (so whatever catches Ctrl-C catches it), carrying the one line the
    person needs: where the partial snapshot is and the command that completes it."""


class _ConnectionLost(Exception):
    """Internal: the command could not finish because the connection is gone."""

    def __init__(self, command_id: str, error: AcquireError) -> None:
        super().__init__(str(error))
        self.command_id = command_id
        self.error = error


@dataclass
class _Run:
    """The mutable state of one collection session (only ever used inside this module)."""

    connection: DeviceConnection
    out_dir: Path
    observer: Observer
    created_at: str
    nonce: str = field(default_factory=new_nonce)
    records: dict[str, CommandRecord] = field(default_factory=dict)
    planned: list[PlannedCommand] = field(default_factory=list)
    device: DeviceInfo = field(default_factory=DeviceInfo)
    users: tuple[int, ...] = ()
    notes: list[Note] = field(default_factory=list)
    apks: tuple[ApkRef, ...] = ()
    """The APK index (``--apks``), saved with every manifest."""
    sent: int = 0
    """Commands sent in this session (each one shell round trip)."""
    hint: str = ""
    """The command that completes this snapshot (``resume_command``), for notes."""

    # -- manifest ----------------------------------------------------------------------------------

    def manifest(self, *, complete: bool) -> SnapshotManifest:
        planned_ids = [c.id for c in self.planned]
        ordered = [self.records[i] for i in planned_ids if i in self.records]
        # Records of an earlier run that the current plan no longer has stay: they are evidence.
        in_plan = set(planned_ids)
        ordered += [r for i, r in self.records.items() if i not in in_plan]
        return new_manifest(
            source=self.connection.kind.value,
            created_at=self.created_at,
            commands=ordered,
            device=self.device,
            users=self.users,
            complete=complete,
            notes=self.notes,
            apks=self.apks,
        )

    def save(self, *, complete: bool = False) -> SnapshotManifest:
        manifest = self.manifest(complete=complete)
        write_manifest(self.out_dir, manifest)
        return manifest

    def plan(self, commands: Iterable[PlannedCommand]) -> None:
        """Add commands to the plan; those never run yet are recorded as skipped ("not run yet")."""
        known = {c.id for c in self.planned}
        for cmd in commands:
            if cmd.id in known:
                continue
            self.planned.append(cmd)
            known.add(cmd.id)
            if cmd.id not in self.records:
                self.records[cmd.id] = _pending(cmd, _NOT_RUN)

    def done(self, cmd: PlannedCommand) -> bool:
        rec = self.records.get(cmd.id)
        return rec is not None and rec.status is CommandStatus.OK and rec.command == cmd.command

    # -- running -----------------------------------------------------------------------------------

    def run(self, cmd: PlannedCommand) -> None:
        """Run one command unless already done; record and write it. Raises _ConnectionLost."""
        if self.done(cmd):
            return
        if not is_read_only(cmd.command):
            # Second line of defence: the plan is declared read-only and tested so; never send otherwise.
            raise AcquireError(f"refusing to send {cmd.id}: it is not a read-only command")
        started = time.monotonic()
        received = bytearray()
        self.sent += 1
        try:
            for chunk in self.connection.shell(wrap_command(cmd.command, self.nonce), timeout_s=cmd.timeout_s):
                received += chunk
                if len(received) > MAX_OUTPUT_BYTES:
                    raise CommandTimeoutError(f"more than {MAX_OUTPUT_BYTES // 2**20} MiB of output; cut off")
        except CommandTimeoutError as e:
            self._finish(cmd, bytes(received), CommandStatus.TIMEOUT, None, started, str(e))
            try:
                self.connection.reset()  # a half-read stream cannot be abandoned on the same link
            except AcquireError as lost:
                raise _ConnectionLost(cmd.id, lost) from lost
            return
        except AcquireError as e:
            self._finish(cmd, bytes(received), CommandStatus.FAILED, None, started, str(e))
            raise _ConnectionLost(cmd.id, e) from e
        except BaseException:
            # Ctrl-C: keep what arrived, then let the interruption through.
            self._finish(cmd, bytes(received), CommandStatus.FAILED, None, started, "interrupted")
            raise
        output, exit_code = split_exit_code(bytes(received), self.nonce)
        status, error = classify(output, exit_code)
        self._finish(cmd, output, status, exit_code, started, error)

    def _finish(
        self,
        cmd: PlannedCommand,
        output: bytes,
        status: CommandStatus,
        exit_code: int | None,
        started: float,
        error: str | None,
    ) -> None:
        write_output(self.out_dir, cmd.id, output)
        self.records[cmd.id] = record_for(
            _pending(cmd, None),
            output,
            status=status,
            exit_code=exit_code,
            seconds=round(time.monotonic() - started, 4),
            error=error,
        )
        if status is not CommandStatus.OK:
            logger.debug("%s: %s (%s)", cmd.id, status.value, error)
        self.save()

    def raw_text(self, command_id: str) -> str:
        """The decoded output of a command that ran, whatever its status ("" when none is on disk)."""
        rec = self.records.get(command_id)
        if rec is None or rec.status is CommandStatus.SKIPPED:
            return ""
        try:
            return decode_output((self.out_dir / rec.output).read_bytes()).text
        except OSError:
            return ""

    def output_text(self, command_id: str) -> str | None:
        """The decoded output of an ``ok`` command, from disk (also for commands of an earlier run)."""
        rec = self.records.get(command_id)
        if rec is None or rec.status is not CommandStatus.OK:
            return None
        try:
            return decode_output((self.out_dir / rec.output).read_bytes()).text
        except OSError:
            return None


def _pending(cmd: PlannedCommand, error: str | None) -> CommandRecord:
    return CommandRecord(
        id=cmd.id,
        command=cmd.command,
        section=cmd.section,
        user=cmd.user,
        status=CommandStatus.SKIPPED,
        error=error,
    )


def _check_out_dir(out_dir: Path, resume: bool) -> SnapshotManifest | None:
    check_folder_target(out_dir)  # a symlink, a file, a missing parent: refused before connecting
    if resume:
        return load_prior(out_dir)
    if (out_dir / MANIFEST).exists():
        raise AcquireError(f"{out_dir} already holds a snapshot: resume it with --resume, or choose another directory")
    if out_dir.exists() and not out_dir.is_dir():
        raise AcquireError(f"{out_dir} is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise AcquireError(f"{out_dir} is not empty: choose a new or empty directory for the snapshot")
    return None


def _apks_pending(prior: SnapshotManifest, out_dir: Path) -> bool:
    """Whether a resumed ``--apks`` collection still has APK work: never indexed, a failed pull, or a
    stored file gone from ``apks/``."""
    if not prior.apks:
        return True
    for ref in prior.apks:
        if ref.status is ApkRefStatus.FAILED:
            return True
        if ref.file is not None and not (out_dir / ref.file).is_file():
            return True
    return False


def _remaining(prior: SnapshotManifest, with_apk_paths: bool) -> int:
    """How many planned commands of a prior snapshot are not ``ok`` (the users are known then)."""
    by_id = {c.id: c for c in prior.commands}
    plan = full_plan(prior.users or (0,), with_apk_paths=with_apk_paths)
    return sum(1 for p in plan if (r := by_id.get(p.id)) is None or r.status is not CommandStatus.OK)


def collect(
    target: DeviceTarget,
    out_dir: Path,
    *,
    observer: Observer | None = None,
    resume: bool = False,
    with_apk_paths: bool = False,
    keys_dir: Path | None = None,
    auth_timeout_s: float = 60.0,
    key: AdbKey | None = None,
    apks: ApkSelection | None = None,
    apk_cache: ApkCache | None = None,
) -> SnapshotManifest:
    """Collect a snapshot of ``target`` into ``out_dir`` and return its manifest.

    Connects (through the adb server, USB or TCP as the target says; the observer relays "allow USB
    debugging" to the user and collection waits ``auth_timeout_s`` for it), runs the read-only plan
    for every user and profile, and writes ``manifest.json`` and ``raw/<id>.txt``.

    ``out_dir`` must be new or empty, unless ``resume``: then it must hold a snapshot, and only its
    commands that are not ``ok`` are run. ``with_apk_paths`` adds ``pm path`` for every package.
    ``key`` (an in-memory key) overrides ``keys_dir`` (default: the official adb's ``~/.android``).

    ``apks`` (``--apks``: ``ApkSelection.THIRD_PARTY``, ``--apks=all``: ``ApkSelection.ALL``) also
    pulls the chosen apps' base and split APKs into ``apks/<sha256>.apk``, skipping those whose
    SHA-256 ``apk_cache`` (default: the user's ``ApkCache()``, only read here) already knows, and
    records every APK in the manifest's ``apks`` index; it implies ``with_apk_paths``.

    A lost connection does not raise: the returned manifest has ``complete=False`` and a note. Raises
    AcquireError when nothing can be collected (no connection, not authorized, bad ``out_dir``).
    """
    observer = observer or NullObserver()
    with_apk_paths = with_apk_paths or apks is not None
    prior = _check_out_dir(out_dir, resume)
    if (
        prior is not None
        and prior.complete
        and _remaining(prior, with_apk_paths) == 0
        and (apks is None or not _apks_pending(prior, out_dir))
    ):
        logger.debug("%s is already complete", out_dir)
        return prior
    connection = open_connection(target, key=key, keys_dir=keys_dir, auth_timeout_s=auth_timeout_s, observer=observer)
    try:
        return _collect(
            connection, out_dir, observer, prior, with_apk_paths, apks, apk_cache, resume_command(out_dir, target)
        )
    finally:
        connection.close()


def collect_over(
    connection: DeviceConnection,
    out_dir: Path,
    *,
    observer: Observer | None = None,
    resume: bool = False,
    with_apk_paths: bool = False,
    apks: ApkSelection | None = None,
    apk_cache: ApkCache | None = None,
    target: DeviceTarget | None = None,
) -> SnapshotManifest:
    """``collect`` over an already open connection (the caller closes it); ``target`` names the device in the
    resume command the notes give."""
    prior = _check_out_dir(out_dir, resume)
    return _collect(
        connection,
        out_dir,
        observer or NullObserver(),
        prior,
        with_apk_paths or apks is not None,
        apks,
        apk_cache,
        resume_command(out_dir, target),
    )


def _collect(
    connection: DeviceConnection,
    out_dir: Path,
    observer: Observer,
    prior: SnapshotManifest | None,
    with_apk_paths: bool,
    apks: ApkSelection | None,
    apk_cache: ApkCache | None,
    hint: str,
) -> SnapshotManifest:
    # Before anything is written: a resumed snapshot must be completed from the phone it began on.
    boot_note = check_same_device(connection, out_dir, prior) if prior is not None else None
    ensure_folder(out_dir)
    run = _Run(connection, out_dir, observer, created_at=prior.created_at if prior else _now(), hint=hint)
    if prior is not None:
        run.device, run.users, run.apks = prior.device, prior.users, prior.apks
        for rec in prior.commands:
            keep = rec.status is not CommandStatus.OK or intact(out_dir, rec)
            run.records[rec.id] = rec if keep else replace(rec, status=CommandStatus.SKIPPED, error="output missing")
        # Notes about an earlier interruption no longer hold; notes of other kinds stay.
        run.notes = [
            n
            for n in prior.notes
            if not (n.section in (NOTE_SECTION, "pm_list_users") and n.level is not NoteLevel.INFO)
            and not (apks is not None and n.section == APK_DIR)  # the APK phase runs again and says anew
        ]
        if prior.source != connection.kind.value:
            run.notes.append(Note(NOTE_SECTION, NoteLevel.INFO, f"started over {prior.source}"))
        if boot_note is not None and boot_note not in run.notes:
            run.notes.append(boot_note)
    run.notes.append(
        Note(
            NOTE_SECTION,
            NoteLevel.INFO,
            f"{'resumed' if prior else 'collected'} {_now()} from {connection.description}",
        )
    )

    base = base_plan()
    users_at = next(i for i, c in enumerate(base) if c.section is Section.PM_LIST_USERS)
    run.plan(base)
    started = False
    try:
        # Identity and users first (three quick commands): the rest of the plan depends on them, and
        # so does the progress total.
        for cmd in base[: users_at + 1]:
            run.run(cmd)
            _after(run, cmd)
        run.plan(full_plan(run.users, with_apk_paths=with_apk_paths))
        observer.start(f"Collecting from {run.device.model or connection.description}", total=len(run.planned))
        started = True
        observer.advance(users_at + 1, base[users_at].id)
        for cmd in run.planned[users_at + 1 :]:
            run.run(cmd)
            _after(run, cmd)
            observer.advance(1, cmd.id)
        if apks is not None:
            observer.finish()
            started = False
            _collect_apks(run, apks, apk_cache)  # it reports its own progress tasks
    except _ConnectionLost as lost:
        _stopped(run, _LOST, f"collection stopped at {lost.command_id}: {lost.error}", hint)
        if started:
            observer.finish()
        return run.save(complete=False)
    except KeyboardInterrupt as e:
        # Ctrl-C: what arrived is on disk (``_Run.run`` kept the command cut short); say so and how to go on.
        _stopped(run, _INTERRUPTED, "collection interrupted (Ctrl-C)", hint)
        run.save(complete=False)
        raise CollectionInterrupted(
            f"the partial snapshot is kept in {out_dir} (incomplete); this completes it: {hint}"
        ) from e
    if started:
        observer.finish()
    complete = all(r.status is not CommandStatus.SKIPPED for r in run.records.values())
    logger.debug("collection of %s: %d commands sent, complete=%s", out_dir, run.sent, complete)
    return run.save(complete=complete)


def _stopped(run: _Run, why_not_run: str, what: str, hint: str) -> None:
    """Mark what never ran and add the note that says where collection stopped and how to complete it."""
    for rec_id, rec in list(run.records.items()):
        if rec.status is CommandStatus.SKIPPED and rec.error == _NOT_RUN:
            run.records[rec_id] = replace(rec, error=why_not_run)
    run.notes.append(
        Note(
            NOTE_SECTION,
            NoteLevel.PARTIAL,
            f"{what}. Outputs received so far are kept; this completes the snapshot: {hint}",
        )
    )


def _collect_apks(run: _Run, selection: ApkSelection, cache: ApkCache | None) -> None:
    """The ``--apks`` phase: choose from the ``pm path`` answers, hash on the device, pull the rest.

    Raises _ConnectionLost like ``_Run.run`` (for the hashing command or a pull), after saving the
    index so far.
    """
    if cache is None:
        from auditor.apk import ApkCache

        cache = ApkCache()
    listed: list[PackagePaths] = []
    for user in run.users:
        text = run.output_text(f"pm_path.u{user}")
        if text is not None:
            listed.extend(parse_pm_path_loop(text, user=user).packages)
        else:
            run.notes.append(
                Note(APK_DIR, NoteLevel.PARTIAL, f"pm path failed for user {user}: its apps' APKs are not indexed")
            )
    dump_text = run.output_text("dumpsys_package")
    dump = parse_dumpsys_package(dump_text) if dump_text is not None else None
    choices = choose_apks(listed, dump, selection)
    hashes = _phone_hashes(run, {c.path for c in choices})
    # The plan's apk_hashes loop already hashed every non-system app's APKs: only the rest is hashed here.
    hashable = [p for p in dict.fromkeys(c.path for c in choices) if hashable_path(p) and p not in hashes]
    if run.device.sdk is not None and run.device.sdk < MIN_SHA256SUM_SDK:
        run.notes.append(
            Note(
                APK_DIR,
                NoteLevel.INFO,
                f"Android SDK {run.device.sdk} has no sha256sum: every chosen APK was pulled and hashed here",
            )
        )
    elif hashable:
        commands = apk_hash_plan(hashable)
        run.plan(commands)
        run.observer.start("Hashing APKs on the device", total=len(commands))
        try:
            for cmd in commands:
                run.run(cmd)
                hashes.update(parse_sha256sum(run.raw_text(cmd.id), hashable))
                run.observer.advance(1, cmd.id)
        finally:
            run.observer.finish()
        hashed = sum(1 for p in hashable if p in hashes)
        if hashed < len(hashable):
            run.notes.append(
                Note(
                    APK_DIR,
                    NoteLevel.INFO,
                    f"the device hashed {hashed} of {len(hashable)} APKs; the others were pulled and hashed here",
                )
            )

    def saved(refs: tuple[ApkRef, ...]) -> None:
        run.apks = refs
        run.save()

    puller = ApkPuller(run.connection, run.out_dir, cache, run.observer, prior=run.apks, on_change=saved)
    done = puller.collect(choices, hashes)
    run.apks = done.refs
    run.notes.append(Note(APK_DIR, NoteLevel.INFO, summary(done.refs, done.pulled, selection)))
    failed = [r for r in done.refs if r.status is ApkRefStatus.FAILED]
    if failed and done.lost is None:
        first = failed[0]
        run.notes.append(
            Note(
                APK_DIR,
                NoteLevel.PARTIAL,
                f"{len(failed)} APKs could not be pulled (first: {first.package} for user {first.user}: "
                f"{first.error}); the audit lacks their facts, and this tries them again: {run.hint}",
            )
        )
    run.save()
    if done.lost is not None:
        raise _ConnectionLost("apks", done.lost)


def _phone_hashes(run: _Run, wanted: set[str]) -> dict[str, str]:
    """Path → SHA-256 from the plan's ``apk_hashes`` loops (every user), for the paths in ``wanted``."""
    found: dict[str, str] = {}
    for user in run.users:
        text = run.output_text(f"apk_hashes.u{user}")
        if text is None:
            continue
        for entry in parse_apk_hashes_loop(text).packages:
            found.update((f.path, f.sha256) for f in entry.files if f.path in wanted)
    return found


def _after(run: _Run, cmd: PlannedCommand) -> None:
    """Learn from outputs the rest depends on: device identity (getprop) and users."""
    if cmd.section is Section.GETPROP:
        text = run.output_text(cmd.id)
        if text is not None:
            run.device = device_info(parse_getprop(text).values)
    elif cmd.section is Section.PM_LIST_USERS:
        text = run.output_text(cmd.id)
        users = tuple(sorted({u.id for u in parse_pm_list_users(text).users})) if text is not None else ()
        if users:
            run.users = users
        else:
            # Without the list, user 0 (the owner) is still worth collecting; say what is missing.
            run.users = (0,)
            run.notes.append(
                Note(
                    "pm_list_users",
                    NoteLevel.PARTIAL,
                    "pm list users failed or listed no users: only user 0 was collected; other users and "
                    "work profiles may be missing",
                )
            )
