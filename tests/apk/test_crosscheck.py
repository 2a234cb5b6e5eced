"""The factory's APKs and our readings of them, checked against Debian's ``aapt`` and ``dexdump``
(the platform's own parsers) and against androguard. Skipped only where a tool is absent."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.model import ApkResult
from tests.apk import factory
from tests.apk.conftest import WriteApk
from tests.apk.factory import AxmlLayout, Ref, ResValue, el

Analyse = Callable[..., ApkResult]
P = "android.permission."


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (apt-get install {name})")
    return path


def badging(path: Path) -> list[str]:
    out = subprocess.run([_tool("aapt"), "dump", "badging", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def rich_manifest(target: int = 22, min_sdk: int = 19) -> factory.Element:
    return factory.manifest(
        "org.cross.check",
        version_code=1234,
        version_name="5.6.7",
        min_sdk=min_sdk,
        target_sdk=target,
        permissions=[P + "CAMERA", (P + "WRITE_EXTERNAL_STORAGE", 28), P + "READ_CONTACTS"],
        permissions_sdk23=[P + "ACCESS_FINE_LOCATION"],
        app_attrs={"android:label": Ref(factory.res_id(1, 0)), "android:debuggable": True},
        components=[
            factory.activity(".Main", factory.LAUNCHER, exported=True),
            factory.activity("org.cross.check.Second", exported=False),
        ],
    )


RES = factory.arsc("org.cross.check", {"string": [("app_name", [ResValue("Cross <Check>")])]})


def _ours_as_badging(result: ApkResult) -> list[str]:
    """Our facts in aapt's words, for the lines both print."""
    f = result.facts
    assert f is not None
    lines = [
        f"package: name='{f.package}' versionCode='{f.version_code}' versionName='{f.version_name}'",
        f"sdkVersion:'{f.min_sdk}'",
        f"targetSdkVersion:'{f.target_sdk}'",
    ]
    for p in f.permissions:
        tag = "uses-permission-sdk-23" if p.sdk23 else "uses-permission"
        max_sdk = f" maxSdkVersion='{p.max_sdk}'" if p.max_sdk is not None else ""
        lines.append(f"{tag}: name='{p.name}'{max_sdk}")
        if p.implied:
            lines.append(f"uses-implied-permission: name='{p.name}'{max_sdk} reason='{p.implied_reason}'")
    lines.append(f"application-label:'{f.label}'")
    if f.debuggable:
        lines.append("application-debuggable")
    lines += [f"launchable-activity: name='{a}'  label='' icon=''" for a in f.launcher_activities]
    return lines


@pytest.mark.parametrize(("min_sdk", "target"), [(1, 3), (1, 15), (19, 22), (19, 33), (19, 3)])
def test_manifest_facts_match_aapt_badging(write_apk: WriteApk, analyse: Analyse, min_sdk: int, target: int) -> None:
    apk = factory.build_apk(rich_manifest(target, min_sdk), resources=RES)
    aapt_lines = badging(write_apk(apk))
    result = analyse(apk)
    ours = _ours_as_badging(result)
    relevant = re.compile(
        r"^(package:|sdkVersion|targetSdkVersion|uses-permission|uses-implied-permission|application-label:|"
        r"application-debuggable|launchable-activity)"
    )
    assert sorted(ours) == sorted(line for line in aapt_lines if relevant.match(line))


@pytest.mark.parametrize(
    "options",
    [
        AxmlLayout(namespace_header_size=0x14),
        AxmlLayout(attribute_size=24),
        AxmlLayout(utf8=True),
        AxmlLayout(trailing=b"\x00" * 16),
        AxmlLayout(end_namespace_header_size=8 + 16),
    ],
    ids=["ns-header-20", "attr-stride-24", "utf8-pool", "trailing-zeros", "end-ns-header-24"],
)
def test_tampered_manifests_read_like_aapt(write_apk: WriteApk, analyse: Analyse, options: AxmlLayout) -> None:
    """aapt uses the platform's ResXMLTree: where it reads a tampered manifest, we must too."""
    apk = factory.build_apk(manifest_bytes=factory.axml(rich_manifest(), layout=options), resources=RES)
    lines = badging(write_apk(apk))
    result = analyse(apk)
    assert result.facts is not None
    assert lines[0] == "package: name='org.cross.check' versionCode='1234' versionName='5.6.7'"
    assert result.facts.package == "org.cross.check" and result.facts.version_code == 1234


