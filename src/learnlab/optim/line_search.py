"""A line search for the strong Wolfe conditions (Nocedal & Wright, "Numerical Optimization",
2nd ed. 2006, algorithms 3.5 and 3.6), as nonlinear conjugate gradients need it.

Along a descent direction p from x, phi(a) = f(x + a p) and phi'(a) = grad f(x + a p) . p,
with phi'(0) < 0. A step a > 0 satisfies the strong Wolfe conditions when

    sufficient decrease   phi(a) <= phi(0) + c1 a phi'(0)
    curvature             |phi'(a)| <= c2 |phi'(0)|            (0 < c1 < c2 < 1)

Algorithm 3.5 grows the trial step until it brackets an interval holding such steps (the
trial breaks sufficient decrease, does not beat the previous trial, or has phi' >= 0), then
algorithm 3.6 ("zoom") shrinks the bracket by safeguarded cubic interpolation (N&W eq. 3.59)
until a trial satisfies both conditions. On a quadratic phi the cubic through two points with
their slopes is the quadratic itself, so zoom lands on the exact minimiser along p: with a
tiny c2 (and c1 below it) this is the exact line search of linear conjugate gradients.

Example:
    >>> def phi(a):  # f(x) = (x - 3)^2 from x = 0 along p = 1
    ...     return (a - 3.0) ** 2, 2.0 * (a - 3.0)
    >>> found = strong_wolfe(phi, 9.0, -6.0, 1.0, c1=1e-10, c2=1e-9)
    >>> round(found.step, 12), found.satisfied
    (3.0, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

Phi = Callable[[float], tuple[float, float]]  # step a -> (phi(a), phi'(a))


@dataclass(frozen=True)
class LineSearchResult:
    """The step found, phi and phi' there, the number of evaluations of phi, and whether the
    step satisfies both strong Wolfe conditions (False when `max_evals` ran out first: the step
    is then the best one found that satisfies sufficient decrease, possibly 0)."""

    step: float
    value: float
    derivative: float
    evals: int
    satisfied: bool


def _cubic_minimiser(a: float, fa: float, da: float, b: float, fb: float, db: float) -> float:
    """The minimiser of the cubic through (a, fa) and (b, fb) with slopes da, db (N&W eq. 3.59);
    NaN when that cubic has no minimiser."""
    if a == b:
        return math.nan
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0:
        return math.nan
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denominator = db - da + 2.0 * d2
    if denominator == 0:
        return math.nan
    return b - (b - a) * (db + d2 - d1) / denominator


def _interpolate(lo: float, flo: float, dlo: float, hi: float, fhi: float, dhi: float) -> float:
    """A trial step inside the bracket: the cubic's minimiser kept at least 10% of the bracket
    away from its ends, else the bisection."""
    left, right = min(lo, hi), max(lo, hi)
    margin = 0.1 * (right - left)
    trial = _cubic_minimiser(lo, flo, dlo, hi, fhi, dhi)
    if not math.isfinite(trial) or not (left + margin <= trial <= right - margin):
        return 0.5 * (lo + hi)
    return trial


def _zoom(
    phi: Phi,
    phi0: float,
    dphi0: float,
    lo: tuple[float, float, float],
    hi: tuple[float, float, float],
    c1: float,
    c2: float,
    evals_left: int,
) -> tuple[LineSearchResult | None, tuple[float, float, float], int]:
    """Algorithm 3.6. `lo` and `hi` are (step, phi, phi'): lo satisfies sufficient decrease
    with the lowest phi so far, and phi'(lo) (hi - lo) < 0. Returns (result or None when the
    evaluations ran out, the final lo, evaluations used)."""
    used = 0
    while used < evals_left and abs(hi[0] - lo[0]) > 4e-16 * max(1.0, abs(lo[0])):
        a = _interpolate(*lo, *hi)
        fa, da = phi(a)
        used += 1
        # N&W test phi(a) >= phi(lo); a tie (values flat to rounding near a minimum) is left
        # to the slope, which still tells the side of the minimiser
        if not math.isfinite(fa) or fa > phi0 + c1 * a * dphi0 or fa > lo[1]:
            hi = (a, fa, da)
            continue
        if abs(da) <= -c2 * dphi0:
            return LineSearchResult(a, fa, da, 0, True), lo, used
        if da * (hi[0] - lo[0]) >= 0:
            hi = lo
        lo = (a, fa, da)
    return None, lo, used  # out of evaluations, or the bracket vanished in floating point


def strong_wolfe(
    phi: Phi,
    phi0: float,
    dphi0: float,
    first_step: float,
    *,
    c1: float = 1e-4,
    c2: float = 0.1,
    max_step: float = 1e10,
    max_evals: int = 25,
) -> LineSearchResult:
    """A step satisfying the strong Wolfe conditions along a descent direction (algorithm 3.5).

    Args:
        phi: step a -> (phi(a), phi'(a)).
        phi0, dphi0: phi(0) and phi'(0) (< 0: the direction must descend).
        first_step: the first trial step (> 0).
        c1, c2: the constants of the conditions, 0 < c1 < c2 < 1 (c2 = 0.1 is N&W's advice for
            conjugate gradients, 0.9 for quasi-Newton methods).
        max_step: the largest step tried.
        max_evals: the most evaluations of phi.
    """
    if not dphi0 < 0:
        raise ValueError(f"phi'(0) must be negative (a descent direction), got {dphi0}")
    if not 0 < c1 < c2 < 1:
        raise ValueError(f"need 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
    if not 0 < first_step <= max_step:
        raise ValueError(f"need 0 < first_step <= max_step, got {first_step} and {max_step}")
    previous = (0.0, phi0, dphi0)
    a, evals = first_step, 0
    while evals < max_evals:
        fa, da = phi(a)
        evals += 1
        current = (a, fa, da)
        if not math.isfinite(fa) or fa > phi0 + c1 * a * dphi0 or (evals > 1 and fa >= previous[1]):
            found, lo, used = _zoom(phi, phi0, dphi0, previous, current, c1, c2, max_evals - evals)
            return _finish(found, lo, evals + used)
        if abs(da) <= -c2 * dphi0:
            return LineSearchResult(a, fa, da, evals, True)
        if da >= 0:
            found, lo, used = _zoom(phi, phi0, dphi0, current, previous, c1, c2, max_evals - evals)
            return _finish(found, lo, evals + used)
        if a >= max_step:
            break
        previous, a = current, min(2.0 * a, max_step)
    return LineSearchResult(previous[0], previous[1], previous[2], evals, False)


def _finish(
    found: LineSearchResult | None, lo: tuple[float, float, float], evals: int
) -> LineSearchResult:
    if found is not None:
        return LineSearchResult(found.step, found.value, found.derivative, evals, True)
    return LineSearchResult(lo[0], lo[1], lo[2], evals, False)
