"""Recurrent sequence classifiers: Elman RNN, LSTM and GRU reading an input step by step.

Elman (1990), "Finding structure in time" (Cognitive Science 14): h_t = tanh(W x_t + U h_{t-1}
+ b). Hochreiter & Schmidhuber (1997), "Long short-term memory" (Neural Computation 9(8)):
a gated cell state c_t = f_t * c_{t-1} + i_t * g_t carries information across many steps.
Cho et al. (2014), "Learning phrase representations using RNN encoder-decoder for statistical
machine translation" (EMNLP): the gated recurrent unit, with update and reset gates and no
separate cell state. The cells are torch's `nn.RNN`, `nn.LSTM` and `nn.GRU`.

Inputs: a (T, F) example is T steps of F features; a (C, H, W) image is read row by row, as
in row-by-row sequential MNIST (Le, Jaitly & Hinton, 2015, "A simple way to initialize
recurrent networks of rectified linear units"): H steps of C*W features. The classifier

    steps -> recurrent layers (hidden, layers, bidirectional) -> readout -> Linear(num_outputs)

reads either the final hidden state (`readout="last"`; with `bidirectional=True`, the forward
direction's state after the last step joined to the backward direction's state after the
first) or the mean of the top layer's outputs over the steps (`readout="mean"`).
`per_step_logits` applies the output layer to every step's top-layer output; for a
unidirectional model its value at step t depends only on steps <= t.
"""

from __future__ import annotations

from typing import Literal, get_args

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.registry import (
    check_bool,
    check_choice,
    check_fraction,
    check_int,
    register_model,
)

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
Readout = Literal["last", "mean"]
READOUTS = get_args(Readout)


def sequence_shape(input_shape: tuple[int, ...]) -> tuple[int, int]:
    """(steps, features per step) for a (T, F) sequence or a (C, H, W) image read by rows."""
    if len(input_shape) == 2:
        return input_shape[0], input_shape[1]
    if len(input_shape) == 3:
        channels, height, width = input_shape
        return height, channels * width
    raise ConfigError(
        f"takes sequences of shape (steps, features) or images (channels, height, width) "
        f"read row by row; got input_shape {input_shape}. Use a sequence or image data set, "
        "or the 'mlp' model for flat inputs."
    )


def as_steps(x: torch.Tensor) -> torch.Tensor:
    """A batch (B, T, F) or (B, C, H, W) as (B, steps, features); image rows become steps."""
    if x.dim() == 4:
        batch, channels, height, width = x.shape
        # Row h of every channel forms step h: (B, C, H, W) -> (B, H, C, W) -> (B, H, C*W).
        return x.permute(0, 2, 1, 3).reshape(batch, height, channels * width)
    if x.dim() == 3:
        return x
    raise ValueError(f"expected a batch of shape (B, T, F) or (B, C, H, W); got {tuple(x.shape)}")


class RecurrentClassifier(nn.Module):
    """A stack of recurrent layers and a linear output layer (see the module docstring).

    Arguments are assumed valid; `build_model("lstm", ...)` etc. check them.
    """

    def __init__(
        self,
        cell: str,
        features: int,
        num_outputs: int,
        hidden: int = 128,
        layers: int = 1,
        bidirectional: bool = False,
        readout: str = "last",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.readout = readout
        self.directions = 2 if bidirectional else 1
        # torch applies `dropout` between stacked layers only; it warns if there is one layer.
        self.recurrent = CELLS[cell](
            features,
            hidden,
            num_layers=layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.out = nn.Linear(hidden * self.directions, num_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs, state = self.recurrent(as_steps(x))
        if self.readout == "mean":
            return self.out(outputs.mean(dim=1))
        final = state[0] if isinstance(state, tuple) else state  # LSTM: (h_n, c_n)
        # final: (layers * directions, B, hidden); the top layer's directions come last.
        top = final[-self.directions :].permute(1, 0, 2).reshape(x.shape[0], -1)
        return self.out(top)

    def per_step_logits(self, x: torch.Tensor) -> torch.Tensor:
        """The output layer applied to every step's top-layer output: (B, steps, num_outputs)."""
        outputs, _ = self.recurrent(as_steps(x))
        return self.out(outputs)


def _build(
    cell: str,
    input_shape: tuple[int, ...],
    num_outputs: int,
    hidden: int,
    layers: int,
    bidirectional: bool,
    readout: str,
    dropout: float,
) -> RecurrentClassifier:
    _, features = sequence_shape(input_shape)
    return RecurrentClassifier(
        cell,
        features,
        num_outputs,
        hidden=check_int("hidden", hidden, minimum=1),
        layers=check_int("layers", layers, minimum=1),
        bidirectional=check_bool("bidirectional", bidirectional),
        readout=check_choice("readout", readout, READOUTS),
        dropout=check_fraction("dropout", dropout),
    )


@register_model(
    "rnn",
    "Elman RNN (tanh) over the steps of a sequence or the rows of an image; reads the final "
    "hidden state (or the mean over steps).",
)
def rnn(
    input_shape: tuple[int, ...],
    num_outputs: int,
    hidden: int = 128,
    layers: int = 1,
    bidirectional: bool = False,
    readout: Readout = "last",
    dropout: float = 0.0,
) -> RecurrentClassifier:
    return _build("rnn", input_shape, num_outputs, hidden, layers, bidirectional, readout, dropout)


@register_model(
    "lstm",
    "LSTM over the steps of a sequence or the rows of an image; reads the final hidden "
    "state (or the mean over steps).",
)
def lstm(
    input_shape: tuple[int, ...],
    num_outputs: int,
    hidden: int = 128,
    layers: int = 1,
    bidirectional: bool = False,
    readout: Readout = "last",
    dropout: float = 0.0,
) -> RecurrentClassifier:
    return _build("lstm", input_shape, num_outputs, hidden, layers, bidirectional, readout, dropout)


@register_model(
    "gru",
    "GRU over the steps of a sequence or the rows of an image; reads the final hidden state "
    "(or the mean over steps).",
)
def gru(
    input_shape: tuple[int, ...],
    num_outputs: int,
    hidden: int = 128,
    layers: int = 1,
    bidirectional: bool = False,
    readout: Readout = "last",
    dropout: float = 0.0,
) -> RecurrentClassifier:
    return _build("gru", input_shape, num_outputs, hidden, layers, bidirectional, readout, dropout)
