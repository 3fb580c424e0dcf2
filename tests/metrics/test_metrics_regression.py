"""R^2, MSE and the regression baselines against scikit-learn on random data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error as sk_mse
from sklearn.metrics import r2_score as sk_r2

from learnlab.io.errors import DataError
from learnlab.metrics.regression import fit_regression_baselines, mean_squared_error, r2_score


def _data(seed: int, n: int = 40, d: int = 3, k: int = 1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = x @ torch.randn(d, k, generator=g) + 0.5 * torch.randn(n, k, generator=g) + 3.0
    return x, y


@pytest.mark.parametrize("seed", range(5))
def test_r2_and_mse_equal_sklearn(seed):
    _, y = _data(seed)
    noisy = y + torch.randn(y.shape, generator=torch.Generator().manual_seed(seed + 100))
    assert r2_score(y, noisy) == pytest.approx(sk_r2(y.numpy(), noisy.numpy()), abs=1e-6)
    assert mean_squared_error(y, noisy) == pytest.approx(sk_mse(y.numpy(), noisy.numpy()), 1e-6)
    # one-dimensional targets, and several output columns pooled as variance_weighted
    assert r2_score(y[:, 0], noisy[:, 0]) == pytest.approx(sk_r2(y[:, 0], noisy[:, 0]), abs=1e-6)
    _, y3 = _data(seed, k=3)
    p3 = y3 * torch.tensor([1.0, 0.5, 2.0])
    expected = sk_r2(y3.numpy(), p3.numpy(), multioutput="variance_weighted")
    assert r2_score(y3, p3) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_linear_baseline_equals_sklearn_linear_regression(seed):
    x, y = _data(seed)
    x_test, _ = _data(seed + 50, n=15)
    fitted = fit_regression_baselines(x, y, x_test)
    expected = LinearRegression().fit(x.numpy(), y.numpy()).predict(x_test.numpy())
    np.testing.assert_allclose(fitted["linear"].numpy(), expected, atol=1e-5)
    assert fitted["linear"].shape == (15, 1)
    assert torch.allclose(fitted["mean"], y.mean().expand(15, 1))


def test_r2_refuses_what_it_cannot_score():
    with pytest.raises(DataError, match="differ"):
        r2_score(torch.ones(4), torch.zeros(4))  # constant targets: SS_tot = 0
    with pytest.raises(DataError, match="predictions"):
        r2_score(torch.arange(4.0), torch.zeros(3))
