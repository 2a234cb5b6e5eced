"""An organisation's rules for its phones, written in TOML, and their evaluation on one audit report.

Why TOML: a security team writes and reviews the policy by hand, keeps it in git, and comments
it; Python reads it without a dependency (``tomllib``). Why strict: a typo in a policy (``max_ap``)
that is silently ignored is a rule that never fires, so unknown keys and wrong types are errors
that name the file, the line and the key. ``tomllib`` gives the line of a syntax error; for a key
whose value is wrong, the line is found in the source text (``_locate``).

Rules look at apps the user installed (``system`` false) unless ``include_system_apps`` is set,
because preinstalled apps are the maker's choice, not the employee's; blocked packages and signers
are checked on every app, because malware disguises itself as a system update.

The format is documented in ``docs/fleet.md``; ``examples/`` holds two complete policies.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, assert_never

from auditor.fleet.errors import PolicyError
from auditor.model import AppReport, AuditReport, PermissionReport, SpecialAccessKind
from auditor.report.digest import capture_time, patch_age_days, usable
from auditor.score.evidence import role_short_name

# --------------------------------------------------------------------------------------------------
# The policy
# --------------------------------------------------------------------------------------------------

TRACKER_CATEGORIES: Final = ("Advertisement", "Analytics", "Location", "Profiling", "Identification", "Crash reporting")
"""Exodus Privacy's tracker categories (the bundled list uses exactly these)."""

