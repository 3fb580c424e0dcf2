"""speedrun-cnn: a narrow convolutional network for reaching 99% on MNIST in as little time as
possible.

The design follows "Training a NN to 99% accuracy on MNIST in 0.76 seconds" (GitHub user
tuomaso, github.com/tuomaso/train_mnist_fast, notebook 8_Final_00s76.ipynb): few, narrow
convolutions, each followed at once by a 2x2 max pool, so that everything after the first
convolution runs on a quarter of the pixels, and no dropout. Each stage is

    conv c_i @ k_i x k_i (no padding) -> max pool 2 -> [batch norm] -> relu

then flatten -> [fc hidden -> relu] -> fc num_outputs. Pooling before the nonlinearity gives
the same result as after it for relu (max pooling commutes with any non-decreasing function)
at a quarter of the elementwise work; batch normalisation (Ioffe & Szegedy, 2015, "Batch
normalization: accelerating deep network training by reducing internal covariate shift") also
runs on the pooled maps, where it is four times cheaper, and is what lets a one-epoch schedule
use a large learning rate. The defaults, channels (12, 24), kernels (5, 3), hidden 128, are
those of the mnist-speedrun recipe; with `batch_norm=False`, channels (24, 32) and hidden 256
this is the network of the reference above. Activations are kept channels-last (NHWC) after
the first convolution (`channels_last=True`): max pooling and batch norm are several times
faster in that layout on the CPU, and the values are the same.

Example:
    >>> import torch
    >>> from learnlab.models import build_model
    >>> model = build_model("speedrun-cnn", (1, 28, 28), 10)
    >>> model(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.convnets import check_image_shape
from learnlab.models.registry import check_bool, check_int, register_model


def _check_int_list(option: str, value: Any) -> list[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) == 0:
        raise ConfigError(
            f"option {option!r} must be a non-empty list of positive integers, one per "
            f"convolution stage; got {value!r}."
        )
    return [check_int(f"{option}[{i}]", v, minimum=1) for i, v in enumerate(value)]


class ChannelsLast(nn.Module):
    """Store activations channels-last (NHWC): on the CPU, max pooling and batch norm run
    several times faster in this layout. The values, and so the results, do not change."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last)


class SpeedrunCNN(nn.Module):
    """Narrow conv/pool stages and a small classifier (see the module docstring).

    Arguments are assumed valid; `build_model("speedrun-cnn", ...)` checks them.
    """

    def __init__(
        self,
        input_shape: tuple[int, int, int],
        num_outputs: int,
        channels: Sequence[int] = (12, 24),
        kernel_sizes: Sequence[int] = (5, 3),
        hidden: int = 128,
        batch_norm: bool = True,
        channels_last: bool = True,
    ) -> None:
        super().__init__()
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        in_channels = input_shape[0]
        for i, (c, k) in enumerate(zip(channels, kernel_sizes, strict=True), start=1):
            # the conv bias would be cancelled by the batch norm's mean subtraction
            layers[f"conv{i}"] = nn.Conv2d(in_channels, c, kernel_size=k, bias=not batch_norm)
            if channels_last and i == 1:
                # a one-channel input is both NCHW and NHWC, so the first convolution's
                # output would be NCHW; later layers keep the layout they are given
                layers["layout"] = ChannelsLast()
            layers[f"pool{i}"] = nn.MaxPool2d(2)
            if batch_norm:
                layers[f"norm{i}"] = nn.BatchNorm2d(c)
            layers[f"act{i}"] = nn.ReLU()
            in_channels = c
        self.features = nn.Sequential(layers)
        head: OrderedDict[str, nn.Module] = OrderedDict()
        # computed, not measured with a forward pass: batch norm refuses a batch of one 1x1 map
        _, height, width = input_shape
        for k in kernel_sizes:
            height, width = (height - k + 1) // 2, (width - k + 1) // 2
        fan_in = in_channels * height * width
        if hidden > 0:
            head["fc"] = nn.Linear(fan_in, hidden)
            head["act"] = nn.ReLU()
            fan_in = hidden
        head["out"] = nn.Linear(fan_in, num_outputs)
        self.classifier = nn.Sequential(head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


@register_model(
    "speedrun-cnn",
    "Narrow CNN for fast MNIST training (after tuomaso/train_mnist_fast): conv/pool/bn/relu "
    "stages (channels, kernel_sizes), fc hidden; images >= 12x12 with the defaults.",
)
def speedrun_cnn(
    input_shape: tuple[int, ...],
    num_outputs: int,
    channels: Sequence[int] = (12, 24),
    kernel_sizes: Sequence[int] = (5, 3),
    hidden: int = 128,
    batch_norm: bool = True,
    channels_last: bool = True,
) -> SpeedrunCNN:
    channels = _check_int_list("channels", channels)
    kernel_sizes = _check_int_list("kernel_sizes", kernel_sizes)
    if len(channels) != len(kernel_sizes):
        raise ConfigError(
            f"options 'channels' and 'kernel_sizes' must have one entry per stage; got "
            f"{len(channels)} channels {channels} and {len(kernel_sizes)} kernel sizes "
            f"{kernel_sizes}."
        )
    # the smallest square image that leaves maps of at least 1x1 after the last stage
    min_size = 1
    for k in reversed(kernel_sizes):
        min_size = 2 * min_size + k - 1
    check_image_shape(input_shape, min_size)
    return SpeedrunCNN(
        input_shape,  # type: ignore[arg-type]  # checked to be (C, H, W) above
        num_outputs,
        channels=channels,
        kernel_sizes=kernel_sizes,
        hidden=check_int("hidden", hidden, minimum=0),
        batch_norm=check_bool("batch_norm", batch_norm),
        channels_last=check_bool("channels_last", channels_last),
    )
