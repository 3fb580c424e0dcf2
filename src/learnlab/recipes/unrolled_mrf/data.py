"""Binary MNIST and its noisy copies: the clean images (pixels > 1/2 of full intensity), the
noise drawn from a seed, and what the noise model says about each observed pixel (the
hand-set MRF's unary log-odds)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from learnlab.recipes.unrolled_mrf.config import UnrolledMrfConfig

SMALLEST_FLIP = 1e-6  # p = 0 gives infinite log-odds: a noiseless observation, nearly


@dataclass(frozen=True)
class BinaryMnist:
    """Clean binary images (N, 1, 28, 28) of 0.0 and 1.0: train, validation, test."""

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor


def load_binary_mnist(config: UnrolledMrfConfig) -> BinaryMnist:
    """The first `limit_train` training images, the last `validation` ones, the first
    `limit_test` test images (all without a limit), thresholded at half intensity."""
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    train_x = ds.train.x
    n_train = min(config.limit_train or len(train_x), len(train_x) - config.validation)

    def binary(images: torch.Tensor) -> torch.Tensor:
        return (images.float() / ds.scale > 0.5).float().reshape(-1, 1, 28, 28)

    return BinaryMnist(
        train=binary(train_x[:n_train]),
        val=binary(train_x[len(train_x) - config.validation :]),
        test=binary(ds.test.x[: config.limit_test or len(ds.test.x)]),
    )


def corrupt(
    clean: torch.Tensor, config: UnrolledMrfConfig, generator: torch.Generator
) -> torch.Tensor:
    """A noisy copy of `clean`: flipped pixels, or added Gaussian noise (from `generator`)."""
    if config.noise == "flip":
        flips = torch.rand(clean.shape, generator=generator) < config.flip_probability
        return torch.where(flips, 1 - clean, clean)
    return clean + config.gaussian_std * torch.randn(clean.shape, generator=generator)


def noise_log_odds_weight(config: UnrolledMrfConfig) -> float:
    """a with log p(y | x=1) / p(y | x=0) = a (2 y - 1): log((1 - p) / p) for flips
    (y in {0, 1}), 1 / (2 sigma^2) for Gaussian noise."""
    if config.noise == "flip":
        p = max(config.flip_probability, SMALLEST_FLIP)
        return math.log((1 - p) / p)
    return 1 / (2 * config.gaussian_std**2)


def naive_decision(noisy: torch.Tensor) -> torch.Tensor:
    """The noisy input read as an answer: pixels above 1/2 are foreground."""
    return (noisy > 0.5).float()
