"""The signer certificate, chosen as Android chooses it: v3, else v2, else v1.

* v2, v3 and v3.1 live in the APK Signing Block, just before the central directory
  (https://source.android.com/docs/security/features/apksigning/v2): ID-value pairs whose signers
  hold length-prefixed DER certificates; the first certificate of a signer is its own.
* v1 is JAR signing: ``META-INF/*.RSA|DSA|EC`` holds a PKCS#7 SignedData whose SignerInfo names
  its certificate by issuer and serial number. A minimal bounded DER walker finds it; no ASN.1
  library touches the APK's bytes except ``cryptography`` to print a subject.

Android trusts v3 over v2 over v1 (v1 matters only on API < 24). v3.1 targets Android 13+ for key
rotation, so its signer is listed but v3's is chosen. Signatures are parsed, not verified: the
SHA-256 here says *who claims* to have signed, which is what the audit compares with the device.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from collections.abc import Sequence
from dataclasses import dataclass

try:  # only to print a subject; the SHA-256 needs no X.509 parsing
    from cryptography import x509

    HAVE_X509 = True
except ImportError:  # pragma: no cover - cryptography comes with adb-shell
    HAVE_X509 = False

from auditor.apk.errors import FormatError, SigningFormatError
from auditor.apk.manifest import text
from auditor.apk.zipread import ZipArchive, ZipEntry
from auditor.model import ApkCertificate, ApkIssue, ApkIssueKind, ApkSigning, SigningScheme

log = logging.getLogger(__name__)

APK_SIG_BLOCK_MAGIC = b"APK Sig Block 42"
V2_BLOCK_ID = 0x7109871A
V3_BLOCK_ID = 0xF05368C0
V31_BLOCK_ID = 0x1B93AD61
_BLOCK_SCHEMES = {V2_BLOCK_ID: SigningScheme.V2, V3_BLOCK_ID: SigningScheme.V3, V31_BLOCK_ID: SigningScheme.V31}
_PREFERENCE = (SigningScheme.V3, SigningScheme.V2, SigningScheme.V1)
_V1_SUFFIXES = (".RSA", ".DSA", ".EC")
_MAX_V1_FILES = 16


@dataclass(frozen=True)
class _Found:
    scheme: SigningScheme
    der: bytes


def read_signing(
    archive: ZipArchive, *, max_block_bytes: int, max_file_bytes: int
) -> tuple[ApkSigning, list[ApkIssue]]:
    """Signer facts of one APK, with an issue for each scheme that could not be parsed."""
    issues: list[ApkIssue] = []
    found: list[_Found] = []
    schemes: list[SigningScheme] = []
    try:
        for scheme, value in _signing_block(archive, max_block_bytes):
            schemes.append(scheme)
            try:
                found.extend(_Found(scheme, der) for der in _block_signer_certs(value))
            except SigningFormatError as e:
                issues.append(ApkIssue(ApkIssueKind.BAD_SIGNING, f"{scheme.value} block: {e}"))
    except SigningFormatError as e:
        issues.append(ApkIssue(ApkIssueKind.BAD_SIGNING, f"APK Signing Block: {e}"))
    v1_entries = _v1_signature_files(archive)
    if v1_entries:
        schemes.append(SigningScheme.V1)
    for entry in v1_entries:
        try:
            data = archive.read(entry, max_file_bytes)
            found.append(_Found(SigningScheme.V1, pkcs7_signer_certificate(data)))
        except FormatError as e:
            issues.append(ApkIssue(ApkIssueKind.BAD_SIGNING, f"v1 signature file: {e}", entry.name))
    certificates = tuple(dict.fromkeys(_certificate(f) for f in found))
    chosen = next((c for scheme in _PREFERENCE for c in certificates if c.scheme is scheme), None)
    signing = ApkSigning(
        signer_sha256=chosen.sha256 if chosen else None,
        signer_scheme=chosen.scheme if chosen else None,
        signer_subject=chosen.subject if chosen else None,
        schemes=tuple(sorted(set(schemes), key=list(SigningScheme).index)),
        certificates=certificates,
    )
    return signing, issues


def _certificate(found: _Found) -> ApkCertificate:
    """The certificate with its digests: SHA-256 (what Play and apksigner show), SHA-1 and MD5 (what indicator
    lists of stalkerware name: Echap's certificates are SHA-1, some STIX2 bundles use MD5)."""
    der = found.der
    return ApkCertificate(
        found.scheme,
        hashlib.sha256(der).hexdigest(),
        _subject(der),
        sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),
        md5=hashlib.md5(der, usedforsecurity=False).hexdigest(),
    )


