"""Prototypical networks (Snell, Swersky & Zemel 2017, "Prototypical networks for few-shot
learning", NIPS): an encoder maps images to codes; each class of an episode is represented by
the mean code of its support examples (its prototype); a query's logits are the negative
squared Euclidean distances to the prototypes, and the loss is the cross-entropy of their
softmax against the query's class:

    c_j = mean_k f(s_jk),   p(y = j | q) = softmax_j(-||f(q) - c_j||^2)

The objective takes an episode (`learnlab.data.episodes.Episode`) and the encoder as the model.

Example:
    >>> import torch
    >>> support = torch.tensor([[[0.0, 0.0]], [[2.0, 0.0]]])   # 2 classes, 1 shot, 2-d codes
    >>> prototype_logits(support, torch.tensor([[1.0, 1.0]]))
    tensor([[-2., -2.]])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.functional import cross_entropy

from learnlab.objectives.base import Metrics, Objective


def prototype_logits(support_codes: torch.Tensor, query_codes: torch.Tensor) -> torch.Tensor:
    """Negative squared Euclidean distances (M, N) from each query code (M, D) to the mean of
    each class's support codes (N, K, D)."""
    prototypes = support_codes.mean(dim=1)
    # ||q||^2 - 2 q.c + ||c||^2 would be faster but loses precision for near codes
    return -(query_codes[:, None, :] - prototypes[None, :, :]).square().sum(-1)


def prototypical_loss(
    support_codes: torch.Tensor, query_codes: torch.Tensor, query_labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss, accuracy): the mean cross-entropy of the queries' softmax over negative squared
    distances to the prototypes, and the fraction of queries whose nearest prototype is theirs."""
    logits = prototype_logits(support_codes, query_codes)
    loss = cross_entropy(logits, query_labels)
    accuracy = (logits.argmax(1) == query_labels).float().mean()
    return loss, accuracy


def encode_episode(model: nn.Module, episode: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The codes of an episode's supports (N, K, D) and queries (M, D), in one encoder call
    (normalisation layers then see one batch)."""
    n_way, k_shot = episode.support.shape[:2]
    images = torch.cat([episode.support.flatten(0, 1), episode.query])
    codes = model(images).flatten(1)
    return codes[: n_way * k_shot].unflatten(0, (n_way, k_shot)), codes[n_way * k_shot :]


class PrototypicalLoss(Objective):
    """The prototypical loss of an episode, `model` being the encoder; reports the queries'
    accuracy (nearest prototype)."""

    metric_names = ("accuracy",)

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, Metrics]:
        support_codes, query_codes = encode_episode(model, batch)
        loss, accuracy = prototypical_loss(support_codes, query_codes, batch.query_labels)
        return loss, {"accuracy": accuracy.detach()}
