"""Pre-activation residual network for small images.

He, Zhang, Ren & Sun (2016), "Identity Mappings in Deep Residual Networks" (ECCV). A residual
unit computes `x + F(x)` where the residual branch F is "pre-activated": each convolution is
preceded by batch normalisation and a ReLU instead of followed by them, so the shortcut path
from any unit to any later one is a pure identity and the signal (and its gradient) passes
through the network unchanged apart from the additions:

    F(x) = conv3x3(relu(bn(conv3x3(relu(bn(x)), stride)))

When a unit changes the shape (the first unit of a stage doubles the channels and halves
the height and width with stride 2), the shortcut is a 1x1 convolution with that stride
(the paper's "projection shortcut", option B of He et al. 2016, "Deep Residual Learning for
Image Recognition"), applied, as in the authors' code, to the pre-activated input relu(bn(x)).

The whole network, for an input of shape (N, C, H, W):

    conv3x3(width, stem_stride) -> stage 1 -> ... -> stage S -> bn -> relu -> global avg pool
    -> linear

where stage s holds `blocks[s]` units with `width * 2**s` channels, and every stage after the
first starts with a stride-2 unit. The global average pool makes it work for any H and W
(8x8 digits give 8 -> 4 -> 2 maps with three stages; 28x28 MNIST gives 28 -> 14 -> 7). The
final bn -> relu is needed because the last unit ends in an un-normalised addition. The
convolutions have no bias (a batch norm follows each of them) and are initialised as in He,
Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers" (normal, variance 2 / fan-out).

Two options trade nothing in the architecture for speed on a CPU. `stem_stride=2` makes the
stem convolution halve the height and width (28 -> 14 for Fashion-MNIST), as the ImageNet
networks of He et al. downsample early: every later convolution then costs a quarter. With
`channels_last=True` the activations are stored NHWC, the layout in which the CPU kernels of
convolution and batch norm run fastest; it changes the speed, not the function computed
(up to float rounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.convnets import check_image_shape
from learnlab.models.registry import check_bool, check_int, register_model


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """A 3x3 convolution that keeps the size (stride 1) or halves it, rounding up (stride 2)."""
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class PreActBlock(nn.Module):
    """One pre-activation residual unit: x + conv(relu(bn(conv(relu(bn(x))))))."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.relu = nn.ReLU()
        # A projection only where the identity cannot be added (different shape).
        self.shortcut: nn.Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.relu(self.bn1(x))
        # The identity shortcut carries x itself; a projection takes the normalised input.
        skip = x if self.shortcut is None else self.shortcut(pre)
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        return out + skip


class PreActResNet(nn.Module):
    """Stem conv, stages of pre-activation units, bn-relu, global average pool, linear head.

    Arguments are assumed valid; `build_model("preact-resnet", ...)` checks them.
    """

    def __init__(
        self,
        in_channels: int,
        num_outputs: int,
        width: int,
        blocks: Sequence[int],
        stem_stride: int = 1,
        channels_last: bool = False,
    ) -> None:
        super().__init__()
        self.channels_last = channels_last
        self.stem = conv3x3(in_channels, width, stem_stride)
        stages = []
        channels = width
        for index, count in enumerate(blocks):
            out_channels = width * 2**index
            stride = 1 if index == 0 else 2
            units = [PreActBlock(channels, out_channels, stride)]
            units += [PreActBlock(out_channels, out_channels, 1) for _ in range(count - 1)]
            stages.append(nn.Sequential(*units))
            channels = out_channels
        self.stages = nn.Sequential(*stages)
        self.norm = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.head = nn.Linear(channels, num_outputs)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_last:
            # the layers keep the layout of their input, so converting it once is enough
            x = x.contiguous(memory_format=torch.channels_last)
        features = self.relu(self.norm(self.stages(self.stem(x))))
        return self.head(features.mean(dim=(2, 3)))


def check_blocks(option: str, value: Any) -> list[int]:
    """A non-empty list of positive integers: the number of residual units per stage."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise ConfigError(
            f"option {option!r} must be a non-empty list of integers >= 1 (units per stage, "
            f"e.g. [2, 2, 2]); got {value!r}."
        )
    return [check_int(f"{option}[{i}]", count, minimum=1) for i, count in enumerate(value)]


@register_model(
    "preact-resnet",
    "Pre-activation ResNet (He et al. 2016): bn-relu-conv residual units, widths doubling; "
    "stem_stride 2 halves the image first.",
)
def preact_resnet(
    input_shape: tuple[int, ...],
    num_outputs: int,
    width: int = 32,
    blocks: Sequence[int] = (2, 2, 2),
    stem_stride: int = 1,
    channels_last: bool = False,
) -> PreActResNet:
    check_image_shape(input_shape, min_size=1)
    if isinstance(stem_stride, bool) or stem_stride not in (1, 2):
        raise ConfigError(f"option 'stem_stride' must be 1 or 2; got {stem_stride!r}.")
    return PreActResNet(
        input_shape[0],
        num_outputs,
        width=check_int("width", width, minimum=1),
        blocks=check_blocks("blocks", blocks),
        stem_stride=stem_stride,
        channels_last=check_bool("channels_last", channels_last),
    )
