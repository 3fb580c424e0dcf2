"""Zero-shot learning from descriptions in words: images matched to embedded class descriptions.

Each class is described by a sentence, embedded once by a sentence-embedding model
(`class_embeddings`, classes x dimensions). An image encoder maps each image into the same
space; the class scores are the cosine similarities of the image's embedding and each class's
description, divided by a temperature (`cosine_class_logits`, CLIP's logits with
logit_scale = 1 / temperature). `DescriptionMatching` trains the encoder on the seen classes
only: the cross-entropy of the softmax over the seen classes' descriptions (the DeViSE /
CLIP-style "compatibility" loss; Frome et al. 2013, Socher et al. 2013). A class never seen in
training is then recognised by the most similar description among the candidate classes
(`most_similar_class`): the unseen ones (zero-shot) or all of them (generalized zero-shot).

Example:
    >>> import torch
    >>> classes = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> most_similar_class(torch.tensor([[0.2, 0.9]]), classes, [0, 1]).tolist()
    [1]
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Metrics, Objective
from learnlab.objectives.clip import clip_logits


def _check_temperature(temperature: float) -> float:
    if not temperature > 0:
        raise ConfigError(f"temperature must be > 0 (it divides the cosines), got {temperature}")
    return float(temperature)


def cosine_class_logits(
    features: torch.Tensor, class_embeddings: torch.Tensor, temperature: float
) -> torch.Tensor:
    """(examples, classes): cos(features_i, class_embeddings_c) / temperature."""
    scale = torch.tensor(1 / _check_temperature(temperature), device=features.device)
    return clip_logits(features, class_embeddings.to(features), scale)


def most_similar_class(
    features: torch.Tensor, class_embeddings: torch.Tensor, candidates: Sequence[int]
) -> torch.Tensor:
    """For each example, the candidate class whose embedding has the highest cosine similarity
    to the example's features (ties to the first candidate)."""
    if not len(candidates):
        raise ConfigError("most_similar_class needs at least one candidate class")
    chosen = torch.as_tensor(list(candidates), dtype=torch.long)
    scores = cosine_class_logits(features, class_embeddings[chosen], 1.0)
    return chosen.to(scores.device)[scores.argmax(dim=1)]


class DescriptionMatching(Objective):
    """Cross-entropy of the cosine-similarity softmax over the seen classes' descriptions;
    batches are (images, class labels), every label one of `seen` (the original class ids)."""

    metric_names = ("seen_accuracy",)

    def __init__(
        self, class_embeddings: torch.Tensor, seen: Sequence[int], temperature: float = 0.1
    ):
        if class_embeddings.dim() != 2:
            raise ConfigError(
                "class_embeddings must be (classes, dimensions); got shape "
                f"{tuple(class_embeddings.shape)}"
            )
        seen = sorted(set(seen))
        if not seen or seen[0] < 0 or seen[-1] >= len(class_embeddings):
            raise ConfigError(
                f"seen classes must be a non-empty subset of 0..{len(class_embeddings) - 1}, "
                f"got {seen}"
            )
        self.temperature = _check_temperature(temperature)
        self.seen_embeddings = class_embeddings[seen]
        # class id -> its row among the seen descriptions (-1: not a seen class)
        self.row_of = torch.full((len(class_embeddings),), -1, dtype=torch.long)
        self.row_of[seen] = torch.arange(len(seen))

    def __call__(self, model: nn.Module, batch) -> tuple[torch.Tensor, Metrics]:
        images, labels = batch
        logits = cosine_class_logits(model(images), self.seen_embeddings, self.temperature)
        targets = self.row_of.to(labels.device)[labels]
        if bool((targets < 0).any()):
            raise ValueError("DescriptionMatching trains on seen classes only; a batch had others")
        loss = F.cross_entropy(logits, targets)
        return loss, {"seen_accuracy": (logits.argmax(dim=1) == targets).float().detach()}
