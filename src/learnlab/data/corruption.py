"""Randomisation tests of a data set: corrupted labels, shuffled or random pixels, noise images.

Zhang, Bengio, Hardt, Recht & Vinyals (ICLR 2017), "Understanding deep learning requires
rethinking generalization", section 2: the same network that generalises on the true data is
trained on copies of it in which
- partially corrupted labels: each label, independently with probability p, is replaced by a
  class drawn uniformly at random (it may land on the true class again); p = 1 gives random
  labels;
- shuffled pixels: one random permutation of the pixel positions, applied to every image;
- random pixels: each image gets its own random permutation;
- Gaussian: every image replaced by Gaussian noise with the mean and standard deviation of the
  original images.
Every draw comes from a CPU generator seeded with `seed`, so that an example's corruption is
fixed (the same on every epoch, every device, every run with that seed). The images keep their
shape; labels keep their dtype.

Example:
    >>> y = torch.arange(10)
    >>> corrupt_labels(y, 0.0, num_classes=10, seed=0).equal(y)
    True
    >>> shuffle_pixels(torch.arange(4.0).view(1, 1, 2, 2), seed=0).sort().values.flatten().tolist()
    [0.0, 1.0, 2.0, 3.0]
"""

from __future__ import annotations

from typing import Literal, get_args

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, unknown_name

InputCorruption = Literal["none", "shuffled_pixels", "random_pixels", "gaussian"]
INPUT_CORRUPTIONS: tuple[str, ...] = get_args(InputCorruption)


def check_fraction(name: str, value: float) -> float:
    """`value` as a float in [0, 1], else a ConfigError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(
            f"{name} must be a fraction in [0, 1] (0: the true labels, 1: all labels random); "
            f"got {value!r}."
        )
    return float(value)


def corrupt_labels(y: Tensor, fraction: float, *, num_classes: int, seed: int) -> Tensor:
    """A copy of the labels `y` (N,) in which each one, with probability `fraction`, is replaced
    by a class drawn uniformly from `num_classes` (so about fraction * (1 - 1/C) of them end up
    wrong). A larger fraction with the same seed replaces a superset of the examples."""
    fraction = check_fraction("fraction", fraction)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ConfigError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
    generator = torch.Generator().manual_seed(seed)
    # both draws are made whatever the fraction, so that fractions share their random numbers
    chosen = torch.rand(len(y), generator=generator) < fraction
    random = torch.randint(0, num_classes, (len(y),), generator=generator).to(y.dtype)
    return torch.where(chosen.to(y.device), random.to(y.device), y)


def _pixels(x: Tensor) -> Tensor:
    if x.dim() < 2:
        raise ConfigError(f"images must have shape (N, ...), got shape {tuple(x.shape)}.")
    return x.reshape(len(x), -1)


def shuffle_pixels(x: Tensor, *, seed: int) -> Tensor:
    """Every image's pixels (all values of an example) moved by one shared permutation."""
    flat = _pixels(x)
    order = torch.randperm(flat.shape[1], generator=torch.Generator().manual_seed(seed))
    return flat[:, order.to(x.device)].reshape(x.shape)


def random_pixels(x: Tensor, *, seed: int) -> Tensor:
    """Each image's pixels moved by a permutation of its own."""
    flat = _pixels(x)
    generator = torch.Generator().manual_seed(seed)
    # argsort of uniform numbers: one independent uniform permutation per row
    order = torch.rand(flat.shape, generator=generator).argsort(dim=1)
    return flat.gather(1, order.to(x.device)).reshape(x.shape)


def gaussian_images(x: Tensor, *, seed: int) -> Tensor:
    """Gaussian noise of x's shape with the mean and standard deviation of all of x's values
    (floating point x; integer images are first converted to float32)."""
    values = x if x.is_floating_point() else x.float()
    mean, std = values.mean(), values.std()
    noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed), dtype=values.dtype)
    return noise.to(x.device) * std + mean


def corrupt_inputs(x: Tensor, kind: str, *, seed: int) -> Tensor:
    """`x` transformed by the named corruption ("none" returns x itself)."""
    if kind not in INPUT_CORRUPTIONS:
        raise unknown_name("input corruption", kind, INPUT_CORRUPTIONS)
    if kind == "shuffled_pixels":
        return shuffle_pixels(x, seed=seed)
    if kind == "random_pixels":
        return random_pixels(x, seed=seed)
    if kind == "gaussian":
        return gaussian_images(x, seed=seed)
    return x
