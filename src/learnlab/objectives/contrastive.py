"""Contrastive objectives: SimCLR's NT-Xent on two augmented views (Chen et al. 2020) and the
triplet loss with batch-hard mining (Hermans, Beyer & Leibe 2017).

`nt_xent(z1, z2, temperature)`: z1[i] and z2[i] are two views of example i. The 2N vectors are
compared by cosine similarity divided by the temperature; for each of the 2N anchors its other
view is the positive and the remaining 2N - 2 vectors the negatives, the loss of the anchor is
the cross-entropy of picking the positive among the 2N - 1 others, and NT-Xent is the mean
over the 2N anchors.

`batch_hard_triplet(embeddings, labels, margin)`: for each anchor, the farthest embedding of
its label (the hardest positive) and the nearest of another label (the hardest negative), by
Euclidean distance; the loss is the mean over anchors of max(0, margin + d+ - d-), or of
Hermans et al.'s soft margin log(1 + exp(d+ - d-)) when `margin` is None. Anchors without a
positive or a negative in the batch are left out.

`SimCLR` and `BatchHardTriplet` wrap them for the Trainer: the model is the encoder, a batch is
(images, labels); SimCLR draws two views of each image (`augment(x, generator)`, e.g.
`learnlab.data.views.ViewAugment`), and both objectives own the projection head
(`extra_modules`), which trains with the encoder and is dropped after training.

Example:
    >>> import torch
    >>> z = torch.eye(2)
    >>> round(float(nt_xent(z, z, 1.0)), 4)  # the positive at cos 1, the 2 negatives at cos 0
    0.5514
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Metrics, Objective

Augment = Callable[[Tensor, torch.Generator], Tensor]


def check_temperature(temperature: Any) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise ConfigError(f"temperature must be a number > 0, got {temperature!r}.")
    if not temperature > 0:
        raise ConfigError(
            f"temperature={temperature!r}: NT-Xent divides similarities by it, so it must be "
            "> 0; SimCLR uses 0.1 to 1 (0.5 is a common choice)."
        )
    return float(temperature)


def check_margin(margin: Any) -> float | None:
    if margin is None:
        return None
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not margin >= 0:
        raise ConfigError(
            f"margin must be a number >= 0 (Hermans et al. use 0.2 on normalised embeddings), "
            f"or None for the soft margin log(1 + exp(d+ - d-)); got {margin!r}."
        )
    return float(margin)


def _check_views(z1: Tensor, z2: Tensor) -> None:
    if z1.dim() != 2 or z1.shape != z2.shape:
        raise ConfigError(
            f"z1 and z2 must be (N, D) tensors of the same shape (z1[i], z2[i] two views of "
            f"example i), got z1 {tuple(z1.shape)} and z2 {tuple(z2.shape)}."
        )
    if len(z1) < 2:
        raise ConfigError(
            f"z1 and z2 hold {len(z1)} example(s): NT-Xent needs a batch of >= 2 examples, "
            "since the other examples' views are the negatives; use a larger batch."
        )


def nt_xent_logits(z1: Tensor, z2: Tensor, temperature: float) -> tuple[Tensor, Tensor]:
    """(2N, 2N) logits (cosine / temperature, -inf on the diagonal) and each row's positive."""
    _check_views(z1, z2)
    temperature = check_temperature(temperature)
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = (z @ z.T) / temperature
    self_pairs = torch.eye(len(z), dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_pairs, float("-inf"))
    n = len(z1)
    index = torch.arange(n, device=z.device)
    return logits, torch.cat([index + n, index])


def nt_xent(z1: Tensor, z2: Tensor, temperature: float) -> Tensor:
    """SimCLR's NT-Xent, the mean over the 2N anchors (see the module docstring)."""
    logits, positives = nt_xent_logits(z1, z2, temperature)
    return F.cross_entropy(logits, positives)


