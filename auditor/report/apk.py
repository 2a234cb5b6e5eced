"""``auditor apk`` output: a plain-text summary per APK, or JSON.

Everything an APK says is hostile text. The text renderer makes every such string printable and
one-line: control characters (ANSI escapes, newlines), format characters (bidi overrides like
U+202E, zero-width joiners), surrogates and unassigned code points are shown as ``\\u{…}`` escapes, so
an app label cannot fake a line of output, recolour a terminal or reverse what follows it (the one
sanitiser, ``auditor.sanitise.visible``). The output is plain text: print it without markup
interpretation (``console.print(text, markup=False)`` with rich), or a label like ``[red]`` would be
read as style.

JSON keeps strings exactly as the APK has them (consumers escape for their medium) but writes ``<``,
``>``, ``&`` and U+2028/U+2029 as ``\\u`` escapes, so the document is also safe inside an HTML
``<script>`` block. Both renderers carry the tracker list's attribution, which its ODbL licence asks
for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from auditor import __version__
from auditor.apk.trackers import ATTRIBUTION
from auditor.model import (
    ApkComponent,
    ApkFacts,
    ApkIssueKind,
    ApkResult,
    ApkStatus,
    CleartextReason,
    ExportedReason,
)
from auditor.report.json_report import to_jsonable as _to_jsonable
from auditor.sanitise import visible
from auditor.serial import json_text

JSON_SCHEMA = "auditor-apk/1"
MAX_LISTED = 50


def safe(text: str | None) -> str:
    """An APK string for the text output: ``auditor.sanitise.visible``, and ``-`` for a missing value."""
    return "-" if text is None else visible(text)


def quoted(text: str | None) -> str:
    """``safe`` text in double quotes (so leading or trailing spaces show)."""
    return "-" if text is None else '"' + safe(text).replace('"', '\\"') + '"'


def status_text(status: ApkStatus) -> str:
    """How a result's status reads in text output."""
    match status:
        case ApkStatus.OK:
            return "ok"
        case ApkStatus.DEGRADED:
            return "DEGRADED (some parts could not be read)"
        case ApkStatus.SKIPPED:
            return "SKIPPED (no facts)"
        case _:
            assert_never(status)


def exported_text(reason: ExportedReason) -> str:
    """Why a component is (not) exported, in words."""
    match reason:
        case ExportedReason.EXPLICIT:
            return "android:exported=true"
        case ExportedReason.INTENT_FILTER:
            return "exported by its intent filter"
        case ExportedReason.PROVIDER_LEGACY:
            return "provider exported by default (targetSdk <= 16)"
        case ExportedReason.DEFAULT:
            return "not exported"
        case _:
            assert_never(reason)


def cleartext_text(reason: CleartextReason) -> str:
    """Where the cleartext setting comes from, in words."""
    match reason:
        case CleartextReason.NETWORK_SECURITY_CONFIG:
            return "network security config"
        case CleartextReason.ATTRIBUTE:
            return "android:usesCleartextTraffic"
        case CleartextReason.TARGET_SDK_DEFAULT:
            return "default for its targetSdk"
        case _:
            assert_never(reason)


def issue_severity(kind: ApkIssueKind) -> str:
    """``anomaly`` for tampering Android tolerates, ``lost`` when facts are missing because of it."""
    match kind:
        case ApkIssueKind.ZIP_ANOMALY | ApkIssueKind.MANIFEST_ANOMALY | ApkIssueKind.JANUS:
            return "anomaly"
        case (
            ApkIssueKind.UNREADABLE
            | ApkIssueKind.EMPTY_FILE
            | ApkIssueKind.NOT_A_ZIP
            | ApkIssueKind.TRUNCATED
            | ApkIssueKind.BAD_ZIP
            | ApkIssueKind.NO_MANIFEST
            | ApkIssueKind.BAD_MANIFEST
            | ApkIssueKind.BAD_DEX
            | ApkIssueKind.BAD_RESOURCES
            | ApkIssueKind.BAD_SIGNING
            | ApkIssueKind.BAD_NETWORK_SECURITY_CONFIG
            | ApkIssueKind.LIMIT_EXCEEDED
            | ApkIssueKind.TIMEOUT
            | ApkIssueKind.MEMORY
            | ApkIssueKind.CRASH
        ):
            return "lost"
        case _:
            assert_never(kind)


