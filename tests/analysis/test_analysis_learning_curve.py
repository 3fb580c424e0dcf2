"""The power-law fit err(n) = a n^-b + c: recovery of known laws, its inverse, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import least_squares

from learnlab.analysis.learning_curve import (
    MAX_RELATIVE_STDERR,
    fit_power_law,
    geometric_sizes,
)
from learnlab.io.errors import DataError

SIZES = np.array([250, 500, 1000, 2000, 4000, 8000, 16000, 32000])


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.2, 20.0),
    b=st.floats(0.2, 1.2),
    c=st.floats(0.0, 0.2),
)
def test_recovers_an_exact_power_law(a, b, c):
    errors = a * SIZES ** (-b) + c
    if errors.max() > 1:
        errors = errors / (errors.max() * 1.01)  # keep errors in [0, 1]: scale a and c alike
        scale = errors[0] / (a * SIZES[0] ** (-b) + c)
        a, c = a * scale, c * scale
    fit = fit_power_law(SIZES, errors)
    assert fit.rmse < 1e-7  # exact data: only the optimiser's stopping point is left
    # small a with large b leaves errors of ~1e-5 at the largest sizes, where a and c trade
    # off along a nearly flat valley: 1e-4 relative is what exact data pins down there
    np.testing.assert_allclose([fit.a, fit.b, fit.c], [a, b, c], rtol=1e-4, atol=1e-6)
    assert not fit.ill_determined  # exact points pin the law down


def test_matches_an_independent_least_squares_fit_on_noisy_points():
    rng = np.random.default_rng(0)
    errors = 3.0 * SIZES**-0.6 + 0.015 + rng.normal(0, 5e-4, SIZES.size)
    fit = fit_power_law(SIZES, errors)

    # the oracle: scipy's least_squares on the residuals, from a different start
    def residuals(p):
        return p[0] * SIZES ** (-p[1]) + p[2] - errors

    oracle = least_squares(residuals, x0=[1.0, 0.5, 0.0], bounds=([0, 0, 0], [np.inf, 10, 1]))
    np.testing.assert_allclose([fit.a, fit.b, fit.c], oracle.x, rtol=1e-3, atol=1e-6)
    assert fit.rmse == pytest.approx(np.sqrt(np.mean(oracle.fun**2)), rel=1e-3)
    assert fit.b_stderr > 0 and math.isfinite(fit.c_stderr)


def test_size_for_error_inverts_the_law():
    fit = fit_power_law(SIZES, 2.0 * SIZES**-0.5 + 0.01)
    for target in (0.02, 0.05, 0.011):
        needed = fit.size_for_error(target)
        assert fit.error_at(needed) == pytest.approx(target, rel=1e-9)
    assert fit.size_for_error(0.0099) == math.inf  # below the asymptote: never reached
    assert fit.size_for_error(0.005) == math.inf
    with pytest.raises(DataError, match=r"target_error must lie in \(0, 1\)"):
        fit.size_for_error(1.5)


@pytest.mark.parametrize(
    "sizes, errors, message",
    [
        ([1, 2, 3], [0.3, 0.2, 0.1], "at least 4 distinct"),
        ([10, 10, 20, 20, 40], [0.3, 0.3, 0.2, 0.2, 0.1], "at least 4 distinct"),
        ([10, 20, 40, 80], [0.3, 0.2, 0.1], "one error per size"),
        ([10, 20, 40, 80], [0.3, 0.2, 1.5, 0.1], r"fractions in \[0, 1\]"),
        ([10, 20, 40, 80], [0.3, 0.2, float("nan"), 0.1], r"fractions in \[0, 1\]"),
        ([0, 20, 40, 80], [0.3, 0.2, 0.15, 0.1], ">= 1"),
    ],
)
def test_bad_points_are_refused_with_a_reason(sizes, errors, message):
    with pytest.raises(DataError, match=message):
        fit_power_law(sizes, errors)


def test_geometric_sizes():
    assert geometric_sizes(500, 54000, 7) == [500, 1091, 2381, 5196, 11339, 24745, 54000]
    assert geometric_sizes(1, 4, 3) == [1, 2, 4]
    with pytest.raises(DataError):
        geometric_sizes(100, 100, 3)


# Seven sizes from 500 to 1,293 and the validation errors an MLP reached on digits (of 144
# validation examples): the points of the ill-determined fit 3.88e+07 n^-3.48 + 0.0416.
DIGITS_SIZES = np.array([500, 586, 686, 804, 942, 1104, 1293])
DIGITS_ERRORS = np.array([8, 8, 6, 6, 7, 6, 6]) / 144


def oracle_stderrs(sizes, errors, a, b, c) -> np.ndarray:
    """Standard errors of (a, b, c) at the optimum: s^2 (J^T J)^-1 with the analytic Jacobian
    of a n^-b + c and s^2 the residual variance on m - 3 degrees of freedom."""
    n = np.asarray(sizes, dtype=float)
    jacobian = np.stack([n**-b, -a * n**-b * np.log(n), np.ones_like(n)], axis=1)
    residuals = a * n**-b + c - errors
    s2 = residuals @ residuals / (len(n) - 3)
    return np.sqrt(np.diag(s2 * np.linalg.inv(jacobian.T @ jacobian)))


def best_rmse_with_b_fixed(sizes, errors, b: float) -> float:
    """The oracle's best fit of a n^-b + c with the exponent held at b."""

    def residuals(p):
        return p[0] * sizes ** (-b) + p[1] - errors

    fit = least_squares(residuals, x0=[1.0, 0.0], bounds=([0, 0], [np.inf, 1]), x_scale="jac")
    return float(np.sqrt(np.mean(fit.fun**2)))


