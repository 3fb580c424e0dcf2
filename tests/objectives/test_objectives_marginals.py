"""The marginal cross-entropy objective against values computed by hand on a 2x2 image."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from learnlab.objectives.marginals import MarginalCrossEntropy, pixel_errors


class _Fixed(nn.Module):
    """Returns the same marginals whatever it is given."""

    def __init__(self, q: torch.Tensor):
        super().__init__()
        self.q = q

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        return self.q


def test_loss_is_the_mean_per_pixel_cross_entropy_and_errors_count_wrong_pixels():
    q = torch.tensor([[[[0.9, 0.2], [0.6, 0.0]]], [[[0.5, 0.7], [1.0, 0.1]]]])
    clean = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]], [[[1.0, 0.0], [1.0, 1.0]]]])
    loss, metrics = MarginalCrossEntropy()(_Fixed(q), (torch.zeros_like(q), clean))
    by_hand = [
        -math.log(0.9),
        -math.log(0.2),
        -math.log(0.4),
        -math.log(1 - 1e-6),
        -math.log(0.5),
        -math.log(0.3),
        -math.log(1 - 1e-6),
        -math.log(0.1),
    ]  # q = 0 and 1 are clamped to 1e-6 from the edge
    assert float(loss) == pytest.approx(sum(by_hand) / 8, rel=1e-5)
    # example 1: 0.2 (should be 1) and 0.6 (should be 0) wrong; example 2: 0.5 is not > 1/2,
    # 0.7 (should be 0) and 0.1 (should be 1) wrong
    torch.testing.assert_close(metrics["pixel_error"], torch.tensor([0.5, 0.75]))
    torch.testing.assert_close(pixel_errors(clean, clean), torch.zeros(2))


def test_a_wrong_saturated_pixel_gives_a_finite_loss_and_gradient():
    q = torch.zeros(1, 1, 1, 1, requires_grad=True)
    loss, _ = MarginalCrossEntropy()(_Fixed(q), (q.detach(), torch.ones(1, 1, 1, 1)))
    loss.backward()
    assert math.isfinite(float(loss)) and float(loss) == pytest.approx(-math.log(1e-6), rel=1e-4)
    assert torch.isfinite(q.grad).all()
