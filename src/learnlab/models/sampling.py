"""Sampling text from an autoregressive language model: temperature and top-k.

Generation repeats: run the model on the last `context` tokens, take the logits of the last
position, divide them by the temperature tau (tau < 1 sharpens the distribution, tau -> 0
approaches greedy argmax decoding, tau = 1 samples the model's own distribution), optionally
keep only the k largest (top-k sampling; Fan, Lewis & Dauphin 2018, "Hierarchical neural
story generation"), and draw the next token from the softmax with a seeded generator.
Temperature 0 means greedy decoding (argmax), exactly.
"""

from __future__ import annotations

import torch
from torch import nn

from learnlab.io.errors import ConfigError


def next_token(
    logits: torch.Tensor,
    *,
    temperature: float,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """One token id per row of (B, V) logits: argmax at temperature 0, else a draw from
    softmax(logits / temperature) restricted to the `top_k` largest logits."""
    if temperature < 0:
        raise ConfigError(f"temperature must be >= 0, got {temperature}.")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k must be >= 1 (or None for no limit), got {top_k}.")
    if temperature == 0:
        return logits.argmax(dim=-1)
    scaled = logits.float() / temperature
    if top_k is not None and top_k < scaled.shape[-1]:
        kth = torch.topk(scaled, top_k, dim=-1).values[:, -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    probs = torch.softmax(scaled, dim=-1)
    # the generator lives on the CPU, so draw there: same seed, same text on any device
    return torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(1).to(logits.device)


@torch.no_grad()
def generate(
    model: nn.Module,
    prompt: torch.Tensor,
    steps: int,
    *,
    context: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int = 0,
) -> torch.Tensor:
    """`prompt` (1-d or (B, P) token ids) followed by `steps` generated tokens.

    The model maps (B, T <= context) ids to (B, T, V) logits. It runs in eval mode (no
    dropout); its mode is restored afterwards.
    """
    tokens = prompt[None] if prompt.dim() == 1 else prompt
    if tokens.shape[1] < 1:
        raise ConfigError("the prompt needs at least one token.")
    generator = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        for _ in range(steps):
            logits = model(tokens[:, -context:])[:, -1]
            token = next_token(logits, temperature=temperature, top_k=top_k, generator=generator)
            tokens = torch.cat([tokens, token[:, None]], dim=1)
    finally:
        model.train(was_training)
    return tokens[0] if prompt.dim() == 1 else tokens
