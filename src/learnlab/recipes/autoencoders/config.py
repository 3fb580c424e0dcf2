"""The autoencoders recipe's settings (the defaults are the measured recipe), the model each
part trains, and the checks raised before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from learnlab.config import DataRecipeConfig

NAME = "autoencoders"
# the parts that train a model, in the order they run (and the summary's order)
MODELS = ("dense", "conv", "denoising", "vae")
INPUT_SHAPE = (1, 28, 28)  # MNIST, one channel


class AutoencodersConfig(DataRecipeConfig):
    # the autoencoders' code and the models' sizes
    code: int = Field(32, ge=1, le=784)
    hidden: list[int] = Field(default_factory=lambda: [512], max_length=4)
    conv_channels: list[int] = Field(default_factory=lambda: [16, 32], min_length=1, max_length=4)
    latent: int = Field(16, ge=1, le=784)
    vae_hidden: list[int] = Field(default_factory=lambda: [512], max_length=4)
    # training: Adam on every model, `epochs` for the dense and denoising autoencoders
    epochs: int = Field(5, ge=1, le=100)
    conv_epochs: int = Field(5, ge=1, le=100)
    vae_epochs: int = Field(10, ge=1, le=200)
    batch_size: int = Field(128, ge=1, le=60_000)
    lr: float = Field(1e-3, gt=0, le=1)
    # the denoising autoencoder's corruption of its input
    masking: float = Field(0.3, ge=0, lt=1)
    gaussian_std: float = Field(0.0, ge=0, le=10)
    # evaluation: samples of the importance-weighted bound, the linear probe's fit
    iwae_samples: int = Field(64, ge=1, le=10_000)
    probe_train: int = Field(10_000, ge=10, le=60_000)
    probe_max_iter: int = Field(200, ge=1, le=10_000)
    # the first images of each split only (tests, quick runs)
    limit_train: int | None = Field(None, ge=1)
    limit_test: int | None = Field(None, ge=1)


@dataclass(frozen=True)
class ModelSpec:
    """What one part trains: a registered model (`learnlab.models`), its options, epochs."""

    name: str
    options: dict[str, Any]
    epochs: int


def model_specs(config: AutoencodersConfig) -> dict[str, ModelSpec]:
    """Per part in MODELS: the model it trains. The denoising autoencoder is the dense one,
    trained on corrupted inputs."""
    dense = {"code": config.code, "hidden": list(config.hidden)}
    conv = {"code": config.code, "channels": list(config.conv_channels)}
    vae = {"latent": config.latent, "hidden": list(config.vae_hidden)}
    return {
        "dense": ModelSpec("autoencoder", dense, config.epochs),
        "conv": ModelSpec("conv-autoencoder", conv, config.conv_epochs),
        "denoising": ModelSpec("autoencoder", dict(dense), config.epochs),
        "vae": ModelSpec("vae", vae, config.vae_epochs),
    }


def check(config: AutoencodersConfig) -> None:
    """What the field ranges cannot say (a model option its model refuses, such as a channel
    count of 0): each model is built once, so that a bad option is a ConfigError before any
    file is written."""
    from learnlab.models import build_model

    for spec in model_specs(config).values():
        build_model(spec.name, INPUT_SHAPE, 1, **spec.options)
