"""The EWC and L2-to-old-weights penalties (learnlab.objectives.consolidation): their value and
gradient against the closed form lambda * sum_t w_t (theta - theta*_t) and finite differences
(float64), the wrapped objective through the Trainer, and bad strengths refused."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.data import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.objectives.consolidation import (
    Consolidated,
    anchor_at,
    quadratic_penalty,
)
from learnlab.objectives.supervised import CrossEntropy
from learnlab.train.trainer import Trainer


def tiny_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def moved(model: nn.Module, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=generator, dtype=p.dtype))


def random_importance(model: nn.Module, seed: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {
        n: torch.rand(p.shape, generator=generator, dtype=p.dtype)
        for n, p in model.named_parameters()
    }


def penalty_value(*args) -> float:
    return float(quadratic_penalty(*args).detach())


def two_anchors(model: nn.Module):
    """An EWC anchor at the initial weights and an L2 anchor at moved weights; the model then
    moved again (away from both)."""
    ewc = anchor_at(model, random_importance(model, 1))
    moved(model, 2)
    l2 = anchor_at(model)
    moved(model, 3)
    return ewc, l2


def test_the_penalty_and_its_gradient_are_the_closed_form():
    model = tiny_model()
    ewc, l2 = two_anchors(model)
    strength = 0.7
    penalty = quadratic_penalty(model, [ewc, l2], strength)
    penalty.backward()
    value = 0.0
    for name, p in model.named_parameters():
        from_ewc = ewc.importance[name] * (p.detach() - ewc.weights[name])
        from_l2 = p.detach() - l2.weights[name]
        torch.testing.assert_close(p.grad, strength * (from_ewc + from_l2))
        value += float((from_ewc * (p.detach() - ewc.weights[name])).sum() + (from_l2**2).sum())
    assert float(penalty.detach()) == pytest.approx(0.5 * strength * value, rel=1e-12)


def test_the_penalty_passes_a_finite_difference_check():
    model = tiny_model()
    anchors = two_anchors(model)
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).requires_grad_(True)

    def penalty_of(vector: torch.Tensor) -> torch.Tensor:
        params, start = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            size = shape.numel()
            params[name] = vector[start : start + size].reshape(shape)
            start += size
        total = 0.0
        for anchor in anchors:
            for name in names:
                weight = 1.0 if anchor.importance is None else anchor.importance[name]
                total = total + (weight * (params[name] - anchor.weights[name]) ** 2).sum()
        return 0.5 * 1.3 * total

    assert torch.autograd.gradcheck(penalty_of, (flat,))
    # the module's penalty is the same function
    value = float(quadratic_penalty(model, anchors, 1.3).detach())
    assert value == pytest.approx(float(penalty_of(flat).detach()))


def test_the_penalty_is_zero_at_the_anchor_and_without_anchors():
    model = tiny_model()
    anchor = anchor_at(model, random_importance(model, 0))
    assert penalty_value(model, [anchor], 5.0) == 0.0
    assert penalty_value(model, [], 5.0) == 0.0
    moved(model, 1)
    assert penalty_value(model, [anchor], 0.0) == 0.0
    assert penalty_value(model, [anchor], 5.0) > 0.0


def test_the_anchor_is_a_copy_of_the_weights():
    model = tiny_model()
    anchor = anchor_at(model)
    before = {n: w.clone() for n, w in anchor.weights.items()}
    moved(model, 1)
    assert all(torch.equal(anchor.weights[n], before[n]) for n in before)


def test_the_wrapped_objective_adds_the_penalty_and_reports_it():
    model = tiny_model()
    anchor = anchor_at(model)
    moved(model, 1)
    batch = (torch.randn(6, 3, dtype=torch.float64), torch.tensor([0, 1, 0, 1, 1, 0]))
    plain_loss, _ = CrossEntropy()(model, batch)
    objective = Consolidated(CrossEntropy(), [anchor], 2.0)
    loss, metrics = objective(model, batch)
    penalty = quadratic_penalty(model, [anchor], 2.0)
    assert float(loss.detach()) == pytest.approx(float((plain_loss + penalty).detach()))
    assert float(metrics["penalty"]) == pytest.approx(float(penalty.detach()))
    assert "accuracy" in metrics and objective.metric_names == ("accuracy", "penalty")
    assert objective.batch_examples(batch) == 6


def test_a_strong_penalty_keeps_the_trainer_at_the_anchor():
    """Through the Trainer: with lambda large the weights stay near the anchor, with 0 they move."""
    x = torch.randn(64, 3, dtype=torch.float64)
    y = (x[:, 0] > 0).long()

    def distance_after(strength: float) -> float:
        model = tiny_model()
        anchor = anchor_at(model)
        objective = Consolidated(CrossEntropy(), [anchor], strength)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        Trainer(model, objective, optimizer).fit(TensorLoader(x, y, batch_size=16, seed=0), 5)
        return sum(float((p - anchor.weights[n]).pow(2).sum()) for n, p in model.named_parameters())

    assert distance_after(10.0) < 0.05 * distance_after(0.0)


@pytest.mark.parametrize("strength", [-1.0, float("nan"), float("inf"), "big", True])
def test_a_bad_strength_is_a_config_error_naming_lambda(strength):
    model = tiny_model()
    with pytest.raises(ConfigError, match="lambda"):
        Consolidated(CrossEntropy(), [anchor_at(model)], strength)
    with pytest.raises(ConfigError, match="lambda"):
        quadratic_penalty(model, [anchor_at(model)], strength)


def test_importance_of_the_wrong_shape_is_refused():
    model = tiny_model()
    importance = random_importance(model, 0)
    importance["0.weight"] = torch.ones(2, 2, dtype=torch.float64)
    with pytest.raises(ConfigError, match="0.weight"):
        anchor_at(model, importance)
    del importance["0.weight"]
    with pytest.raises(ConfigError, match="lack"):
        anchor_at(model, importance)


def reference_penalty(model: nn.Module, anchors, strength: float) -> torch.Tensor:
    """The penalty composed by autograd op by op (what `quadratic_penalty` computed before it
    became one autograd node per anchor and parameter)."""
    params = dict(model.named_parameters())
    total = torch.zeros(())
    for anchor in anchors:
        for name, old in anchor.weights.items():
            squared = (params[name] - old).pow(2)
            if anchor.importance is not None:
                squared = squared * anchor.importance[name]
            total = total + squared.sum()
    return 0.5 * strength * total


def sgd_with_penalty(penalty, anchors) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """12 SGD steps of a float32 MLP with the penalty, its strength changed after 6 (a new
    upstream gradient for the cached backward factor): the weights and the losses."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 5))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(4)
    losses = []
    for step in range(12):
        x, y = (
            torch.randn(8, 20, generator=generator),
            torch.randint(0, 5, (8,), generator=generator),
        )
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss = loss + penalty(model, anchors, 3.0 if step < 6 else 0.7)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return [p.detach() for p in model.parameters()], losses


