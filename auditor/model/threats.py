"""Known threats: which indicator lists an audit was matched against, and what matched.

An indicator list (the bundled Echap stalkerware list, a STIX2 bundle given with ``--iocs``) names threat
*families* and their *indicators*: package names, signing certificates, APK hashes, system properties,
process names, network names. ``auditor.iocs`` loads lists and matches them against an audit report by set
lookups; the report keeps what matched (``AppReport.indicator_matches``, ``AuditReport.device_matches``)
and which lists were used (``AuditReport.indicator_lists``), so a reader knows what "no match" covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ThreatKind(StrEnum):
    """What a family is, which decides how a match is worded and how severe it is."""

    STALKERWARE = "stalkerware"
    """Sold to watch someone else's phone in secret."""
    WATCHWARE = "watchware"
    """Legitimate monitoring or parental-control apps that are also used to watch a partner."""
    SPYWARE = "spyware"
    """Any other known spyware or malware a list names without saying it is either of the above (e.g. the
    mercenary spyware of Amnesty's STIX2 bundles)."""


class IndicatorKind(StrEnum):
    """What an indicator names; the first six can match facts of an audit, the network ones cannot."""

    PACKAGE = "package"
    """An app id (``[app:id = '…']``, Echap ``packages``)."""
    CERT_SHA1 = "cert_sha1"
    """The SHA-1 of the signing certificate (``[app:cert.sha1 = '…']``, Echap ``certificates``)."""
    CERT_SHA256 = "cert_sha256"
    CERT_MD5 = "cert_md5"
    APK_SHA256 = "apk_sha256"
    """The SHA-256 of an APK file (``[file:hashes.sha256 = '…']``, Echap ``samples.csv``)."""
    PROPERTY = "property"
    """A system property that exists (``[android-property:name = '…']``), matched against ``getprop``."""
    PROCESS = "process"
    """A running process name (``[process:name = '…']``)."""
    DOMAIN = "domain"
    """A domain name (``[domain-name:value = '…']``, Echap ``websites`` and ``c2.domains``): loaded and
    counted, but an audit holds no network data to match it against."""
    URL = "url"
    IP = "ip"

    @property
    def matchable(self) -> bool:
        """Whether an audit holds facts this kind of indicator can match (network kinds: no)."""
        return self not in _NETWORK

    @property
    def strong(self) -> bool:
        """A certificate or an APK hash names one maker's build; a package name or a process name can be
        reused by an unrelated app, so it is weaker evidence."""
        return self in _STRONG


_NETWORK = frozenset({IndicatorKind.DOMAIN, IndicatorKind.URL, IndicatorKind.IP})
_STRONG = frozenset(
    {IndicatorKind.CERT_SHA1, IndicatorKind.CERT_SHA256, IndicatorKind.CERT_MD5, IndicatorKind.APK_SHA256}
)


@dataclass(frozen=True, slots=True)
class IndicatorCount:
    """How many indicators of one kind a list holds."""

    kind: IndicatorKind
    count: int


@dataclass(frozen=True, slots=True)
class IndicatorList:
    """One indicator list an audit was matched against."""

    name: str
    """Its name, e.g. ``Echap stalkerware-indicators`` or the file name of a ``--iocs`` file."""
    version: str
    """The source's version: a commit for the bundled list, the first 12 hex digits of a file's SHA-256."""
    origin: str
    """``bundled``, or the path of the file it was read from."""
    families: int
    """How many families (stalkerware, watchware, spyware) it names."""
    counts: tuple[IndicatorCount, ...]
    """Indicators per kind, in ``IndicatorKind`` order (kinds with none left out)."""
    licence: str | None = None
    """The licence of the data, when the list states one (the bundled list: CC-BY-4.0)."""
    attribution: str | None = None
    """Who made the data and where it comes from, to be shown wherever matches are shown."""


@dataclass(frozen=True, slots=True)
class IndicatorMatch:
    """One indicator of one list that matched a fact of the audit."""

    family: str
    """The family the list names, e.g. ``TheTruthSpy``."""
    threat: ThreatKind
    kind: IndicatorKind
    value: str
    """The indicator as matched (hex digests lowercase)."""
    fact: str
    """What of the audit it matched, in plain words: ``package name``, ``signing certificate (APK)``,
    ``APK file /data/app/…/base.apk (hash from packages.json)``, ``running process``, ``system property``."""
    list_name: str
    list_version: str

    @property
    def strong(self) -> bool:
        """Whether the match is strong evidence (a certificate or an APK hash)."""
        return self.kind.strong
