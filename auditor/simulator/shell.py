"""What the simulated device answers to a ``shell:`` or ``exec:`` command.

Answers come from a snapshot: a command whose text is exactly a ``CommandRecord.command`` gets that
record's raw output and exit status, so the project's own plan (on-device loops included) gets the
answers a real phone gave. The exit-status wrapper the collector adds is understood and answered like
a shell would (``auditor.acquire.adb.exitcode``).

A few commands are derived instead of stored, for tools that ask differently:

* ``getprop KEY`` from the ``getprop`` output (what the official ``adb`` is often asked);
* ``dumpsys package PKG`` by cutting the marked per-package loop output (the "naive" way older
  tools collected, one command per package: the benchmark's baseline);
* ``pm list packages`` (and ``-u``) from the package names of that loop;
* ``sha256sum PATH…`` over the files the device serves (what ``--apks`` hashes on the device), like
  toybox: ``<hex>  <path>`` per file, an error line and exit status 1 for a missing one. Set
  ``sha256sum_available = False`` to answer like Android 7 and older, which lack the command: then the
  plan's ``apk_hashes`` loop (which checks for ``sha256sum`` first) prints nothing, too. When the device
  serves files, that loop's recorded answer is re-hashed from them, as a phone hashes what it holds (a
  test that serves a broken APK gets that file's hash, or the error line for a missing one).

Anything else answers like Android's shell does for an unknown program (``… not found``, exit 127).
A record with status ``denied`` answers its text with its exit code (255 when none was recorded);
one with status ``timeout`` never answers, so timeouts can be tested.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from auditor.acquire.adb.exitcode import exit_tag, unwrap_command
from auditor.model import CommandStatus, Section, Snapshot
from auditor.parse.markers import split_marked
from auditor.parse.props import parse_getprop
from auditor.simulator.sync import SimFile

_GETPROP_KEY = re.compile(r"\Agetprop ([A-Za-z0-9._:@-]{1,256})\Z")
_DUMPSYS_PACKAGE = re.compile(r"\Adumpsys package ([A-Za-z0-9._]{1,256})\Z")
_PM_LIST = re.compile(r"\Apm list packages( -u)?\Z")
_HASH_LINE = re.compile(r"[0-9a-f]{64}  (/.+)")


@dataclass(frozen=True)
class Answer:
    """What a command prints and how it exits; ``hang`` means it never finishes."""

    output: bytes
    exit_code: int = 0
    hang: bool = False


def _decode(data: bytes) -> str:
    # surrogateescape: slicing text and encoding it back gives the original bytes exactly.
    return data.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def not_found(command: str) -> Answer:
    """Android's ``/system/bin/sh`` answer to a program it does not have."""
    words = command.split()
    if not words:
        return Answer(b"", 0)
    return Answer(f"/system/bin/sh: {words[0]}: not found\n".encode(), 127)


