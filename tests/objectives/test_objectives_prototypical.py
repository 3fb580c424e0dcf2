"""The prototypical loss (Snell et al. 2017) against explicit distances on tiny inputs, and
first-order MAML (Finn et al. 2017) against one hand-written gradient step."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from learnlab.data.episodes import Episode
from learnlab.io.errors import ConfigError
from learnlab.objectives.maml import MAMLLoss, adapt, support_labels
from learnlab.objectives.prototypical import (
    PrototypicalLoss,
    prototype_logits,
    prototypical_loss,
)


def test_logits_are_minus_squared_distances_to_the_support_means():
    # class 0: shots (0, 0), (2, 0) -> prototype (1, 0); class 1: (0, 4), (0, 2) -> (0, 3)
    support = torch.tensor([[[0.0, 0.0], [2.0, 0.0]], [[0.0, 4.0], [0.0, 2.0]]])
    query = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    expected = torch.tensor([[-(0 + 1), -(1 + 4)], [-(1 + 0), -(0 + 9)]], dtype=torch.float32)
    assert torch.equal(prototype_logits(support, query), expected)


def test_loss_is_the_cross_entropy_of_the_softmax_over_negative_distances():
    support = torch.tensor([[[0.0, 0.0], [2.0, 0.0]], [[0.0, 4.0], [0.0, 2.0]]])
    query = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    labels = torch.tensor([1, 0])
    # by hand: query 0, class 1: distances 1 and 5 -> -log(e^-5 / (e^-1 + e^-5))
    first = -math.log(math.exp(-5) / (math.exp(-1) + math.exp(-5)))
    second = -math.log(math.exp(-1) / (math.exp(-1) + math.exp(-9)))
    loss, accuracy = prototypical_loss(support, query, labels)
    assert loss.item() == pytest.approx((first + second) / 2, rel=1e-6)
    assert accuracy.item() == 0.5  # query 0 is nearer class 0's prototype


def test_the_objective_encodes_supports_and_queries_with_the_model():
    torch.manual_seed(0)
    encoder = nn.Linear(3, 2)
    support, query = torch.randn(2, 3, 3), torch.randn(4, 3)
    episode = Episode(support, query, torch.tensor([0, 0, 1, 1]), (7, 8))
    loss, metrics = PrototypicalLoss()(encoder, episode)
    expected, _ = prototypical_loss(encoder(support), encoder(query), episode.query_labels)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    assert encoder.weight.grad is not None and 0.0 <= float(metrics["accuracy"]) <= 1.0


def test_first_order_maml_takes_the_query_gradient_at_the_adapted_weights():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    support, query = torch.randn(2, 1, 3), torch.randn(2, 3)
    episode = Episode(support, query, torch.tensor([0, 1]), (5, 6))
    # by hand: one SGD step on a copy, then the query gradient at the copy's weights
    copy = nn.Linear(3, 2)
    copy.load_state_dict(model.state_dict())
    nn.functional.cross_entropy(copy(support.flatten(0, 1)), support_labels(2, 1)).backward()
    with torch.no_grad():
        for w in copy.parameters():
            w -= 0.5 * w.grad
            w.grad = None
    nn.functional.cross_entropy(copy(query), episode.query_labels).backward()
    loss, _ = MAMLLoss(inner_lr=0.5, inner_steps=1, first_order=True)(model, episode)
    loss.backward()
    assert torch.allclose(model.weight.grad, copy.weight.grad, atol=1e-6)
    assert torch.allclose(model.bias.grad, copy.bias.grad, atol=1e-6)


def test_full_maml_differs_from_first_order_by_the_second_derivatives():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    episode = Episode(torch.randn(2, 2, 3), torch.randn(4, 3), torch.tensor([0, 0, 1, 1]), (1, 2))
    grads = []
    for first_order in (True, False):
        model.zero_grad()
        MAMLLoss(0.5, 2, first_order)(model, episode)[0].backward()
        grads.append(model[0].weight.grad.clone())
    assert not torch.allclose(grads[0], grads[1])


def test_adapt_does_not_change_the_model_and_works_under_no_grad():
    model = nn.Linear(3, 2)
    before = model.weight.detach().clone()
    with torch.no_grad():
        weights = adapt(model, torch.randn(4, 3), torch.tensor([0, 0, 1, 1]), 0.1, 3, True)
    assert torch.equal(model.weight, before) and not torch.equal(weights["weight"], before)


@pytest.mark.parametrize(("lr", "steps"), [(0.0, 1), (0.1, 0)])
def test_maml_refuses_a_step_that_does_not_adapt(lr, steps):
    with pytest.raises(ConfigError, match="inner_lr"):
        MAMLLoss(lr, steps)
