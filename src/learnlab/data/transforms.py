"""Tensor transforms: normalisation, flattening, and random translation of image batches.

Random translation is the data augmentation of LeCun et al. (1998), "Gradient-based learning
applied to document recognition" (distorted training digits), and of Simard, Steinkraus, Platt
(2003), "Best practices for convolutional neural networks applied to visual document
analysis": each image moves by its own integer offset (dy, dx) in [-k, k]^2, uncovered pixels
take the background value. Output pixel (i, j) reads input pixel (i - dy, j - dx), or the
fill value where that lies outside; the whole batch is one indexing operation.

Batch transforms have the signature `(batch: tuple[Tensor, ...], generator) -> batch` and draw
randomness only from the CPU generator they are given, so that `TensorLoader` can replay them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError

BatchTransform = Callable[[tuple[Tensor, ...], torch.Generator], tuple[Tensor, ...]]


def normalize(x: Tensor, *, scale: float, mean: float, std: float) -> Tensor:
    """float32 `((x / scale) - mean) / std`; a new tensor (the input is never modified).

    >>> normalize(torch.tensor([0, 255], dtype=torch.uint8), scale=255.0, mean=0.5, std=0.5)
    tensor([-1.,  1.])
    """
    if not scale > 0 or not std > 0:
        raise ConfigError(f"normalize needs scale > 0 and std > 0, got scale={scale}, std={std}.")
    y = x.to(dtype=torch.float32, copy=True)
    return y.div_(scale).sub_(mean).div_(std)


def flatten(x: Tensor) -> Tensor:
    """(N, ...) -> (N, prod(...)); a view when possible.

    >>> flatten(torch.zeros(5, 1, 28, 28)).shape
    torch.Size([5, 784])
    """
    if x.dim() == 0:
        raise ConfigError("flatten needs a tensor with a first (batch) dimension, got a scalar.")
    return x.reshape(x.shape[0], math.prod(x.shape[1:]))


def translate(x: Tensor, shifts: Tensor, fill: float = 0.0) -> Tensor:
    """Shift each image of `x` (N, C, H, W) by its own integer `shifts[n] = (dy, dx)`.

    Pixel (i, j) of the output is pixel (i - dy, j - dx) of the input, or `fill` where that
    lies outside the image. Keeps the dtype and device of `x`; returns a new tensor.
    """
    if x.dim() != 4:
        raise ConfigError(f"translate needs images of shape (N, C, H, W), got {tuple(x.shape)}.")
    n, c, h, w = x.shape
    if shifts.shape != (n, 2):
        raise ConfigError(f"translate needs shifts of shape ({n}, 2), got {tuple(shifts.shape)}.")
    shifts = shifts.long()
    k = int(shifts.abs().max()) if n else 0
    # Pad by k with the fill value; every shifted image is then an H x W window of the padded
    # one. A strided view lists all (2k+1)^2 windows without copying, and one advanced index
    # picks each image's own window: about 3x faster than two gathers and a mask.
    padded = x.new_full((n, c, h + 2 * k, w + 2 * k), fill)
    padded[:, :, k : k + h, k : k + w] = x
    sn, sc, sh, sw = padded.stride()
    windows = padded.as_strided((n, 2 * k + 1, 2 * k + 1, c, h, w), (sn, sh, sw, sc, sh, sw))
    shifts = shifts.to(x.device)
    return windows[torch.arange(n, device=x.device), k - shifts[:, 0], k - shifts[:, 1]]


def random_translate(max_shift: int, fill: float = 0.0) -> BatchTransform:
    """A batch transform shifting each image of `batch[0]` by a random (dy, dx) in [-k, k]^2.

    Offsets are drawn from the generator passed at call time (on the CPU), one pair per image;
    other tensors of the batch pass through. After `normalize`, pass the normalised background
    as `fill` (`-mean / std`). With `max_shift=0` the batch is returned unchanged.

    >>> t = random_translate(2)
    >>> x2, y2 = t((torch.zeros(8, 1, 28, 28), torch.arange(8)), torch.Generator().manual_seed(0))
    """
    if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
        raise ConfigError(f"random_translate needs an integer max_shift >= 0, got {max_shift!r}.")

    def apply(batch: tuple[Tensor, ...], generator: torch.Generator) -> tuple[Tensor, ...]:
        if max_shift == 0:
            return batch
        x = batch[0]
        shifts = torch.randint(-max_shift, max_shift + 1, (len(x), 2), generator=generator)
        return (translate(x, shifts, fill), *batch[1:])

    return apply
