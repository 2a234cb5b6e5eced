"""Text from outside the program, made safe to show: the one sanitiser for every untrusted string.

Almost everything the auditor prints was written by someone else: an app's label, a phone's model
and manufacturer (``getprop``), a snapshot's ``source`` and notes (``manifest.json``), file names in a
fleet folder, serials, the lists of indicators, the text of an exception that quotes any of these.
Any of them can hold terminal control sequences: ``ESC ] 0 ; … BEL`` retitles the terminal,
``ESC [ 2 J`` clears it, OSC 8 plants a link, the 8-bit C1 CSI (U+009B) does the same without an ESC,
U+202E reverses what follows, a newline forges a line of output. ``visible`` writes every such
character as a ``\\u{…}`` escape, so it is *seen*, never obeyed. The HTML, Markdown, diff and APK text
renderers and every terminal message use this one function (HTML and Markdown escape for their
medium on top of it).

Two helpers wrap it for the terminal, where output goes through rich:

- ``shown`` for an untrusted value placed into markup the program builds (``f"[red]error:[/red]
  {shown(message)}"``): made visible, and rich markup escaped, so ``[red]`` in a model name prints as
  written instead of styling what follows.
- ``neutralised`` for the consoles themselves (``auditor.ui.TerminalConsole``): every string a console
  renders passes through it, so a message that forgot ``shown`` still cannot carry a control
  sequence to the terminal. It keeps newlines (the program's own multi-line text) and leaves
  backslashes alone (text already made visible passes through unchanged).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from rich.markup import escape

__all__ = ["HIDDEN_CATEGORIES", "neutralised", "shown", "visible"]

HIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Unicode categories shown as escapes: controls (C0 with ESC and BEL, DEL, C1 U+0080–U+009F), format
characters (bidi overrides such as U+202E, zero-width joiners), surrogates, private use, unassigned,
line and paragraph separators: characters that can hide, reorder or forge text, or drive a terminal."""


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in HIDDEN_CATEGORIES


def _escaped(ch: str) -> str:
    return f"\\u{{{ord(ch):04x}}}"


def visible(text: str) -> str:
    """``text`` with every hidden character (``HIDDEN_CATEGORIES``) written as ``\\u{202e}``.

    Why the backslashes: a label that *contains* the six characters ``\\u{1b}`` must not pass for an
    escaped ESC. Backslashes right before ``u{`` or before an escaped character are doubled, so in
    the result an odd number of backslashes before ``u{`` marks a real escape and an even number a
    literal one. Other backslashes (a Windows path, a regular expression) stay as they are, readable.
    Tab is escaped too: it shifts columns in a terminal.
    """
    if text.isascii() and text.isprintable() and "\\u{" not in text:
        return text  # the common case, without a per-character walk
    out: list[str] = []
    backslashes = 0  # a run of backslashes, written once the character after it is known
    for i, ch in enumerate(text):
        if ch == "\\":
            backslashes += 1
            continue
        hidden = _hidden(ch)
        if backslashes:
            forged = hidden or text.startswith("u{", i)
            out.append("\\" * (2 * backslashes if forged else backslashes))
            backslashes = 0
        out.append(_escaped(ch) if hidden else ch)
    out.append("\\" * backslashes)
    return "".join(out)


def shown(text: object) -> str:
    """An untrusted value for rich markup: ``visible`` (one line, no control), then rich's markup escaped."""
    return escape(visible(str(text)))


def neutralised(text: str) -> str:
    """What a terminal console does to every string it renders: hidden characters but newline escaped.

    The console's safety net under ``shown``: the program's own text never holds such characters
    (except newlines), so only untrusted text that reached a console unescaped is changed.
    """
    if text.isascii() and (text.isprintable() or text.replace("\n", "").isprintable()):
        return text
    return "".join(_escaped(ch) if ch != "\n" and _hidden(ch) else ch for ch in text)
