"""APK signatures: JAR signing (v1) and the APK Signing Block (v2, v3, v3.1), RSA or ECDSA keys.

Digests and signatures are real, so ``apksigner verify`` could check the files. The v2+ block sits
between the last entry and the central directory; its content digest covers the entries, the
central directory and the end record (whose directory offset still names the block's start), in
1 MiB chunks, as the scheme defines.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

V2_ID = 0x7109871A
V3_ID = 0xF05368C0
V31_ID = 0x1B93AD61
RSA_PKCS1_SHA256 = 0x0103
ECDSA_SHA256 = 0x0201
_STRIPPING_PROTECTION = 0xBEEFF00D  # v2 attribute: "a v3 block exists, do not accept v2 alone"
_MAGIC = b"APK Sig Block 42"


def _ecdsa() -> ec.ECDSA:
    """ECDSA with SHA-256, deterministic (RFC 6979) where ``cryptography`` offers it (44+)."""
    try:
        return ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    except TypeError:  # cryptography < 44: randomised signatures only
        return ec.ECDSA(hashes.SHA256())


@dataclass(frozen=True)
class Signer:
    """A signing key and its certificate."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def spki_der(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def sha256(self) -> str:
        """SHA-256 of the certificate: what Android and the audit call the signer."""
        return hashlib.sha256(self.cert_der).hexdigest()

    @property
    def algorithm(self) -> int:
        """The signature algorithm id of the v2+ schemes for this key."""
        return RSA_PKCS1_SHA256 if isinstance(self.key, rsa.RSAPrivateKey) else ECDSA_SHA256

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(data, _ecdsa())


@functools.lru_cache(maxsize=4096)
def derived_ec_signer(common_name: str) -> Signer:
    """A P-256 key derived from a name, with a self-signed certificate: the same signer on every run.

    Why derived: the synthetic device's APKs must hash the same for a seed (the demo and its tests
    compare them), and apps of one developer must share a signer; a name is all that takes.
    """
    secret = int.from_bytes(hashlib.sha256(b"auditor synthetic signer\0" + common_name.encode()).digest(), "big")
    key = ec.derive_private_key(secret % (2**255) + 1, ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(secret % (2**63) + 1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2050, 1, 1, tzinfo=UTC))
    )
    try:
        cert = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    except TypeError:  # cryptography < 44
        cert = builder.sign(key, hashes.SHA256())
    return Signer(key, cert)


# ------------------------------------------------------------------------------------ v1 (JAR)


def _b64sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def sign_v1(
    entries: Sequence[tuple[str, bytes]], signer: Signer, *, alias: str = "CERT", created_by: str = "auditor"
) -> list[tuple[str, bytes]]:
    """The JAR signature entries for ``entries``: ``MANIFEST.MF``, ``<alias>.SF`` and a detached
    PKCS#7 signature over the ``.SF`` (``<alias>.RSA`` or ``<alias>.EC`` by key type)."""
    mf = f"Manifest-Version: 1.0\r\nCreated-By: {created_by}\r\n\r\n"
    sections = []
    for name, data in entries:
        section = f"Name: {name}\r\nSHA-256-Digest: {_b64sha256(data)}\r\n\r\n"
        sections.append((name, section))
        mf += section
    sf = (
        f"Signature-Version: 1.0\r\nCreated-By: {created_by}\r\n"
        f"SHA-256-Digest-Manifest: {_b64sha256(mf.encode())}\r\n\r\n"
    )
    for name, section in sections:
        sf += f"Name: {name}\r\nSHA-256-Digest: {_b64sha256(section.encode())}\r\n\r\n"
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(sf.encode())
        .add_signer(signer.cert, signer.key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoCapabilities])
    )
    extension = "RSA" if isinstance(signer.key, rsa.RSAPrivateKey) else "EC"
    return [
        ("META-INF/MANIFEST.MF", mf.encode()),
        (f"META-INF/{alias}.SF", sf.encode()),
        (f"META-INF/{alias}.{extension}", signature),
    ]


# ------------------------------------------------------------------------------------ v2, v3, v3.1


def _lp(data: bytes) -> bytes:
    """A length-prefixed value (uint32 little-endian length)."""
    return struct.pack("<L", len(data)) + data


def _seq(items: Iterable[bytes]) -> bytes:
    """A length-prefixed sequence of length-prefixed values."""
    return _lp(b"".join(_lp(i) for i in items))


def _chunked_sha256(sections: Iterable[bytes]) -> bytes:
    digests = []
    for section in sections:
        for at in range(0, len(section), 1 << 20):
            part = section[at : at + (1 << 20)]
            digests.append(hashlib.sha256(b"\xa5" + struct.pack("<L", len(part)) + part).digest())
    return hashlib.sha256(b"\x5a" + struct.pack("<L", len(digests)) + b"".join(digests)).digest()


def add_signing_block(
    apk: bytes,
    signer: Signer,
    *,
    v2: bool = True,
    v3: bool = False,
    v31: bool = False,
    v3_signer: Signer | None = None,
    v31_signer: Signer | None = None,
) -> bytes:
    """``apk`` with an APK Signing Block holding the chosen schemes, in front of its central directory.

    v3 and v3.1 signers default to ``signer`` (v3.1 to the v3 signer): a different one there is a
    rotated key. With v3, the v2 signer carries the stripping-protection attribute, as apksigner writes.
    """
    eocd = apk.rfind(b"PK\x05\x06")
    (cd,) = struct.unpack_from("<L", apk, eocd + 16)
    digest = _chunked_sha256((apk[:cd], apk[cd:eocd], apk[eocd:]))

    def digests(s: Signer) -> bytes:
        return _seq([struct.pack("<L", s.algorithm) + _lp(digest)])

    pairs: list[tuple[int, bytes]] = []
    if v2:
        attributes = _seq([struct.pack("<LL", _STRIPPING_PROTECTION, 3)]) if v3 else _seq([])
        signed = digests(signer) + _seq([signer.cert_der]) + attributes
        signature = struct.pack("<L", signer.algorithm) + _lp(signer.sign(signed))
        one = _lp(signed) + _seq([signature]) + _lp(signer.spki_der)
        pairs.append((V2_ID, _seq([one])))
    for enabled, block_id, s in ((v3, V3_ID, v3_signer or signer), (v31, V31_ID, v31_signer or v3_signer or signer)):
        if not enabled:
            continue
        sdk_range = struct.pack("<LL", 24, 0x7FFFFFFF)  # min and max SDK of this signer
        signed = digests(s) + _seq([s.cert_der]) + sdk_range + _seq([])
        one = _lp(signed) + sdk_range + _seq([struct.pack("<L", s.algorithm) + _lp(s.sign(signed))]) + _lp(s.spki_der)
        pairs.append((block_id, _seq([one])))
    body = b"".join(struct.pack("<QL", 4 + len(value), block_id) + value for block_id, value in pairs)
    size = len(body) + 8 + len(_MAGIC)
    block = struct.pack("<Q", size) + body + struct.pack("<Q", size) + _MAGIC
    out = bytearray(apk[:cd] + block + apk[cd:])
    struct.pack_into("<L", out, eocd + len(block) + 16, cd + len(block))
    return bytes(out)
