"""Merging APK facts into the audit report, for snapshots collected with ``--apks``.

The snapshot's APK index (``SnapshotManifest.apks``) says which APKs each app has and where their
bytes are: in the snapshot (``apks/<sha256>.apk``), or only in the local APK cache (collection did
not pull what the cache already knew). For every app with an indexed **base APK** — the path ending
in ``/base.apk``, or the app's only APK (system apps, Android 4) — the facts come from the cache by
SHA-256, else from analysing the stored file (``auditor.apk.analyse_apks``: isolated workers with
limits, results cached). They are set as ``AppReport.apk`` on every user that has the package: the
code of an app is installed once per device and shared by its users.

Nothing is silently missing: a base APK that was not pulled, is neither stored nor cached, could not
be analysed, or was only partly read adds a note to the app. So do disagreements with the device:
an APK whose package is another app's is not merged; one whose versionCode differs from
``dumpsys package`` (the app was updated during collection, or the file is not the installed one)
is merged with a note. Split APKs are analysed too, so that their results are cached (the next
collection of the phone then pulls nothing), but only the base APK's facts are merged:
``AppReport.apk`` describes the base APK.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.apk import ApkCache, TrackerDB, analyse_apks, cached_result
from auditor.model import (
    ApkFacts,
    ApkIssue,
    ApkRef,
    ApkRefStatus,
    ApkResult,
    ApkStatus,
    AppReport,
    AuditReport,
    Note,
    NoteLevel,
)
from auditor.progress import NullObserver, Observer
from auditor.snapshot import APK_DIR, SHA256_RE

log = logging.getLogger(__name__)

NOTE_SECTION = APK_DIR
"""Section of every note this stage writes."""

_UNKNOWN_FACTS = "its APK facts (label, trackers, launcher icon, signer) are unknown"


def base_ref(refs: Sequence[ApkRef]) -> ApkRef | None:
    """The base APK among one app's indexed APKs: ``…/base.apk``, else the only one; ``None`` if unclear."""
    for ref in refs:
        if ref.path.endswith("/base.apk"):
            return ref
    paths = {ref.path for ref in refs}
    return refs[0] if len(paths) == 1 else None


def _issues_text(issues: Sequence[ApkIssue], limit: int = 3) -> str:
    parts = [f"{i.kind.value}: {i.message[:160]}" for i in issues[:limit]]
    more = len(issues) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


@dataclass
class _Facts:
    """What is known about one base APK (by SHA-256) before it is applied to apps."""

    result: ApkResult | None = None
    problem: str | None = None
    """Why there is no result: the file is neither stored nor cached, or it was altered."""


def _short(sha256: str) -> str:
    return sha256[:16] + "…"


