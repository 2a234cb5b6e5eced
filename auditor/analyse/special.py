"""The master keys an app holds: accessibility, notification access, device admin, roles, app-op specials.

Each access is read from every place Android keeps it (a setting and a dumpsys section often both
say it) and the evidence names each place, so a reader can check the claim on the device.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from auditor.analyse.catalogue import Catalogue
from auditor.analyse.parsed import ParsedDevice
from auditor.model import (
    ComponentGrant,
    PermissionReport,
    SpecialAccessKind,
    SpecialAccessReport,
)
from auditor.parse.settings import parse_component_list, parse_input_methods
from auditor.sections import (
    DUMPSYS_ACCESSIBILITY,
    DUMPSYS_DEVICE_POLICY,
    DUMPSYS_NOTIFICATION,
    DUMPSYS_ROLE,
    SETTINGS_SECURE,
)

# Before Android 10 there is no role service; these secure settings name the default handlers.
_LEGACY_ROLE_SETTINGS = {
    "sms_default_application": "android.app.role.SMS",
    "dialer_default_application": "android.app.role.DIALER",
}


def normalise_component(component: str) -> str:
    """``pkg/.Cls`` → ``pkg/pkg.Cls`` so that the same component compares equal everywhere."""
    pkg, sep, cls = component.partition("/")
    if sep and cls.startswith("."):
        return f"{pkg}/{pkg}{cls}"
    return component


class _Collector:
    def __init__(self) -> None:
        self._items: dict[tuple[SpecialAccessKind, str | None], list[str]] = {}

    def add(self, kind: SpecialAccessKind, detail: str | None, evidence: str) -> None:
        found = self._items.setdefault((kind, detail), [])
        if evidence not in found:
            found.append(evidence)

    def result(self) -> tuple[SpecialAccessReport, ...]:
        return tuple(
            SpecialAccessReport(kind=kind, detail=detail, evidence="; ".join(ev))
            for (kind, detail), ev in self._items.items()
        )


def _components(grants: Iterable[ComponentGrant], package: str, user: int) -> list[str]:
    return [normalise_component(g.component) for g in grants if g.user == user and g.package == package]


def special_accesses(
    package: str,
    user: int,
    permissions: tuple[PermissionReport, ...],
    op_mode: Callable[[str], str | None],
    parsed: ParsedDevice,
    catalogue: Catalogue,
) -> tuple[SpecialAccessReport, ...]:
    """Every special access ``package`` holds for ``user``, with where each was read."""
    found = _Collector()
    secure = parsed.per_user(SETTINGS_SECURE).get(user)
    values = secure.values if secure is not None else {}

    # Accessibility services and notification listeners: the secure setting is what Android binds
    # from; dumpsys shows the same from the service side (and catches a stale setting).
    for comp in _components(
        parse_component_list(values.get("enabled_accessibility_services", ""), user), package, user
    ):
        found.add(SpecialAccessKind.ACCESSIBILITY, comp, "settings secure enabled_accessibility_services")
    accessibility = parsed.one(DUMPSYS_ACCESSIBILITY)
    if accessibility is not None:
        for comp in _components(accessibility.enabled, package, user):
            found.add(SpecialAccessKind.ACCESSIBILITY, comp, "dumpsys accessibility: Enabled services")
    for comp in _components(
        parse_component_list(values.get("enabled_notification_listeners", ""), user), package, user
    ):
        found.add(SpecialAccessKind.NOTIFICATION_LISTENER, comp, "settings secure enabled_notification_listeners")
    listeners = parsed.one(DUMPSYS_NOTIFICATION)
    if listeners is not None:
        for comp in _components(listeners.allowed, package, user):
            found.add(SpecialAccessKind.NOTIFICATION_LISTENER, comp, "dumpsys notification: Allowed listeners")
        for comp in _components(listeners.assistants, package, user):
            found.add(SpecialAccessKind.NOTIFICATION_ASSISTANT, comp, "dumpsys notification: Allowed assistants")

    # Device admin, device owner, profile owner.
    policy = parsed.one(DUMPSYS_DEVICE_POLICY)
    if policy is not None:
        for comp in _components(policy.admins, package, user):
            found.add(SpecialAccessKind.DEVICE_ADMIN, comp, "dumpsys device_policy: Enabled Device Admins")
        if policy.device_owner is not None and policy.device_owner.package == package:
            found.add(
                SpecialAccessKind.DEVICE_OWNER,
                normalise_component(policy.device_owner.component),
                "dumpsys device_policy: Device Owner",
            )
        for comp in _components(policy.profile_owners, package, user):
            found.add(SpecialAccessKind.PROFILE_OWNER, comp, "dumpsys device_policy: Profile Owner")

    # App-op backed specials: `allow` enables; `default` falls back to the permission's grant.
    granted_perms = {p.name: p for p in permissions}
    for op, special in catalogue.special_appops.items():
        mode = op_mode(op)
        enabled = False
        evidence = ""
        if mode == "allow":
            enabled, evidence = True, f"appops {op}: allow"
        elif mode in (None, "default") and special.when_default == "permission" and special.permission:
            row = granted_perms.get(special.permission)
            if row is not None and row.granted:
                enabled, evidence = True, f"{special.permission}: granted=true (op mode {mode or 'not set'})"
        if enabled:
            found.add(special.access, op, evidence)

    # Settings-based: input methods, always-on VPN.
    for comp in _components(parse_input_methods(values.get("enabled_input_methods", ""), user), package, user):
        found.add(SpecialAccessKind.INPUT_METHOD, comp, "settings secure enabled_input_methods")
    default_ime = values.get("default_input_method", "")
    if default_ime and default_ime.partition("/")[0] == package:
        found.add(
            SpecialAccessKind.DEFAULT_INPUT_METHOD,
            normalise_component(default_ime),
            "settings secure default_input_method",
        )
    if values.get("always_on_vpn_app") == package:
        found.add(SpecialAccessKind.ALWAYS_ON_VPN, package, "settings secure always_on_vpn_app")

    # Roles (Android 10+), and the pre-10 default-handler settings.
    roles = parsed.one(DUMPSYS_ROLE)
    if roles is not None:
        for holder in roles.holders:
            if holder.user == user and holder.package == package:
                found.add(SpecialAccessKind.ROLE, holder.role, "dumpsys role")
    for key, role in _LEGACY_ROLE_SETTINGS.items():
        if values.get(key) == package:
            found.add(SpecialAccessKind.ROLE, role, f"settings secure {key}")

    qap = granted_perms.get("android.permission.QUERY_ALL_PACKAGES")
    if qap is not None and qap.granted:
        found.add(
            SpecialAccessKind.QUERY_ALL_PACKAGES,
            None,
            "android.permission.QUERY_ALL_PACKAGES: granted=true (sees every installed app)",
        )
    return found.result()
