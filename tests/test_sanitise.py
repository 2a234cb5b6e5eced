"""The one sanitiser for untrusted text: every hidden character is seen, never obeyed; escapes cannot be forged."""

from __future__ import annotations

import io
import logging
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.table import Table

from auditor.report import apk, words
from auditor.sanitise import HIDDEN_CATEGORIES, neutralised, shown, visible
from auditor.ui import LogFormatter, TerminalConsole
from tests.hostile import HOSTILE

_CONTROL = re.compile("[\x07\x1b\x80-\x9f]")


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("com.example.app", "com.example.app"),
        ("Kamera 📷 Ünïcode", "Kamera 📷 Ünïcode"),
        (HOSTILE["retitle"], "\\u{001b}]0;pwned\\u{0007}"),
        (HOSTILE["clear"], "\\u{001b}[2J"),
        (HOSTILE["osc8"], "\\u{001b}]8;;http://x\\u{001b}\\click\\u{001b}]8;;\\u{001b}\\"),
        (HOSTILE["c1-csi"], "\\u{009b}2J"),
        ("a\x7fb\x85c", "a\\u{007f}b\\u{0085}c"),  # DEL and NEL
        ("Photo\u202egpj.exe", "Photo\\u{202e}gpj.exe"),
        ("line\nbreak\r\ttab", "line\\u{000a}break\\u{000d}\\u{0009}tab"),
        ("zero\u200bwidth\u2028\u2029", "zero\\u{200b}width\\u{2028}\\u{2029}"),
        ("\ud800\ue000\U000e0001", "\\u{d800}\\u{e000}\\u{e0001}"),
        (HOSTILE["markup"], "[red]x[/red]"),  # markup is the console's business: ``shown``
    ],
)
def test_visible_escapes_every_hidden_character(text: str, seen: str) -> None:
    assert visible(text) == seen


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("\\u{1b}", "\\\\u{1b}"),  # a literal escape is doubled: it cannot pass for a real one
        ("\\\\u{1b}", "\\\\\\\\u{1b}"),
        ("\\\x1b", "\\\\\\u{001b}"),  # a backslash before an escaped character is doubled too
        ("C:\\Users\\me\\u.zip", "C:\\Users\\me\\u.zip"),  # other backslashes stay readable
        ("ends\\", "ends\\"),
    ],
)
def test_visible_escapes_cannot_be_forged(text: str, seen: str) -> None:
    assert visible(text) == seen


def _unescape(seen: str) -> str:
    """The inverse of ``visible``: an odd run of backslashes before ``u{`` ends in a real escape, an even one
    stands for half as many literal backslashes."""

    def one(m: re.Match[str]) -> str:
        run, code = len(m.group(1)), m.group(2)
        if run % 2:
            assert code is not None, f"an escape without its code point in {seen!r}"
            return "\\" * (run // 2) + chr(int(code, 16))
        return "\\" * (run // 2) + "u{" + (code + "}" if code is not None else "")

    return re.sub(r"(\\+)u\{(?:([0-9a-f]{4,6})\})?", one, seen)


@given(st.text(alphabet=st.sampled_from(["\\", "u", "{", "1", "b", "}", "\x1b", "\u202e", "a", "\n"]), max_size=30))
def test_visible_is_hidden_free_and_reversible(text: str) -> None:
    """The property behind "cannot be forged": nothing hidden survives, and the original can be read back."""
    seen = visible(text)
    assert not any(unicodedata.category(c) in HIDDEN_CATEGORIES for c in seen)
    assert _unescape(seen) == text


def test_the_renderers_share_the_one_sanitiser() -> None:
    assert words.visible is visible
    assert apk.safe("a\x1bb") == visible("a\x1bb")
    assert apk.safe(None) == "-"


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_shown_neither_styles_nor_controls(name: str) -> None:
    console = TerminalConsole(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=200)
    console.print(f"[bold]{shown('M' + HOSTILE[name] + 'Z')}[/bold]", highlight=False)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert text == "\x1b[1mM" + visible(HOSTILE[name]) + "Z\x1b[0m\n"  # rich's bold, nothing else


def test_the_console_neutralises_what_was_not_shown() -> None:
    """The safety net: a message, a table cell and plain text printed raw still carry no control."""
    console = TerminalConsole(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=300)
    raw = "".join(HOSTILE.values())
    console.print(f"model {raw}")
    console.print(raw, markup=False)
    table = Table()
    table.add_column(raw)
    table.add_row(raw)
    console.print(table)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    without_styles = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert not _CONTROL.search(without_styles)
    assert "\\u{001b}]0;pwned\\u{0007}" in without_styles


def test_neutralised_keeps_the_programs_newlines_only() -> None:
    assert neutralised("one\ntwo") == "one\ntwo"
    assert neutralised("a\x1b[2J\r\n") == "a\\u{001b}[2J\\u{000d}\n"
    assert neutralised(visible("\\u{1b}\x1b")) == visible("\\u{1b}\x1b")  # visible text passes unchanged


def test_log_lines_are_neutralised() -> None:
    record = logging.LogRecord("auditor.x", logging.WARNING, __file__, 1, "model %s", ("\x1b]0;t\x07",), None)
    assert LogFormatter("%(name)s: %(message)s").format(record) == "auditor.x: model \\u{001b}]0;t\\u{0007}"


@given(st.text())
def test_nothing_hidden_survives_any_text(text: str) -> None:
    assert not any(unicodedata.category(c) in HIDDEN_CATEGORIES for c in visible(text))
    assert not any(c != "\n" and unicodedata.category(c) in HIDDEN_CATEGORIES for c in neutralised(text))


def test_json_output_escapes_c1_controls_and_keeps_every_string() -> None:
    """JSON escapes C0 controls itself, but with non-ASCII kept it wrote U+009B (C1 CSI, ``ESC [``) raw: a
    label could drive the terminal of whoever reads ``--format json --out -``."""
    import json

    from auditor.serial import json_text

    value = {"label": "a\x9b2J\x1b[2J\x7fb\u2028c\u0085 é 北", "list": ["\x90x"]}
    for text in (json_text(value, indent=1), json_text(value, compact=True)):
        assert not any(0x7F <= ord(ch) <= 0x9F or ch in "\x1b\u2028\u2029" for ch in text)
        assert json.loads(text) == value
        assert "é 北" in text  # readable non-ASCII stays as it is
    assert json_text(value, compact=True) == (
        '{"label":"a\\u009b2J\\u001b[2J\\u007fb\\u2028c\\u0085 é 北","list":["\\u0090x"]}'
    )
