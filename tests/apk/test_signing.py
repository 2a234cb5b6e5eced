"""Signer certificate chosen as Android does (v3 > v2 > v1), and broken signing data."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable

import pytest

from auditor.apk.errors import SigningFormatError
from auditor.apk.signing import pkcs7_signer_certificate
from auditor.model import ApkCertificate, ApkIssueKind, ApkResult, ApkSigning, ApkStatus, SigningScheme
from tests.apk import factory

Analyse = Callable[..., ApkResult]


@pytest.fixture(scope="module")
def old() -> factory.Signer:
    return factory.make_signer("Old Key")


@pytest.fixture(scope="module")
def new() -> factory.Signer:
    return factory.make_signer("New Key")


def _certificate(scheme: SigningScheme, signer: factory.Signer, subject: str) -> ApkCertificate:
    """The certificate as analysis reports it: SHA-256, subject, and the SHA-1 and MD5 indicator lists name."""
    der = signer.cert_der
    return ApkCertificate(
        scheme,
        signer.sha256,
        subject,
        sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),
        md5=hashlib.md5(der, usedforsecurity=False).hexdigest(),
    )


def signing(analyse: Analyse, apk: bytes) -> ApkSigning:
    result = analyse(apk)
    assert result.status is ApkStatus.OK, result.issues
    assert result.facts is not None
    return result.facts.signing


def test_unsigned(analyse: Analyse) -> None:
    assert signing(analyse, factory.build_apk()) == ApkSigning(signer_sha256=None, signer_scheme=None)


def test_v1_only(analyse: Analyse, old: factory.Signer) -> None:
    s = signing(analyse, factory.build_apk(v1=old))
    assert s == ApkSigning(
        signer_sha256=old.sha256,
        signer_scheme=SigningScheme.V1,
        signer_subject="C=US,CN=Old Key",
        schemes=(SigningScheme.V1,),
        certificates=(_certificate(SigningScheme.V1, old, "C=US,CN=Old Key"),),
    )


def test_v2_only(analyse: Analyse, old: factory.Signer) -> None:
    s = signing(analyse, factory.build_apk(v2=old))
    assert (s.signer_sha256, s.signer_scheme, s.schemes) == (old.sha256, SigningScheme.V2, (SigningScheme.V2,))


def test_v3_wins_over_v2_and_v1_after_rotation(analyse: Analyse, old: factory.Signer, new: factory.Signer) -> None:
    s = signing(analyse, factory.build_apk(v1=old, v2=old, v3=new))
    assert (s.signer_sha256, s.signer_scheme, s.signer_subject) == (new.sha256, SigningScheme.V3, "C=US,CN=New Key")
    assert s.schemes == (SigningScheme.V1, SigningScheme.V2, SigningScheme.V3)
    assert [(c.scheme, c.sha256) for c in s.certificates] == [
        (SigningScheme.V2, old.sha256),
        (SigningScheme.V3, new.sha256),
        (SigningScheme.V1, old.sha256),
    ]


def test_v31_is_listed_but_v3_is_chosen(analyse: Analyse, old: factory.Signer, new: factory.Signer) -> None:
    apk = factory.build_apk(v2=old, v3=old, v31=new)
    s = signing(analyse, apk)
    assert s.schemes == (SigningScheme.V2, SigningScheme.V3, SigningScheme.V31)
    assert (s.signer_scheme, s.signer_sha256) == (SigningScheme.V3, old.sha256)
    assert _certificate(SigningScheme.V31, new, "C=US,CN=New Key") in s.certificates


def test_v2_wins_over_v1(analyse: Analyse, old: factory.Signer, new: factory.Signer) -> None:
    s = signing(analyse, factory.build_apk(v1=new, v2=old))
    assert (s.signer_sha256, s.signer_scheme) == (old.sha256, SigningScheme.V2)


def test_garbage_v1_signature_file_degrades(analyse: Analyse) -> None:
    result = analyse(factory.build_apk(extra=[("META-INF/CERT.RSA", b"\x30\x82\xff\xff not der")]))
    assert result.status is ApkStatus.DEGRADED
    assert result.facts is not None
    assert result.facts.signing.schemes == (SigningScheme.V1,)
    assert result.facts.signing.signer_sha256 is None
    assert [(i.kind, i.entry) for i in result.issues] == [(ApkIssueKind.BAD_SIGNING, "META-INF/CERT.RSA")]


def test_corrupt_signing_block_degrades_but_keeps_v1(analyse: Analyse, old: factory.Signer) -> None:
    apk = bytearray(factory.build_apk(v1=old, v2=old))
    cd = factory.cd_offset(bytes(apk))
    # The block's trailing size says 2^40: out of range.
    struct.pack_into("<Q", apk, cd - 24, 1 << 40)
    result = analyse(bytes(apk))
    assert result.status is ApkStatus.DEGRADED
    assert result.facts is not None
    assert result.facts.signing.signer_scheme is SigningScheme.V1
    assert result.issues[0].message == "APK Signing Block: signing block size 1099511627776 is out of range"


def test_v2_signer_without_certificates_degrades(analyse: Analyse, old: factory.Signer) -> None:
    apk = bytearray(factory.build_apk(v2=old))
    der = old.cert_der
    at = apk.index(struct.pack("<L", len(der)) + der)
    # Zero the certificates sequence length (the u32 before the cert's own length prefix).
    struct.pack_into("<L", apk, at - 4, 0)
    result = analyse(bytes(apk))
    assert result.facts is not None and result.facts.signing.schemes == (SigningScheme.V2,)
    assert result.status is ApkStatus.DEGRADED
    assert result.issues[0].kind is ApkIssueKind.BAD_SIGNING


@pytest.mark.parametrize(
    "data",
    [b"", b"\x30", b"\x30\x84\xff\xff\xff\xff", b"\x02\x01\x00", b"\x30\x03\x06\x01\x00", b"\x1f\x00"],
)
def test_pkcs7_parser_rejects_garbage(data: bytes) -> None:
    with pytest.raises(SigningFormatError):
        pkcs7_signer_certificate(data)


def test_pkcs7_picks_the_signer_among_several_certificates(old: factory.Signer, new: factory.Signer) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    sig = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(b"data")
        .add_signer(new.cert, new.key, hashes.SHA256())
        .add_certificate(old.cert)
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    )
    assert pkcs7_signer_certificate(sig) == new.cert_der
