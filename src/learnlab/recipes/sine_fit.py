"""The bumpy one-weight task of the `continuation` recipe: x -> sin(w x) fitted by w.

The squared loss of sin(w x) against samples of sin(w* x) has, as a function of w, a ripple of
local minima around the global one at w*; Gaussian smoothing over w flattens the ripple (the
smoothed loss weighs the data by exp(-sigma^2 x^2 / 2), widening the basin of w*).
"""

from __future__ import annotations

import torch
from torch import nn


class SineFit(nn.Module):
    """The model x -> sin(w x) with the one trainable weight w (`frequency`)."""

    def __init__(self, frequency: float) -> None:
        super().__init__()
        self.frequency = nn.Parameter(torch.tensor(float(frequency)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.frequency * x)
