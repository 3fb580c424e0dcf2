"""Hessian products and spectra against exact oracles: the dense Hessian from
torch.autograd.functional.hessian in float64 and NumPy's eigh, a quadratic whose Hessian is
known in closed form, and a saddle point."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from learnlab.analysis.hessian import dense_hessian, hessian_eigenvalues, hessian_vector_product
from learnlab.io.errors import ConfigError


def tiny_mlp(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def cross_entropy(model, batch):
    return F.cross_entropy(model(batch[0]), batch[1]), {}


def data(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(16, 3, generator=generator, dtype=torch.float64)
    return x, torch.randint(0, 2, (16,), generator=generator)


def autograd_hessian(model: nn.Module, batch) -> torch.Tensor:
    """The oracle: torch's own Hessian of the loss as a function of the flat parameters."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    flat0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def loss(flat: torch.Tensor) -> torch.Tensor:
        tensors, start = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            size = int(np.prod(shape))
            tensors[name] = flat[start : start + size].reshape(shape)
            start += size
        return F.cross_entropy(functional_call(model, tensors, (batch[0],)), batch[1])

    return torch.autograd.functional.hessian(loss, flat0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_hessian_matches_torch_autograd(seed):
    model, batch = tiny_mlp(seed), data(seed)
    torch.testing.assert_close(
        dense_hessian(model, cross_entropy, batch), autograd_hessian(model, batch)
    )


@pytest.mark.parametrize("which", ["largest", "smallest", "magnitude"])
def test_lanczos_eigenvalues_match_eigh_of_the_dense_hessian(which):
    model, batch = tiny_mlp(3), data(3)
    exact = np.linalg.eigvalsh(autograd_hessian(model, batch).numpy())
    spectrum = hessian_eigenvalues(model, cross_entropy, batch, k=3, which=which, tol=1e-10)
    expected = {
        "largest": exact[-3:],
        "smallest": exact[:3],
        "magnitude": np.sort(exact[np.argsort(np.abs(exact))[-3:]]),
    }[which]
    np.testing.assert_allclose(spectrum.eigenvalues, expected, rtol=1e-7, atol=1e-9)
    assert spectrum.parameters == 26 and spectrum.products > 0
    assert spectrum.loss == pytest.approx(float(cross_entropy(model, batch)[0].detach()))


def test_a_quadratic_has_its_known_hessian_and_a_saddle_a_negative_eigenvalue():
    # L(w) = 1/2 w^T A w with A = diag(3, -1): H = A everywhere; the origin is a saddle
    model = nn.Linear(2, 1, bias=False).double()
    a = torch.diag(torch.tensor([3.0, -1.0], dtype=torch.float64))

    def quadratic(m, batch):
        w = m.weight.reshape(-1)
        return 0.5 * w @ a @ w, {}

    torch.testing.assert_close(dense_hessian(model, quadratic, None), a)
    low = hessian_eigenvalues(model, quadratic, None, k=1, which="smallest")
    assert low.eigenvalues[0] == pytest.approx(-1.0)
    vector = torch.tensor([1.0, 2.0], dtype=torch.float64)
    product = hessian_vector_product(
        lambda: quadratic(model, None)[0], list(model.parameters()), vector
    )
    torch.testing.assert_close(product, a @ vector)


def test_bad_requests_are_config_errors():
    model, batch = tiny_mlp(), data()
    with pytest.raises(ConfigError, match="k=26"):
        hessian_eigenvalues(model, cross_entropy, batch, k=26)
    with pytest.raises(ConfigError, match="which"):
        hessian_eigenvalues(model, cross_entropy, batch, which="middle")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="too large"):
        dense_hessian(
            nn.Linear(100, 30), cross_entropy, (torch.zeros(2, 100), torch.zeros(2).long())
        )


def test_the_model_api_runs_the_forward_pass_once_and_every_product_on_that_graph():
    """Each Lanczos product (or dense column) is one backward through the gradient's graph
    (HessianOperator), not a new forward pass: a product from scratch costs about 3 gradients
    on LeNet-5, one on the kept graph about 1.8 (docs/performance.md section 8)."""
    model, batch = tiny_mlp(4), data(4)
    calls = []

    def counted(m, b):
        calls.append(1)
        return cross_entropy(m, b)

    spectrum = hessian_eigenvalues(model, counted, batch, k=2, tol=1e-10)
    assert len(calls) == 1 and spectrum.products > 2
    calls.clear()
    dense_hessian(model, counted, batch)
    assert len(calls) == 1
