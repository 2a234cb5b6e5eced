"""The origin rules: what makes an origin abnormal, and what does not (the shell, store updates, key rotation)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.model import (
    AppOrigin,
    AppReport,
    DumpSignatures,
    FactoryCopy,
    Provenance,
    Removal,
    SignatureHashKind,
)
from auditor.score import find
from auditor.score.scope import abnormal
from tests.realreports import multibox, xiaomi
from tests.score.builders import app

CONTENT, IDENTITY = SignatureHashKind.CONTENT, SignatureHashKind.IDENTITY


def _ids(a: AppReport) -> set[str]:
    return {f.rule_id for f in find(a) if f.rule_id.startswith("AUD-ORIGIN-")}


def _update(**fields: object) -> AppReport:
    """An updated preinstalled app installed by the store, with the given fields changed."""
    store: dict[str, object] = {"installer": "com.android.vending", "initiating_installer": "com.android.vending"}
    return replace(app("com.vendor.x", system=True), updated_system=True, **(store | fields))  # type: ignore[arg-type]


def test_a_store_update_of_a_system_app_is_normal() -> None:
    assert _ids(_update()) == set()
    # No installer recorded: older Android prints none for several legitimate kinds of update.
    assert _ids(_update(installer=None, initiating_installer=None)) == set()


@pytest.mark.parametrize(
    ("fields", "evidence"),
    [
        ({"initiating_installer": "com.android.shell"}, "initiatingPackageName=com.android.shell (adb install)"),
        ({"package_source": 3}, "packageSource=3 (a local file)"),
        ({"package_source": 4}, "packageSource=4 (a downloaded file)"),
        (
            {"installer": "com.google.android.packageinstaller", "initiating_installer": None},
            "installerPackageName=com.google.android.packageinstaller (installs from files)",
        ),
    ],
)
def test_a_system_app_updated_from_a_file_or_adb(fields: dict[str, object], evidence: str) -> None:
    (finding,) = [f for f in find(_update(**fields)) if f.rule_id == "AUD-ORIGIN-003"]
    assert finding.evidence[:2] == ("flags=[UPDATED_SYSTEM_APP]", evidence)


def _signed(current: DumpSignatures | None, factory: DumpSignatures | None) -> AppReport:
    provenance = Provenance("x", Removal.DISABLE, signatures=current, factory=FactoryCopy("/product/app/X", 7, factory))
    return _update(provenance=provenance)


def test_a_different_signer_than_the_factory_copy() -> None:
    a = _signed(DumpSignatures(CONTENT, ("bb",), ("aa",)), DumpSignatures(CONTENT, ("cc",)))
    (finding,) = [f for f in find(a) if f.rule_id == "AUD-ORIGIN-004"]
    assert finding.evidence == (
        "installed copy signed [bb] past [aa]",
        "factory copy /product/app/X signed [cc]",
    )
    assert abnormal(replace(a, findings=find(a)))


@pytest.mark.parametrize(
    ("current", "factory"),
    [
        (DumpSignatures(CONTENT, ("cc",)), DumpSignatures(CONTENT, ("cc",))),  # the same signer
        (DumpSignatures(CONTENT, ("bb",), ("cc", "bb")), DumpSignatures(CONTENT, ("cc",))),  # rotated from it
        (DumpSignatures(IDENTITY, ("bb",)), DumpSignatures(IDENTITY, ("cc",))),  # Android 8: objects, not certs
        (None, DumpSignatures(CONTENT, ("cc",))),
        (DumpSignatures(CONTENT, ("bb",)), None),
    ],
)
def test_what_is_not_a_signer_change(current: DumpSignatures | None, factory: DumpSignatures | None) -> None:
    assert _ids(_signed(current, factory)) == set()


def test_a_preinstalled_app_without_a_factory_copy_is_not_compared() -> None:
    assert _ids(_update(provenance=Provenance("x", Removal.DISABLE, DumpSignatures(CONTENT, ("bb",))))) == set()


def test_the_platform_itself_is_never_abnormal_for_holding_its_uid() -> None:
    phone = replace(app("com.android.phone", system=True), app_id=1001, shared_user="android.uid.phone")
    assert _ids(phone) == set()
    assert replace(phone, origin=AppOrigin.PLATFORM).origin is AppOrigin.PLATFORM
    assert _ids(replace(phone, origin=AppOrigin.PLATFORM)) == set()


def test_the_shell_is_never_a_finding_by_itself() -> None:
    """The shell holds nearly every permission and its app-ops record the audit's own commands."""
    for report in (multibox(), xiaomi()):
        shell = next(a for a in report.apps if a.package == "com.android.shell")
        assert shell.origin is AppOrigin.PLATFORM
        assert shell.findings == ()
    # On the tablet its app-ops hold the audit's rejected GET_USAGE_STATS and the vendor ops.
    shell = next(a for a in xiaomi().apps if a.package == "com.android.shell")
    assert {"GET_USAGE_STATS", "MIUIOP(10008)"} <= {o.op for o in shell.ops}
