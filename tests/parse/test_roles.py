"""Role parsers: ``dumpsys role`` (DualDumpOutputStream text) and the ``cmd role`` loop.

No real ``dumpsys role`` capture exists in the shared folder; the samples follow the printing rules
of DualDumpOutputStream (a field written once prints ``name=value`` / ``name={``; written several
times, ``name=[`` with unnamed elements) applied to RoleUserState.dump's fields.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import ParsedRoles, RoleHolder
from auditor.parse.markers import marker_line
from auditor.parse.roles import parse_dumpsys_role, parse_role_holders
from auditor.parse.text import decode_output
from tests.parse.damage import GARBAGE_LINES, Contract, cuts, synthetic_output
from tests.parse.strategies import mutated

SMS = "android.app.role.SMS"
DIALER = "android.app.role.DIALER"
HOME = "android.app.role.HOME"

# Two users: repeated user_states and roles print as lists; DIALER has two holders.
TWO_USERS = """\
ROLE MANAGER STATE (dumpsys role):
{
  user_states=[
    {
      user_id=0
      version=4
      packages_hash=5F3A0C2B9E7D4A1B8C6E0F2D4A6B8C0E1F3A5B7C9D0E2F4A6B8C0D2E4F6A8B0C
      roles=[
        {
          name=android.app.role.ASSISTANT
        }
        {
          name=android.app.role.DIALER
          fallback_enabled=true
          holders=[
            com.google.android.dialer
            com.callblocker.app
          ]
        }
        {
          name=android.app.role.SMS
          holders=com.google.android.apps.messaging
        }
      ]
    }
    {
      user_id=10
      version=1
      packages_hash=00
      roles=[
        {
          name=android.app.role.HOME
          holders=com.corp.launcher
        }
        {
          name=android.app.role.SMS
          holders=com.google.android.apps.messaging
        }
      ]
    }
  ]
}
"""

# One user with one role: every repeated field prints in its single shape.
ONE_USER = """\
ROLE MANAGER STATE (dumpsys role):
{
  user_states={
    user_id=0
    version=1
    packages_hash=AB
    roles={
      name=android.app.role.HOME
      holders=com.android.launcher3
    }
  }
}
"""

LOOP = "\n".join(
    [
        marker_line(role=SMS, user="0"),
        "com.google.android.apps.messaging",
        marker_line(role=DIALER, user="0"),
        "com.google.android.dialer;com.callblocker.app",
        marker_line(role=HOME, user="10"),
        "",
        marker_line(role="android.app.role.NOPE", user="0"),
        "java.lang.IllegalArgumentException: Unknown role: android.app.role.NOPE",
        "",
    ]
)


def _check(result: ParsedRoles) -> None:
    assert isinstance(result, ParsedRoles)
    for holder in result.holders:
        assert isinstance(holder, RoleHolder)
        assert isinstance(holder.user, int)
        assert isinstance(holder.role, str)  # may be empty: see test_an_empty_role_name_is_not_a_role
        assert isinstance(holder.package, str) and holder.package
    assert all(isinstance(line, str) for line in result.unknown)


DUMP: Contract[ParsedRoles, RoleHolder] = Contract(
    parse=parse_dumpsys_role,
    facts=lambda result: frozenset(result.holders),
    # A holder's line is whole only with its newline (a last line without one may be cut short).
    evidence=lambda holder: re.escape(holder.package) + r"\n",
)


def _check_loop_cut(text: str, cut: int) -> ParsedRoles:
    """A ``cmd role`` loop cut at ``cut``.

    Every answer line before the cut line is read whole. The cut line has no end marker, so it reads
    as a whole, shorter line (as a cut ``settings`` value does): an answer with its last holder cut
    short, or, cut before its first space, an error line read as one holder. Nothing else appears.
    """
    full = parse_role_holders(text).holders
    result = parse_role_holders(text[:cut])
    _check(result)
    line_start = text.rfind("\n", 0, cut) + 1
    before = set(parse_role_holders(text[:line_start]).holders)
    assert before <= set(full)
    assert before <= set(result.holders)
    partial = text[line_start:cut]
    assert all(extra.package in partial.strip().split(";") for extra in set(result.holders) - before)
    return result


# ---------------------------------------------------------------------------------------------
# dumpsys role
# ---------------------------------------------------------------------------------------------


def test_two_users_with_repeated_holders() -> None:
    result = parse_dumpsys_role(TWO_USERS)
    assert result.holders == (
        RoleHolder(0, DIALER, "com.google.android.dialer"),
        RoleHolder(0, DIALER, "com.callblocker.app"),
        RoleHolder(0, SMS, "com.google.android.apps.messaging"),
        RoleHolder(10, HOME, "com.corp.launcher"),
        RoleHolder(10, SMS, "com.google.android.apps.messaging"),
    )
    assert result.unknown == ()


def test_single_user_single_role_shape() -> None:
    result = parse_dumpsys_role(ONE_USER)
    assert result.holders == (RoleHolder(0, HOME, "com.android.launcher3"),)
    assert result.unknown == ()


def test_without_header_and_indentation() -> None:
    text = "{\nuser_states={\nuser_id=0\nroles={\nname=android.app.role.SMS\nholders=a.b\n}\n}\n}\n"
    assert parse_dumpsys_role(text).holders == (RoleHolder(0, SMS, "a.b"),)


def test_cut_mid_value_is_not_trusted() -> None:
    cut = TWO_USERS[: TWO_USERS.index("holders=com.google.android.apps.messaging") + len("holders=com.goo")]
    result = parse_dumpsys_role(cut)
    assert [h.package for h in result.holders] == ["com.google.android.dialer", "com.callblocker.app"]
    assert result.unknown == ("          holders=com.goo",)


def test_every_truncation() -> None:
    for sample, count in ((TWO_USERS, 5), (ONE_USER, 1)):
        full = parse_dumpsys_role(sample)
        assert len(full.holders) == count
        for cut in range(len(sample) + 1):
            _check(DUMP.check_cut(sample, cut, full=full))


def test_roles_without_user_id_go_to_unknown() -> None:
    text = "{\n  user_states={\n    roles={\n      name=android.app.role.SMS\n      holders=a.b\n    }\n  }\n}\n"
    result = parse_dumpsys_role(text)
    assert result.holders == ()
    assert result.unknown == ("roles without a user_id: 1 role(s)",)


def test_an_empty_role_name_is_not_a_role() -> None:
    # Found by the fuzz test below: a role whose name is empty gave holders of the role "".
    result = parse_dumpsys_role("user_id=0\nroles={\nname=\nholders=com.a\n}\n")
    assert result.holders == ()
    assert result.unknown == ("a role without a name",)


def test_unbalanced_brackets() -> None:
    result = parse_dumpsys_role("}\n]\n{\n  user_states={\n    user_id=0\n    roles={\n      name=r\n      holders=p\n")
    assert result.holders == (RoleHolder(0, "r", "p"),)
    assert result.unknown == ("}", "]")


def test_html_comes_through_verbatim() -> None:
    # A role name is free text (kept as printed, escaped by renderers); a holder must be a package name,
    # so markup where a holder should be is kept verbatim in unknown, not taken for an app.
    text = "{\n user_id=0\n roles={\n  name=<i>role</i>\n  holders=<script>alert(1)</script>\n  holders=com.a\n }\n}\n"
    result = parse_dumpsys_role(text)
    assert result.holders == (RoleHolder(0, "<i>role</i>", "com.a"),)
    assert result.unknown == ("holders=<script>alert(1)</script>",)


def test_dumpsys_role_hostile() -> None:
    assert parse_dumpsys_role("") == ParsedRoles()
    junk = bytes(range(256)) * 4
    intact = synthetic_output("dumpsys_role")
    result = parse_dumpsys_role(decode_output(junk + b"\n" + intact.encode() + junk + b"holders=\xff\n").text)
    # Junk around the dump adds no holder and loses none; each junk line is kept.
    assert result.holders == parse_dumpsys_role(intact).holders
    assert len(result.holders) == 8
    assert result.unknown == (*GARBAGE_LINES, *GARBAGE_LINES[:-1], GARBAGE_LINES[-1] + "holders=\ufffd")
    crlf = decode_output(TWO_USERS.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_role(crlf) == parse_dumpsys_role(TWO_USERS)
    huge = parse_dumpsys_role("{\nuser_id=" + "3" * 5000 + "\nroles={\nname=r\nholders=p\n}\n}\n")
    _check(huge)
    assert huge.holders == ()
    assert huge.unknown == ("roles without a user_id: 1 role(s)",)


def test_deep_nesting_does_not_hit_the_recursion_limit() -> None:
    text = "a={\n" * 5000 + "user_id=0\nroles={\nname=r\nholders=p\n"
    assert parse_dumpsys_role(text).holders == (RoleHolder(0, "r", "p"),)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_dumpsys_role_never_raises(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="cut an intact dump"):
        counts = {TWO_USERS: 5, ONE_USER: 1, synthetic_output("dumpsys_role"): 8}
        text, cut = data.draw(cuts(counts))
        assert len(parse_dumpsys_role(text).holders) == counts[text]
        _check(DUMP.check_cut(text, cut))
        return
    text = data.draw(st.one_of(mutated(TWO_USERS), mutated(ONE_USER)))
    result = parse_dumpsys_role(text)
    _check(result)
    # Hostile text: every holder and role was printed.
    assert all(h.package in text and h.role in text for h in result.holders)


# ---------------------------------------------------------------------------------------------
# cmd role get-role-holders loop
# ---------------------------------------------------------------------------------------------


def test_loop() -> None:
    result = parse_role_holders(LOOP)
    assert result.holders == (
        RoleHolder(0, SMS, "com.google.android.apps.messaging"),
        RoleHolder(0, DIALER, "com.google.android.dialer"),
        RoleHolder(0, DIALER, "com.callblocker.app"),
    )
    assert result.unknown == ("java.lang.IllegalArgumentException: Unknown role: android.app.role.NOPE",)


def test_loop_text_outside_a_usable_marker_goes_to_unknown() -> None:
    text = "cmd: Can't find service: role\n" + marker_line(user="0") + "\ncom.a\n"
    text += marker_line(role=SMS, user="x") + "\ncom.b\n"
    result = parse_role_holders(text)
    assert result.holders == ()
    assert result.unknown == ("cmd: Can't find service: role", "com.a", "com.b")


def test_loop_html_comes_through_verbatim() -> None:
    text = marker_line(role=SMS, user="0") + "\n<script>alert(1)</script>;<b>x</b>\n"
    result = parse_role_holders(text)
    assert result.holders == ()
    assert result.unknown == ("<script>alert(1)</script>;<b>x</b>",)


def test_loop_hostile() -> None:
    assert parse_role_holders("") == ParsedRoles()
    junk = bytes(range(256)) * 4
    result = parse_role_holders(decode_output(junk + b"\n" + LOOP.encode()).text)
    # Junk before the first marker is no answer: kept (as stripped lines), and every holder is read.
    assert result.holders == parse_role_holders(LOOP).holders
    assert result.unknown == (*(line.strip() for line in GARBAGE_LINES), *parse_role_holders(LOOP).unknown)
    crlf = decode_output(LOOP.replace("\n", "\r\n").encode()).text
    assert parse_role_holders(crlf) == parse_role_holders(LOOP)
    assert len(parse_role_holders(LOOP).holders) == 3
    for cut in range(len(LOOP) + 1):
        _check_loop_cut(LOOP, cut)
    # The limit of a format without end markers: a cut answer is a shorter answer.
    cut = LOOP.index("com.callblocker.app") + len("com.call")
    assert parse_role_holders(LOOP[:cut]).holders[1:] == (
        RoleHolder(0, DIALER, "com.google.android.dialer"),
        RoleHolder(0, DIALER, "com.call"),
    )
    huge = parse_role_holders(marker_line(role=SMS, user="1" * 5000) + "\ncom.a\n")
    assert huge.holders == ()
    assert huge.unknown == ("com.a",)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_loop_never_raises(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="cut an intact loop"):
        text, cut = data.draw(cuts([LOOP]))
        assert len(parse_role_holders(text).holders) == 3
        _check_loop_cut(text, cut)
        return
    text = data.draw(mutated(LOOP))
    result = parse_role_holders(text)
    _check(result)
    # Hostile text: every holder was printed under a marker naming its role.
    assert all(h.package in text and f"role={h.role}" in text for h in result.holders)


def test_a_cut_error_line_is_not_a_holder() -> None:
    # An error cut before its first space looked like one package name.
    marker = "##auditor## role=android.app.role.SMS user=0\n"
    result = parse_role_holders(marker + "java.lang.IllegalArgumentException:\n")
    assert result.holders == ()
    assert result.unknown == ("java.lang.IllegalArgumentException:",)
    result = parse_role_holders(marker + "com.a;com.b\n")
    assert result.holders == (
        RoleHolder(0, "android.app.role.SMS", "com.a"),
        RoleHolder(0, "android.app.role.SMS", "com.b"),
    )
    assert parse_dumpsys_role("user_id=0\nroles={\nname=r\nholders=bad:name\n}\n").unknown == ("holders=bad:name",)
