"""The plan's discrete-history command asks Android 12+ only, and says so in one line on older devices.

The command runs in a POSIX shell here with stand-in ``getprop`` and ``dumpsys`` programs on ``PATH``
(Android's mksh reads the same syntax): each stand-in records how it was called, so the test sees
exactly what the device would have been asked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.acquire.plan import base_plan, is_read_only
from auditor.model import HistoryStatus
from auditor.parse.appops import parse_discrete_history
from auditor.sections import APPOPS_DISCRETE

SHELL = shutil.which("sh")
pytestmark = pytest.mark.skipif(SHELL is None, reason="needs a POSIX sh")


def _run(tmp_path: Path, sdk: str) -> tuple[str, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    (bin_dir / "getprop").write_text(f'#!/bin/sh\necho "getprop $*" >> {calls}\necho "{sdk}"\n')
    (bin_dir / "dumpsys").write_text(f'#!/bin/sh\necho "dumpsys $*" >> {calls}\nprintf "Discrete accesses: \\n"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    command = next(c.command for c in base_plan() if c.section is APPOPS_DISCRETE.section)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    assert SHELL is not None
    done = subprocess.run([SHELL, "-c", command], capture_output=True, text=True, env=env, check=True, timeout=30)
    return done.stdout, calls.read_text().splitlines()


@pytest.mark.parametrize("sdk", ["31", "34", "36"])
def test_android_12_and_later_print_the_history(tmp_path: Path, sdk: str) -> None:
    out, calls = _run(tmp_path, sdk)
    assert calls == ["getprop ro.build.version.sdk", "dumpsys appops --history --include-discrete 0"]
    assert parse_discrete_history(out).status is HistoryStatus.READ


@pytest.mark.parametrize("sdk", ["30", "25", "", "S"])
def test_older_or_unknown_versions_print_one_marker_line(tmp_path: Path, sdk: str) -> None:
    out, calls = _run(tmp_path, sdk)
    assert calls == ["getprop ro.build.version.sdk"]  # dumpsys is never asked
    assert out == f"##auditor## history=none sdk={sdk}\n"
    assert parse_discrete_history(out).status is HistoryStatus.NOT_SUPPORTED


def test_the_command_is_one_read_only_plan_entry() -> None:
    planned = [c for c in base_plan() if c.section is APPOPS_DISCRETE.section]
    assert len(planned) == 1 and planned[0].id == "appops_discrete" and is_read_only(planned[0].command)