def _subject(der: bytes) -> str | None:
    if not HAVE_X509:
        return None
    try:
        return text(x509.load_der_x509_certificate(der).subject.rfc4514_string())
    except Exception as e:  # any parse failure of untrusted DER only loses the display name
        log.debug("certificate subject unreadable: %s", e)
        return None


def _v1_signature_files(archive: ZipArchive) -> list[ZipEntry]:
    result = []
    for e in archive.entries:
        name = e.name
        if name.startswith("META-INF/") and "/" not in name[9:] and name.upper().endswith(_V1_SUFFIXES):
            result.append(e)
    return sorted(result, key=lambda e: e.name)[:_MAX_V1_FILES]


# ------------------------------------------------------------------------------------ v2 / v3


def _signing_block(archive: ZipArchive, max_bytes: int) -> list[tuple[SigningScheme, bytes]]:
    """The v2/v3/v3.1 values of the APK Signing Block, if there is one."""
    cd = archive.cd_offset
    if cd < 32:
        return []
    try:
        footer = archive.read_raw(cd - 24, 24)
    except FormatError as e:
        raise SigningFormatError(f"signing block footer unreadable: {e}") from e
    if footer[8:] != APK_SIG_BLOCK_MAGIC:
        return []
    (size,) = struct.unpack_from("<Q", footer, 0)
    if size < 24 or size > max_bytes or size + 8 > cd:
        raise SigningFormatError(f"signing block size {size} is out of range")
    try:
        block = archive.read_raw(cd - size - 8, size + 8)
    except FormatError as e:
        raise SigningFormatError(f"signing block unreadable: {e}") from e
    if struct.unpack_from("<Q", block, 0)[0] != size:
        raise SigningFormatError("signing block sizes disagree")
    pos = 8
    end = len(block) - 24
    result: list[tuple[SigningScheme, bytes]] = []
    while pos < end:
        if pos + 12 > end:
            raise SigningFormatError("truncated ID-value pair")
        (length,) = struct.unpack_from("<Q", block, pos)
        if length < 4 or length > end - pos - 8:
            raise SigningFormatError("ID-value pair length out of range")
        (block_id,) = struct.unpack_from("<L", block, pos + 8)
        scheme = _BLOCK_SCHEMES.get(block_id)
        if scheme is not None:
            result.append((scheme, block[pos + 12 : pos + 8 + length]))
        pos += 8 + length
    return result


