"""Hostile APKs: each gives a typed ok / degraded / skipped result with its reason, never a crash.

Most run in-process (the parsers' behaviour); a few run through the worker (the isolation)."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.apk import ApkCache, ApkLimits, analyse_apk, analyse_apks, exit_status
from auditor.apk.analyse import analyse_file
from auditor.model import ApkIssue, ApkIssueKind, ApkResult, ApkStatus
from tests.apk import factory
from tests.apk.conftest import WriteApk
from tests.apk.factory import AxmlLayout

Analyse = Callable[..., ApkResult]
MiB = 1024 * 1024


def kinds(result: ApkResult) -> list[ApkIssueKind]:
    return [i.kind for i in result.issues]


def test_valid_apk_is_ok(analyse: Analyse) -> None:
    result = analyse(factory.build_apk())
    assert (result.status, result.issues) == (ApkStatus.OK, ())
    assert result.size is not None and result.sha256 is not None and len(result.sha256) == 64


def test_empty_file(analyse: Analyse) -> None:
    result = analyse(b"")
    assert (result.status, result.facts, result.size) == (ApkStatus.SKIPPED, None, 0)
    assert result.issues == (ApkIssue(ApkIssueKind.EMPTY_FILE, "the file is empty"),)
    assert result.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_not_a_zip(analyse: Analyse) -> None:
    result = analyse(b"<html>this is a web page, not an APK</html>\n" * 10)
    assert result.status is ApkStatus.SKIPPED
    assert result.issues == (ApkIssue(ApkIssueKind.NOT_A_ZIP, "no end-of-central-directory record"),)


def test_truncated_zip(analyse: Analyse) -> None:
    apk = factory.build_apk()
    result = analyse(apk[: len(apk) // 2])
    assert result.status is ApkStatus.SKIPPED
    assert kinds(result) == [ApkIssueKind.NOT_A_ZIP]


def test_truncated_inside_an_entry_keeps_the_directory(analyse: Analyse) -> None:
    """Cut the data of classes.dex but keep the central directory: manifest read, DEX not."""
    apk = bytearray(factory.build_apk(classes=[f"c.C{i}" for i in range(300)], stored=["classes.dex"]))
    cd = factory.cd_offset(bytes(apk))
    # Point classes.dex's compressed size far past the end.
    pos = cd
    while apk[pos : pos + 4] == b"PK\x01\x02":
        n, x, c = struct.unpack_from("<3H", apk, pos + 28)
        if apk[pos + 46 : pos + 46 + n] == b"classes.dex":
            struct.pack_into("<L", apk, pos + 20, 50_000_000)
        pos += 46 + n + x + c
    result = analyse(bytes(apk))
    assert result.status is ApkStatus.DEGRADED
    assert result.facts is not None and result.facts.class_count == 0
    assert [(i.kind, i.entry) for i in result.issues] == [(ApkIssueKind.TRUNCATED, "classes.dex")]


def test_no_manifest(analyse: Analyse) -> None:
    apk = factory.ZipBuilder().add("classes.dex", factory.dex(["a.B"])).build()
    result = analyse(apk)
    assert result.issues == (ApkIssue(ApkIssueKind.NO_MANIFEST, "the archive has no AndroidManifest.xml"),)
    assert result.status is ApkStatus.SKIPPED


def test_zip_bomb_dex_is_capped_and_the_rest_still_reported(analyse: Analyse) -> None:
    bomb = factory.deflate_zeros(200 * MiB)
    apk = factory.build_apk(
        classes=[["com.example.app.Main"], []],
        entry_options={"classes2.dex": {"raw_deflate": bomb, "declared_size": 4096}},
    )
    result = analyse(apk)
    assert result.status is ApkStatus.DEGRADED
    assert result.facts is not None and result.facts.class_count == 1
    assert [(i.kind, i.entry) for i in result.issues] == [(ApkIssueKind.LIMIT_EXCEEDED, "classes2.dex")]
    assert result.issues[0].message == "classes2.dex: entry inflates past the cap of 134217728 bytes"


def test_zip_bomb_manifest_skips(analyse: Analyse) -> None:
    bomb = factory.deflate_zeros(40 * MiB)
    apk = factory.ZipBuilder().add("AndroidManifest.xml", b"", raw_deflate=bomb, declared_size=2000).build()
    result = analyse(apk)
    assert result.status is ApkStatus.SKIPPED
    assert kinds(result) == [ApkIssueKind.LIMIT_EXCEEDED]


def test_total_inflation_budget(analyse: Analyse) -> None:
    bomb = factory.deflate_zeros(3 * MiB)
    dexes = [["com.example.app.Main"]] + [[] for _ in range(5)]
    opts = {f"classes{i}.dex": {"raw_deflate": bomb, "declared_size": 10} for i in range(2, 7)}
    limits = ApkLimits(max_total_inflated_bytes=8 * MiB)
    result = analyse(factory.build_apk(classes=dexes, entry_options=opts), limits=limits)
    assert result.status is ApkStatus.DEGRADED
    # Two 3 MiB entries fit (as invalid DEX), the third runs out of budget and reading stops.
    assert kinds(result) == [ApkIssueKind.BAD_DEX, ApkIssueKind.BAD_DEX, ApkIssueKind.LIMIT_EXCEEDED]
    assert result.issues[-1].entry == "classes4.dex"


def test_dex_with_lying_sizes_and_offsets(analyse: Analyse) -> None:
    bad = bytearray(factory.dex(["x.Y"]))
    struct.pack_into("<L", bad, 0x60, 0x0FFFFFFF)  # class_defs_size
    struct.pack_into("<L", bad, 0x20, 0xFFFFFFFF)  # file_size
    bad2 = bytearray(factory.dex(["z.W"]))
    struct.pack_into("<L", bad2, 0x3C, 0xFFFFFFF0)  # string_ids_off
    apk = factory.build_apk(
        classes=[["com.example.app.Main", "com.facebook.ads.AdView"], ["x.Y"], ["z.W"]],
        entry_options={
            "classes2.dex": {"data": bytes(bad)},
            "classes3.dex": {"data": bytes(bad2)},
        },
    )
    result = analyse(apk)
    assert result.status is ApkStatus.DEGRADED
    assert result.facts is not None
    assert (result.facts.dex_files, result.facts.class_count) == (1, 2)
    assert [t.name for t in result.facts.trackers] == ["Facebook Ads"]
    assert [(i.kind, i.entry) for i in result.issues] == [
        (ApkIssueKind.BAD_DEX, "classes2.dex"),
        (ApkIssueKind.BAD_DEX, "classes3.dex"),
    ]
    assert result.issues[0].message == (
        "classes2.dex: DEX class_defs table (268435455 items at 128) lies outside the file"
    )


def test_invalid_compression_method_on_non_manifest_entries(analyse: Analyse) -> None:
    """Entries Android never reads may carry any method; the ones we read are read as Android does."""
    apk = factory.build_apk(
        extra=[("res/drawable/icon.png", b"\x89PNG fake"), ("assets/data.bin", b"x" * 5000)],
        stored=["classes.dex"],
        entry_options={
            "res/drawable/icon.png": {"method": 0x1337},
            "assets/data.bin": {"method": 99},
            "classes.dex": {"method": 0xBEEF},
        },
    )
    result = analyse(apk)
    assert result.status is ApkStatus.OK
    assert result.facts is not None and result.facts.class_count == 1
    assert result.issues == (ApkIssue(ApkIssueKind.ZIP_ANOMALY, "3 entries declare an unknown compression method"),)


def test_invalid_compression_method_on_the_manifest(analyse: Analyse) -> None:
    apk = factory.build_apk(stored=["AndroidManifest.xml"], entry_options={"AndroidManifest.xml": {"method": 0x1337}})
    result = analyse(apk)
    assert result.status is ApkStatus.OK
    assert result.facts is not None and result.facts.package == "com.example.app"
    assert [i.message for i in result.issues] == [
        "AndroidManifest.xml declares compression method 4919; read as Android does",
        "1 entries declare an unknown compression method",
    ]


def test_encrypted_flag_on_plain_entries(analyse: Analyse) -> None:
    apk = factory.build_apk(entry_options={"AndroidManifest.xml": {"flags": 1}, "classes.dex": {"flags": 1}})
    result = analyse(apk)
    assert result.status is ApkStatus.OK
    assert result.facts is not None and result.facts.class_count == 1
    assert result.issues == (
        ApkIssue(ApkIssueKind.ZIP_ANOMALY, "2 entries carry the 'encrypted' flag; read as plain, as Android does"),
    )


def test_manifest_with_a_malformed_chunk_header_android_accepts(analyse: Analyse) -> None:
    manifest = factory.axml(factory.manifest(), layout=AxmlLayout(namespace_header_size=0x14))
    result = analyse(factory.build_apk(manifest_bytes=manifest))
    assert result.status is ApkStatus.OK
    assert result.facts is not None and result.facts.package == "com.example.app"
    assert kinds(result) == [ApkIssueKind.MANIFEST_ANOMALY]


def test_manifest_with_a_malformed_chunk_header_android_rejects(analyse: Analyse) -> None:
    manifest = bytearray(factory.axml(factory.manifest()))
    pos = manifest.index(struct.pack("<HH", 0x0102, 16))
    struct.pack_into("<H", manifest, pos + 2, 0x1C01)
    result = analyse(factory.build_apk(manifest_bytes=bytes(manifest)))
    assert result.status is ApkStatus.SKIPPED
    assert result.issues[0].kind is ApkIssueKind.BAD_MANIFEST
    assert result.issues[0].message.startswith("AndroidManifest.xml: chunk 0x102 at ")


def test_janus_dex_before_the_zip(analyse: Analyse) -> None:
    prefix = factory.dex(["com.evil.Payload", "com.appsflyer.Hidden"])
    apk = factory.prepend(factory.build_apk(v1=factory.make_signer("Old Key")), prefix)
    result = analyse(apk)
    assert result.status is ApkStatus.OK
    assert result.facts is not None
    assert result.facts.janus is True
    assert (result.facts.dex_files, result.facts.class_count) == (2, 3)
    assert [t.name for t in result.facts.trackers] == ["AppsFlyer"]
    assert result.issues == (
        ApkIssue(ApkIssueKind.JANUS, "the file starts with a DEX header before the zip (Janus, CVE-2017-13156)"),
    )
    assert result.facts.signing.signer_sha256 == factory.make_signer("Old Key").sha256


def test_path_traversal_entry_names_write_nothing(
    tmp_path: Path, write_apk: WriteApk, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    inner = factory.build_apk(classes=["com.inner.X"])
    apk = factory.build_apk(
        extra=[
            ("../../../../../../tmp/auditor-zip-slip", b"owned"),
            ("../evil.apk", inner),
            ("/etc/cron.d/evil", b"* * * * * root true"),
        ]
    )
    path = write_apk(apk)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    cache = ApkCache(tmp_path / "cache")
    result = analyse_apk(path, cache=cache)
    assert result.status is ApkStatus.OK
    assert result.facts is not None and result.facts.class_count == 2  # nested "../evil.apk" scanned in memory
    assert (
        ApkIssue(
            ApkIssueKind.ZIP_ANOMALY,
            "3 entry names are absolute or climb out with '..' (never extracted here)",
            "../../../../../../tmp/auditor-zip-slip",
        )
        in result.issues
    )
    after = sorted(p.name for p in tmp_path.rglob("*"))
    assert sorted(n for n in after if n not in before) == sorted(["cache", f"{result.sha256}.json"])
    assert not Path("/tmp/auditor-zip-slip").exists()
    assert list(work.iterdir()) == []


def test_label_carrying_html_and_script_is_kept_verbatim(analyse: Analyse) -> None:
    label = '<script>alert("x")</script><img src=x onerror=alert(1)>\x1b[31m\u202eevil'
    result = analyse(factory.build_apk(factory.manifest(app_attrs={"android:label": label})))
    assert result.facts is not None
    # Facts keep the text as the APK says it; renderers escape it (tests/apk/test_report.py).
    assert result.facts.label == label


def test_huge_label_is_cut(analyse: Analyse) -> None:
    result = analyse(factory.build_apk(factory.manifest(app_attrs={"android:label": "A" * 100_000})))
    assert result.facts is not None and result.facts.label is not None
    assert len(result.facts.label) == 4096 and result.facts.label.endswith("…")


def test_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.apk"
    os.mkfifo(fifo)
    for path in (tmp_path, fifo, tmp_path / "missing.apk"):
        result = analyse_file(path, trackers=None, limits=ApkLimits())
        assert result.status is ApkStatus.SKIPPED
        assert kinds(result) == [ApkIssueKind.UNREADABLE]
        assert result.sha256 is None


def test_every_hostile_input_in_one_batch_through_workers(write_apk: WriteApk, tmp_path: Path) -> None:
    """The audit goes on: one batch, every outcome typed, in input order, exit status 2."""
    inputs = [
        factory.build_apk(),
        b"",
        b"not a zip",
        factory.build_apk()[:300],
        factory.ZipBuilder().add("AndroidManifest.xml", b"", raw_deflate=factory.deflate_zeros(64 * MiB)).build(),
        factory.prepend(factory.build_apk(), factory.dex(["a.B"])),
    ]
    paths = [write_apk(data) for data in inputs] + [tmp_path / "missing.apk"]
    results = analyse_apks(paths, jobs=2)
    assert [r.path for r in results] == [str(p) for p in paths]
    assert [(r.status, kinds(r)) for r in results] == [
        (ApkStatus.OK, []),
        (ApkStatus.SKIPPED, [ApkIssueKind.EMPTY_FILE]),
        (ApkStatus.SKIPPED, [ApkIssueKind.NOT_A_ZIP]),
        (ApkStatus.SKIPPED, [ApkIssueKind.NOT_A_ZIP]),
        (ApkStatus.SKIPPED, [ApkIssueKind.LIMIT_EXCEEDED]),
        (ApkStatus.OK, [ApkIssueKind.JANUS]),
        (ApkStatus.SKIPPED, [ApkIssueKind.UNREADABLE]),
    ]
    assert exit_status(results) == 2
    assert exit_status(results[:1]) == 0
