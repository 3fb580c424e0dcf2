"""Part (b)'s classifier: the `char-transformer` (models.transformer) without its
next-character output layer, its features averaged over a line's characters, and a linear
head over the speakers.

Lines are padded on the right with the id `pad` (= the vocabulary size, an id the language
model never saw). Attention is causal, so padding after a character changes nothing at that
character; the mean runs over the real characters only, so a line's features are exactly those
of the line alone."""

from __future__ import annotations

import torch
from torch import nn


class SpeakerClassifier(nn.Module):
    """(B, T) padded character ids -> (B, speakers) logits."""

    def __init__(self, language_model: nn.Module, dim: int, speakers: int, pad: int) -> None:
        super().__init__()
        language_model.head = nn.Identity()  # the normalised features, not next-char logits
        self.body = language_model
        self.pad = pad
        self.head = nn.Linear(dim, speakers)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        real = tokens != self.pad
        features = self.body(torch.where(real, tokens, torch.zeros_like(tokens)))
        weights = real.unsqueeze(-1).to(features.dtype)
        pooled = (features * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        return self.head(pooled)
