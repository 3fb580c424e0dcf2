"""A synthetic sequence task that needs alignment: "are the two marked tokens equal?".

Each example is a sequence of `length` random tokens from a vocabulary of `vocab` symbols in
which two positions, drawn at random, carry a mark. The label is 1 when the two marked tokens
are the same symbol and 0 otherwise (balanced: half the examples are made equal). The answer
depends on relating two positions that are found by their content (the mark), wherever they
are: attention does this directly (a marked position's query matches the other marked
position's key, and the block compares the two tokens), which is the alignment that lecture
000 gives as attention's inductive bias. A bag of tokens loses the positions of the marks, so
it cannot tell which two tokens to compare; it only sees how often symbols repeat, which
carries almost no information about the label (see the recipe `char-transformer`).

Inputs are one-hot features (length, vocab + 1): the token's one-hot and a last channel that is
1 at the two marked positions, the (T, F) sequence layout of `transformer-classifier`.

Example:
    >>> x, y = marked_pairs(4, length=8, vocab=5, seed=0)
    >>> x.shape, y.shape, bool((x[..., -1].sum(dim=1) == 2).all())
    (torch.Size([4, 8, 6]), torch.Size([4]), True)
"""

from __future__ import annotations

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError


def marked_pairs(count: int, *, length: int, vocab: int, seed: int) -> tuple[Tensor, Tensor]:
    """`count` examples: float32 inputs (count, length, vocab + 1) and int64 labels (count,)."""
    if length < 2 or vocab < 2 or count < 1:
        raise ConfigError(
            f"marked pairs need length >= 2, vocab >= 2 and count >= 1; got length={length}, "
            f"vocab={vocab}, count={count}."
        )
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(vocab, (count, length), generator=g)
    # two distinct positions per example: the first two of a random permutation of each row
    marks = torch.rand(count, length, generator=g).argsort(dim=1)[:, :2]
    rows = torch.arange(count)
    labels = torch.randint(2, (count,), generator=g)
    first = tokens[rows, marks[:, 0]]
    # a different symbol for the unequal examples: first + a shift in 1 .. vocab - 1
    other = (first + torch.randint(1, vocab, (count,), generator=g)) % vocab
    tokens[rows, marks[:, 1]] = torch.where(labels == 1, first, other)
    x = torch.zeros(count, length, vocab + 1)
    x.scatter_(2, tokens[..., None], 1.0)
    x[rows[:, None], marks, vocab] = 1.0
    return x, labels


def bag_of_tokens(x: Tensor) -> Tensor:
    """The order-free summary of one-hot sequences: how often each feature is on, (N, F)."""
    return x.sum(dim=1)
