"""``getprop`` parser: real captures from four devices, hostile input, and fuzzing."""

from __future__ import annotations

import functools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import ParsedProperties
from auditor.parse.props import parse_getprop
from auditor.parse.text import decode_output
from tests.parse.damage import GARBAGE_LINES, Contract, cut_points, cuts, synthetic_output
from tests.parse.strategies import mutated
from tests.realdata import real_file, real_text

PAD6 = "dellta77-xiaomi-pad6-android14/getprop.txt"
MOTO = "motorola-edge20-android13/getprop.txt"

SAMPLE = """\
[dalvik.vm.heapsize]: [512m]
[persist.sys.boot.reason.history]: [reboot,userrequested,1700000100
shutdown,battery,1700000000]
[persist.sys.timezone]: [Europe/Berlin]
[ro.build.version.sdk]: [34]
[ro.build.version.security_patch]: [2024-05-01]
[ro.product.model]: [Pixel 8]
[ro.boot.serialno]: []
"""


def _check(result: ParsedProperties) -> None:
    """The invariants every parse keeps: right types all the way down."""
    assert isinstance(result, ParsedProperties)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.values.items())
    assert all(isinstance(line, str) for line in result.unknown)


@functools.cache
def _parse(text: str) -> ParsedProperties:
    return parse_getprop(text)


CONTRACT: Contract[ParsedProperties, tuple[str, str]] = Contract(
    parse=parse_getprop,
    facts=lambda result: frozenset(result.values.items()),
    # A property is read from "[key]: [value]" (a multi-line value included) and needs its last "]".
    evidence=lambda fact: re.escape(f"[{fact[0]}]: [{fact[1]}]"),
)


# ---------------------------------------------------------------------------------------------
# Real captures
# ---------------------------------------------------------------------------------------------


def test_xiaomi_pad6_android14() -> None:
    result = parse_getprop(real_text("dellta77-xiaomi-pad6-android14/getprop.txt"))
    assert len(result.values) == 1178
    assert result.unknown == ()
    assert result.values["ro.build.version.security_patch"] == "2026-01-01"
    assert result.values["ro.product.model"] == "23043RP34G"
    assert result.values["ro.product.manufacturer"] == "Xiaomi"
    assert result.values["ro.build.version.sdk"] == "34"
    assert result.values["ro.build.version.release"] == "14"
    # The one multi-line value in the file.
    assert result.values["persist.sys.boot.reason.history"] == (
        "shutdown,userrequested,1777928252\nreboot,userrequested,1777920673"
    )
    assert result.values["DEVICE_PROVISIONED"] == "1"


def test_motorola_edge20_android13() -> None:
    result = parse_getprop(real_text("motorola-edge20-android13/getprop.txt"))
    assert len(result.values) == 863
    assert result.unknown == ()
    assert result.values["ro.build.version.security_patch"] == "2023-09-01"
    assert result.values["ro.product.model"] == "motorola edge 20"
    assert result.values["ro.build.version.sdk"] == "33"
    history = result.values["persist.sys.boot.reason.history"].split("\n")
    assert history == [
        "reboot,hardware_reset,1728776411",
        "reboot,1727208771",
        "reboot,1726002861",
        "reboot,1724940786",
    ]


def test_rockchip_tv_box_android7() -> None:
    result = parse_getprop(real_text("multibox-rk322x-android7.1.2/getprop.txt"))
    assert len(result.values) == 269
    assert result.unknown == ()
    assert result.values["ro.build.version.security_patch"] == "2017-04-05"
    assert result.values["ro.product.model"] == "TV BOX"
    assert result.values["ro.build.version.sdk"] == "25"
    # The box's build claims release "9.1" on sdk 25: kept as printed, judged later.
    assert result.values["ro.build.version.release"] == "9.1"
    assert result.values["ro.product.manufacturer"] == "rockchip"


def test_mvt_fragments() -> None:
    android_data = parse_getprop(real_text("mvt-tests/android_data/getprop.txt"))
    assert len(android_data.values) == 13  # a blank line sits in the middle of the file
    assert android_data.unknown == ()
    assert android_data.values["dalvik.vm.heapgrowthlimit"] == "192m"
    assert android_data.values["audio.offload.video"] == "true"

    androidqf = parse_getprop(real_text("mvt-tests/androidqf/getprop.txt"))
    assert len(androidqf.values) == 10
    assert androidqf.values["dalvik.vm.heapgrowthlimit"] == "128m"
    assert androidqf.values["dalvik.vm.heapminfree"] == "512k"


