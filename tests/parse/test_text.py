"""Decoding captures: UTF-16 redirects, CRLF, NULs and binary garbage never reach a parser raw."""

from __future__ import annotations

import codecs

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.parse.markers import marker_line, split_marked
from auditor.parse.text import decode_output

SAMPLE = "[ro.product.model]: [Pixel 8]\n[ro.build.version.sdk]: [34]\n"


def test_utf8_plain() -> None:
    d = decode_output(SAMPLE.encode())
    assert (d.text, d.encoding, d.replaced, d.nul_bytes) == (SAMPLE, "utf-8", 0, 0)


def test_windows_redirect_utf16_with_bom_and_crlf() -> None:
    # PowerShell's `adb shell getprop > file` writes UTF-16LE with a BOM and CRLF line ends.
    blob = codecs.BOM_UTF16_LE + SAMPLE.replace("\n", "\r\n").encode("utf-16-le")
    d = decode_output(blob)
    assert d.text == SAMPLE
    assert d.encoding == "utf-16-le"


def test_utf16_without_bom_is_recognised() -> None:
    d = decode_output(SAMPLE.encode("utf-16-be"))
    assert (d.text, d.encoding) == (SAMPLE, "utf-16-be")


def test_pty_crlf_and_lone_cr() -> None:
    assert decode_output(b"a\r\nb\rc\n").text == "a\nb\nc\n"


def test_binary_garbage_is_counted_and_nuls_removed() -> None:
    d = decode_output(b"ok\n\xff\xfe\x00\x80 tail\n")
    assert d.text.startswith("ok\n")
    assert d.replaced == 3  # \xff, \xfe and \x80; \x00 is valid UTF-8 (a NUL)
    assert d.nul_bytes == 1
    assert "\x00" not in d.text


def test_real_androidqf_dumpsys_with_binary_section() -> None:
    from tests.realdata import real_file

    d = decode_output(real_file("mvt-tests/androidqf/dumpsys.txt").read_bytes())
    assert "DUMP OF SERVICE package:" in d.text
    assert d.replaced > 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_decode(blob: bytes) -> None:
    d = decode_output(blob)
    assert isinstance(d.text, str)
    assert "\r" not in d.text and "\x00" not in d.text


def test_markers_split_keeps_everything() -> None:
    text = "preamble\n" + marker_line(package="a.b") + "\nA1\nA2\n" + marker_line(package="c", user="10") + "\nC\n"
    parts = list(split_marked(text))
    assert [(dict(p.keys), p.text) for p in parts] == [
        ({}, "preamble\n"),
        ({"package": "a.b"}, "A1\nA2\n"),
        ({"package": "c", "user": "10"}, "C\n"),
    ]


def test_marker_inside_a_line_is_not_a_split() -> None:
    text = "x ##auditor## package=evil\n"
    assert [p.text for p in split_marked(text)] == [text]
