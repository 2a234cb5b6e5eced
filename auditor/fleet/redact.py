"""Redaction: an audit report an employer or a helpline can share without naming the person.

What goes, and what stays. The review needs what apps can reach and why; it does not need who
the phone belongs to. So:

* the device serial becomes ``anon-`` + the first 16 hex digits of HMAC-SHA256(key, serial): the
  same phone gets the same name in every report made with the same key (so fleet runs and diffs
  still link), and without the key the serial cannot be guessed back (serials are short and
  structured, so a plain hash could be brute-forced: that is why the hash is keyed); a placeholder
  serial (``0123456789ABCDEF``, ``unknown`` …: ``auditor.identity``) names nobody and stays as it is;
* user names that are personal ("Alice") become the kind of user ("Secondary user 11"); the names
  Android and OEMs give (Owner, Work profile, Guest, Second space …) are kept;
* e-mail-like account names become ``<account>`` anywhere in the report, and so do
  ``Account {name=…}`` texts;
* the source path (it often holds a person's or a phone's name) becomes ``redacted-<hash>``;
* every other occurrence of the serial, a personal user name or the source path in any text of
  the report (notes, evidence, paths) is replaced the same way.

Model, manufacturer, Android version, patch level, fingerprint, apps, permissions, special
accesses, trackers and scores stay: they are the review.

The key comes from ``--redact-key-file`` or the ``AUDITOR_REDACT_KEY`` environment variable. Without
one a random key is made for the run, and the report says so: its hashes then link nothing across
runs, which is the safe default for a one-off share.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from auditor.fleet.errors import FleetError
from auditor.fleet.inputs import Skip
from auditor.identity import is_placeholder_serial
from auditor.model import AuditReport, UserKind
from auditor.serial import Json, from_data, to_data
from auditor.untrusted import MAX_KEY_BYTES, UnsafeInputError, read_regular

KEY_ENV: Final = "AUDITOR_REDACT_KEY"
MIN_KEY_BYTES: Final = 16
SERIAL_PREFIX: Final = "anon-"
SECTION: Final = "redaction"
"""The ``Note.section`` of the note redaction adds."""

GENERIC_USER_NAMES: Final = frozenset(
    {
        "owner",
        "work profile",
        "work",
        "managed profile",
        "guest",
        "new user",
        "second space",
        "secure folder",
        "dual app",
        "dual apps",
        "clone",
        "clone profile",
        "app clone",
        "private space",
        "private",
        "xspace",
        "parallel space",
        "twin apps",
        "primary user",
        "secondary user",
        "other profile",
    }
)
"""User names that Android or an OEM gives (compared in lower case): they name no person."""

ACCOUNT: Final = "<account>"
MIN_SCRUB_SERIAL: Final = 6
"""A serial shorter than this is hashed in its field but not searched for in other texts (it would hit digits)."""
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_ACCOUNT_NAME = re.compile(r"(Account\s*\{\s*name=)[^,}]*")
_REDACTED_SERIAL = re.compile(re.escape(SERIAL_PREFIX) + r"[0-9a-f]{16}")


@dataclass(frozen=True, slots=True)
class RedactKey:
    """The HMAC key, and whether it was made up for this run (then hashes do not link across runs)."""

    key: bytes
    ephemeral: bool


def load_key(key_file: Path | None = None, environ: dict[str, str] | None = None) -> RedactKey:
    """The key from ``key_file``, else ``$AUDITOR_REDACT_KEY``, else a random one for this run.

    A key shorter than 16 bytes is refused (``FleetError``): a short key lets anyone with a list of
    plausible serials find the phones again.
    """
    env = os.environ if environ is None else environ
    if key_file is not None:
        try:
            key = read_regular(key_file, MAX_KEY_BYTES).strip()
        except UnsafeInputError as e:
            raise FleetError(f"cannot read the redaction key: {e}") from None
        where = str(key_file)
    elif env.get(KEY_ENV):
        key = env[KEY_ENV].encode("utf-8")
        where = f"${KEY_ENV}"
    else:
        return RedactKey(secrets.token_bytes(32), ephemeral=True)
    if len(key) < MIN_KEY_BYTES:
        raise FleetError(f"{where}: the redaction key must be at least {MIN_KEY_BYTES} bytes")
    return RedactKey(key, ephemeral=False)


def hash_serial(serial: str, key: bytes) -> str:
    """``anon-`` + 16 hex digits of HMAC-SHA256(key, serial); an already redacted serial is kept."""
    if _REDACTED_SERIAL.fullmatch(serial):
        return serial
    return SERIAL_PREFIX + hmac.new(key, serial.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def _user_label(kind: str, uid: object) -> str:
    match kind:
        case UserKind.PRIMARY.value:
            return "Owner"
        case UserKind.WORK_PROFILE.value:
            return "Work profile"
        case UserKind.GUEST.value:
            return f"Guest {uid}"
        case UserKind.SECONDARY.value:
            return f"Secondary user {uid}"
        case _:
            return f"Other profile {uid}"


class _Scrubber:
    """Replaces the serial, personal names and the source path in any text, and account-like strings."""

    def __init__(self, anywhere: dict[str, str], words: dict[str, str]) -> None:
        # ``anywhere``: serials and paths, replaced even inside a longer token (``snapshot-<serial>_1``);
        # ``words``: names, replaced only where no letter touches them (Ann in "Ann's phone", not in "Annex").
        self.replacements = {**words, **anywhere}
        self.needles = sorted(self.replacements, key=len, reverse=True)  # Anna before Ann
        parts = [re.escape(n) if n in anywhere else rf"(?<![^\W\d_]){re.escape(n)}(?![^\W\d_])" for n in self.needles]
        self.pattern = re.compile("|".join(parts)) if parts else None

    def text(self, s: str) -> str:
        if self.pattern is not None and any(n in s for n in self.needles):
            s = self.pattern.sub(lambda m: self.replacements[m.group(0)], s)
        if "@" in s:
            s = _EMAIL.sub(ACCOUNT, s)
        if "Account" in s:
            s = _ACCOUNT_NAME.sub(lambda m: m.group(1) + ACCOUNT, s)
        return s

    def walk(self, value: Json) -> Json:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self.walk(v) for k, v in value.items()}
        return value


def _note(ephemeral: bool) -> dict[str, Json]:
    message = (
        "Redacted: the serial is a keyed hash; personal user names, account names and the source path are removed."
    )
    if ephemeral:
        message += " The key was random for this run, so these hashes do not match those of any other run."
    return {"section": SECTION, "level": "info", "message": message}


def redact_data(doc: dict[str, Json], key: RedactKey) -> dict[str, Json]:
    """A redacted copy of an audit report in its JSON form (what ``to_data`` gives or ``json.loads`` reads).

    Works on the JSON form because that is how a fleet reads thousands of reports; a field it does
    not know is still scrubbed as text.
    """
    anywhere: dict[str, str] = {}
    words: dict[str, str] = {}
    device = doc.get("device")
    serial = device.get("serial") if isinstance(device, dict) else None
    # A placeholder (``auditor.identity``) names nobody and is shared by many phones: it stays, so the
    # fleet still knows it is no identity; hashing it would make it look like one.
    if isinstance(serial, str) and not is_placeholder_serial(serial):
        hashed = hash_serial(serial, key.key)
        device = dict(device) if isinstance(device, dict) else {}
        device["serial"] = hashed
        doc = {**doc, "device": device}
        if len(serial) >= MIN_SCRUB_SERIAL:
            anywhere[serial] = hashed
    users = doc.get("users")
    if isinstance(users, list):
        for user in users:
            if isinstance(user, dict) and isinstance(user.get("name"), str):
                name = str(user["name"])
                if name.strip() and name.strip().lower() not in GENERIC_USER_NAMES:
                    words[name] = _user_label(str(user.get("kind")), user.get("id"))
    source = doc.get("source")
    path = source.get("path") if isinstance(source, dict) else None
    if isinstance(path, str) and path and not path.startswith("redacted-"):
        anywhere[path] = redact_path(path, key)
    scrubbed = _Scrubber(anywhere, words).walk(doc)
    assert isinstance(scrubbed, dict)
    notes = scrubbed.get("notes")
    note_list = list(notes) if isinstance(notes, list) else []
    if not any(isinstance(n, dict) and n.get("section") == SECTION for n in note_list):
        note_list.append(_note(key.ephemeral))
    scrubbed["notes"] = note_list
    return scrubbed


def redact_path(path: str, key: RedactKey) -> str:
    """``redacted-`` + 12 hex digits of HMAC-SHA256(key, path): the same path gives the same name."""
    if path.startswith("redacted-"):
        return path
    return "redacted-" + hmac.new(key.key, path.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def redact_skip(skip: Skip, key: RedactKey) -> Skip:
    """A skipped input with its path (and any mention of it in the reason) replaced by its keyed hash."""
    hidden = redact_path(skip.path, key)
    return Skip(hidden, _Scrubber({skip.path: hidden}, {}).text(skip.reason))


def redact_report(report: AuditReport, key: bytes | RedactKey) -> AuditReport:
    """The report with the serial hashed under ``key`` and personal names removed (see the module doc)."""
    rk = key if isinstance(key, RedactKey) else RedactKey(key, ephemeral=False)
    data = to_data(report)
    assert isinstance(data, dict)
    return from_data(AuditReport, redact_data(data, rk))
