"""The one detector and the bounded containers: every form of every source, and what is refused.

The real androidqf acquisition (../shared/real-devices/mvt-tests/androidqf) is zipped here in the two
shapes people share it (at the zip's root, or under the acquisition's UUID folder); each must audit
exactly like the folder.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest

from auditor.acquire.containers import MAX_MEMBERS, FolderContainer, ZipContainer
from auditor.acquire.detect import LOOKED_FOR, Packing, SourceKind, detect, is_source_dir, sniff
from auditor.fleet.inputs import InputKind, expand
from auditor.model import NoteLevel
from auditor.pipeline import audit_path
from auditor.snapshot import SnapshotError
from auditor.untrusted import UnsafeInputError
from tests.realdata import real_file

QF = "mvt-tests/androidqf"
UUID = "2b1e0f3c-3a4d-4c55-9e0a-0f6f1d8a7c21"


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.iterdir()):
            zf.write(file, prefix + file.name)
    return target


def test_an_androidqf_zip_audits_like_its_folder_whatever_its_shape(tmp_path: Path) -> None:
    folder = real_file(QF)
    expected = audit_path(folder, merge_apks=False)
    for name, prefix in (("flat.zip", ""), (f"{UUID}.zip", f"{UUID}/")):
        path = zip_folder(folder, tmp_path / name, prefix)
        found = detect(path)
        assert (found.kind, found.packing, found.root) == (SourceKind.ANDROIDQF, Packing.ZIP, prefix)
        report = audit_path(path, merge_apks=False)
        assert report.apps == expected.apps
        assert report.device_state == expected.device_state
        assert report.source.snapshot_sha256 == expected.source.snapshot_sha256


def test_what_each_input_is(tmp_path: Path) -> None:
    assert detect(real_file(QF)) == detect(real_file(QF))
    assert (detect(real_file(QF)).kind, detect(real_file(QF)).packing) == (SourceKind.ANDROIDQF, Packing.FOLDER)
    report_folder = detect(real_file("mvt-tests/android_data/bugreport"))
    assert (report_folder.kind, report_folder.packing, report_folder.entry) == (
        SourceKind.BUGREPORT,
        Packing.FOLDER,
        "dumpstate.txt",
    )
    text = detect(real_file("mvt-tests/android_data/bugreport/dumpstate.txt"))
    assert (text.kind, text.packing) == (SourceKind.BUGREPORT, Packing.FILE)
    # An older bug report zip without main_entry.txt: the largest bugreport-*.txt is the dumpstate.
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(old, "w") as zf:
        zf.writestr("bugreport-small.txt", "== dumpstate\n")
        zf.writestr("bugreport-a40.txt", "== dumpstate\nDUMP OF SERVICE package:\n" + "x" * 100)
    assert detect(old).entry == "bugreport-a40.txt"
    age = tmp_path / "x.zip.age"
    age.write_bytes(b"age-encryption.org/v1\n-> X25519 abc\n")
    assert (detect(age).kind, detect(age).packing) == (SourceKind.ANDROIDQF, Packing.ENCRYPTED_ZIP)
    # A folder of several dumpstate texts is a folder of reports, not one unzipped report.
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "bugreport-a.txt").write_text("== dumpstate\n")
    assert not is_source_dir(reports)


def test_the_error_names_what_was_looked_for(tmp_path: Path) -> None:
    odd = tmp_path / "notes.bin"
    odd.write_bytes(b"\x00\x01binary")
    with pytest.raises(SnapshotError) as e:
        detect(odd)
    assert str(e.value).endswith(LOOKED_FOR)
    assert "androidqf acquisition (a folder, .zip or .zip.age holding getprop.txt" in LOOKED_FOR
    assert "\n" not in str(e.value)
    assert sniff(tmp_path / "absent") == "no such file or directory"


def test_a_folder_never_reads_outside_itself(tmp_path: Path) -> None:
    """A link out of the folder (to a file of the auditing computer) is neither listed nor read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("[ro.product.model]: [not from the phone]\n")
    acq = tmp_path / "acq"
    acq.mkdir()
    (acq / "dumpsys.txt").write_bytes(real_file(f"{QF}/dumpsys.txt").read_bytes())
    (acq / "getprop.txt").symlink_to(secret)
    folder = FolderContainer(acq)
    assert folder.names() == ("dumpsys.txt",)
    with pytest.raises(UnsafeInputError, match="leads outside the folder"):
        folder.read("getprop.txt", 1 << 20)
    with pytest.raises(UnsafeInputError, match="refusing the path"):
        folder.read("../secret.txt", 1 << 20)
    report = audit_path(acq)
    assert report.device.model is None
    assert any(n.section == "getprop" and n.level is NoteLevel.MISSING for n in report.notes)


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    """A FIFO named like an androidqf file would block a naive read forever; it is not a regular file."""
    acq = tmp_path / "acq"
    acq.mkdir()
    (acq / "getprop.txt").write_bytes(real_file(f"{QF}/getprop.txt").read_bytes())
    os.mkfifo(acq / "dumpsys.txt")
    assert FolderContainer(acq).names() == ("getprop.txt",)
    with pytest.raises(UnsafeInputError, match="not a regular file"):
        FolderContainer(acq).read("dumpsys.txt", 1 << 20)
    report = audit_path(acq)
    assert any(n.section == "dumpsys.txt" and n.level is NoteLevel.MISSING for n in report.notes)


