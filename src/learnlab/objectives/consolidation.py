"""Keeping a network close to the weights it had after earlier tasks: elastic weight
consolidation (EWC, Kirkpatrick et al. 2017, PNAS) and its isotropic special case, L2 to the old
weights.

After task t the weights theta*_t are stored with an importance per weight (an `Anchor`); while
later tasks train, the objective adds

    penalty(theta) = lambda / 2 * sum_t sum_i w_{t,i} (theta_i - theta*_{t,i})^2

summed over the anchors of all earlier tasks. EWC takes w_t = F_t, the diagonal Fisher
information of task t's data at theta*_t (learnlab.analysis.fisher): the Laplace approximation
of the posterior after task t, so weights that task t's predictions depend on are held firmly
and the others stay free. L2 takes w_t = 1 for every weight: every weight is held equally.

`Consolidated(objective, anchors, strength)` is an Objective (the Trainer's contract): the
wrapped objective's loss plus the penalty, its metrics plus `penalty`.

Example:
    >>> import torch
    >>> model = torch.nn.Linear(2, 1)
    >>> anchor = anchor_at(model)                      # L2: every weight counts 1
    >>> with torch.no_grad():
    ...     _ = model.bias.add_(1.0)
    >>> float(quadratic_penalty(model, [anchor], strength=4.0))   # 4 / 2 * 1^2
    2.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Metrics, Objective, as_objective


@dataclass(frozen=True)
class Anchor:
    """The weights after one earlier task (`weights`: parameter name -> tensor) and how much each
    counts (`importance`: the same names and shapes; None: 1 for every weight, the L2 case)."""

    weights: dict[str, Tensor]
    importance: dict[str, Tensor] | None = None
    # parameter name -> (g, 2 * (g * importance)): the backward's factor for the last upstream
    # gradient g seen (a training step's g is the same every step: lambda / 2)
    doubled: dict[str, tuple[float, Tensor]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )


def anchor_at(model: nn.Module, importance: Mapping[str, Tensor] | None = None) -> Anchor:
    """An anchor at the model's current weights (copied), with `importance` per weight (e.g. a
    `FisherDiagonal`'s `values`), or 1 for every weight when None."""
    weights = {name: p.detach().clone() for name, p in model.named_parameters()}
    if importance is None:
        return Anchor(weights)
    missing = sorted(set(weights) - set(importance))
    if missing:
        raise ConfigError(f"the importance weights lack the parameters {missing}.")
    for name, w in weights.items():
        if importance[name].shape != w.shape:
            raise ConfigError(
                f"importance[{name!r}] has shape {tuple(importance[name].shape)}, the parameter "
                f"{tuple(w.shape)}."
            )
    return Anchor(weights, {name: importance[name].detach().clone() for name in weights})


def checked_strength(strength: float) -> float:
    if isinstance(strength, bool) or not isinstance(strength, (int, float)):
        raise ConfigError(f"lambda (the penalty's strength) must be a number, got {strength!r}.")
    if not (math.isfinite(strength) and strength >= 0):
        raise ConfigError(
            f"lambda (the penalty's strength) must be a finite number >= 0, got {strength}; "
            "0 switches the penalty off."
        )
    return float(strength)


def quadratic_penalty(model: nn.Module, anchors: Sequence[Anchor], strength: float) -> Tensor:
    """lambda / 2 * sum over anchors and weights of importance * (theta - theta*)^2, a scalar
    with a graph to the model's parameters (0 with no anchors)."""
    strength = checked_strength(strength)
    params = dict(model.named_parameters())
    first = next(iter(params.values()))
    total = torch.zeros((), dtype=first.dtype, device=first.device)
    for anchor in anchors:
        for name, old in anchor.weights.items():
            total = total + _SquaredDistance.apply(params[name], old, anchor, name)
    return 0.5 * strength * total


class _SquaredDistance(torch.autograd.Function):
    """sum_i w_i (theta_i - old_i)^2 of one parameter and anchor (w = 1 for L2), with the same
    bits as autograd's `((theta - old).pow(2) * w).sum()` and its gradient, in fewer passes over
    the weights (the penalty was half of a training step with one anchor): the forward keeps
    d = theta - old, the backward is the one product (2 g w) d. Autograd's gradient is
    (g w)(2 d); doubling is exact in binary floating point, so both are the rounded 2 g w d."""

    @staticmethod
    def forward(ctx: Any, param: Tensor, old: Tensor, anchor: Anchor, name: str) -> Tensor:
        d = param.detach() - old
        squared = d.pow(2)
        if anchor.importance is not None:
            squared.mul_(anchor.importance[name])
        ctx.save_for_backward(d)
        ctx.anchor, ctx.name = anchor, name
        return squared.sum()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None, None]:
        (d,) = ctx.saved_tensors
        return d * _doubled_weights(ctx.anchor, ctx.name, grad), None, None, None


def _doubled_weights(anchor: Anchor, name: str, grad: Tensor) -> Tensor:
    """2 * (g * w) for the upstream gradient g, made once per anchor, parameter and g."""
    if anchor.importance is None:
        return grad * 2  # a 0-dim tensor: L2's w is 1
    g = float(grad)
    cached = anchor.doubled.get(name)
    if cached is None or cached[0] != g:
        cached = (g, (anchor.importance[name] * grad).mul_(2))
        anchor.doubled[name] = cached
    return cached[1]


class Consolidated(Objective):
    """`objective`'s loss plus `quadratic_penalty(model, anchors, strength)`; its metrics plus
    `penalty` (the penalty's value, without a graph)."""

    def __init__(self, objective: Any, anchors: Sequence[Anchor], strength: float) -> None:
        self.objective = as_objective(objective)
        self.anchors = list(anchors)
        self.strength = checked_strength(strength)
        self.metric_names = (*self.objective.metric_names, "penalty")

    def extra_modules(self) -> list[nn.Module]:
        return self.objective.extra_modules()

    def batch_examples(self, batch: Any) -> int:
        return self.objective.batch_examples(batch)

    def __call__(self, model: nn.Module, batch: Any) -> tuple[Tensor, Metrics]:
        loss, metrics = self.objective(model, batch)
        if not self.anchors or self.strength == 0:
            return loss, {**metrics, "penalty": torch.zeros((), dtype=loss.dtype)}
        penalty = quadratic_penalty(model, self.anchors, self.strength)
        return loss + penalty, {**metrics, "penalty": penalty.detach()}
