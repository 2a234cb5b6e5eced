"""What a PATH is: sniffing each kind of input, searching folders, and recording skips with reasons."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from pathlib import Path

import pytest

from auditor.fleet.inputs import InputKind, expand, sniff
from tests.fleet.builders import synthetic, write_json


def _bugreport_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("main_entry.txt", "bugreport-x.txt")
        zf.writestr("bugreport-x.txt", "== dumpstate: 2024-06-01\n------ DUMP OF SERVICE package ------\n")
    return path


def _apk_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
        zf.writestr("classes.dex", b"dex\n035\x00")
    return path


def _androidqf(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "dumpsys.txt").write_text("DUMP OF SERVICE package:\n")
    (path / "getprop.txt").write_text("[ro.product.model]: [Pixel]\n")
    return path


def _snapshot(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "manifest.json").write_text("{}")
    (path / "raw").mkdir()
    return path


def test_each_kind_is_recognised(tmp_path: Path) -> None:
    report = synthetic(1)
    audit = write_json(report, tmp_path / "a.json")
    gz = tmp_path / "b.json.gz"
    gz.write_bytes(gzip.compress(audit.read_bytes()))
    assert sniff(audit) is InputKind.AUDIT_JSON
    assert sniff(gz) is InputKind.AUDIT_JSON
    assert sniff(_snapshot(tmp_path / "snap")) is InputKind.SNAPSHOT
    assert sniff(_androidqf(tmp_path / "qf")) is InputKind.ANDROIDQF
    assert sniff(_bugreport_zip(tmp_path / "br.zip")) is InputKind.BUGREPORT
    assert sniff(_apk_zip(tmp_path / "app.apk")) is InputKind.APK
    dumpstate = tmp_path / "dumpstate.txt"
    dumpstate.write_text("== dumpstate: 2024-06-01 10:00:00\n")
    assert sniff(dumpstate) is InputKind.BUGREPORT


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b'{"hello": 1}', "a JSON file that is not an audit report"),
        (b"PK\x03\x04garbage", "not a readable zip"),
        (b"just some text", "not an audit JSON, a bug report's dumpstate, an androidqf acquisition or an APK"),
    ],
)
def test_unusable_files_give_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    got = sniff(path)
    assert not isinstance(got, InputKind)
    assert reason in got


def test_missing_path_and_plain_folder(tmp_path: Path) -> None:
    assert sniff(tmp_path / "nope") == "no such file or directory"
    got = sniff(tmp_path)
    assert not isinstance(got, InputKind)
    assert "neither a snapshot" in got


def test_folder_search_takes_candidates_skips_broken_ones_and_ignores_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    write_json(synthetic(1), root / "site-a" / "d1.json")
    write_json(synthetic(2), root / "site-b" / "deeper" / "d2.json")
    _snapshot(root / "site-b" / "snap")
    (root / "site-b" / "snap" / "raw" / "x.json").write_text("{}")  # inside a snapshot: never searched
    _bugreport_zip(root / "br.zip")
    _apk_zip(root / "app.apk")
    (root / "broken.json").write_text('{"schema": "1.0", "apps": ')
    (root / "other.json").write_text('{"x": 1}')
    (root / "README.md").write_text("notes")
    (root / "notes.txt").write_text("a stray text file")
    found = expand([root])
    kinds = {Path(i.path).name: i.kind for i in found.inputs}
    assert kinds == {
        "d1.json": InputKind.AUDIT_JSON,
        "d2.json": InputKind.AUDIT_JSON,
        "snap": InputKind.SNAPSHOT,
        "br.zip": InputKind.BUGREPORT,
        # a JSON that starts like a report is a candidate; reading it fully (in a worker) skips it
        "broken.json": InputKind.AUDIT_JSON,
    }
    skipped = {Path(s.path).name: s.reason for s in found.skips}
    assert set(skipped) == {"app.apk", "other.json"}
    assert "an APK is one app" in skipped["app.apk"]
    assert found.ignored == 2  # README.md and notes.txt
    # Sorted and stable: the same folder gives the same order.
    assert expand([root]).inputs == found.inputs


def test_the_same_input_twice_is_taken_once(tmp_path: Path) -> None:
    path = write_json(synthetic(1), tmp_path / "d.json")
    found = expand([path, tmp_path, path])
    assert [i.path for i in found.inputs] == [str(path)]


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    write_json(synthetic(1), root / "d.json")
    os.symlink(root, root / "loop")
    found = expand([root])
    assert len(found.inputs) == 1


def test_apks_are_inputs_only_when_asked(tmp_path: Path) -> None:
    path = _apk_zip(tmp_path / "app.apk")
    assert expand([path]).inputs == ()
    assert expand([path], apks=True).inputs[0].kind is InputKind.APK


def test_an_explicit_unusable_path_is_a_skip(tmp_path: Path) -> None:
    found = expand([tmp_path / "missing.json"])
    assert found.inputs == ()
    assert found.skips[0].reason == "no such file or directory"
    assert json.dumps(found.skips[0].path)
