"""The lenet5-mnist reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from learnlab.config import DataRecipeConfig, TrainConfig
from learnlab.recipes.seeds import check_seed_range, seed_values


class Lenet5MnistConfig(DataRecipeConfig):
    """The defaults are the reproduction's configuration."""

    epochs: int = Field(10, ge=1, le=100)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(0.05, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)
    # the paper's LeNet-5 has tanh-like units and average subsampling; relu and max are the
    # modern variants a lesson compares it with
    activation: Literal["tanh", "relu"] = "tanh"
    pool: Literal["avg", "max"] = "avg"
    # how many training runs, seeds `seed`, `seed + 1`, ...: the table reports their mean and
    # spread. 3 is as many as the time limit allows (see the recipe's docstring).
    seeds: int = Field(3, ge=1, le=100)
    limit_train: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _seeds_fit(self) -> Lenet5MnistConfig:
        """What the field types cannot say (a dry run checks it too)."""
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)


def train_config(config: Lenet5MnistConfig, seed: int) -> TrainConfig:
    """The `learnlab train` run of one seed: no validation split (nothing is selected on
    held-out data, as in the paper)."""
    return TrainConfig(
        dataset="mnist",
        model="lenet5",
        model_options={"activation": config.activation, "pool": config.pool},
        optimizer="momentum",
        momentum=config.momentum,
        lr=config.lr,
        schedule="cosine",
        epochs=config.epochs,
        batch_size=config.batch_size,
        seed=seed,
        val_fraction=0.0,
        limit_train=config.limit_train,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
    )
