"""Matching indicator lists against an audit report, by set lookups.

Every list's indicators go into one index, a dict per indicator kind from value to the families that
name it, built once per set of lists. Matching an app is then a handful of lookups (its package name,
each signing certificate's digests, each APK hash), whatever the number of indicators: 5,000 apps
against the bundled list take a few milliseconds (``bench/bench_iocs.py``, ``docs/performance.md``),
where comparing every app with every indicator would take seconds.

The facts matched, and where they come from:

* package names: every app of every user, including apps only listed (kept as data) or named only by
  app-ops or settings, and running processes whose package no list of the report holds;
* signing certificates: the APK's own (``--apks``: SHA-256, SHA-1 and MD5 of each certificate) and the
  one androidqf's ``packages.json`` states;
* APK SHA-256s: hashed on the phone (the plan's ``apk_hashes``), stated by ``packages.json``, or of pulled APKs;
* system properties (``getprop``) and process names (``ps``) for ``android-property`` and ``process`` indicators.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from auditor.iocs.lists import LoadedList
from auditor.model import AppReport, AuditReport, Note, NoteLevel
from auditor.model.threats import IndicatorKind, IndicatorMatch, ThreatKind

NOTE_SECTION = "indicators"


@dataclass(frozen=True, slots=True)
class _Ref:
    family: str
    threat: ThreatKind
    list_name: str
    list_version: str


class IndicatorIndex:
    """Every matchable indicator of ``lists``: kind → value → the families (of any list) that name it."""

    def __init__(self, lists: Sequence[LoadedList]) -> None:
        self.lists = tuple(lists)
        self.by_kind: dict[IndicatorKind, dict[str, tuple[_Ref, ...]]] = {k: {} for k in IndicatorKind if k.matchable}
        building: dict[IndicatorKind, dict[str, list[_Ref]]] = {k: {} for k in self.by_kind}
        self.network = 0
        for loaded in self.lists:
            refs = [_Ref(f.name, f.threat, loaded.name, loaded.version) for f in loaded.families]
            for indicator in loaded.indicators:
                if not indicator.kind.matchable:
                    self.network += 1
                    continue
                found = building[indicator.kind].setdefault(indicator.value, [])
                ref = refs[indicator.family]
                if ref not in found:
                    found.append(ref)
        for kind, values in building.items():
            self.by_kind[kind] = {value: tuple(refs) for value, refs in values.items()}

    def count(self, kind: IndicatorKind) -> int:
        return len(self.by_kind.get(kind, {}))

    def lookup(self, kind: IndicatorKind, value: str | None, fact: str, into: list[IndicatorMatch]) -> None:
        """Append a match for every family naming ``value`` as ``kind``."""
        if not value:
            return
        refs = self.by_kind[kind].get(value)
        if refs:
            into.extend(
                IndicatorMatch(ref.family, ref.threat, kind, value, fact, ref.list_name, ref.list_version)
                for ref in refs
            )


def app_matches(app: AppReport, index: IndicatorIndex) -> tuple[IndicatorMatch, ...]:
    """Every indicator that matches a fact of ``app``, each (indicator, family, fact) once, in fact order.

    Most apps match nothing, so each fact is first one dict lookup; a match is built only on a hit."""
    by_kind = index.by_kind
    sha256, sha1, md5 = (
        by_kind[IndicatorKind.CERT_SHA256],
        by_kind[IndicatorKind.CERT_SHA1],
        by_kind[IndicatorKind.CERT_MD5],
    )
    hit = app.package in by_kind[IndicatorKind.PACKAGE]
    certs = list(app.apk.signing.certificates) if app.apk is not None else []
    signer = app.signer
    hit = hit or any(c.sha256 in sha256 or c.sha1 in sha1 or c.md5 in md5 for c in certs)
    hit = hit or (signer is not None and (signer.sha256 in sha256 or signer.sha1 in sha1 or signer.md5 in md5))
    apk = by_kind[IndicatorKind.APK_SHA256]
    hit = hit or any(d in apk for d in app.apk_sha256)
    if not hit:
        return ()
    found: list[IndicatorMatch] = []
    index.lookup(IndicatorKind.PACKAGE, app.package, "package name", found)
    for cert in certs:
        fact = "read from the APK"
        index.lookup(IndicatorKind.CERT_SHA256, cert.sha256, fact, found)
        index.lookup(IndicatorKind.CERT_SHA1, cert.sha1, fact, found)
        index.lookup(IndicatorKind.CERT_MD5, cert.md5, fact, found)
    if signer is not None:
        fact = "stated by packages.json"
        index.lookup(IndicatorKind.CERT_SHA256, signer.sha256, fact, found)
        index.lookup(IndicatorKind.CERT_SHA1, signer.sha1, fact, found)
        index.lookup(IndicatorKind.CERT_MD5, signer.md5, fact, found)
    for digest in app.apk_sha256:
        index.lookup(IndicatorKind.APK_SHA256, digest, "APK file hash", found)
    return tuple(dict.fromkeys(found))


def device_matches(
    report: AuditReport, index: IndicatorIndex, properties: Mapping[str, str] | None
) -> tuple[IndicatorMatch, ...]:
    """Indicators that match the phone rather than one app: system properties and running processes."""
    found: list[IndicatorMatch] = []
    if properties is not None and index.by_kind[IndicatorKind.PROPERTY]:
        for name in sorted(properties.keys() & index.by_kind[IndicatorKind.PROPERTY].keys()):
            fact = f"system property {name}={properties[name][:80]}"
            index.lookup(IndicatorKind.PROPERTY, name, fact, found)
    processes = report.device_state.processes if report.device_state is not None else None
    if processes:
        packages = {a.package for a in report.apps}
        for name in processes:
            index.lookup(IndicatorKind.PROCESS, name, f"running process {name}", found)
            # An app's process carries its package name, with ":suffix" for extra processes. A process of a
            # listed app is that app's match already; one of no listed app is a package hidden from the lists.
            package = name.split(":", 1)[0]
            if package not in packages:
                index.lookup(IndicatorKind.PACKAGE, package, f"running process {name} (no app of the report)", found)
    return tuple(dict.fromkeys(found))


def _notes(report: AuditReport, index: IndicatorIndex) -> list[Note]:
    notes: list[Note] = []
    if index.network:
        notes.append(
            Note(
                NOTE_SECTION,
                NoteLevel.INFO,
                f"{index.network} network indicators (domains, URLs, IP addresses) were loaded but match nothing "
                "here: an audit holds no network traffic or DNS history",
            )
        )
    notes.extend(
        Note(
            NOTE_SECTION,
            NoteLevel.INFO,
            f"{loaded.name}: {loaded.unsupported} patterns are not understood here (compound patterns or object "
            "paths with no fact in an audit) and were skipped",
        )
        for loaded in index.lists
        if loaded.unsupported
    )
    notes.extend(_unchecked(report, index))
    has_processes = report.device_state is not None and report.device_state.processes is not None
    if index.count(IndicatorKind.PROCESS) and not has_processes:
        notes.append(
            Note(
                NOTE_SECTION,
                NoteLevel.PARTIAL,
                f"{index.count(IndicatorKind.PROCESS)} process indicators could not be checked: the source lists no "
                "running processes",
            )
        )
    return notes


def _unchecked(report: AuditReport, index: IndicatorIndex) -> Iterable[Note]:
    """Say how many apps certificate and APK-hash indicators could be checked against.

    Why: a plain snapshot or a bug report carries no signers and (without the phone's hashing) no APK
    hashes, so those indicators find nothing there; "no match" must not read as "checked and clean".
    """
    # Apps outside the system image: where known stalkerware lives, and what a live collection hashes.
    installed = [a for a in report.apps if a.installed and not a.system]
    certs = sum(index.count(k) for k in (IndicatorKind.CERT_SHA256, IndicatorKind.CERT_SHA1, IndicatorKind.CERT_MD5))
    checks = (
        (
            certs,
            "certificate",
            "signer",
            sum(1 for a in installed if a.signer is not None or a.apk is not None),
            "audit with --apks, or read an androidqf acquisition",
        ),
        (
            index.count(IndicatorKind.APK_SHA256),
            "APK-hash",
            "APK hash",
            sum(1 for a in installed if a.apk_sha256),
            "a live collection hashes them on the phone; androidqf states them",
        ),
    )
    for count, kind, fact, known, where in checks:
        if not count or known == len(installed):
            continue
        if known:
            message = (
                f"{count} {kind} indicators were checked against {known} of {len(installed)} apps outside the system "
                f"image; the others' {fact} is unknown in this source ({where})"
            )
        else:
            message = (
                f"{count} {kind} indicators could not be checked: no {fact} of an app outside the system image is "
                f"known in this source ({where})"
            )
        yield Note(NOTE_SECTION, NoteLevel.PARTIAL, message)


def match_report(
    report: AuditReport, index: IndicatorIndex, *, properties: Mapping[str, str] | None = None
) -> AuditReport:
    """A new report with every app's ``indicator_matches``, the ``device_matches``, the lists used
    (``indicator_lists``) and notes on what the lists hold that an audit cannot match."""
    apps = tuple(_with_matches(app, index) for app in report.apps)
    return dataclasses.replace(
        report,
        apps=apps,
        device_matches=device_matches(report, index, properties),
        indicator_lists=tuple(loaded.info() for loaded in index.lists),
        notes=report.notes + tuple(_notes(report, index)),
    )


def _with_matches(app: AppReport, index: IndicatorIndex) -> AppReport:
    found = app_matches(app, index)
    return dataclasses.replace(app, indicator_matches=found) if found else app


def all_matches(report: AuditReport) -> Iterable[tuple[AppReport | None, IndicatorMatch]]:
    """Every match of a report: each app's, then the device's (with ``None`` for the app)."""
    for app in report.apps:
        for match in app.indicator_matches:
            yield app, match
    for match in report.device_matches:
        yield None, match
