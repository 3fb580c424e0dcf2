"""ADDA's MNIST -> USPS data: 2,000 MNIST and 1,800 USPS training images drawn per seed, a
labelled USPS validation split drawn from the remaining USPS training images (never from the
test set), and the USPS test set (2,007 images) that scores.

Two protocols put both domains at one resolution (`protocol`):

    adda     ADDA's: 28x28. MNIST as it is; USPS's 16x16 upscaled to 28x28 (bilinear, torch's
             `interpolate`), as ADDA's code resizes every image to its LeNet's input size.
    usps16   the earlier one: MNIST's central 20x20 brought to USPS's 16x16 (the transfer
             recipe's `mnist_as_usps`); the digits then already look much alike.

All sets are standardised with the drawn MNIST images' mean and standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.recipes.dann_mnist_usps.config import DannMnistUspsConfig
from learnlab.recipes.transfer.data import Images, mnist_as_usps

ADDA_SIZE = 28  # ADDA's LeNet input (MNIST's own size)


@dataclass(frozen=True)
class Domains:
    source: Images  # labelled MNIST
    target: Images  # USPS: DANN sees only x; train-on-target uses y too
    val: Images  # labelled USPS training images apart from `target`: model selection only
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


def usps_upscaled(x: Tensor, size: int = ADDA_SIZE) -> Tensor:
    """float (N, 1, 16, 16) USPS in [0, 1] -> (N, 1, size, size), bilinear."""
    resized = torch.nn.functional.interpolate(
        x.float(), size=(size, size), mode="bilinear", align_corners=False
    )
    return resized.clamp(0, 1)


def _at_one_resolution(raw: RawData, config: DannMnistUspsConfig):
    """(mnist as float in [0, 1], usps to that size): the two domains at one resolution."""
    if config.protocol == "usps16":
        return mnist_as_usps, lambda x: x.float()
    return (lambda x: x.float().div(255)), usps_upscaled


def draw_domains(raw: RawData, config: DannMnistUspsConfig, seed: int) -> Domains:
    """The seed's 2,000 MNIST and 1,800 USPS images (without replacement), and its
    `val_examples` labelled USPS validation images, disjoint from those 1,800."""
    g = torch.Generator().manual_seed(seed)
    pick_source = torch.randperm(len(raw.mnist_x), generator=g)[: config.source_examples]
    usps_order = torch.randperm(len(raw.usps_x), generator=g)
    pick_target = usps_order[: config.target_examples]
    pick_val = usps_order[config.target_examples :][: config.val_examples]
    mnist_images, usps_images = _at_one_resolution(raw, config)
    source = mnist_images(raw.mnist_x[pick_source])
    mean, std = source.mean(), source.std()

    def images(x: Tensor, y: Tensor) -> Images:
        return Images((x - mean) / std, y.long())

    return Domains(
        source=images(source, raw.mnist_y[pick_source]),
        target=images(usps_images(raw.usps_x[pick_target]), raw.usps_y[pick_target]),
        val=images(usps_images(raw.usps_x[pick_val]), raw.usps_y[pick_val]),
        test=images(usps_images(raw.test_x), raw.test_y),
    )
