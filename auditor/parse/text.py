"""Turning raw captured bytes into text every parser can read.

Captures arrive in more shapes than a device prints: a Windows ``adb shell … > file`` redirect writes
UTF-16 with a BOM, ``adb shell`` with a pty turns ``\\n`` into ``\\r\\n``, and androidqf's dumpsys holds
binary bytes in some sections. Parsers get clean ``str`` with ``\\n`` line ends; what was repaired is
reported so the audit can say so.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    """``utf-8``, ``utf-16-le``/``utf-16-be`` (with or without BOM)."""
    replaced: int
    """How many undecodable bytes became U+FFFD (binary garbage in the capture)."""
    nul_bytes: int
    """NUL characters removed from the text."""


def _looks_utf16(data: bytes) -> str | None:
    """Guess UTF-16 without a BOM: ASCII text in UTF-16 has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.9 * half and even_nuls < 0.1 * half:
        return "utf-16-le"
    if even_nuls > 0.9 * half and odd_nuls < 0.1 * half:
        return "utf-16-be"
    return None


def detect_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a capture judged on its first bytes, and the length of its BOM (to skip)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    return _looks_utf16(head) or "utf-8", 0


def decode_output(data: bytes) -> DecodedText:
    """Decode a captured command output to text with ``\\n`` line ends. Never raises."""
    encoding, skip = detect_encoding(data)
    text = data[skip:].decode(encoding, errors="replace")
    replaced = text.count("\ufffd")
    nul_bytes = text.count("\x00")
    if nul_bytes:
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text=text, encoding=encoding, replaced=replaced, nul_bytes=nul_bytes)
