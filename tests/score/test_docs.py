"""docs/scoring.md's generated blocks (weights, categories, worked example) match the code and data."""

from __future__ import annotations

from pathlib import Path

from auditor.score import load_weights
from auditor.score.scoringdoc import BLOCKS, refresh, render_example
from tests.score.test_device import synthetic_scored

SCORING_MD = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


def test_scoring_md_is_current() -> None:
    text = SCORING_MD.read_text("utf-8")
    for name in BLOCKS:
        assert f"<!-- generated:{name} -->" in text, name
    blocks = {name: make() for name, make in BLOCKS.items() if name != "example"}
    blocks["example"] = render_example(synthetic_scored())
    assert refresh(text, blocks) == text, "regenerate: python -m auditor.score.scoringdoc docs/scoring.md"


def test_every_weight_appears_in_the_document() -> None:
    text = SCORING_MD.read_text("utf-8")
    w = load_weights()
    for category, points in w.categories.items():
        assert f"| `{category.value}` | {points.points} |" in text
    for profile in w.profiles:
        assert f"`{profile.id}`" in text


def test_the_worked_example_adds_up() -> None:
    text = render_example(synthetic_scored())
    assert "Sum: 10 + 11 + 7 + 3 = **31** (grade C)." in text  # the flashlight
    assert "= **100** (grade F)." in text  # the stalker, capped
