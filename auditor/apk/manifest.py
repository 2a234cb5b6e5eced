"""Manifest facts: identity, SDK levels, permissions, components and application flags.

Input is the parsed binary manifest (``axml``) and, when present, the resource table (``arsc``) to
resolve ``@string`` and ``@xml`` references. ``android:`` attributes are looked up by framework
resource id, as Android does (see ``axml``). Defaults follow the platform:

* exported: ``android:exported`` when written; else an intent filter exports a component (apps
  targeting API 31+ must write the attribute, Android 12+ refuses to install them otherwise);
  providers are exported by default when the app targets API 16 or lower (``PROVIDER_LEGACY``).
* ``allowBackup`` defaults to true, ``debuggable`` and ``testOnly`` to false.
* implied permissions follow aapt's ``dump badging`` (the reference the tests check against),
  which takes the larger of minSdk and targetSdk as "targetSdk": targetSdk < 4 implies
  WRITE_EXTERNAL_STORAGE and READ_PHONE_STATE; WRITE_EXTERNAL_STORAGE implies READ_EXTERNAL_STORAGE
  (with the same maxSdkVersion); targetSdk < 16 turns READ/WRITE_CONTACTS into READ/WRITE_CALL_LOG.

Strings are copied verbatim (they are untrusted; renderers escape them) but cut at ``MAX_TEXT``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from auditor.apk.arsc import ResourceTable
from auditor.apk.axml import TYPE_REFERENCE, XmlAttribute, XmlDocument, XmlElement
from auditor.apk.errors import ArscFormatError, AxmlFormatError
from auditor.model import (
    ApkComponent,
    ApkComponentKind,
    ApkDeclaredPermission,
    ApkManifest,
    ApkRequestedPermission,
    ExportedReason,
)

log = logging.getLogger(__name__)

MAX_TEXT = 4096
"""Longest string kept from an APK; longer ones are cut and marked with an ellipsis."""

# Framework attribute resource ids (android.R.attr), from the SDK's public.xml.
A_LABEL = 0x01010001
A_NAME = 0x01010003
A_PERMISSION = 0x01010006
A_READ_PERMISSION = 0x01010007
A_WRITE_PERMISSION = 0x01010008
A_PROTECTION_LEVEL = 0x01010009
A_PERMISSION_GROUP = 0x0101000A
A_SHARED_USER_ID = 0x0101000B
A_ENABLED = 0x0101000E
A_DEBUGGABLE = 0x0101000F
A_EXPORTED = 0x01010010
A_AUTHORITIES = 0x01010018
A_SCHEME = 0x01010027
A_MIN_SDK = 0x0101020C
A_TARGET_ACTIVITY = 0x01010202
A_VERSION_CODE = 0x0101021B
A_VERSION_NAME = 0x0101021C
A_TARGET_SDK = 0x01010270
A_MAX_SDK = 0x01010271
A_TEST_ONLY = 0x01010272
A_ALLOW_BACKUP = 0x01010280
A_USES_CLEARTEXT = 0x010104EC
A_NETWORK_SECURITY_CONFIG = 0x01010527

CUR_DEVELOPMENT = 10000
"""Build.VERSION_CODES.CUR_DEVELOPMENT: what a codename (``"VanillaIceCream"``) as an SDK level means."""

ACTION_MAIN = "android.intent.action.MAIN"
CATEGORY_LAUNCHER = "android.intent.category.LAUNCHER"

_PROTECTION_BASE = {0: "normal", 1: "dangerous", 2: "signature", 3: "signatureOrSystem", 4: "internal"}
# PermissionInfo.PROTECTION_FLAG_* with the names attrs.xml gives them.
_PROTECTION_FLAGS = (
    (0x10, "privileged"),
    (0x20, "development"),
    (0x40, "appop"),
    (0x80, "pre23"),
    (0x100, "installer"),
    (0x200, "verifier"),
    (0x400, "preinstalled"),
    (0x800, "setup"),
    (0x1000, "instant"),
    (0x2000, "runtime"),
    (0x4000, "oem"),
    (0x8000, "vendorPrivileged"),
    (0x10000, "textClassifier"),
    (0x20000, "wellbeing"),
    (0x40000, "documenter"),
    (0x80000, "configurator"),
    (0x100000, "incidentReportApprover"),
    (0x200000, "appPredictor"),
    (0x400000, "module"),
    (0x800000, "companion"),
    (0x1000000, "retailDemo"),
    (0x2000000, "recents"),
    (0x4000000, "role"),
    (0x8000000, "knownSigner"),
)

_COMPONENT_TAGS = {
    "activity": ApkComponentKind.ACTIVITY,
    "activity-alias": ApkComponentKind.ACTIVITY_ALIAS,
    "service": ApkComponentKind.SERVICE,
    "receiver": ApkComponentKind.RECEIVER,
    "provider": ApkComponentKind.PROVIDER,
}


@dataclass(frozen=True, slots=True)
class ManifestFacts(ApkManifest):
    """What the manifest alone says: the facts ``ApkFacts`` carries, and what ``analyse`` still needs to read
    the network security config and to list anomalies; ``analyse`` adds signing, DEX and tracker facts."""

    uses_cleartext: bool | None
    network_security_config: str | None
    """The config's path inside the APK, resolved from its resource reference."""
    network_security_config_declared: bool
    anomalies: tuple[str, ...]

    @property
    def effective_target_sdk(self) -> int:
        """targetSdk, else minSdk, else 1 (Android's defaults for a missing ``<uses-sdk>``)."""
        return self.target_sdk if self.target_sdk is not None else (self.min_sdk if self.min_sdk is not None else 1)


