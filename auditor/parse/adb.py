"""``dumpsys adb``: which computers the phone trusts for USB debugging.

``AdbDebuggingManager.dump`` (Android 11+) prints a proto-like text block::

    ADB MANAGER STATE (dumpsys adb):
    {
      debugging_manager={
        connected_to_adb=true
        last_key_received=F0:A1:3D:…
        user_keys=QAAAAPUB… user@linux
    <more keys of adb_keys, one per line>
        keystore=<adb_temp_keys.xml: XML, or Android's binary XML (ABX) from Android 12>
      }
    }

A key is Android's RSA public key struct in base64 followed by a comment (``user@host``). adbd only
takes 2048-bit keys, whose struct starts with the word count 64 (``40 00 00 00``), so every key's
base64 starts ``QAAAA``: that is how keys are found in either store, XML or binary, without parsing
ABX. The fingerprint is the MD5 of the decoded struct, colon-separated, exactly what the phone's
"Allow USB debugging?" dialog and ``last_key_received`` show (checked on MVT's capture: the one key of
``user_keys`` hashes to its ``last_key_received``). Comments name a user and a computer, so they are
not kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from auditor.model import ParsedAdbHosts

# Base64 of a 2048-bit key struct is 700 characters; shorter runs are accepted (trimmed captures) as long
# as they decode, longer ones are capped so a hostile dump cannot make one "key" of megabytes.
_KEY = re.compile(r"QAAAA[A-Za-z0-9+/]{1,2000}={0,2}")
_CONNECTED = re.compile(r"^\s*connected_to_adb=(true|false)\s*$", re.MULTILINE)
_KNOWN_LINE = re.compile(r"^\s*(ADB MANAGER STATE.*|[{}]|debugging_manager=\{|adb_wifi=\{|[a-z_]+=.*|<.*|QAAAA.*)\s*$")


def fingerprint(key_b64: str) -> str | None:
    """MD5 of a base64 key as ``AA:BB:…``; ``None`` when the text is not base64."""
    padded = key_b64 + "=" * (-len(key_b64) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return ":".join(f"{b:02X}" for b in hashlib.md5(raw, usedforsecurity=False).digest())


def parse_dumpsys_adb(text: str) -> ParsedAdbHosts:
    """Fingerprints of every distinct trusted key, and whether a computer was connected. Never raises."""
    fingerprints: list[str] = []
    unknown: list[str] = []
    for match in _KEY.finditer(text):
        found = fingerprint(match.group(0))
        if found is None:
            unknown.append(match.group(0)[:80])
        elif found not in fingerprints:
            fingerprints.append(found)
    connected = _CONNECTED.search(text)
    unknown += [
        line.strip()[:200]
        for line in text.splitlines()
        if line.strip() and not _KNOWN_LINE.match(line) and "QAAAA" not in line
    ]
    return ParsedAdbHosts(
        fingerprints=tuple(fingerprints),
        connected=None if connected is None else connected.group(1) == "true",
        unknown=tuple(unknown),
    )
