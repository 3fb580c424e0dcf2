"""How high a peak stands: the value at an index over the smallest value on each side of it."""

from __future__ import annotations

from collections.abc import Sequence

from learnlab.io.errors import ConfigError


def peak_ratios(values: Sequence[float], index: int) -> tuple[float | None, float | None]:
    """(values[index] / min(values[:index]), values[index] / min(values[index + 1:])); None
    for a side with no values (the peak at an end of the sweep). A minimum of 0 gives inf."""
    if not 0 <= index < len(values):
        raise ConfigError(f"index {index} is outside the {len(values)} values.")
    peak = float(values[index])

    def ratio(side: Sequence[float]) -> float | None:
        if not side:
            return None
        low = float(min(side))
        return float("inf") if low == 0 else peak / low

    return ratio(values[:index]), ratio(values[index + 1 :])


def interpolation_index(train_errors: Sequence[float], tolerance: float = 0.01) -> int | None:
    """The first index whose training error is at most `tolerance` (the smallest model that
    fits its training set, labels noise included), or None."""
    return next((i for i, e in enumerate(train_errors) if e <= tolerance), None)


def peak_near(
    xs: Sequence[float], values: Sequence[float], threshold: float, factor: float = 2.0
) -> int:
    """The index of the largest value among the xs within `factor` of `threshold` (from
    threshold / factor to threshold * factor): the peak of the second descent, not the error of
    the smallest models, which can be higher still (the notebook's H = 2: 69.6%)."""
    near = [i for i, x in enumerate(xs) if threshold / factor <= x <= threshold * factor]
    if not near:
        raise ConfigError(f"no model size within a factor {factor} of the threshold {threshold}.")
    return max(near, key=lambda i: values[i])
