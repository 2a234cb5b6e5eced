"""``pm path`` loop parser: base and splits, markers and users, old releases, hostile lines, fuzzing.

The sample follows the plan's loop (``auditor.acquire.plan.apk_path_plan``) and the shapes in
docs/android-platform.md §5: ``package:<path>`` per APK, base first, then config and feature splits.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.parse.pm_path import PackagePaths, ParsedPmPaths, parse_pm_path_loop, valid_device_path
from tests.parse.damage import cuts, synthetic_output
from tests.parse.strategies import mutated

APP = "/data/app/~~Xq1Ab==/com.example.app-Yz2Cd=="
SAMPLE = f"""\
##auditor## package=com.example.app user=0
package:{APP}/base.apk
package:{APP}/split_config.arm64_v8a.apk
package:{APP}/split_config.xxhdpi.apk
package:{APP}/split_feature_camera.apk
##auditor## package=com.android.settings user=0
package:/system_ext/priv-app/Settings/Settings.apk
##auditor## package=com.example.work user=10
package:/data/app/~~Q==/com.example.work-R==/base.apk
"""


def _check(result: ParsedPmPaths) -> None:
    assert isinstance(result, ParsedPmPaths)
    for entry in result.packages:
        assert isinstance(entry, PackagePaths) and entry.package
        assert all(valid_device_path(p) for p in entry.paths)
        assert len(set(entry.paths)) == len(entry.paths)
    assert all(isinstance(line, str) for line in result.unknown)


def test_sample_base_then_splits_per_user() -> None:
    result = parse_pm_path_loop(SAMPLE)
    assert result.unknown == ()
    assert result.packages == (
        PackagePaths(
            "com.example.app",
            0,
            (
                f"{APP}/base.apk",
                f"{APP}/split_config.arm64_v8a.apk",
                f"{APP}/split_config.xxhdpi.apk",
                f"{APP}/split_feature_camera.apk",
            ),
        ),
        PackagePaths("com.android.settings", 0, ("/system_ext/priv-app/Settings/Settings.apk",)),
        PackagePaths("com.example.work", 10, ("/data/app/~~Q==/com.example.work-R==/base.apk",)),
    )


def test_marker_without_user_takes_the_default() -> None:
    text = "##auditor## package=a.b\npackage:/data/app/a.b-1/base.apk\n"
    assert parse_pm_path_loop(text, user=10).packages == (PackagePaths("a.b", 10, ("/data/app/a.b-1/base.apk",)),)
    assert parse_pm_path_loop(text).packages[0].user is None
    bad_user = "##auditor## package=a.b user=zero\npackage:/data/app/a.b-1/base.apk\n"
    assert parse_pm_path_loop(bad_user, user=0).packages[0].user == 0


def test_old_releases_and_pty_line_ends() -> None:
    # Android 4.x: one APK named after the package; Android 6 over a pty: CRLF.
    text = "##auditor## package=com.old user=0\r\npackage:/data/app/com.old-1.apk\r\n"
    assert parse_pm_path_loop(text).packages == (PackagePaths("com.old", 0, ("/data/app/com.old-1.apk",)),)


def test_a_package_pm_path_cannot_find_keeps_its_error() -> None:
    text = "##auditor## package=com.gone user=0\nError: package com.gone not found\n"
    result = parse_pm_path_loop(text)
    assert result.packages == (PackagePaths("com.gone", 0, ()),)
    assert result.unknown == ("Error: package com.gone not found",)


def test_repeated_parts_merge_and_paths_are_kept_once() -> None:
    text = (
        "##auditor## package=a.b user=0\npackage:/data/app/x/base.apk\n"
        "##auditor## package=a.b user=0\npackage:/data/app/x/base.apk\npackage:/data/app/x/split_c.apk\n"
    )
    assert parse_pm_path_loop(text).packages == (
        PackagePaths("a.b", 0, ("/data/app/x/base.apk", "/data/app/x/split_c.apk")),
    )


def test_hostile_lines_are_unknown_never_paths() -> None:
    text = (
        "text before any marker\n"
        "##auditor## package=com.evil user=0\n"
        "package:relative/base.apk\n"
        "package:/data/app/../../etc/passwd\n"
        "package:/data/app/./x.apk\n"
        "package:/data/app/evil\x1b[31m/base.apk\n"
        f"package:/{'a' * 2000}.apk\n"
        "package:/data/app/ok'$(reboot)'/base.apk\n"
        "##auditor## package=$(reboot) user=0\n"
        "package:/data/app/y/base.apk\n"
    )
    result = parse_pm_path_loop(text)
    _check(result)
    # Quotes and $( ) are printable: kept verbatim here; the plan quotes them and checks them again.
    assert result.packages == (PackagePaths("com.evil", 0, ("/data/app/ok'$(reboot)'/base.apk",)),)
    assert result.unknown[0] == "text before any marker"
    assert "package:relative/base.apk" in result.unknown
    assert "package:/data/app/../../etc/passwd" in result.unknown
    assert any(line.startswith("marker without a valid package") for line in result.unknown)
    assert "package:/data/app/y/base.apk" in result.unknown


def test_valid_device_path() -> None:
    assert valid_device_path("/data/app/~~a==/p-b==/base.apk")
    for bad in ("", "base.apk", "/a/../b.apk", "/a/./b.apk", "/a\nb.apk", "/a\x00.apk", "/" + "x" * 1100):
        assert not valid_device_path(bad)


def test_empty() -> None:
    assert parse_pm_path_loop("") == ParsedPmPaths(packages=())


def _paths(result: ParsedPmPaths) -> set[tuple[int | None, str, str]]:
    return {(entry.user, entry.package, path) for entry in result.packages for path in entry.paths}


def _check_cut(text: str, cut: int) -> ParsedPmPaths:
    """A loop cut at ``cut``: every path line before the cut line is read whole; the cut line is read only
    when the cut falls after its ``.apk`` (then it is the whole path); nothing else appears."""
    full = _paths(parse_pm_path_loop(text, user=0))
    result = parse_pm_path_loop(text[:cut], user=0)
    _check(result)
    line_start = text.rfind("\n", 0, cut) + 1
    before = _paths(parse_pm_path_loop(text[:line_start], user=0))
    assert before <= full
    assert before <= _paths(result)
    for user, package, path in _paths(result) - before:
        assert text[line_start:cut].strip() == "package:" + path
        assert (user, package, path) in full
    return result


def test_every_truncation_of_the_sample() -> None:
    assert len(_paths(parse_pm_path_loop(SAMPLE))) == 6
    for cut in range(len(SAMPLE) + 1):
        _check_cut(SAMPLE, cut)
    # Cut inside a marker: the package it names is not known yet, so its paths are not read.
    cut = SAMPLE.index("package=com.example.work") + len("package=com.exa")
    assert [p.package for p in parse_pm_path_loop(SAMPLE[:cut]).packages][-1] == "com.exa"
    assert _paths(parse_pm_path_loop(SAMPLE[:cut])) == _paths(parse_pm_path_loop(SAMPLE)) - {
        (10, "com.example.work", "/data/app/~~Q==/com.example.work-R==/base.apk")
    }


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_never_raises_on_mutated_input(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="cut an intact loop"):
        counts = {SAMPLE: 6, synthetic_output("pm_path.u0"): 121}
        text, cut = data.draw(cuts(counts))
        assert len(_paths(parse_pm_path_loop(text))) == counts[text]
        _check_cut(text, cut)
        return
    text = data.draw(mutated(SAMPLE))
    result = parse_pm_path_loop(text, user=0)
    _check(result)
    # Hostile text: every package and path was printed as such.
    assert all(f"package={entry.package}" in text for entry in result.packages)
    assert all(f"package:{path}" in text for _user, _package, path in _paths(result))
