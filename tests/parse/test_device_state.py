"""Parsers of the phone's own state: ``dumpsys adb``, the root check, ``ps``. Real captures, hostile input, fuzzing.

Facts read by eye in ../shared/real-devices/mvt-tests: MVT's ``dumpsys adb`` fragments hold one key (its MD5
is the ``last_key_received`` printed beside it), the XML variant one short key, androidqf's ``ps.txt`` 14
processes, ``root_binaries.json`` four paths.
"""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given, settings

from auditor.parse.adb import fingerprint, parse_dumpsys_adb
from auditor.parse.processes import parse_ps
from auditor.parse.root import parse_root_check
from auditor.sections import DUMPSYS_ADB, PROCESSES, ROOT_BINARIES
from tests.parse.strategies import mutated
from tests.realdata import real_text

MVT = "mvt-tests/android_data/"
LAST_KEY_RECEIVED = "F0:A1:3D:8C:B3:F4:7B:09:9F:EE:8B:D8:38:2E:BD:C6"


def test_adb_keys_of_real_captures() -> None:
    plain = parse_dumpsys_adb(real_text(MVT + "dumpsys_adb.txt"))
    # user_keys and the binary (ABX) keystore hold the same key: one trusted computer, its MD5 as Android shows it.
    assert (plain.fingerprints, plain.connected) == ((LAST_KEY_RECEIVED,), True)
    assert parse_dumpsys_adb(real_text(MVT + "dumpsys_adb_wifi.txt")).fingerprints == (LAST_KEY_RECEIVED,)
    xml = parse_dumpsys_adb(real_text(MVT + "dumpsys_adb_xml.txt"))
    assert xml.fingerprints == ("F0:0B:27:08:E3:68:7B:FA:4C:79:A2:B4:BF:0E:CF:70",)


def test_two_keys_in_two_stores_and_no_comment_kept() -> None:
    keys = [base64.b64encode(bytes([64, 0, 0, 0]) + bytes([i]) * 520).decode() for i in (1, 2)]
    text = (
        "ADB MANAGER STATE (dumpsys adb):\n{\n  debugging_manager={\n    connected_to_adb=false\n"
        f"    user_keys={keys[0]} alice@home-laptop\n{keys[1]} bob@office\n\n"
        f'    keystore=<keyStore version="1">\n    <adbKey key="{keys[1]} bob@office" lastConnection="1" />\n'
        "  }\n}\n"
    )
    parsed = parse_dumpsys_adb(text)
    expected = tuple(
        ":".join(f"{b:02X}" for b in hashlib.md5(base64.b64decode(k), usedforsecurity=False).digest()) for k in keys
    )
    assert (parsed.fingerprints, parsed.connected, parsed.unknown) == (expected, False, ())
    assert "alice" not in repr(parsed) and "bob" not in repr(parsed)


def test_fingerprint_refuses_what_is_not_base64() -> None:
    assert fingerprint("QAAAA!") is None
    assert fingerprint("QAAAAQ") is not None


def test_root_check_as_the_plan_asks_it() -> None:
    text = (
        "/system/xbin/su\n"
        "ls: /sbin/su: No such file or directory\n"
        "ls: /data/adb/magisk: Permission denied\n"
        "ls: /system/bin/su: Input/output error\n"
    )
    parsed = parse_root_check(text)
    assert parsed.found == ("/system/xbin/su",)
    assert parsed.absent == ("/sbin/su",)
    assert parsed.unreadable == ("/data/adb/magisk",)
    assert parsed.unknown == ("ls: /system/bin/su: Input/output error",)


def test_root_check_of_androidqf() -> None:
    parsed = parse_root_check(real_text("mvt-tests/androidqf/root_binaries.json"))
    assert parsed.found == (
        "/system/bin/su",
        "/system/xbin/busybox",
        "/data/local/tmp/magisk",
        "/system/bin/magiskhide",
    )
    # `which -a` prints one line per match, and androidqf stores its output whole.
    assert parse_root_check('["/system/bin/su\\n/system/xbin/su\\n", 3]').found == ("/system/bin/su", "/system/xbin/su")
    assert parse_root_check('["/system/bin/su\\n", 3]').unknown == ("3",)
    assert parse_root_check("[]").found == ()
    assert parse_root_check("[" * 100_000).unknown  # too deep for json: kept, never raised


def test_ps_of_real_captures() -> None:
    androidqf = parse_ps(real_text("mvt-tests/androidqf/ps.txt"))
    assert len(androidqf.names) == 14 and androidqf.names[:3] == ("init", "[kthreadd]", "[ksoftirqd/0]")
    assert androidqf.unknown == ()
    mvt = parse_ps(real_text(MVT + "ps.txt"))
    assert len(mvt.names) == 17 and mvt.names[-1] == "[ksoftirqd/1]"


def test_ps_json_of_androidqf_collector() -> None:
    text = (
        '[{"pid": 1, "filename": "(init)", "command_line": ["/system/bin/init", "second_stage"]},'
        ' {"pid": 2, "filename": "(kthreadd)", "command_line": null}, {"pid": 3}, 7]'
    )
    parsed = parse_ps(text)
    assert parsed.names == ("/system/bin/init", "kthreadd")
    assert len(parsed.unknown) == 2


def test_ps_keeps_lines_before_a_header_as_unknown_and_names_with_spaces() -> None:
    text = "garbage\nUSER PID PPID VSZ RSS WCHAN ADDR S NAME\nroot 1 0 1 1 0 0 S my daemon --flag\nshort\n"
    parsed = parse_ps(text)
    assert parsed.names == ("my daemon --flag",)
    assert parsed.unknown == ("garbage", "short")


@settings(max_examples=150, deadline=None)
@given(mutated(DUMPSYS_ADB.example + ROOT_BINARIES.example + PROCESSES.example))
def test_the_three_parsers_never_raise(text: str) -> None:
    parse_dumpsys_adb(text)
    parse_root_check(text)
    parse_ps(text)
