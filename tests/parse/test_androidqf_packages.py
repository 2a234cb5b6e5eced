"""androidqf's ``packages.json``: flags, installer, uid, APK hashes and signers; hostile files never raise.

Facts read by eye in ../shared/real-devices/mvt-tests/androidqf/packages.json: 7 packages, every one with
one APK file and a certificate; com.youtube and the two com.malware.* are flagged system.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.parse.androidqf_packages import parse_androidqf_packages
from auditor.sections import ANDROIDQF_PACKAGES
from tests.parse.strategies import mutated
from tests.realdata import real_text


def test_the_real_file() -> None:
    parsed = parse_androidqf_packages(real_text("mvt-tests/androidqf/packages.json"))
    assert parsed.unknown == ()
    by_name = {p.package: p for p in parsed.packages}
    assert list(by_name) == [
        "com.whatsapp",
        "app.revanced.manager.flutter",
        "com.google.android.youtube",
        "org.fdroid.fdroid",
        "org.nuclearfog.apollo",
        "com.malware.blah",
        "com.malware.muahaha",
    ]
    assert {p.package for p in parsed.packages if p.system} == {
        "com.google.android.youtube",
        "com.malware.blah",
        "com.malware.muahaha",
    }
    assert all(p.installed and p.disabled is False and p.user is None for p in parsed.packages)
    whatsapp = by_name["com.whatsapp"]
    assert (whatsapp.uid, whatsapp.installer, whatsapp.installer_listed) == (10271, None, True)
    (apk,) = whatsapp.files
    assert apk.path == "/data/app/~~/com.whatsapp-~~/base.apk"
    assert apk.sha256 == "744ed47f8176ec423840344c33e88bd2c96e8988cda0797f3415bb5229efc12b"
    assert apk.certificate is not None and apk.certificate.issuer == apk.certificate.subject
    assert by_name["org.nuclearfog.apollo"].installer == "org.fdroid.fdroid"


def _one(**fields: object) -> str:
    return json.dumps([{"name": "com.example", **fields}])


def test_listed_by_u_alone_is_not_installed() -> None:
    """Neither in -s nor in -3 (which list installed packages only): listed by -u, its data kept."""
    text = json.dumps(
        [
            {"name": "com.kept", "system": False, "third_party": False},
            {"name": "com.app", "system": False, "third_party": True},
        ]
    )
    kept, app = parse_androidqf_packages(text).packages
    assert (kept.installed, app.installed) == (False, True)


def test_flags_are_unknown_when_no_package_has_one() -> None:
    """androidqf writes false everywhere when its -s and -3 lists failed: that says nothing."""
    (p,) = parse_androidqf_packages(_one(system=False, third_party=False, disabled=False)).packages
    assert (p.system, p.third_party, p.disabled, p.installed) == (None, None, None, None)


def test_newer_fields_and_odd_values() -> None:
    (p,) = parse_androidqf_packages(_one(user_id=10, installed=False, uid=0, installer="", system=True)).packages
    assert (p.user, p.installed, p.uid, p.installer, p.installer_listed) == (10, False, None, None, False)
    cert = {"Sha256": "AB" * 32, "Sha1": "not-hex", "Subject": "x" * 5000}
    files = [{"path": "/data/app/a/base.apk", "sha256": "zz", "certificate": cert}, {"sha256": "ab" * 32}, "x"]
    parsed = parse_androidqf_packages(_one(files=files, system=True))
    (p,) = parsed.packages
    (apk,) = p.files
    assert apk.sha256 is None
    assert apk.certificate is not None and apk.certificate.sha256 == "ab" * 32 and apk.certificate.sha1 is None
    assert apk.certificate.subject is not None and len(apk.certificate.subject) == 1024
    assert parsed.unknown == ("com.example: a files entry without a path",) * 2


def test_entries_that_do_not_fit_are_named() -> None:
    text = json.dumps([{"name": "bad name; rm"}, 3, {"name": "com.ok", "third_party": True}])
    parsed = parse_androidqf_packages(text)
    assert [p.package for p in parsed.packages] == ["com.ok"]
    assert parsed.unknown == (
        "a package entry without a usable name: 'bad name; rm'",
        "a package entry that is not an object",
    )
    assert parse_androidqf_packages("{}").unknown == ("not a JSON list of packages",)
    assert parse_androidqf_packages("[" * 100_000).unknown[0].startswith("not JSON:")


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        mutated(ANDROIDQF_PACKAGES.example),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
            max_leaves=20,
        ).map(json.dumps),
    )
)
def test_never_raises(text: str) -> None:
    parse_androidqf_packages(text)
