"""Convolutional networks for small images: LeNet-5 and the PyTorch examples' MNIST CNN.

LeNet-5: LeCun, Bottou, Bengio & Haffner (1998), "Gradient-based learning applied to document
recognition" (Proc. IEEE 86(11)). Two convolution + subsampling stages, then three fully
connected layers:

    conv 6@5x5 (padding 2) -> act -> pool 2 -> conv 16@5x5 -> act -> pool 2
    -> fc 120 -> act -> fc 84 -> act -> fc num_outputs

The paper feeds 32x32 images; padding the first convolution by 2 makes a 28x28 MNIST digit
act the same (C1 maps are 28x28, C3 maps 10x10, S4 maps 5x5, 61,706 parameters for 10
classes). Simplifications, as in most modern re-implementations: C3 connects to all six S2
maps (the paper uses a sparse connection table), the subsampling layers have no trainable
coefficient and bias, the activation is a plain tanh rather than 1.7159 tanh(2a/3) with
`activation="tanh"` (ReLU by default), and the output layer is linear instead of Euclidean
RBF units. `pool="avg"` gives the paper's averaging subsampling; "max" is the default.
`padding=0` is the unpadded variant (C1 maps 24x24, 44,426 parameters on MNIST: the LeNet of
Li et al. 2018, "Measuring the intrinsic dimension of objective landscapes").

mnist-cnn: the architecture of the MNIST script in the PyTorch examples repository
(github.com/pytorch/examples, mnist/main.py):

    conv 32@3x3 -> relu -> conv 64@3x3 -> relu -> max pool 2 -> dropout(0.25) -> flatten
    -> fc 128 -> relu -> dropout(0.5) -> fc num_outputs

(1,199,882 parameters on 1x28x28 with 10 classes.)

Both accept any (C, H, W) input at least as large as their minimum size; the flattened size
after the convolutions is measured by one forward pass of zeros at construction, so that the
state dict is complete as soon as the model exists.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Literal

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.registry import (
    ACTIVATIONS,
    Activation,
    check_choice,
    check_fraction,
    check_int,
    make_activation,
    register_model,
)

# Smallest height/width each network accepts. LeNet-5: H -> H (pad 2) -> H//2 -> H//2 - 4 ->
# (H//2 - 4)//2 >= 1, so H >= 12. mnist-cnn: H -> H - 4 (two 3x3) -> (H - 4)//2 >= 1, so H >= 6.
LENET5_MIN_SIZE = 12
MNIST_CNN_MIN_SIZE = 6

Pool = Literal["max", "avg"]
POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


def check_image_shape(input_shape: tuple[int, ...], min_size: int) -> None:
    """Raise ConfigError unless `input_shape` is (C, H, W) with H, W >= `min_size`."""
    if len(input_shape) != 3:
        raise ConfigError(
            f"takes images of shape (channels, height, width); got input_shape "
            f"{input_shape}. Use an image data set, or the 'mlp' model for flat inputs."
        )
    _, height, width = input_shape
    if height < min_size or width < min_size:
        raise ConfigError(
            f"needs images of at least {min_size}x{min_size} pixels; got "
            f"{height}x{width}. Use a larger image data set or a model for small inputs."
        )


def flat_size(features: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Number of features `features` produces for one example of `input_shape`."""
    with torch.no_grad():
        return features(torch.zeros(1, *input_shape)).numel()


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) with the simplifications listed in the module docstring."""

    def __init__(
        self,
        input_shape: tuple[int, int, int],
        num_outputs: int,
        activation: str = "relu",
        pool: str = "max",
        padding: int = 2,
    ) -> None:
        super().__init__()
        in_channels = input_shape[0]
        self.features = nn.Sequential(
            OrderedDict(
                conv1=nn.Conv2d(in_channels, 6, kernel_size=5, padding=padding),  # C1
                act1=make_activation(activation),
                pool1=POOLS[pool](2),  # S2
                conv2=nn.Conv2d(6, 16, kernel_size=5),  # C3
                act2=make_activation(activation),
                pool2=POOLS[pool](2),  # S4
            )
        )
        self.classifier = nn.Sequential(
            OrderedDict(
                fc1=nn.Linear(flat_size(self.features, input_shape), 120),  # C5
                act3=make_activation(activation),
                fc2=nn.Linear(120, 84),  # F6
                act4=make_activation(activation),
                out=nn.Linear(84, num_outputs),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class MnistCNN(nn.Module):
    """The PyTorch examples' MNIST convolutional network (see the module docstring)."""

    def __init__(
        self,
        input_shape: tuple[int, int, int],
        num_outputs: int,
        dropout1: float = 0.25,
        dropout2: float = 0.5,
        width: int = 128,
    ) -> None:
        super().__init__()
        self.features = nn.Sequential(
            OrderedDict(
                conv1=nn.Conv2d(input_shape[0], 32, kernel_size=3),
                act1=nn.ReLU(),
                conv2=nn.Conv2d(32, 64, kernel_size=3),
                act2=nn.ReLU(),
                pool=nn.MaxPool2d(2),
            )
        )
        # Dropout on the flattened maps is the same elementwise mask as on the maps themselves.
        self.classifier = nn.Sequential(
            OrderedDict(
                drop1=nn.Dropout(dropout1),
                fc1=nn.Linear(flat_size(self.features, input_shape), width),
                act3=nn.ReLU(),
                drop2=nn.Dropout(dropout2),
                out=nn.Linear(width, num_outputs),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


@register_model(
    "lenet5",
    "LeNet-5 (LeCun et al. 1998): two conv/pool stages and fc 120-84; images >= 12x12.",
)
def lenet5(
    input_shape: tuple[int, ...],
    num_outputs: int,
    activation: Activation = "relu",
    pool: Pool = "max",
    padding: int = 2,
) -> LeNet5:
    # padding 0: the unpadded 28x28 LeNet of Li et al. (2018), 44,426 parameters on MNIST
    padding = check_int("padding", padding, minimum=0)
    check_image_shape(input_shape, max(1, LENET5_MIN_SIZE + 2 * (2 - padding)))
    return LeNet5(
        input_shape,  # type: ignore[arg-type]  # checked to be (C, H, W) above
        num_outputs,
        activation=check_choice("activation", activation, list(ACTIVATIONS)),
        pool=check_choice("pool", pool, list(POOLS)),
        padding=padding,
    )


@register_model(
    "mnist-cnn",
    "The PyTorch examples' MNIST CNN: conv 32-64 3x3, max pool, dropout, fc 128; images >= 6x6.",
)
def mnist_cnn(
    input_shape: tuple[int, ...],
    num_outputs: int,
    dropout1: float = 0.25,
    dropout2: float = 0.5,
    width: int = 128,
) -> MnistCNN:
    check_image_shape(input_shape, MNIST_CNN_MIN_SIZE)
    return MnistCNN(
        input_shape,  # type: ignore[arg-type]
        num_outputs,
        dropout1=check_fraction("dropout1", dropout1),
        dropout2=check_fraction("dropout2", dropout2),
        width=check_int("width", width, minimum=1),
    )
