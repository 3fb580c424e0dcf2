"""Bilinear (multiplicative) layers: y_k = x^T W_k z + b_k, for inputs with two parts x and z.

Lecture 001 lists the multiplicative layer x^T W z. Tenenbaum & Freeman (2000), "Separating
style and content with bilinear models" (Neural Computation 12(6)) fit such models to
factors that interact; Memisevic & Hinton (2007), "Unsupervised learning of image
transformations" (CVPR) gate one input's features by another's. A bilinear map can let one
part select or modulate the function of the other (with z one-hot, W[:, :, c] is a separate
linear map of x for each context c), which an additive layer on concat(x, z) cannot.

    hidden = 0:  out = Bilinear(x, z)                         (N, num_outputs)
    hidden > 0:  out = Linear(act(Bilinear(x, z) -> hidden))   (a bilinear hidden layer)

The layer is torch's `nn.Bilinear` (weight of shape (outputs, x_features, z_features)).

The model's forward takes two tensors, `forward(x, z)`: `input_shape` is the shape of one x
(flattened to x_features = prod(input_shape)); z is (N, z_features) with `z_features` an
option. Two arguments, rather than one input split in halves, keep the two parts' sizes and
meanings independent (e.g. a 784-pixel image and a one-hot context of 3).

Example:
    >>> import torch
    >>> from learnlab.models import build_model
    >>> net = build_model("bilinear", (5,), 3, z_features=4)
    >>> net(torch.zeros(2, 5), torch.zeros(2, 4)).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

import math

import torch
from torch import nn

from learnlab.models.registry import (
    ACTIVATIONS,
    Activation,
    check_bool,
    check_choice,
    check_int,
    make_activation,
    register_model,
)


class BilinearNet(nn.Module):
    """x and z through `nn.Bilinear`, optionally a bilinear hidden layer and a linear output.

    Arguments are assumed valid; `build_model("bilinear", ...)` checks them."""

    def __init__(
        self,
        x_features: int,
        z_features: int,
        num_outputs: int,
        hidden: int = 0,
        activation: str = "relu",
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.bilinear = nn.Bilinear(x_features, z_features, hidden or num_outputs, bias=bias)
        if hidden:
            self.act = make_activation(activation)
            self.out = nn.Linear(hidden, num_outputs, bias=bias)
        else:
            self.act = self.out = None

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        y = self.bilinear(x.flatten(1), z.flatten(1))
        if self.out is not None:
            y = self.out(self.act(y))
        return y


@register_model(
    "bilinear",
    "Bilinear (multiplicative) layer y_k = x^T W_k z + b_k on two inputs, forward(x, z); "
    "z has z_features; hidden > 0 adds a bilinear hidden layer and a linear output.",
)
def bilinear(
    input_shape: tuple[int, ...],
    num_outputs: int,
    z_features: int = 8,
    hidden: int = 0,
    activation: Activation = "relu",
    bias: bool = True,
) -> BilinearNet:
    return BilinearNet(
        x_features=math.prod(input_shape),
        z_features=check_int("z_features", z_features, minimum=1),
        num_outputs=num_outputs,
        hidden=check_int("hidden", hidden, minimum=0),
        activation=check_choice("activation", activation, list(ACTIVATIONS)),
        bias=check_bool("bias", bias),
    )
