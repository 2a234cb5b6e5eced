"""Invariants over random apps: reasons sum exactly to the score; granting never lowers, revoking never raises."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.analyse.catalogue import load_catalogue
from auditor.model import (
    AppOrigin,
    AppReport,
    Confidence,
    DevicePart,
    EffectiveAccess,
    Finding,
    InstallSource,
    OpEntry,
    OpEvent,
    OpEventKind,
    PermissionKind,
    PermissionReport,
    Severity,
    SpecialAccessKind,
    SpecialAccessReport,
    UidState,
)
from auditor.score import load_weights, score_app
from auditor.score.categories import load_categories
from auditor.score.device import score_device
from auditor.score.scope import ORIGIN_RULES
from tests.score.builders import apk, app, perm, tracker

W = load_weights()
_CAT = load_catalogue()
NAMES = sorted(
    [n for n, i in _CAT.permissions.items() if i.kind in (PermissionKind.RUNTIME, PermissionKind.APPOP)]
    + [
        "android.permission.INTERNET",
        "android.permission.RECEIVE_BOOT_COMPLETED",
        "android.permission.QUERY_ALL_PACKAGES",
        "android.permission.READ_LOGS",
        "android.permission.health.READ_HEART_RATE",
    ]
)
FLAGS = ("USER_SET", "USER_FIXED", "ONE_TIME", "AUTO_REVOKED", "GRANTED_BY_ROLE", "POLICY_FIXED", "REVOKED_COMPAT")
ROLES = sorted(load_categories().roles)
TRACKERS = (
    tracker("Google AdMob", "Advertisement"),
    tracker("Facebook Ads", "Advertisement", "Profiling"),
    tracker("Adjust", "Analytics", "Identification"),
    tracker("Foursquare Pilgrim", "Location", "Profiling"),
    tracker("Google Crashlytics", "Crash reporting"),
    tracker("Odd SDK", "Something new"),
)
OPS = ("READ_CLIPBOARD", "GPS", "WIFI_SCAN", "RUN_IN_BACKGROUND")
USABLE = (EffectiveAccess.ALLOWED, EffectiveAccess.FOREGROUND_ONLY)


@st.composite
def rows(draw: st.DrawFn, requested: bool | None) -> PermissionReport:
    name = draw(st.sampled_from(NAMES))
    effective = draw(st.sampled_from(list(EffectiveAccess)))
    granted = None if effective is EffectiveAccess.UNKNOWN else effective in USABLE or draw(st.booleans())
    return perm(
        name,
        effective,
        flags=tuple(draw(st.sets(st.sampled_from(FLAGS), max_size=3))),
        used=draw(st.sampled_from((None, "fg", "bg"))),
        requested=requested,
        granted=granted,
    )


def specials() -> st.SearchStrategy[SpecialAccessReport]:
    def make(kind: SpecialAccessKind, role: str) -> SpecialAccessReport:
        detail = role if kind is SpecialAccessKind.ROLE else "com.x/.Component"
        return SpecialAccessReport(kind, detail, "random")

    return st.builds(make, st.sampled_from(list(SpecialAccessKind)), st.sampled_from(ROLES))


def ops() -> st.SearchStrategy[OpEntry]:
    event = st.builds(
        OpEvent,
        st.sampled_from(list(OpEventKind)),
        st.sampled_from([UidState.TOP, UidState.BACKGROUND, UidState.CACHED, UidState.UNKNOWN]),
        st.just("x"),
        ago_ms=st.one_of(st.none(), st.integers(0, 10**9)),
    )
    return st.builds(
        OpEntry,
        st.sampled_from(OPS),
        st.sampled_from(["allow", "ignore", "default", "foreground"]),
        st.lists(event, max_size=3).map(tuple),
    )


@st.composite
def apps(draw: st.DrawFn, package: str = "com.random.app", user: int = 0) -> AppReport:
    requested = draw(st.sampled_from((True, None)))
    permission_rows = {r.name: r for r in draw(st.lists(rows(requested), max_size=14))}
    with_apk = draw(st.booleans())
    facts = None
    if with_apk:
        facts = apk(
            package,
            trackers=tuple(draw(st.sets(st.sampled_from(TRACKERS), max_size=4))),
            hides_icon=draw(st.booleans()),
            signer=draw(st.sampled_from((None, "aa" * 32, "bb" * 32))),
            permissions=tuple(draw(st.sets(st.sampled_from(("INTERNET", "RECEIVE_BOOT_COMPLETED")), max_size=2))),
            debuggable=draw(st.booleans()),
        )
    report = app(
        package,
        tuple(permission_rows.values()),
        specials=tuple(draw(st.lists(specials(), max_size=4, unique_by=lambda s: (s.kind, s.detail)))),
        source=draw(st.sampled_from(list(InstallSource))),
        system=draw(st.booleans()),
        target_sdk=draw(st.sampled_from((19, 22, 23, 28, 29, 33, 34))),
        internet=False,
        apk_facts=facts,
        debuggable=draw(st.booleans()),
        shared_user=draw(st.sampled_from((None, "shared.one", "shared.two"))),
        user=user,
    )
    origin = draw(st.sampled_from((None, *AppOrigin)))
    # An abnormal-origin finding moves a system app into the device's altered part.
    altered = draw(st.sampled_from((None, *sorted(ORIGIN_RULES))))
    findings = (Finding(altered, "t", Severity.HIGH, Confidence.MEDIUM, "r", ("e",), "f"),) if altered else ()
    return replace(
        report,
        ops=tuple(draw(st.lists(ops(), max_size=3, unique_by=lambda o: o.op))),
        origin=origin,
        findings=findings,
    )


# --------------------------------------------------------------------------------------------------
# Grant changes: each gives the app more than it had
# --------------------------------------------------------------------------------------------------


def _known_requested(a: AppReport) -> bool | None:
    return True if any(p.requested is not None for p in a.permissions) else None


def _set_row(a: AppReport, row: PermissionReport) -> AppReport:
    rows = [p for p in a.permissions if p.name != row.name]
    return replace(a, permissions=(*rows, row))


@st.composite
def grants(draw: st.DrawFn, a: AppReport) -> AppReport:
    """``a`` with one thing granted: a wider grant, a new grant, a special access, a recorded access, a tracker."""
    choices = ["new_row", "special"]
    if a.permissions:
        choices += ["widen", "access"]
    if a.apk is not None:
        choices.append("tracker")
    what = draw(st.sampled_from(choices))
    if what == "widen":
        row = draw(st.sampled_from(a.permissions))
        wider = EffectiveAccess.ALLOWED
        if row.effective not in USABLE:
            wider = draw(st.sampled_from(USABLE))
        return _set_row(a, replace(row, effective=wider, granted=True))
    if what == "access":
        row = draw(st.sampled_from(a.permissions))
        background = draw(st.booleans())
        return _set_row(
            a,
            replace(
                row,
                last_access="2024-06-01 10:00:00.000",
                last_access_state=row.last_access_state,
                last_background_access="2024-06-01 10:00:00.000" if background else row.last_background_access,
            ),
        )
    if what == "new_row":
        name = draw(st.sampled_from([n for n in NAMES if n not in {p.name for p in a.permissions}]))
        effective = draw(st.sampled_from(USABLE))
        return _set_row(a, perm(name, effective, requested=_known_requested(a)))
    if what == "special":
        new = draw(specials())
        return replace(a, special_access=(*a.special_access, new))
    assert a.apk is not None
    extra = draw(st.sampled_from(TRACKERS))
    return replace(a, apk=replace(a.apk, trackers=(*a.apk.trackers, extra)))


@st.composite
def revocations(draw: st.DrawFn, a: AppReport) -> AppReport:
    """``a`` with one thing taken away: a permission revoked or narrowed, a special access or tracker removed."""
    choices = []
    if a.permissions:
        choices += ["revoke", "narrow"]
    if a.special_access:
        choices.append("special")
    if a.apk is not None and a.apk.trackers:
        choices.append("tracker")
    if not choices:
        return a
    what = draw(st.sampled_from(choices))
    if what == "revoke":
        row = draw(st.sampled_from(a.permissions))
        return _set_row(a, replace(row, effective=EffectiveAccess.DENIED, granted=False))
    if what == "narrow":
        row = draw(st.sampled_from(a.permissions))
        if row.effective is not EffectiveAccess.ALLOWED:
            return a
        return _set_row(a, replace(row, effective=EffectiveAccess.FOREGROUND_ONLY))
    if what == "special":
        gone = draw(st.sampled_from(a.special_access))
        return replace(a, special_access=tuple(s for s in a.special_access if s is not gone))
    assert a.apk is not None
    gone_t = draw(st.sampled_from(a.apk.trackers))
    return replace(a, apk=replace(a.apk, trackers=tuple(t for t in a.apk.trackers if t is not gone_t)))


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(apps())
def test_reasons_sum_exactly_to_the_score(a: AppReport) -> None:
    e = score_app(a, W)
    assert sum(r.points for r in e.reasons) == e.score
    assert 0 <= e.score <= 100
    assert e.grade is W.grades.grade(e.score)
    assert all(r.points != 0 for r in e.reasons)
    assert sum(c.points for c in e.categories) == sum(r.points for r in e.reasons if r.rule.startswith("category."))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_granting_never_lowers_the_app_score(data: st.DataObject) -> None:
    before = data.draw(apps())
    after = data.draw(grants(before))
    s0, s1 = score_app(before, W), score_app(after, W)
    assert s1.score >= s0.score, (s0.reasons, s1.reasons)
    levels0 = {c.category: c.level.rank for c in s0.categories}
    levels1 = {c.category: c.level.rank for c in s1.categories}
    assert all(levels1.get(c, 0) >= rank for c, rank in levels0.items())


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_revoking_never_raises_the_app_score(data: st.DataObject) -> None:
    before = data.draw(apps())
    after = data.draw(revocations(before))
    assert score_app(after, W).score <= score_app(before, W).score


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_device_score_is_monotonic_and_sums_exactly(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 6))
    device_apps = [data.draw(apps(package=f"com.random.app{i}", user=i % 2)) for i in range(n)]
    i = data.draw(st.integers(0, n - 1))
    changed = list(device_apps)
    changed[i] = data.draw(grants(device_apps[i]))

    def device(report_apps: list[AppReport]) -> int:
        d = score_device(report_apps, W, lambda a: score_app(a, W))
        assert sum(r.points for r in d.reasons) == d.score
        assert 0 <= d.score <= 100
        # Each part's points are its reasons'; the parts and the cap are every reason.
        assert [p.part for p in d.parts] == list(DevicePart)
        for p in d.parts:
            assert p.points == sum(r.points for r in d.reasons if r.part is p.part)
        assert sum(p.points for p in d.parts) + sum(r.points for r in d.reasons if r.part is None) == d.score
        assert all(r.rule == "cap" for r in d.reasons if r.part is None)
        assert sum(p.apps for p in d.parts) + (d.platform.apps if d.platform else 0) == len(report_apps)
        return d.score

    assert device(changed) >= device(device_apps)
    revoked = list(device_apps)
    revoked[i] = data.draw(revocations(device_apps[i]))
    assert device(revoked) <= device(device_apps)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_the_platform_adds_nothing_to_the_device_score(data: st.DataObject) -> None:
    """However much a platform component reaches, it is context: the device score stays what the other apps make."""
    n = data.draw(st.integers(0, 4))
    others = [data.draw(apps(package=f"com.random.app{i}")) for i in range(n)]
    component = replace(data.draw(apps(package="com.android.phone")), origin=AppOrigin.PLATFORM, findings=())

    def device(report_apps: list[AppReport]) -> int:
        return score_device(report_apps, W, lambda a: score_app(a, W)).score

    assert device([*others, component]) == device(others)
