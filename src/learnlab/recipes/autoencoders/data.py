"""MNIST as the recipe uses it: pixels in [0, 1] (no normalisation: the decoders are Bernoulli),
labels kept for the linear probes and the figures only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor

    from learnlab.recipes.autoencoders.config import AutoencodersConfig


@dataclass(frozen=True)
class Mnist:
    """The splits as float tensors (N, 1, 28, 28) in [0, 1], with their labels; `scale` is
    what the uint8 pixels were divided by (stored with each model's weights)."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    scale: float


def load_mnist(config: AutoencodersConfig) -> Mnist:
    """The first `limit_train` / `limit_test` images of each split (all without a limit)."""
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    train, test = ds.train, ds.test
    n_train = config.limit_train or len(train.x)
    n_test = config.limit_test or len(test.x)
    return Mnist(
        x_train=train.x[:n_train].float() / ds.scale,
        y_train=train.y[:n_train],
        x_test=test.x[:n_test].float() / ds.scale,
        y_test=test.y[:n_test],
        scale=ds.scale,
    )
