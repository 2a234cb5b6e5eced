"""Hypothesis strategies shared by the parser tests: hostile variants of a sample capture."""

from __future__ import annotations

from hypothesis import strategies as st


def mutated(sample: str) -> st.SearchStrategy[str]:
    """Arbitrary text, reshuffled sample lines mixed with junk, and the sample with a spliced hole."""
    lines = sample.split("\n")
    line = st.one_of(st.sampled_from(lines), st.text(max_size=30))
    spliced = st.tuples(st.integers(0, len(sample)), st.integers(0, len(sample)), st.text(max_size=10)).map(
        lambda t: sample[: t[0]] + t[2] + sample[t[1] :]
    )
    return st.one_of(st.text(), st.lists(line, max_size=30).map("\n".join), spliced)
