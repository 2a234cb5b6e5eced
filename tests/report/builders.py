"""Reports for the renderer tests: a tiny hand-made one with exact values, the scored synthetic
device, and a hostile variant whose device and APK strings carry script and markup payloads."""

from __future__ import annotations

import functools
from dataclasses import replace

from auditor.acquire.synthetic import generate
from auditor.model import (
    SCHEMA_VERSION,
    AccessLevel,
    AccessState,
    ApkFacts,
    ApkSigning,
    ApkTracker,
    AppReport,
    AuditReport,
    CategoryExposure,
    Confidence,
    DataCategory,
    DeviceExposure,
    DeviceInfo,
    EffectiveAccess,
    Exposure,
    ExposurePool,
    Finding,
    Grade,
    InstallSource,
    Note,
    NoteLevel,
    OpEntry,
    OpEvent,
    OpEventKind,
    PermissionKind,
    PermissionReport,
    ProxyRole,
    ScoreReason,
    Severity,
    SigningScheme,
    SourceInfo,
    SpecialAccessKind,
    SpecialAccessReport,
    UidState,
    UserKind,
    UserReport,
    WeightsInfo,
)
from auditor.pipeline import audit_snapshot
from auditor.score import score_report
from tests.builders import apk_facts

P = "android.permission."

# --------------------------------------------------------------------------------------------------
# Hostile strings: each must show as text and run nothing.
# --------------------------------------------------------------------------------------------------

PWN_IMG = '<img src=x onerror="window.__pwned=1">'
PWN_SCRIPT = "</script><script>window.__pwned=2</script>"
PWN_SVG = '"><svg onload="window.__pwned=3"><b>bold</b>'
PWN_TEMPLATE = "{{7*7}}{% if 1 %}jinja{% endif %}"
PWN_JS_URL = "javascript:window.__pwned=4"
PWN_RTL = "Photo\u202egpj.exe"
PWN_FORMULA = '=HYPERLINK("http://x","y")'
PWN_MD = "evil](javascript:alert(1)) | <b>x</b> `tick` *em*\n# heading"
PWN_STYLE = "</style><style>body{display:none}</style>"
PWN_COMMENT = "<!-- --><script>window.__pwned=5</script>"
PWN_ENTITY = "&lt;b&gt;kept&lt;/b&gt;"

HOSTILE = (PWN_IMG, PWN_SCRIPT, PWN_SVG, PWN_TEMPLATE, PWN_JS_URL, PWN_RTL, PWN_FORMULA, PWN_MD, PWN_STYLE, PWN_COMMENT)


def apk(package: str, label: str | None, trackers: tuple[ApkTracker, ...] = ()) -> ApkFacts:
    """APK facts of an app that hides its icon: a label and trackers are what the report shows most."""
    return apk_facts(
        package,
        label=label,
        signing=ApkSigning(signer_sha256="ab" * 32, signer_scheme=SigningScheme.V2, signer_subject="CN=Spy"),
        launcher_activities=(),
        hides_launcher_icon=True,
        trackers=trackers,
        class_count=10,
    )


def tracker(name: str, tid: int = 1, website: str | None = "https://example.org") -> ApkTracker:
    return ApkTracker(
        id=tid,
        name=name,
        categories=("Analytics",),
        website=website,
        evidence=("com.tracker.",),
        matched_classes=3,
    )


def perm(
    name: str,
    kind: PermissionKind,
    granted: bool | None,
    effective: EffectiveAccess,
    *,
    flags: tuple[str, ...] = (),
    appop: str | None = None,
    mode: str | None = None,
    last: str | None = None,
    ago: int | None = None,
    state: AccessState | None = None,
) -> PermissionReport:
    return PermissionReport(
        name=name,
        kind=kind,
        requested=True,
        granted=granted,
        flags=flags,
        effective=effective,
        appop=appop,
        appop_mode=mode,
        last_access=last,
        last_access_ago_ms=ago,
        last_access_state=state,
        last_background_access=last if state is AccessState.BACKGROUND else None,
    )


