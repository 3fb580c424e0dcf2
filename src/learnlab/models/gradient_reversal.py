"""Gradient reversal: the identity going forward, the gradient times -lambda going back.

Ganin & Lempitsky (2015), "Unsupervised Domain Adaptation by Backpropagation": a domain
classifier is trained on features through this layer, so that one backward pass trains the
classifier to tell the domains apart while pushing the feature extractor to make them
indistinguishable (the minimax of domain-adversarial training as plain gradient descent).

    forward(x) = x            backward(g) = -lambda * g

Example:
    >>> import torch
    >>> x = torch.ones(2, requires_grad=True)
    >>> GradientReversal(0.5)(x).sum().backward()
    >>> x.grad.tolist()
    [-0.5, -0.5]
"""

from __future__ import annotations

import math

import torch
from torch import nn

from learnlab.io.errors import ConfigError


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)  # a new tensor node, so that backward runs for it

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.scale * grad, None


def reverse_gradient(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """`x` unchanged; its gradient multiplied by `-scale` on the way back."""
    return _ReverseGradient.apply(x, scale)


class GradientReversal(nn.Module):
    """The layer form of `reverse_gradient`; `scale` (lambda) may be changed during training
    (Ganin & Lempitsky raise it from 0 to 1 over training)."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        if (
            isinstance(scale, bool)
            or not isinstance(scale, (int, float))
            or not math.isfinite(scale)
            or scale < 0
        ):
            raise ConfigError(
                f"gradient reversal scale must be a finite number >= 0, got {scale!r}"
            )
        self.scale = float(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return reverse_gradient(x, self.scale)

    def extra_repr(self) -> str:
        return f"scale={self.scale:g}"
