"""The forgetting reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.seeds import check_seed_range, seed_values

METHODS = ("sgd", "l2", "ewc")
MNIST_TRAIN_EXAMPLES = 60_000


class ForgettingConfig(DataRecipeConfig):
    """The defaults are the reproduction's configuration (see reproduction.py for where and
    why it departs from the paper)."""

    # permuted-MNIST tasks learned one after the other (task 0: the unpermuted images); the
    # paper's Figure 2A has 3, its Figure 2B up to 10
    tasks: int = Field(3, ge=1, le=100)
    # the network: `depth` hidden ReLU layers of `width` units (the paper's 2 x 400)
    depth: int = Field(2, ge=1, le=16)
    width: int = Field(400, ge=1, le=8192)
    # plain SGD (no momentum) on every task, a fresh optimizer per task, for the paper's 20
    # epochs per task with no early stopping; lr 0.1 on the batch's mean loss is the paper's
    # 1e-3 per example (see reproduction.py)
    lr: float = Field(0.1, gt=0, le=10)
    batch_size: int = Field(100, ge=1)
    epochs: int = Field(20, ge=1, le=1000)  # per task
    # the last `val_examples` MNIST training images are held out (every task, permuted alike):
    # the penalties' strengths are chosen on them, never on the test set
    val_examples: int = Field(10_000, ge=1)
    limit_train: int | None = Field(None, ge=1)  # the first examples of the rest train
    # candidate strengths lambda of each penalty; the one with the best mean validation
    # accuracy over all tasks after the last task is kept (a list of one: no choice)
    ewc_lambdas: list[float] = Field(default_factory=lambda: [10.0, 100.0])
    l2_lambdas: list[float] = Field(default_factory=lambda: [0.001, 0.01])
    # the diagonal Fisher of EWC: "true" (labels drawn from the model, the paper's) or
    # "empirical" (the data's labels), on the first `fisher_examples` training images of a task
    fisher: Literal["true", "empirical"] = "true"
    fisher_examples: int = Field(1000, ge=1)
    # the accuracy curves of the figure: every task's accuracy after every epoch, on the first
    # `curve_examples` test images (the tables use the whole test set)
    curve_examples: int = Field(2000, ge=1)
    # seeds `seed`, `seed + 1`, ...: each its own network and batch order; the strengths are
    # chosen on the first seed's validation data and kept for the others
    seeds: int = Field(2, ge=1, le=100)

    @field_validator("ewc_lambdas", "l2_lambdas")
    @classmethod
    def _strengths(cls, v: list[float], info) -> list[float]:
        if not v or any(not (math.isfinite(s) and s >= 0) for s in v) or len(set(v)) != len(v):
            raise ValueError(
                f"{info.field_name}={v}: give one or more distinct finite strengths lambda >= 0 "
                "(e.g. [10, 100, 1000]); the best on the validation split is kept."
            )
        return v

    @model_validator(mode="after")
    def _fits(self) -> ForgettingConfig:
        if self.val_examples >= MNIST_TRAIN_EXAMPLES:
            raise ValueError(
                f"val_examples={self.val_examples} leaves no MNIST training image to train on; "
                f"choose fewer than {MNIST_TRAIN_EXAMPLES}."
            )
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
