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

Example:
    >>> import numpy as np
    >>> sizes = np.array([100, 200, 400, 800, 1600, 3200])
    >>> fit = fit_power_law(sizes, 2.0 * sizes**-0.5 + 0.01)
    >>> round(fit.a, 6), round(fit.b, 6), round(fit.c, 6)
    (2.0, 0.5, 0.01)
    >>> round(fit.size_for_error(0.02))
    40000
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from learnlab.io.errors import DataError

MIN_POINTS = 4  # three parameters, and at least one degree of freedom left to judge the fit


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
        bounds=([1e-12, 1e-6, 0.0], [np.inf, 10.0, 1.0]),
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