def merge_apks(
    report: AuditReport,
    index: Sequence[ApkRef],
    snapshot_dir: Path | None,
    *,
    cache: ApkCache | None,
    trackers: TrackerDB | None = None,
    isolate: bool = True,
    jobs: int | None = None,
    observer: Observer | None = None,
) -> AuditReport:
    """A new report whose apps carry the facts of their base APK, with notes on what is missing.

    ``snapshot_dir`` holds ``apks/`` (``None`` for sources without one: only the cache can help).
    ``cache`` is read first and filled with new results; ``trackers`` defaults to the bundled list.
    ``isolate=False`` analyses in this process (tests); ``jobs`` caps the worker processes.
    """
    if not index:
        return report
    observer = observer or NullObserver()
    by_package: dict[str, list[ApkRef]] = {}
    for ref in index:
        by_package.setdefault(ref.package, []).append(ref)

    # Which base APK each (package, user) of the index has; the same for every user in practice.
    bases: dict[tuple[str, int], ApkRef | None] = {}
    for package, refs in by_package.items():
        for user in {r.user for r in refs}:
            bases[(package, user)] = base_ref([r for r in refs if r.user == user])

    facts: dict[str, _Facts] = {}
    to_analyse: dict[str, Path] = {}
    for base in bases.values():
        if base is None or base.status is ApkRefStatus.FAILED or base.sha256 is None or base.sha256 in facts:
            continue
        sha = base.sha256
        hit = cached_result(sha, cache, trackers=trackers) if cache is not None else None
        if hit is not None:
            facts[sha] = _Facts(result=hit)
            continue
        file = snapshot_dir / APK_DIR / f"{sha}.apk" if snapshot_dir is not None and SHA256_RE.fullmatch(sha) else None
        if file is not None and file.is_file():
            facts[sha] = _Facts()
            to_analyse[sha] = file
        elif base.status is ApkRefStatus.CACHED:
            facts[sha] = _Facts(
                problem=f"its base APK (SHA-256 {_short(sha)}) was not pulled because the local APK cache knew it at "
                "collection, and this machine's cache has no result for it now (cleared, another computer, or a "
                f"newer tracker list): {_UNKNOWN_FACTS}; collect again with --apks"
            )
        else:
            facts[sha] = _Facts(
                problem=f"its base APK (SHA-256 {_short(sha)}) is missing from the snapshot's apks/: {_UNKNOWN_FACTS}"
            )

    # Split APKs are analysed too, though only base facts are merged: their results then sit in the
    # cache, so the next collection of this phone finds every APK there and pulls nothing.
    for ref in index:
        digest = ref.sha256
        if ref.status is not ApkRefStatus.STORED or digest is None or digest in facts or digest in to_analyse:
            continue
        if snapshot_dir is None or (cache is not None and cached_result(digest, cache, trackers=trackers) is not None):
            continue
        file = snapshot_dir / APK_DIR / f"{digest}.apk"
        if file.is_file():
            to_analyse[digest] = file

    if to_analyse:
        observer.start("Analysing APKs", total=len(to_analyse))
        results = analyse_apks(
            list(to_analyse.values()),
            trackers=trackers,
            cache=cache,
            isolate=isolate,
            jobs=jobs,
            progress=lambda _r: observer.advance(1, "apk"),
        )
        observer.finish()
        for sha, result in zip(to_analyse, results, strict=True):
            if result.sha256 is not None and result.sha256 != sha:
                facts[sha] = _Facts(
                    problem=f"the stored file apks/{sha}.apk no longer matches its SHA-256 (altered after "
                    f"collection): {_UNKNOWN_FACTS}"
                )
            else:
                facts[sha] = _Facts(result=result)

    apps: list[AppReport] = []
    merged: set[str] = set()
    without: set[str] = set()
    for app in report.apps:
        listed = by_package.get(app.package)
        if listed is None:
            apps.append(app)
            continue
        key = (app.package, app.user)
        chosen = bases[key] if key in bases else base_ref(listed)  # a user pm path did not list: same code
        new_app, ok = _apply(app, chosen, listed, facts)
        if not new_app.apk_sha256:
            # The index's hashes (the phone's, or of the pulled files) match known samples like any other.
            mine = [r for r in listed if r.user == app.user] or listed
            digests = tuple(dict.fromkeys(r.sha256 for r in mine if r.sha256 is not None))
            if digests:
                new_app = dataclasses.replace(new_app, apk_sha256=digests)
        apps.append(new_app)
        (merged if ok else without).add(app.package)

    notes = list(report.notes)
    notes.append(
        Note(
            NOTE_SECTION,
            NoteLevel.INFO if not without else NoteLevel.PARTIAL,
            f"APK facts for {len(merged)} of {len(merged | without)} indexed packages present in the report"
            + (f"; {len(without)} without (see their notes)" if without else ""),
        )
    )
    return dataclasses.replace(report, apps=tuple(apps), notes=tuple(notes))


def _apply(
    app: AppReport, ref: ApkRef | None, refs: Sequence[ApkRef], facts: dict[str, _Facts]
) -> tuple[AppReport, bool]:
    """One app with its base APK's facts and notes; the flag says whether facts were merged."""
    notes: list[Note] = []

    def note(level: NoteLevel, message: str) -> None:
        notes.append(Note(NOTE_SECTION, level, message))

    def done(apk: ApkFacts | None = None) -> tuple[AppReport, bool]:
        merged = dataclasses.replace(app, notes=app.notes + tuple(notes), apk=apk if apk is not None else app.apk)
        return merged, apk is not None

    if ref is None:
        note(
            NoteLevel.PARTIAL,
            f"pm path listed {len({r.path for r in refs})} APKs and none is base.apk: {_UNKNOWN_FACTS}",
        )
        return done()
    if ref.status is ApkRefStatus.FAILED or ref.sha256 is None:
        note(NoteLevel.PARTIAL, f"its base APK was not pulled ({ref.error or 'no reason recorded'}): {_UNKNOWN_FACTS}")
        return done()
    known = facts.get(ref.sha256, _Facts(problem=f"no facts for its base APK: {_UNKNOWN_FACTS}"))
    result = known.result
    if result is None:
        note(NoteLevel.PARTIAL, known.problem or f"no facts for its base APK: {_UNKNOWN_FACTS}")
        return done()
    apk = result.facts
    if apk is None or result.status is ApkStatus.SKIPPED:
        note(NoteLevel.PARTIAL, f"its base APK could not be analysed ({_issues_text(result.issues)}): {_UNKNOWN_FACTS}")
        return done()
    if apk.package != app.package:
        note(
            NoteLevel.PARTIAL,
            f"the APK pm path gave for it declares another package ({apk.package[:200]}); its facts are not used",
        )
        return done()
    if apk.split is not None:
        note(NoteLevel.PARTIAL, f"the APK taken as its base is a split ({apk.split[:100]}): {_UNKNOWN_FACTS}")
        return done()
    if result.status is ApkStatus.DEGRADED:
        note(NoteLevel.PARTIAL, f"its base APK was read only in part ({_issues_text(result.issues)})")
    elif result.issues:
        note(NoteLevel.INFO, f"its base APK shows anomalies Android tolerates ({_issues_text(result.issues)})")
    if app.version_code is not None and apk.version_code is not None and app.version_code != apk.version_code:
        note(
            NoteLevel.PARTIAL,
            f"dumpsys package says versionCode {app.version_code} but its base APK says {apk.version_code}: the app "
            "may have been updated during collection, and the APK facts may not describe the installed version",
        )
    return done(apk)
