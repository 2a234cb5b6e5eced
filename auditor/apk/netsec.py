"""Cleartext traffic and trusted CAs: the manifest attribute and the network security config.

Platform rules (``android.security.net.config``, Android 7+):

* With a network security config, ``android:usesCleartextTraffic`` is ignored; the base config's
  ``cleartextTrafficPermitted`` decides, defaulting to "permitted below targetSdk 28".
* Without one, the attribute decides, with the same default.
* User-installed CAs are trusted by default only by apps targeting API 23 or lower; a config can
  trust them explicitly (``<certificates src="user"/>``) in the base config or per domain.
* ``<debug-overrides>`` applies only while the app is debuggable.
* A ``<domain-config>`` inherits what it does not set from its parent domain-config, then from the
  base config.

Domain names come from the APK: they are reported, never resolved or contacted.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.apk.axml import XmlDocument, XmlElement
from auditor.apk.errors import AxmlFormatError
from auditor.apk.manifest import text
from auditor.model import ApkNetworkSecurity, CleartextReason

_MAX_DOMAINS = 1000


@dataclass(frozen=True)
class _Scope:
    cleartext: bool
    user_cas: bool


def default_cleartext(target_sdk: int) -> bool:
    """Cleartext is permitted by default when the app targets API 27 or lower."""
    return target_sdk < 28


def network_security(
    *, target_sdk: int, uses_cleartext: bool | None, config: XmlDocument | None, config_path: str | None
) -> ApkNetworkSecurity:
    """Combine the manifest attribute, the config (if read) and the platform defaults."""
    default_ct = default_cleartext(target_sdk)
    default_user = target_sdk <= 23
    if config is None:
        if uses_cleartext is not None:
            return ApkNetworkSecurity(
                cleartext_permitted=uses_cleartext,
                cleartext_reason=CleartextReason.ATTRIBUTE,
                uses_cleartext_attribute=uses_cleartext,
                config_path=config_path,
                user_cas_trusted=default_user,
            )
        return ApkNetworkSecurity(
            cleartext_permitted=default_ct,
            cleartext_reason=CleartextReason.TARGET_SDK_DEFAULT,
            uses_cleartext_attribute=None,
            config_path=config_path,
            user_cas_trusted=default_user,
        )
    root = config.root
    if root.tag != "network-security-config":
        raise AxmlFormatError(f"network security config root is <{text(root.tag)}>")
    base_elements = root.iter("base-config")
    base_el = base_elements[0] if base_elements else None
    base_ct_attr = _cleartext(base_el) if base_el is not None else None
    base = _Scope(
        cleartext=default_ct if base_ct_attr is None else base_ct_attr,
        user_cas=_user_cas(base_el, default_user) if base_el is not None else default_user,
    )
    cleartext_domains: list[str] = []
    user_ca_domains: list[str] = []

    def walk(domain_config: XmlElement, parent: _Scope) -> None:
        ct = _cleartext(domain_config)
        scope = _Scope(
            cleartext=parent.cleartext if ct is None else ct,
            user_cas=_user_cas(domain_config, parent.user_cas),
        )
        domains = [d for e in domain_config.iter("domain") if (d := text("".join(e.text).strip()))]
        if scope.cleartext:
            cleartext_domains.extend(domains)
        if scope.user_cas:
            user_ca_domains.extend(domains)
        for nested in domain_config.iter("domain-config"):
            walk(nested, scope)

    for dc in root.iter("domain-config"):
        walk(dc, base)
    debug = root.iter("debug-overrides")
    debug_user = any(_trusts_user(d) for d in debug)
    return ApkNetworkSecurity(
        cleartext_permitted=base.cleartext,
        cleartext_reason=(
            CleartextReason.NETWORK_SECURITY_CONFIG if base_ct_attr is not None else CleartextReason.TARGET_SDK_DEFAULT
        ),
        uses_cleartext_attribute=uses_cleartext,
        config_path=config_path,
        cleartext_domains=tuple(dict.fromkeys(cleartext_domains))[:_MAX_DOMAINS],
        user_cas_trusted=base.user_cas,
        user_ca_domains=tuple(dict.fromkeys(user_ca_domains))[:_MAX_DOMAINS],
        debug_user_cas=debug_user,
    )


def _cleartext(e: XmlElement) -> bool | None:
    attr = e.by_name("cleartextTrafficPermitted")
    return attr.as_bool() if attr else None


def _user_cas(e: XmlElement, inherited: bool) -> bool:
    """Own trust anchors when the element has them, else what it inherits."""
    if not e.iter("trust-anchors"):
        return inherited
    return _trusts_user(e)


def _trusts_user(e: XmlElement) -> bool:
    for anchors in e.iter("trust-anchors"):
        for cert in anchors.iter("certificates"):
            src = cert.by_name("src")
            if src is not None and (src.as_string() or "").strip() == "user":
                return True
    return False
