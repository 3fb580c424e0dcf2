"""The closure-based Hessian estimators (analysis.hessian_operator, lanczos, hutchinson,
spectral_density) against exact oracles in float64: the dense Hessian of an MLP of 51
parameters from torch.func.hessian with torch.linalg.eigh, finite differences of gradients, and
quadratics whose spectrum is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from learnlab.analysis.hessian import (
    Eigenpairs,
    HessianOperator,
    index,
    spectral_density,
    top_eigenvalues,
    trace,
)
from learnlab.io.errors import ConfigError


def mlp_problem(seed: int = 0):
    """(closure, params, exact Hessian) of a 4-6-3 tanh MLP (51 parameters) on 32 points."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)).double()
    x = torch.randn(32, 4, dtype=torch.float64)
    y = torch.randint(0, 3, (32,))
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]

    def flat_loss(flat: torch.Tensor) -> torch.Tensor:
        tensors = dict(zip(names, torch.split(flat, [s.numel() for s in shapes]), strict=True))
        tensors = {n: t.reshape(s) for (n, t), s in zip(tensors.items(), shapes, strict=True)}
        return F.cross_entropy(functional_call(model, tensors, (x,)), y)

    flat0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    exact = torch.func.hessian(flat_loss)(flat0)
    params = list(model.parameters())
    return (lambda: F.cross_entropy(model(x), y)), params, exact


def diagonal_problem(values: list[float], rotated: bool = False):
    """L(w) = 1/2 w^T A w at a random point, A = diag(values) or Q diag(values) Q^T for a
    random rotation Q (so that Rademacher vectors do not see the eigenbasis): H = A."""
    generator = torch.Generator().manual_seed(1)
    matrix = torch.diag(torch.tensor(values, dtype=torch.float64))
    if rotated:
        rotation, _ = torch.linalg.qr(
            torch.randn(len(values), len(values), dtype=torch.float64, generator=generator)
        )
        matrix = rotation @ matrix @ rotation.T
    w = torch.randn(len(values), dtype=torch.float64, generator=generator).requires_grad_(True)
    return (lambda: 0.5 * w @ matrix @ w), [w]