def test_a_well_determined_curve_is_not_flagged():
    rng = np.random.default_rng(0)
    errors = 3.0 * SIZES**-0.6 + 0.015 + rng.normal(0, 5e-4, SIZES.size)
    fit = fit_power_law(SIZES, errors)
    np.testing.assert_allclose(
        [fit.a_stderr, fit.b_stderr, fit.c_stderr],
        oracle_stderrs(SIZES, errors, fit.a, fit.b, fit.c),
        rtol=1e-3,
    )
    assert fit.b_relative_stderr < 0.05 and fit.problems == [] and not fit.ill_determined
    # the oracle agrees: holding b 30% off its value fits clearly worse
    assert best_rmse_with_b_fixed(SIZES, errors, 1.3 * fit.b) > 3 * fit.rmse


def test_an_ill_determined_curve_is_flagged_with_its_uncertainty():
    fit = fit_power_law(DIGITS_SIZES, DIGITS_ERRORS)
    assert (round(fit.a, -5), round(fit.b, 2), round(fit.c, 4)) == (38800000.0, 3.48, 0.0416)
    stderrs = oracle_stderrs(DIGITS_SIZES, DIGITS_ERRORS, fit.a, fit.b, fit.c)
    np.testing.assert_allclose([fit.a_stderr, fit.b_stderr, fit.c_stderr], stderrs, rtol=1e-3)
    assert stderrs[1] / fit.b > MAX_RELATIVE_STDERR  # the oracle's verdict
    assert fit.ill_determined
    (problem,) = fit.problems
    assert "b = 3.48 has a standard error of 3.7 (106% of b, over 50%)" in problem
    assert fit.describe() == "err(n) = 3.88e+07 (± 8.8e+08) n^-3.48 (± 3.7) + 0.0416 (± 0.005)"
    # the oracle agrees: exponents from 0.3 to 3.5 fit these points about equally well
    for b in (0.3, 1.0):
        assert best_rmse_with_b_fixed(DIGITS_SIZES, DIGITS_ERRORS, b) < 1.2 * fit.rmse


@pytest.mark.parametrize(
    "errors, reason",
    [
        ([0.05] * 5, "at its bound 0: the errors do not fall with n"),  # a flat curve
        ([0.3, 0.2, 0.2, 0.2, 0.2], "b = 10 is at a bound"),  # a step, not a power law
    ],
)
def test_a_fit_at_a_bound_is_flagged(errors, reason):
    fit = fit_power_law([100, 200, 400, 800, 1600], errors)
    assert fit.ill_determined and reason in fit.problems[0]
