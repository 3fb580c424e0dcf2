"""Training and held-out evaluation of the skip-gram model of the `word-embeddings` recipe.

Training follows word2vec (Mikolov et al., 2013): each epoch draws a new subsample of the text
and new dynamic windows, k noise words per pair, and the learning rate decays linearly to zero
over training. The optimizer is Adam (Kingma & Ba, 2015) on minibatches of pairs instead of
word2vec's per-pair SGD, which suits a batched CPU implementation.

Held-out evaluation scores pairs of the test text (subsampled and windowed the same way, with
a fixed seed, and fixed noise words) under two models: the trained vectors, and the best model
that ignores the centre word: the score log(p(o) / (k q(o))), with p the distribution of
context words in the training pairs and q the noise distribution, is the optimum of the
negative-sampling loss when the centre is not used (Levy & Goldberg, 2014, "Neural word
embedding as implicit matrix factorization": the optimum is PMI(c, o) - log k, and PMI is 0
without the centre). The vectors beat it only if they carry information about which words
occur near which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from learnlab.models.skip_gram import SkipGram
from learnlab.objectives.negative_sampling import (
    NegativeSampling,
    draw_noise,
    negative_sampling_loss,
    skip_gram_pairs,
    subsample,
)


@dataclass(frozen=True)
class SkipGramData:
    """What training and evaluation share: keep probabilities and the noise distribution."""

    keep: torch.Tensor  # (V,) float64
    noise: torch.Tensor  # (V,) float64
    window: int
    negatives: int


def epoch_pairs(ids: torch.Tensor, data: SkipGramData, generator: torch.Generator) -> torch.Tensor:
    """One epoch's (centre, context) pairs: a fresh subsample, fresh windows."""
    return skip_gram_pairs(subsample(ids, data.keep, generator), data.window, generator)


def train_skip_gram(
    model: SkipGram,
    train_ids: torch.Tensor,
    data: SkipGramData,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
    on_epoch: Callable[[int, int], None] | None = None,
    on_step: Callable[[float], None] | None = None,
) -> tuple[list[float], torch.Tensor]:
    """Train; returns the mean loss of each epoch and the counts of context words in the first
    epoch's pairs (the unigram baseline's context distribution). `on_epoch(epoch, steps)` is
    called before each epoch, `on_step(loss)` after each step."""
    objective = NegativeSampling(data.noise, data.negatives, generator)
    # Adam: word2vec's plain SGD (step 0.025 per pair, tried here on batches) generalised
    # worse on this small corpus (held-out loss above the unigram baseline's)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    history: list[float] = []
    context_counts = torch.zeros(len(data.noise), dtype=torch.int64)
    for epoch in range(epochs):
        pairs = epoch_pairs(train_ids, data, generator)
        if epoch == 0:
            context_counts = torch.bincount(pairs[:, 1], minlength=len(data.noise))
        pairs = pairs[torch.randperm(len(pairs), generator=generator)]
        steps = max(1, -(-len(pairs) // batch_size))
        if on_epoch is not None:
            on_epoch(epoch, steps)
        total = 0.0
        for step in range(steps):
            # word2vec's linear decay, here to 1e-4 of the start rather than to exactly 0
            done = (epoch * steps + step) / (epochs * steps)
            for group in opt.param_groups:
                group["lr"] = lr * max(1.0 - done, 1e-4)
            batch = pairs[step * batch_size : (step + 1) * batch_size]
            loss, _ = objective(model, (batch[:, 0], batch[:, 1]))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            value = float(loss.detach())
            total += value * len(batch)
            if on_step is not None:
                on_step(value)
        history.append(total / max(len(pairs), 1))
    return history, context_counts


@dataclass(frozen=True)
class HeldOut:
    """Mean negative-sampling loss of held-out pairs under each scorer."""

    pairs: int
    model_loss: float
    unigram_loss: float
    untrained_loss: float


def unigram_scores(context_counts: torch.Tensor, data: SkipGramData) -> torch.Tensor:
    """The centre-blind optimal score of each word: log p(o) - log(k q(o)), add-one p."""
    p = (context_counts.to(torch.float64) + 1.0) / (context_counts.sum() + len(context_counts))
    return torch.log(p) - torch.log(data.negatives * data.noise)


@torch.no_grad()
def heldout_losses(
    model: SkipGram,
    untrained: SkipGram,
    test_ids: torch.Tensor,
    context_counts: torch.Tensor,
    data: SkipGramData,
    seed: int,
) -> HeldOut:
    """Losses of the test text's pairs (subsample, windows and noise words fixed by `seed`)."""
    generator = torch.Generator().manual_seed(seed)
    pairs = epoch_pairs(test_ids, data, generator)
    noise = draw_noise(data.noise.to(torch.float32), len(pairs), data.negatives, generator)
    candidates = torch.cat([pairs[:, 1:], noise], dim=1)
    baseline = unigram_scores(context_counts, data)[candidates]
    was_training = model.training
    model.eval()
    result = HeldOut(
        pairs=len(pairs),
        model_loss=float(negative_sampling_loss(model(pairs[:, 0], candidates)).mean()),
        unigram_loss=float(negative_sampling_loss(baseline).mean()),
        untrained_loss=float(negative_sampling_loss(untrained(pairs[:, 0], candidates)).mean()),
    )
    model.train(was_training)
    return result