def text(value: str | None) -> str | None:
    """Cut an untrusted string to ``MAX_TEXT`` characters (never altered otherwise)."""
    if value is None or len(value) <= MAX_TEXT:
        return value
    return value[: MAX_TEXT - 1] + "…"


def class_name(package: str, name: str) -> str:
    """Resolve a component name the way Android does: ``.X`` and ``X`` are relative to the package."""
    if name.startswith("."):
        return package + name
    if "." not in name:
        return f"{package}.{name}"
    return name


def protection_level_names(value: int) -> str:
    """``0x12`` → ``signature|privileged``; unknown bits are kept in hex."""
    base = value & 0xF
    parts = [_PROTECTION_BASE.get(base, f"{base:#x}")]
    rest = value & ~0xF
    for bit, name in _PROTECTION_FLAGS:
        if rest & bit:
            parts.append(name)
            rest &= ~bit
    if rest:
        parts.append(f"{rest:#x}")
    return "|".join(parts)


def _string(attr: XmlAttribute | None, resources: ResourceTable | None) -> str | None:
    if attr is None:
        return None
    if attr.data_type == TYPE_REFERENCE:
        if resources is None:
            return None
        try:
            return resources.resolve_string(attr.data)
        except ArscFormatError as e:
            log.debug("unresolved reference %#x: %s", attr.data, e)
            return None
    return attr.as_string()


def _sdk(attr: XmlAttribute | None) -> int | None:
    if attr is None:
        return None
    value = attr.as_int()
    if value is not None:
        return value
    # A codename (a preview SDK) stands for CUR_DEVELOPMENT.
    return CUR_DEVELOPMENT if (attr.as_string() or "").strip() else None