def float32_anchors():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 5))
    ewc = anchor_at(model, {n: 0.5 * torch.rand_like(p) for n, p in model.named_parameters()})
    moved(model, 5)
    l2 = anchor_at(model)
    moved(model, 6)
    return [ewc, l2, anchor_at(model, {n: torch.rand_like(p) for n, p in model.named_parameters()})]


def test_the_penalty_trains_to_the_same_bits_as_autograds_composition():
    # no change of numbers: the fused backward ((2 g w) d) rounds like autograd's (g w)(2 d)
    ours = sgd_with_penalty(quadratic_penalty, float32_anchors())
    plain = sgd_with_penalty(reference_penalty, float32_anchors())
    assert all(map(torch.equal, ours[0], plain[0]))
    assert all(map(torch.equal, ours[1], plain[1]))


def test_the_backward_factor_is_made_once_per_anchor_and_strength():
    model = tiny_model()
    ewc, l2 = two_anchors(model)
    for strength in (0.7, 0.7, 2.0):
        quadratic_penalty(model, [ewc, l2], strength).backward()
        g, factor = ewc.doubled["0.weight"]
        assert g == pytest.approx(0.5 * strength)
        assert torch.equal(factor, 2 * (ewc.importance["0.weight"] * (0.5 * strength)))
    assert l2.doubled == {}  # L2's factor is the scalar 2 g: nothing to keep
