"""P x K batches: P classes, K examples of each (Hermans, Beyer & Leibe 2017, "In defense of
the triplet loss"; they use P=18, K=4 and P=32, K=4).

Batch-hard mining takes, for each anchor, the farthest example of its class and the nearest
of another class within the batch. With batches drawn at random the number of examples of a
class in a batch varies, and with many of them the hardest positive is often an outlier;
P x K batches fix both: every class of the batch has exactly K examples, so every anchor has
K - 1 positives and (P - 1) K negatives.

Each batch draws P distinct classes at random, then the next K examples of each class from that
class's own shuffled order (reshuffled when fewer than K are left), so the K examples of a
class in a batch are distinct and, over an epoch, a class's examples are used in turn rather
than some twice and others never. An epoch is `batches` batches (default: as many as hold the
data once, `len(labels) // (P * K)`). Draws are seeded: the same seed gives the same batches.

Example:
    >>> import torch
    >>> labels = torch.arange(40) % 4
    >>> loader = ClassBalancedLoader(torch.arange(40), labels, classes=2, per_class=3, seed=0)
    >>> x, y = next(iter(loader))
    >>> sorted(torch.bincount(y).tolist())
    [0, 0, 3, 3]
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError


def check_pk(labels: Tensor, classes: int, per_class: int) -> None:
    """ConfigError unless P x K batches fit `labels`: P = `classes` >= 1 distinct classes of
    those present, K = `per_class` >= 1 examples of each, P K <= the examples."""
    for name, value in (("classes", classes), ("per_class", per_class)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} (P x K batches) must be an integer >= 1, got {value!r}.")
    if classes * per_class > len(labels):
        raise ConfigError(
            f"a batch of classes x per_class = {classes} x {per_class} = "
            f"{classes * per_class} examples is more than the {len(labels)} given; lower "
            "classes or per_class, or give more examples."
        )
    present, counts = torch.unique(labels, return_counts=True)
    if classes > len(present):
        raise ConfigError(
            f"classes={classes} is more than the {len(present)} classes in the labels; choose "
            f"classes <= {len(present)}."
        )
    smallest = int(counts.argmin())
    if per_class > int(counts[smallest]):
        raise ConfigError(
            f"per_class={per_class} is more than the {int(counts[smallest])} examples of class "
            f"{int(present[smallest])}, the smallest; a batch takes per_class distinct examples "
            f"of each of its classes, so choose per_class <= {int(counts[smallest])}."
        )


class ClassBalancedLoader:
    """Batches `(x[i], y[i])` (or of every tensor given) whose labels `y` hold exactly
    `classes` classes with `per_class` examples each (see the module docstring)."""

    def __init__(
        self,
        *tensors: Tensor,
        classes: int,
        per_class: int,
        batches: int | None = None,
        seed: int = 0,
    ) -> None:
        if len(tensors) < 1 or any(len(t) != len(tensors[-1]) for t in tensors):
            raise ConfigError(
                "ClassBalancedLoader needs tensors of one length, the labels last, e.g. "
                f"ClassBalancedLoader(x, y, ...); got lengths {[len(t) for t in tensors]}."
            )
        labels = tensors[-1]
        check_pk(labels, classes, per_class)
        if batches is not None and (isinstance(batches, bool) or batches < 1):
            raise ConfigError(f"batches must be an integer >= 1 or None, got {batches!r}.")
        self.tensors = tensors
        self.classes, self.per_class = classes, per_class
        self.batches = batches or len(labels) // (classes * per_class)
        self.generator = torch.Generator().manual_seed(seed)
        self.members = [torch.nonzero(labels == c).flatten() for c in torch.unique(labels)]
        self._orders = [self._shuffled(m) for m in self.members]
        self._next = [0] * len(self.members)

    def _shuffled(self, members: Tensor) -> Tensor:
        return members[torch.randperm(len(members), generator=self.generator)]

    def _take(self, c: int) -> Tensor:
        """The next `per_class` examples of class `c` in its order; a fresh order first when
        fewer are left (so the K of one batch never repeat)."""
        if self._next[c] + self.per_class > len(self._orders[c]):
            self._orders[c], self._next[c] = self._shuffled(self.members[c]), 0
        start, self._next[c] = self._next[c], self._next[c] + self.per_class
        return self._orders[c][start : self._next[c]]

    def batch_indices(self) -> Tensor:
        """The indices of one batch: P classes at random, K of each, class by class."""
        chosen = torch.randperm(len(self.members), generator=self.generator)[: self.classes]
        return torch.cat([self._take(int(c)) for c in chosen])

    def __len__(self) -> int:
        return self.batches

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        for _ in range(self.batches):
            index = self.batch_indices()
            yield tuple(t.index_select(0, index) for t in self.tensors)
