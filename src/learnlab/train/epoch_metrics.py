"""Per-batch metric values, kept during an epoch and reduced to epoch means once.

An objective reports each metric of a batch in one of three forms:

    a 0-d tensor          the batch's mean (e.g. the loss); weighted by the batch size
    a 1-d tensor          one value per example (e.g. `argmax == y`, bool)
    PerExample(f, *ts)    one value per example, computed later: f(*ts) once per epoch on
                          the tensors of all the epoch's batches, concatenated

The epoch's value is the mean over its examples: sum_b n_b m_b / sum_b n_b for batch means,
the mean of all per-example values otherwise. The later forms are cheaper in the training
loop, where on small models every tensor op counts (10 to 20 us each on the 2-core CPU, next
to a whole training step of about 550 us for an MNIST-1D MLP): accuracy as a batch mean is
four ops per batch, as `argmax == y` two, as PerExample(correct, logits, y) none (the logits
are kept, detached, and their argmax is taken once per epoch).

Example:
    >>> sizes = [2, 1]
    >>> epoch_mean("accuracy", [torch.tensor([True, False]), torch.tensor([True])], sizes)
    0.6666666666666666
    >>> epoch_mean("loss", [torch.tensor(1.0), torch.tensor(4.0)], sizes)
    2.0
    >>> same = PerExample(torch.eq, torch.tensor([1, 2]), torch.tensor([1, 0]))
    >>> epoch_mean("match", [same, PerExample(torch.eq, torch.tensor([3]), torch.tensor([3]))],
    ...            sizes)
    0.6666666666666666
"""

from __future__ import annotations

import torch
from torch import Tensor

from learnlab.objectives.per_example import PerExample


def _as_tensor(value) -> Tensor:
    return value.values() if isinstance(value, PerExample) else value


def _is_per_example(name: str, value: Tensor, n: int) -> bool:
    if value.dim() == 0:
        return False
    if value.dim() == 1 and len(value) == n:
        return True
    raise ValueError(
        f"metric {name!r} has shape {tuple(value.shape)} for a batch of {n} examples; an "
        "objective reports each metric as a 0-d tensor (the batch's mean) or a 1-d tensor "
        f"with one value per example (shape ({n},))."
    )


def example_sum(value, n: int, name: str = "metric") -> Tensor:
    """The sum over a batch of `n` examples of a metric given in any form, in float64."""
    value = _as_tensor(value)
    if _is_per_example(name, value, n):
        return value.sum(dtype=torch.float64)
    return value.to(torch.float64) * n


def epoch_mean(name: str, values: list, sizes: list[int]) -> float:
    """Mean over the epoch's examples of one metric's per-batch values (one host read)."""
    if all(isinstance(v, PerExample) for v in values):
        values = [_concatenated(name, values, sizes)]
        sizes = [sum(sizes)]
    values = [_as_tensor(v) for v in values]
    per_example = [_is_per_example(name, v, n) for v, n in zip(values, sizes, strict=True)]
    if all(per_example):
        return float(torch.cat(values).to(torch.float64).mean())
    if not any(per_example):
        batch_means = torch.stack(values).to(torch.float64)
        weights = torch.tensor(sizes, dtype=torch.float64, device=batch_means.device)
        return float((batch_means * weights).sum() / weights.sum())
    total = sum(example_sum(v, n, name).cpu() for v, n in zip(values, sizes, strict=True))
    return float(total) / sum(sizes)


def _concatenated(name: str, values: list[PerExample], sizes: list[int]) -> Tensor:
    """The per-example values of an epoch of PerExample batches, from one call of compute."""
    columns = zip(*(v.tensors for v in values), strict=True)
    merged = values[0].compute(*(torch.cat(column) for column in columns))
    if merged.shape != (sum(sizes),):
        raise ValueError(
            f"metric {name!r}: PerExample's compute gave shape {tuple(merged.shape)} for "
            f"{sum(sizes)} examples; it must give one value per example."
        )
    return merged


def pack_batch_values(values: list) -> dict[str, object]:
    """One tensor for a checkpoint: batch means stacked, per-example values concatenated
    (PerExample values computed now: a function is not stored)."""
    values = [_as_tensor(v) for v in values]
    if all(v.dim() == 0 for v in values):
        return {"form": "batch_means", "values": torch.stack(values)}
    if all(v.dim() == 1 for v in values):
        return {"form": "per_example", "values": torch.cat(values)}
    raise ValueError("a metric changed form (batch mean / per example) within an epoch")


def unpack_batch_values(packed, sizes: list[int]) -> list[Tensor]:
    """The inverse of `pack_batch_values`, given the epoch's batch sizes so far."""
    if isinstance(packed, Tensor):  # checkpoints written before per-example values existed
        return list(packed.unbind())
    if packed["form"] == "batch_means":
        return list(packed["values"].unbind())
    return list(packed["values"].split(list(sizes)))
