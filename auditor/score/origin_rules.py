"""Findings about where an app comes from: the abnormal cases of origin.

The platform and the phone's own apps hold powerful accesses by design, so the report treats them as
context (``auditor.analyse.origin``). That holds only while they are what came with the phone. These
rules flag the cases where it does not: a package installed afterwards with the operating system's
identity (its uid or its signing certificate), and a system app whose code was replaced outside normal
updates (from a sideload, or by a different signer than its factory copy). A platform component with
one of these findings is listed among the apps that matter most; without one it never is.

Registered in ``auditor.score.rules``' table by importing this module there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from auditor.analyse.catalogue import load_catalogue
from auditor.analyse.origin import platform_uid
from auditor.model import Confidence, DumpSignatures, Severity, SignatureHashKind
from auditor.score.rulebase import Hit, RuleContext, rule, uninstall, watch_out
from auditor.score.scope import AppliesTo

ADB_INITIATOR: Final = "com.android.shell"
"""``initiatingPackageName`` of an ``adb install`` (Android 11+)."""
FILE_SOURCES: Final = frozenset({3, 4})
"""``packageSource`` of an install from a local file (3) or a downloaded file (4), Android 13+."""

UNINSTALL_UPDATES = (
    "Settings › Apps › {app} › ⋮ › Uninstall updates: the factory copy from the system image comes back (and so "
    "do its updates from the store later)."
)


def _where(ctx: RuleContext) -> str:
    app = ctx.app
    return f"codePath={app.code_path or 'unknown'} installer={app.installer or 'none'}"


@rule(
    "AUD-ORIGIN-001",
    title="Installed into a platform uid",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="A platform uid (system, phone, shell …) holds the operating system's own powers. Android lets a "
    "package join one only when it carries the platform certificate, so a package installed into one afterwards "
    "was built with the maker's key: a development build, or malware signed with a leaked platform key.",
    remediation="adb shell pm uninstall --user <user> <package>; if Android refuses, restore the factory image.",
)
def _platform_uid_outside_image(ctx: RuleContext) -> Iterable[Hit]:
    """An app not on the system image runs in a platform uid: an app id below 10000 or a shared ``android.uid.*``
    user id."""
    why = platform_uid(ctx.app)
    if why is None:
        return []
    fix = f"{uninstall(ctx)}; if Android refuses, restore the factory image.{watch_out(ctx)}"
    return [Hit((why, _where(ctx)), fix)]


@rule(
    "AUD-ORIGIN-002",
    title="Installed app signed with the platform certificate",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    applies_to=AppliesTo.THIRD_PARTY,
    rationale="The platform certificate signs the operating system; an app installed afterwards with it gets "
    "every signature permission. Platform certificates of several makers leaked and signed malware (Android "
    "Partner Vulnerability Initiative, 2022). Medium confidence: without the APKs the comparison rests on the "
    "32-bit certificate hashes dumpsys prints, which a forger could match.",
    remediation="adb shell pm uninstall --user <user> <package>.",
)
def _platform_signed_outside_image(ctx: RuleContext) -> Iterable[Hit]:
    """An app not on the system image is signed with the platform certificate: its APK signer is package
    ``android``'s, or its dumpsys signature hashes are."""
    provenance = ctx.app.provenance
    if provenance is None or provenance.platform_signature is None:
        return []
    fix = f"{uninstall(ctx)}.{watch_out(ctx)}"
    return [Hit((provenance.platform_signature, _where(ctx)), fix)]


def _sideload_evidence(ctx: RuleContext) -> str | None:
    """What shows that the installed update came from a file or adb, when something does."""
    app = ctx.app
    if app.initiating_installer == ADB_INITIATOR:
        return f"initiatingPackageName={ADB_INITIATOR} (adb install)"
    if app.package_source in FILE_SOURCES:
        return f"packageSource={app.package_source} (a {'local' if app.package_source == 3 else 'downloaded'} file)"
    if app.installer is not None and app.installer in load_catalogue().sideload_installers:
        return f"installerPackageName={app.installer} (installs from files)"
    return None


@rule(
    "AUD-ORIGIN-003",
    title="System app updated from a sideload",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    applies_to=AppliesTo.SYSTEM_IMAGE,
    rationale="The code of a system app was replaced by a file installed by hand, not by the store or the maker: "
    "it keeps the system app's privileges and its place in the system, so a tampered copy hides well. Medium "
    "confidence: the source of the update is inferred from installer fields, and older Android versions record "
    "less of it.",
    remediation=UNINSTALL_UPDATES.replace("{app}", "the app"),
)
def _system_update_sideloaded(ctx: RuleContext) -> Iterable[Hit]:
    """An updated system app's update was installed by adb (initiating installer ``com.android.shell``), from a
    local or downloaded file (``packageSource`` 3 or 4), or by an app that installs files (the package installer,
    a file manager, a browser). An update with no installer recorded is not flagged: older Android versions print
    none for updates of several legitimate kinds."""
    if not ctx.app.updated_system:
        return []
    evidence = _sideload_evidence(ctx)
    if evidence is None:
        return []
    fix = UNINSTALL_UPDATES.replace("{app}", ctx.label) + watch_out(ctx)
    return [Hit(("flags=[UPDATED_SYSTEM_APP]", evidence, _where(ctx)), fix)]


def _rotated_from(current: DumpSignatures, factory: DumpSignatures) -> bool:
    """Whether the factory signer is in the current signer's key-rotation lineage (a legitimate change)."""
    return bool(set(factory.current) & set(current.past))


@rule(
    "AUD-ORIGIN-004",
    title="System app signed differently from its factory copy",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    applies_to=AppliesTo.SYSTEM_IMAGE,
    rationale="An update of a system app must be signed like the copy on the system image; a different signer "
    "means the installed code is not the maker's. Medium confidence: this compares the 32-bit certificate hashes "
    "dumpsys prints for the update and for its factory copy, not certificate digests. Different hashes prove "
    "different certificates, but a key rotation the dump does not list would look the same.",
    remediation=UNINSTALL_UPDATES.replace("{app}", "the app"),
)
def _signer_differs_from_factory(ctx: RuleContext) -> Iterable[Hit]:
    """An updated system app's signing-certificate hashes differ from its factory copy's (``Hidden system
    packages:``), and the factory signer is not in the update's rotation lineage (``past signatures``). Only
    content hashes (Android 9 and later) are compared: before that dumpsys printed object identities, which differ
    for one certificate read twice."""
    provenance = ctx.app.provenance
    if provenance is None or provenance.factory is None:
        return []
    current, factory = provenance.signatures, provenance.factory.signatures
    if current is None or factory is None:
        return []
    if current.kind is not SignatureHashKind.CONTENT or factory.kind is not SignatureHashKind.CONTENT:
        return []
    if set(current.current) == set(factory.current) or _rotated_from(current, factory):
        return []
    evidence = (
        f"installed copy signed [{', '.join(current.current)}] past [{', '.join(current.past)}]",
        f"factory copy {provenance.factory.code_path or '(path unknown)'} signed [{', '.join(factory.current)}]",
    )
    fix = UNINSTALL_UPDATES.replace("{app}", ctx.label) + watch_out(ctx)
    return [Hit(evidence, fix)]
