"""Multilayer perceptron: affine maps alternating with elementwise nonlinearities.

Rumelhart, Hinton, Williams (1986), "Learning representations by back-propagating errors"
(Nature 323). Options follow later practice: batch normalisation (Ioffe & Szegedy, 2015,
"Batch normalization: accelerating deep network training by reducing internal covariate
shift"), layer normalisation (Ba, Kiros & Hinton, 2016, "Layer normalization") and dropout
(Srivastava et al., 2014, "Dropout: a simple way to prevent neural networks from overfitting").

Architecture, for an input of shape (N, *input_shape):

    flatten -> [Linear(width) -> norm -> activation -> dropout] x depth -> Linear(num_outputs)

`depth=0` leaves one Linear layer: linear regression, or multinomial logistic regression when
trained with cross-entropy. The norm and dropout layers are present only when asked for, so
the default network is exactly Linear/ReLU/Linear/ReLU/Linear. Layers are named `fc1, norm1,
act1, drop1, ..., out`, which keeps state-dict keys readable.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Literal, get_args

from torch import nn

from learnlab.models.registry import (
    ACTIVATIONS,
    Activation,
    check_bool,
    check_choice,
    check_fraction,
    check_int,
    make_activation,
    register_model,
)

Norm = Literal["none", "batch", "layer"]
NORMS = get_args(Norm)


def make_norm(norm: str, width: int) -> nn.Module:
    """The normalisation layer for hidden features of size `width` ("batch" or "layer")."""
    return nn.BatchNorm1d(width) if norm == "batch" else nn.LayerNorm(width)


class MLP(nn.Sequential):
    """Flatten, `depth` hidden blocks of size `width`, then a linear output layer.

    Arguments are assumed valid; `build_model("mlp", ...)` checks them.
    """

    def __init__(
        self,
        in_features: int,
        num_outputs: int,
        depth: int = 2,
        width: int = 256,
        activation: str = "relu",
        norm: str = "none",
        dropout: float = 0.0,
        bias: bool = True,
    ) -> None:
        layers: OrderedDict[str, nn.Module] = OrderedDict(flatten=nn.Flatten())
        fan_in = in_features
        for i in range(1, depth + 1):
            layers[f"fc{i}"] = nn.Linear(fan_in, width, bias=bias)
            if norm != "none":
                layers[f"norm{i}"] = make_norm(norm, width)
            layers[f"act{i}"] = make_activation(activation)
            if dropout > 0:
                layers[f"drop{i}"] = nn.Dropout(dropout)
            fan_in = width
        layers["out"] = nn.Linear(fan_in, num_outputs, bias=bias)
        super().__init__(layers)


@register_model(
    "mlp",
    "Multilayer perceptron on the flattened input: depth hidden layers of size width "
    "(depth=0: linear/logistic regression).",
)
def mlp(
    input_shape: tuple[int, ...],
    num_outputs: int,
    depth: int = 2,
    width: int = 256,
    activation: Activation = "relu",
    norm: Norm = "none",
    dropout: float = 0.0,
    bias: bool = True,
) -> MLP:
    return MLP(
        in_features=math.prod(input_shape),
        num_outputs=num_outputs,
        depth=check_int("depth", depth, minimum=0),
        width=check_int("width", width, minimum=1),
        activation=check_choice("activation", activation, list(ACTIVATIONS)),
        norm=check_choice("norm", norm, NORMS),
        dropout=check_fraction("dropout", dropout),
        bias=check_bool("bias", bias),
    )