def test_the_product_equals_a_finite_difference_of_gradients():
    closure, params, exact = mlp_problem()
    vector = torch.randn(51, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    step = 1e-5

    def gradient_at(shift: float) -> torch.Tensor:
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(flat0 + shift * vector, params)
        grads = torch.autograd.grad(closure(), params)
        return torch.cat([g.reshape(-1) for g in grads])

    flat0 = torch.nn.utils.parameters_to_vector(params).detach().clone()
    difference = (gradient_at(step) - gradient_at(-step)) / (2 * step)
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(flat0, params)
    product = HessianOperator(closure, params)(vector)
    torch.testing.assert_close(product, difference, rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(product, exact @ vector, rtol=1e-10, atol=1e-12)
    assert all(p.grad is None for p in params)  # nothing accumulated on the parameters


def test_the_dense_operator_is_the_exact_hessian():
    closure, params, exact = mlp_problem(1)
    torch.testing.assert_close(HessianOperator(closure, params).dense(), exact)


@pytest.mark.parametrize("method", ["lanczos", "power"])
@pytest.mark.parametrize("seed", [0, 1])
def test_top_eigenvalues_agree_with_eigh_of_the_dense_hessian(method, seed):
    closure, params, exact = mlp_problem(seed)
    expected = torch.linalg.eigvalsh(exact).flip(0)[:4]
    steps = None if method == "lanczos" else 2000  # power converges slowly on close pairs
    values = top_eigenvalues(closure, params, 4, method=method, steps=steps, tol=1e-10)
    assert values.dtype == torch.float64 and values.shape == (4,)
    assert torch.all(values[:-1] >= values[1:])  # descending
    torch.testing.assert_close(values, expected, rtol=1e-4, atol=0)


@pytest.mark.parametrize("method", ["lanczos", "power"])
def test_eigenvectors_on_request_are_unit_eigenvectors(method):
    closure, params, exact = mlp_problem()
    pairs = top_eigenvalues(closure, params, 2, method=method, steps=2000, eigenvectors=True)
    assert isinstance(pairs, Eigenpairs) and pairs.eigenvectors.shape == (51, 2)
    vectors = pairs.eigenvectors
    torch.testing.assert_close(vectors.T @ vectors, torch.eye(2, dtype=torch.float64))
    residual = exact @ vectors - vectors * pairs.eigenvalues
    assert float(residual.norm()) < 1e-4 * float(pairs.eigenvalues[0])
    assert pairs.products > 0


def test_lanczos_restarts_when_the_krylov_space_closes():
    # two distinct eigenvalues: the Krylov space of any start has dimension 2
    closure, params = diagonal_problem([5.0, 5.0, 5.0, 1.0, 1.0, 1.0])
    values = top_eigenvalues(closure, params, 4)
    torch.testing.assert_close(values, torch.tensor([5.0, 5.0, 5.0, 1.0], dtype=torch.float64))


def test_power_iteration_finds_the_largest_not_the_dominant_eigenvalues():
    closure, params = diagonal_problem([-10.0, 1.0, 2.0, 0.5])
    values = top_eigenvalues(closure, params, 2, method="power", steps=500, tol=1e-12)
    torch.testing.assert_close(values, torch.tensor([2.0, 1.0], dtype=torch.float64))


def test_the_estimators_are_seeded():
    closure, params, _ = mlp_problem()
    assert trace(closure, params, samples=20, seed=3) == trace(closure, params, 20, seed=3)
    assert trace(closure, params, 20, seed=3) != trace(closure, params, 20, seed=4)
    first = spectral_density(closure, params, steps=5, runs=3, seed=7)
    np.testing.assert_array_equal(
        first.nodes, spectral_density(closure, params, steps=5, runs=3, seed=7).nodes
    )


def test_hutchinson_is_within_three_standard_errors_and_tightens():
    closure, params, exact = mlp_problem()
    true = float(torch.trace(exact))
    few, many = trace(closure, params, samples=25), trace(closure, params, samples=400)
    for estimate in (few, many):
        value, error = estimate
        assert error > 0 and abs(value - true) <= 3 * error
    assert many.standard_error < 0.5 * few.standard_error  # ~1/sqrt(samples): 1/4 expected


def test_the_density_moments_are_within_three_standard_errors_and_tighten():
    closure, params, exact = mlp_problem()
    eigenvalues = torch.linalg.eigvalsh(exact).numpy()
    true = np.array([np.mean(eigenvalues**j) for j in (1, 2, 3)])
    few = spectral_density(closure, params, steps=20, runs=5, orders=3)
    many = spectral_density(closure, params, steps=20, runs=80, orders=3)
    for density in (few, many):
        assert np.all(np.abs(density.moments - true) <= 3 * density.moment_errors)
        assert np.isrealobj(density.nodes) and density.nodes.dtype == np.float64
        np.testing.assert_allclose(density.weights.sum(axis=1), 1.0)
        assert np.trapezoid(density.density, density.grid) == pytest.approx(1.0, abs=1e-3)
    assert np.all(many.moment_errors[:2] < 0.5 * few.moment_errors[:2])


def test_the_density_puts_its_mass_on_the_eigenvalues():
    closure, params = diagonal_problem([-1.0] * 10 + [2.0] * 30, rotated=True)
    density = spectral_density(closure, params, steps=5, runs=20, width=0.05)
    peaks = density.grid[np.argsort(density.density)[-1]]
    assert peaks == pytest.approx(2.0, abs=0.01)
    fraction, error = density.mass_below(0.0)
    assert error > 0 and abs(fraction - 0.25) <= 3 * error


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_index_equals_the_dense_count(seed):
    closure, params, exact = mlp_problem(seed)
    eigenvalues = torch.linalg.eigvalsh(exact)
    negative = int((eigenvalues < -1e-8 * eigenvalues.abs().max()).sum())
    assert negative > 0  # a random initialisation is not a minimum
    result = index(closure, params)
    assert result.method == "dense" and result.fraction == negative / 51


def test_the_quadrature_index_estimates_the_fraction_negative():
    closure, params = diagonal_problem([-1.0] * 30 + [0.5] * 50 + [3.0] * 20, rotated=True)
    result = index(closure, params, method="slq", steps=10, runs=30)
    assert result.method == "slq" and result.standard_error > 0
    assert abs(result.fraction - 0.3) <= 3 * result.standard_error


def test_bad_input_is_a_config_error_naming_the_argument():
    closure, params, _ = mlp_problem()
    for k in (0, 52):
        with pytest.raises(ConfigError, match=f"k={k}"):
            top_eigenvalues(closure, params, k)
    with pytest.raises(ConfigError, match="method="):
        top_eigenvalues(closure, params, 1, method="arnoldi")  # type: ignore[call-overload]
    with pytest.raises(ConfigError, match="params is empty"):
        trace(closure, [])
    with pytest.raises(ConfigError, match=r"params\[0\]"):
        trace(closure, [torch.zeros(3)])
    with pytest.raises(ConfigError, match="closure returned .*not a scalar"):
        trace(lambda: params[0] * 2, params)
    with pytest.raises(ConfigError, match="closure returned a loss that needs no grad"):
        trace(lambda: closure().detach(), params)
    other = torch.ones(2, requires_grad=True)
    with pytest.raises(ConfigError, match="does not depend on params"):
        index(lambda: (other**2).sum(), params)
    with pytest.raises(ConfigError, match="samples=1"):
        trace(closure, params, samples=1)
    with pytest.raises(ConfigError, match="runs=1"):
        spectral_density(closure, params, runs=1)
    with pytest.raises(ConfigError, match="steps=0"):
        spectral_density(closure, params, steps=0)
