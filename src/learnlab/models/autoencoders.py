"""Autoencoders: an encoder squeezes the input into a small code, a decoder rebuilds the input.

Rumelhart, Hinton & Williams (1986), "Learning internal representations by error
propagation" (the auto-associative network with a narrow hidden layer); Hinton &
Salakhutdinov (2006), "Reducing the dimensionality of data with neural networks" (deep
autoencoders on MNIST); Masci, Meier, Ciresan & Schmidhuber (2011), "Stacked convolutional
auto-encoders for hierarchical feature extraction" (the convolutional kind).

    code = encoder(x)          a vector of `code` numbers, much smaller than x
    x_hat = decoder(code)      same shape as x

Trained to make x_hat close to x, the code must keep what distinguishes one input from
another; it is a learned, non-linear dimensionality reduction (a linear autoencoder with
squared error spans the principal subspace). The denoising autoencoder (Vincent et al. 2008)
is one of these models trained on corrupted inputs: see `learnlab.objectives.reconstruction`.

Two registered models, `autoencoder` (dense) and `conv-autoencoder` (strided convolutions down,
transposed convolutions up). Their forward returns the reconstruction with the input's shape:
logits of a Bernoulli per pixel (`output="logits"`, for data in [0, 1]; `reconstruct` applies
the sigmoid) or the values themselves (`output="values"`, for squared error on any data).
They ignore `num_outputs`: the code size is the option `code`. With `code_activation=True` the
code goes through the activation too: `hidden=[]` is then the one-hidden-layer autoencoder
(Linear -> activation -> Linear) that greedy layer-wise pre-training stacks (Bengio, Lamblin,
Popovici & Larochelle 2007; Vincent et al. 2008).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, get_args

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.convnets import check_image_shape
from learnlab.models.registry import (
    Activation,
    check_bool,
    check_choice,
    check_int,
    make_activation,
    register_model,
)

Output = Literal["logits", "values"]
OUTPUTS = get_args(Output)


def check_widths(option: str, value: Any, allow_empty: bool) -> list[int]:
    """A list of integers >= 1 (layer widths or channel counts)."""
    ok = not isinstance(value, (str, bytes)) and isinstance(value, Sequence)
    if not ok or (not value and not allow_empty):
        least = "a possibly empty" if allow_empty else "a non-empty"
        raise ConfigError(
            f"option {option!r} must be {least} list of integers >= 1; got {value!r}."
        )
    return [check_int(f"{option}[{i}]", v, minimum=1) for i, v in enumerate(value)]


def mlp(sizes: Sequence[int], activation: str) -> nn.Sequential:
    """Linear layers between consecutive `sizes`, the activation between them (not after the
    last: the encoder's code and the decoder's output are left linear)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if i > 0:
            layers.append(make_activation(activation))
        layers.append(nn.Linear(a, b))
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """Common surface: `encode(x) -> code`, `decode(code) -> output`, `forward = decode(encode)`,
    `reconstruct(x)`: the reconstruction in data space (the sigmoid of logits)."""

    output: str = "logits"

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def to_data(self, out: torch.Tensor) -> torch.Tensor:
        """The decoder's output as data: the Bernoulli mean for logits, else the values."""
        return torch.sigmoid(out) if self.output == "logits" else out

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_data(self(x))


class DenseAutoencoder(Autoencoder):
    """Flatten -> MLP encoder (hidden widths) -> code -> mirrored MLP decoder -> input shape."""

    def __init__(
        self,
        input_shape: tuple[int, ...],
        code: int,
        hidden: Sequence[int],
        activation: str,
        output: str,
        code_activation: bool = False,
    ) -> None:
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.output = output
        size = math.prod(input_shape)
        # the code layer is followed by the decoder's activation, so a ReLU code is not forced:
        # the code stays linear (any real numbers), as in Hinton & Salakhutdinov's autoencoder
        self.encoder = mlp([size, *hidden, code], activation)
        if code_activation:  # hidden=() then gives the one-layer autoencoder of greedy stacking
            self.encoder.append(make_activation(activation))
        self.decoder = mlp([code, *reversed(hidden), size], activation)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.flatten(1))

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.decoder(code).view(-1, *self.input_shape)