def _lp(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """A uint32-length-prefixed field at ``pos``: (start, end) of its content."""
    if pos + 4 > end:
        raise SigningFormatError("length prefix runs past its container")
    (n,) = struct.unpack_from("<L", data, pos)
    if n > end - pos - 4:
        raise SigningFormatError("length-prefixed field runs past its container")
    return pos + 4, pos + 4 + n


def _lp_items(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    items = []
    pos = start
    while pos < end:
        s, e = _lp(data, pos, end)
        items.append((s, e))
        pos = e
    return items


def _block_signer_certs(value: bytes) -> list[bytes]:
    """First certificate of each signer in a v2/v3 block value."""
    s, e = _lp(value, 0, len(value))
    certs = []
    for signer_s, signer_e in _lp_items(value, s, e):
        sd_s, sd_e = _lp(value, signer_s, signer_e)
        digests_s, digests_e = _lp(value, sd_s, sd_e)
        certs_s, certs_e = _lp(value, digests_e, sd_e)
        items = _lp_items(value, certs_s, certs_e)
        if not items:
            raise SigningFormatError("signer without a certificate")
        cs, ce = items[0]
        certs.append(bytes(value[cs:ce]))
    if not certs:
        raise SigningFormatError("block without signers")
    return certs


# ------------------------------------------------------------------------------------ v1 (PKCS#7)


def _tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """DER ``(tag, content_start, content_end)`` at ``pos``, bounds-checked."""
    if pos + 2 > end:
        raise SigningFormatError("DER element runs past its container")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise SigningFormatError("multi-byte DER tags are not used in PKCS#7")
    first = data[pos + 1]
    p = pos + 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or p + n > end:
            raise SigningFormatError("bad DER length")
        length = int.from_bytes(data[p : p + n], "big")
        p += n
    if length > end - p:
        raise SigningFormatError("DER element runs past its container")
    return tag, p, p + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """``(tag, element_start, content_start, content_end)`` of each child."""
    out = []
    pos = start
    while pos < end:
        tag, cs, ce = _tlv(data, pos, end)
        out.append((tag, pos, cs, ce))
        pos = ce
        if len(out) > 10_000:
            raise SigningFormatError("too many DER elements")
    return out


_OID_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")


def pkcs7_signer_certificate(data: bytes) -> bytes:
    """DER of the certificate the (first) SignerInfo of a PKCS#7 SignedData names."""
    tag, cs, ce = _tlv(data, 0, len(data))
    if tag != 0x30:
        raise SigningFormatError("PKCS#7 is not a SEQUENCE")
    ci = _children(data, cs, ce)
    if len(ci) < 2 or ci[0][0] != 0x06 or data[ci[0][2] : ci[0][3]] != _OID_SIGNED_DATA or ci[1][0] != 0xA0:
        raise SigningFormatError("not a PKCS#7 SignedData")
    inner = _children(data, ci[1][2], ci[1][3])
    if not inner or inner[0][0] != 0x30:
        raise SigningFormatError("SignedData is not a SEQUENCE")
    fields = _children(data, inner[0][2], inner[0][3])
    certs: list[tuple[int, int, int, int]] = []
    signer_infos: Sequence[tuple[int, int, int, int]] = ()
    for tag, _s, fcs, fce in fields:
        if tag == 0xA0:
            certs = _children(data, fcs, fce)
        elif tag == 0x31:
            signer_infos = _children(data, fcs, fce)
    cert_ders = [bytes(data[s:ce]) for t, s, _cs, ce in certs if t == 0x30]
    if not cert_ders:
        raise SigningFormatError("SignedData holds no certificates")
    if signer_infos:
        wanted = _signer_id(data, signer_infos[0])
        if wanted is not None:
            for der in cert_ders:
                if _issuer_serial(der) == wanted:
                    return der
    if len(cert_ders) == 1:
        return cert_ders[0]
    raise SigningFormatError("no certificate matches the SignerInfo")


def _signer_id(data: bytes, signer_info: tuple[int, int, int, int]) -> tuple[bytes, bytes] | None:
    parts = _children(data, signer_info[2], signer_info[3])
    if len(parts) < 2 or parts[1][0] != 0x30:
        return None  # subjectKeyIdentifier form: fall back to the only certificate
    sid = _children(data, parts[1][2], parts[1][3])
    if len(sid) != 2:
        return None
    issuer = bytes(data[sid[0][1] : sid[0][3]])
    serial = bytes(data[sid[1][2] : sid[1][3]])
    return issuer, serial


def _issuer_serial(der: bytes) -> tuple[bytes, bytes] | None:
    try:
        _t, cs, ce = _tlv(der, 0, len(der))
        tbs = _children(der, cs, ce)[0]
        items = _children(der, tbs[2], tbs[3])
        i = 1 if items and items[0][0] == 0xA0 else 0  # optional [0] version
        serial = bytes(der[items[i][2] : items[i][3]])
        issuer = bytes(der[items[i + 2][1] : items[i + 2][3]])
        return issuer, serial
    except (SigningFormatError, IndexError):
        return None
