"""Greedy layer-wise unsupervised pre-training with autoencoders, then supervised fine-tuning.

Bengio, Lamblin, Popovici & Larochelle (2007), "Greedy layer-wise training of deep networks"
(the autoencoder in place of Hinton et al.'s 2006 RBM); with masking noise, the stacked
denoising autoencoders of Vincent, Larochelle, Bengio & Manzagol (2008):

    h_0 = x
    for k = 1..L:  train an autoencoder  h_{k-1} -> hidden layer k -> linear decoder -> h_{k-1}
                   (the layers below fixed); its code h_k = hidden layer k (h_{k-1})
    fine-tune:     the whole network (hidden layers and the output layer) on the labels

Each autoencoder's encoder is the model's own hidden block (its Linear, normalisation and
activation), so pre-training writes straight into the model; the decoder is a new Linear,
discarded after. The autoencoder is a `learnlab.models.autoencoders.Autoencoder` and its loss
`learnlab.objectives.reconstruction.ReconstructionLoss` (Bernoulli cross-entropy for inputs in
[0, 1], such as pixels and sigmoid codes, or squared error), applied to the codes of the
layers below by `OnCodes`. The output layer is trained only in the fine-tuning.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.autoencoders import Autoencoder
from learnlab.objectives.base import Objective
from learnlab.objectives.reconstruction import LOSSES, Corruption, ReconstructionLoss
from learnlab.procedures.base import Stage, train_stage
from learnlab.procedures.layer_stack import FrozenFeatures, split_layers
from learnlab.procedures.layerwise import LayerwiseResult, default_objective, fine_tune
from learnlab.train.events import Callback

ReconstructionName = Literal["bce", "mse"]


class LayerAutoencoder(Autoencoder):
    """One hidden block of a network as the encoder, a new Linear back to its input size as
    the decoder (Bernoulli logits for loss "bce", values for "mse")."""

    def __init__(self, block: nn.Module, code_size: int, input_size: int, output: str) -> None:
        super().__init__()
        self.encoder = block
        linear = block[0]
        self.decoder = nn.Linear(
            code_size, input_size, device=linear.weight.device, dtype=linear.weight.dtype
        )
        self.output = output

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.decoder(code)


class OnCodes(Objective):
    """`inner` applied to batches whose inputs are replaced by `features(inputs)`: the codes of
    the fixed layers below (a flattened x for the first layer). With the Bernoulli loss, the
    first batch's codes must lie in [0, 1]."""

    def __init__(self, inner: Objective, features: nn.Module, layer: int, loss: str) -> None:
        self.inner, self.features, self.layer, self.loss = inner, features, layer, loss
        self.metric_names = inner.metric_names
        self.checked = False

    def batch_examples(self, batch: Any) -> int:
        return self.inner.batch_examples(batch)

    def __call__(self, model: nn.Module, batch: Any):
        codes = self.features(batch[0])
        if not self.checked and self.loss == "bce":
            low, high = float(codes.min()), float(codes.max())
            if low < 0 or high > 1:
                raise ConfigError(
                    f"reconstruction 'bce' (Bernoulli cross-entropy) needs inputs in [0, 1], but "
                    f"layer {self.layer}'s inputs range over [{low:.3g}, {high:.3g}]; use "
                    "reconstruction='mse' (for unscaled data, or ReLU or tanh layers)."
                )
            self.checked = True
        return self.inner(model, (codes, *batch[1:]))


def autoencoder_phase(
    model: nn.Module, k: int, reconstruction: str, masking: float, seed: int
) -> tuple[LayerAutoencoder, OnCodes]:
    """The autoencoder of hidden layer k (0-based) of `model` and its objective on the codes."""
    stack = split_layers(model)
    linear = stack.linear(k)
    output = "logits" if reconstruction == "bce" else "values"
    autoencoder = LayerAutoencoder(stack.blocks[k], stack.width(k), linear.in_features, output)
    corruption = Corruption(masking=masking) if masking > 0 else None
    inner = ReconstructionLoss(reconstruction, corruption=corruption, seed=seed + k)
    below = FrozenFeatures(stack.below(k))
    return autoencoder, OnCodes(inner, below, k + 1, reconstruction)


def greedy_autoencoder(
    model: nn.Module,
    train_loader: Iterable[Any],
    pretrain: Stage,
    fine_tuning: Stage,
    *,
    objective: Objective | Any | None = None,
    reconstruction: ReconstructionName = "bce",
    masking: float = 0.0,
    seed: int = 0,
    val_loader: Iterable[Any] | None = None,
    callbacks: Iterable[Callback] = (),
) -> LayerwiseResult:
    """Pre-train `model`'s hidden layers one at a time as autoencoders of the codes below
    (each phase `pretrain`; `masking` > 0 makes them denoising, the noise drawn from `seed`),
    then fine-tune the whole network on `objective` (default: cross-entropy of labels)."""
    if reconstruction not in LOSSES:
        raise ConfigError(
            f"reconstruction must be one of {', '.join(LOSSES)}; got {reconstruction!r}: 'bce' "
            "for inputs in [0, 1] (pixels, sigmoid layers), 'mse' for any other."
        )
    Corruption(masking=masking)  # checks the probability
    depth = split_layers(model).depth
    callbacks = tuple(callbacks)
    phases = []
    for k in range(depth):
        autoencoder, codes_objective = autoencoder_phase(model, k, reconstruction, masking, seed)
        phases.append(
            train_stage(
                autoencoder,
                codes_objective,
                train_loader,
                pretrain,
                name=f"autoencoder layer {k + 1}",
                val_loader=val_loader,
                callbacks=callbacks,
            )
        )
    phases.append(
        fine_tune(
            model,
            default_objective(objective),
            train_loader,
            fine_tuning,
            val_loader=val_loader,
            callbacks=callbacks,
        )
    )
    return LayerwiseResult(model, tuple(phases))