def test_dexdump_lists_the_same_classes(write_apk: WriteApk, analyse: Analyse) -> None:
    names1 = [f"com.example.a{i}.C{i}" for i in range(40)] + ["com.google.android.gms.ads.AdView"]
    names2 = ["io.other.Thing", "io.other.Thing$Inner", "z.Last"]
    path = write_apk(factory.build_apk(classes=[names1, names2]))
    out = subprocess.run([_tool("dexdump"), str(path)], capture_output=True, text=True, check=True).stdout
    descriptors = re.findall(r"Class descriptor\s+: 'L([^']*);'", out)
    theirs = sorted(d.replace("/", ".") for d in descriptors)
    assert theirs == sorted(names1 + names2)
    result = analyse(path.read_bytes())
    assert result.facts is not None
    assert (result.facts.dex_files, result.facts.class_count) == (2, 44)


def test_dexdump_and_androguard_list_the_same_classes_from_a_full_dex(analyse: Analyse, write_apk: WriteApk) -> None:
    """A DEX with methods, code, fields and strings (as the benchmark uses) reads the same everywhere."""
    names = [f"com.pkg{i % 9}.sub.C{i}" for i in range(300)] + ["com.facebook.ads.AdView"]
    data = factory.dex(names, methods_per_class=3, fields_per_class=2, strings_per_class=2, code_units=7)
    path = write_apk(data, "classes.dex")
    out = subprocess.run([_tool("dexdump"), "-c", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Checksum verified" in out
    out = subprocess.run([_tool("dexdump"), str(path)], capture_output=True, text=True, check=True).stdout
    theirs = sorted(d.replace("/", ".") for d in re.findall(r"Class descriptor\s+: 'L([^']*);'", out))
    assert theirs == sorted(names)
    assert out.count("insns size    : 7 16-bit code units") == 3 * len(names)
    dex_mod = pytest.importorskip("androguard.core.dex")
    from loguru import logger

    logger.disable("androguard")
    ag = sorted(n[1:-1].replace("/", ".") for n in dex_mod.DEX(data).get_classes_names())
    assert ag == sorted(names)
    apk = factory.build_apk(classes=[], extra=[("classes.dex", data)])
    result = analyse(apk)
    assert result.facts is not None and result.facts.class_count == len(names)


def test_androguard_reads_the_same_signers(write_apk: WriteApk, analyse: Analyse) -> None:
    apk_mod = pytest.importorskip("androguard.core.apk")
    from loguru import logger

    logger.disable("androguard")
    old, new = factory.make_signer("Old Key"), factory.make_signer("New Key")
    apk = factory.build_apk(rich_manifest(), resources=RES, v1=old, v2=old, v3=new)
    path = write_apk(apk)
    a = apk_mod.APK(str(path))
    assert [hashlib.sha256(c).hexdigest() for c in a.get_certificates_der_v2()] == [old.sha256]
    assert [hashlib.sha256(c).hexdigest() for c in a.get_certificates_der_v3()] == [new.sha256]
    assert a.get_package() == "org.cross.check"
    assert a.get_app_name() == "Cross <Check>"
    result = analyse(apk)
    assert result.facts is not None
    assert result.facts.signing.signer_sha256 == new.sha256
    assert result.facts.label == "Cross <Check>"


def test_factory_dex_checksum_and_signature_are_valid() -> None:
    import zlib

    data = factory.dex(["a.B", "c.D"])
    assert int.from_bytes(data[8:12], "little") == zlib.adler32(data[12:])
    assert data[12:32] == hashlib.sha1(data[32:]).digest()
    assert el("x").tag == "x"
