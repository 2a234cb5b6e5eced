"""Origins: platform, preinstalled or installed, decided from uids, shared user ids, signers and the image.

Counts on real captures were checked by eye against ../shared/real-devices: on the Android 7 box, 20
packages run as app id 1000, the shell as 2000, six share an ``android.uid.*`` user id, and 15 more carry
the ``android`` package's signature object ``b1a1812f`` under an app uid of their own.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.acquire.synthetic import TruthApp, generate
from auditor.analyse.origin import (
    PlatformKeys,
    flags_known,
    image_of,
    origin_of,
    parse_signatures,
    platform_signature,
    removal_of,
    with_origins,
)
from auditor.model import (
    SCHEMA_VERSION,
    AppOrigin,
    AppReport,
    AuditReport,
    DeviceInfo,
    DevicePart,
    DumpSignatures,
    Grade,
    Note,
    NoteLevel,
    ParsedPackage,
    ParsedPackageDump,
    Removal,
    SignatureHashKind,
    SourceInfo,
)
from auditor.model import SpecialAccessKind as K
from auditor.pipeline import audit_snapshot
from auditor.report.digest import top_apps
from tests.realreports import multibox, xiaomi
from tests.report.builders import synthetic_report
from tests.score.builders import apk, app, special

CONTENT = SignatureHashKind.CONTENT
IDENTITY = SignatureHashKind.IDENTITY


def report_of(*apps: AppReport) -> AuditReport:
    return AuditReport(SCHEMA_VERSION, "test", SourceInfo("synthetic", "hand-built"), DeviceInfo(), (), apps)


# --------------------------------------------------------------------------------------------------
# Signature hashes as dumpsys prints them
# --------------------------------------------------------------------------------------------------


def test_android_9_and_later_print_content_hashes_with_a_rotation_lineage() -> None:
    # mvt-tests/android_data/dumpsys_packages.txt (Android 10)
    assert parse_signatures("PackageSignatures{6c98c74 version:2, signatures:[b378e95c], past signatures:[]}") == (
        DumpSignatures(CONTENT, ("b378e95c",), ())
    )
    rotated = parse_signatures(
        "PackageSignatures{1a2b version:3, signatures:[c0ffee], past signatures:[b378e95c flags: 17, c0ffee flags: 1]}"
    )
    assert rotated == DumpSignatures(CONTENT, ("c0ffee",), ("b378e95c", "c0ffee"))


def test_android_7_prints_object_identities() -> None:
    # multibox-rk322x-android7.1.2/dumpsys_package.txt, package android
    assert parse_signatures("PackageSignatures{e1d1f0b [b1a1812f]}") == DumpSignatures(IDENTITY, ("b1a1812f",))
    assert parse_signatures("PackageSignatures{e1d1f0b [b1a1812f, 2c]}") == DumpSignatures(IDENTITY, ("b1a1812f", "2c"))


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "PackageSignatures{e1d1f0b []}",
        "PackageSignatures{e1d1f0b [B1A1812F]}",
        "PackageSignatures{e1d1f0b [123456789]}",
        "PackageSignatures{6c98c74 version:2, signatures:[], past signatures:[]}",
        "PackageSignatures{6c98c74 version:2, signatures:[zz; rm -rf /]}",
        "signatures:[b378e95c]",
        "PackageSignatures{e1d1f0b [b1a1812f]} trailing",
    ],
)
def test_anything_else_is_no_signature_at_all(text: str | None) -> None:
    assert parse_signatures(text) is None


def test_a_hostile_list_is_cut_at_sixteen_signers() -> None:
    many = ", ".join(f"{i:x}" for i in range(1, 40))
    parsed = parse_signatures(f"PackageSignatures{{1 version:2, signatures:[{many}], past signatures:[]}}")
    assert parsed is not None
    assert len(parsed.current) == 16


# --------------------------------------------------------------------------------------------------
# Deciding the origin
# --------------------------------------------------------------------------------------------------


def test_installed_apps_are_installed_whatever_their_uid_says() -> None:
    assert origin_of(app("com.x"))[0] is AppOrigin.INSTALLED
    core = replace(app("com.x"), app_id=1000, shared_user="android.uid.system")
    assert origin_of(core) == (AppOrigin.INSTALLED, "not on the system image: installed afterwards (store)")


def test_the_platform_by_uid_shared_user_or_signer() -> None:
    system = app("com.x", system=True)
    assert origin_of(replace(system, app_id=2000))[0] is AppOrigin.PLATFORM
    assert origin_of(replace(system, shared_user="android.uid.phone")) == (
        AppOrigin.PLATFORM,
        "the platform's shared user id android.uid.phone",
    )
    assert origin_of(system, platform_signed="x")[0] is AppOrigin.PLATFORM
    assert origin_of(replace(system, shared_user="com.google.uid.shared"))[0] is AppOrigin.PREINSTALLED


def test_preinstalled_apps_name_their_image() -> None:
    vendor = replace(app("com.vendor.x", system=True), code_path="/vendor/app/X")
    assert origin_of(vendor) == (AppOrigin.PREINSTALLED, "on the vendor image; not part of the platform")
    updated = replace(vendor, updated_system=True, code_path="/data/app/~~a==/com.vendor.x-b==")
    assert origin_of(updated)[1] == "on the system image, updated since; not part of the platform"
    assert [image_of(p) for p in ("/product/app/Y", "/my_heytap/app/Z", "/data/app/q", None, "odd")] == [
        "product",
        "my_heytap",
        "system",
        "system",
        "system",
    ]


def test_without_package_flags_a_platform_uid_in_data_is_an_updated_system_package() -> None:
    listed = replace(
        app("com.google.android.networkstack"),
        app_id=1073,
        notes=(Note("dumpsys_package", NoteLevel.MISSING, "not in the package dump: permissions unknown"),),
    )
    assert not flags_known(listed)
    assert origin_of(listed)[0] is AppOrigin.PLATFORM
    assert origin_of(replace(listed, app_id=10169))[0] is AppOrigin.INSTALLED


@pytest.mark.parametrize("origin", list(AppOrigin))
def test_every_origin_says_what_a_person_can_do(origin: AppOrigin) -> None:
    plain = app("com.x", system=origin is not AppOrigin.INSTALLED)
    expected = {
        AppOrigin.INSTALLED: Removal.UNINSTALL,
        AppOrigin.PREINSTALLED: Removal.DISABLE,
        AppOrigin.PLATFORM: Removal.NONE,
    }
    assert removal_of(plain, origin) is expected[origin]


def test_a_preinstalled_admin_must_be_deactivated_and_a_disabled_app_is_said_so() -> None:
    admin = app("com.x", system=True, specials=(special(K.DEVICE_ADMIN, "com.x/.Admin"),))
    assert removal_of(admin, AppOrigin.PREINSTALLED) is Removal.DEACTIVATE_FIRST
    assert removal_of(replace(admin, enabled=False), AppOrigin.PREINSTALLED) is Removal.DISABLED


def test_the_platform_signer_from_the_apk_or_the_dump() -> None:
    signed = app("com.x", system=True, apk_facts=apk("com.x", signer="ab" * 32))
    assert platform_signature(signed, None, PlatformKeys("ab" * 32, None)) == (
        "its signer SHA-256 abababababababab… is package android's"
    )
    assert platform_signature(signed, None, PlatformKeys("cd" * 32, None)) is None
    hashes = DumpSignatures(IDENTITY, ("b1a1812f",))
    keys = PlatformKeys(None, hashes)
    assert platform_signature(app("com.y"), hashes, keys) == (
        "its dumpsys signature hash b1a1812f (identity) is package android's"
    )
    # A content hash and an identity hash with the same digits are not the same certificate.
    assert platform_signature(app("com.y"), DumpSignatures(CONTENT, ("b1a1812f",)), keys) is None


def test_with_origins_reads_the_dump_and_the_factory_copy() -> None:
    framework = ParsedPackage("android", app_id=1000, signatures="PackageSignatures{1 version:3, signatures:[aa]}")
    vendor = ParsedPackage("com.vendor.x", signatures="PackageSignatures{2 version:3, signatures:[bb]}")
    factory = ParsedPackage(
        "com.vendor.x",
        code_path="/product/app/X",
        version_code=3,
        signatures="PackageSignatures{3 version:2, signatures:[cc], past signatures:[]}",
        hidden_system=True,
    )
    signed = ParsedPackage("com.vendor.y", signatures="PackageSignatures{4 version:3, signatures:[aa]}")
    report = report_of(
        replace(app("android", system=True), app_id=1000),
        replace(app("com.vendor.x", system=True), updated_system=True),
        app("com.vendor.y", system=True),
        app("com.vendor.z", system=True),
    )
    dump = ParsedPackageDump(packages=(framework, vendor, signed), hidden_system_packages=(factory,))
    apps = {a.package: a for a in with_origins(report, dump).apps}
    assert {p: a.origin for p, a in apps.items()} == {
        "android": AppOrigin.PLATFORM,
        "com.vendor.x": AppOrigin.PREINSTALLED,
        "com.vendor.y": AppOrigin.PLATFORM,
        "com.vendor.z": AppOrigin.PREINSTALLED,
    }
    x = apps["com.vendor.x"].provenance
    assert x is not None
    assert x.basis == "on the product image, updated since; not part of the platform"
    assert x.signatures == DumpSignatures(CONTENT, ("bb",))
    assert x.factory is not None
    assert (x.factory.code_path, x.factory.version_code, x.factory.signatures) == (
        "/product/app/X",
        3,
        DumpSignatures(CONTENT, ("cc",)),
    )
    y = apps["com.vendor.y"].provenance
    assert y is not None and y.platform_signature == "its dumpsys signature hash aa (content) is package android's"
    z = apps["com.vendor.z"].provenance
    assert z is not None and (z.signatures, z.factory, z.removal) == (None, None, Removal.DISABLE)


# --------------------------------------------------------------------------------------------------
# Real captures
# --------------------------------------------------------------------------------------------------


def test_the_android_7_box_platform_preinstalled_and_installed() -> None:
    apps = {a.package: a for a in multibox().apps}
    by_origin = {o: sorted(p for p, a in apps.items() if a.origin is o) for o in AppOrigin}
    assert len(by_origin[AppOrigin.PLATFORM]) == 42
    assert len(by_origin[AppOrigin.PREINSTALLED]) == 34
    assert by_origin[AppOrigin.INSTALLED] == [
        "berserker.android.apps.sshdroid",
        "com.androguide.universal.init.d",
        "com.google.android.youtube.tv",
        "com.mm.droid.livetv.tve",
        "com.netflix.mediaclient",
        "com.simple.appstore.flymarket",
        "com.valor.mfc.droid.tvapp.generic",
        "org.xbmc.kodi",
    ]
    basis = {p: a.provenance.basis for p, a in apps.items() if a.provenance is not None}
    assert basis["com.uv.droid.uota"] == "app id 1000 (a platform uid, below 10000)"
    assert basis["com.android.shell"] == "app id 2000 (a platform uid, below 10000)"
    assert basis["com.droidlogic.mediacenter"] == "the platform's shared user id android.uid.mediacenter"
    # RkMusic runs as u0a46 but is signed with the framework's certificate object.
    assert basis["com.android.music"] == (
        "signed with the platform certificate: its dumpsys signature hash b1a1812f (identity) is package android's"
    )
    assert basis["com.google.android.gms"] == "on the system image; not part of the platform"
    webview = apps["com.google.android.webview"].provenance
    assert webview is not None and webview.removal is Removal.DISABLED  # enabled=3 for user 0 in the dump
    assert not [f for a in apps.values() for f in a.findings if f.rule_id.startswith("AUD-ORIGIN")]


def test_the_android_14_tablet_without_a_package_dump() -> None:
    apps = {a.package: a for a in xiaomi().apps}
    platform = sorted(p for p, a in apps.items() if a.origin is AppOrigin.PLATFORM)
    # 34 listed packages, and 17 that only app-ops name (unlisted) in platform uids: audioserver (1041),
    # cameraserver (1047), com.miui.backup (6100), two in the radio uid 1001, twelve in the system uid 1000.
    assert len(platform) == 51
    assert sum(apps[p].installed for p in platform) == 34
    unlisted = [apps[p] for p in platform if not apps[p].installed]
    assert {a.uid for a in unlisted} == {1000, 1001, 1041, 1047, 6100}
    assert {"com.android.phone", "com.android.shell", "com.miui.securitycenter", "com.android.thememanager"} <= set(
        platform
    )
    # The network stack runs as uid 1073 from /data/app: a mainline update, not a package installed into it.
    stack = apps["com.google.android.networkstack"]
    assert stack.origin is AppOrigin.PLATFORM
    assert not stack.findings
    camera = apps["com.android.camera"]
    assert camera.origin is AppOrigin.PREINSTALLED
    assert camera.provenance is not None
    assert camera.provenance.basis == "on the product image; not part of the platform"
    macro = apps["com.arlosoft.macrodroid"]
    assert macro.origin is AppOrigin.INSTALLED
    assert macro.provenance is not None and macro.provenance.removal is Removal.UNINSTALL


# --------------------------------------------------------------------------------------------------
# The synthetic device: its truth says which apps are the platform
# --------------------------------------------------------------------------------------------------


def test_every_synthetic_app_gets_the_origin_its_truth_implies() -> None:
    snapshot, truth = generate(60, seed=0)
    report = audit_snapshot(snapshot)
    found = {(a.package, a.user): a.origin for a in report.apps}

    def expected(t: TruthApp) -> AppOrigin:
        if not t.system:
            return AppOrigin.INSTALLED
        platform = t.app_id < 10000 or (t.shared_user or "").startswith("android.uid.") or t.platform_signed
        return AppOrigin.PLATFORM if platform else AppOrigin.PREINSTALLED

    assert found == {(t.package, t.user): expected(t) for t in truth.apps}
    # The launcher holds no platform uid: only its signature hash, the framework's, makes it the platform.
    launcher = next(a for a in report.apps if a.package == "com.android.launcher3")
    assert launcher.provenance is not None
    assert launcher.provenance.basis.startswith("signed with the platform certificate: its dumpsys signature hash")


def test_the_synthetic_trap_the_phone_process_holds_every_telephony_permission() -> None:
    report = synthetic_report(60)
    apps = {(a.package, a.user): a for a in report.apps}
    phone = apps[("com.android.phone", 0)]
    assert phone.origin is AppOrigin.PLATFORM
    assert phone.exposure is not None and phone.exposure.grade is Grade.F
    assert phone.findings == ()
    assert {p.name.rsplit(".", 1)[1] for p in phone.permissions if p.granted} >= {
        "READ_CALL_LOG",
        "READ_SMS",
        "SEND_SMS",
        "CALL_PHONE",
        "RECORD_AUDIO",
        "ACCESS_BACKGROUND_LOCATION",
    }
    assert "com.android.phone" not in {t.app.package for t in top_apps(report, 20)}
    analytics = apps[("com.oem.analytics", 0)]
    assert (analytics.origin, analytics.provenance.basis if analytics.provenance else None) == (
        AppOrigin.PREINSTALLED,
        "on the product image; not part of the platform",
    )
    store = apps[("com.android.vending", 0)]
    (finding,) = [f for f in store.findings if f.rule_id == "AUD-ORIGIN-003"]
    assert finding.evidence[1] == "packageSource=4 (a downloaded file)"
    device = report.device_exposure
    assert device is not None
    altered = next(p for p in device.parts if p.part is DevicePart.ALTERED_SYSTEM_APPS)
    assert altered.apps == 2  # the store in the owner and in the work profile
