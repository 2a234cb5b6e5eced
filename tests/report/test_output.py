"""The one writer of every output: standard output for ``-``, else a whole, owner-only file."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.report.output import STDOUT, AtomicFile, OutputError, write_output


def test_standard_output_gets_the_text_as_given(capsys: pytest.CaptureFixture[str]) -> None:
    write_output(STDOUT, "a,b\r\n")
    write_output(Path("./-"), iter(["x", "y\n"]))  # the same path, spelt differently
    assert capsys.readouterr().out == "a,b\r\nxy\n"


def test_a_file_is_utf8_bytes_owner_only_in_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"the folder .*new.deeper does not exist"):
        write_output(tmp_path / "new" / "deeper" / "r.csv", "x")
    assert list(tmp_path.iterdir()) == []  # nothing made on the way
    (tmp_path / "new").mkdir()
    target = tmp_path / "new" / "r.csv"
    write_output(target, "é,\u202e\r\n")
    assert target.read_bytes() == "é,\u202e\r\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write_output(target, (part for part in ("<p>", "ok", "</p>\n")))
    assert target.read_bytes() == b"<p>ok</p>\n"
    assert [p.name for p in target.parent.iterdir()] == ["r.csv"]


def test_a_renderer_failing_part_way_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "fleet.html"
    target.write_text("the previous page")

    def pieces() -> Iterator[str]:
        yield "<!doctype html>"
        raise RuntimeError("template error")

    with pytest.raises(RuntimeError, match="template error"):
        write_output(target, pieces())
    assert target.read_text() == "the previous page"
    assert [p.name for p in tmp_path.iterdir()] == ["fleet.html"]


def test_atomic_file_appears_on_commit_only(tmp_path: Path) -> None:
    target = tmp_path / "apps.csv"
    f = AtomicFile(target)
    f.write(b"a\r\n")
    assert not target.exists()
    f.commit()
    f.discard()  # after a commit: nothing to remove, the file stays
    assert target.read_bytes() == b"a\r\n"
    g = AtomicFile(tmp_path / "trackers.csv")
    g.write(b"half")
    g.discard()
    assert [p.name for p in tmp_path.iterdir()] == ["apps.csv"]


def test_many_pieces_are_written_in_order_across_blocks(tmp_path: Path) -> None:
    pieces = [f"<td>{i}é</td>\n" for i in range(30_000)]  # about 400,000 characters: several blocks
    write_output(tmp_path / "big.html", iter(pieces))
    assert (tmp_path / "big.html").read_bytes() == "".join(pieces).encode("utf-8")
