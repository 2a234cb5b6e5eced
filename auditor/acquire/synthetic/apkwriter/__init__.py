"""Writing APK files from their published formats: one writer for the synthetic device and the tests.

Why one writer: the synthetic device serves APKs (``auditor demo``, ``collect --apks``) and the tests
need APKs with chosen facts and hostile variants. Both need the same formats, and two copies of a
binary format drift apart (a fix to the string pool in one never reaches the other). So the formats
are written here, once; callers decide what an APK says (``auditor.acquire.synthetic.apks`` for the
device, ``tests/apk/factory.py`` for the tests, which also bends these parts into hostile files).

* ``axml``: binary XML (string pool, resource map, namespace, element and text nodes), the format of
  ``AndroidManifest.xml`` and of compiled ``res/xml`` files, laid out as aapt2 does by default;
* ``arsc``: a resource table with one package, enough to resolve a label or an ``@xml`` reference;
* ``dex``: a DEX file defining chosen classes (optionally with methods, fields and strings, for
  realistic sizes), with a valid checksum and SHA-1 signature;
* ``ziparchive``: zip records whose every header field is written as given;
* ``signing``: JAR (v1) signatures and an APK Signing Block with v2/v3/v3.1 signers (RSA or ECDSA),
  with real digests and signatures, so ``apksigner`` could check them.

Nothing here is copied from a real APK or another tool; only the formats' public descriptions
(AOSP's ``ResourceTypes.h``, the DEX format page, PKWARE's APPNOTE, the APK signature scheme pages).
"""

from __future__ import annotations

from auditor.acquire.synthetic.apkwriter.arsc import ResValue, arsc, res_id
from auditor.acquire.synthetic.apkwriter.axml import (
    ANDROID_NS,
    ATTR_IDS,
    AttrValue,
    AxmlLayout,
    Element,
    Hex,
    Ref,
    axml,
    chunk,
    el,
    string_pool,
)
from auditor.acquire.synthetic.apkwriter.dex import descriptor, dex
from auditor.acquire.synthetic.apkwriter.signing import (
    V2_ID,
    V3_ID,
    V31_ID,
    Signer,
    add_signing_block,
    derived_ec_signer,
    sign_v1,
)
from auditor.acquire.synthetic.apkwriter.ziparchive import ZipRecord, ZipStyle, deflate, record, zip_archive

__all__ = [
    "ANDROID_NS",
    "ATTR_IDS",
    "V2_ID",
    "V31_ID",
    "V3_ID",
    "AttrValue",
    "AxmlLayout",
    "Element",
    "Hex",
    "Ref",
    "ResValue",
    "Signer",
    "ZipRecord",
    "ZipStyle",
    "add_signing_block",
    "arsc",
    "axml",
    "chunk",
    "deflate",
    "derived_ec_signer",
    "descriptor",
    "dex",
    "el",
    "record",
    "res_id",
    "sign_v1",
    "string_pool",
    "zip_archive",
]
