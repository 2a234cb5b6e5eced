"""The streaming accumulator: exact counts on hand-built fleets and on synthetic devices of different seeds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from auditor.fleet.aggregate import WORST, Count, FleetAccumulator, SignerCount, summarise, version_label
from auditor.fleet.inputs import InputKind
from auditor.fleet.run import run_fleet
from auditor.model import AuditReport, InstallSource, SpecialAccessKind
from tests.fleet.builders import (
    ADMOB,
    FIREBASE,
    SIGNER_A,
    SIGNER_B,
    hand_report,
    synthetic,
    third_party,
    versioned,
    with_apk,
    write_json,
)
from tests.score.builders import allowed, apk, app, denied, in_use, special


def _fold(*reports: AuditReport) -> FleetAccumulator:
    acc = FleetAccumulator()
    for i, r in enumerate(reports):
        acc.add(summarise(r, index=i, source=f"in{i}", kind=InputKind.AUDIT_JSON, violations=None))
    return acc


def _hand_fleet() -> tuple[AuditReport, AuditReport, AuditReport]:
    chat = app(
        "com.chat",
        allowed("CAMERA"),
        in_use("ACCESS_FINE_LOCATION"),
        apk_facts=apk("com.chat", signer=SIGNER_A, trackers=(FIREBASE,)),
    )
    maps_a = app(
        "com.maps",
        allowed("ACCESS_FINE_LOCATION"),
        source=InstallSource.SIDELOADED,
        apk_facts=apk("com.maps", signer=SIGNER_A),
    )
    maps_b = replace(maps_a, apk=apk("com.maps", signer=SIGNER_B, trackers=(ADMOB,)))
    spy = app(
        "com.spy",
        denied("CAMERA"),
        specials=(special(SpecialAccessKind.ACCESSIBILITY, "com.spy/.Svc"),),
        source=InstallSource.SIDELOADED,
    )
    dialer = app("com.android.dialer", allowed("CALL_PHONE"), system=True)
    a = hand_report(
        "DEVA",
        (versioned(chat, 10), versioned(replace(chat, user=10), 10), versioned(maps_a, 20), dialer),
    )
    b = hand_report("DEVB", (versioned(chat, 11), versioned(maps_b, 20), spy, dialer), patch="2023-01-05")
    c = hand_report("DEVC", (versioned(replace(chat, apk=None), 10), dialer), android_release="13", sdk=33)
    return a, b, c


def test_hand_fleet_inventory_is_exact() -> None:
    view = _fold(*_hand_fleet()).view()
    assert view.devices == 3
    assert view.installs == 4 + 4 + 2
    inv = {e.package: e for e in view.inventory}
    chat = inv["com.chat"]
    assert (chat.devices, chat.installs, chat.system_installs) == (3, 4, 0)
    assert chat.versions == (Count("1.0 (10)", 2), Count("1.1 (11)", 1))  # two users of DEVA count once
    assert chat.installers == (Count("com.android.vending", 3),)
    assert chat.signers == (SignerCount(SIGNER_A, 2, ("DEVA", "DEVB")),)
    assert not chat.signer_mismatch
    maps = inv["com.maps"]
    assert maps.devices == 2
    assert maps.installers == (Count("com.google.android.packageinstaller", 2),)
    assert maps.signer_mismatch
    assert maps.signers == (SignerCount(SIGNER_A, 1, ("DEVA",)), SignerCount(SIGNER_B, 1, ("DEVB",)))
    assert [e.package for e in view.signer_mismatches] == ["com.maps"]
    assert inv["com.android.dialer"].system_installs == 3
    assert inv["com.android.dialer"].installers == (Count("(none)", 3),)
    # Inventory order: most widespread first, then by name.
    assert [e.package for e in view.inventory] == ["com.android.dialer", "com.chat", "com.maps", "com.spy"]


def test_hand_fleet_prevalence_is_exact() -> None:
    view = _fold(*_hand_fleet()).view()
    perms = {p.key: p for p in view.permissions}
    camera = perms["android.permission.CAMERA"]
    assert (camera.devices, camera.installs, camera.kind) == (3, 4, "runtime")  # com.spy's CAMERA is denied
    fine = perms["android.permission.ACCESS_FINE_LOCATION"]
    assert (fine.devices, fine.installs) == (3, 6)
    special_ = {p.key: p for p in view.special_access}
    a11y = special_["accessibility_service"]
    assert (a11y.devices, a11y.installs, a11y.top) == (1, 1, (Count("com.spy", 1),))
    trackers = {t.name: t for t in view.trackers}
    assert (trackers[FIREBASE.name].devices, trackers[FIREBASE.name].installs) == (2, 3)
    assert trackers[FIREBASE.name].packages == (Count("com.chat", 2),)
    assert trackers[ADMOB.name].categories == ("Advertisement",)
    assert inv_trackers(view) == {"com.chat": (FIREBASE.name,), "com.maps": (ADMOB.name,)}
    assert view.android == (Count("14", 2), Count("13", 1))
    assert {c.value: c.devices for c in view.patch_ages} == {"up to 30 days": 2, "over a year": 1}


def inv_trackers(view: object) -> dict[str, tuple[str, ...]]:
    return {e.package: e.trackers for e in view.inventory if e.trackers}  # type: ignore[attr-defined]


def test_worst_devices_and_apps_are_ordered() -> None:
    reports = _hand_fleet()
    view = _fold(*reports).view()
    scores = sorted(((r.device_exposure.score, r.device.serial) for r in reports if r.device_exposure), reverse=True)
    assert [(w.score, w.device_id) for w in view.worst_devices][:1] == [scores[0]]
    maxima: dict[str, int] = {}
    for r in reports:
        for a in r.apps:
            assert a.exposure is not None
            maxima[a.package] = max(maxima.get(a.package, 0), a.exposure.score)
    assert {e.package: e.max_score for e in view.worst_apps} == maxima
    top = view.worst_apps[0]
    assert top.max_score == max(maxima.values())


def _synthetic_fleet() -> list[AuditReport]:
    """Three synthetic devices (seeds 1–3); one app carries APK facts with a different signer on seed 3."""
    reports = [synthetic(s) for s in (1, 2, 3)]
    common = sorted(set.intersection(*({a.package for a in third_party(r)} for r in reports)))
    assert common, "the synthetic seeds share third-party apps"
    target = common[0]
    return [
        with_apk(reports[0], target, signer=SIGNER_A, trackers=(FIREBASE,)),
        with_apk(reports[1], target, signer=SIGNER_A),
        with_apk(reports[2], target, signer=SIGNER_B),
    ]


def test_synthetic_devices_counts_equal_a_direct_count() -> None:
    reports = _synthetic_fleet()
    view = _fold(*reports).view()
    devices: dict[str, set[str]] = defaultdict(set)
    installs: dict[str, int] = defaultdict(int)
    versions: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in reports:
        serial = r.device.serial or ""
        for a in r.apps:
            devices[a.package].add(serial)
            installs[a.package] += 1
            versions[a.package][version_label(a)].add(serial)
    inv = {e.package: e for e in view.inventory}
    assert set(inv) == set(devices)
    for package, entry in inv.items():
        assert entry.devices == len(devices[package]), package
        assert entry.installs == installs[package], package
        assert {c.value: c.devices for c in entry.versions} == {v: len(s) for v, s in versions[package].items()}
    assert len({r.device.serial for r in reports}) == view.devices == 3
    mismatched = [e for e in view.inventory if e.signer_mismatch]
    assert len(mismatched) == 1
    assert {s.sha256: s.devices for s in mismatched[0].signers} == {SIGNER_A: 2, SIGNER_B: 1}


def test_parallel_and_sequential_runs_give_the_same_view(tmp_path: Path) -> None:
    for i, r in enumerate(_synthetic_fleet()):
        write_json(r, tmp_path / "in" / f"d{i}.json")
    one = run_fleet([tmp_path / "in"], jobs=1)
    two = run_fleet([tmp_path / "in"], jobs=2)
    assert one.view == two.view
    assert one.devices == 3


def test_memory_follows_the_inventory_not_the_device_count() -> None:
    """Folding the same three devices many times adds devices, not keys: the accumulator's tables stay the same size."""
    reports = _synthetic_fleet()
    acc = FleetAccumulator()
    sizes = []
    for round_ in range(10):
        for i, r in enumerate(reports):
            serial = f"R{round_}D{i}"
            r2 = replace(r, device=replace(r.device, serial=serial))
            acc.add(summarise(r2, index=round_ * 3 + i, source="x", kind=InputKind.AUDIT_JSON, violations=None))
        sizes.append((len(acc.packages), len(acc.permissions), len(acc.special), len(acc.trackers)))
    assert sizes[0] == sizes[-1]
    assert acc.devices == 30
    assert len(acc._worst) == WORST
    assert all(len(s.signer_examples.get(SIGNER_A, [])) <= 3 for s in acc.packages.values())
