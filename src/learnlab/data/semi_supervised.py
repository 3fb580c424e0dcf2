"""Labelled plus unlabelled data: the few labelled examples of a seed and a loader of pairs.

`draw_labelled(labels, per_class, seed)` picks `per_class` examples of each class (without
replacement, by the seed) and returns their indices and those of the rest, which become the
unlabelled set. `LabelledUnlabelledLoader` yields `SemiSupervisedBatch((x, y), x_u)` pairs:
an epoch is a pass over the unlabelled examples (or a given number of pairs), and the labelled
loader, much smaller, is restarted (reshuffled) whenever it runs out, so every batch has both.

Example:
    >>> import torch
    >>> from learnlab.data.loader import TensorLoader
    >>> labelled = TensorLoader(torch.randn(4, 2), torch.arange(4), batch_size=2, seed=0)
    >>> unlabelled = TensorLoader(torch.randn(10, 2), batch_size=5, seed=1)
    >>> pairs = LabelledUnlabelledLoader(labelled, unlabelled, batches=3)
    >>> [(len(b.labelled[1]), len(b.unlabelled)) for b in pairs]
    [(2, 5), (2, 5), (2, 5)]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import torch
from torch import Tensor

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError


class SemiSupervisedBatch(NamedTuple):
    labelled: tuple[Tensor, Tensor]  # (inputs, labels)
    unlabelled: Tensor  # inputs only


def draw_labelled(labels: Tensor, per_class: int, seed: int) -> tuple[Tensor, Tensor]:
    """(indices of `per_class` examples of each class, indices of all the others)."""
    classes = sorted(int(c) for c in labels.unique())
    counts = {c: int((labels == c).sum()) for c in classes}
    fewest = min(counts.values())
    if isinstance(per_class, bool) or not isinstance(per_class, int) or not per_class >= 1:
        raise ConfigError(
            f"labels_per_class={per_class!r}: give a whole number of labelled examples per "
            f"class from 1 to {fewest} (the rarest class's count), e.g. 10 for 100 labels."
        )
    if per_class > fewest:
        rarest = min(counts, key=counts.__getitem__)
        raise ConfigError(
            f"labels_per_class={per_class}: class {rarest} has only {fewest} examples; choose "
            f"at most {fewest} (or fewer held out)."
        )
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for c in classes:
        where = torch.nonzero(labels == c).flatten()
        chosen.append(where[torch.randperm(len(where), generator=g)[:per_class]])
    labelled = torch.cat(chosen)
    rest = torch.ones(len(labels), dtype=torch.bool)
    rest[labelled] = False
    return labelled, torch.nonzero(rest).flatten()


class _Endless:
    """The batches of a loader, its epochs one after another (each reshuffled)."""

    def __init__(self, loader: TensorLoader) -> None:
        self.loader = loader
        self._batches: Iterator | None = None

    def next(self) -> tuple[Tensor, ...]:
        if self._batches is not None:
            batch = next(self._batches, None)
            if batch is not None:
                return batch
        self._batches = iter(self.loader)  # a new epoch of this loader
        return next(self._batches)


class LabelledUnlabelledLoader:
    """Pairs of (labelled batch, unlabelled batch). An epoch is `batches` pairs (default: one
    pass of the unlabelled loader); each loader restarts, reshuffled, when it runs out."""

    def __init__(
        self, labelled: TensorLoader, unlabelled: TensorLoader, batches: int | None = None
    ) -> None:
        if len(labelled.tensors) != 2:
            raise ConfigError("the labelled loader must yield (inputs, labels) batches.")
        if batches is not None and (isinstance(batches, bool) or batches < 1):
            raise ConfigError(f"batches={batches!r}: an epoch needs at least 1 batch.")
        self.labelled, self.unlabelled = _Endless(labelled), _Endless(unlabelled)
        self.batches = len(unlabelled) if batches is None else int(batches)

    def __len__(self) -> int:
        return self.batches

    def __iter__(self) -> Iterator[SemiSupervisedBatch]:
        for _ in range(self.batches):
            x, y = self.labelled.next()
            yield SemiSupervisedBatch((x, y), self.unlabelled.next()[0])
