"""Next-token cross-entropy: the objective of an autoregressive language model.

Bengio, Ducharme, Vincent & Jauvin (2003), "A neural probabilistic language model" (JMLR):
a language model factorises p(s_1..s_N) = prod_t p(s_t | s_<t) and is trained by maximum
likelihood, i.e. by minimising the mean over positions of -log p(s_{t+1} | s_<=t). For a batch
of windows with logits (B, T, V) and targets (B, T) this is F.cross_entropy over the B*T
flattened positions, in nats per token; divided by ln 2 it is bits per token (bits per
character for a character model).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from learnlab.objectives.base import Objective

NATS_PER_BIT = math.log(2.0)


def next_token_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats) of (B, T, V) logits against (B, T) next-token ids."""
    if logits.dim() != 3 or targets.shape != logits.shape[:2]:
        raise ValueError(
            f"expected logits (B, T, V) and targets (B, T); got {tuple(logits.shape)} and "
            f"{tuple(targets.shape)}"
        )
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def token_accuracy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per window: the fraction of positions whose most likely next token is the target."""
    return (logits.argmax(dim=-1) == targets).float().mean(dim=1)


class NextTokenCrossEntropy(Objective):
    """`model(x)` gives (B, T, V) logits; the loss is the mean next-token cross-entropy over
    all B*T positions (nats); the metric `accuracy` is the top-1 next-token accuracy."""

    metric_names = ("accuracy",)

    def __call__(self, model, batch):
        x, y = batch[0], batch[1]
        logits = model(x)
        # detached: the metric needs no graph, and the argmax is cheap next to the step
        return next_token_loss(logits, y), {"accuracy": token_accuracy(logits.detach(), y)}
