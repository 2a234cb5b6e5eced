"""A uid's app-op modes apply to every package of the uid, even one its block prints no ``Package`` line for.

AppOpsService prints ``Package <name>:`` only for packages with package-level ops; a system app whose
grants only set uid modes (PermissionPolicyService: ``FINE_LOCATION: mode=foreground``) has none. Those
modes still decide (AppOpsService: "Uid mode overrides package mode"), which the synthetic truth states.
"""

from __future__ import annotations

from auditor.acquire.synthetic import generate
from auditor.model import EffectiveAccess
from auditor.pipeline import audit_snapshot


def test_uid_modes_without_package_lines_decide_like_the_truth_says() -> None:
    snapshot, truth = generate(60, seed=0)
    report = audit_snapshot(snapshot, merge_apks=False)
    apps = {(a.user, a.package): a for a in report.apps}
    checked = 0
    for t in truth.apps:
        if t.ops or not t.uid_modes:
            continue  # only apps whose uid block names no package line
        for row in apps[(t.user, t.package)].permissions:
            if row.appop is not None and t.uid_mode(row.appop) is not None:
                assert row.appop_mode == t.effective_mode(row.appop), (t.package, row.name)
                checked += 1
    assert checked >= 10
    bluetooth = {p.name: p for p in apps[(0, "com.android.bluetooth")].permissions}
    fine = bluetooth["android.permission.ACCESS_FINE_LOCATION"]
    assert (fine.appop_mode, fine.effective) == ("foreground", EffectiveAccess.FOREGROUND_ONLY)
