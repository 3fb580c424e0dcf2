"""The four-block convolutional encoder of the few-shot literature (Vinyals et al. 2016; Snell
et al. 2017's prototypical networks; Finn et al. 2017's MAML): each block a 3x3 convolution
of `width` filters, batch norm, ReLU and 2x2 max pooling; a 28x28 image ends as a 1x1 map, so
the code is the `width` channels (averaged over what is left for larger images). With
num_outputs == width the code is the output, as in Snell et al.; otherwise a linear layer
maps it to num_outputs (MAML's classifier head).

Example:
    >>> import torch
    >>> net = conv4((1, 28, 28), 32, width=32)
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 32])
"""

from __future__ import annotations

from torch import nn

from learnlab.models.convnets import check_image_shape
from learnlab.models.registry import check_int, register_model

BLOCKS = 4


def _block(channels_in: int, channels_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, padding=1),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


@register_model(
    "conv4",
    "Few-shot encoder (Vinyals 2016, Snell 2017, Finn 2017): 4 x [3x3 conv, batch norm, ReLU, "
    "2x2 max pool], code = the width channels; a linear head if num_outputs != width.",
)
def conv4(input_shape: tuple[int, ...], num_outputs: int, width: int = 64) -> nn.Sequential:
    width = check_int("width", width, minimum=1)
    check_image_shape(input_shape, 2**BLOCKS)
    layers: list[nn.Module] = [_block(input_shape[0], width)]
    layers += [_block(width, width) for _ in range(BLOCKS - 1)]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    if num_outputs != width:
        layers.append(nn.Linear(width, num_outputs))
    return nn.Sequential(*layers)
