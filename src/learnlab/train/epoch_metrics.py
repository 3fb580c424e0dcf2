"""Per-batch metric values, kept as tensors during an epoch and reduced to epoch means once.

An objective reports each metric of a batch in one of two forms:

    a 0-d tensor     the batch's mean (e.g. the loss); weighted by the batch size
    a 1-d tensor     one value per example (e.g. `argmax == y`, bool); no reduction per batch

The epoch's value is the mean over its examples: sum_b n_b m_b / sum_b n_b for batch means,
sum of all values / number of values for per-example values. The per-example form is the
cheaper one in the training loop: accuracy as `logits.argmax(1) == y` is two tensor ops per
batch where its batch mean is four, and on small models every op counts (about 10 us each on
the 2-core CPU, next to a whole training step of 300 to 1000 us for an MNIST-1D MLP).

Example:
    >>> sizes = [2, 1]
    >>> epoch_mean("accuracy", [torch.tensor([True, False]), torch.tensor([True])], sizes)
    0.6666666666666666
    >>> epoch_mean("loss", [torch.tensor(1.0), torch.tensor(4.0)], sizes)
    2.0
"""

from __future__ import annotations

import torch
from torch import Tensor


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


def example_sum(value: Tensor, n: int, name: str = "metric") -> Tensor:
    """The sum over a batch of `n` examples of a metric given in either form, in float64."""
    if _is_per_example(name, value, n):
        return value.sum(dtype=torch.float64)
    return value.to(torch.float64) * n


def epoch_mean(name: str, values: list[Tensor], sizes: list[int]) -> float:
    """Mean over the epoch's examples of one metric's per-batch values (one host read)."""
    per_example = [_is_per_example(name, v, n) for v, n in zip(values, sizes, strict=True)]
    if all(per_example):
        return float(torch.cat(values).to(torch.float64).mean())
    if not any(per_example):
        batch_means = torch.stack(values).to(torch.float64)
        weights = torch.tensor(sizes, dtype=torch.float64, device=batch_means.device)
        return float((batch_means * weights).sum() / weights.sum())
    total = sum(example_sum(v, n, name).cpu() for v, n in zip(values, sizes, strict=True))
    return float(total) / sum(sizes)


def pack_batch_values(values: list[Tensor]) -> dict[str, object]:
    """One tensor for a checkpoint: batch means stacked, per-example values concatenated."""
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
