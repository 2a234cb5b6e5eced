"""Weights: the bundled file, --weights overrides (merged, recorded), and one-line errors for bad files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from auditor.errors import AuditorError
from auditor.model import AccessLevel, DataCategory
from auditor.score import load_weights, score_app, score_report
from auditor.score.weights import BUILT_IN, WeightsError, merge, parse_weights
from tests.score.calibration import PROFILES
from tests.score.test_device import small_report

BUNDLED = Path(__file__).resolve().parents[2] / "auditor" / "data" / "weights.json"


def _write(tmp_path: Path, data: object, name: str = "w.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return path


def test_bundled_weights_are_complete_and_recorded_as_built_in() -> None:
    w = load_weights()
    assert w.source == BUILT_IN
    assert w.sha256 == hashlib.sha256(BUNDLED.read_bytes()).hexdigest()
    assert set(w.categories) == set(DataCategory)
    assert set(w.levels) == set(AccessLevel)
    assert {p.id for p in w.profiles} >= {
        "covert_listening",
        "movement_tracking",
        "social_graph_harvest",
        "stalkerware_like",
    }
    raw = json.loads(BUNDLED.read_text("utf-8"))
    every_rationale = [v["rationale"] for v in raw["categories"].values()]
    every_rationale += [v["rationale"] for v in raw["levels"].values()]
    every_rationale += [v["rationale"] for v in raw["profiles"].values()]
    assert all(len(r) > 5 for r in every_rationale)


def test_override_changes_scores_and_is_recorded(tmp_path: Path) -> None:
    path = _write(
        tmp_path, {"categories": {"location": {"points": 32}}, "profiles": {"movement_tracking": {"points": 0}}}
    )
    custom = load_weights(path)
    assert custom.categories[DataCategory.LOCATION].points == 32
    assert custom.categories[DataCategory.CONTACTS].points == load_weights().categories[DataCategory.CONTACTS].points
    maps = PROFILES["maps_location"]
    assert score_app(maps, custom).score > score_app(maps, load_weights()).score
    fitness = score_app(PROFILES["fitness_tracker"], custom)
    assert "movement_tracking" in fitness.profiles  # matched, but worth 0 points: no reason
    assert not [r for r in fitness.reasons if r.rule == "combination.movement_tracking"]

    report = score_report(small_report(), custom)
    assert report.weights is not None
    assert report.weights.source == str(path)
    assert report.weights.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    default = score_report(small_report())
    assert default.weights is not None and default.weights.source == BUILT_IN


def test_merge_replaces_lists_and_merges_objects() -> None:
    assert merge({"a": {"b": 1, "c": [1, 2]}}, {"a": {"c": [3]}, "d": 4}) == {"a": {"b": 1, "c": [3]}, "d": 4}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        ("[1, 2]", "expected a JSON object at the top level"),
        ({"categories": {"location": {"points": -1}}}, "categories.location.points: must be at least 0, got -1"),
        ({"categories": {"location": {"points": "many"}}}, "categories.location.points: expected a whole number"),
        ({"categories": {"location": {"points": 1.5}}}, "categories.location.points: expected a whole number"),
        ({"categories": {"locaton": {"points": 1, "rationale": "typo"}}}, "categories: unknown key 'locaton'"),
        ({"levels": {"used_background": {"percent": 10}}}, "levels.used_background.percent: must not be below"),
        ({"levels": {"none": {"percent": 5}}}, "levels.none.percent: must be 0"),
        ({"levels": {"special_access": {"percent": 150}}}, "levels.special_access.percent: must be between 0 and 100"),
        ({"qualifiers": {"approximate_only": {"percent": 200}}}, "qualifiers.approximate_only.percent"),
        ({"grades": {"thresholds": {"C": 5}}}, "grades.thresholds.C: must be above the previous grade's threshold"),
        ({"profiles": {"x": {"name": "X", "points": 1, "requires": [], "rationale": "r"}}}, "profiles.x.requires"),
        (
            {"profiles": {"x": {"name": "X", "points": 1, "requires": [[{"fact": "moon"}]], "rationale": "r"}}},
            "profiles.x.requires[0][0].fact: 'moon' is not one of internet, boot, hidden_icon, sideloaded",
        ),
        (
            {
                "profiles": {
                    "x": {
                        "name": "X",
                        "points": 1,
                        "requires": [[{"category": "camera", "fact": "boot"}]],
                        "rationale": "r",
                    }
                }
            },
            "a condition names exactly one of",
        ),
        ({"device": {"master_keys": {"kinds": ["root"]}}}, "device.master_keys.kinds[0]: 'root' is not one of"),
        ({"breadth": {"min_level": "none"}}, "breadth.min_level: must be above none"),
        ({"rubbish": 1}, "(top level): unknown key 'rubbish'"),
    ],
)
def test_a_bad_weights_file_is_one_line_naming_the_problem(tmp_path: Path, content: object, message: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(AuditorError) as caught:
        load_weights(path)
    text = str(caught.value)
    assert isinstance(caught.value, WeightsError)
    assert "\n" not in text
    assert text.startswith(f"weights {path}: ")
    assert message in text


def test_a_missing_or_undecodable_file(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="cannot read"):
        load_weights(tmp_path / "absent.json")
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"x": "\xe9"}')
    with pytest.raises(WeightsError, match="not UTF-8"):
        load_weights(bad)


def test_null_cannot_delete_a_weight(tmp_path: Path) -> None:
    path = _write(tmp_path, {"qualifiers": {"approximate_only": None}})
    with pytest.raises(WeightsError, match="qualifiers.approximate_only: expected an object"):
        load_weights(path)


def test_every_qualifier_of_the_category_table_needs_a_factor() -> None:
    raw = json.loads(BUNDLED.read_text("utf-8"))
    del raw["qualifiers"]["approximate_only"]
    with pytest.raises(WeightsError, match="missing a factor for 'approximate_only'"):
        parse_weights(raw, source="x.json", sha256="0")
