"""Damaged captures and what every parser must do with them.

A capture arrives cut anywhere (an output limit, a timeout, a dropped connection) or with binary junk
around it. Whatever its format, a parser given a cut capture must:

* invent nothing: its facts are a subset of the intact capture's facts;
* keep what it read whole: every fact of the lines before the cut line is still there;
* say what it lost: when the cut goes through a fact's own text, the result holds an ``unknown``
  entry that the intact result does not.

``Contract`` states those three for one parser, given how to list its facts and where each fact's
text sits; ``check_cut`` checks them for one cut. The intact inputs are real captures and the
synthetic device's output (``synthetic_output``), whose facts the tests assert by value elsewhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from hypothesis import strategies as st

from auditor.parse.text import decode_output


class Parsed(Protocol):
    """Every parse result keeps what it did not understand."""

    @property
    def unknown(self) -> tuple[str, ...]: ...


R = TypeVar("R", bound=Parsed)
F = TypeVar("F", bound=Hashable)

GARBAGE = decode_output(bytes(range(256)) * 4).text
"""Every byte value four times, decoded as the audit decodes output: control characters, invalid
UTF-8 (as U+FFFD), NULs dropped, CR and LF as line ends."""

GARBAGE_LINES = tuple(line for line in GARBAGE.split("\n") if line.strip())
"""The non-blank lines of ``GARBAGE`` (what a line parser keeps in ``unknown``)."""


@functools.cache
def synthetic_output(command_id: str) -> str:
    """What the synthetic device (60 apps, seed 0) prints for one command of the plan."""
    from auditor.acquire.synthetic import generate

    snapshot, _truth = generate(60, seed=0)
    return decode_output(snapshot.outputs[command_id]).text


@dataclass(frozen=True)
class Contract(Generic[R, F]):
    """One parser's behaviour on cut input, stated through its facts.

    An empty result keeps all three promises, so every test using a contract also pins the intact
    capture's facts by value: a parser that reads nothing fails there.
    """

    parse: Callable[[str], R]
    facts: Callable[[R], frozenset[F]]
    """The facts of a result (grants, holders, key/value pairs …) as a set."""
    evidence: Callable[[F], str]
    """A regular expression for the text a fact is read from: a cut inside it must be flagged."""

    def check_cut(self, text: str, cut: int, *, full: R | None = None) -> R:
        """Check the three promises for ``text[:cut]``; returns the cut result."""
        intact = self.parse(text) if full is None else full
        whole = self.facts(intact)
        result = self.parse(text[:cut])
        got = self.facts(result)
        assert got <= whole, f"cut at {cut} invented {got - whole}"
        line_start = text.rfind("\n", 0, cut) + 1
        kept = self.facts(self.parse(text[:line_start]))
        assert kept <= got, f"cut at {cut} lost {kept - got}, read whole before the cut line"
        line_end = text.find("\n", cut)
        lost = self.facts(self.parse(text[: len(text) if line_end < 0 else line_end + 1])) - got
        begun = {f for f in lost if any(m.start() < cut < m.end() for m in re.finditer(self.evidence(f), text))}
        if begun:
            new = set(result.unknown) - set(intact.unknown)
            assert new, f"cut at {cut} went through {begun} and nothing says so"
        return result


def cut_points(text: str, count: int) -> list[int]:
    """About ``count`` cut positions spread over ``text``, each line boundary's neighbours included
    for the first lines (where headers sit), and both ends."""
    step = max(1, len(text) // count)
    points = set(range(0, len(text) + 1, step)) | {len(text)}
    for at in [i for i, ch in enumerate(text) if ch == "\n"][:40]:
        points |= {at - 1, at, at + 1, at + 2}
    return sorted(p for p in points if 0 <= p <= len(text))


def cuts(texts: Iterable[str]) -> st.SearchStrategy[tuple[str, int]]:
    """An intact text and a position to cut it at."""
    return st.sampled_from(list(texts)).flatmap(lambda t: st.tuples(st.just(t), st.integers(0, len(t))))