def read_manifest(doc: XmlDocument, resources: ResourceTable | None) -> ManifestFacts:
    """Extract the facts from a parsed manifest; ``AxmlFormatError`` if it is not a manifest."""
    root = doc.root
    anomalies = list(doc.anomalies)
    if root.tag != "manifest":
        raise AxmlFormatError(f"root element is <{text(root.tag)}>, not <manifest>")
    package_attr = root.by_name("package")
    package = text(package_attr.as_string() if package_attr else None) or ""
    if not package:
        raise AxmlFormatError("the manifest names no package")
    split_attr = root.by_name("split")
    split = text(split_attr.as_string()) if split_attr else None
    version_code_attr = root.by_id(A_VERSION_CODE)
    version_code = version_code_attr.as_int() if version_code_attr else None
    if version_code is not None and version_code < 0:
        version_code &= 0xFFFFFFFF
    version_name = text(_string(root.by_id(A_VERSION_NAME), resources))
    shared_user_id = text(_string(root.by_id(A_SHARED_USER_ID), resources))

    min_sdk: int | None = None
    target_sdk: int | None = None
    sdk_elements = root.iter("uses-sdk")
    if sdk_elements:
        min_sdk = _sdk(sdk_elements[0].by_id(A_MIN_SDK))
        target_sdk = _sdk(sdk_elements[0].by_id(A_TARGET_SDK))
    # aapt takes the larger of minSdk and targetSdk for its implied-permission rules.
    aapt_target = max(min_sdk or 0, target_sdk or 0)
    effective_target = target_sdk if target_sdk is not None else (min_sdk if min_sdk is not None else 1)

    permissions = _permissions(root, aapt_target)
    declared = tuple(_declared(e) for e in root.iter("permission") if _name(e))

    apps = root.iter("application")
    app = apps[0] if apps else XmlElement(namespace=None, tag="application")
    if len(apps) > 1:
        anomalies.append("more than one <application>; the first is read")
    label = text(_string(app.by_id(A_LABEL), resources))
    debuggable = _bool(app, A_DEBUGGABLE, False)
    allow_backup = _bool(app, A_ALLOW_BACKUP, True)
    test_only = _bool(app, A_TEST_ONLY, False)
    cleartext_attr = app.by_id(A_USES_CLEARTEXT)
    uses_cleartext = cleartext_attr.as_bool() if cleartext_attr else None
    nsc_attr = app.by_id(A_NETWORK_SECURITY_CONFIG)
    nsc_path = text(_string(nsc_attr, resources)) if nsc_attr else None
    app_enabled = _bool(app, A_ENABLED, True)
    app_permission = text(_string(app.by_id(A_PERMISSION), None))

    components: list[ApkComponent] = []
    launchers: list[str] = []
    for child in app.children:
        kind = _COMPONENT_TAGS.get(child.tag)
        if kind is None:
            continue
        component = _component(child, kind, package, effective_target, app_permission, app_enabled)
        if component is None:
            continue
        if (
            component.exported_reason is ExportedReason.INTENT_FILTER
            and effective_target >= 31
            and kind is not ApkComponentKind.PROVIDER
        ):
            anomalies.append(
                f"{component.name} has an intent filter but no android:exported; "
                "Android 12+ refuses to install an app targeting API 31+ like this"
            )
        components.append(component)
        is_activity = kind in (ApkComponentKind.ACTIVITY, ApkComponentKind.ACTIVITY_ALIAS)
        if is_activity and component.enabled and _is_launcher(child):
            launchers.append(component.name)

    return ManifestFacts(
        package=package,
        label=label,
        version_code=version_code,
        version_name=version_name,
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        split=split,
        shared_user_id=shared_user_id,
        permissions=permissions,
        declared_permissions=declared,
        components=tuple(components),
        debuggable=debuggable,
        allow_backup=allow_backup,
        test_only=test_only,
        uses_cleartext=uses_cleartext,
        network_security_config=nsc_path,
        network_security_config_declared=nsc_attr is not None,
        launcher_activities=tuple(dict.fromkeys(launchers)),
        anomalies=tuple(anomalies),
    )


def _name(e: XmlElement) -> str | None:
    attr = e.by_id(A_NAME)
    return text(attr.as_string()) if attr else None


def _bool(e: XmlElement, res_id: int, default: bool) -> bool:
    attr = e.by_id(res_id)
    value = attr.as_bool() if attr else None
    return default if value is None else value


def _permissions(root: XmlElement, target: int) -> tuple[ApkRequestedPermission, ...]:
    result: dict[tuple[str, bool, int | None], ApkRequestedPermission] = {}
    for child in root.children:
        if child.tag == "uses-permission":
            sdk23 = False
        elif child.tag in ("uses-permission-sdk-23", "uses-permission-sdk-m"):
            sdk23 = True
        else:
            continue
        name = _name(child)
        if not name:
            continue
        max_attr = child.by_id(A_MAX_SDK)
        max_sdk = max_attr.as_int() if max_attr else None
        key = (name, sdk23, max_sdk)
        result.setdefault(key, ApkRequestedPermission(name=name, max_sdk=max_sdk, sdk23=sdk23))
    plain = {p.name: p for p in result.values() if not p.sdk23}
    implied: list[ApkRequestedPermission] = []

    def imply(name: str, reason: str, max_sdk: int | None = None) -> None:
        implied.append(ApkRequestedPermission(name=name, max_sdk=max_sdk, implied=True, implied_reason=reason))
        plain[name] = implied[-1]

    p = "android.permission."
    if target < 4:
        if p + "WRITE_EXTERNAL_STORAGE" not in plain:
            imply(p + "WRITE_EXTERNAL_STORAGE", "targetSdkVersion < 4")
        if p + "READ_PHONE_STATE" not in plain:
            imply(p + "READ_PHONE_STATE", "targetSdkVersion < 4")
    write = plain.get(p + "WRITE_EXTERNAL_STORAGE")
    if write is not None and p + "READ_EXTERNAL_STORAGE" not in plain:
        imply(p + "READ_EXTERNAL_STORAGE", "requested WRITE_EXTERNAL_STORAGE", write.max_sdk)
    if target < 16:
        if p + "READ_CONTACTS" in plain and p + "READ_CALL_LOG" not in plain:
            imply(p + "READ_CALL_LOG", "targetSdkVersion < 16 and requested READ_CONTACTS")
        if p + "WRITE_CONTACTS" in plain and p + "WRITE_CALL_LOG" not in plain:
            imply(p + "WRITE_CALL_LOG", "targetSdkVersion < 16 and requested WRITE_CONTACTS")
    return tuple(result.values()) + tuple(implied)


