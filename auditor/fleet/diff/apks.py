"""Comparing two APKs of one app: version, permissions, exported components, trackers, signer."""

from __future__ import annotations

from typing import Final

from auditor.fleet.diff.model import ApkDiff, ComponentRef, FieldChange, Side
from auditor.fleet.errors import DiffError
from auditor.fleet.inputs import InputKind
from auditor.model import (
    ApkComponentKind,
    ApkFacts,
)


def apk_title(f: ApkFacts) -> str:
    code = "?" if f.version_code is None else str(f.version_code)
    return f"{f.package} {f.version_name or '?'} ({code})"


def _exported(f: ApkFacts) -> dict[tuple[ApkComponentKind, str], ComponentRef]:
    return {(c.kind, c.name): ComponentRef(c.kind, c.name, c.permission) for c in f.components if c.exported}


_APK_FIELDS: Final = (
    "package",
    "version_code",
    "version_name",
    "min_sdk",
    "target_sdk",
    "shared_user_id",
    "debuggable",
    "allow_backup",
    "test_only",
    "hides_launcher_icon",
    "janus",
)


def diff_apks(
    old: ApkFacts,
    new: ApkFacts,
    *,
    force: bool = False,
    old_side: Side | None = None,
    new_side: Side | None = None,
) -> ApkDiff:
    """Compare two APKs of one app; ``DiffError`` when the packages differ (unless ``force``)."""
    if old.package != new.package and not force:
        raise DiffError(f"the APKs are different apps ({old.package} vs {new.package}); use --force to compare anyway")
    fields = [
        FieldChange.between(name, getattr(old, name), getattr(new, name))
        for name in _APK_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    if old.network.cleartext_permitted != new.network.cleartext_permitted:
        fields.append(
            FieldChange(
                "cleartext_permitted", str(old.network.cleartext_permitted), str(new.network.cleartext_permitted)
            )
        )
    if old.network.user_cas_trusted != new.network.user_cas_trusted:
        fields.append(
            FieldChange("user_cas_trusted", str(old.network.user_cas_trusted), str(new.network.user_cas_trusted))
        )
    pa, pb = {p.name for p in old.permissions}, {p.name for p in new.permissions}
    ea, eb = _exported(old), _exported(new)
    ta, tb = {t.name for t in old.trackers}, {t.name for t in new.trackers}
    old_signer, new_signer = old.signing.signer_sha256, new.signing.signer_sha256
    flags = []
    if old_signer != new_signer:
        flags.append(
            f"signer changed from {old_signer or 'unsigned'} to {new_signer or 'unsigned'}: Android would refuse this "
            "as an update; the new APK was built and signed by someone else (repackaged?)"
        )
    if new.debuggable and not old.debuggable:
        flags.append("the new APK is debuggable: any app with adb access can run code as it")
    if new.network.user_cas_trusted and not old.network.user_cas_trusted:
        flags.append("the new APK trusts user-installed CAs: its traffic can be intercepted")
    return ApkDiff(
        old=old_side or Side("OLD", InputKind.APK, apk_title(old)),
        new=new_side or Side("NEW", InputKind.APK, apk_title(new)),
        forced=old.package != new.package,
        fields=tuple(fields),
        old_signer=old_signer,
        new_signer=new_signer,
        permissions_added=tuple(sorted(pb - pa)),
        permissions_removed=tuple(sorted(pa - pb)),
        exported_added=tuple(eb[k] for k in sorted(set(eb) - set(ea))),
        exported_removed=tuple(ea[k] for k in sorted(set(ea) - set(eb))),
        trackers_added=tuple(sorted(tb - ta)),
        trackers_removed=tuple(sorted(ta - tb)),
        red_flags=tuple(flags),
    )
