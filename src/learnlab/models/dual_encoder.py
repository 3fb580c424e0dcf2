"""A dual encoder for CLIP-style training (Radford et al. 2021): an image encoder and a text
encoder that map into one embedding space, and a learned temperature.

The image encoder is an MLP on the flattened image. The text encoder is deliberately small: the
mean of the caption's word embeddings (token 0 is padding and is left out of the mean), then
an MLP. Being a mean of word vectors, it composes: a caption made of words that were trained
in other captions gets a meaningful embedding even if that exact caption never appeared, and a
word never seen in training keeps its random initial vector (it receives no gradient).
`logit_scale()` is exp of a learned log-scale, initialised to 1/0.07 and clamped at 100 as in
CLIP.

Example:
    >>> import torch
    >>> model = DualEncoder(image_size=64, vocabulary_size=20, embed_dim=16, seed=0)
    >>> model.encode_image(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 16])
    >>> model.encode_text(torch.tensor([[3, 4, 0]])).shape
    torch.Size([1, 16])
"""

from __future__ import annotations

import math

import torch
from torch import nn

MAX_LOGIT_SCALE = 100.0


class DualEncoder(nn.Module):
    def __init__(
        self,
        *,
        image_size: int,
        vocabulary_size: int,
        embed_dim: int = 64,
        hidden: int = 256,
        word_dim: int = 64,
        seed: int = 0,
    ) -> None:
        super().__init__()
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        self.image_encoder = nn.Sequential(
            nn.Flatten(), nn.Linear(image_size, hidden), nn.ReLU(), nn.Linear(hidden, embed_dim)
        )
        self.word_embeddings = nn.Embedding(vocabulary_size, word_dim, padding_idx=0)
        self.text_encoder = nn.Sequential(
            nn.Linear(word_dim, hidden), nn.ReLU(), nn.Linear(hidden, embed_dim)
        )
        self.log_logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        torch.random.set_rng_state(generator_state)

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return self.image_encoder(images)

    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        """`tokens`: (captions, length) word ids, 0 for padding."""
        present = (tokens != 0).unsqueeze(-1).float()
        summed = (self.word_embeddings(tokens) * present).sum(dim=1)
        return self.text_encoder(summed / present.sum(dim=1).clamp(min=1))

    def logit_scale(self) -> torch.Tensor:
        return self.log_logit_scale.exp().clamp(max=MAX_LOGIT_SCALE)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.encode_image(images)
