"""Tracker SDKs present in an APK, from Exodus Privacy's code signatures.

The list is Exodus Privacy's tracker database (ETIP), ODbL 1.0, bundled as
``auditor/data/exodus_trackers.json`` with its licence in ``TRACKERS-LICENSE.md``; ``--trackers
FILE`` takes a newer export of the same shape (``{"trackers": {"<id>": {...}}}``).

Semantics are Exodus's own: each ``code_signature`` is ``|``-joined Python regular expressions,
searched (unanchored) in every class descriptor as dexdump prints it (``Lcom/foo/Bar;``); unescaped
dots match any character, so ``com.foo.`` matches ``Lcom/foo/Bar;``. We search ``Lcom.foo.Bar;``,
which no signature can tell apart (their literal parts never hold ``/`` or ``.``). Exodus skips
signatures of three characters or fewer, and so do we. Two refinements:

* a tracker whose only matches lie inside the app's own package is not reported (``com.tune``
  matching ``com.tunein.player.X`` in the TuneIn app is the app, not the Tune SDK);
* a hit means the SDK is *present*; whether it runs is another question (Exodus says the same).

Speed: searching ~590 regexes in 50,000 names one by one takes seconds. Every signature in the
Exodus list is literal text with ``.`` wildcards, so each has a literal run (its longest segment)
that any match must contain, and that run, holding no dot, lies inside one dot-separated token of
a name. One regex shaped as a trie of all runs scans the *unique* tokens once; only names holding
a hit token are then searched with the signatures of the runs found, with Exodus's own regex.
The result is exactly Exodus's (a property test checks it against plain ``re.search``).
Signatures with other regex syntax (a custom list) are searched name by name.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from auditor.apk.errors import TrackerListError
from auditor.model import ApkTracker
from auditor.untrusted import UnsafeInputError, parse_json, read_regular

log = logging.getLogger(__name__)

MIN_SIGNATURE_LENGTH = 4
"""Exodus ignores signatures of three characters or fewer: they match almost anything."""
MAX_EVIDENCE = 20
MAX_LIST_BYTES = 64 * 1024 * 1024
ATTRIBUTION = "Tracker data: Exodus Privacy / ETIP (https://reports.exodus-privacy.eu.org), ODbL 1.0"

_PLAIN = re.compile(r"[A-Za-z0-9_$\-.]+")
_STOP_SEGMENTS = frozenset({"com", "org", "net", "sdk", "api", "android", "app", "io", "lib"})


@dataclass(frozen=True)
class TrackerInfo:
    """A tracker as the list describes it."""

    id: int
    name: str
    categories: tuple[str, ...]
    website: str | None


@dataclass(frozen=True)
class Signature:
    """One ``|``-separated part of a tracker's ``code_signature``, compiled."""

    tracker_id: int
    pattern: str
    regex: re.Pattern[str]
    literal: str | None
    """A run of literal text every match contains (the longest segment between wildcards), or
    ``None`` when the pattern uses regex syntax beyond dots (then every name is searched)."""


@dataclass(frozen=True)
class TrackerDB:
    """A loaded tracker list: trackers by id and their compiled signatures."""

    trackers: Mapping[int, TrackerInfo]
    signatures: tuple[Signature, ...]
    sha256: str
    """SHA-256 of the list file: part of the cache key, so a new list re-runs the matching."""
    path: str | None
    """The file it came from; ``None`` for the bundled list."""
    by_literal: Mapping[str, tuple[Signature, ...]] = field(default_factory=dict, compare=False, repr=False)
    literal_regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    """One regex (a trie of every literal) that finds, in one pass, the tokens holding any of them."""

    def match(self, class_names: Sequence[str], app_package: str | None) -> tuple[ApkTracker, ...]:
        """Trackers whose signatures match class names outside ``app_package``, by tracker id."""
        descriptors = [f"L{name};" for name in class_names]
        found: dict[int, dict[int, int]] = {}  # tracker id -> name index -> match end (in descriptor)
        for i, literals in self._candidates(descriptors).items():
            d = descriptors[i]
            for literal in literals:
                for sig in self.by_literal[literal]:
                    per = found.setdefault(sig.tracker_id, {})
                    if i not in per and (m := sig.regex.search(d)):
                        per[i] = m.end()
        for sig in self.signatures:
            if sig.literal is None:
                # Arbitrary regex syntax: search each descriptor exactly as dexdump prints it.
                per = found.setdefault(sig.tracker_id, {})
                for i, name in enumerate(class_names):
                    if i not in per and (m := sig.regex.search("L" + name.replace(".", "/") + ";")):
                        per[i] = m.end()
        own = app_package + "." if app_package else None
        result = []
        for tracker_id, per in found.items():
            evidence: set[str] = set()
            count = 0
            for i, end in per.items():
                name = class_names[i]
                if own is not None and (name == app_package or name.startswith(own)):
                    continue
                count += 1
                # ``end`` counts the descriptor's leading "L"; the trailing ";" is not part of a name.
                evidence.add(name[: max(0, min(end - 1, len(name)))])
            if not count:
                continue
            info = self.trackers[tracker_id]
            result.append(
                ApkTracker(
                    id=info.id,
                    name=info.name,
                    categories=info.categories,
                    website=info.website,
                    evidence=tuple(sorted(evidence)[:MAX_EVIDENCE]),
                    matched_classes=count,
                )
            )
        return tuple(sorted(result, key=lambda t: t.id))

    def _candidates(self, descriptors: Sequence[str]) -> dict[int, set[str]]:
        """Name index -> the literals its descriptor contains.

        A literal holds no ``.``, so it lies either in a name's package part or in its simple name.
        Package parts are shared by many classes: the trie regex scans each distinct one once, and
        every simple name once, instead of every full name.
        """
        if self.literal_regex is None:
            return {}
        packages: dict[str, list[int]] = {}
        simple: list[str] = []
        for i, d in enumerate(descriptors):
            pkg, _, cls = d.rpartition(".")
            packages.setdefault(pkg, []).append(i)
            simple.append(cls)
        result: dict[int, set[str]] = {}
        for strings, grouped in ((list(packages), True), (simple, False)):
            hay = "\n".join(strings)
            starts = [0, *itertools.accumulate(len(t) + 1 for t in strings)]
            done: set[int] = set()
            for m in self.literal_regex.finditer(hay):
                j = bisect.bisect_right(starts, m.start()) - 1
                if j in done:
                    continue
                done.add(j)
                literals = [lit for lit in self.by_literal if lit in strings[j]]
                for i in packages[strings[j]] if grouped else (j,):
                    result.setdefault(i, set()).update(literals)
        return result


