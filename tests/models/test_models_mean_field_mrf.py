"""The unrolled mean-field MRF against oracles: one update against a loop over pixels, the
unrolled iterations reaching a fixed point, the exact marginals and log-partition function of a
3x3 grid by enumerating its 512 states (the free energy it computes is the mean-field
objective and bounds -log Z), and gradients through the iterations against finite
differences in float64."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.models.mean_field_mrf import MeanFieldMRF, pixel_cnn_denoiser


def _model(kernel_size: int, iterations: int, damping: float, scale: float, seed: int = 0):
    torch.manual_seed(seed)
    model = MeanFieldMRF(kernel_size, iterations, damping).double()
    with torch.no_grad():
        model.kernel.copy_(scale * torch.randn_like(model.kernel))
        model.unary_weight.fill_(0.8)
        model.unary_bias.fill_(-0.3)
    return model


def _coupling_by_hand(kernel: torch.Tensor, dy: int, dx: int) -> float:
    """W[d] = (kernel[d] + kernel[-d]) / 2, 0 at d = 0: read off the raw kernel."""
    if dy == dx == 0:
        return 0.0
    c = kernel.shape[-1] // 2
    return float(kernel[0, 0, c + dy, c + dx] + kernel[0, 0, c - dy, c - dx]) / 2


def _neighbours(height: int, width: int, c: int):
    """(i, j, W offset) for every ordered pair of distinct pixels within the kernel."""
    for (y1, x1), (y2, x2) in itertools.product(
        itertools.product(range(height), range(width)), repeat=2
    ):
        dy, dx = y2 - y1, x2 - x1
        if (dy, dx) != (0, 0) and abs(dy) <= c and abs(dx) <= c:
            yield (y1 * width + x1, y2 * width + x2, (dy, dx))


def test_one_update_equals_a_loop_over_pixels():
    model = _model(3, 1, 0.7, scale=0.8)
    torch.manual_seed(1)
    noisy = torch.rand(2, 1, 4, 5, dtype=torch.float64)
    q = torch.rand(2, 1, 4, 5, dtype=torch.float64)
    with torch.no_grad():
        updated = model.update(q, model.unary(noisy))
    kernel = model.kernel.detach()
    expected = torch.empty_like(q)
    for n, y, x in itertools.product(range(2), range(4), range(5)):
        field = 0.8 * (2 * float(noisy[n, 0, y, x]) - 1) - 0.3
        for dy, dx in itertools.product((-1, 0, 1), repeat=2):
            if 0 <= y + dy < 4 and 0 <= x + dx < 5:  # beyond the border: no neighbour
                field += _coupling_by_hand(kernel, dy, dx) * (
                    2 * float(q[n, 0, y + dy, x + dx]) - 1
                )
        expected[n, 0, y, x] = 0.3 * q[n, 0, y, x] + 0.7 / (1 + math.exp(-field))
    torch.testing.assert_close(updated, expected, rtol=0, atol=1e-12)


def test_k_layers_are_k_updates_from_the_unary_belief_and_reach_a_fixed_point():
    model = _model(5, 3, 0.5, scale=0.1)
    noisy = (torch.rand(1, 1, 7, 6, dtype=torch.float64) > 0.5).double()
    with torch.no_grad():
        unary = model.unary(noisy)
        q = torch.sigmoid(unary)
        for _ in range(3):
            q = model.update(q, unary)
        torch.testing.assert_close(model(noisy), q, rtol=0, atol=0)
        fixed = model(noisy, iterations=200)
        assert (model.update(fixed, unary) - fixed).abs().max() < 1e-12
        assert (model.update(q, unary) - q).abs().max() > 1e-4  # 3 updates are not there yet


def _log_potentials(model: MeanFieldMRF, noisy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """theta(s) of all 2^9 states of a 3x3 grid, written from the model's definition, and the
    states x in {0, 1} (512, 9)."""
    unary = model.unary(noisy).detach().flatten()
    kernel = model.kernel.detach()
    states = torch.tensor(list(itertools.product((0.0, 1.0), repeat=9)), dtype=torch.float64)
    spins = 2 * states - 1
    theta = (unary / 2 * spins).sum(dim=1)
    for i, j, (dy, dx) in _neighbours(3, 3, kernel.shape[-1] // 2):
        theta += _coupling_by_hand(kernel, dy, dx) / 4 * spins[:, i] * spins[:, j]
    return theta, states


@pytest.mark.parametrize("kernel_size", [3, 5])
def test_weak_couplings_mean_field_is_close_to_exact_marginals_of_all_512_states(kernel_size):
    model = _model(kernel_size, 300, 0.5, scale=0.15, seed=2)
    noisy = torch.tensor([[1, 0, 1], [1, 1, 0], [0, 1, 1]], dtype=torch.float64).view(1, 1, 3, 3)
    theta, states = _log_potentials(model, noisy)
    log_z = torch.logsumexp(theta, dim=0)
    exact = (torch.softmax(theta, dim=0)[:, None] * states).sum(dim=0)
    with torch.no_grad():
        q = model(noisy)
        free_energy = float(model.free_energy(q, noisy)[0])
    assert (q.flatten() - exact).abs().max() < 0.01
    # what free_energy computes is -E_q[theta] - H(q), q factorised: enumerate it too
    qf = q.flatten()
    probs = (states * qf + (1 - states) * (1 - qf)).prod(dim=1)
    entropy = -(qf * qf.log() + (1 - qf) * (1 - qf).log()).sum()
    assert free_energy == pytest.approx(float(-(probs * theta).sum() - entropy), abs=1e-10)
    # the variational bound F(q) >= -log Z, nearly tight for weak couplings
    assert 0 <= free_energy + float(log_z) < 0.05


def test_mean_field_fixed_point_is_a_stationary_point_of_the_free_energy():
    model = _model(3, 300, 0.5, scale=0.6, seed=3)
    noisy = (torch.rand(1, 1, 3, 3, generator=torch.Generator().manual_seed(4)) > 0.5).double()
    with torch.no_grad():
        q = model(noisy)
    logits = torch.logit(q).requires_grad_(True)
    (grad,) = torch.autograd.grad(model.free_energy(torch.sigmoid(logits), noisy).sum(), logits)
    assert grad.abs().max() < 1e-9
    moved = torch.sigmoid(logits.detach() + 0.05 * torch.randn_like(q))
    assert model.free_energy(moved, noisy) > model.free_energy(q, noisy)


def test_strong_couplings_make_mean_field_differ_from_the_exact_marginals():
    """The closeness above is a property of weak couplings, not a test that cannot fail."""
    model = _model(3, 300, 0.5, scale=3.0, seed=2)
    noisy = torch.tensor([[1, 0, 1], [1, 1, 0], [0, 1, 1]], dtype=torch.float64).view(1, 1, 3, 3)
    theta, states = _log_potentials(model, noisy)
    exact = (torch.softmax(theta, dim=0)[:, None] * states).sum(dim=0)
    with torch.no_grad():
        q = model(noisy)
        gap = float(model.free_energy(q, noisy)[0] + torch.logsumexp(theta, dim=0))
    assert (q.flatten() - exact).abs().max() > 0.05
    assert gap > 0.05  # the bound still holds, loosely


def test_gradients_through_the_unrolled_iterations_match_finite_differences():
    model = _model(3, 4, 0.6, scale=0.5, seed=5)
    noisy = torch.rand(2, 1, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    target = (torch.rand(2, 1, 4, 4, generator=torch.Generator().manual_seed(7)) > 0.5).double()

    def functional(kernel, weight, bias):
        params = {"kernel": kernel, "unary_weight": weight, "unary_bias": bias}
        q = torch.func.functional_call(model, params, (noisy,))
        return torch.nn.functional.binary_cross_entropy(q, target)

    inputs = tuple(p.detach().clone().requires_grad_(True) for p in model.parameters())
    assert torch.autograd.gradcheck(functional, inputs, eps=1e-6, atol=1e-7)


def test_ising_setting_couples_the_four_nearest_neighbours_only():
    model = MeanFieldMRF(5, 2, 1.0)
    model.set_ising(0.7, 1.4, -0.5)
    w = model.coupling().detach()[0, 0]
    assert w[2, 1] == w[2, 3] == w[1, 2] == w[3, 2] == pytest.approx(0.7)
    assert float(w.abs().sum()) == pytest.approx(4 * 0.7)
    assert float(model.unary(torch.ones(1)).detach()[0]) == pytest.approx(1.4 - 0.5)


@pytest.mark.parametrize(
    ("arguments", "match"),
    [((4, 2, 0.5), "kernel_size"), ((3, 0, 0.5), "iterations"), ((3, 2, 0.0), "damping")],
)
def test_bad_settings_are_config_errors_naming_them(arguments, match):
    with pytest.raises(ConfigError, match=match):
        MeanFieldMRF(*arguments)
    with pytest.raises(ConfigError, match="layers"):
        pixel_cnn_denoiser(layers=1)
