"""MNIST split for the semi-supervised recipe: a labelled draw, the unlabelled rest, a held-out
labelled validation set (the last training images) and the test set, pixels in [0, 1]."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.recipes.semi_supervised_mnist.config import SemiSupervisedConfig


@dataclass(frozen=True)
class Split:
    labelled_x: Tensor
    labelled_y: Tensor
    unlabelled_x: Tensor
    val_x: Tensor
    val_y: Tensor
    test_x: Tensor
    test_y: Tensor


def _images(x: Tensor) -> Tensor:
    return x.float().div(255).view(-1, 1, 28, 28)


def load_split(config: SemiSupervisedConfig, seed: int) -> Split:
    """The labelled examples are drawn by `seed` from the training images before the held-out
    ones; every other of those images is unlabelled (its label is never read)."""
    from learnlab.data import load_dataset
    from learnlab.data.semi_supervised import draw_labelled

    mnist = load_dataset("mnist", root=config.data_root, download=config.download)
    x, y = _images(mnist.train.x), mnist.train.y.long()
    cut = len(x) - config.val_examples
    labelled, rest = draw_labelled(y[:cut], config.labels_per_class, seed)
    if config.limit_unlabelled is not None:
        rest = rest[: config.limit_unlabelled]
    test = slice(0, config.limit_test or len(mnist.test.x))
    return Split(
        labelled_x=x[labelled],
        labelled_y=y[labelled],
        unlabelled_x=x[rest],
        val_x=x[cut:],
        val_y=y[cut:],
        test_x=_images(mnist.test.x[test]),
        test_y=mnist.test.y[test].long(),
    )


@torch.no_grad()
def error_rate(model: torch.nn.Module, x: Tensor, y: Tensor, batch: int = 1000) -> float:
    model.eval()
    wrong = sum(
        int((model(x[i : i + batch]).argmax(1) != y[i : i + batch]).sum())
        for i in range(0, len(x), batch)
    )
    return wrong / len(x)