_PERMISSION_NAME = re.compile(r"[A-Za-z0-9_.]+")
_PACKAGE_PATTERN = re.compile(r"[A-Za-z0-9_.*?\[\]!-]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class PermissionRule:
    """Permissions no app may be able to use, except the allow-listed packages."""

    permissions: tuple[str, ...]
    """Full names (``READ_SMS`` in the file means ``android.permission.READ_SMS``)."""
    allow: tuple[str, ...] = ()
    """Package patterns (``fnmatch``: ``com.acme.*``) exempt from this rule."""
    reason: str | None = None
    """Why the organisation has the rule; shown with each violation."""


@dataclass(frozen=True, slots=True)
class SpecialAccessRule:
    """Special accesses no app may hold, except the allow-listed packages."""

    kinds: tuple[SpecialAccessKind, ...]
    roles: tuple[str, ...] = ()
    """For ``kind = "role"``: only these roles (``SMS`` or ``android.app.role.SMS``); empty means every role."""
    allow: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything a policy file says, checked and normalised."""

    name: str
    source: str
    """The file it was read from."""
    sha256: str
    """SHA-256 of the file: a report names the exact policy it was held against."""
    description: str | None = None
    include_system_apps: bool = False
    deny_permissions: tuple[PermissionRule, ...] = ()
    deny_special_access: tuple[SpecialAccessRule, ...] = ()
    blocked_packages: tuple[str, ...] = ()
    """Package patterns that must not be installed at all (any app, preinstalled or not)."""
    blocked_signers: tuple[str, ...] = ()
    """Signer certificate SHA-256s (lowercase hex) that must not appear (needs APK facts)."""
    required_installers: tuple[str, ...] = ()
    """Installer packages an app must come from (e.g. only ``com.android.vending``); empty: any."""
    installer_exempt: tuple[str, ...] = ()
    """Package patterns exempt from ``required_installers`` (the MDM agent, in-house apps)."""
    max_app_exposure: int | None = None
    max_device_exposure: int | None = None
    max_patch_age_days: int | None = None
    """Oldest acceptable security patch, in days before the capture."""
    oldest_patch: str | None = None
    """Oldest acceptable security patch as a date, ``YYYY-MM-DD``."""
    min_sdk: int | None = None
    """Oldest acceptable Android version, as an API level (e.g. 30 for Android 11)."""
    forbidden_tracker_categories: tuple[str, ...] = ()
    forbidden_trackers: tuple[str, ...] = ()
    """Tracker names (as in the Exodus list, compared case-insensitively)."""
    tracker_allow: tuple[str, ...] = ()
    """Package patterns exempt from the tracker rules."""


# --------------------------------------------------------------------------------------------------
# Reading a policy file
# --------------------------------------------------------------------------------------------------

_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True, slots=True)
class _Where:
    """A place in the file: a table (``apps``, or ``deny_permission`` with its index) and a key."""

    table: str | None
    index: int | None = None
    key: str | None = None

    def label(self) -> str:
        table = (
            ""
            if self.table is None
            else f"[[{self.table}]] #{self.index + 1}"
            if self.index is not None
            else f"[{self.table}]"
        )
        return " ".join(x for x in (table, self.key) if x) or "the file"


def _locate(lines: Sequence[str], where: _Where) -> int:
    """The 1-based line of ``where`` in the source (the table header when the key is not written there)."""
    header_re = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
    key_re = re.compile(rf"^\s*[\"']?{re.escape(where.key)}[\"']?\s*=") if where.key else None
    current: str | None = None
    seen: dict[str, int] = {}
    header_line = 1
    in_place = where.table is None
    for n, line in enumerate(lines, 1):
        m = header_re.match(line)
        if m:
            current = m.group(2).strip().strip("\"'")
            index = seen.get(current, -1) + 1 if m.group(1) == "[[" else None
            if index is not None:
                seen[current] = index
            in_place = current == where.table and (where.index is None or index == where.index)
            if in_place:
                header_line = n
            continue
        if in_place and key_re is not None and key_re.match(line):
            return n
    return header_line


class _Reader:
    """Typed access to the parsed TOML, raising ``PolicyError`` with file, line and key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, where: _Where, problem: str) -> PolicyError:
        line = _locate(self.lines, where)
        return PolicyError(f"{self.path}:{line}: {where.label()}: {problem}")

    def table(self, data: Mapping[str, object], where: _Where, allowed: Iterable[str]) -> Mapping[str, object]:
        allowed = tuple(allowed)
        for key, value in data.items():
            if key in allowed:
                continue
            expected = f"expected one of {', '.join(allowed)}"
            if where.table is None and isinstance(value, dict | list):
                raise self.fail(_Where(key), f"unknown table; {expected}")
            raise self.fail(_Where(where.table, where.index, key), f"unknown key; {expected}")
        return data

    def string(self, data: Mapping[str, object], where: _Where) -> str | None:
        value = data.get(where.key or "")
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string, got {_shown(value)}")
        return value

    def boolean(self, data: Mapping[str, object], where: _Where) -> bool | None:
        value = data.get(where.key or "")
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {_shown(value)}")
        return value

    def number(self, data: Mapping[str, object], where: _Where, low: int, high: int) -> int | None:
        value = data.get(where.key or "")
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(where, f"expected a whole number from {low} to {high}, got {_shown(value)}")
        return value

    def strings(
        self, data: Mapping[str, object], where: _Where, check: Callable[[str], str | None] | None = None
    ) -> tuple[str, ...]:
        """A list of strings; ``check`` returns the normalised value, or ``None`` when one is invalid."""
        value = data.get(where.key or "")
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, f"expected a list of strings, got {_shown(value)}")
        out = []
        for v in value:
            assert isinstance(v, str)
            norm = check(v) if check is not None else v
            if norm is None:
                raise self.fail(where, f"invalid entry {v!r}")
            out.append(norm)
        return tuple(out)

    def tables(self, data: Mapping[str, object], name: str) -> list[Mapping[str, object]]:
        value = data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(_Where(None, None, name), f"expected [[{name}]] tables")
        return [v for v in value if isinstance(v, dict)]

    def sub(self, data: Mapping[str, object], name: str) -> Mapping[str, object]:
        value = data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(_Where(None, None, name), f"expected a [{name}] table")
        return value


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def full_permission(name: str) -> str | None:
    """``READ_SMS`` → ``android.permission.READ_SMS``; full names pass; ``None`` when not a permission name."""
    if not _PERMISSION_NAME.fullmatch(name):
        return None
    return name if "." in name else f"android.permission.{name}"


