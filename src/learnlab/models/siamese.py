"""Siamese networks: one encoder, shared by both inputs, and a head that compares the codes.

Bromley, Guyon, LeCun, Säckinger & Shah (1993), "Signature verification using a 'siamese'
time delay neural network" (NIPS 6): two copies of one network, with tied weights, map two
inputs to feature vectors; their distance says whether the inputs share an identity.
Koch, Zemel & Salakhutdinov (2015), "Siamese neural networks for one-shot image recognition"
(ICML deep learning workshop): a weighted L1 distance between the codes, then a sigmoid, is
the probability that the pair shows the same class; trained with binary cross-entropy on
pairs of known classes, it classifies new classes from a single example each (one-shot).
Hadsell, Chopra & LeCun (2006), "Dimensionality reduction by learning an invariant mapping"
(CVPR): the contrastive loss, which pulls codes of same-class pairs together and pushes
other pairs at least a margin apart.

    e1 = act(encoder(x1)), e2 = act(encoder(x2))   (one module: its weights are shared)
    head "absdiff":   logit = Linear(|e1 - e2|)  (Koch et al.; num_outputs logits of "same")
    head "euclidean": d = sqrt(||e1 - e2||^2 + eps)  (Hadsell et al.; train with
                      `contrastive_loss`; num_outputs must be 1)

The encoder is any registered model (`encoder`, with `encoder_options`) built with
`num_outputs = embedding`: it must map a float tensor (N, *input_shape) to (N, embedding).
`act` is `code_activation`, by default a sigmoid, as in Koch et al.'s last layer. It also
gives the encoder's output bias a role: both heads see only e1 - e2, in which a bias added
to both codes cancels (with "identity" that bias gets no gradient).
Both heads are symmetric: swapping x1 and x2 gives the same output.

Example:
    >>> import torch
    >>> from learnlab.models import build_model
    >>> net = build_model("siamese", (1, 28, 28), 1, encoder_options={"width": 32})
    >>> net(torch.zeros(2, 1, 28, 28), torch.ones(2, 1, 28, 28)).shape
    torch.Size([2, 1])
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.registry import (
    ACTIVATIONS,
    Activation,
    build_model,
    check_choice,
    check_int,
    make_activation,
    register_model,
)

Head = Literal["absdiff", "euclidean"]
HEADS = get_args(Head)
# Keeps the gradient of the Euclidean distance finite when both codes coincide (sqrt at 0).
DISTANCE_EPS = 1e-8


class Siamese(nn.Module):
    """`encoder` applied to both inputs, then the `head` comparison (see the module docstring).

    Arguments are assumed valid; `build_model("siamese", ...)` checks them."""

    def __init__(
        self,
        encoder: nn.Module,
        embedding: int,
        num_outputs: int,
        head: str,
        code_activation: str = "sigmoid",
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.code_activation = make_activation(code_activation, "code_activation")
        self.head_kind = head
        # the Euclidean head has no parameters: the distance itself is the output
        self.head = nn.Linear(embedding, num_outputs) if head == "absdiff" else None

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The code of each example: (N, *input_shape) -> (N, embedding)."""
        return self.code_activation(self.encoder(x))

    def compare(self, e1: torch.Tensor, e2: torch.Tensor) -> torch.Tensor:
        """The head on codes (broadcasting over leading dimensions): logits or a distance."""
        if self.head is None:
            return ((e1 - e2).square().sum(-1, keepdim=True) + DISTANCE_EPS).sqrt()
        return self.head((e1 - e2).abs())

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        # one encoder call on both inputs: batch norm sees one batch, and it is faster
        codes = self.embed(torch.cat([x1, x2]))
        e1, e2 = codes[: len(x1)], codes[len(x1) :]
        return self.compare(e1, e2)

    def similarity(self, e1: torch.Tensor, e2: torch.Tensor) -> torch.Tensor:
        """A score that grows with how alike the codes are: the first logit of "same" for the
        absdiff head, minus the distance for the Euclidean head. Shape: e1's leading dims."""
        out = self.compare(e1, e2)[..., 0]
        return -out if self.head is None else out


def contrastive_loss(
    distance: torch.Tensor, same: torch.Tensor, margin: float = 1.0
) -> torch.Tensor:
    """Hadsell et al. (2006): mean of same * d^2 / 2 + (1 - same) * max(0, margin - d)^2 / 2.

    `distance`: (N,) or (N, 1); `same`: 1 for pairs of one class, 0 otherwise, same shape."""
    same = same.to(distance.dtype)
    pulled = same * distance.square()
    pushed = (1 - same) * (margin - distance).clamp(min=0).square()
    return 0.5 * (pulled + pushed).mean()


def _check_encoder_options(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ConfigError(
            f"option 'encoder_options' must be a table of the encoder's options, e.g. "
            f"{{width = 64}}; got {value!r}."
        )
    return dict(value)


@register_model(
    "siamese",
    "Siamese network (Bromley et al. 1993; Koch et al. 2015): one shared encoder (any model) "
    "on two inputs; |e1 - e2| -> linear logit of 'same', or the Euclidean distance.",
)
def siamese(
    input_shape: tuple[int, ...],
    num_outputs: int,
    encoder: str = "mlp",
    encoder_options: dict[str, Any] | None = None,
    embedding: int = 64,
    head: Head = "absdiff",
    code_activation: Activation = "sigmoid",
) -> Siamese:
    head = check_choice("head", head, HEADS)
    code_activation = check_choice("code_activation", code_activation, list(ACTIVATIONS))
    embedding = check_int("embedding", embedding, minimum=1)
    options = _check_encoder_options(encoder_options)
    if head == "euclidean" and num_outputs != 1:
        raise ConfigError(
            f"the 'euclidean' head outputs one distance per pair, so num_outputs must be 1; got "
            f"{num_outputs}. Use head 'absdiff' for several outputs."
        )
    if not isinstance(encoder, str) or encoder == "siamese":
        raise ConfigError(
            f"option 'encoder' must name another registered model (e.g. 'mlp', 'lenet5'); "
            f"got {encoder!r}."
        )
    net = build_model(encoder, input_shape, embedding, **options)
    _check_codes(net, encoder, input_shape, embedding)
    return Siamese(net, embedding, num_outputs, head, code_activation)


def _check_codes(
    net: nn.Module, encoder: str, input_shape: tuple[int, ...], embedding: int
) -> None:
    """One eval-mode pass of zeros: the encoder must map (N, *input_shape) to (N, embedding).
    (Eval mode and no_grad: no running statistic changes, no random number is drawn.)"""
    was_training = net.training
    try:
        with torch.no_grad():
            out = net.eval()(torch.zeros(2, *input_shape))
    except Exception as exc:  # noqa: BLE001 (any failure means: not usable as an encoder)
        raise ConfigError(
            f"encoder {encoder!r} cannot encode float inputs of shape {input_shape}: {exc}. "
            "Choose an encoder that takes one float tensor, such as 'mlp' or 'lenet5'."
        ) from exc
    finally:
        net.train(was_training)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, embedding):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ConfigError(
            f"encoder {encoder!r} must return codes of shape (N, {embedding}) (its num_outputs "
            f"is the embedding size); it returned {shape} for 2 examples."
        )