def test_a_zip_with_too_many_entries_is_not_looked_into(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.acquire.containers as containers

    monkeypatch.setattr(containers, "MAX_MEMBERS", 3)
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(5):
            zf.writestr(f"f{i}.txt", "x")
    with pytest.raises(SnapshotError, match="a zip with 5 entries; not a capture"):
        ZipContainer.open(path, str(path))
    assert MAX_MEMBERS == 100_000


def test_a_zip_member_is_read_with_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("dumpsys.txt", b"\0" * 5000)
    with ZipContainer.open(path, "a.zip") as container:
        assert len(container.read("dumpsys.txt", 5000)) == 5000
        with pytest.raises(SnapshotError, match="a.zip: dumpsys.txt inflates to more than 4999 bytes"):
            container.read("dumpsys.txt", 4999)
        with pytest.raises(SnapshotError, match="no missing.txt in the zip"):
            container.read("missing.txt", 10)


def test_fleet_finds_every_form(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    root.mkdir()
    zip_folder(real_file(QF), root / f"{UUID}.zip", f"{UUID}/")
    (root / "enc.zip.age").write_bytes(b"age-encryption.org/v1\n-> X25519 abc\n")
    unzipped = root / "phone-b"
    unzipped.mkdir()
    for name in ("main_entry.txt", "dumpstate.txt"):
        (unzipped / name).write_bytes(real_file(f"mvt-tests/android_data/bugreport/{name}").read_bytes())
    found = expand([root])
    assert {(Path(i.path).name, i.kind) for i in found.inputs} == {
        (f"{UUID}.zip", InputKind.ANDROIDQF),
        ("enc.zip.age", InputKind.ANDROIDQF),
        ("phone-b", InputKind.BUGREPORT),
    }
    assert found.skips == ()


def test_a_snapshot_whose_manifest_cannot_be_read_is_never_taken_for_its_raw_files(tmp_path: Path) -> None:
    """A manifest that is a link loop left the folder unjudged, and a fleet went on into ``raw/``, whose
    ``getprop.txt`` made it an androidqf acquisition with no apps: grade A for a phone nobody looked at."""
    from auditor.acquire.synthetic import write_synthetic

    phone = tmp_path / "fleet" / "phone"
    phone.parent.mkdir()
    write_synthetic(phone, 31, seed=2)
    (phone / "manifest.json").unlink()
    (phone / "manifest.json").symlink_to("manifest.json")
    reason = "a snapshot folder whose manifest.json is not a readable regular file"
    assert sniff(phone) == reason
    assert is_source_dir(phone)
    found = expand([tmp_path / "fleet"])
    assert found.inputs == ()
    assert [(s.path, s.reason) for s in found.skips] == [(str(phone), reason)]


def test_a_source_without_any_package_data_says_its_apps_were_not_audited(tmp_path: Path) -> None:
    from auditor.analyse.build import NO_APPS

    folder = tmp_path / "qf"
    folder.mkdir()
    (folder / "getprop.txt").write_text("[ro.product.model]: [Pixel 8]\n[ro.build.version.sdk]: [34]\n")
    report = audit_path(folder, merge_apks=False)
    assert report.apps == ()
    assert (report.notes[0].section, report.notes[0].level, report.notes[0].message) == (
        "packages",
        NoteLevel.MISSING,
        NO_APPS,
    )


def test_a_zip_member_whose_compressed_data_is_damaged_is_one_line(tmp_path: Path) -> None:
    """Corrupt deflate data is found only while inflating: it was "internal error: error: Error -3 while
    decompressing data", exit 3, from both the streamed dumpstate and whole-file reads."""
    from auditor.acquire.synthetic.forms import Form, write_form
    from auditor.errors import AuditorError

    zipped = write_form(tmp_path, Form.BUGREPORT_ZIP, 31, seed=4)
    content = bytearray(zipped.read_bytes())
    with zipfile.ZipFile(zipped) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("bugreport-"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 200, start + 260):
        content[i] ^= 0x5A
    zipped.write_bytes(bytes(content))
    said = re.escape(f"{zipped}: {info.filename}: cannot read (Error -3 while decompressing")
    with pytest.raises(AuditorError, match=f"^{said}"):
        audit_path(zipped, merge_apks=False)
    with ZipContainer.open(zipped, zipped.name) as container, pytest.raises(AuditorError, match="cannot read"):
        container.read(info.filename, 1 << 30)