def app(package: str, user: int, **fields: object) -> AppReport:
    base = AppReport(
        package=package,
        user=user,
        uid=user * 100000 + 10100,
        app_id=10100,
        version_code=1,
        version_name="1.0",
        min_sdk=24,
        target_sdk=34,
        system=False,
        updated_system=False,
        enabled=True,
        installer="com.android.vending",
        initiating_installer=None,
        install_source=InstallSource.STORE,
        package_source=None,
        first_install="2024-01-01 10:00:00",
        last_update="2024-01-01 10:00:00",
        code_path=f"/data/app/{package}",
        shared_user=None,
        debuggable=False,
        permissions=(),
        special_access=(),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


SPY_CAMERA = perm(
    P + "CAMERA",
    PermissionKind.RUNTIME,
    True,
    EffectiveAccess.ALLOWED,
    flags=("USER_SET", "USER_SENSITIVE_WHEN_GRANTED"),
    appop="CAMERA",
    mode="allow",
    last="2024-06-03 12:00:00.000",
    ago=3_600_000,
    state=AccessState.BACKGROUND,
)
SPY_MIC = perm(
    P + "RECORD_AUDIO", PermissionKind.RUNTIME, False, EffectiveAccess.DENIED, flags=("USER_SET", "USER_FIXED")
)
SPY_INTERNET = perm(P + "INTERNET", PermissionKind.INSTALL, True, EffectiveAccess.ALLOWED)
SPY_FINDING = Finding(
    rule_id="AUD-CAM-BG-001",
    title="Camera used in the background",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    rationale="The app-op history shows the camera used while the app was not in use.",
    evidence=("android.permission.CAMERA granted=true",),
    remediation="adb shell pm revoke --user 0 com.example.spy android.permission.CAMERA",
)
SPY_EXPOSURE = Exposure(
    score=71,
    grade=Grade.E,
    categories=(
        CategoryExposure(DataCategory.CAMERA, AccessLevel.USED_BACKGROUND, 9, (P + "CAMERA",)),
        CategoryExposure(
            DataCategory.SCREEN_INPUT,
            AccessLevel.SPECIAL_ACCESS,
            20,
            ("special:accessibility_service",),
            ("explained_by_role:SMS",),
        ),
        CategoryExposure(DataCategory.MICROPHONE, AccessLevel.REQUESTED, 0, (P + "RECORD_AUDIO",)),
    ),
    reasons=(
        ScoreReason("category.screen_input", 20, "Screen and input: special access enabled"),
        ScoreReason("category.camera", 9, "Camera: used in the background"),
        ScoreReason("combination.spy", 42, "Spy-like: (A OR B) AND C"),
    ),
)


def hand_report() -> AuditReport:
    """Two users, three apps, every section with something in it; exact values for exact assertions."""
    spy = app(
        "com.example.spy",
        0,
        install_source=InstallSource.SIDELOADED,
        installer="com.google.android.packageinstaller",
        permissions=(SPY_CAMERA, SPY_MIC, SPY_INTERNET),
        special_access=(
            SpecialAccessReport(
                SpecialAccessKind.ACCESSIBILITY,
                "com.example.spy/com.example.spy.Svc",
                "dumpsys accessibility: Enabled services",
            ),
        ),
        ops=(
            OpEntry(
                "MONITOR_LOCATION",
                "allow",
                (
                    OpEvent(
                        OpEventKind.ACCESS,
                        UidState.BACKGROUND,
                        "bg",
                        time="2024-06-03 13:00:00.000",
                        ago_ms=120_000,
                    ),
                ),
            ),
        ),
        notes=(Note("dumpsys_package", NoteLevel.PARTIAL, "Requested permissions unknown for this app."),),
        apk=apk("com.example.spy", "Spy Cam", (tracker("Tracker X"),)),
        exposure=SPY_EXPOSURE,
        findings=(SPY_FINDING,),
    )
    notes_app = app(
        "com.example.notes",
        0,
        exposure=Exposure(score=0, grade=Grade.A, categories=(), reasons=()),
        apk=apk("com.example.notes", "Notes", (tracker("Tracker X"),)),
    )
    spy_work = app(
        "com.example.spy",
        10,
        permissions=(SPY_INTERNET,),
        exposure=Exposure(score=3, grade=Grade.A, categories=(), reasons=()),
        special_access=(SpecialAccessReport(SpecialAccessKind.ROLE, "android.app.role.SMS", "dumpsys role"),),
    )
    return AuditReport(
        schema=SCHEMA_VERSION,
        tool_version="9.9.9",
        source=SourceInfo(
            kind="synthetic",
            path="hand-made",
            snapshot_sha256="f" * 64,
            collected_at="2024-06-03T09:41:27Z",
            complete=True,
        ),
        device=DeviceInfo(
            model="Pixel 8",
            manufacturer="Google",
            brand="google",
            android_release="14",
            sdk=34,
            security_patch="2024-01-05",
            fingerprint="google/shiba/shiba:14/AP1A/1:user/release-keys",
            serial="SER123",
            timezone="Europe/Berlin",
        ),
        users=(
            UserReport(0, "Owner", UserKind.PRIMARY, 0x13, True),
            UserReport(10, "Work", UserKind.WORK_PROFILE, 0x1030, True),
        ),
        apps=(notes_app, spy, spy_work),
        notes=(Note("dumpsys_appops", NoteLevel.MISSING, "App-op history was denied; last use is unknown."),),
        device_exposure=DeviceExposure(
            score=74,
            grade=Grade.E,
            reasons=(ScoreReason("device.top_app", 71, "Highest app score: com.example.spy@0 scores 71"),),
            pools=(
                ExposurePool(
                    "tracker_sdk",
                    "Tracker X",
                    ("com.example.notes@0", "com.example.spy@0"),
                    (DataCategory.CAMERA,),
                    "Tracker X is in 2 apps",
                ),
            ),
        ),
        weights=WeightsInfo(source="built-in", sha256="0" * 64),
    )


HAND_PERMISSION_ROWS = 3 + 1 + 1
"""spy@0 has three permissions, notes@0 none (one row with empty permission columns), spy@10 one."""


@functools.cache
def synthetic_report(n_apps: int = 60) -> AuditReport:
    """The synthetic device, audited and scored (shared by the tests; reports are immutable)."""
    snapshot, _truth = generate(n_apps, seed=7)
    report = audit_snapshot(snapshot)
    # The pipeline scores as it audits; score here only where it does not (an older pipeline).
    return report if report.device_exposure is not None else score_report(report)


def _hostile_app(a: AppReport, i: int) -> AppReport:
    payload = HOSTILE[i % len(HOSTILE)]
    package = f"com.evil{i}.{payload}"
    return replace(
        a,
        package=package,
        special_access=tuple(
            replace(s, detail=f"{package}/{PWN_SVG}", evidence=f"{PWN_IMG} {s.evidence}") for s in a.special_access
        ),
        apk=apk(
            package,
            HOSTILE[(i + 1) % len(HOSTILE)],
            (tracker(PWN_SCRIPT, 7, PWN_JS_URL), tracker(PWN_RTL, 8, PWN_JS_URL)),
        ),
        notes=(Note(PWN_COMMENT, NoteLevel.PARTIAL, PWN_TEMPLATE),),
        code_path=PWN_STYLE,
        installer=PWN_FORMULA,
        # Attribution tags are declared by the app, proxy packages name another app: both attacker-written.
        events=tuple(
            replace(
                e,
                attribution_tag=HOSTILE[(i + 2) % len(HOSTILE)],
                proxy_role=ProxyRole.THROUGH,
                proxy_package=HOSTILE[(i + 3) % len(HOSTILE)],
            )
            for e in a.events
        ),
    )


@functools.cache
def hostile_report() -> AuditReport:
    """The synthetic device where the most exposed apps (and the device and its users) carry payloads,
    scored after the change so that findings and reasons embed the payloads as the scorer writes them."""
    base = synthetic_report(60)
    unscored = [replace(a, exposure=None, findings=()) for a in base.apps]
    scores = [a.exposure.score if a.exposure is not None else 0 for a in base.apps]
    ranked = sorted(range(len(base.apps)), key=lambda i: -scores[i])
    chosen = set(ranked[:12])
    apps = tuple(_hostile_app(a, i) if i in chosen else a for i, a in enumerate(unscored))
    report = replace(
        base,
        apps=apps,
        device_exposure=None,
        weights=None,
        device=replace(base.device, model=PWN_IMG, manufacturer=PWN_RTL, serial=PWN_SCRIPT, fingerprint=PWN_TEMPLATE),
        users=tuple(replace(u, name=PWN_SVG) for u in base.users),
        source=replace(base.source, path=PWN_JS_URL),
        notes=(*base.notes, Note(PWN_MD, NoteLevel.MISSING, PWN_FORMULA)),
    )
    return score_report(report)


SNAPSHOT_PAYLOADS = {
    "com.example.stalker": "com.example.stalker<img/src=x/onerror=window.__pwned=6>",
    "com.example.camera": "com.example.camera</script><script>window.__pwned=7</script>",
    "com.example.smartwatch": "com.example.smartwatch<svg/onload=window.__pwned=8>\u202eexe",
}
"""Package names as a device would print them (no spaces, so every parser keeps them whole)."""


@functools.cache
def hostile_snapshot_report() -> AuditReport:
    """End to end: the synthetic device's raw output with payloads in package (and component) names,
    through the parsers, the analysis and the scoring, as the CLI would run it."""
    snapshot, _truth = generate(31, seed=3)
    outputs = dict(snapshot.outputs)
    for plain, evil in SNAPSHOT_PAYLOADS.items():
        outputs = {k: v.replace(plain.encode(), evil.encode()) for k, v in outputs.items()}
    report = audit_snapshot(replace(snapshot, outputs=outputs))
    return report if report.device_exposure is not None else score_report(report)
