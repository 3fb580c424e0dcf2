"""MNIST and USPS at one resolution, and the few labelled USPS examples of a seed.

USPS digits are 16x16 and fill their frame; MNIST digits are size-normalised into a 20x20 box
centred in 28x28. So MNIST's central 20x20 is resized to 16x16 (bilinear with antialiasing,
torch's `interpolate`): the digits of both sets then have about the same size, in [0, 1]
(pixel mean 0.248 for MNIST so resized, 0.253 for USPS). Every set is then standardised with
the MNIST training images' mean and standard deviation: the target images reach the
transferred layers through the source network's input pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.data.semi_supervised import draw_labelled
from learnlab.io.errors import ConfigError
from learnlab.recipes.transfer.config import IMAGE_SHAPE, TransferConfig


@dataclass(frozen=True)
class Images:
    x: Tensor
    y: Tensor


@dataclass(frozen=True)
class TransferData:
    source: Images  # MNIST training images
    source_test: Images
    pool: Images  # USPS training images the labelled examples are drawn from
    val: Images
    test: Images


def mnist_as_usps(x: Tensor) -> Tensor:
    """uint8 (N, 1, 28, 28) MNIST -> float (N, 1, 16, 16) in [0, 1], the central 20x20 box."""
    box = x[:, :, 4:24, 4:24].float().div(255)
    resized = torch.nn.functional.interpolate(
        box, size=IMAGE_SHAPE[1:], mode="bilinear", antialias=True, align_corners=False
    )
    return resized.clamp(0, 1)


def load_transfer_data(config: TransferConfig) -> TransferData:
    from learnlab.data import load_dataset

    mnist = load_dataset("mnist", root=config.data_root, download=config.download)
    usps = load_dataset("usps", root=config.data_root, download=config.download)
    source = mnist_as_usps(mnist.train.x[: config.limit_source or len(mnist.train.x)])
    mean, std = source.mean(), source.std()

    def images(x: Tensor, y: Tensor) -> Images:
        return Images((x.float() - mean) / std, y.long())

    cut = len(usps.train.x) - config.val_examples
    mnist_test = slice(0, config.limit_test or len(mnist.test.x))
    usps_test = slice(0, config.limit_test or len(usps.test.x))
    return TransferData(
        source=images(source, mnist.train.y[: len(source)]),
        source_test=images(mnist_as_usps(mnist.test.x[mnist_test]), mnist.test.y[mnist_test]),
        pool=images(usps.train.x[:cut], usps.train.y[:cut]),
        val=images(usps.train.x[cut:], usps.train.y[cut:]),
        test=images(usps.test.x[usps_test], usps.test.y[usps_test]),
    )


def labelled_examples(pool: Images, per_class: int, seed: int) -> Images:
    """`per_class` images of each class, drawn without replacement with `seed`."""
    if per_class < 1:
        raise ConfigError(f"examples_per_class={per_class}: use at least 1 image per class.")
    held = torch.bincount(pool.y, minlength=10)
    for c in range(10):
        if held[c] < per_class:
            raise ConfigError(
                f"examples_per_class={per_class}: the USPS pool has only {int(held[c])} images "
                f"of digit {c}; choose at most {int(held[c])} (or fewer val_examples)."
            )
    index, _ = draw_labelled(pool.y, per_class, seed)
    return Images(pool.x[index], pool.y[index])


@torch.no_grad()
def error_rate(model: torch.nn.Module, images: Images, batch: int = 1000) -> float:
    """The fraction of `images` the model misclassifies (eval mode)."""
    model.eval()
    wrong = sum(
        int((model(images.x[i : i + batch]).argmax(1) != images.y[i : i + batch]).sum())
        for i in range(0, len(images.x), batch)
    )
    return wrong / len(images.x)
