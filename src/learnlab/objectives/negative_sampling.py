"""Skip-gram with negative sampling: training pairs, the noise distribution and the loss.

Mikolov, Sutskever, Chen, Corrado & Dean (2013), "Distributed representations of words and
phrases and their compositionality" (NIPS). For a centre word c and a word o seen near it, with
k noise words w_1..w_k drawn from the unigram distribution raised to the 3/4 power,

    loss(c, o) = -log sigma(u_o . v_c) - sum_i log sigma(-u_{w_i} . v_c)

where v are the input ("centre") vectors and u the output ("context") vectors. Before the pairs
are made, each occurrence of a word w is discarded with probability 1 - sqrt(t / f(w)) (f: the
word's share of the text), which thins out "the" and "of" and keeps rare words. The paper's
t = 1e-5 suits corpora of billions of words; on a corpus of 10^5 words every word seen more than
a few times would be thinned, so callers choose a larger t (the recipe: 1e-4). The window is
dynamic, as in word2vec's code: for each centre a size b is drawn uniformly from 1..window and
the words at distance <= b are its contexts, so near words count more than far ones.

Example:
    >>> pairs = skip_gram_pairs(torch.tensor([0, 1, 2]), window=1,
    ...                         generator=torch.Generator().manual_seed(0))
    >>> pairs.tolist()
    [[0, 1], [1, 2], [1, 0], [2, 1]]
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.objectives.base import Objective

NOISE_POWER = 0.75


def noise_distribution(counts: torch.Tensor, power: float = NOISE_POWER) -> torch.Tensor:
    """The noise distribution: counts^power, normalised (float64)."""
    weights = counts.to(torch.float64).pow(power)
    return weights / weights.sum()


def keep_probabilities(counts: torch.Tensor, threshold: float) -> torch.Tensor:
    """The probability of keeping each occurrence of a word: min(1, sqrt(t / f(w)))."""
    frequency = counts.to(torch.float64) / counts.sum()
    return torch.sqrt(threshold / frequency).clamp(max=1.0)


def subsample(ids: torch.Tensor, keep: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The ids whose occurrence survives: each kept with probability keep[id]."""
    draws = torch.rand(len(ids), generator=generator, dtype=torch.float64)
    return ids[draws < keep[ids]]


def skip_gram_pairs(ids: torch.Tensor, window: int, generator: torch.Generator) -> torch.Tensor:
    """(centre, context) pairs (int64, shape (P, 2)) of the id sequence, dynamic window.

    Pairs come by distance d = 1..window, the right neighbour before the left one; a centre
    at position i pairs with the words at i - d and i + d when d <= b_i, where b_i is drawn
    uniformly from 1..window.
    """
    n = len(ids)
    spans = torch.randint(1, window + 1, (n,), generator=generator)
    positions = torch.arange(n)
    pairs, centres = [], []
    for d in range(1, min(window, n - 1) + 1):
        right = positions[: n - d][spans[: n - d] >= d]  # centre i, context i + d
        left = positions[d:][spans[d:] >= d]  # centre i, context i - d
        pairs += [
            torch.stack([ids[right], ids[right + d]], 1),
            torch.stack([ids[left], ids[left - d]], 1),
        ]
        centres += [right, left]
    if not pairs:
        return torch.zeros(0, 2, dtype=torch.int64)
    # order by centre position (stable: nearer contexts first), so that pairs read like the text
    order = torch.argsort(torch.cat(centres), stable=True)
    return torch.cat(pairs)[order]


def negative_sampling_loss(scores: torch.Tensor) -> torch.Tensor:
    """Per-pair loss of scores (N, 1 + k): column 0 the true context's, the rest noise words'.

    -log sigma(s_0) - sum_{j >= 1} log sigma(-s_j), with logsigmoid for stability."""
    return -F.logsigmoid(scores[:, 0]) - F.logsigmoid(-scores[:, 1:]).sum(dim=1)


def draw_noise(
    noise: torch.Tensor, n: int, k: int, generator: torch.Generator | None
) -> torch.Tensor:
    """n x k noise word ids drawn (with replacement) from the distribution `noise`."""
    return torch.multinomial(noise, n * k, replacement=True, generator=generator).view(n, k)


class NegativeSampling(Objective):
    """The skip-gram objective: batches are (centre ids (N,), context ids (N,)); k noise words
    per pair are drawn here from `noise` with `generator`. The model maps (centres, candidates
    (N, 1 + k)) to scores (N, 1 + k). Reports the mean loss; `accuracy` is the share of noise
    words scored below the true context (a rank metric that does not depend on the scale)."""

    metric_names = ("accuracy",)

    def __init__(
        self, noise: torch.Tensor, negatives: int = 5, generator: torch.Generator | None = None
    ) -> None:
        self.noise = noise.to(torch.float32)  # multinomial samples float32 faster
        self.negatives = negatives
        self.generator = generator

    def __call__(
        self, model: nn.Module, batch: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        centres, contexts = batch[0], batch[1]
        noise = draw_noise(self.noise, len(centres), self.negatives, self.generator)
        candidates = torch.cat([contexts[:, None], noise.to(contexts.device)], dim=1)
        scores = model(centres, candidates)
        loss = negative_sampling_loss(scores).mean()
        with torch.no_grad():
            accuracy = (scores[:, :1] > scores[:, 1:]).float().mean(dim=1)
        return loss, {"accuracy": accuracy}
