"""What a finished command's output and exit code say: ok, failed, denied or cut short.

Shared by the collection run and the identity check before a resume, which send plan commands the
same way and must judge their outcome the same way.
"""

from __future__ import annotations

import re

from auditor.model import CommandStatus

# What a refusal looks like. Only matched near the start of the output, and with exit code 0 only in
# a short output: `dumpsys` prints "Permission Denial: can't dump …" and still exits 0.
_DENIED = re.compile(
    rb"Permission Denial|Can't find service|inaccessible or not found|Permission denied|SecurityException"
    rb"|(?m:^\S*sh: .{1,200}: not found\r?$)"
)
_DENIED_WHEN_OK = re.compile(rb"\A\s*(Permission Denial|Can't find service)")


def classify(output: bytes, exit_code: int | None) -> tuple[CommandStatus, str | None]:
    """Status and reason of a finished command from its output and exit code (None: cut short)."""
    if exit_code is None:
        return CommandStatus.FAILED, "the output ended without its exit status (cut short)"
    head = output[:4096]
    denial = _DENIED.search(head)
    if exit_code != 0:
        if denial is not None:
            return CommandStatus.DENIED, _line_of(head, denial.start())
        return CommandStatus.FAILED, f"exit code {exit_code}"
    if len(output) <= 1024 and _DENIED_WHEN_OK.search(head):
        return CommandStatus.DENIED, _line_of(head, 0)
    return CommandStatus.OK, None


def _line_of(text: bytes, at: int) -> str:
    start = text.rfind(b"\n", 0, at) + 1
    end = text.find(b"\n", at)
    line = text[start : end if end >= 0 else len(text)].strip()
    return line.decode("utf-8", "replace")[:200]
