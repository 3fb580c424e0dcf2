"""Permuted pixels: one fixed permutation of the pixels of every image, the tasks of "permuted
MNIST" (Goodfellow et al. 2013; Kirkpatrick et al. 2017). Each task is the same classification
problem with the input's pixels shuffled by its own permutation, so that a fully connected
network must learn it almost from scratch, while the difficulty stays the same.

`task_permutations(tasks, pixels, seed)` draws one permutation per task from `seed` (task 0 the
identity unless `identity_first=False`); `PixelPermutation(permutation)` applies one to a batch:
as a batch transform of `TensorLoader` (it draws nothing from the generator) or to a whole
tensor (`permute_pixels`).

Example:
    >>> import torch
    >>> first, second = task_permutations(2, 4, seed=0)
    >>> first.tolist()
    [0, 1, 2, 3]
    >>> x = torch.arange(8.0).reshape(2, 1, 2, 2)
    >>> permute_pixels(x, torch.tensor([3, 2, 1, 0]))[0].flatten().tolist()
    [3.0, 2.0, 1.0, 0.0]
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError


def task_permutations(
    tasks: int, pixels: int, seed: int, *, identity_first: bool = True
) -> list[Tensor]:
    """`tasks` permutations of range(pixels) (int64): task t's is drawn from a generator seeded
    with (seed, t), so the first tasks' permutations do not change when more tasks are asked."""
    if isinstance(tasks, bool) or not isinstance(tasks, int) or tasks < 1:
        raise ConfigError(f"tasks must be an integer >= 1 (one permutation each), got {tasks!r}.")
    if isinstance(pixels, bool) or not isinstance(pixels, int) or pixels < 1:
        raise ConfigError(f"pixels must be an integer >= 1, got {pixels!r}.")
    permutations = []
    for task in range(tasks):
        if task == 0 and identity_first:
            permutations.append(torch.arange(pixels))
            continue
        generator = torch.Generator().manual_seed(_task_seed(seed, task))
        permutations.append(torch.randperm(pixels, generator=generator))
    return permutations


def _task_seed(seed: int, task: int) -> int:
    """A seed for each (seed, task) pair, distinct across tasks and runs."""
    return (seed * 1_000_003 + task * 7_919 + 17) % (2**63)


def permute_pixels(x: Tensor, permutation: Tensor) -> Tensor:
    """`x` (N, ...) with the pixels of each example (its elements after the first dimension,
    flattened) reordered: output pixel i is input pixel permutation[i]; the shape is kept."""
    pixels = math.prod(x.shape[1:])
    if permutation.shape != (pixels,):
        raise ConfigError(
            f"the permutation has shape {tuple(permutation.shape)}, but each example has "
            f"{pixels} pixels; draw it with task_permutations(tasks, {pixels}, seed)."
        )
    flat = x.reshape(x.shape[0], pixels)
    return flat.index_select(1, permutation.to(x.device)).reshape(x.shape)


class PixelPermutation:
    """A batch transform `(batch, generator) -> batch` that permutes the pixels of the batch's
    inputs (its first tensor) and leaves the rest (labels) as they are."""

    def __init__(self, permutation: Tensor) -> None:
        if permutation.dim() != 1 or not torch.equal(
            permutation.sort().values, torch.arange(len(permutation))
        ):
            raise ConfigError("PixelPermutation needs a permutation of range(pixels).")
        self.permutation = permutation

    def __call__(
        self, batch: tuple[Tensor, ...], generator: torch.Generator | None = None
    ) -> tuple[Tensor, ...]:
        return (permute_pixels(batch[0], self.permutation), *batch[1:])
