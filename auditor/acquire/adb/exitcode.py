"""Exit codes over the legacy ``shell:`` service, which returns none.

Android's ``shell:`` service (the only one that works without the ``shell_v2`` feature, and the one
adb-shell speaks) sends stdout and stderr merged and never the exit status. Each planned command is
therefore sent wrapped: after it, a ``printf`` prints a newline, a tag and ``$?``::

    <command>
    printf '\\n__AUDITOR_RC_<nonce>=%d\\n' "$?"

The tag carries a random nonce per collection, so device output (app labels, package names: written
by whoever made the app) cannot forge the end of an output. The leading ``\\n`` makes the tag start a
line even when the output does not end with one, and is removed again, so the kept output is byte for
byte what the command printed. A missing tag means the output was cut short.

Devices up to Android 6 ran every ``shell:`` command on a pty, which turns ``\\n`` into ``\\r\\n``;
the tag is found either way. The device simulator uses ``unwrap_command`` to answer like a shell.
"""

from __future__ import annotations

import re
import secrets

TAG_PREFIX = "__AUDITOR_RC_"

_WRAPPED = re.compile(
    r"\A(?P<inner>.*)\nprintf '\\n" + re.escape(TAG_PREFIX) + r"(?P<nonce>[0-9a-f]{4,32})=%d\\n' \"\$\?\"\Z",
    re.DOTALL,
)
_RC_TAIL = re.compile(rb"\A(\d{1,3})(\r?)\n?\Z")


def new_nonce() -> str:
    """A fresh nonce for one collection (8 hex digits)."""
    return secrets.token_hex(4)


def wrap_command(command: str, nonce: str) -> str:
    """The text sent to ``shell:`` for ``command``: the command, then the exit-status tag.

    A newline (not ``;``) separates them so that a command ending in a comment or a ``&&`` chain
    keeps its meaning; ``$?`` is then the status of the command's last pipeline.
    """
    return f"{command}\nprintf '\\n{TAG_PREFIX}{nonce}=%d\\n' \"$?\""


def unwrap_command(sent: str) -> tuple[str, str | None]:
    """Split a sent text into (the planned command, the nonce); the nonce is None if not wrapped."""
    match = _WRAPPED.match(sent)
    if match is None:
        return sent, None
    return match.group("inner"), match.group("nonce")


def exit_tag(nonce: str, exit_code: int) -> bytes:
    """What the device prints after the output (used by the simulator, mirrors the ``printf``)."""
    return f"\n{TAG_PREFIX}{nonce}={exit_code}\n".encode()


def split_exit_code(data: bytes, nonce: str) -> tuple[bytes, int | None]:
    """Split a wrapped command's received bytes into (the verbatim output, its exit code).

    The exit code is None when the tag is absent or malformed: the output was cut short (connection
    lost, killed command) and the bytes are returned unchanged.
    """
    tag = f"\n{TAG_PREFIX}{nonce}=".encode()
    at = data.rfind(tag)
    if at < 0:
        return data, None
    tail = _RC_TAIL.match(data[at + len(tag) :])
    if tail is None:
        return data, None
    body = data[:at]
    # On a pty the tag's own leading newline arrived as "\r\n": drop that "\r" too, but only then
    # (the "\r" in the tail proves the pty), so an output that really ends in "\r" keeps it.
    if tail.group(2) and body.endswith(b"\r"):
        body = body[:-1]
    return body, int(tail.group(1))
