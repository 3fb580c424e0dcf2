"""A metric value computed once per epoch rather than per batch (`learnlab.train.epoch_metrics`
reduces it): part of what an objective may report."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor


class PerExample:
    """A per-example metric computed once per epoch: `compute(*tensors)` on the tensors of all
    the epoch's batches, concatenated along their first dimension (one row per example).

    `tensors` are kept, so they must carry no graph (detach them) and should be small: the
    epoch keeps all of them until it ends.
    """

    __slots__ = ("compute", "tensors")

    def __init__(self, compute: Callable[..., Tensor], *tensors: Tensor) -> None:
        self.compute = compute
        self.tensors = tensors

    def values(self) -> Tensor:
        """This batch's per-example values, now."""
        return self.compute(*self.tensors)
