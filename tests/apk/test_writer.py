"""The APK writer shared by the synthetic device and the test factory.

The synthetic device's APKs are part of its promise: a seed gives the same bytes on every run (the
demo and its tests know the APKs by SHA-256). The hashes below were taken from the device's APKs
before the writer was shared with the tests; a change to any format part shows here first.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

from auditor.acquire.synthetic import generate
from auditor.acquire.synthetic.apks import ZIP_STYLE, synthetic_apks
from auditor.acquire.synthetic.apkwriter import record, zip_archive

PINNED = {
    ("com.example.stalker", "base.apk"): "e113fd0c693cccf709d3e9558d72be0ff8496ef5862eddec0b49ecdd632001eb",
    ("com.example.flashlight", "base.apk"): "1aa353b1d50701a07d757ae685da610425e760f3b0f3cdf5d8961ba58507ec39",
    ("com.example.flashlight", "split_config.arm64_v8a.apk"): (
        "3013b1069003e852122c05ab57d0305028930b934dd125079ce40976b1132e91"
    ),
    ("com.example.workdpc", "base.apk"): "8f27830d9a5939bfeecfe676c9f140080663b6b2d07a6feaacc7d10449bc063c",
    ("com.example.work.mail", "base.apk"): "cdcdf5261ae94ab9c900cc6df942636ac4f5a10445a7206ec39ef589235aa337",
}
"""(package, file) → SHA-256 of what the 60-app device of seed 0 serves (system apps included)."""


def test_the_synthetic_device_serves_the_same_bytes_as_before() -> None:
    _, truth = generate(60, seed=0)
    files = synthetic_apks(truth, include_system=True)
    # 60 apps: base APKs and their splits. The device since holds the notification assistant's package and
    # the platform and vendor apps of the origin stories, which took fillers' places (YouTube's among them);
    # the persona apps pinned above serve the same bytes as before.
    assert len(files) == 128
    found = {
        (package, name): hashlib.sha256(data).hexdigest()
        for path, data in files.items()
        for package, name in PINNED
        if f"/{package}-" in path and path.endswith("/" + name)
    }
    assert found == PINNED


def test_the_device_zip_style_is_what_python_zipfile_wrote() -> None:
    """The device's APKs were first written with ``zipfile``; the writer keeps that layout exactly."""
    entries = [("AndroidManifest.xml", b"\x03\x00\x08\x00" * 40), ("classes.dex", bytes(range(256)) * 9)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, (2008, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    assert zip_archive([record(name, data) for name, data in entries], style=ZIP_STYLE) == buffer.getvalue()
