"""Test APKs: valid ones with chosen facts, and hostile variants, built on the package's APK writer.

No downloaded APKs: every test APK is written at test time from the published formats by
``auditor.acquire.synthetic.apkwriter`` (binary XML, resource tables, DEX, zip records, v1 and
v2/v3/v3.1 signatures), the same writer the synthetic device uses. What is test-specific lives here:

* ``manifest`` / ``activity`` / ``intent_filter``: element trees with every manifest knob a test
  turns (declared permissions, ``maxSdkVersion``, splits, components);
* ``ZipBuilder``: zip entries whose headers lie (sizes, CRCs, methods, flags, pre-made bomb data),
  written through the writer's zip records; ``prepend`` (Janus files) and ``deflate_zeros`` (bombs);
* ``make_signer``: RSA test keys (cached per run: key generation is slow);
* ``build_apk``: all of it together, with per-entry hostile options.
"""

from __future__ import annotations

import datetime
import functools
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from auditor.acquire.synthetic.apkwriter import (
    ANDROID_NS,
    ATTR_IDS,
    AttrValue,
    AxmlLayout,
    Element,
    Hex,
    Ref,
    ResValue,
    Signer,
    ZipRecord,
    add_signing_block,
    arsc,
    axml,
    deflate,
    descriptor,
    dex,
    el,
    res_id,
    sign_v1,
    string_pool,
    zip_archive,
)

__all__ = [
    "ANDROID_NS",
    "ATTR_IDS",
    "LAUNCHER",
    "AttrValue",
    "AxmlLayout",
    "Element",
    "Hex",
    "RawEntry",
    "Ref",
    "ResValue",
    "Signer",
    "ZipBuilder",
    "activity",
    "add_signing_block",
    "arsc",
    "axml",
    "build_apk",
    "cd_offset",
    "deflate_zeros",
    "descriptor",
    "dex",
    "el",
    "eocd_offset",
    "intent_filter",
    "make_signer",
    "manifest",
    "prepend",
    "res_id",
    "sign_v1",
    "string_pool",
]

# ------------------------------------------------------------------------------------ zip


@dataclass
class RawEntry:
    """One zip entry with every field a hostile variant may want to forge."""

    name: str | bytes
    data: bytes
    compress: bool = True
    method: int | None = None
    """Method written to both headers (default: 8 when compressed, else 0)."""
    local_method: int | None = None
    flags: int = 0
    declared_size: int | None = None
    """Uncompressed size written to the headers (default: the real one)."""
    raw_deflate: bytes | None = None
    """Pre-compressed data (for bombs): written as is, with ``declared_size``."""
    crc: int | None = None

    def record(self) -> ZipRecord:
        """The writer's record for this entry, forged fields included."""
        name = self.name.encode("utf-8") if isinstance(self.name, str) else self.name
        if self.raw_deflate is not None:
            return ZipRecord(
                name=name,
                payload=self.raw_deflate,
                method=8 if self.method is None else self.method,
                crc=self.crc or 0,
                size=self.declared_size if self.declared_size is not None else 0,
                flags=self.flags,
                local_method=self.local_method,
            )
        return ZipRecord(
            name=name,
            payload=deflate(self.data) if self.compress else self.data,
            method=(8 if self.compress else 0) if self.method is None else self.method,
            crc=zlib.crc32(self.data) if self.crc is None else self.crc,
            size=len(self.data) if self.declared_size is None else self.declared_size,
            flags=self.flags,
            local_method=self.local_method,
        )


class ZipBuilder:
    """A zip archive entry by entry, each entry free to lie in its headers."""

    def __init__(self) -> None:
        self.entries: list[RawEntry] = []

    def add(self, name: str | bytes, data: bytes, **kw: object) -> ZipBuilder:
        self.entries.append(RawEntry(name, data, **kw))  # type: ignore[arg-type]
        return self

    def build(self, *, comment: bytes = b"") -> bytes:
        return zip_archive([e.record() for e in self.entries], comment=comment)


def eocd_offset(apk: bytes) -> int:
    return apk.rfind(b"PK\x05\x06")


def cd_offset(apk: bytes) -> int:
    return int(struct.unpack_from("<L", apk, eocd_offset(apk) + 16)[0])


def prepend(apk: bytes, prefix: bytes) -> bytes:
    """Put ``prefix`` in front of the zip and shift every offset (how a Janus file is made)."""
    out = bytearray(prefix + apk)
    shift = len(prefix)
    e = eocd_offset(bytes(out))
    cd = struct.unpack_from("<L", out, e + 16)[0] + shift
    struct.pack_into("<L", out, e + 16, cd)
    pos = cd
    while out[pos : pos + 4] == b"PK\x01\x02":
        n, x, c = struct.unpack_from("<3H", out, pos + 28)
        off = struct.unpack_from("<L", out, pos + 42)[0]
        struct.pack_into("<L", out, pos + 42, off + shift)
        pos += 46 + n + x + c
    return bytes(out)


