"""Role parsers: ``dumpsys role`` (DualDumpOutputStream text) and the ``cmd role`` loop.

No real ``dumpsys role`` capture exists in the shared folder; the samples follow the printing rules
of DualDumpOutputStream (a field written once prints ``name=value`` / ``name={``; written several
times, ``name=[`` with unnamed elements) applied to RoleUserState.dump's fields.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import ParsedRoles, RoleHolder
from auditor.parse.markers import marker_line
from auditor.parse.roles import parse_dumpsys_role, parse_role_holders
from auditor.parse.text import decode_output
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
        assert isinstance(holder.role, str) and holder.role
        assert isinstance(holder.package, str) and holder.package
    assert all(isinstance(line, str) for line in result.unknown)


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
    for sample in (TWO_USERS, ONE_USER):
        full = set(parse_dumpsys_role(sample).holders)
        for cut in range(len(sample) + 1):
            result = parse_dumpsys_role(sample[:cut])
            _check(result)
            assert set(result.holders) <= full


def test_roles_without_user_id_go_to_unknown() -> None:
    text = "{\n  user_states={\n    roles={\n      name=android.app.role.SMS\n      holders=a.b\n    }\n  }\n}\n"
    result = parse_dumpsys_role(text)
    assert result.holders == ()
    assert result.unknown == ("roles without a user_id: 1 role(s)",)


def test_unbalanced_brackets() -> None:
    result = parse_dumpsys_role("}\n]\n{\n  user_states={\n    user_id=0\n    roles={\n      name=r\n      holders=p\n")
    assert result.holders == (RoleHolder(0, "r", "p"),)
    assert result.unknown == ("}", "]")


def test_html_comes_through_verbatim() -> None:
    text = "{\n user_id=0\n roles={\n  name=<i>role</i>\n  holders=<script>alert(1)</script>\n }\n}\n"
    assert parse_dumpsys_role(text).holders == (RoleHolder(0, "<i>role</i>", "<script>alert(1)</script>"),)


def test_dumpsys_role_hostile() -> None:
    assert parse_dumpsys_role("") == ParsedRoles()
    _check(parse_dumpsys_role(decode_output(bytes(range(256)) * 4 + b"holders=\xff\n").text))
    crlf = decode_output(TWO_USERS.replace("\n", "\r\n").encode()).text
    assert parse_dumpsys_role(crlf) == parse_dumpsys_role(TWO_USERS)
    huge = parse_dumpsys_role("{\nuser_id=" + "3" * 5000 + "\nroles={\nname=r\nholders=p\n}\n}\n")
    _check(huge)
    assert huge.holders == ()


def test_deep_nesting_does_not_hit_the_recursion_limit() -> None:
    text = "a={\n" * 5000 + "user_id=0\nroles={\nname=r\nholders=p\n"
    assert parse_dumpsys_role(text).holders == (RoleHolder(0, "r", "p"),)


@settings(max_examples=200, deadline=None)
@given(st.one_of(mutated(TWO_USERS), mutated(ONE_USER)))
def test_dumpsys_role_never_raises(text: str) -> None:
    _check(parse_dumpsys_role(text))


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
    assert [h.package for h in parse_role_holders(text).holders] == ["<script>alert(1)</script>", "<b>x</b>"]


def test_loop_hostile() -> None:
    assert parse_role_holders("") == ParsedRoles()
    _check(parse_role_holders(decode_output(bytes(range(256)) * 4 + b"\n##auditor## role=r user=0\n\xff").text))
    crlf = decode_output(LOOP.replace("\n", "\r\n").encode()).text
    assert parse_role_holders(crlf) == parse_role_holders(LOOP)
    for cut in range(len(LOOP) + 1):
        _check(parse_role_holders(LOOP[:cut]))
    assert parse_role_holders(marker_line(role=SMS, user="1" * 5000) + "\ncom.a\n").holders == ()


@settings(max_examples=200, deadline=None)
@given(mutated(LOOP))
def test_loop_never_raises(text: str) -> None:
    _check(parse_role_holders(text))