def _down_sizes(size: int, stages: int) -> list[int]:
    """Spatial sizes after each 3x3, stride-2, padding-1 convolution: ceil(size / 2)."""
    sizes = [size]
    for _ in range(stages):
        sizes.append((sizes[-1] - 1) // 2 + 1)
    return sizes


class ConvAutoencoder(Autoencoder):
    """Strided 3x3 convolutions (each halves height and width) -> linear code; the decoder is
    a linear layer back to the smallest feature map and 3x3 transposed convolutions of stride
    2 whose `output_padding` (0 or 1) restores each size exactly, odd or even."""

    def __init__(
        self,
        input_shape: tuple[int, int, int],
        code: int,
        channels: Sequence[int],
        activation: str,
        output: str,
    ) -> None:
        super().__init__()
        in_channels, height, width = input_shape
        self.output = output
        heights = _down_sizes(height, len(channels))
        widths = _down_sizes(width, len(channels))
        self.feature_shape = (channels[-1], heights[-1], widths[-1])

        down: list[nn.Module] = []
        for c_in, c_out in zip([in_channels, *channels[:-1]], channels, strict=True):
            down += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), make_activation(activation)]
        self.encoder = nn.Sequential(
            *down, nn.Flatten(), nn.Linear(math.prod(self.feature_shape), code)
        )

        self.expand = nn.Sequential(
            nn.Linear(code, math.prod(self.feature_shape)), make_activation(activation)
        )
        up: list[nn.Module] = []
        outs = [*reversed(channels[:-1]), in_channels]
        for i, (c_in, c_out) in enumerate(zip(reversed(channels), outs, strict=True)):
            # (n - 1) * 2 - 2 + 3 + pad = 2n - 1 + pad must give back the size before the stride
            k = len(channels) - i
            pad = (heights[k - 1] - 2 * heights[k] + 1, widths[k - 1] - 2 * widths[k] + 1)
            up.append(nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=pad))
            if i < len(channels) - 1:
                up.append(make_activation(activation))
        self.decoder = nn.Sequential(*up)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.expand(code).view(-1, *self.feature_shape))


@register_model(
    "autoencoder",
    "dense autoencoder: MLP encoder -> code of `code` numbers -> mirrored MLP decoder; output "
    "= input shape (Bernoulli logits by default); num_outputs is ignored",
)
def autoencoder(
    input_shape: tuple[int, ...],
    num_outputs: int,
    code: int = 32,
    hidden: Sequence[int] = (512, 256),
    activation: Activation = "relu",
    output: Output = "logits",
    code_activation: bool = False,
) -> nn.Module:
    del num_outputs  # the output has the input's shape; the code size is `code`
    make_activation(activation)  # checks the name
    return DenseAutoencoder(
        input_shape,
        code=check_int("code", code, minimum=1),
        hidden=check_widths("hidden", hidden, allow_empty=True),
        activation=activation,
        output=check_choice("output", output, OUTPUTS),
        code_activation=check_bool("code_activation", code_activation),
    )


@register_model(
    "conv-autoencoder",
    "convolutional autoencoder: stride-2 3x3 convolutions -> code of `code` numbers -> "
    "transposed convolutions; output = input shape (Bernoulli logits by default); "
    "num_outputs is ignored",
)
def conv_autoencoder(
    input_shape: tuple[int, ...],
    num_outputs: int,
    code: int = 32,
    channels: Sequence[int] = (32, 64),
    activation: Activation = "relu",
    output: Output = "logits",
) -> nn.Module:
    del num_outputs  # the output has the input's shape; the code size is `code`
    channels = check_widths("channels", channels, allow_empty=False)
    check_image_shape(input_shape, min_size=1)
    make_activation(activation)  # checks the name
    return ConvAutoencoder(
        input_shape,  # type: ignore[arg-type]
        code=check_int("code", code, minimum=1),
        channels=channels,
        activation=activation,
        output=check_choice("output", output, OUTPUTS),
    )
