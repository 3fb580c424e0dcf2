"""Random Fourier features: their inner products approach the Gaussian kernel, columns do not
depend on how many are made, and bad settings are refused."""

from __future__ import annotations

import pytest
import torch

from learnlab.analysis.random_features import BLOCK, RandomFourierFeatures
from learnlab.io.errors import ConfigError


def test_inner_products_approach_the_gaussian_kernel():
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    rff = RandomFourierFeatures(3, bandwidth=1.5, seed=4)
    count = 40_000
    phi = rff.features(x, 0, count) * (2 / count) ** 0.5
    exact = torch.exp(-(torch.cdist(x, x) ** 2) / (2 * 1.5**2))
    assert (phi @ phi.T - exact).abs().max() < 0.03  # Monte-Carlo error ~ 1/sqrt(count)


def test_any_range_of_columns_equals_the_same_columns_of_a_larger_set():
    x = torch.rand(5, 4, dtype=torch.float64)
    rff = RandomFourierFeatures(4, bandwidth=2.0, seed=7)
    whole = rff.features(x, 0, 3 * BLOCK + 5)
    assert torch.equal(
        rff.features(x, BLOCK - 3, 2 * BLOCK + 9), whole[:, BLOCK - 3 : 2 * BLOCK + 9]
    )
    assert rff.features(x, 10, 10).shape == (5, 0)
    assert not torch.equal(RandomFourierFeatures(4, 2.0, seed=8).features(x, 0, 5), whole[:, :5])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"input_dim": 0, "bandwidth": 1.0, "seed": 0}, "input_dim"),
        ({"input_dim": 2, "bandwidth": 0.0, "seed": 0}, "bandwidth"),
    ],
)
def test_bad_settings_are_config_errors(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        RandomFourierFeatures(**kwargs)


def test_wrong_input_width_and_bad_range_are_config_errors():
    rff = RandomFourierFeatures(3, 1.0, 0)
    with pytest.raises(ConfigError, match="x must be"):
        rff.features(torch.zeros(2, 4), 0, 3)
    with pytest.raises(ConfigError, match="start <= stop"):
        rff.features(torch.zeros(2, 3), 5, 3)
