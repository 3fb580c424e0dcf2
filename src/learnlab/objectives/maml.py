"""MAML (Finn, Abbeel & Levine 2017, "Model-agnostic meta-learning for fast adaptation of deep
networks", ICML): few-shot learning by unrolling gradient descent on the support set.

For an episode, `inner_steps` steps of gradient descent on the support set's cross-entropy,
from the model's weights theta, give adapted weights theta'; the meta-loss is the query set's
cross-entropy under theta'. Minimising it over episodes learns an initialisation from which a
few steps fit any new episode. Full MAML differentiates through the inner steps (second
derivatives); the first-order variant (`first_order=True`, the paper's section 5.2) treats
the inner gradients as constants, so the meta-gradient is the query gradient at theta'.

The model is a classifier with `n_way` outputs; labels are an episode's positions 0..n_way-1
(`learnlab.data.episodes.Episode`). The weights are never changed in place: the adapted ones
live in a dictionary passed to `torch.func.functional_call`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.func import functional_call
from torch.nn.functional import cross_entropy

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Metrics, Objective


def support_labels(n_way: int, k_shot: int) -> torch.Tensor:
    """The labels of an episode's flattened supports: 0 (k_shot times), 1, ..., n_way - 1."""
    return torch.arange(n_way).repeat_interleave(k_shot)


def adapt(
    model: nn.Module,
    support: torch.Tensor,
    labels: torch.Tensor,
    inner_lr: float,
    inner_steps: int,
    first_order: bool,
) -> dict[str, torch.Tensor]:
    """The weights after `inner_steps` gradient steps of size `inner_lr` on the support's
    cross-entropy, as a graph from the model's weights (through the inner gradients unless
    `first_order`). Runs with gradients on, also under `torch.no_grad` (evaluation adapts)."""
    weights = dict(model.named_parameters())
    with torch.enable_grad():
        for _ in range(inner_steps):
            loss = cross_entropy(functional_call(model, weights, (support,)), labels)
            grads = torch.autograd.grad(loss, list(weights.values()), create_graph=not first_order)
            weights = {
                name: w - inner_lr * g for (name, w), g in zip(weights.items(), grads, strict=True)
            }
    return weights


class MAMLLoss(Objective):
    """The query cross-entropy of an episode after adapting to its supports (see the module
    docstring); reports the queries' accuracy after adaptation."""

    metric_names = ("accuracy",)

    def __init__(self, inner_lr: float, inner_steps: int, first_order: bool = True) -> None:
        if not inner_lr > 0 or inner_steps < 1:
            raise ConfigError(
                f"MAML needs inner_lr > 0 and inner_steps >= 1 (gradient steps on the support "
                f"set); got inner_lr={inner_lr}, inner_steps={inner_steps}."
            )
        self.inner_lr, self.inner_steps, self.first_order = inner_lr, inner_steps, first_order

    def query_logits(self, model: nn.Module, episode: Any) -> torch.Tensor:
        """The adapted model's logits (M, n_way) of the episode's queries."""
        n_way, k_shot = episode.support.shape[:2]
        weights = adapt(
            model,
            episode.support.flatten(0, 1),
            support_labels(n_way, k_shot),
            self.inner_lr,
            self.inner_steps,
            self.first_order,
        )
        return functional_call(model, weights, (episode.query,))

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, Metrics]:
        logits = self.query_logits(model, batch)
        accuracy = (logits.argmax(1) == batch.query_labels).float().mean()
        return cross_entropy(logits, batch.query_labels), {"accuracy": accuracy.detach()}
