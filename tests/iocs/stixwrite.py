"""A STIX 2.1 bundle written from loaded lists, shaped as the Echap association's own generator writes it
(``scripts/generate.py``: one ``malware`` per family with ``is_family: false`` and a description, one
``indicator`` per value with a pattern without spaces, one ``indicates`` relationship each).

Used to check that the same data read as STIX2 matches exactly as it does read as YAML.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from auditor.iocs.lists import LoadedList
from auditor.model import IndicatorKind

_PATHS = {
    IndicatorKind.PACKAGE: "app:id",
    IndicatorKind.CERT_SHA1: "app:cert.sha1",
    IndicatorKind.CERT_SHA256: "app:cert.sha256",
    IndicatorKind.CERT_MD5: "app:cert.md5",
    IndicatorKind.APK_SHA256: "file:hashes.sha256",
    IndicatorKind.PROPERTY: "android-property:name",
    IndicatorKind.PROCESS: "process:name",
    IndicatorKind.DOMAIN: "domain-name:value",
    IndicatorKind.URL: "url:value",
    IndicatorKind.IP: "ipv4-addr:value",
}
_STAMP = "2026-06-21T00:00:00.000Z"


def _id(kind: str, n: int) -> str:
    return f"{kind}--{uuid.UUID(int=n)}"


def stix_bundle(lists: Iterable[LoadedList]) -> bytes:
    """One bundle holding every family and indicator of ``lists``."""
    objects: list[dict[str, object]] = []
    n = 0
    for loaded in lists:
        malware_ids = []
        for family in loaded.families:
            n += 1
            malware_ids.append(_id("malware", n))
            objects.append(
                {
                    "type": "malware",
                    "spec_version": "2.1",
                    "id": malware_ids[-1],
                    "created": _STAMP,
                    "modified": _STAMP,
                    "name": family.name,
                    "description": f"{family.threat.value.capitalize()} applications",
                    "is_family": False,
                }
            )
        for indicator in loaded.indicators:
            n += 1
            value = indicator.value.replace("\\", "\\\\").replace("'", "\\'")
            ident = _id("indicator", n)
            objects.append(
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": ident,
                    "created": _STAMP,
                    "modified": _STAMP,
                    "indicator_types": ["malicious-activity"],
                    "pattern": f"[{_PATHS[indicator.kind]}='{value}']",
                    "pattern_type": "stix",
                    "pattern_version": "2.1",
                    "valid_from": _STAMP,
                }
            )
            n += 1
            objects.append(
                {
                    "type": "relationship",
                    "spec_version": "2.1",
                    "id": _id("relationship", n),
                    "created": _STAMP,
                    "modified": _STAMP,
                    "relationship_type": "indicates",
                    "source_ref": ident,
                    "target_ref": malware_ids[indicator.family],
                }
            )
    return json.dumps({"type": "bundle", "id": _id("bundle", 0), "objects": objects}).encode()