def deflate_zeros(n: int) -> bytes:
    """Raw deflate of ``n`` zero bytes (a bomb payload: about 1000:1)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\0" * (1 << 22)
    parts = []
    left = n
    while left > 0:
        take = min(left, len(block))
        parts.append(co.compress(block[:take]))
        left -= take
    parts.append(co.flush())
    return b"".join(parts)


# ------------------------------------------------------------------------------------ signing


@functools.cache
def make_signer(common_name: str = "Test Signer") -> Signer:
    """An RSA-2048 key with a self-signed certificate (cached: key generation is slow)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.COUNTRY_NAME, "US")]
    )
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(abs(hash(common_name)) % (1 << 60) + 1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * 30))
        .sign(key, hashes.SHA256())
    )
    return Signer(key, cert)


# ------------------------------------------------------------------------------------ APKs


def manifest(
    package: str = "com.example.app",
    *,
    version_code: int | None = 7,
    version_name: AttrValue | None = "1.2.3",
    min_sdk: int | None = 21,
    target_sdk: int | None = 33,
    permissions: Sequence[str | tuple[str, int]] = (),
    permissions_sdk23: Sequence[str] = (),
    declared: Sequence[tuple[str, int]] = (),
    app_attrs: dict[str, AttrValue] | None = None,
    components: Sequence[Element] = (),
    split: str | None = None,
    extra_root_attrs: dict[str, AttrValue] | None = None,
) -> Element:
    """A manifest element tree; ``components`` go inside ``<application>``."""
    attrs: dict[str, AttrValue] = {}
    if version_code is not None:
        attrs["android:versionCode"] = version_code
    if version_name is not None:
        attrs["android:versionName"] = version_name
    attrs["package"] = package
    if split is not None:
        attrs["split"] = split
    attrs.update(extra_root_attrs or {})
    root = el("manifest", attrs)
    sdk: dict[str, AttrValue] = {}
    if min_sdk is not None:
        sdk["android:minSdkVersion"] = min_sdk
    if target_sdk is not None:
        sdk["android:targetSdkVersion"] = target_sdk
    if sdk:
        root.children.append(el("uses-sdk", sdk))
    for p in permissions:
        if isinstance(p, tuple):
            root.children.append(el("uses-permission", {"android:name": p[0], "android:maxSdkVersion": p[1]}))
        else:
            root.children.append(el("uses-permission", {"android:name": p}))
    for p in permissions_sdk23:
        root.children.append(el("uses-permission-sdk-23", {"android:name": p}))
    for name, level in declared:
        root.children.append(el("permission", {"android:name": name, "android:protectionLevel": Hex(level)}))
    root.children.append(el("application", dict(app_attrs or {}), *components))
    return root


def activity(name: str, *filters: Element, **attrs: AttrValue) -> Element:
    return el("activity", {"android:name": name, **{f"android:{k}": v for k, v in attrs.items()}}, *filters)


def intent_filter(actions: Sequence[str] = (), categories: Sequence[str] = (), schemes: Sequence[str] = ()) -> Element:
    children = [el("action", {"android:name": a}) for a in actions]
    children += [el("category", {"android:name": c}) for c in categories]
    children += [el("data", {"android:scheme": s}) for s in schemes]
    return el("intent-filter", {}, *children)


LAUNCHER = intent_filter(["android.intent.action.MAIN"], ["android.intent.category.LAUNCHER"])


def build_apk(
    root: Element | None = None,
    *,
    classes: Sequence[str] | Sequence[Sequence[str]] = ("com.example.app.MainActivity",),
    manifest_bytes: bytes | None = None,
    resources: bytes | None = None,
    extra: Sequence[tuple[str, bytes]] = (),
    stored: Sequence[str] = (),
    v1: Signer | None = None,
    v2: Signer | None = None,
    v3: Signer | None = None,
    v31: Signer | None = None,
    entry_options: dict[str, dict[str, object]] | None = None,
) -> bytes:
    """An APK: manifest, classes*.dex (one per list when ``classes`` is a list of lists), optional
    resources.arsc and extra entries; optionally signed with v1, and v2/v3 in a signing block.
    ``entry_options`` forwards ``RawEntry`` fields per entry name for hostile variants."""
    if manifest_bytes is None:
        manifest_bytes = axml(root if root is not None else manifest())
    dex_lists: list[list[str]] = []
    if classes and not isinstance(classes[0], str):
        dex_lists = [[str(n) for n in c] for c in classes]
    elif classes:
        dex_lists = [[str(n) for n in classes]]
    entries: list[tuple[str, bytes]] = [("AndroidManifest.xml", manifest_bytes)]
    for i, names in enumerate(dex_lists):
        entries.append(("classes.dex" if i == 0 else f"classes{i + 1}.dex", dex(names)))
    if resources is not None:
        entries.append(("resources.arsc", resources))
    entries.extend(extra)
    if v1 is not None:
        entries.extend(sign_v1(entries, v1))
    zb = ZipBuilder()
    opts = entry_options or {}
    for name, data in entries:
        kw: dict[str, object] = {"compress": name not in stored and name != "resources.arsc"}
        kw.update(opts.get(name, {}))
        payload = kw.pop("data", data)
        assert isinstance(payload, bytes)
        zb.add(name, payload, **kw)
    apk = zb.build()
    if v2 is not None or v3 is not None or v31 is not None:
        base = v2 or v3 or v31
        assert base is not None
        apk = add_signing_block(
            apk, base, v2=v2 is not None, v3=v3 is not None, v31=v31 is not None, v3_signer=v3, v31_signer=v31
        )
    return apk
