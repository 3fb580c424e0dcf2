"""Continuation: the Gaussian-smoothed objective against its definition (the mean of the loss
at theta + sigma * eps, its gradient the mean of the gradients there), the schedule's checks
(empty, sigma < 0, rising, not ending at the real objective), and the phases on tiny data."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.objectives.supervised import MeanSquaredError
from learnlab.procedures.base import Stage
from learnlab.procedures.continuation import (
    GaussianSmoothing,
    SmoothingStage,
    check_schedule,
    geometric_sigmas,
    plain_schedule,
    smoothing_schedule,
    train_with_continuation,
)


def _squared_norm(model, batch):
    # the model's forward pass on the identity returns its weights: J = ||w||^2
    return model(batch[0]).pow(2).sum(), {}


def test_the_smoothed_loss_and_gradient_are_means_over_the_perturbed_weights():
    torch.manual_seed(0)
    model = nn.Linear(3, 2).double()
    x, y = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    sigma, samples = 0.3, 4
    smoothed = GaussianSmoothing(
        MeanSquaredError(), sigma, samples, torch.Generator().manual_seed(7)
    )
    loss, _ = smoothed(model, (x, y))
    loss.backward()
    # the same draws by hand: weight, then bias, per sample
    g = torch.Generator().manual_seed(7)
    w, b = model.weight.detach(), model.bias.detach()
    losses, grad_w = [], torch.zeros_like(w)
    for _ in range(samples):
        wp = (w + sigma * torch.randn(w.shape, generator=g, dtype=w.dtype)).requires_grad_()
        bp = b + sigma * torch.randn(b.shape, generator=g, dtype=b.dtype)
        value = nn.functional.mse_loss(x @ wp.T + bp, y)
        grad_w += torch.autograd.grad(value, wp)[0] / samples
        losses.append(value.detach())
    assert torch.allclose(loss.detach(), torch.stack(losses).mean(), rtol=0, atol=1e-14)
    assert torch.allclose(model.weight.grad, grad_w, rtol=0, atol=1e-14)
    assert not torch.equal(loss.detach(), nn.functional.mse_loss(model(x), y))


def test_on_a_quadratic_the_gradient_is_two_theta_plus_twice_the_mean_noise():
    model = nn.Linear(4, 1, bias=False).double()
    smoothed = GaussianSmoothing(_squared_norm, 0.5, 3, torch.Generator().manual_seed(1))
    smoothed(model, (torch.eye(4, dtype=torch.float64),))[0].backward()
    g = torch.Generator().manual_seed(1)
    noise = torch.stack([torch.randn(1, 4, generator=g, dtype=torch.float64) for _ in range(3)])
    expected = 2 * model.weight.detach() + 2 * 0.5 * noise.mean(0)
    assert torch.allclose(model.weight.grad, expected, atol=1e-14)


def test_sigma_zero_and_evaluation_are_the_real_objective():
    model = nn.Linear(3, 1)
    x, y = torch.randn(4, 3), torch.randn(4, 1)
    real = nn.functional.mse_loss(model(x), y)
    assert torch.equal(GaussianSmoothing(MeanSquaredError(), 0.0)(model, (x, y))[0], real)
    model.eval()
    assert torch.equal(GaussianSmoothing(MeanSquaredError(), 5.0)(model, (x, y))[0], real)


@pytest.mark.parametrize(
    ("sigmas", "match"),
    [
        ([], "schedule is empty"),
        ([0.5, -0.1, 0.0], "sigma=-0.1: a noise scale must be >= 0"),
        ([0.1, 0.5, 0.0], "must not rise"),
        ([1.0, 0.5], "last phase .* real objective"),
    ],
)
def test_bad_schedules_are_config_errors(sigmas, match):
    with pytest.raises(ConfigError, match=match):
        check_schedule(smoothing_schedule(sigmas, Stage(epochs=1)))


def test_bad_smoothing_settings_are_config_errors():
    with pytest.raises(ConfigError, match="noise scale must be >= 0"):
        GaussianSmoothing(MeanSquaredError(), -1.0)
    with pytest.raises(ConfigError, match="samples"):
        GaussianSmoothing(MeanSquaredError(), 1.0, samples=0)
    with pytest.raises(ConfigError, match="at least 2 phases"):
        geometric_sigmas(1.0, 1)
    assert geometric_sigmas(2.0, 4) == [2.0, 1.0, 0.5, 0.0]


def test_the_phases_run_in_order_and_the_plain_schedule_has_the_same_steps():
    x = torch.randn(32, 2)
    loader = TensorLoader(x, x.sum(1, keepdim=True), batch_size=8, seed=0)
    schedule = [
        SmoothingStage(0.4, Stage(epochs=2, optimizer="sgd", lr=0.05)),
        SmoothingStage(0.0, Stage(epochs=1, optimizer="sgd", lr=0.05)),
    ]
    torch.manual_seed(0)
    done = train_with_continuation(
        nn.Linear(2, 1), MeanSquaredError(), loader, schedule, val_loader=loader
    )
    assert done.sigmas == (0.4, 0.0)
    assert [(s.name, len(s.history)) for s in done.stages] == [("sigma=0.4", 2), ("sigma=0", 1)]
    plain = plain_schedule(schedule)
    assert [p.sigma for p in plain] == [0.0, 0.0]
    assert [p.stage for p in plain] == [p.stage for p in schedule]
    torch.manual_seed(0)
    other = train_with_continuation(nn.Linear(2, 1), MeanSquaredError(), loader, plain)
    assert other.model.weight.tolist() != done.model.weight.tolist()  # the noise changed it
    with pytest.raises(ConfigError, match="schedule is empty"):
        train_with_continuation(nn.Linear(2, 1), MeanSquaredError(), loader, [])