def _package_pattern(value: str) -> str | None:
    return value if _PACKAGE_PATTERN.fullmatch(value) else None


def _signer(value: str) -> str | None:
    norm = value.replace(":", "").strip().lower()
    return norm if _SHA256.fullmatch(norm) else None


def _tracker_category(value: str) -> str | None:
    for known in TRACKER_CATEGORIES:
        if known.lower() == value.strip().lower():
            return known
    return None


def _role(value: str) -> str | None:
    short = role_short_name(value)
    return short.upper() if re.fullmatch(r"[A-Za-z_]+", short) else None


_SPECIAL_KINDS: Final = {k.value: k for k in SpecialAccessKind}
_TOP_KEYS: Final = ("policy", "deny_permission", "deny_special_access", "apps", "exposure", "device", "trackers")


def parse_policy(text: str, path: Path) -> Policy:
    """A ``Policy`` from TOML text; ``PolicyError`` (one line: file, line, key, problem) when it is malformed."""
    reader = _Reader(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        m = _TOML_LINE.search(message)
        line = m.group(1) if m else "1"
        detail = _TOML_LINE.sub("", message).strip().rstrip(".") or "invalid TOML"
        col = f", column {m.group(2)}" if m else ""
        raise PolicyError(f"{path}:{line}: TOML syntax error{col}: {detail}") from None
    reader.table(data, _Where(None), _TOP_KEYS)

    head = reader.sub(data, "policy")
    reader.table(head, _Where("policy"), ("name", "description", "include_system_apps"))
    name = reader.string(head, _Where("policy", key="name")) or path.stem
    description = reader.string(head, _Where("policy", key="description"))
    include_system = reader.boolean(head, _Where("policy", key="include_system_apps")) or False

    perm_rules = []
    for i, t in enumerate(reader.tables(data, "deny_permission")):
        reader.table(t, _Where("deny_permission", i), ("permissions", "allow", "reason"))
        perms = reader.strings(t, _Where("deny_permission", i, "permissions"), full_permission)
        if not perms:
            raise reader.fail(_Where("deny_permission", i, "permissions"), "name at least one permission")
        perm_rules.append(
            PermissionRule(
                permissions=perms,
                allow=reader.strings(t, _Where("deny_permission", i, "allow"), _package_pattern),
                reason=reader.string(t, _Where("deny_permission", i, "reason")),
            )
        )

    special_rules = []
    for i, t in enumerate(reader.tables(data, "deny_special_access")):
        reader.table(t, _Where("deny_special_access", i), ("kinds", "roles", "allow", "reason"))
        where = _Where("deny_special_access", i, "kinds")
        raw_kinds = reader.strings(t, where)
        if not raw_kinds:
            raise reader.fail(where, "name at least one kind of special access")
        kinds = []
        for k in raw_kinds:
            if k not in _SPECIAL_KINDS:
                raise reader.fail(where, f"unknown kind {k!r}; expected one of {', '.join(_SPECIAL_KINDS)}")
            kinds.append(_SPECIAL_KINDS[k])
        special_rules.append(
            SpecialAccessRule(
                kinds=tuple(kinds),
                roles=reader.strings(t, _Where("deny_special_access", i, "roles"), _role),
                allow=reader.strings(t, _Where("deny_special_access", i, "allow"), _package_pattern),
                reason=reader.string(t, _Where("deny_special_access", i, "reason")),
            )
        )

    apps = reader.sub(data, "apps")
    reader.table(apps, _Where("apps"), ("blocked", "blocked_signers", "required_installers", "installer_exempt"))
    exposure = reader.sub(data, "exposure")
    reader.table(exposure, _Where("exposure"), ("max_app", "max_device"))
    device = reader.sub(data, "device")
    reader.table(device, _Where("device"), ("max_patch_age_days", "oldest_patch", "min_sdk"))
    oldest = reader.string(device, _Where("device", key="oldest_patch"))
    if oldest is not None:
        try:
            dt.date.fromisoformat(oldest)
        except ValueError:
            raise reader.fail(
                _Where("device", key="oldest_patch"), f"expected a date YYYY-MM-DD, got {oldest!r}"
            ) from None
    trackers = reader.sub(data, "trackers")
    reader.table(trackers, _Where("trackers"), ("forbidden_categories", "forbidden", "allow"))

    return Policy(
        name=name,
        source=str(path),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        description=description,
        include_system_apps=include_system,
        deny_permissions=tuple(perm_rules),
        deny_special_access=tuple(special_rules),
        blocked_packages=reader.strings(apps, _Where("apps", key="blocked"), _package_pattern),
        blocked_signers=reader.strings(apps, _Where("apps", key="blocked_signers"), _signer),
        required_installers=reader.strings(apps, _Where("apps", key="required_installers"), _package_pattern),
        installer_exempt=reader.strings(apps, _Where("apps", key="installer_exempt"), _package_pattern),
        max_app_exposure=reader.number(exposure, _Where("exposure", key="max_app"), 0, 100),
        max_device_exposure=reader.number(exposure, _Where("exposure", key="max_device"), 0, 100),
        max_patch_age_days=reader.number(device, _Where("device", key="max_patch_age_days"), 0, 36500),
        oldest_patch=oldest,
        min_sdk=reader.number(device, _Where("device", key="min_sdk"), 1, 1000),
        forbidden_tracker_categories=reader.strings(
            trackers, _Where("trackers", key="forbidden_categories"), _tracker_category
        ),
        forbidden_trackers=reader.strings(trackers, _Where("trackers", key="forbidden")),
        tracker_allow=reader.strings(trackers, _Where("trackers", key="allow"), _package_pattern),
    )


def load_policy(path: Path) -> Policy:
    """Read and check a policy file; ``PolicyError`` naming the file and line when it cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PolicyError(f"{path}: cannot read the policy ({e.strerror or e})") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise PolicyError(f"{path}:{line}: not UTF-8 text") from None
    return parse_policy(text, path)


# --------------------------------------------------------------------------------------------------
# Evaluating a policy on one device
# --------------------------------------------------------------------------------------------------


class PolicyRule(StrEnum):
    """Which rule of the policy a violation breaks (stable ids: exports and scripts use them)."""

    DENIED_PERMISSION = "denied_permission"
    DENIED_SPECIAL_ACCESS = "denied_special_access"
    BLOCKED_APP = "blocked_app"
    BLOCKED_SIGNER = "blocked_signer"
    REQUIRED_INSTALLER = "required_installer"
    MAX_APP_EXPOSURE = "max_app_exposure"
    MAX_DEVICE_EXPOSURE = "max_device_exposure"
    MAX_PATCH_AGE = "max_patch_age"
    OLDEST_PATCH = "oldest_patch"
    MIN_SDK = "min_sdk"
    FORBIDDEN_TRACKER = "forbidden_tracker"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule on one device, with the facts from the audit report that show it."""

    rule: PolicyRule
    device: str
    """The device id (serial, its keyed hash when redacted, or the snapshot digest)."""
    user: int | None
    """The Android user of the app, for app rules."""
    app: str | None
    """The package, for app rules; ``None`` for device rules (patch, exposure, Android version)."""
    message: str
    evidence: tuple[str, ...]


def rule_words(rule: PolicyRule) -> str:
    """The rule in a few plain words, for reports."""
    match rule:
        case PolicyRule.DENIED_PERMISSION:
            return "denied permission"
        case PolicyRule.DENIED_SPECIAL_ACCESS:
            return "denied special access"
        case PolicyRule.BLOCKED_APP:
            return "blocked app"
        case PolicyRule.BLOCKED_SIGNER:
            return "blocked signer"
        case PolicyRule.REQUIRED_INSTALLER:
            return "installer not allowed"
        case PolicyRule.MAX_APP_EXPOSURE:
            return "app exposure too high"
        case PolicyRule.MAX_DEVICE_EXPOSURE:
            return "device exposure too high"
        case PolicyRule.MAX_PATCH_AGE:
            return "security patch too old"
        case PolicyRule.OLDEST_PATCH:
            return "security patch before the required date"
        case PolicyRule.MIN_SDK:
            return "Android version too old"
        case PolicyRule.FORBIDDEN_TRACKER:
            return "forbidden tracker"
        case _:
            assert_never(rule)


def _matches(package: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(package, p) for p in patterns)


def _permission_evidence(p: PermissionReport) -> str:
    parts = [f"{p.name}: granted={str(p.granted).lower()}", f"effective={p.effective.value}"]
    if p.appop_mode:
        parts.append(f"appop {p.appop}={p.appop_mode}")
    if p.flags:
        parts.append("flags=" + "|".join(p.flags))
    if p.last_access:
        state = f" ({p.last_access_state.value})" if p.last_access_state else ""
        parts.append(f"last access {p.last_access}{state}")
    return ", ".join(parts)


def _role_matches(detail: str | None, roles: tuple[str, ...]) -> bool:
    if not roles:
        return True
    short = role_short_name(detail).upper()
    return short in roles


def _app_violations(policy: Policy, device: str, app: AppReport) -> Iterable[Violation]:
    def v(rule: PolicyRule, message: str, *evidence: str) -> Violation:
        return Violation(rule, device, app.user, app.package, message, tuple(evidence))

    installed = f"{app.package} {app.version_name or '?'} ({app.version_code if app.version_code is not None else '?'})"
    if policy.blocked_packages and _matches(app.package, policy.blocked_packages):
        yield v(
            PolicyRule.BLOCKED_APP,
            f"{app.package} is blocked by the policy",
            f"installed for user {app.user}: {installed}",
            f"installer={app.installer or 'none'}, install source={app.install_source.value}",
        )
    signer = app.apk.signing.signer_sha256 if app.apk is not None else None
    if signer and signer.lower() in policy.blocked_signers:
        yield v(
            PolicyRule.BLOCKED_SIGNER,
            f"{app.package} is signed by a blocked certificate",
            f"signer SHA-256 {signer}",
            f"installed for user {app.user}: {installed}",
        )
    if app.system and not policy.include_system_apps:
        return
    for rule in policy.deny_permissions:
        if _matches(app.package, rule.allow):
            continue
        for p in app.permissions:
            if p.name in rule.permissions and usable(p):
                why = f" ({rule.reason})" if rule.reason else ""
                yield v(
                    PolicyRule.DENIED_PERMISSION,
                    f"{app.package} can use {p.name}{why}",
                    _permission_evidence(p),
                )
    for srule in policy.deny_special_access:
        if _matches(app.package, srule.allow):
            continue
        for s in app.special_access:
            if s.kind in srule.kinds and (s.kind is not SpecialAccessKind.ROLE or _role_matches(s.detail, srule.roles)):
                why = f" ({srule.reason})" if srule.reason else ""
                what = s.kind.value + (f" {s.detail}" if s.detail else "")
                yield v(PolicyRule.DENIED_SPECIAL_ACCESS, f"{app.package} holds {what}{why}", s.evidence)
    if (
        policy.required_installers
        and not _matches(app.package, policy.installer_exempt)
        and (app.installer is None or not _matches(app.installer, policy.required_installers))
    ):
        yield v(
            PolicyRule.REQUIRED_INSTALLER,
            f"{app.package} was installed by {app.installer or 'no recorded installer'}, "
            f"not by {' or '.join(policy.required_installers)}",
            f"installer={app.installer or 'none'}, initiating installer={app.initiating_installer or 'none'}, "
            f"install source={app.install_source.value}, package source={app.package_source}",
        )
    if (
        policy.max_app_exposure is not None
        and app.exposure is not None
        and app.exposure.score > policy.max_app_exposure
    ):
        reasons = sorted(app.exposure.reasons, key=lambda r: -r.points)[:4]
        yield v(
            PolicyRule.MAX_APP_EXPOSURE,
            f"{app.package} has exposure {app.exposure.score} (grade {app.exposure.grade.value}), "
            f"above the maximum {policy.max_app_exposure}",
            *(f"{r.points:+d} {r.rule}: {r.text}" for r in reasons),
        )
    if (policy.forbidden_tracker_categories or policy.forbidden_trackers) and app.apk is not None:
        if _matches(app.package, policy.tracker_allow):
            return
        names = {n.lower() for n in policy.forbidden_trackers}
        for t in app.apk.trackers:
            bad = [c for c in t.categories if c in policy.forbidden_tracker_categories]
            if bad or t.name.lower() in names:
                what = ", ".join(bad) if bad else "named in the policy"
                yield v(
                    PolicyRule.FORBIDDEN_TRACKER,
                    f"{app.package} embeds {t.name} ({what})",
                    f"tracker {t.name} (Exodus id {t.id}), categories {', '.join(t.categories) or 'none'}",
                    f"{t.matched_classes} matching classes, e.g. {', '.join(t.evidence[:3])}",
                )


def _device_violations(policy: Policy, device: str, report: AuditReport) -> Iterable[Violation]:
    d = report.device

    def v(rule: PolicyRule, message: str, *evidence: str) -> Violation:
        return Violation(rule, device, None, None, message, tuple(evidence))

    patch = f"ro.build.version.security_patch={d.security_patch}"
    if policy.max_patch_age_days is not None:
        age = patch_age_days(d, capture_time(report.source))
        if age is not None and age > policy.max_patch_age_days:
            yield v(
                PolicyRule.MAX_PATCH_AGE,
                f"security patch {d.security_patch} was {age} days old at capture; the maximum is "
                f"{policy.max_patch_age_days}",
                patch,
                f"captured {report.source.collected_at}",
            )
    if policy.oldest_patch is not None and d.security_patch and d.security_patch.strip()[:10] < policy.oldest_patch:
        yield v(
            PolicyRule.OLDEST_PATCH, f"security patch {d.security_patch} is older than {policy.oldest_patch}", patch
        )
    if policy.min_sdk is not None and d.sdk is not None and d.sdk < policy.min_sdk:
        yield v(
            PolicyRule.MIN_SDK,
            f"Android {d.android_release or '?'} (API {d.sdk}) is older than API {policy.min_sdk}",
            f"ro.build.version.sdk={d.sdk}",
        )
    exposure = report.device_exposure
    if policy.max_device_exposure is not None and exposure is not None and exposure.score > policy.max_device_exposure:
        yield v(
            PolicyRule.MAX_DEVICE_EXPOSURE,
            f"device exposure {exposure.score} (grade {exposure.grade.value}) is above the maximum "
            f"{policy.max_device_exposure}",
            *(f"{r.points:+d} {r.rule}: {r.text}" for r in sorted(exposure.reasons, key=lambda r: -r.points)[:4]),
        )


def evaluate(policy: Policy, report: AuditReport, device: str) -> tuple[Violation, ...]:
    """Every violation of ``policy`` on the device of ``report`` (named ``device``), device rules first."""
    out = list(_device_violations(policy, device, report))
    for app in report.apps:
        out.extend(_app_violations(policy, device, app))
    return tuple(out)
