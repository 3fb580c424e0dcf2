"""Transformers: a decoder-only character model and an encoder sequence classifier.

Vaswani et al. (2017), "Attention is all you need" (NeurIPS): multi-head scaled dot-product
self-attention, softmax(Q K^T / sqrt(d_head)) V per head, in blocks with a position-wise MLP.
Radford et al. (2019), "Language models are unsupervised multitask learners" (GPT-2): the
decoder-only, pre-LayerNorm block and a final LayerNorm. Each block computes

    x = x + Dropout(Proj(Attention(LayerNorm(x))))
    x = x + Dropout(Linear(GELU(Linear(LayerNorm(x)))))        (hidden size 4 * dim)

`char-transformer`: token embedding + learned position embedding -> dropout -> depth blocks
of causal self-attention (a position attends to itself and earlier positions only) ->
LayerNorm -> Linear(vocabulary). Input (B, T) int64 token ids with T <= the context length
(`input_shape=(context,)`), output (B, T, vocabulary) logits for the next token at every
position. Weights start as in GPT-2 (normal, std 0.02; zero biases); the output layer is not
tied to the embedding.

`transformer-classifier`: a (T, F) sequence (or a (C, H, W) image read as H rows of C*W
features) -> Linear(dim) + learned positions -> depth blocks without a mask -> LayerNorm ->
mean over positions -> Linear(num_outputs).

Attention is `F.scaled_dot_product_attention`, which picks a fused kernel where one exists.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.recurrent import as_steps, sequence_shape
from learnlab.models.registry import check_fraction, check_int, register_model


class SelfAttention(nn.Module):
    """Multi-head self-attention over (B, T, dim); causal when `causal` is true."""

    def __init__(self, dim: int, heads: int, dropout: float, causal: bool) -> None:
        super().__init__()
        self.heads = heads
        self.causal = causal
        self.dropout = dropout
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, steps, dim = x.shape
        # (B, T, 3*dim) -> three tensors (B, heads, T, dim // heads).
        q, k, v = (
            t.view(batch, steps, self.heads, dim // self.heads).transpose(1, 2)
            for t in self.qkv(x).split(dim, dim=2)
        )
        y = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=self.causal
        )
        return self.proj_drop(self.proj(y.transpose(1, 2).reshape(batch, steps, dim)))


class Block(nn.Module):
    """A pre-LayerNorm transformer block: attention and MLP, each in a residual branch."""

    def __init__(self, dim: int, heads: int, dropout: float, causal: bool) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads, dropout, causal)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim), nn.Dropout(dropout)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def gpt2_init(module: nn.Module) -> None:
    """GPT-2's initialisation: weights normal with std 0.02, biases zero (LayerNorm: 1, 0)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


class CharTransformer(nn.Module):
    """Decoder-only transformer over token ids (see the module docstring)."""

    def __init__(
        self, context: int, vocab: int, dim: int, depth: int, heads: int, dropout: float
    ) -> None:
        super().__init__()
        self.context = context
        self.token_embedding = nn.Embedding(vocab, dim)
        self.position_embedding = nn.Embedding(context, dim)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(
            *(Block(dim, heads, dropout, causal=True) for _ in range(depth))
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)
        self.apply(gpt2_init)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.dim() != 2 or tokens.shape[1] > self.context:
            raise ValueError(
                f"expected token ids of shape (B, T) with T <= {self.context}; "
                f"got {tuple(tokens.shape)}"
            )
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.drop(self.token_embedding(tokens) + self.position_embedding(positions))
        return self.head(self.norm(self.blocks(x)))


class TransformerClassifier(nn.Module):
    """Encoder transformer over (T, F) sequences, mean-pooled (see the module docstring)."""

    def __init__(
        self,
        steps: int,
        features: int,
        num_outputs: int,
        dim: int,
        depth: int,
        heads: int,
        dropout: float,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(features, dim)
        self.position_embedding = nn.Parameter(torch.zeros(steps, dim))
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(
            *(Block(dim, heads, dropout, causal=False) for _ in range(depth))
        )
        self.norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, num_outputs)
        self.apply(gpt2_init)
        nn.init.normal_(self.position_embedding, mean=0.0, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.drop(self.embed(as_steps(x)) + self.position_embedding)
        return self.out(self.norm(self.blocks(h)).mean(dim=1))


def _check_width(dim: int, depth: int, heads: int, dropout: float) -> dict:
    """The shared options, checked; `heads` must divide `dim`."""
    options = {
        "dim": check_int("dim", dim, minimum=1),
        "depth": check_int("depth", depth, minimum=1),
        "heads": check_int("heads", heads, minimum=1),
        "dropout": check_fraction("dropout", dropout),
    }
    if options["dim"] % options["heads"]:
        raise ConfigError(
            f"option 'heads' ({heads}) must divide option 'dim' ({dim}), so that every head "
            "gets dim // heads features. Change one of them, e.g. dim=128 with heads=4."
        )
    return options


@register_model(
    "char-transformer",
    "Decoder-only (GPT-2 style, pre-norm, causal) transformer over token ids: input_shape = "
    "(context length,), num_outputs = vocabulary size; outputs (B, T, vocabulary) logits.",
)
def char_transformer(
    input_shape: tuple[int, ...],
    num_outputs: int,
    dim: int = 128,
    depth: int = 4,
    heads: int = 4,
    dropout: float = 0.0,
) -> CharTransformer:
    if len(input_shape) != 1:
        raise ConfigError(
            f"takes token sequences, input_shape = (context length,); got {input_shape}. "
            "For images or feature sequences use 'transformer-classifier'."
        )
    return CharTransformer(input_shape[0], num_outputs, **_check_width(dim, depth, heads, dropout))


@register_model(
    "transformer-classifier",
    "Encoder transformer (pre-norm, no mask) over a (T, F) sequence or image rows, "
    "mean-pooled, then a linear classifier.",
)
def transformer_classifier(
    input_shape: tuple[int, ...],
    num_outputs: int,
    dim: int = 64,
    depth: int = 2,
    heads: int = 4,
    dropout: float = 0.0,
) -> TransformerClassifier:
    steps, features = sequence_shape(input_shape)
    return TransformerClassifier(
        steps, features, num_outputs, **_check_width(dim, depth, heads, dropout)
    )
