"""The string reader: a small CNN whose columns become CTC frames.

Two 3x3 conv + ReLU + 2x2 max-pool stages and a third conv shrink the image by 4 in each
direction; the remaining rows are pooled away (adaptive average to `rows`) and flattened with
the channels, so each of the W/4 columns is a feature vector; a 1-D convolution over
neighbouring columns (width 3: context on both sides) then a linear map give the scores of
blank + 10 digits per frame: (N, W/4, 11).
"""

from __future__ import annotations

import torch
from torch import nn


class StringReader(nn.Module):
    def __init__(self, channels: int = 32, hidden: int = 128, classes: int = 11, rows: int = 2):
        super().__init__()
        c = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c, 2 * c, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d((rows, None)),
        )
        self.frames = nn.Sequential(
            nn.Conv1d(2 * c * rows, hidden, 3, padding=1),
            nn.ReLU(),
            nn.Conv1d(hidden, classes, 1),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.features(images)  # (N, C, rows, T)
        x = self.frames(x.flatten(1, 2))  # (N, classes, T)
        return x.transpose(1, 2)  # (N, T, classes)