@pytest.mark.parametrize(("relpath", "count"), [(PAD6, 1178), (MOTO, 863)])
def test_real_capture_truncated_anywhere(relpath: str, count: int) -> None:
    text = real_text(relpath)
    full = _parse(text)
    assert len(full.values) == count
    for cut in cut_points(text, 97):
        result = CONTRACT.check_cut(text, cut, full=full)
        _check(result)
        # A value cut before its "]" is dropped, not shortened, and its text is kept in unknown.
        line_start = text.rfind("\n", 0, cut) + 1
        if not text[line_start:cut].endswith("]") and text[line_start:cut].strip():
            assert result.unknown[-1].endswith(text[line_start:cut])


# ---------------------------------------------------------------------------------------------
# Format details
# ---------------------------------------------------------------------------------------------


def test_sample() -> None:
    result = parse_getprop(SAMPLE)
    assert result.values["ro.product.model"] == "Pixel 8"
    assert result.values["ro.boot.serialno"] == ""
    assert result.values["persist.sys.boot.reason.history"].count("\n") == 1
    assert result.unknown == ()


def test_value_holding_brackets_runs_to_the_last_bracket() -> None:
    result = parse_getprop("[ro.vendor.list]: [[a], [b]]\n")
    assert result.values == {"ro.vendor.list": "[a], [b]"}


def test_value_cut_before_its_closing_bracket_is_not_trusted() -> None:
    result = parse_getprop("[ro.product.model]: [Pixel 8]\n[ro.build.version.security_patch]: [2024-0")
    assert result.values == {"ro.product.model": "Pixel 8"}
    assert result.unknown == ("[ro.build.version.security_patch]: [2024-0",)


def test_unterminated_value_ends_at_the_next_property() -> None:
    result = parse_getprop("[a]: [open\nmore\n[b]: [2]\n")
    assert result.values == {"b": "2"}
    assert result.unknown == ("[a]: [open\nmore",)


def test_noise_lines_are_kept_in_unknown() -> None:
    result = parse_getprop("adb: device offline\n[a]: [1]\n")
    assert result.values == {"a": "1"}
    assert result.unknown == ("adb: device offline",)


def test_repeated_key_keeps_the_last_value() -> None:
    assert parse_getprop("[a]: [1]\n[a]: [2]\n").values == {"a": "2"}


def test_html_comes_through_verbatim() -> None:
    result = parse_getprop('[ro.product.model]: [<script>alert("x")</script>]\n')
    assert result.values["ro.product.model"] == '<script>alert("x")</script>'


# ---------------------------------------------------------------------------------------------
# Hostile input
# ---------------------------------------------------------------------------------------------


def test_empty() -> None:
    assert parse_getprop("") == ParsedProperties(values={}, unknown=())


def test_binary_garbage() -> None:
    intact = real_file(PAD6).read_bytes()
    junk = bytes(range(256)) * 4
    text = decode_output(junk + b"\n" + intact + junk + b"\xff\xfe\x00[a]: [1]").text
    result = parse_getprop(text)
    # Every property is read as without the junk; every junk line is kept, the one that ends in a
    # property-like tail too (it does not start like a property, so it is not one).
    assert result.values == _parse(real_text(PAD6)).values
    assert result.unknown == (*GARBAGE_LINES, *GARBAGE_LINES[:-1], GARBAGE_LINES[-1] + "\ufffd\ufffd[a]: [1]")


def test_crlf_capture() -> None:
    text = decode_output(SAMPLE.replace("\n", "\r\n").encode()).text
    assert parse_getprop(text) == parse_getprop(SAMPLE)


def test_utf16_capture() -> None:
    text = decode_output(b"\xff\xfe" + SAMPLE.encode("utf-16-le")).text
    assert parse_getprop(text).values["ro.product.model"] == "Pixel 8"


def test_every_truncation_of_the_sample() -> None:
    full = _parse(SAMPLE)
    assert len(full.values) == 7
    for cut in range(len(SAMPLE) + 1):
        _check(CONTRACT.check_cut(SAMPLE, cut, full=full))
    # Cut inside the two-line value: neither line becomes a value; both are kept.
    cut = SAMPLE.index("shutdown,battery")
    open_value = "[persist.sys.boot.reason.history]: [reboot,userrequested,1700000100\n"
    assert parse_getprop(SAMPLE[:cut]).unknown == (open_value,)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_never_raises(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="cut an intact capture"):
        counts = {SAMPLE: 7, synthetic_output("getprop"): 118, real_text(PAD6): 1178}
        text, cut = data.draw(cuts(counts))
        assert len(_parse(text).values) == counts[text]
        _check(CONTRACT.check_cut(text, cut, full=_parse(text)))
        return
    text = data.draw(mutated(SAMPLE))
    result = parse_getprop(text)
    _check(result)
    # Hostile text: nothing is invented. Every key was printed as "[key]: [", every kept line is input.
    assert all(f"[{key}]: [" in text for key in result.values)
    assert all(line in text for value in result.values.values() for line in value.split("\n"))
    assert all(line in text for entry in result.unknown for line in entry.split("\n"))
