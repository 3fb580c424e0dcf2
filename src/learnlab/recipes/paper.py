"""A reproduction's paper and its numbers: the data a recipe registers with `reproduction=`.

`Paper` cites it; each `Claim` is one number of the paper with how to read ours from the
recipe's summary (the mean over the seeds it ran, and how far the seeds spread), how far apart
the two may be and why they may differ; `Reproduction` adds the setup in words and the
overrides of `--quick`. `learnlab.recipes.reproduce` runs a reproduction and builds the
paper-vs-measured table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# what a `--quick` run's table, report and index entry say: its numbers are not the paper's
QUICK_NOTE = "quick run: not the paper's configuration; numbers are not comparable"


@dataclass(frozen=True)
class Paper:
    authors: str
    year: int
    title: str
    venue: str = ""

    def citation(self) -> str:
        venue = f", {self.venue}" if self.venue else ""
        return f'{self.authors} ({self.year}), "{self.title}"{venue}'


@dataclass(frozen=True)
class Spread:
    """How our number varies between seeds: its sample standard deviation (None with one
    seed), its lowest and highest value, and how many seeds ran."""

    std: float | None
    low: float
    high: float
    seeds: int


@dataclass(frozen=True)
class Claim:
    """One number of the paper and how to measure ours."""

    quantity: str  # e.g. "test error (%), LeNet-5, no distortions"
    paper: float
    measure: Callable[[dict[str, Any]], float]  # the recipe's summary -> our number (the mean)
    tolerance: float  # |ours - paper| up to this counts as agreeing (seed-to-seed spread)
    why_different: str  # shown when they differ by more than the tolerance
    digits: int = 2
    # the recipe's summary -> the spread of our number over seeds (None: one run, no spread)
    spread: Callable[[dict[str, Any]], Spread | None] | None = None


@dataclass(frozen=True)
class Reproduction:
    paper: Paper
    setup: str  # the configuration in words, and where it departs from the paper
    claims: tuple[Claim, ...]
    quick: dict[str, Any]  # config overrides of `--quick` (a test-sized run)
    quick_note: str = QUICK_NOTE
