"""CLIP's contrastive objective: matching images to their captions (Radford et al. 2021).

`clip_loss(image_embeddings, text_embeddings, logit_scale)`: both sets of embeddings are
L2-normalised; the logits are `logit_scale` times their cosine similarities (N x N, row i an
image, column j a caption); image i's caption is caption i. The loss is the mean of the
cross-entropy over each row (an image against all N captions) and over each column (a caption
against all N images): the symmetric InfoNCE of CLIP's pseudo-code. `ContrastiveImageText` is
the objective for a dual encoder (`learnlab.models.dual_encoder.DualEncoder`) on batches of
(images, caption tokens); its metric is the in-batch image-to-caption accuracy.

Example:
    >>> import torch
    >>> z = torch.eye(3)
    >>> round(float(clip_loss(z, z, torch.tensor(100.0))), 6)
    0.0
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.objectives.base import Metrics, Objective


def clip_logits(
    image_embeddings: torch.Tensor, text_embeddings: torch.Tensor, logit_scale: torch.Tensor
) -> torch.Tensor:
    """(images, texts): `logit_scale` times the cosine similarity of each image and text."""
    images = F.normalize(image_embeddings, dim=-1)
    texts = F.normalize(text_embeddings, dim=-1)
    return logit_scale * images @ texts.T


def clip_loss(
    image_embeddings: torch.Tensor, text_embeddings: torch.Tensor, logit_scale: torch.Tensor
) -> torch.Tensor:
    """Symmetric InfoNCE over N matched (image, text) pairs, row i with row i."""
    if image_embeddings.shape != text_embeddings.shape:
        raise ValueError(
            "clip_loss pairs image i with text i: the embeddings must have one shape, got "
            f"{tuple(image_embeddings.shape)} and {tuple(text_embeddings.shape)}"
        )
    logits = clip_logits(image_embeddings, text_embeddings, logit_scale)
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


class ContrastiveImageText(Objective):
    """CLIP's loss for a model with `encode_image`, `encode_text` and `logit_scale()`;
    batches are (images, caption tokens)."""

    metric_names = ("pair_accuracy",)

    def __call__(self, model: nn.Module, batch) -> tuple[torch.Tensor, Metrics]:
        images, tokens = batch
        image_embeddings = model.encode_image(images)
        text_embeddings = model.encode_text(tokens)
        scale = model.logit_scale()
        loss = clip_loss(image_embeddings, text_embeddings, scale)
        with torch.no_grad():
            logits = clip_logits(image_embeddings, text_embeddings, scale)
            hits = logits.argmax(dim=1) == torch.arange(len(logits), device=logits.device)
        return loss, {"pair_accuracy": hits.float()}
