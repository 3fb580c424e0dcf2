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
from dataclasses import dataclass
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
            squared = (params[name] - old).pow(2)
            if anchor.importance is not None:
                squared = squared * anchor.importance[name]
            total = total + squared.sum()
    return 0.5 * strength * total


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
