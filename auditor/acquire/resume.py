"""Completing an interrupted snapshot: which one, from which phone, and the command that does it.

A resume must finish the snapshot from the phone it began on. Before anything is written, the attached
phone's identity (serial, build fingerprint, boot id) is read again with the plan's own read-only
commands and compared with the snapshot's (``auditor.identity.compare``): another phone is refused with
one line and the snapshot left untouched; a restart in between is allowed and noted.
"""

from __future__ import annotations

import hashlib
import logging
import shlex
from pathlib import Path
from typing import assert_never

from auditor.acquire.adb.connection import DeviceConnection, TransportKind
from auditor.acquire.adb.discover import DeviceTarget
from auditor.acquire.adb.errors import ResumeError
from auditor.acquire.adb.exitcode import new_nonce, split_exit_code, wrap_command
from auditor.acquire.adb.identity import device_info
from auditor.acquire.outcome import classify
from auditor.acquire.plan import base_plan
from auditor.identity import Identity, Sameness, compare
from auditor.model import CommandRecord, CommandStatus, Note, NoteLevel, Section, SnapshotManifest
from auditor.parse.boot_id import parse_boot_id
from auditor.parse.props import parse_getprop
from auditor.parse.text import decode_output
from auditor.snapshot import MANIFEST, SnapshotError, read_manifest
from auditor.untrusted import MAX_OUTPUT_BYTES, Folder, UnsafeInputError

logger = logging.getLogger(__name__)


def resume_command(out_dir: Path, target: DeviceTarget | None = None) -> str:
    """The command that completes an interrupted snapshot, exactly as it can be typed (quoted for a POSIX shell).

    It names the device the way the first run reached it (``--tcp HOST:PORT`` or ``--serial S``), so it
    works as printed even with several phones attached.
    """
    words = ["auditor", "collect", "--out", str(out_dir), "--resume"]
    if target is not None:
        if target.kind is TransportKind.TCP:
            words += ["--tcp", str(target)]
        elif target.serial:
            words += ["--serial", target.serial]
    return shlex.join(words)


def load_prior(out_dir: Path) -> SnapshotManifest:
    """The manifest of the snapshot to resume, read like any snapshot (``auditor.snapshot.read_manifest``)."""
    if not (out_dir / MANIFEST).exists() and not (out_dir / MANIFEST).is_symlink():
        raise ResumeError(f"{out_dir} holds no snapshot to resume (no {MANIFEST})")
    try:
        return read_manifest(out_dir)
    except SnapshotError as e:
        raise ResumeError(f"cannot resume {out_dir}: {e}") from e


def intact(out_dir: Path, rec: CommandRecord) -> bool:
    """Whether an ``ok`` output of an earlier run is still on disk as recorded (a regular file inside the
    snapshot, with the recorded size and SHA-256)."""
    try:
        blob = Folder(out_dir).read(rec.output, MAX_OUTPUT_BYTES)
    except (OSError, UnsafeInputError):
        return False
    return len(blob) == rec.bytes and (rec.sha256 is None or hashlib.sha256(blob).hexdigest() == rec.sha256)


_IDENTITY_MAX_BYTES = 4 * 1024 * 1024
"""``getprop`` is a few tens of KiB; a phone sending more while asked who it is is cut off."""


def _ask(connection: DeviceConnection, section: Section) -> str | None:
    """The output of the plan's command for a device-wide ``section`` when it succeeds, else ``None``.

    Sent outside the run and never written: it only reads the identity again before a resume.
    """
    cmd = next(c for c in base_plan() if c.section is section)
    nonce = new_nonce()
    received = bytearray()
    for chunk in connection.shell(wrap_command(cmd.command, nonce), timeout_s=cmd.timeout_s):
        received += chunk
        if len(received) > _IDENTITY_MAX_BYTES:
            raise ResumeError(f"the phone sent more than {_IDENTITY_MAX_BYTES // 2**20} MiB for {cmd.command!r}")
    output, exit_code = split_exit_code(bytes(received), nonce)
    status, _ = classify(output, exit_code)
    return decode_output(output).text if status is CommandStatus.OK else None


def _prior_identity(out_dir: Path, prior: SnapshotManifest) -> Identity:
    """Who the snapshot says it is: serial and build from its manifest, the boot id from its raw output.

    The serial is ``None`` (not read) when ``getprop`` never succeeded, ``""`` when it had none.
    """
    boot_id = None
    props_read = False
    for rec in prior.commands:
        ok = rec.status is CommandStatus.OK
        if rec.section is Section.BOOT_ID and ok and intact(out_dir, rec):
            boot_id = parse_boot_id(decode_output(Folder(out_dir).read(rec.output, MAX_OUTPUT_BYTES)).text) or None
        props_read = props_read or (rec.section is Section.GETPROP and ok)
    serial = (prior.device.serial or "") if props_read else None
    return Identity(serial, prior.device.fingerprint, boot_id)


def check_same_device(connection: DeviceConnection, out_dir: Path, prior: SnapshotManifest) -> Note | None:
    """Refuse (ResumeError, nothing written) unless the attached phone is the one the snapshot began on.

    Returns the note a resume after a restart needs (its data then come from two boots), else None.
    Older snapshots hold no boot id: what they hold is compared (``auditor.identity.compare``).
    """
    props = _ask(connection, Section.GETPROP)
    if props is None:
        raise ResumeError(
            f"cannot read the attached phone's identity (getprop failed), so it cannot be checked to be the "
            f"phone {out_dir} was begun on; nothing was changed"
        )
    info = device_info(parse_getprop(props).values)
    boot_text = _ask(connection, Section.BOOT_ID)
    now = Identity(info.serial or "", info.fingerprint, parse_boot_id(boot_text or "") or None)
    before = _prior_identity(out_dir, prior)
    verdict = compare(before, now)
    logger.debug("resume of %s: %s then %s: %s", out_dir, before, now, verdict.value)
    match verdict:
        case Sameness.SAME:
            return None
        case Sameness.OTHER:
            raise ResumeError(
                # Not made visible here: every printed error passes through the one sanitiser (cli.main).
                f"{out_dir} was begun on another phone ({before.describe()}) than the one attached "
                f"({now.describe()}); nothing was changed: attach that phone, or collect this one into "
                "a new folder"
            )
        case Sameness.UNSURE:
            raise ResumeError(
                f"cannot tell whether the attached phone is the one {out_dir} was begun on: both report the "
                f"placeholder serial {now.serial or ''!r} and the same build, and a restart and another "
                "phone look alike (another boot id); nothing was changed: collect into a new folder"
            )
        case Sameness.REBOOTED:
            return Note(
                Section.BOOT_ID.value,
                NoteLevel.PARTIAL,
                f"the phone restarted between the parts of this collection (boot id {before.boot_id}, then "
                f"{now.boot_id}): app-op history, running processes and other live state come from two boots",
            )
        case Sameness.UNVERIFIED:
            return Note(
                Section.BOOT_ID.value,
                NoteLevel.INFO,
                "the phone reports no serial of its own and the first part recorded no boot id: that the "
                "resumed part comes from the same phone could not be verified (only its build matches)",
            )
    assert_never(verdict)
