"""Structured prediction of a binary image trained through its marginals.

A model that returns per-pixel marginals q(x_i = 1) (an unrolled mean-field network, or a CNN
ending in a sigmoid) is trained on batches `(noisy, clean)` by the mean per-pixel binary
cross-entropy -[x log q + (1 - x) log(1 - q)] against the clean image (Domke 2013's "marginal
based loss", here the likelihood of the true pixels under the marginals). The probabilities are
clamped to [1e-6, 1 - 1e-6] so that a saturated pixel gives a finite loss and gradient. The
metric `pixel_error` is, per example, the fraction of pixels on the wrong side of q = 1/2.

Example:
    >>> import torch
    >>> q = torch.tensor([[[[0.9, 0.2]]]])
    >>> clean = torch.tensor([[[[1.0, 1.0]]]])
    >>> float(pixel_errors(q, clean)[0])
    0.5
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.objectives.base import Metrics, Objective

EPSILON = 1e-6


def pixel_errors(q: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
    """(N,): each example's fraction of pixels decided wrongly (q > 1/2 means foreground)."""
    return ((q > 0.5).to(clean.dtype) != clean).to(q.dtype).flatten(1).mean(dim=1)


def marginal_cross_entropy(q: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
    """The mean over pixels and examples of the binary cross-entropy of `clean` under `q`."""
    return F.binary_cross_entropy(q.clamp(EPSILON, 1 - EPSILON), clean)


class MarginalCrossEntropy(Objective):
    """Batches `(noisy, clean)`: the model maps noisy images to marginals of the clean ones."""

    metric_names = ("pixel_error",)

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, Metrics]:
        noisy, clean = batch
        q = model(noisy)
        return marginal_cross_entropy(q, clean), {"pixel_error": pixel_errors(q.detach(), clean)}
