"""The bias-variance decomposition: exact against the closed form of least squares on a fixed
design (bias and variance of a linear smoother), the identity with the mean squared error of
the fits, Legendre features against NumPy's, the training sets, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from learnlab.analysis.bias_variance import decompose, legendre_features, training_sets
from learnlab.analysis.min_norm import min_norm_least_squares
from learnlab.io.errors import ConfigError


def test_bias_squared_plus_variance_is_the_mean_squared_error_of_the_fits():
    g = torch.Generator().manual_seed(0)
    preds, truth = torch.randn(7, 11, generator=g), torch.randn(11, generator=g)
    d = decompose(preds, truth, noise_variance=0.25)
    mse = float(((preds.double() - truth.double()) ** 2).mean())
    assert d.bias_squared + d.variance == pytest.approx(mse, rel=1e-12)
    assert d.expected_error == pytest.approx(mse + 0.25, rel=1e-12) and d.fits == 7


def test_least_squares_on_a_fixed_design_matches_the_closed_form():
    """Fixed x, fresh noise: the fit is H y (H = X_t X^+); E fit = H f, Var = s^2 diag(H H^T)."""
    x = torch.linspace(-1, 1, 15, dtype=torch.float64)
    x_test = torch.linspace(-0.9, 0.9, 9, dtype=torch.float64)
    f = lambda t: torch.sin(3 * t)  # noqa: E731
    sigma, fits, degree = 0.5, 20_000, 4
    design, test = legendre_features(x, degree), legendre_features(x_test, degree)
    hat = test @ torch.linalg.pinv(design)
    noise = torch.randn(fits, 15, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ys = f(x) + sigma * noise
    preds = torch.stack([test @ min_norm_least_squares(design, y) for y in ys[:200]])
    preds = torch.cat([preds, (ys[200:] @ hat.T)])  # the same linear map, faster
    d = decompose(preds, f(x_test), sigma**2)
    bias_exact = float(((hat @ f(x) - f(x_test)) ** 2).mean())
    variance_exact = float(sigma**2 * (hat**2).sum(1).mean())
    assert d.variance == pytest.approx(variance_exact, rel=0.03)
    assert d.bias_squared == pytest.approx(bias_exact, rel=0.05, abs=1e-5)


def test_legendre_features_equal_numpys_vandermonde():
    x = torch.linspace(-1, 1, 13, dtype=torch.float64)
    np.testing.assert_allclose(
        legendre_features(x, 7).numpy(), np.polynomial.legendre.legvander(x.numpy(), 7), atol=1e-12
    )


def test_training_sets_fresh_and_bootstrap():
    def draw(size, generator):
        x = torch.rand(size, generator=generator)
        return x, 2 * x

    xs, ys = training_sets(3, 5, resampling="fresh", seed=0, draw=draw)
    assert xs.shape == (3, 5) and torch.equal(ys, 2 * xs) and not torch.equal(xs[0], xs[1])
    pool = (torch.arange(10.0), torch.arange(10.0) * 3)
    bx, by = training_sets(4, 10, resampling="bootstrap", seed=0, pool=pool)
    assert (
        bx.shape == (4, 10)
        and torch.equal(by, 3 * bx)
        and set(bx.flatten().tolist()) <= set(range(10))
    )
    again = training_sets(4, 10, resampling="bootstrap", seed=0, pool=pool)
    assert torch.equal(again[0], bx)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: decompose(torch.zeros(3), torch.zeros(3)), "predictions"),
        (lambda: decompose(torch.zeros(2, 3), torch.zeros(4)), "target"),
        (lambda: decompose(torch.zeros(2, 3), torch.zeros(3), -1.0), "noise_variance"),
        (lambda: training_sets(2, 3, resampling="jackknife", seed=0), "resampling"),
        (lambda: training_sets(0, 3, resampling="fresh", seed=0), "sets"),
        (lambda: training_sets(2, 3, resampling="bootstrap", seed=0), "pool"),
        (lambda: legendre_features(torch.zeros(3), -1), "degree"),
    ],
)
def test_bad_input_is_a_config_error(call, match):
    with pytest.raises(ConfigError, match=match):
        call()
