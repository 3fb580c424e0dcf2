"""DANN's objective: the schedule's values, the domain loss by hand, the reversed gradient."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.domain_adversarial import (
    DomainAdversarial,
    adaptation_factor,
    annealed_learning_rate,
    domain_loss,
)


def test_adaptation_factor_follows_ganins_schedule():
    assert adaptation_factor(0.0) == 0.0
    # 2 / (1 + e^-5) - 1 = 0.98661... at half-way; 2 / (1 + e^-10) - 1 at the end
    assert adaptation_factor(0.5) == pytest.approx(0.9866142981514305, abs=1e-12)
    assert adaptation_factor(1.0) == pytest.approx(0.9999092042625951, abs=1e-12)
    assert adaptation_factor(0.1) == pytest.approx(2 / (1 + math.exp(-1)) - 1, abs=1e-12)


def test_annealed_learning_rate_follows_the_papers_formula():
    assert annealed_learning_rate(0.0) == 0.01
    assert annealed_learning_rate(1.0) == pytest.approx(0.01 / 11**0.75, rel=1e-12)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), True])
def test_progress_outside_zero_one_is_refused(p):
    with pytest.raises(ConfigError, match="progress"):
        adaptation_factor(p)


def test_domain_loss_on_a_hand_computed_case():
    # logits 0 (source, d=0): -log(1/2); ln 3 (target, d=1): -log(3/4); mean of the two
    logits = torch.tensor([[0.0], [math.log(3.0)]], dtype=torch.float64)
    loss = domain_loss(logits, torch.tensor([0, 1]))
    assert loss.item() == pytest.approx((math.log(2.0) + math.log(4.0 / 3.0)) / 2, abs=1e-12)


def _network() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def test_the_reversed_domain_gradient_reaches_the_feature_extractor():
    """Gradient of DANN's loss on the first layer = that of the label loss minus lambda times
    that of the domain loss, computed on the same graph without reversal."""
    model = _network()
    torch.manual_seed(1)
    classifier = nn.Linear(4, 1).double()
    x_s, x_t = torch.randn(5, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    y_s = torch.tensor([0, 1, 1, 0, 1])
    dann = DomainAdversarial(model, feature_layer="1", domain_classifier=classifier)
    dann.set_progress(0.3)
    lam = adaptation_factor(0.3)
    loss, metrics = dann(model, (x_s, y_s, x_t))
    weight = model[0].weight
    (got,) = torch.autograd.grad(loss, [weight], retain_graph=True)
    (got_classifier,) = torch.autograd.grad(loss, [classifier.weight])

    features = model[1](model[0](torch.cat([x_s, x_t])))
    label = nn.functional.cross_entropy(model[2](features[:5]), y_s)
    domains = torch.tensor([0.0] * 5 + [1.0] * 4, dtype=torch.float64)
    domain = nn.functional.binary_cross_entropy_with_logits(classifier(features).flatten(), domains)
    (label_grad,) = torch.autograd.grad(label, [weight], retain_graph=True)
    (domain_grad,) = torch.autograd.grad(domain, [weight], retain_graph=True)
    (classifier_grad,) = torch.autograd.grad(domain, [classifier.weight])

    torch.testing.assert_close(got, label_grad - lam * domain_grad, rtol=1e-12, atol=1e-12)
    # the domain classifier itself descends the domain loss (no reversal for it)
    torch.testing.assert_close(got_classifier, classifier_grad, rtol=1e-12, atol=1e-12)
    assert metrics["lambda"].item() == pytest.approx(lam)
    assert loss.item() == pytest.approx((label + domain).item(), abs=1e-12)
    assert domain_grad.abs().sum() > 0  # the check above is not vacuous


def test_the_domain_classifier_is_the_objectives_trainable_module():
    model = _network()
    classifier = nn.Linear(4, 1).double()
    dann = DomainAdversarial(model, feature_layer="1", domain_classifier=classifier)
    assert dann.extra_modules() == [classifier]
    assert dann.reversal.scale == 0.0  # lambda_0 before training starts


def test_an_unknown_feature_layer_is_refused_with_the_names_that_exist():
    with pytest.raises(ConfigError, match="feature_layer='body'.*0, 1, 2"):
        DomainAdversarial(_network(), feature_layer="body", domain_classifier=nn.Linear(4, 1))
