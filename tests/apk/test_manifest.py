"""Manifest facts, read from factory APKs through the whole in-process analysis."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditor.apk.manifest import class_name, protection_level_names
from auditor.model import (
    ApkComponentKind,
    ApkDeclaredPermission,
    ApkRequestedPermission,
    ApkResult,
    ApkStatus,
    ExportedReason,
)
from tests.apk import factory
from tests.apk.factory import Hex, Ref, ResValue, el

Analyse = Callable[..., ApkResult]
P = "android.permission."


def facts_of(analyse: Analyse, root: factory.Element, **kw: object):  # type: ignore[no-untyped-def]
    result = analyse(factory.build_apk(root, **kw))  # type: ignore[arg-type]
    assert result.facts is not None, result.issues
    return result.facts


def test_identity_and_sdk_levels(analyse: Analyse) -> None:
    f = facts_of(analyse, factory.manifest("org.demo", version_code=42, version_name="4.2", min_sdk=24, target_sdk=34))
    assert (f.package, f.version_code, f.version_name, f.min_sdk, f.target_sdk) == ("org.demo", 42, "4.2", 24, 34)
    assert f.split is None and f.shared_user_id is None and f.label is None


def test_missing_uses_sdk_and_codename(analyse: Analyse) -> None:
    f = facts_of(analyse, factory.manifest(min_sdk=None, target_sdk=None))
    assert (f.min_sdk, f.target_sdk) == (None, None)
    root = factory.manifest(min_sdk=None, target_sdk=None)
    root.children.insert(0, el("uses-sdk", {"android:minSdkVersion": "VanillaIceCream"}))
    f = facts_of(analyse, root)
    assert f.min_sdk == 10000


def test_permissions_with_sdk23_and_max_sdk(analyse: Analyse) -> None:
    root = factory.manifest(
        permissions=[P + "CAMERA", (P + "ACCESS_FINE_LOCATION", 30), P + "CAMERA"],
        permissions_sdk23=[P + "READ_CONTACTS"],
        target_sdk=33,
    )
    root.children.append(el("uses-permission-sdk-m", {"android:name": P + "RECORD_AUDIO"}))
    f = facts_of(analyse, root)
    assert f.permissions == (
        ApkRequestedPermission(P + "CAMERA"),
        ApkRequestedPermission(P + "ACCESS_FINE_LOCATION", max_sdk=30),
        ApkRequestedPermission(P + "READ_CONTACTS", sdk23=True),
        ApkRequestedPermission(P + "RECORD_AUDIO", sdk23=True),
    )


def test_implied_permissions_follow_aapt(analyse: Analyse) -> None:
    f = facts_of(
        analyse,
        factory.manifest(permissions=[P + "READ_CONTACTS", P + "WRITE_CONTACTS"], min_sdk=3, target_sdk=3),
    )
    implied = [(p.name, p.implied_reason) for p in f.permissions if p.implied]
    assert implied == [
        (P + "WRITE_EXTERNAL_STORAGE", "targetSdkVersion < 4"),
        (P + "READ_PHONE_STATE", "targetSdkVersion < 4"),
        (P + "READ_EXTERNAL_STORAGE", "requested WRITE_EXTERNAL_STORAGE"),
        (P + "READ_CALL_LOG", "targetSdkVersion < 16 and requested READ_CONTACTS"),
        (P + "WRITE_CALL_LOG", "targetSdkVersion < 16 and requested WRITE_CONTACTS"),
    ]
    f = facts_of(analyse, factory.manifest(permissions=[(P + "WRITE_EXTERNAL_STORAGE", 28)], target_sdk=30))
    assert f.permissions[-1] == ApkRequestedPermission(
        P + "READ_EXTERNAL_STORAGE", max_sdk=28, implied=True, implied_reason="requested WRITE_EXTERNAL_STORAGE"
    )
    f = facts_of(analyse, factory.manifest(permissions=[P + "READ_CONTACTS"], target_sdk=16))
    assert [p.name for p in f.permissions] == [P + "READ_CONTACTS"]


def test_declared_permissions_and_protection_levels(analyse: Analyse) -> None:
    root = factory.manifest(declared=[("com.example.app.READ", 0x2), ("com.example.app.X", 0x12), ("y.Z", 0x1)])
    root.children.append(el("permission", {"android:name": "g.P", "android:permissionGroup": "g.GROUP"}))
    f = facts_of(analyse, root)
    assert f.declared_permissions == (
        ApkDeclaredPermission("com.example.app.READ", "signature"),
        ApkDeclaredPermission("com.example.app.X", "signature|privileged"),
        ApkDeclaredPermission("y.Z", "dangerous"),
        ApkDeclaredPermission("g.P", "normal", group="g.GROUP"),
    )


def test_protection_level_names() -> None:
    assert protection_level_names(0) == "normal"
    assert protection_level_names(0x3) == "signatureOrSystem"
    assert protection_level_names(0x2 | 0x10 | 0x20 | 0x40) == "signature|privileged|development|appop"
    assert protection_level_names(0x2 | 0x80000000) == "signature|0x80000000"


def test_class_name_resolution() -> None:
    assert class_name("com.a", ".Main") == "com.a.Main"
    assert class_name("com.a", "Main") == "com.a.Main"
    assert class_name("com.a", "org.other.Main") == "org.other.Main"


def _components(target: int) -> factory.Element:
    view = factory.intent_filter(["android.intent.action.VIEW"], ["android.intent.category.BROWSABLE"], ["https"])
    comps = [
        factory.activity(".Main", factory.LAUNCHER, exported=True),
        factory.activity(".Deep", view),  # no exported attribute, an intent filter
        factory.activity(".Private"),
        el("service", {"android:name": ".Svc", "android:exported": False, "android:permission": "p.BIND"}),
        el("receiver", {"android:name": "r.Boot"}, factory.intent_filter(["android.intent.action.BOOT_COMPLETED"])),
        el(
            "provider", {"android:name": ".Prov", "android:authorities": "a.one;a.two", "android:readPermission": "p.R"}
        ),
        el(
            "activity-alias",
            {"android:name": ".Alias", "android:targetActivity": ".Main", "android:enabled": False},
            factory.LAUNCHER,
        ),
    ]
    return factory.manifest(target_sdk=target, app_attrs={"android:permission": "p.APP"}, components=comps)


def test_components_and_effective_exported(analyse: Analyse) -> None:
    f = facts_of(analyse, _components(30))
    summary = [(c.kind, c.name, c.exported, c.exported_reason, c.permission, c.enabled) for c in f.components]
    assert summary == [
        (ApkComponentKind.ACTIVITY, "com.example.app.Main", True, ExportedReason.EXPLICIT, "p.APP", True),
        (ApkComponentKind.ACTIVITY, "com.example.app.Deep", True, ExportedReason.INTENT_FILTER, "p.APP", True),
        (ApkComponentKind.ACTIVITY, "com.example.app.Private", False, ExportedReason.DEFAULT, "p.APP", True),
        (ApkComponentKind.SERVICE, "com.example.app.Svc", False, ExportedReason.EXPLICIT, "p.BIND", True),
        (ApkComponentKind.RECEIVER, "r.Boot", True, ExportedReason.INTENT_FILTER, "p.APP", True),
        (ApkComponentKind.PROVIDER, "com.example.app.Prov", False, ExportedReason.DEFAULT, "p.APP", True),
        (ApkComponentKind.ACTIVITY_ALIAS, "com.example.app.Alias", True, ExportedReason.INTENT_FILTER, "p.APP", False),
    ]
    deep = f.components[1]
    assert (deep.intent_actions, deep.intent_categories, deep.intent_schemes) == (
        ("android.intent.action.VIEW",),
        ("android.intent.category.BROWSABLE",),
        ("https",),
    )
    prov = f.components[5]
    assert (prov.authorities, prov.read_permission, prov.write_permission) == (("a.one", "a.two"), "p.R", None)
    assert f.components[6].target_activity == "com.example.app.Main"
    # The disabled alias is not a launcher; the enabled activity is.
    assert f.launcher_activities == ("com.example.app.Main",)
    assert f.hides_launcher_icon is False


def test_provider_exported_by_default_below_api_17(analyse: Analyse) -> None:
    f = facts_of(analyse, _components(16))
    prov = f.components[5]
    assert (prov.exported, prov.exported_reason) == (True, ExportedReason.PROVIDER_LEGACY)


def test_missing_exported_with_filter_at_api_31_is_flagged(analyse: Analyse) -> None:
    result = analyse(factory.build_apk(_components(31)))
    assert result.status is ApkStatus.OK
    messages = [i.message for i in result.issues]
    assert (
        "com.example.app.Deep has an intent filter but no android:exported; "
        "Android 12+ refuses to install an app targeting API 31+ like this"
    ) in messages


def test_hidden_launcher_icon(analyse: Analyse) -> None:
    f = facts_of(analyse, factory.manifest(components=[factory.activity(".Settings", exported=False)]))
    assert f.launcher_activities == ()
    assert f.hides_launcher_icon is True


def test_split_apk_is_not_called_hidden(analyse: Analyse) -> None:
    f = facts_of(analyse, factory.manifest(split="config.arm64_v8a"))
    assert f.split == "config.arm64_v8a"
    assert f.hides_launcher_icon is False


def test_application_flags_and_defaults(analyse: Analyse) -> None:
    f = facts_of(analyse, factory.manifest())
    assert (f.debuggable, f.allow_backup, f.test_only) == (False, True, False)
    f = facts_of(
        analyse,
        factory.manifest(
            app_attrs={"android:debuggable": True, "android:allowBackup": False, "android:testOnly": True}
        ),
    )
    assert (f.debuggable, f.allow_backup, f.test_only) == (True, False, True)


def test_label_and_version_name_resolved_through_resources(analyse: Analyse) -> None:
    res = factory.arsc(
        "com.example.app",
        {"string": [("app_name", [ResValue("Nom", "fr"), ResValue("My App")]), ("ver", [ResValue("9.9")])]},
    )
    root = factory.manifest(
        version_name=Ref(factory.res_id(1, 1)), app_attrs={"android:label": Ref(factory.res_id(1, 0))}
    )
    f = facts_of(analyse, root, resources=res)
    assert (f.label, f.version_name) == ("My App", "9.9")


def test_label_only_in_a_locale_falls_back_to_english_then_first(analyse: Analyse) -> None:
    res = factory.arsc("p", {"string": [("app_name", [ResValue("Nom", "fr"), ResValue("Name", "en")])]})
    root = factory.manifest(app_attrs={"android:label": Ref(factory.res_id(1, 0))})
    assert facts_of(analyse, root, resources=res).label == "Name"
    res = factory.arsc("p", {"string": [("app_name", [ResValue("Nom", "fr")])]})
    assert facts_of(analyse, root, resources=res).label == "Nom"


def test_unresolvable_label_reference_is_none(analyse: Analyse) -> None:
    root = factory.manifest(app_attrs={"android:label": Ref(0x7F990000)})
    assert facts_of(analyse, root).label is None
    res = factory.arsc("p", {"string": [("app_name", [ResValue("A")])]})
    assert facts_of(analyse, root, resources=res).label is None


def test_broken_resources_degrade_the_result(analyse: Analyse) -> None:
    root = factory.manifest(app_attrs={"android:label": Ref(factory.res_id(1, 0))})
    result = analyse(factory.build_apk(root, resources=b"\x02\x00\x0c\x00garbage!"))
    assert result.status is ApkStatus.DEGRADED
    assert result.facts is not None and result.facts.label is None
    assert [(i.kind.value, i.entry) for i in result.issues] == [("bad_resources", "resources.arsc")]


def test_protection_level_hex_value_is_signed_safe(analyse: Analyse) -> None:
    root = factory.manifest()
    root.children.append(el("permission", {"android:name": "x.Y", "android:protectionLevel": Hex(0x80000002)}))
    f = facts_of(analyse, root)
    assert f.declared_permissions[0].protection_level == "signature|0x80000000"


@pytest.mark.parametrize("tag", ["manifest-x", "application"])
def test_wrong_root_is_a_bad_manifest(analyse: Analyse, tag: str) -> None:
    result = analyse(factory.build_apk(el(tag, {"package": "a.b"})))
    assert result.status is ApkStatus.SKIPPED
    assert result.issues[0].kind.value == "bad_manifest"
    assert result.issues[0].message == f"AndroidManifest.xml: root element is <{tag}>, not <manifest>"


def test_manifest_without_package_is_a_bad_manifest(analyse: Analyse) -> None:
    result = analyse(factory.build_apk(el("manifest", {"android:versionCode": 1})))
    assert result.status is ApkStatus.SKIPPED
    assert result.issues[0].message == "AndroidManifest.xml: the manifest names no package"
