"""Cleartext traffic and user CAs: attribute, network security config, platform defaults."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditor.model import ApkIssueKind, ApkNetworkSecurity, ApkResult, ApkStatus, CleartextReason
from tests.apk import factory
from tests.apk.factory import Ref, ResValue, el

Analyse = Callable[..., ApkResult]
NSC_PATH = "res/xml/network_security_config.xml"


def _apk(
    target: int, *, attr: bool | None = None, nsc: factory.Element | None = None, nsc_bytes: bytes | None = None
) -> bytes:
    app: dict[str, factory.AttrValue] = {}
    if attr is not None:
        app["android:usesCleartextTraffic"] = attr
    extra: list[tuple[str, bytes]] = []
    resources = None
    if nsc is not None or nsc_bytes is not None:
        app["android:networkSecurityConfig"] = Ref(factory.res_id(1, 0))
        resources = factory.arsc("com.example.app", {"xml": [("network_security_config", [ResValue(NSC_PATH)])]})
        extra.append((NSC_PATH, nsc_bytes if nsc_bytes is not None else factory.axml(nsc)))  # type: ignore[arg-type]
    return factory.build_apk(factory.manifest(target_sdk=target, app_attrs=app), resources=resources, extra=extra)


def network(analyse: Analyse, data: bytes) -> ApkNetworkSecurity:
    result = analyse(data)
    assert result.facts is not None
    return result.facts.network


@pytest.mark.parametrize(
    ("target", "attr", "permitted", "reason", "user_cas"),
    [
        (27, None, True, CleartextReason.TARGET_SDK_DEFAULT, False),
        (28, None, False, CleartextReason.TARGET_SDK_DEFAULT, False),
        (23, None, True, CleartextReason.TARGET_SDK_DEFAULT, True),
        (33, True, True, CleartextReason.ATTRIBUTE, False),
        (22, False, False, CleartextReason.ATTRIBUTE, True),
    ],
)
def test_without_a_config(
    analyse: Analyse, target: int, attr: bool | None, permitted: bool, reason: CleartextReason, user_cas: bool
) -> None:
    assert network(analyse, _apk(target, attr=attr)) == ApkNetworkSecurity(
        cleartext_permitted=permitted,
        cleartext_reason=reason,
        uses_cleartext_attribute=attr,
        user_cas_trusted=user_cas,
    )


def _anchors(*sources: str) -> factory.Element:
    return el("trust-anchors", {}, *(el("certificates", {"src": s}) for s in sources))


def test_config_overrides_the_attribute_and_lists_domains(analyse: Analyse) -> None:
    nsc = el(
        "network-security-config",
        {},
        el("base-config", {"cleartextTrafficPermitted": False}, _anchors("system")),
        el(
            "domain-config",
            {"cleartextTrafficPermitted": True},
            el("domain", {"includeSubdomains": True}, text="legacy.example.com"),
            el("domain", {}, text="10.0.0.1"),
            el("domain-config", {}, el("domain", {}, text="inner.example.com"), _anchors("user", "system")),
        ),
        el("domain-config", {}, el("domain", {}, text="secure.example.com")),
        el("debug-overrides", {}, _anchors("user")),
    )
    assert network(analyse, _apk(33, attr=True, nsc=nsc)) == ApkNetworkSecurity(
        cleartext_permitted=False,
        cleartext_reason=CleartextReason.NETWORK_SECURITY_CONFIG,
        uses_cleartext_attribute=True,
        config_path=NSC_PATH,
        cleartext_domains=("legacy.example.com", "10.0.0.1", "inner.example.com"),
        user_cas_trusted=False,
        user_ca_domains=("inner.example.com",),
        debug_user_cas=True,
    )


def test_config_without_base_uses_target_defaults(analyse: Analyse) -> None:
    nsc = el("network-security-config", {}, el("domain-config", {}, el("domain", {}, text="a.example")))
    net = network(analyse, _apk(23, attr=False, nsc=nsc))
    assert (net.cleartext_permitted, net.cleartext_reason) == (True, CleartextReason.TARGET_SDK_DEFAULT)
    assert net.user_cas_trusted is True
    assert (net.cleartext_domains, net.user_ca_domains) == (("a.example",), ("a.example",))


def test_base_config_trusting_user_cas(analyse: Analyse) -> None:
    nsc = el("network-security-config", {}, el("base-config", {}, _anchors("system", "user")))
    net = network(analyse, _apk(34, nsc=nsc))
    assert net.user_cas_trusted is True and net.cleartext_permitted is False


def test_unreadable_config_degrades_and_reports_defaults(analyse: Analyse) -> None:
    result = analyse(_apk(30, attr=True, nsc_bytes=b"\x03\x00\x08\x00\xff\xff\x00\x00junk"))
    assert result.status is ApkStatus.DEGRADED
    assert result.facts is not None
    assert result.facts.network.cleartext_reason is CleartextReason.ATTRIBUTE
    assert [(i.kind, i.entry) for i in result.issues] == [(ApkIssueKind.BAD_NETWORK_SECURITY_CONFIG, NSC_PATH)]


def test_declared_config_missing_from_the_apk(analyse: Analyse) -> None:
    app: dict[str, factory.AttrValue] = {"android:networkSecurityConfig": Ref(factory.res_id(1, 0))}
    apk = factory.build_apk(factory.manifest(target_sdk=30, app_attrs=app))  # no resources.arsc
    result = analyse(apk)
    assert result.status is ApkStatus.DEGRADED
    assert result.issues[0].message == (
        "a network security config is declared but could not be found; platform defaults reported"
    )


def test_config_with_wrong_root(analyse: Analyse) -> None:
    result = analyse(_apk(30, nsc=el("paths", {})))
    assert result.status is ApkStatus.DEGRADED
    assert result.issues[0].message == "network security config: network security config root is <paths>"
