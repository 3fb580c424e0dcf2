"""Knowledge distillation's loss (learnlab.objectives.distillation): the gradient with respect to
the student's logits against the paper's formula, T^2 (q - p) / T / N, and finite differences
(float64); its high-temperature limit, logit matching (the paper's section 2.1); the hard
term's weighting; the teacher in eval mode without gradients, per batch or precomputed; bad
temperatures and weights refused."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.distillation import Distillation, distillation_loss

N, C = 6, 5


def logits(seed: int, scale: float = 3.0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return scale * torch.randn(N, C, generator=generator, dtype=torch.float64)


LABELS = torch.tensor([0, 1, 2, 3, 4, 0])


def soft_gradient(z: torch.Tensor, v: torch.Tensor, temperature: float) -> torch.Tensor:
    """d(loss)/dz with hard_weight 0, by autograd."""
    z = z.clone().requires_grad_(True)
    loss, _, _ = distillation_loss(z, v, LABELS, temperature=temperature, hard_weight=0.0)
    loss.backward()
    return z.grad


@pytest.mark.parametrize("temperature", [1.0, 2.5, 20.0])
def test_the_soft_gradient_is_the_papers_formula_times_t_squared(temperature: float) -> None:
    z, v = logits(0), logits(1)
    q = F.softmax(z / temperature, dim=1)
    p = F.softmax(v / temperature, dim=1)
    # the paper's equation 2, dC/dz_i = (q_i - p_i) / T, times T^2, averaged over the batch
    expected = (q - p) / temperature * temperature**2 / N
    torch.testing.assert_close(soft_gradient(z, v, temperature), expected, rtol=1e-10, atol=1e-12)


def test_the_gradient_agrees_with_finite_differences() -> None:
    z, v = logits(2), logits(3)

    def loss_at(point: torch.Tensor) -> torch.Tensor:
        return distillation_loss(point, v, LABELS, temperature=3.0, hard_weight=0.4)[0]

    assert torch.autograd.gradcheck(loss_at, (z.clone().requires_grad_(True),), eps=1e-6)


def test_at_high_temperature_the_gradient_approaches_logit_matching() -> None:
    # zero-mean logits, as the paper assumes: T^2 (q - p) / T -> (z - v) / C per example
    z, v = logits(4), logits(5)
    z, v = z - z.mean(dim=1, keepdim=True), v - v.mean(dim=1, keepdim=True)
    matching = (z - v) / C / N
    far = {t: (soft_gradient(z, v, t) - matching).abs().max().item() for t in (5.0, 50.0, 500.0)}
    assert far[500.0] < 1e-2 * matching.abs().max().item()
    # the remainder is of order 1/T (the next term of exp(z / T)'s expansion)
    assert far[500.0] < 0.2 * far[50.0] < 0.2 * far[5.0]
    # at T = 1 the two differ a lot: the limit is a property of high temperatures
    assert (soft_gradient(z, v, 1.0) - matching).abs().max() > 0.1 * matching.abs().max()


def test_the_hard_term_is_the_ordinary_cross_entropy_weighted_by_its_share() -> None:
    z, v = logits(6), logits(7)
    loss, soft, hard = distillation_loss(z, v, LABELS, temperature=4.0, hard_weight=0.25)
    torch.testing.assert_close(hard, F.cross_entropy(z, LABELS))
    p = F.softmax(v / 4.0, dim=1)
    torch.testing.assert_close(soft, -(p * F.log_softmax(z / 4.0, dim=1)).sum(1).mean() * 16.0)
    torch.testing.assert_close(loss, 0.75 * soft + 0.25 * hard)
    only_labels = distillation_loss(z, v, LABELS, temperature=4.0, hard_weight=1.0)[0]
    torch.testing.assert_close(only_labels, F.cross_entropy(z, LABELS))


class Recorder(nn.Module):
    """A teacher that records whether it ran in training mode and with gradients."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, C)
        self.drop = nn.Dropout(0.5)
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.drop(self.linear(x))


def test_a_teacher_run_per_batch_is_in_eval_mode_without_gradients() -> None:
    torch.manual_seed(0)
    teacher, student = Recorder(), nn.Linear(3, C)
    teacher.train()
    x, y = torch.randn(N, 3), LABELS
    loss, _ = Distillation(2.0, 0.5, teacher=teacher)(student, (x, y))
    loss.backward()
    assert teacher.seen == [(False, False)]
    assert all(p.grad is None for p in teacher.parameters())
    # the same loss as with the teacher's (eval-mode) logits precomputed in the batch
    precomputed, _ = Distillation(2.0, 0.5)(student, (x, y, teacher.linear(x).detach()))
    torch.testing.assert_close(loss, precomputed)


def test_a_batch_without_teacher_logits_needs_a_teacher() -> None:
    with pytest.raises(ConfigError, match="no teacher"):
        Distillation(2.0)(nn.Linear(3, C), (torch.randn(N, 3), LABELS))


def test_mismatched_class_counts_are_refused() -> None:
    with pytest.raises(ConfigError, match="shape"):
        distillation_loss(logits(0), logits(1)[:, :3], LABELS, temperature=2.0)


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf")])
def test_a_temperature_not_above_zero_is_refused_by_name(temperature: float) -> None:
    with pytest.raises(ConfigError, match="temperature"):
        Distillation(temperature)


@pytest.mark.parametrize("hard_weight", [-0.1, 1.5, float("nan")])
def test_a_hard_weight_outside_zero_to_one_is_refused_by_name(hard_weight: float) -> None:
    with pytest.raises(ConfigError, match="hard_weight"):
        Distillation(2.0, hard_weight)
