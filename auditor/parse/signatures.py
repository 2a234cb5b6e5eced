"""The signing-certificate hashes ``dumpsys package`` prints (``signatures=PackageSignatures{…}``).

They are not certificate digests: Android 9+ prints ``Signature.hashCode()`` (32 bits of the certificate's
content), Android 8.1 and older ``System.identityHashCode`` of the object (see ``SignatureHashKind``). Still,
within one dump they tell whether two packages are signed alike, which is how the platform certificate (the
signer of package ``android``) is recognised without the APKs.
"""

from __future__ import annotations

import re
from typing import Final

from auditor.model import DumpSignatures, SignatureHashKind

MAX_SIGNATURES: Final = 16
"""More signers than this on one package is not what Android prints; the rest is ignored."""

_NEW_FORMAT = re.compile(r"version:\s*\d+,\s*signatures:\[([^\]]*)\](?:,\s*past signatures:\[([^\]]*)\])?")
_OLD_FORMAT = re.compile(r"^PackageSignatures\{[0-9a-f]+ \[([^\]]*)\]\}$")
_HASH = re.compile(r"^[0-9a-f]{1,8}$")


def _hashes(listed: str) -> tuple[str, ...]:
    """The hex hashes of a ``[…]`` list; a past-signature entry reads ``<hash> flags: <hex>``."""
    found = []
    for item in listed.split(",")[:MAX_SIGNATURES]:
        words = item.split()
        if words and _HASH.match(words[0]):
            found.append(words[0])
    return tuple(found)


def parse_signatures(text: str | None) -> DumpSignatures | None:
    """The certificate hashes of a ``signatures=PackageSignatures{…}`` value, or ``None`` when unreadable.

    ``PackageSignatures{1a2b version:3, signatures:[b378e95c], past signatures:[a1 flags: 17]}`` (Android 9+)
    gives content hashes; ``PackageSignatures{1a2b [b1a1812f]}`` (Android 8.1 and older) identity hashes.
    """
    if not text:
        return None
    text = text.strip()
    new = _NEW_FORMAT.search(text)
    if new is not None:
        current = _hashes(new.group(1))
        return DumpSignatures(SignatureHashKind.CONTENT, current, _hashes(new.group(2) or "")) if current else None
    old = _OLD_FORMAT.match(text)
    if old is not None:
        current = _hashes(old.group(1))
        return DumpSignatures(SignatureHashKind.IDENTITY, current) if current else None
    return None


def same_signer(a: DumpSignatures, b: DumpSignatures) -> bool:
    """Whether two hash sets of one dump name the same signing certificates (see ``SignatureHashKind``)."""
    return a.kind is b.kind and set(a.current) == set(b.current)