def _trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, shaped as a trie so the engine branches on one character
    at a time instead of trying every word at every position."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _literal(pattern: str) -> str | None:
    """The run to search for: the longest segment between wildcards, avoiding package roots (a rare
    literal means few candidate names to check)."""
    if not _PLAIN.fullmatch(pattern):
        return None
    segments = [seg for seg in pattern.split(".") if seg]
    if not segments:
        return None
    pool = [seg for seg in segments if seg not in _STOP_SEGMENTS and len(seg) >= 3] or segments
    best = max(len(seg) for seg in pool)
    return [seg for seg in pool if len(seg) == best][-1]


def _bundled_path() -> Path:
    return Path(str(resources.files("auditor") / "data" / "exodus_trackers.json"))


def load_trackers(path: Path | None = None) -> TrackerDB:
    """Load the bundled Exodus list, or an export of the same shape at ``path``."""
    source = path if path is not None else _bundled_path()
    try:
        raw = read_regular(source, MAX_LIST_BYTES)
        doc = parse_json(raw, str(source))
    except UnsafeInputError as e:
        raise TrackerListError(f"tracker list {e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise TrackerListError(f"tracker list {source} is not JSON: {e}") from e
    trackers_obj = doc.get("trackers") if isinstance(doc, dict) else None
    if not isinstance(trackers_obj, dict):
        raise TrackerListError(f'tracker list {source} has no "trackers" object (Exodus API shape expected)')
    return _build(trackers_obj.values(), hashlib.sha256(raw).hexdigest(), str(path) if path is not None else None)


def _build(entries: Iterable[object], sha256: str, path: str | None) -> TrackerDB:
    trackers: dict[int, TrackerInfo] = {}
    signatures: list[Signature] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        tid = entry.get("id")
        name = entry.get("name")
        if not isinstance(tid, int) or isinstance(tid, bool) or not isinstance(name, str):
            continue
        categories = entry.get("categories")
        website = entry.get("website")
        trackers[tid] = TrackerInfo(
            id=tid,
            name=name,
            categories=tuple(c for c in categories if isinstance(c, str)) if isinstance(categories, list) else (),
            website=website if isinstance(website, str) and website else None,
        )
        code = entry.get("code_signature")
        if not isinstance(code, str):
            continue
        for pattern in dict.fromkeys(code.split("|")):
            if len(pattern) < MIN_SIGNATURE_LENGTH:
                continue
            try:
                regex = re.compile(pattern)
            except re.error as e:
                log.debug("tracker %s: signature %r does not compile: %s", tid, pattern, e)
                continue
            signatures.append(Signature(tracker_id=tid, pattern=pattern, regex=regex, literal=_literal(pattern)))
    if not trackers:
        raise TrackerListError("the tracker list holds no trackers")
    by_literal: dict[str, list[Signature]] = {}
    for sig in signatures:
        if sig.literal is not None:
            by_literal.setdefault(sig.literal, []).append(sig)
    return TrackerDB(
        trackers=trackers,
        signatures=tuple(signatures),
        sha256=sha256,
        path=path,
        by_literal={k: tuple(v) for k, v in by_literal.items()},
        literal_regex=re.compile(_trie_regex(by_literal)) if by_literal else None,
    )
