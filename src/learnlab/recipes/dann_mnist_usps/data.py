"""ADDA's MNIST -> USPS data: 2,000 MNIST and 1,800 USPS training images drawn per seed, at
USPS's 16x16 (MNIST brought to it by the transfer recipe's `mnist_as_usps`), standardised with
the drawn MNIST images' mean and standard deviation; the USPS test set (2,007 images) scores."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.recipes.dann_mnist_usps.config import DannMnistUspsConfig
from learnlab.recipes.transfer.data import Images, mnist_as_usps


@dataclass(frozen=True)
class Domains:
    source: Images  # labelled MNIST
    target: Images  # USPS: DANN sees only x; train-on-target uses y too
    test: Images  # USPS test images


@dataclass(frozen=True)
class RawData:
    mnist_x: Tensor
    mnist_y: Tensor
    usps_x: Tensor
    usps_y: Tensor
    test_x: Tensor
    test_y: Tensor


def load_raw(config: DannMnistUspsConfig) -> RawData:
    from learnlab.data import load_dataset

    mnist = load_dataset("mnist", root=config.data_root, download=config.download)
    usps = load_dataset("usps", root=config.data_root, download=config.download)
    test = slice(0, config.limit_test or len(usps.test.x))
    return RawData(
        mnist.train.x,
        mnist.train.y,
        usps.train.x,
        usps.train.y,
        usps.test.x[test],
        usps.test.y[test],
    )


def draw_domains(raw: RawData, config: DannMnistUspsConfig, seed: int) -> Domains:
    """The seed's 2,000 MNIST and 1,800 USPS images (without replacement)."""
    g = torch.Generator().manual_seed(seed)
    pick_source = torch.randperm(len(raw.mnist_x), generator=g)[: config.source_examples]
    pick_target = torch.randperm(len(raw.usps_x), generator=g)[: config.target_examples]
    source = mnist_as_usps(raw.mnist_x[pick_source])
    mean, std = source.mean(), source.std()

    def images(x: Tensor, y: Tensor) -> Images:
        return Images((x.float() - mean) / std, y.long())

    return Domains(
        source=images(source, raw.mnist_y[pick_source]),
        target=images(raw.usps_x[pick_target], raw.usps_y[pick_target]),
        test=images(raw.test_x, raw.test_y),
    )
