"""The pretraining-variance reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.seeds import check_seed_range, seed_values


class PretrainingVarianceConfig(DataRecipeConfig):
    """Networks of `layers` sigmoid hidden layers of `width` units, seeds `seed` to
    `seed + seeds - 1`, each trained with and without greedy layer-wise denoising pre-training;
    then, from the seed `seed` alone, `orders` runs that differ only in the order of the first
    `first_examples` examples they see."""

    train_size: int = Field(5_000, ge=10, le=60_000)
    test_size: int = Field(10_000, ge=10, le=10_000)
    layers: int = Field(3, ge=1, le=10)
    width: int = Field(256, ge=1, le=10_000)
    seeds: int = Field(20, ge=2, le=1000)
    # supervised training (both arms); the paper: plain SGD for many more epochs
    optimizer: Literal["sgd", "momentum", "adam"] = "adam"
    epochs: int = Field(10, ge=1, le=1000)
    batch_size: int = Field(32, ge=1)
    lr: float = Field(1e-3, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)  # of optimizer "momentum" only
    # pre-training of each layer: a denoising autoencoder (masking noise) trained with Adam
    pretrain_epochs: int = Field(3, ge=1, le=1000)
    pretrain_lr: float = Field(1e-3, gt=0, le=10)
    masking: float = Field(0.25, ge=0, lt=1)
    # the early-examples experiment: runs that permute only the first examples seen
    orders: int = Field(10, ge=2, le=1000)
    first_examples: int = Field(500, ge=2)

    @model_validator(mode="after")
    def _fits(self) -> PretrainingVarianceConfig:
        check_seed_range(self.seed, self.seeds)
        if self.first_examples > self.train_size:
            raise ValueError(
                f"first_examples ({self.first_examples}) must be at most train_size "
                f"({self.train_size}): the examples permuted are among the first epoch's."
            )
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
