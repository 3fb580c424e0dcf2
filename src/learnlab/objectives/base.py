"""The objective contract: what the Trainer, the model doctor and recipes call.

An objective is called with `(model, batch)` and returns `(loss, metrics)`: `loss` the scalar
to minimise (a mean over the batch's examples), `metrics` names mapped to values without a
graph, each a 0-dim tensor (the batch's mean), a 1-dim tensor with one value per example, or
`PerExample(compute, *tensors)`, computed once per epoch. It says how many examples a batch
holds (`batch_examples`), so that a batch may be any structure the loader yields: a tuple of
tensors, a dict, a graph batch, an episode, a pair of labelled and unlabelled batches. It may
own trainable modules (`extra_modules`: a discriminator, a projection head), which the
optimizer then updates and checkpoints save.

`Objective` is the base class with the defaults; `as_objective` wraps a plain function
`(model, batch) -> (loss, metrics)` so that every caller sees the same three methods.

Example:
    >>> import torch
    >>> objective = as_objective(lambda model, batch: (model(batch[0]).pow(2).mean(), {}))
    >>> objective.batch_examples((torch.zeros(5, 3), torch.zeros(5)))
    5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn

Metrics = dict[str, Any]


@runtime_checkable
class ObjectiveLike(Protocol):
    """What the Trainer needs of an objective (an `Objective` has all three)."""

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, Metrics]: ...

    def extra_modules(self) -> list[nn.Module]: ...

    def batch_examples(self, batch: Any) -> int: ...


def count_examples(batch: Any) -> int:
    """Examples in a batch of the usual shapes: a tensor (its first dimension), a tuple or list
    (its first item's count), a mapping (its first value's count), or an object with a
    `num_examples` attribute (a graph batch, an episode). Anything else is a TypeError that
    says to define `batch_examples` on the objective."""
    if type(batch) is tuple and batch:  # the Trainer's usual (inputs, targets): first, cheaply
        batch = batch[0]
    if isinstance(batch, torch.Tensor):
        return int(batch.shape[0]) if batch.dim() else 1
    if hasattr(batch, "num_examples"):
        return int(batch.num_examples)
    if isinstance(batch, (tuple, list)) and batch:
        return count_examples(batch[0])
    if isinstance(batch, Mapping) and batch:
        return count_examples(next(iter(batch.values())))
    raise TypeError(
        f"cannot tell how many examples a batch of type {type(batch).__name__} holds; give the "
        "objective a batch_examples(batch) method (or the batch a num_examples attribute)."
    )


class Objective:
    """Base class. Subclasses implement `__call__(model, batch) -> (loss, metrics)`."""

    #: names of the metrics this objective reports (besides "loss")
    metric_names: tuple[str, ...] = ()

    def extra_modules(self) -> list[nn.Module]:
        """Trainable modules the objective owns (a discriminator, a head); none by default."""
        return []

    def batch_examples(self, batch: Any) -> int:
        """How many examples `batch` holds: the weight of its loss in the epoch's mean."""
        return count_examples(batch)

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, Metrics]:
        raise NotImplementedError


class FunctionObjective(Objective):
    """A plain function `(model, batch) -> (loss, metrics)` as an Objective."""

    def __init__(self, function: Callable[[nn.Module, Any], tuple[torch.Tensor, Metrics]]):
        self.function = function

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, Metrics]:
        return self.function(model, batch)


def as_objective(objective: Objective | Callable[..., Any]) -> Objective:
    """`objective` itself if it is an Objective, else the function wrapped as one."""
    if isinstance(objective, Objective):
        return objective
    if callable(objective):
        return FunctionObjective(objective)
    raise TypeError(
        f"an objective is an Objective or a function (model, batch) -> (loss, metrics); got "
        f"{type(objective).__name__}."
    )
