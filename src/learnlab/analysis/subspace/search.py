"""The search for the intrinsic dimension d_int90: the smallest subspace dimension d whose
trained model reaches a threshold of validation accuracy (Li et al. 2018: 90% of the baseline).

Rule: the coarse grid is evaluated in increasing order until a d reaches the threshold (the
larger ones are skipped); then `bisection_steps` bisections between the largest failing and the
smallest passing d (rounded to integers) narrow the crossing. d_int90 is the smallest d that
passed; None if no d of the grid did. The accuracy is not exactly monotone in d (each d is
another random subspace and another training run), so the answer is the crossing that this
search finds, with every point it evaluated kept for the figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from learnlab.io.errors import ConfigError


@dataclass(frozen=True)
class IntrinsicDimension:
    threshold: float
    d_int: int | None  # the smallest passing d; None when no d of the grid passed
    dims: tuple[int, ...]  # every d evaluated, in increasing order
    accuracies: tuple[float, ...]  # their accuracies, in the same order

    def passed(self) -> tuple[bool, ...]:
        return tuple(a >= self.threshold for a in self.accuracies)


def check_grid(grid: Sequence[int]) -> list[int]:
    values = list(grid)
    if not values or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in values):
        raise ConfigError(
            f"the grid of d must be a non-empty list of positive integers; got {values}."
        )
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ConfigError(f"the grid of d must increase; got {values}.")
    return values


def find_intrinsic_dimension(
    accuracy_at: Callable[[int], float],
    grid: Sequence[int],
    threshold: float,
    bisection_steps: int = 2,
) -> IntrinsicDimension:
    """Search d (see the module docstring); `accuracy_at(d)` trains and measures one model."""
    grid = check_grid(grid)
    results: dict[int, float] = {}

    def measure(d: int) -> bool:
        if d not in results:
            results[d] = float(accuracy_at(d))
        return results[d] >= threshold

    passing = next((d for d in grid if measure(d)), None)
    if passing is not None:
        failing = max((d for d in results if d < passing), default=0)
        for _ in range(bisection_steps):
            middle = (failing + passing) // 2
            if middle <= failing:
                break
            if measure(middle):
                passing = middle
            else:
                failing = middle
    dims = tuple(sorted(results))
    return IntrinsicDimension(
        threshold=threshold,
        d_int=passing,
        dims=dims,
        accuracies=tuple(results[d] for d in dims),
    )
