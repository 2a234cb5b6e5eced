"""``pm list users`` parser: owner, work profile, OEM second space, hostile input, fuzzing.

No real capture of ``pm list users`` is in the shared folder; the lines below follow the shapes of
public captures described in docs/android-platform.md §6.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import ParsedUser, ParsedUsers
from auditor.parse.text import decode_output
from auditor.parse.users import parse_pm_list_users
from tests.parse.damage import GARBAGE_LINES, Contract, cuts, synthetic_output
from tests.parse.strategies import mutated

SAMPLE = """\
Users:
\tUserInfo{0:Owner:c13} running
\tUserInfo{10:Work profile:1030} running
\tUserInfo{11:Guest:414}
\tUserInfo{999:XSpace:800010}
"""


def _check(result: ParsedUsers) -> None:
    assert isinstance(result, ParsedUsers)
    for user in result.users:
        assert isinstance(user, ParsedUser)
        assert isinstance(user.id, int) and isinstance(user.flags, int) and user.flags >= 0
        assert isinstance(user.name, str) and isinstance(user.running, bool)
    assert all(isinstance(line, str) for line in result.unknown)


CONTRACT: Contract[ParsedUsers, tuple[int, str, int]] = Contract(
    parse=parse_pm_list_users,
    # "running" is a trailing word a cut can take away; who the user is cannot change.
    facts=lambda result: frozenset((u.id, u.name, u.flags) for u in result.users),
    evidence=lambda fact: re.escape(f"UserInfo{{{fact[0]}:{fact[1]}:") + r"[0-9a-fA-F]{1,16}\}",
)


def _check_cut(text: str, cut: int) -> ParsedUsers:
    result = CONTRACT.check_cut(text, cut)
    _check(result)
    running = {u.id for u in parse_pm_list_users(text).users if u.running}
    assert {u.id for u in result.users if u.running} <= running
    return result


def test_sample() -> None:
    result = parse_pm_list_users(SAMPLE)
    assert result.unknown == ()
    assert result.users == (
        ParsedUser(id=0, name="Owner", flags=0xC13, running=True),
        ParsedUser(id=10, name="Work profile", flags=0x1030, running=True),
        ParsedUser(id=11, name="Guest", flags=0x414, running=False),
        ParsedUser(id=999, name="XSpace", flags=0x800010, running=False),
    )


def test_work_profile_flags() -> None:
    (user,) = parse_pm_list_users("\tUserInfo{10:Work profile:1030} running\n").users
    assert user.flags & 0x20  # MANAGED_PROFILE
    assert user.flags & 0x1000  # PROFILE


def test_miui_second_space() -> None:
    (user,) = parse_pm_list_users("Users:\n\tUserInfo{999:XSpace:800010}\n").users
    assert (user.id, user.name, user.flags, user.running) == (999, "XSpace", 0x800010, False)


def test_name_with_colons_and_braces() -> None:
    (user,) = parse_pm_list_users("\tUserInfo{12:Dad: work {old}:30} running\n").users
    assert (user.id, user.name, user.flags) == (12, "Dad: work {old}", 0x30)


def test_trailing_words_vary() -> None:
    text = (
        "\tUserInfo{0:Owner:13} running unlocked (current)\n"
        "\tUserInfo{95:Dual:410} (current)\n"
        "\tUserInfo{10:Work:1030} unlocked running\n"
    )
    users = parse_pm_list_users(text).users
    assert [(u.id, u.running) for u in users] == [(0, True), (95, False), (10, True)]


def test_empty_name() -> None:
    (user,) = parse_pm_list_users("\tUserInfo{0::c13} running\n").users
    assert user.name == ""


def test_html_comes_through_verbatim() -> None:
    (user,) = parse_pm_list_users("\tUserInfo{10:<b onclick=x()>Kid</b>:10}\n").users
    assert user.name == "<b onclick=x()>Kid</b>"


def test_other_lines_go_to_unknown() -> None:
    result = parse_pm_list_users("Users:\nError: java.lang.SecurityException\n\tUserInfo{0:Owner:c13}\n")
    assert [u.id for u in result.users] == [0]
    assert result.unknown == ("Error: java.lang.SecurityException",)


def test_empty() -> None:
    assert parse_pm_list_users("") == ParsedUsers(users=(), unknown=())


def test_binary_garbage() -> None:
    junk = bytes(range(256)) * 4
    intact = synthetic_output("pm_list_users")
    result = parse_pm_list_users(decode_output(junk + b"\n" + intact.encode() + junk + b"UserInfo{\xff:\x00:zz}").text)
    assert (
        result.users
        == parse_pm_list_users(intact).users
        == (
            ParsedUser(id=0, name="Owner", flags=0xC13, running=True),
            ParsedUser(id=10, name="Work profile", flags=0x1030, running=True),
        )
    )
    # Every junk line is kept, the last one with its user-like tail (no id: not a user).
    assert result.unknown == (*GARBAGE_LINES, *GARBAGE_LINES[:-1], GARBAGE_LINES[-1] + "UserInfo{\ufffd::zz}")


def test_huge_numbers_do_not_raise() -> None:
    line = "\tUserInfo{" + "9" * 5000 + ":Owner:c13} running"
    result = parse_pm_list_users(line + "\n")
    _check(result)
    assert result.users == ()
    assert result.unknown == (line,)


def test_long_hostile_line_is_read_once() -> None:
    # Before the parser anchored its pattern, this line took about a minute (quadratic backtracking).
    result = parse_pm_list_users("\tUserInfo{1:" * 30000)
    assert result.users == ()
    assert len(result.unknown) == 1


def test_crlf_capture() -> None:
    text = decode_output(SAMPLE.replace("\n", "\r\n").encode()).text
    assert parse_pm_list_users(text) == parse_pm_list_users(SAMPLE)


def test_every_truncation_of_the_sample() -> None:
    assert len(parse_pm_list_users(SAMPLE).users) == 4
    for cut in range(len(SAMPLE) + 1):
        _check_cut(SAMPLE, cut)
    # A line cut before its "}" is never read as a user, and is kept.
    cut = SAMPLE.index("Work profile") + 4
    result = parse_pm_list_users(SAMPLE[:cut])
    assert [u.id for u in result.users] == [0]
    assert result.unknown == ("\tUserInfo{10:Work",)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_never_raises(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="cut an intact capture"):
        counts = {SAMPLE: 4, synthetic_output("pm_list_users"): 2}
        text, cut = data.draw(cuts(counts))
        assert len(parse_pm_list_users(text).users) == counts[text]
        _check_cut(text, cut)
        return
    text = data.draw(mutated(SAMPLE))
    result = parse_pm_list_users(text)
    _check(result)
    # Hostile text: nothing is invented; every user and every kept line comes from the input.
    assert all(f":{u.name}:" in text and str(abs(u.id)) in text for u in result.users)
    assert all(line in text for line in result.unknown)
