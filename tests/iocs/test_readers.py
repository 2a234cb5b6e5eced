"""Indicator readers: the bundled Echap list, the bounded YAML reader, Echap YAML files, STIX 2.1 bundles,
and the STIX2 written from the bundled YAML holding exactly the same indicators."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from auditor.iocs import Indicators, IocError
from auditor.iocs.echap import read_families, read_samples
from auditor.iocs.lists import Family, LoadedList
from auditor.iocs.load import BUNDLED_COMMIT, bundled_list, load_file, load_lists
from auditor.iocs.stix import parse_pattern, read_stix, threat_of
from auditor.iocs.yamlread import MAX_DEPTH, read_yaml
from auditor.model import IndicatorKind, ThreatKind
from tests.iocs.stixwrite import stix_bundle

# --------------------------------------------------------------------------------------------------
# The bundled list (facts read by eye from ../shared/iocs)
# --------------------------------------------------------------------------------------------------


def _family_of(kind: IndicatorKind, value: str) -> list[tuple[str, ThreatKind]]:
    index = Indicators.bundled().index
    return [(r.family, r.threat) for r in index.by_kind[kind].get(value, ())]


def test_the_bundled_list_holds_every_family_and_indicator_of_the_source() -> None:
    loaded = bundled_list()
    assert len(loaded.families) == 174
    assert sum(f.threat is ThreatKind.STALKERWARE for f in loaded.families) == 147
    assert sum(f.threat is ThreatKind.WATCHWARE for f in loaded.families) == 27
    info = loaded.info()
    assert {c.kind: c.count for c in info.counts} == {
        IndicatorKind.PACKAGE: 646,
        IndicatorKind.CERT_SHA1: 486,
        IndicatorKind.APK_SHA256: 3228,
        IndicatorKind.DOMAIN: 1569,
        IndicatorKind.IP: 69,
    }
    assert info.licence == "CC-BY-4.0" and info.version.startswith(BUNDLED_COMMIT[:12])
    assert info.attribution is not None and "Echap" in info.attribution and "no match never means" in info.attribution
    index = Indicators.bundled().index
    assert len(index.by_kind[IndicatorKind.PACKAGE]) == 641  # five package names belong to two families
    assert index.network == 1638


def test_bundled_indicators_name_their_family() -> None:
    assert _family_of(IndicatorKind.PACKAGE, "com.fone") == [("TheTruthSpy", ThreatKind.STALKERWARE)]
    assert _family_of(IndicatorKind.CERT_SHA1, "31a6ececd97cf39bc4126b8745cd94a7c30bf81c") == [
        ("TheTruthSpy", ThreatKind.STALKERWARE)
    ]
    assert _family_of(IndicatorKind.PACKAGE, "com.wondershare.famisafe.kids") == [("FamiSafe", ThreatKind.WATCHWARE)]
    # samples.csv names this sample's family 1TopSpy, an alias of HelloSpy: the hash joins HelloSpy.
    sample = "2f3bc9ebe8c249f0416f5b0367f34b4b8f6aaa7d351dc5b4912fe2558491b6b7"
    assert _family_of(IndicatorKind.APK_SHA256, sample) == [("HelloSpy", ThreatKind.STALKERWARE)]
    # The source lists FindMyKids twice, as stalkerware (ioc.yaml) and as watchware (watchware.yaml): both kept.
    assert _family_of(IndicatorKind.PACKAGE, "org.findmykids.app") == [
        ("FindMyKids", ThreatKind.STALKERWARE),
        ("FindMyKids", ThreatKind.WATCHWARE),
    ]


def test_the_bundled_files_are_the_sources_unchanged() -> None:
    from importlib import resources

    data = resources.files("auditor.data").joinpath("iocs")
    digests = {
        n: hashlib.sha256(data.joinpath(n).read_bytes()).hexdigest()
        for n in ("samples.csv", "watchware.yaml", "stalkerware-ioc.yaml")
    }
    source = Path(__file__).resolve().parents[3] / "shared" / "iocs"
    if source.is_dir():
        names = {
            "stalkerware-ioc.yaml": "stalkerware-ioc.yaml",
            "samples.csv": "samples.csv",
            "watchware.yaml": "watchware.yaml",
        }
        assert digests == {n: hashlib.sha256((source / names[n]).read_bytes()).hexdigest() for n in digests}
    licence = data.joinpath("LICENSE.md").read_text(encoding="utf-8")
    assert (
        "CC-BY-4.0" in licence
        and BUNDLED_COMMIT in licence
        and "no match never means no stalkerware" in licence.lower()
    )


# --------------------------------------------------------------------------------------------------
# The bounded YAML reader
# --------------------------------------------------------------------------------------------------


def test_yaml_scalars_stay_text_and_nesting_is_kept() -> None:
    assert read_yaml("- name: 0123\n  certificates: [1234567890, 1e5]\n  c2: {ips: [1.2.3.4]}\n", "f") == [
        {"name": "0123", "certificates": ["1234567890", "1e5"], "c2": {"ips": ["1.2.3.4"]}}
    ]
    assert read_yaml("", "f") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: &x [1]\nb: *x\n", "f: line 1: YAML anchors and aliases are not accepted"),
        ("a: 1\na: 2\n", "f: line 2: the key 'a' is repeated"),
        ("--- 1\n--- 2\n", "f: line 2: more than one YAML document"),
        ("? [a]\n: b\n", "f: line 1: a mapping key must be plain text"),
        # libyaml and PyYAML's pure-Python parser word the problem differently; the line is the same.
        ("a: [b\n", "f: not valid YAML (line 2: "),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"f: line 1: nested deeper than {MAX_DEPTH} levels"),
    ],
)
def test_hostile_yaml_is_one_line_naming_the_file(text: str, problem: str) -> None:
    with pytest.raises(IocError) as e:
        read_yaml(text, "f")
    assert str(e.value) == problem or (problem.endswith(": ") and str(e.value).startswith(problem))
    assert "\n" not in str(e.value)


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    with pytest.raises(IocError, match="anchors and aliases"):
        read_yaml(bomb, "bomb.yaml")


# --------------------------------------------------------------------------------------------------
# Echap YAML files
# --------------------------------------------------------------------------------------------------


def test_an_echap_family_with_every_key() -> None:
    text = (
        "- name: Spy One\n  names: [Spy1, Spy One]\n  type: watchware\n  packages: com.spy.one\n"
        "  certificates: ['AB:CD:00112233445566778899AABBCCDDEEFF0011']\n  websites: [Spy.One.]\n"
        "  distribution: [dl.spy.one]\n  c2: {ips: [10.0.0.1], domains: [c2.spy.one]}\n  ios_bundles: [x]\n"
    )
    built = read_families(text, "one.yaml")
    assert built.families == [Family("Spy One", ThreatKind.WATCHWARE, ("Spy1",))]
    assert [(i.kind, i.value) for i in built.indicators] == [
        (IndicatorKind.PACKAGE, "com.spy.one"),
        (IndicatorKind.DOMAIN, "spy.one"),
        (IndicatorKind.DOMAIN, "dl.spy.one"),
        (IndicatorKind.CERT_SHA1, "abcd00112233445566778899aabbccddeeff0011"),
        (IndicatorKind.DOMAIN, "c2.spy.one"),
        (IndicatorKind.IP, "10.0.0.1"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: x\n", "f.yaml: expected a list of families (the Echap ioc.yaml shape)"),
        ("- names: [x]\n", "f.yaml: family 1 has no name"),
        ("- name: X\n  type: adware\n", "f.yaml: family 'X': type must be stalkerware or watchware, not 'adware'"),
        ("- name: X\n  certificates: [ZZZ]\n", "f.yaml: family 'X': certificate 'ZZZ' is not a hex SHA-1"),
        ("- name: X\n  packages: [{a: b}]\n", "f.yaml: family 'X': packages must be a list of text values"),
        ("- name: X\n  packages: ['rm -rf /']\n", "f.yaml: family 'X': 'rm -rf /' is not a valid package"),
        ("- name: X\n  c2: [a]\n", "f.yaml: family 'X': c2 must be a mapping of domains and ips"),
    ],
)
def test_a_bad_echap_file_is_one_line_naming_file_and_family(text: str, problem: str) -> None:
    with pytest.raises(IocError) as e:
        read_families(text, "f.yaml")
    assert str(e.value) == problem


def test_samples_join_their_family_by_name_or_alias_and_reject_a_bad_hash() -> None:
    built = read_families("- name: Alpha\n  names: [Al]\n", "i.yaml")
    rows = "SHA256,Package Name,Certificate,Version,App\n" + "ab" * 32 + ",p,c,1,Al\n" + "cd" * 32 + ",p,c,1,Beta\n"
    assert read_samples(rows, "s.csv", built) == 2
    assert [(built.families[i.family].name, i.value[:4]) for i in built.indicators] == [
        ("Alpha", "abab"),
        ("Beta", "cdcd"),
    ]
    with pytest.raises(IocError) as e:
        read_samples("SHA256,Package Name,Certificate,Version,App\nxyz,p,c,1,Al\n", "s.csv", built)
    assert str(e.value) == "s.csv: line 2: 'xyz' is not a valid SHA-256"
    with pytest.raises(IocError, match="expected the columns SHA256, Package Name"):
        read_samples("a,b\n", "s.csv", built)


# --------------------------------------------------------------------------------------------------
# STIX 2.1
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[app:id = 'com.spy']", (IndicatorKind.PACKAGE, "com.spy")),
        ("[app:id='com.spy']", (IndicatorKind.PACKAGE, "com.spy")),
        ("[app:cert.sha1 = 'AB']", (IndicatorKind.CERT_SHA1, "AB")),
        ("[app:cert.md5='ab']", (IndicatorKind.CERT_MD5, "ab")),
        ("[file:hashes.'SHA-256' = 'ab']", (IndicatorKind.APK_SHA256, "ab")),
        ("[file:hashes.sha256 = 'ab']", (IndicatorKind.APK_SHA256, "ab")),
        ("[android-property:name = 'persist.spy']", (IndicatorKind.PROPERTY, "persist.spy")),
        ("[process:name = 'spyd']", (IndicatorKind.PROCESS, "spyd")),
        ("[domain-name:value = 'it\\'s.example']", (IndicatorKind.DOMAIN, "it's.example")),
        ("[url:value = 'https://x/']", (IndicatorKind.URL, "https://x/")),
        ("[app:id = 'a' OR app:id = 'b']", None),
        ("[app:id = 'a'] AND [app:id = 'b']", None),
        ("[file:name = 'x.apk']", None),
        ("app:id = 'a'", None),
    ],
)
def test_patterns(pattern: str, expected: tuple[IndicatorKind, str] | None) -> None:
    assert parse_pattern(pattern) == expected


def test_threat_kind_of_a_malware_object() -> None:
    assert threat_of({"description": "Stalkerware applications"}) is ThreatKind.STALKERWARE
    assert threat_of({"labels": ["Watchware"]}) is ThreatKind.WATCHWARE
    assert threat_of({"malware_types": ["spyware"], "name": "Predator"}) is ThreatKind.SPYWARE


def _bundle(*objects: dict[str, object]) -> bytes:
    return json.dumps({"type": "bundle", "id": "bundle--1", "objects": list(objects)}).encode()


def test_a_stix_bundle_links_indicators_to_families_and_counts_what_it_cannot_use() -> None:
    data = _bundle(
        {"type": "malware", "id": "malware--1", "name": "Predator", "is_family": True},
        {"type": "indicator", "id": "indicator--1", "pattern": "[app:id = 'com.pred']", "pattern_type": "stix"},
        {"type": "relationship", "id": "r--1", "relationship_type": "indicates", "source_ref": "indicator--1",
         "target_ref": "malware--1"},
        {"type": "indicator", "id": "indicator--2", "name": "Loose", "pattern": "[process:name = 'loosed']"},
        {"type": "indicator", "id": "indicator--3", "pattern": "[app:id = 'a' OR app:id = 'b']"},
        {"type": "indicator", "id": "indicator--4", "pattern": "rule x {}", "pattern_type": "yara"},
        {"type": "identity", "id": "identity--1", "name": "Amnesty"},
    )  # fmt: skip
    read = read_stix(data, "p.stix2", "p")
    assert [(f.name, f.threat) for f in read.families] == [
        ("Predator", ThreatKind.SPYWARE),
        ("Loose", ThreatKind.SPYWARE),
    ]
    assert [(i.kind, i.value, i.family) for i in read.indicators] == [
        (IndicatorKind.PACKAGE, "com.pred", 0),
        (IndicatorKind.PROCESS, "loosed", 1),
    ]
    assert read.unsupported == 2


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"{not json",
         "p.stix2: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
        (b"[]", 'p.stix2: not a STIX2 bundle (expected {"type": "bundle", "objects": [...]})'),
        (b'{"type": "bundle", "objects": [1]}', "p.stix2: object 1 is not a STIX object (no type)"),
        (b'{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--9"}]}',
         "p.stix2: indicator--9: an indicator without a pattern"),
        (b'{"type": "bundle", "objects": [{"type": "indicator", "id": "i", "pattern": "[app:cert.sha1 = \'xyz\']"}]}',
         "p.stix2: i: 'xyz' is not a valid cert_sha1 indicator"),
        (b"[" * 100_000 + b"]" * 100_000, "p.stix2: JSON nested too deeply"),
        (b"\xff\xfe", "p.stix2: not valid JSON (invalid start byte)"),
    ],
)  # fmt: skip
def test_a_bad_stix_file_is_one_line_naming_it(data: bytes, problem: str) -> None:
    with pytest.raises(IocError) as e:
        read_stix(data, "p.stix2", "p")
    assert str(e.value).startswith(problem.split(" (")[0]) and "\n" not in str(e.value)
    if "(" in problem and "invalid start byte" not in problem:
        assert str(e.value) == problem


def test_stix_written_from_the_bundled_yaml_holds_the_same_indicators(tmp_path: Path) -> None:
    path = tmp_path / "echap.stix2"
    path.write_bytes(stix_bundle([bundled_list()]))
    from_stix = load_file(path)
    yaml_list = bundled_list()

    def facts(loaded: LoadedList) -> set[tuple[IndicatorKind, str, str, ThreatKind]]:
        return {
            (i.kind, i.value, loaded.families[i.family].name, loaded.families[i.family].threat)
            for i in loaded.indicators
        }

    assert facts(from_stix) == facts(yaml_list)
    assert len(facts(yaml_list)) == len(yaml_list.indicators) == 5998
    assert from_stix.unsupported == 0 and from_stix.version == hashlib.sha256(path.read_bytes()).hexdigest()[:12]


# --------------------------------------------------------------------------------------------------
# Loading files and folders
# --------------------------------------------------------------------------------------------------


def test_files_folders_and_the_environment_are_loaded_in_order(tmp_path: Path) -> None:
    folder = tmp_path / "iocs"
    folder.mkdir()
    (folder / "b.yml").write_text("- name: B\n  packages: [com.b]\n")
    (folder / "a.stix2").write_bytes(
        _bundle({"type": "indicator", "id": "i", "name": "A", "pattern": "[app:id = 'com.a']"})
    )
    (folder / "notes.txt").write_text("ignored")
    extra = tmp_path / "extra.feed"  # unknown extension: YAML unless it starts with "{"
    extra.write_text("- name: C\n  packages: [com.c]\n")
    lists = load_lists([extra], env={"AUDITOR_IOCS": str(folder)})
    assert [(x.name, x.origin) for x in lists] == [
        ("Echap stalkerware-indicators", "bundled"),
        ("a.stix2", str(folder / "a.stix2")),
        ("b.yml", str(folder / "b.yml")),
        ("extra.feed", str(extra)),
    ]
    assert load_lists(env={}) == (bundled_list(),)


def test_unusable_indicator_files_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(IocError) as e:
        load_lists([tmp_path / "missing.stix2"], env={})
    assert str(e.value) == f"indicator file {tmp_path / 'missing.stix2'}: no such file or folder"
    with pytest.raises(IocError) as e:
        load_lists(env={"AUDITOR_IOCS": str(tmp_path / "nope")})
    assert str(e.value) == f"$AUDITOR_IOCS ({tmp_path / 'nope'}) is not a folder of indicator files"
    empty = tmp_path / "empty.yaml"
    empty.write_text("[]\n")
    with pytest.raises(IocError) as e:
        load_file(empty)
    assert str(e.value) == f"{empty}: holds no indicator"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"- name: \xe9\n")
    with pytest.raises(IocError) as e:
        load_file(latin)
    assert str(e.value) == f"{latin}: not UTF-8 text"
    monkeypatch.setattr("auditor.iocs.load.MAX_FILE_BYTES", 10)
    big = tmp_path / "big.stix2"
    big.write_bytes(b"{" + b" " * 20 + b"}")
    with pytest.raises(IocError) as e:
        load_file(big)
    assert str(e.value) == f"indicator file {big} is larger than 10 bytes; refusing"


def test_a_symbolic_link_named_by_the_user_leads_to_a_regular_file_only(tmp_path: Path) -> None:
    """A path given on the command line is the user's to choose: its link is followed, to a regular file only."""
    target = tmp_path / "real.yaml"
    target.write_text("- name: X\n  packages: [com.x]\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    assert [f.name for f in load_file(link).families] == ["X"]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    to_fifo = tmp_path / "to-fifo.yaml"
    to_fifo.symlink_to(fifo)
    with pytest.raises(IocError, match=r"to-fifo.yaml: not a regular file \(a FIFO\); not read"):
        load_file(to_fifo)
