"""The hostile strings every terminal test plants in what a phone or a file says."""

from __future__ import annotations

HOSTILE = {
    "retitle": "\x1b]0;pwned\x07",
    "clear": "\x1b[2J",
    "osc8": "\x1b]8;;http://x\x1b\\click\x1b]8;;\x1b\\",
    "c1-csi": "\x9b2J",
    "bel": "\x07",
    "bidi": "\u202e",
    "markup": "[red]x[/red]",
}
"""An OSC title, a CSI screen clear, an OSC 8 link, the 8-bit CSI, BEL, a right-to-left override, rich markup."""