def _declared(e: XmlElement) -> ApkDeclaredPermission:
    level_attr = e.by_id(A_PROTECTION_LEVEL)
    level = level_attr.as_int() if level_attr else None
    group_attr = e.by_id(A_PERMISSION_GROUP)
    return ApkDeclaredPermission(
        name=_name(e) or "",
        protection_level=protection_level_names((level or 0) & 0xFFFFFFFF),
        group=text(group_attr.as_string()) if group_attr else None,
    )


def _component(
    e: XmlElement,
    kind: ApkComponentKind,
    package: str,
    target: int,
    app_permission: str | None,
    app_enabled: bool,
) -> ApkComponent | None:
    raw_name = _name(e)
    if not raw_name:
        return None
    name = text(class_name(package, raw_name)) or raw_name
    filters = e.iter("intent-filter")
    explicit = e.by_id(A_EXPORTED)
    explicit_value = explicit.as_bool() if explicit else None
    if explicit_value is not None:
        exported, reason = explicit_value, ExportedReason.EXPLICIT
    elif kind is ApkComponentKind.PROVIDER:
        # Before API 17 providers were exported unless they said otherwise.
        exported = target < 17
        reason = ExportedReason.PROVIDER_LEGACY if exported else ExportedReason.DEFAULT
    elif filters:
        exported, reason = True, ExportedReason.INTENT_FILTER
    else:
        exported, reason = False, ExportedReason.DEFAULT
    actions: list[str] = []
    categories: list[str] = []
    schemes: list[str] = []
    for f in filters:
        for child in f.children:
            if child.tag == "action" and (v := _name(child)):
                actions.append(v)
            elif child.tag == "category" and (v := _name(child)):
                categories.append(v)
            elif child.tag == "data" and (s := child.by_id(A_SCHEME)) and (v := text(s.as_string())):
                schemes.append(v)
    own_permission = e.by_id(A_PERMISSION)
    permission = text(own_permission.as_string()) if own_permission else app_permission
    authorities: tuple[str, ...] = ()
    read_permission = write_permission = None
    if kind is ApkComponentKind.PROVIDER:
        auth = e.by_id(A_AUTHORITIES)
        auth_text = text(auth.as_string()) if auth else None
        authorities = tuple(a for a in (auth_text or "").split(";") if a)
        rp = e.by_id(A_READ_PERMISSION)
        wp = e.by_id(A_WRITE_PERMISSION)
        read_permission = text(rp.as_string()) if rp else None
        write_permission = text(wp.as_string()) if wp else None
    target_activity = None
    if kind is ApkComponentKind.ACTIVITY_ALIAS:
        ta = e.by_id(A_TARGET_ACTIVITY)
        ta_name = ta.as_string() if ta else None
        target_activity = text(class_name(package, ta_name)) if ta_name else None
    return ApkComponent(
        kind=kind,
        name=name,
        exported=exported,
        exported_reason=reason,
        enabled=_bool(e, A_ENABLED, True) and app_enabled,
        permission=permission,
        read_permission=read_permission,
        write_permission=write_permission,
        authorities=authorities,
        target_activity=target_activity,
        intent_actions=tuple(dict.fromkeys(actions)),
        intent_categories=tuple(dict.fromkeys(categories)),
        intent_schemes=tuple(dict.fromkeys(schemes)),
    )


def _is_launcher(e: XmlElement) -> bool:
    for f in e.iter("intent-filter"):
        actions = {_name(c) for c in f.iter("action")}
        categories = {_name(c) for c in f.iter("category")}
        if ACTION_MAIN in actions and CATEGORY_LAUNCHER in categories:
            return True
    return False
