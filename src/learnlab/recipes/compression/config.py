"""The compression recipe's settings: the two models it trains on MNIST and what it does to
them. The defaults fit the time limit of a plain recipe (see the recipe's docstring)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import ConfigError
from learnlab.recipes.seeds import check_seed_range, seed_values


class CompressionConfig(DataRecipeConfig):
    """An MLP and a convolutional net (LeNet-5 by default) trained on MNIST from seeds `seed`
    to `seed + seeds - 1`, then pruned by magnitude, pruned by channel and quantised."""

    seeds: int = Field(3, ge=1, le=100)
    # the MLP: depth hidden layers of mlp_width ReLUs (784-512-512-10, the MLP)
    mlp_width: int = Field(512, ge=1, le=8192)
    mlp_depth: int = Field(2, ge=1, le=16)
    # the convolutional net that channel pruning cuts: a registered model whose forward pass
    # is a chain of conv -> [batch norm] -> act -> [pool], then linear layers
    conv_model: str = "lenet5"
    epochs: int = Field(3, ge=1, le=100)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(0.05, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)
    # unstructured magnitude pruning: the fractions of each layer's weights set to zero
    sparsities: list[float] = Field(default_factory=lambda: [0.5, 0.8, 0.9])
    # channel pruning: the fraction of each convolution's filters kept, then fine-tuning
    channel_fraction: float = Field(0.5, gt=0, le=1)
    fine_tune_epochs: int = Field(1, ge=0, le=100)
    fine_tune_lr: float = Field(0.01, gt=0, le=10)
    # latency: the median of latency_repeats forward passes of a test batch of latency_batch
    latency_batch: int = Field(256, ge=1)
    latency_repeats: int = Field(30, ge=1, le=10_000)
    limit_train: int | None = Field(None, ge=1)
    limit_test: int | None = Field(None, ge=1)

    @field_validator("sparsities")
    @classmethod
    def _sparsities(cls, values: list[float]) -> list[float]:
        from learnlab.deploy.magnitude import check_sparsity

        try:
            return [check_sparsity(v, "sparsities") for v in values]
        except ConfigError as error:
            raise ValueError(str(error)) from None

    @field_validator("conv_model")
    @classmethod
    def _conv_model(cls, name: str) -> str:
        from learnlab.models import model_names

        if name not in model_names():
            raise ValueError(
                f"conv_model {name!r} is not a registered model; choose a convolutional one "
                "whose layers form a chain (lenet5, mnist-cnn, speedrun-cnn)."
            )
        return name

    @model_validator(mode="after")
    def _seeds_fit(self) -> CompressionConfig:
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
