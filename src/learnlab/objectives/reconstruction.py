"""Reconstruction objectives for autoencoders, and the corruption of the denoising autoencoder.

The autoencoder's loss compares the decoder's output with the input itself: for data in
[0, 1], the cross-entropy of a Bernoulli per pixel, -sum_i [x_i log p_i + (1 - x_i) log(1 -
p_i)] with p = sigmoid(logits), in nats per example; for any data, the squared error.

Denoising: Vincent, Larochelle, Bengio & Manzagol (2008), "Extracting and composing robust
features with denoising autoencoders" (ICML). The encoder sees a corrupted copy x~ of x and
the loss compares the reconstruction with the clean x, so that the identity map is no longer a
solution: the code has to capture the structure that lets the missing parts be filled in.
Corruptions here: masking noise (each input value set to 0 with probability `masking`, the
paper's choice) and additive Gaussian noise of standard deviation `gaussian_std`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective

LOSSES = ("bce", "mse")


def bernoulli_nats(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x | logits) of independent Bernoullis, summed over each example: (N,) nats.

    Targets in [0, 1] that are not 0 or 1 (grey pixels) are allowed, as the cross-entropy."""
    nats = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return nats.flatten(1).sum(dim=1)


def squared_error(reconstruction: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Mean squared error per value of each example: (N,)."""
    return (reconstruction - x).square().flatten(1).mean(dim=1)


@dataclass(frozen=True)
class Corruption:
    """Masking noise (probability `masking` of zeroing each value) then additive Gaussian noise
    (standard deviation `gaussian_std`); `Corruption()` changes nothing."""

    masking: float = 0.0
    gaussian_std: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.masking < 1:
            raise ConfigError(f"masking must be a probability in [0, 1); got {self.masking}.")
        if not self.gaussian_std >= 0:
            raise ConfigError(f"gaussian_std must be >= 0; got {self.gaussian_std}.")

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """A corrupted copy of `x` (random numbers from `generator`, on the CPU, so that the
        draws are the same on every device)."""
        if self.masking > 0:
            keep = torch.rand(x.shape, generator=generator) >= self.masking
            x = x * keep.to(device=x.device, dtype=x.dtype)
        if self.gaussian_std > 0:
            noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
            x = x + self.gaussian_std * noise.to(x.device)
        return x


class ReconstructionLoss(Objective):
    """The (denoising) autoencoder's objective on batches `(x, ...)`: the model reconstructs
    `corruption(x)` (x itself without one) and is scored against the clean x.

    `loss="bce"`: Bernoulli cross-entropy in nats per example (the model's output must be
    logits); `loss="mse"`: mean squared error per value of `model.to_data(output)`. Reports
    `mse` (per value, of the reconstruction in data space) either way.
    """

    metric_names = ("mse",)

    def __init__(
        self, loss: str = "bce", corruption: Corruption | None = None, seed: int = 0
    ) -> None:
        if loss not in LOSSES:
            raise ConfigError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}.")
        self.loss = loss
        self.corruption = corruption
        # the corruption's own random numbers: the same seed gives the same noisy batches
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, model: nn.Module, batch: tuple[torch.Tensor, ...]):
        x = batch[0]
        noisy = self.corruption(x, self.generator) if self.corruption is not None else x
        out = model(noisy)
        reconstruction = to_data(model, out)
        if self.loss == "bce":
            if getattr(model, "output", "logits") != "logits":
                raise ConfigError(
                    "loss 'bce' needs a model whose output is logits (output='logits'); "
                    "use loss 'mse' for output='values'."
                )
            loss = bernoulli_nats(out, x).mean()
        else:
            loss = F.mse_loss(reconstruction, x)
        return loss, {"mse": squared_error(reconstruction.detach(), x)}


def to_data(model: nn.Module, out: torch.Tensor) -> torch.Tensor:
    """The model's output in data space: `model.to_data(out)` where the model has it, else the
    sigmoid of logits (a model whose `output` attribute is not "values" gives logits)."""
    convert = getattr(model, "to_data", None)
    if convert is not None:
        return convert(out)
    return out if getattr(model, "output", "logits") == "values" else torch.sigmoid(out)
