"""An organisation's rules for its phones, written in TOML: what a policy says and how the file is read.

Why TOML: a security team writes and reviews the policy by hand, keeps it in git, and comments
it; Python reads it without a dependency (``tomllib``). Why strict: a typo in a policy (``max_ap``)
that is silently ignored is a rule that never fires, so unknown keys and wrong types are errors
that name the file, the line and the key. ``tomllib`` gives the line of a syntax error; for a key
whose value is wrong, the line is found in the source text (``_locate``).

The checks that hold a report against a policy are in ``auditor.fleet.policy``. The format is
documented in ``docs/fleet.md``; ``examples/`` holds two complete policies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from auditor.fleet.errors import PolicyError
from auditor.model import SpecialAccessKind
from auditor.score.evidence import role_short_name
from auditor.untrusted import MAX_DOCUMENT_BYTES, UnsafeInputError, parse_toml, read_regular

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
    """Signer certificate SHA-256s (lowercase hex) that must not appear (APK facts or androidqf's packages.json)."""
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
    forbid_indicator_matches: bool = False
    """``[threats] forbid_matches``: any app (or trace on the phone) matching an indicator list is a violation."""
    indicator_allow: tuple[str, ...] = ()
    """``[threats] allow``: package patterns exempt (a parental-control app the organisation sanctioned)."""
    require_usb_debugging_off: bool = False
    """``[device] require_usb_debugging_off``."""
    forbidden_settings: tuple[str, ...] = ()
    """``[device] forbid_settings``: posture rule ids (``AUD-BOOT-001`` …) that are violations."""


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


def _posture_rule(value: str) -> str | None:
    """A rule id of the phone's safety settings (``AUD-BOOT-001``), as ``docs/rules.md`` lists them."""
    from auditor.score.device_rules import find_device  # noqa: F401 - registers the device rules
    from auditor.score.devicebase import DEVICE_RULES

    rule = DEVICE_RULES.get(value.strip().upper())
    return rule.id if rule is not None and rule.posture else None


def _role(value: str) -> str | None:
    short = role_short_name(value)
    return short.upper() if re.fullmatch(r"[A-Za-z_]+", short) else None


_SPECIAL_KINDS: Final = {k.value: k for k in SpecialAccessKind}
_TOP_KEYS: Final = (
    "policy",
    "deny_permission",
    "deny_special_access",
    "apps",
    "exposure",
    "device",
    "trackers",
    "threats",
)


def parse_policy(text: str, path: Path) -> Policy:
    """A ``Policy`` from TOML text; ``PolicyError`` (one line: file, line, key, problem) when it is malformed."""
    reader = _Reader(path, text)
    try:
        data = parse_toml(text, str(path))
    except UnsafeInputError as e:
        raise PolicyError(str(e)) from None
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
    reader.table(
        device,
        _Where("device"),
        ("max_patch_age_days", "oldest_patch", "min_sdk", "require_usb_debugging_off", "forbid_settings"),
    )
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
    threats = reader.sub(data, "threats")
    reader.table(threats, _Where("threats"), ("forbid_matches", "allow"))

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
        forbid_indicator_matches=reader.boolean(threats, _Where("threats", key="forbid_matches")) or False,
        indicator_allow=reader.strings(threats, _Where("threats", key="allow"), _package_pattern),
        require_usb_debugging_off=reader.boolean(device, _Where("device", key="require_usb_debugging_off")) or False,
        forbidden_settings=reader.strings(device, _Where("device", key="forbid_settings"), _posture_rule),
    )


def load_policy(path: Path) -> Policy:
    """Read and check a policy file; ``PolicyError`` naming the file and line when it cannot be used."""
    try:
        raw = read_regular(path, MAX_DOCUMENT_BYTES)
    except UnsafeInputError as e:
        raise PolicyError(f"cannot read the policy: {e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise PolicyError(f"{path}:{line}: not UTF-8 text") from None
    return parse_policy(text, path)
