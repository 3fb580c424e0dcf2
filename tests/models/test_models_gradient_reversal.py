"""Gradient reversal: identity forward, -lambda times the gradient backward, checked against
the gradient of the same graph without the layer (float64), and inside a two-headed model."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.gradient_reversal import GradientReversal, reverse_gradient


@pytest.mark.parametrize("scale", [0.0, 0.3, 1.0, 2.5])
def test_forward_is_the_identity_and_backward_scales_by_minus_lambda(scale):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64, generator=g, requires_grad=True)
    w = torch.randn(3, 2, dtype=torch.float64, generator=g)
    y = reverse_gradient(x, scale)
    assert torch.equal(y, x)
    (torch.tanh(y @ w) ** 2).sum().backward()
    reversed_grad = x.grad.clone()
    x.grad = None
    (torch.tanh(x @ w) ** 2).sum().backward()  # the oracle: the same graph without the layer
    torch.testing.assert_close(reversed_grad, -scale * x.grad, rtol=0, atol=1e-15)


def test_features_get_the_reversed_domain_gradient_and_the_head_its_own():
    torch.manual_seed(0)
    features, domain = nn.Linear(5, 4), nn.Linear(4, 1)
    x = torch.randn(8, 5)
    loss = domain(GradientReversal(0.7)(features(x))).pow(2).mean()
    loss.backward()
    with_layer = [p.grad.clone() for p in (*features.parameters(), *domain.parameters())]
    for p in (*features.parameters(), *domain.parameters()):
        p.grad = None
    domain(features(x)).pow(2).mean().backward()
    plain = [p.grad for p in (*features.parameters(), *domain.parameters())]
    for got, want in zip(with_layer[:2], plain[:2], strict=True):  # the feature extractor
        torch.testing.assert_close(got, -0.7 * want)
    for got, want in zip(with_layer[2:], plain[2:], strict=True):  # the domain head: unchanged
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize("scale", [-1.0, float("nan"), float("inf"), "1", True])
def test_bad_scales_are_refused(scale):
    with pytest.raises(ConfigError, match="finite number >= 0"):
        GradientReversal(scale)
