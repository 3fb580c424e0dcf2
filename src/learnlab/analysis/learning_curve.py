"""Learning curves: error against the amount of training data, fitted by a power law.

Lecture 004's advice for deciding whether to gather more data: plot performance for growing
amounts of data and extrapolate how much is needed to reach a target. The model fitted here is
the inverse power law with an asymptote of Cortes, Jackel, Solla, Vapnik and Denker (1994,
"Learning curves: asymptotic values and rate of convergence") and Hestness et al. (2017,
"Deep Learning Scaling is Predictable, Empirically"):

    err(n) = a * n^(-b) + c,        a > 0, b > 0, 0 <= c < 1,

where c is the error that no amount of data removes (noise, and the model's bias) and b the
rate at which data helps. The fit is scipy's bounded nonlinear least squares
(`scipy.optimize.curve_fit`, trust-region reflective) on the errors, started from a log-log
line through the points. Inverting the law gives the data needed for a target error e:

    n(e) = (a / (e - c))^(1 / b)     if e > c;   unreachable if e <= c.

A few noisy points on a short range of sizes often leave the law undetermined: many (a, b, c)
fit them about equally well, and the optimum found (e.g. 3.88e+07 n^-3.48 + 0.0416 on seven
sizes from 500 to 1,293) says nothing about more data. `PowerLawFit.problems` names why a fit
cannot be read at face value, from the standard errors of the parameters (the square roots of
the diagonal of curve_fit's covariance, s^2 (J^T J)^-1 at the optimum):

- the covariance is undefined (J^T J singular: the points cannot tell the parameters apart);
- a parameter ran into a bound of the fit (a at ~0: a flat curve, errors that do not fall
  with n; b at 0 or 10; c at 1): the optimum is then on the boundary, where the covariance, which
  describes an interior optimum, says nothing about the uncertainty;
- the exponent b has a relative standard error over `MAX_RELATIVE_STDERR` (50%): then its
  approximate 95% interval, b ± 2 standard errors, includes 0, so the points do not even
  establish that error falls as a power of n, let alone how fast.

`ill_determined` is true when there is such a problem; the recipe and the figure then show
the law with its uncertainty and say that neither the data needed nor the asymptote can be
read from it. Separately, `size_for_error` beyond `MAX_EXTRAPOLATION` (10) times the largest
size measured is an extrapolation the recipe flags as such, even from a well-determined fit.

Example:
    >>> import numpy as np
    >>> sizes = np.array([100, 200, 400, 800, 1600, 3200])
    >>> fit = fit_power_law(sizes, 2.0 * sizes**-0.5 + 0.01)
    >>> round(fit.a, 6), round(fit.b, 6), round(fit.c, 6)
    (2.0, 0.5, 0.01)
    >>> round(fit.size_for_error(0.02)), fit.ill_determined
    (40000, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from learnlab.io.errors import DataError

MIN_POINTS = 4  # three parameters, and at least one degree of freedom left to judge the fit
MAX_RELATIVE_STDERR = 0.5  # of the exponent b: beyond, b ± 2 standard errors includes 0
MAX_EXTRAPOLATION = 10.0  # "data needed" beyond this many times the largest size: a guess
# the fit's bounds on (a, b, c); a at its lower bound is a flat curve, c = 0 a law without floor
_LOWER, _UPPER = (1e-12, 1e-6, 0.0), (np.inf, 10.0, 1.0)
_FLAT_A = 1e-9  # a n^-b below this for every n >= 1: no decrease worth the name


@dataclass(frozen=True)
class PowerLawFit:
    """A fitted err(n) = a n^-b + c, with the standard errors of a, b, c from the fit's
    covariance (NaN where the covariance is not defined)."""

    a: float
    b: float
    c: float
    a_stderr: float
    b_stderr: float
    c_stderr: float
    rmse: float  # root mean squared residual of the fit, in error units

    @property
    def b_relative_stderr(self) -> float:
        """The standard error of the exponent b relative to b (NaN when undefined)."""
        return self.b_stderr / self.b if self.b > 0 else math.nan

    @property
    def problems(self) -> list[str]:
        """Why the law cannot be read at face value (see the module docstring); empty for a
        well-determined fit."""
        stderrs = (self.a_stderr, self.b_stderr, self.c_stderr)
        if not all(math.isfinite(s) for s in stderrs):
            return ["the fit's covariance is undefined: the points cannot tell a, b and c apart"]
        if self.a < _FLAT_A:
            return [f"a = {self.a:.3g} is at its bound 0: the errors do not fall with n"]
        if not 10 * _LOWER[1] < self.b < (1 - 1e-3) * _UPPER[1]:
            return [
                f"b = {self.b:.3g} is at a bound of the fit (0 or {_UPPER[1]:g}): the points do "
                "not pin the rate down"
            ]
        if self.c > (1 - 1e-3) * _UPPER[2]:
            return [f"c = {self.c:.3g} is at its bound 1: the points do not pin the floor down"]
        if self.b_relative_stderr > MAX_RELATIVE_STDERR:
            return [
                f"the exponent b = {self.b:.3g} has a standard error of {self.b_stderr:.2g} "
                f"({100 * self.b_relative_stderr:.0f}% of b, over "
                f"{100 * MAX_RELATIVE_STDERR:.0f}%): b ± 2 standard errors includes 0, so the "
                "points do not establish how fast error falls with more data"
            ]
        return []

    @property
    def ill_determined(self) -> bool:
        return bool(self.problems)

    def describe(self) -> str:
        """The law with each parameter's standard error, e.g. `err(n) = 3.88e+07 (± 8.8e+08)
        n^-3.48 (± 3.7) + 0.0416 (± 0.005)`."""
        return (
            f"err(n) = {self.a:.3g} (± {self.a_stderr:.2g}) n^-{self.b:.3g} "
            f"(± {self.b_stderr:.2g}) + {self.c:.3g} (± {self.c_stderr:.2g})"
        )

    def error_at(self, size: float | np.ndarray) -> float | np.ndarray:
        return self.a * np.asarray(size, dtype=np.float64) ** (-self.b) + self.c

    def size_for_error(self, target_error: float) -> float:
        """Training examples needed to reach `target_error`; math.inf when the target is at or
        below the fitted asymptote c (no amount of data of this kind reaches it)."""
        if not 0.0 < target_error < 1.0:
            raise DataError(f"target_error must lie in (0, 1), got {target_error!r}")
        if target_error <= self.c:
            return math.inf
        return (self.a / (target_error - self.c)) ** (1.0 / self.b)


def _power_law(n: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return a * n ** (-b) + c


def _check_points(sizes, errors) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(sizes, dtype=np.float64).ravel()
    e = np.asarray(errors, dtype=np.float64).ravel()
    if n.shape != e.shape:
        raise DataError(f"got {n.size} sizes but {e.size} errors; give one error per size")
    if n.size < MIN_POINTS or np.unique(n).size < MIN_POINTS:
        raise DataError(
            f"a power law a*n^-b + c needs at least {MIN_POINTS} distinct training-set sizes, "
            f"got {np.unique(n).size}; add sizes"
        )
    if not (np.isfinite(n).all() and (n >= 1).all()):
        raise DataError(f"sizes must be finite and >= 1, got {n.tolist()}")
    if not (np.isfinite(e).all() and (e >= 0).all() and (e <= 1).all()):
        raise DataError(f"errors must be fractions in [0, 1], got {e.tolist()}")
    return n, e


def fit_power_law(sizes, errors) -> PowerLawFit:
    """Fit err(n) = a n^-b + c to measured (size, error) points; see the module docstring."""
    from scipy.optimize import curve_fit

    n, e = _check_points(sizes, errors)
    # Start from the line through log(e - c0) against log(n), with c0 a little below the
    # smallest error: a start in the right basin makes the bounded fit converge reliably.
    c0 = 0.5 * float(e.min())
    slope, intercept = np.polyfit(np.log(n), np.log(np.maximum(e - c0, 1e-12)), 1)
    b0 = float(np.clip(-slope, 1e-3, 4.0))
    a0 = float(np.clip(math.exp(intercept), 1e-9, 1e9))
    params, covariance = curve_fit(
        _power_law,
        n,
        e,
        p0=(a0, b0, c0),
        bounds=(_LOWER, _UPPER),
        method="trf",
        x_scale="jac",
        ftol=1e-15,
        xtol=1e-15,
        gtol=1e-15,
        max_nfev=20_000,
    )
    a, b, c = (float(p) for p in params)
    with np.errstate(invalid="ignore"):
        stderr = np.sqrt(np.diag(covariance)) if np.all(np.isfinite(covariance)) else [math.nan] * 3
    residuals = e - _power_law(n, a, b, c)
    rmse = float(np.sqrt(np.mean(residuals**2)))
    return PowerLawFit(a, b, c, *(float(s) for s in stderr), rmse=rmse)


def geometric_sizes(smallest: int, largest: int, points: int) -> list[int]:
    """`points` training-set sizes spaced evenly on a log scale from smallest to largest."""
    if not 1 <= smallest < largest:
        raise DataError(f"need 1 <= smallest < largest, got {smallest} and {largest}")
    if points < 2:
        raise DataError(f"need at least 2 points, got {points}")
    sizes = np.geomspace(smallest, largest, points).round().astype(int)
    return sorted(set(int(s) for s in sizes))
