"""Benchmark: matching indicator lists against an audit, by set lookups, side by side with a naive scan.

    python bench/bench_iocs.py [--apps 5000] [--repeat 7] [--naive-apps 5000]

The audit is built in memory: ``--apps`` apps, each with a package name, a signer certificate (SHA-256 and
SHA-1, as androidqf's packages.json states it, and the same certificate from APK analysis) and two APK
SHA-256s (base and a split) — every fact the matcher reads — plus 200 running processes and 600 system
properties; one app in a hundred carries a fact the bundled Echap list names (package, certificate or APK
hash), so matches are found and reported. The lists are the bundled one (174 families, 4,353 matchable
indicators) and a STIX2 bundle of 1,000 more (properties, processes and packages).

Timed, CPU time (``time.process_time``), best of ``--repeat``:

* **index**: building the set index of every list (once per process: ``Indicators`` keeps it);
* **set lookups**: ``match_report`` over the whole report (every app's facts, the device's properties and
  processes), the index already built, as every audit runs it;
* **naive scan**: for each app and each fact, a comparison with every matchable indicator (what a loop over
  the indicators per app does), on ``--naive-apps`` apps (default all of them), run once.

Both give the same matches (checked). Never run by the test suite; figures go to ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import random
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.iocs import Indicators, match_report  # noqa: E402
from auditor.iocs.lists import Family, Indicator, LoadedList  # noqa: E402
from auditor.model import (  # noqa: E402
    ApkCertificate,
    AuditReport,
    DeviceInfo,
    DeviceState,
    IndicatorKind,
    SignerCertificate,
    SigningScheme,
    SourceInfo,
    ThreatKind,
)
from tests.builders import apk_facts  # noqa: E402
from tests.score.builders import app  # noqa: E402


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def build_report(n_apps: int, indicators: Indicators, seed: int = 1) -> AuditReport:
    """``n_apps`` apps with every fact the matcher reads; every hundredth carries a listed one."""
    rng = random.Random(seed)
    index = indicators.index.by_kind
    listed = {k: sorted(v) for k, v in index.items() if v}
    apps = []
    for i in range(n_apps):
        package = f"com.bench{i % 97}.app{i}"
        sha256, sha1, md5 = _hex(rng, 64), _hex(rng, 40), _hex(rng, 32)
        apk_hashes = (_hex(rng, 64), _hex(rng, 64))
        if i % 100 == 7:
            kind = (IndicatorKind.PACKAGE, IndicatorKind.CERT_SHA1, IndicatorKind.APK_SHA256)[(i // 100) % 3]
            value = rng.choice(listed[kind])
            package = value if kind is IndicatorKind.PACKAGE else package
            sha1 = value if kind is IndicatorKind.CERT_SHA1 else sha1
            apk_hashes = (value, apk_hashes[1]) if kind is IndicatorKind.APK_SHA256 else apk_hashes
        cert = ApkCertificate(SigningScheme.V2, sha256, sha1=sha1, md5=md5)
        facts = apk_facts(package, signing=replace(apk_facts().signing, signer_sha256=sha256, certificates=(cert,)))
        apps.append(
            replace(
                app(package, apk_facts=facts),
                signer=SignerCertificate(sha256, sha1=sha1, md5=md5),
                apk_sha256=apk_hashes,
            )
        )
    state = DeviceState(processes=tuple(f"proc{i}" for i in range(199)) + ("benchspyd",))
    return AuditReport(
        "1.2", "bench", SourceInfo("snapshot", "bench"), DeviceInfo(), (), tuple(apps), device_state=state
    )


def stix_like(n: int) -> LoadedList:
    """A second list as a STIX2 bundle would give: properties, processes and packages of one family."""
    indicators = [Indicator(IndicatorKind.PROPERTY, f"persist.bench.spy{i}", 0) for i in range(n // 3)]
    indicators += [Indicator(IndicatorKind.PROCESS, f"benchspyd{i}" if i else "benchspyd", 0) for i in range(n // 3)]
    indicators += [Indicator(IndicatorKind.PACKAGE, f"org.bench.spy{i}", 0) for i in range(n - 2 * (n // 3))]
    return LoadedList(
        "bench.stix2", "000000000000", "bench", (Family("BenchSpy", ThreatKind.SPYWARE),), tuple(indicators)
    )


def naive(report: AuditReport, indicators: Indicators, properties: dict[str, str]) -> int:
    """Every fact compared with every matchable indicator of every list: the loop a set index replaces."""
    flat = [(i.kind, i.value) for loaded in indicators.lists for i in loaded.indicators if i.kind.matchable]
    found = 0
    for a in report.apps:
        facts = [(IndicatorKind.PACKAGE, a.package)]
        if a.signer is not None:
            facts += [(IndicatorKind.CERT_SHA256, a.signer.sha256), (IndicatorKind.CERT_SHA1, a.signer.sha1)]
            facts += [(IndicatorKind.CERT_MD5, a.signer.md5)]
        if a.apk is not None:
            for c in a.apk.signing.certificates:
                facts += [(IndicatorKind.CERT_SHA256, c.sha256), (IndicatorKind.CERT_SHA1, c.sha1)]
                facts += [(IndicatorKind.CERT_MD5, c.md5)]
        facts += [(IndicatorKind.APK_SHA256, h) for h in a.apk_sha256]
        for kind, value in facts:
            for ikind, ivalue in flat:
                if ikind is kind and ivalue == value:
                    found += 1
    for name in properties:
        found += sum(1 for ikind, ivalue in flat if ikind is IndicatorKind.PROPERTY and ivalue == name)
    return found


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.process_time()
        result = fn()
        times.append(time.process_time() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--naive-apps", type=int, default=None)
    args = parser.parse_args()

    bundled = Indicators.bundled()
    lists = (*bundled.lists, stix_like(1000))
    t_index, indicators = best(lambda: Indicators(lists), args.repeat)
    assert isinstance(indicators, Indicators)
    report = build_report(args.apps, indicators)
    properties = {f"ro.bench.prop{i}": "1" for i in range(599)} | {"persist.bench.spy3": "1"}
    t_match, matched = best(lambda: match_report(report, indicators, properties=properties), args.repeat)
    assert isinstance(matched, AuditReport)
    n_app = sum(len(a.indicator_matches) for a in matched.apps)
    n_dev = len(matched.device_matches)
    matchable = sum(len(v) for v in indicators.index.by_kind.values())

    sub = replace(report, apps=report.apps[: args.naive_apps or args.apps])
    t0 = time.process_time()
    found = naive(sub, indicators, properties)
    t_naive = time.process_time() - t0
    print(f"Python {platform.python_version()} on {platform.machine()}, {args.apps} apps, {matchable:,} distinct")
    print(f"matchable indicators in {len(lists)} lists; {n_app} app matches, {n_dev} device matches")
    print(f"index (once per process)   {t_index * 1000:8.2f} ms")
    print(f"set lookups (match_report) {t_match * 1000:8.2f} ms  (best of {args.repeat})")
    print(f"naive scan, {len(sub.apps)} apps     {t_naive * 1000:8.1f} ms  ({found} fact matches; once)")
    if len(sub.apps) == args.apps:
        print(f"naive / set lookups: {t_naive / t_match:,.0f}x")
    digest = hashlib.sha256(repr(sorted((a.package, a.indicator_matches) for a in matched.apps)).encode()).hexdigest()
    print(f"matches digest {digest[:16]}")


if __name__ == "__main__":
    main()