def pairwise_distances(embeddings: Tensor) -> Tensor:
    """(N, N) Euclidean distances; the square root is kept off 0 so that its gradient is finite."""
    squared = (embeddings[:, None, :] - embeddings[None, :, :]).square().sum(-1)
    return squared.clamp_min(1e-12).sqrt()


def batch_hard_triplet(embeddings: Tensor, labels: Tensor, margin: float | None = 0.2) -> Tensor:
    """Triplet loss with batch-hard mining (see the module docstring); `margin=None`: soft."""
    if embeddings.dim() != 2 or labels.shape != (len(embeddings),):
        raise ConfigError(
            f"embeddings must be (N, D) and labels (N,), got embeddings "
            f"{tuple(embeddings.shape)} and labels {tuple(labels.shape)}."
        )
    if len(embeddings) < 2:
        raise ConfigError(
            f"embeddings hold {len(embeddings)} example(s): a triplet needs a batch of >= 2 "
            "(an anchor, a positive of its label, a negative of another); use a larger batch."
        )
    check_margin(margin)
    distances = pairwise_distances(embeddings)
    same = labels[:, None] == labels[None, :]
    itself = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    positive = same & ~itself
    hardest_positive = distances.masked_fill(~positive, float("-inf")).amax(1)
    hardest_negative = distances.masked_fill(same, float("inf")).amin(1)
    usable = positive.any(1) & (~same).any(1)
    if not usable.any():  # no anchor has both: nothing to learn from this batch
        return embeddings.sum() * 0.0
    gap = hardest_positive[usable] - hardest_negative[usable]
    losses = F.softplus(gap) if margin is None else F.relu(margin + gap)
    return losses.mean()


def _images_labels(batch: Any) -> tuple[Tensor, Tensor | None]:
    if isinstance(batch, Tensor):
        return batch, None
    return batch[0], (batch[1] if len(batch) > 1 else None)


class SimCLR(Objective):
    """NT-Xent of the projected encodings of two random views of each image of the batch."""

    metric_names = ("positive_top1",)

    def __init__(
        self, head: nn.Module, augment: Augment, temperature: float = 0.5, seed: int = 0
    ) -> None:
        self.head = head
        self.augment = augment
        self.temperature = check_temperature(temperature)
        self.generator = torch.Generator().manual_seed(seed)

    def extra_modules(self) -> list[nn.Module]:
        return [self.head]

    def __call__(self, model: nn.Module, batch: Any) -> tuple[Tensor, Metrics]:
        x, _ = _images_labels(batch)
        views = torch.cat([self.augment(x, self.generator), self.augment(x, self.generator)])
        z = self.head(model(views))  # one call: batch statistics see both views
        logits, positives = nt_xent_logits(z[: len(x)], z[len(x) :], self.temperature)
        loss = F.cross_entropy(logits, positives)
        # the fraction of anchors whose most similar vector is their other view
        top1 = (logits.detach().argmax(1) == positives).float().mean()
        return loss, {"positive_top1": top1}


class BatchHardTriplet(Objective):
    """Batch-hard triplet loss of the projected encodings, the batch's labels telling which
    images are of one class; `augment` (optional) draws one random view of each image first."""

    def __init__(
        self,
        head: nn.Module,
        margin: float | None = 0.2,
        augment: Augment | None = None,
        seed: int = 0,
    ) -> None:
        self.margin = check_margin(margin)
        self.head = head
        self.augment = augment
        self.generator = torch.Generator().manual_seed(seed)

    def extra_modules(self) -> list[nn.Module]:
        return [self.head]

    def __call__(self, model: nn.Module, batch: Any) -> tuple[Tensor, Metrics]:
        x, labels = _images_labels(batch)
        if labels is None:
            raise ConfigError("the triplet objective needs batches of (images, labels).")
        if self.augment is not None:
            x = self.augment(x, self.generator)
        embeddings = self.head(model(x))
        return batch_hard_triplet(embeddings, labels, self.margin), {}
