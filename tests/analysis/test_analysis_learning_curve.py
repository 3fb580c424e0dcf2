"""The power-law fit err(n) = a n^-b + c: recovery of known laws, its inverse, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import least_squares

from learnlab.analysis.learning_curve import fit_power_law, geometric_sizes
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
