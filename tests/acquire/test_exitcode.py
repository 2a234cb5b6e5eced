"""The exit-status wrapper: round trips, pty line ends, cut-off and forged tags."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from auditor.acquire.adb.exitcode import exit_tag, split_exit_code, unwrap_command, wrap_command
from auditor.acquire.plan import full_plan


def test_wrap_then_unwrap_every_planned_command() -> None:
    for cmd in full_plan([0, 10], with_apk_paths=True):
        sent = wrap_command(cmd.command, "0123abcd")
        assert unwrap_command(sent) == (cmd.command, "0123abcd")


def test_unwrapped_text_is_returned_as_is() -> None:
    assert unwrap_command("getprop") == ("getprop", None)


def test_wrapper_text() -> None:
    assert wrap_command("date +%s", "abcd0000") == "date +%s\nprintf '\\n__AUDITOR_RC_abcd0000=%d\\n' \"$?\""


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=255))
def test_output_round_trips_byte_for_byte(output: bytes, code: int) -> None:
    assert split_exit_code(output + exit_tag("c0ffee00", code), "c0ffee00") == (output, code)


def test_pty_line_ends() -> None:
    # Android <= 6 ran shell: commands on a pty: every "\n" arrived as "\r\n".
    assert split_exit_code(b"a\r\nb\r\n\r\n__AUDITOR_RC_aa=1\r\n".replace(b"_aa=", b"_aaaa="), "aaaa") == (
        b"a\r\nb\r\n",
        1,
    )
    # without the pty an output may really end in "\r"; it is kept
    assert split_exit_code(b"x\r\n__AUDITOR_RC_aaaa=0\n", "aaaa") == (b"x\r", 0)


def test_missing_or_cut_tag_means_no_exit_code() -> None:
    assert split_exit_code(b"partial output", "aaaa") == (b"partial output", None)
    assert split_exit_code(b"out\n__AUDITOR_RC_aaaa=", "aaaa") == (b"out\n__AUDITOR_RC_aaaa=", None)


def test_forged_tag_with_another_nonce_is_output() -> None:
    hostile = b"label\n__AUDITOR_RC_00000000=0\n"
    data = hostile + b"more\n" + exit_tag("1234abcd", 0)
    assert split_exit_code(data, "1234abcd") == (hostile + b"more\n", 0)
    assert split_exit_code(hostile, "1234abcd") == (hostile, None)
