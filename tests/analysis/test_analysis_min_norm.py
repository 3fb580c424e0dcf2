"""The minimum-norm least-squares solution against numpy.linalg.lstsq (float64 oracle) on
under- and over-determined systems, rank-deficient ones, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from learnlab.analysis.min_norm import min_norm_least_squares, pinv_solve
from learnlab.io.errors import ConfigError


def _system(n: int, p: int, k: int | None, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, p, generator=g, dtype=torch.float64)
    b = (
        torch.randn(n, generator=g, dtype=torch.float64)
        if k is None
        else torch.randn(n, k, generator=g, dtype=torch.float64)
    )
    return a, b


@pytest.mark.parametrize("method", ["svd", "gram"])
@pytest.mark.parametrize(("n", "p", "k"), [(30, 8, None), (8, 30, None), (30, 8, 3), (8, 30, 3)])
def test_equals_numpy_lstsq_on_over_and_under_determined_systems(method, n, p, k):
    a, b = _system(n, p, k)
    ours = min_norm_least_squares(a, b, method=method)
    oracle = np.linalg.lstsq(a.numpy(), b.numpy(), rcond=None)[0]
    np.testing.assert_allclose(ours.numpy(), oracle, rtol=1e-9, atol=1e-11)


def test_under_determined_solution_interpolates_with_the_least_norm():
    a, b = _system(5, 12, None, seed=1)
    w = min_norm_least_squares(a, b)
    assert torch.allclose(a @ w, b, atol=1e-12)
    # any other solution w + z with a z = 0 is longer
    null = torch.linalg.svd(a, full_matrices=True)[2][5:].T  # (12, 7) basis of the null space
    other = w + null @ torch.ones(7, dtype=torch.float64)
    assert torch.allclose(a @ other, b, atol=1e-12) and other.norm() > w.norm()


def test_rank_deficient_system_matches_lstsq():
    g = torch.Generator().manual_seed(2)
    left = torch.randn(20, 3, generator=g, dtype=torch.float64)
    a = left @ torch.randn(3, 10, generator=g, dtype=torch.float64)  # rank 3
    b = torch.randn(20, generator=g, dtype=torch.float64)
    oracle = np.linalg.lstsq(a.numpy(), b.numpy(), rcond=None)[0]
    np.testing.assert_allclose(min_norm_least_squares(a, b).numpy(), oracle, atol=1e-10)


def test_pinv_solve_is_the_pseudo_inverse_of_a_singular_gram_matrix():
    a, b = _system(4, 9, None, seed=3)
    gram = a.T @ a  # 9 x 9 of rank 4
    rhs = a.T @ b
    np.testing.assert_allclose(
        pinv_solve(gram, rhs).numpy(),
        np.linalg.pinv(gram.numpy(), hermitian=True) @ rhs.numpy(),
        atol=1e-9,
    )


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        (torch.zeros(3), torch.zeros(3), "a must be"),
        (torch.zeros(3, 2, dtype=torch.float64), torch.zeros(4, dtype=torch.float64), "b must be"),
        (torch.zeros(3, 2), torch.zeros(3, dtype=torch.float64), "dtype"),
    ],
)
def test_bad_input_is_a_config_error(a, b, match):
    with pytest.raises(ConfigError, match=match):
        min_norm_least_squares(a, b)


def test_unknown_method_and_bad_rcond_are_config_errors():
    a, b = _system(4, 3, None)
    with pytest.raises(ConfigError, match="method"):
        min_norm_least_squares(a, b, method="qr")
    with pytest.raises(ConfigError, match="rcond"):
        min_norm_least_squares(a, b, rcond=2.0)