def _listed(lines: list[str], items: Sequence[str], indent: str = "    ") -> None:
    lines.extend(indent + item for item in items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        lines.append(f"{indent}… and {len(items) - MAX_LISTED} more (see --format json)")


def _component(c: ApkComponent) -> str:
    parts = [f"{c.kind.value:<15} {safe(c.name)}", f"({exported_text(c.exported_reason)})"]
    if c.permission:
        parts.append(f"permission {safe(c.permission)}")
    if c.authorities:
        parts.append("authorities " + ", ".join(safe(a) for a in c.authorities))
    if not c.enabled:
        parts.append("disabled in the manifest")
    return "  ".join(parts)


def _facts(lines: list[str], f: ApkFacts) -> None:
    split = f"  (split {safe(f.split)})" if f.split else ""
    lines.append(f"  package     {safe(f.package)}{split}")
    lines.append(f"  label       {quoted(f.label)}")
    lines.append(
        f"  version     {safe(f.version_name)} (code {f.version_code if f.version_code is not None else '-'}); "
        f"SDK min {f.min_sdk if f.min_sdk is not None else '-'}, "
        f"target {f.target_sdk if f.target_sdk is not None else '-'}"
    )
    s = f.signing
    if s.signer_sha256:
        scheme = s.signer_scheme.value if s.signer_scheme else "?"
        schemes = ", ".join(x.value for x in s.schemes)
        lines.append(f"  signer      {s.signer_sha256} ({scheme}; schemes {schemes}) {safe(s.signer_subject)}")
    else:
        present = ", ".join(x.value for x in s.schemes) or "none"
        lines.append(f"  signer      unsigned or unreadable (schemes present: {present})")
    flags = [name for name, on in (("debuggable", f.debuggable), ("testOnly", f.test_only)) if on]
    flags.append(f"allowBackup={'true' if f.allow_backup else 'false'}")
    lines.append(f"  flags       {', '.join(flags)}")
    n = f.network
    lines.append(
        f"  cleartext   {'permitted' if n.cleartext_permitted else 'refused'} ({cleartext_text(n.cleartext_reason)})"
        + (f"; permitted for {len(n.cleartext_domains)} domains" if n.cleartext_domains else "")
    )
    cas = []
    if n.user_cas_trusted:
        cas.append("user CAs trusted for all hosts")
    if n.user_ca_domains:
        cas.append(f"user CAs trusted for {len(n.user_ca_domains)} domains")
    if n.debug_user_cas:
        cas.append("user CAs trusted in debug builds")
    if cas:
        lines.append(f"  trust       {'; '.join(cas)}")
    if n.config_path:
        lines.append(f"  netconfig   {safe(n.config_path)}")
    if f.split is None:
        launcher = ", ".join(safe(a) for a in f.launcher_activities) if f.launcher_activities else "none: icon hidden"
        lines.append(f"  launcher    {launcher}")
    dex = f"  code        {f.dex_files} DEX files, {f.class_count} classes"
    if f.janus:
        dex += "; DEX bytes before the zip (Janus)"
    lines.append(dex)

    lines.append(f"  permissions ({len(f.permissions)})")
    perms = []
    for p in f.permissions:
        notes = []
        if p.sdk23:
            notes.append("sdk-23")
        if p.max_sdk is not None:
            notes.append(f"maxSdkVersion {p.max_sdk}")
        if p.implied:
            notes.append(f"implied: {safe(p.implied_reason)}")
        perms.append(safe(p.name) + (f"  ({'; '.join(notes)})" if notes else ""))
    _listed(lines, perms)
    if f.declared_permissions:
        lines.append(f"  declared permissions ({len(f.declared_permissions)})")
        _listed(lines, [f"{safe(d.name)}  {safe(d.protection_level)}" for d in f.declared_permissions])
    exported = [c for c in f.components if c.exported]
    lines.append(f"  exported components ({len(exported)} of {len(f.components)})")
    _listed(lines, [_component(c) for c in exported])
    lines.append(f"  trackers ({len(f.trackers)}, present in the code, not necessarily used)")
    _listed(
        lines,
        [
            f"{safe(t.name)} [{', '.join(safe(c) for c in t.categories) or 'uncategorised'}]"
            f"  {t.matched_classes} classes, e.g. {', '.join(safe(e) for e in t.evidence[:3])}"
            for t in f.trackers
        ],
    )


def render_text(results: Sequence[ApkResult]) -> str:
    """A human summary of each result, then the tracker list's attribution."""
    lines: list[str] = []
    for r in results:
        lines.append(f"{safe(r.path)}: {status_text(r.status)}")
        if r.sha256:
            lines.append(f"  sha256      {r.sha256}" + (f"  ({r.size} bytes)" if r.size is not None else ""))
        if r.facts is not None:
            _facts(lines, r.facts)
        if r.issues:
            lines.append(f"  issues ({len(r.issues)})")
            _listed(
                lines,
                [
                    f"{issue_severity(i.kind)}: {i.kind.value}: {safe(i.message)}"
                    + (f"  [{safe(i.entry)}]" if i.entry else "")
                    for i in r.issues
                ],
            )
        lines.append("")
    lines.append(ATTRIBUTION)
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[ApkResult], *, indent: int | None = 1) -> str:
    """The results as one JSON document: ``{"schema", "tool_version", "trackers_source", "results"}``."""
    doc = {
        "schema": JSON_SCHEMA,
        "tool_version": __version__,
        "trackers_source": ATTRIBUTION,
        "results": [_to_jsonable(r) for r in results],
    }
    text = json_text(doc, indent=indent)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text + "\n"
