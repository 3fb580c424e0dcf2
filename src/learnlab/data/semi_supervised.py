"""Labelled plus unlabelled data: the few labelled examples of a seed and a loader of pairs.

`draw_labelled(labels, per_class, seed)` picks `per_class` examples of each class (without
replacement, by the seed) and returns their indices and those of the rest, which become the
unlabelled set. `LabelledUnlabelledLoader` yields one `SemiSupervisedBatch((x, y), x_u)` per
unlabelled batch: an epoch is a pass over the unlabelled examples, and the labelled loader,
much smaller, is restarted (reshuffled) whenever it runs out, so every batch has both parts.

Example:
    >>> import torch
    >>> from learnlab.data.loader import TensorLoader
    >>> labelled = TensorLoader(torch.randn(4, 2), torch.arange(4), batch_size=2, seed=0)
    >>> unlabelled = TensorLoader(torch.randn(10, 2), batch_size=5, seed=1)
    >>> [(len(b.labelled[1]), len(b.unlabelled)) for b in LabelledUnlabelledLoader(labelled, unlabelled)]
    [(2, 5), (2, 5)]
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
    if isinstance(per_class, bool) or not isinstance(per_class, int) or not 1 <= per_class:
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


class LabelledUnlabelledLoader:
    """Pairs of (labelled batch, unlabelled batch); one epoch = one pass of `unlabelled`."""

    def __init__(self, labelled: TensorLoader, unlabelled: TensorLoader) -> None:
        if len(labelled.tensors) != 2:
            raise ConfigError("the labelled loader must yield (inputs, labels) batches.")
        self.labelled, self.unlabelled = labelled, unlabelled
        self._labelled_batches: Iterator | None = None

    def __len__(self) -> int:
        return len(self.unlabelled)

    def _next_labelled(self) -> tuple[Tensor, Tensor]:
        if self._labelled_batches is not None:
            batch = next(self._labelled_batches, None)
            if batch is not None:
                return batch
        self._labelled_batches = iter(self.labelled)  # a new epoch of the labelled set
        return next(self._labelled_batches)

    def __iter__(self) -> Iterator[SemiSupervisedBatch]:
        for (x_u, *_) in self.unlabelled:
            x, y = self._next_labelled()
            yield SemiSupervisedBatch((x, y), x_u)