class SnapshotShell:
    """Answers commands from a snapshot (exact lookup first, then the derived answers above)."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        overrides: Mapping[str, Answer] | None = None,
        files: Mapping[str, SimFile] | None = None,
    ) -> None:
        self._snapshot = snapshot
        self._files: Mapping[str, SimFile] = files if files is not None else {}
        self.sha256sum_available = True
        """False: ``sha256sum`` is "not found", as on Android 7 and older."""
        self._exact: dict[str, Answer] = {}
        self._hash_loops: set[str] = set()
        """Commands of the plan's ``apk_hashes`` loop (they print nothing without ``sha256sum``)."""
        self._package_loop: bytes | None = None
        self._getprop: bytes | None = None
        for rec in snapshot.manifest.commands:
            blob = snapshot.outputs.get(rec.id)
            if rec.status is CommandStatus.TIMEOUT:
                self._exact[rec.command] = Answer(blob or b"", hang=True)
                continue
            if blob is None or rec.status is CommandStatus.SKIPPED:
                continue
            if rec.status is CommandStatus.DENIED:
                code = rec.exit_code if rec.exit_code is not None else 255
            elif rec.status is CommandStatus.FAILED:
                code = rec.exit_code if rec.exit_code is not None else 1
            else:
                code = rec.exit_code or 0
            self._exact[rec.command] = Answer(blob, code)
            if rec.section is Section.APK_HASHES:
                self._hash_loops.add(rec.command)
            if rec.section is Section.DUMPSYS_PACKAGE and rec.status is CommandStatus.OK:
                self._package_loop = blob
            elif rec.section is Section.GETPROP and rec.status is CommandStatus.OK:
                self._getprop = blob
        self._exact.update(overrides or {})
        self._overridden = set(overrides or {})
        """Commands a test answers itself (a lying device): never re-derived."""

    @cached_property
    def properties(self) -> Mapping[str, str]:
        """System properties of the snapshot's ``getprop`` output."""
        if self._getprop is None:
            return {}
        return parse_getprop(_decode(self._getprop)).values

    @cached_property
    def package_dumps(self) -> Mapping[str, bytes]:
        """Per-package ``dumpsys package PKG`` output, cut from the marked loop output."""
        parts: dict[str, bytes] = {}
        if self._package_loop is None:
            return parts
        for part in split_marked(_decode(self._package_loop)):
            name = part.keys.get("package")
            if name:
                parts[name] = _encode(part.text)
        return parts

    def lookup(self, command: str) -> Answer:
        """The answer to an unwrapped command."""
        if command in self._hash_loops and command not in self._overridden:
            if not self.sha256sum_available:
                return Answer(b"")
            if self._files:
                return self._rehashed(self._exact[command])
        exact = self._exact.get(command)
        if exact is not None:
            return exact
        if m := _GETPROP_KEY.match(command):
            value = self.properties.get(m.group(1), "")
            return Answer(f"{value}\n".encode())
        if m := _DUMPSYS_PACKAGE.match(command):
            dump = self.package_dumps.get(m.group(1))
            # Android prints the dump header and no package block for an unknown name; exit 0.
            return Answer(dump if dump is not None else b"Unable to find package: " + m.group(1).encode() + b"\n")
        if _PM_LIST.match(command):
            return Answer("".join(f"package:{name}\n" for name in self.package_dumps).encode())
        if command.startswith("sha256sum ") and self.sha256sum_available:
            return self._sha256sum(command)
        return not_found(command)

    def _rehashed(self, recorded: Answer) -> Answer:
        """The ``apk_hashes`` loop's recorded lines with each hash taken from the file served at its path."""
        lines = []
        for line in _decode(recorded.output).splitlines():
            found = _HASH_LINE.fullmatch(line)
            if found is None:
                lines.append(line)
                continue
            path = found.group(1)
            f = self._files.get(path)
            if f is None or not f.readable:
                lines.append(f"sha256sum: {path}: {'No such file or directory' if f is None else 'Permission denied'}")
            else:
                lines.append(f"{hashlib.sha256(f.data).hexdigest()}  {path}")
        return Answer(_encode("".join(f"{line}\n" for line in lines)), recorded.exit_code)

    def _sha256sum(self, command: str) -> Answer:
        """toybox ``sha256sum`` over served files: a line per file, exit 1 if any could not be read."""
        try:
            paths = shlex.split(command)[1:]
        except ValueError:
            return Answer(b"/system/bin/sh: syntax error: unterminated quoted string\n", 1)
        out: list[str] = []
        code = 0
        for path in paths:
            f = self._files.get(path)
            if f is None or not f.readable:
                reason = "No such file or directory" if f is None else "Permission denied"
                out.append(f"sha256sum: {path}: {reason}\n")
                code = 1
                continue
            out.append(f"{hashlib.sha256(f.data).hexdigest()}  {path}\n")
        return Answer(_encode("".join(out)), code)

    def answer(self, sent: str) -> Answer:
        """The answer to a command as received, exit-status wrapper included when there is one."""
        inner, nonce = unwrap_command(sent)
        found = self.lookup(inner)
        if nonce is None or found.hang:
            return found
        return Answer(found.output + exit_tag(nonce, found.exit_code), found.exit_code)
