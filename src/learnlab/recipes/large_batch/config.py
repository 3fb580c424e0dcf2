"""The large-batch reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig, TrainConfig
from learnlab.recipes.seeds import check_seed_range, seed_values

REGIMES = ("small-batch", "large-batch")
MNIST_TRAIN_EXAMPLES = 60_000


class LargeBatchConfig(DataRecipeConfig):
    """The defaults are the reproduction's configuration (see the recipe's docstring for
    where and why it departs from the paper)."""

    # network F1 of the paper (its appendix B.1): `depth` hidden layers of `width` units,
    # each batch normalised with ReLU, and a linear output layer of 10 (softmax in the loss)
    depth: int = Field(5, ge=1, le=64)
    width: int = Field(512, ge=1, le=8192)
    small_batch: int = Field(256, ge=1)
    # the large batch as a fraction of the training set: the paper's 10%
    large_batch_fraction: float = Field(0.1, gt=0, le=1)
    # the paper trains "until the loss function ceased to improve": here until the epoch's
    # training loss has not fallen below (1 - min_improvement) times its best for `patience`
    # epochs in a row, or at most these many epochs (the time limit; 20 for both regimes, as
    # the authors' released script, plot_parametric_plot.py, trains both)
    small_batch_epochs: int = Field(20, ge=1, le=1000)
    large_batch_epochs: int = Field(20, ge=1, le=1000)
    patience: int = Field(3, ge=1, le=1000)
    min_improvement: float = Field(1e-3, ge=0, lt=1)
    # training runs per regime, seeds `seed`, `seed + 1`, ... (the paper's 5; a seed gives
    # both regimes the same initial weights); the tables report their mean, spread and the
    # paired per-seed difference of the test accuracies
    seeds: int = Field(5, ge=1, le=100)
    # the sharpness, Hessian and line are measured on the first `measured_seeds` seeds only
    # (they cost more than a training run); the test accuracies on every seed
    measured_seeds: int = Field(1, ge=1, le=100)
    lr: float = Field(1e-3, gt=0, le=1)  # Adam's default, as in the paper's Keras
    # the weights' initialisation: Keras 1's Dense default "glorot_uniform" (zero biases), the
    # authors' framework, or PyTorch's ("default"), whose weights are 1.7 to 2.4 times smaller
    # in F1's layers; with PyTorch's the large batch is as accurate as the small (__init__.py)
    init: Literal["default", "glorot_uniform"] = "glorot_uniform"
    limit_train: int | None = Field(None, ge=2)
    # the training loss whose sharpness is measured: a fixed random subset of the training set
    sharpness_examples: int = Field(5000, ge=1)
    eps: list[float] = Field(default_factory=lambda: [1e-3, 5e-4], min_length=1)
    subspace: int = Field(100, ge=1)  # the random subspace's dimension p, as the paper's
    # the batch-norm statistics of the sharpness compared with the paper's (both are measured):
    # "batch", those of the measured batch as the paper's Keras 1 BatchNormalization(mode=2)
    # did, or "running", the running statistics of eval mode
    batch_norm: Literal["batch", "running"] = "batch"
    iterations: int = Field(10, ge=1, le=1000)  # of L-BFGS-B, as the paper's
    # where L-BFGS-B starts: at the solution x ("centre"; the paper does not say) or at a
    # random point of the box ("random"), from which 10 iterations found almost no rise with
    # batch statistics (learnlab.analysis.sharpness)
    search_start: Literal["centre", "random"] = "centre"
    # the top Hessian eigenvalue, on the first examples of the sharpness subset
    hessian_examples: int = Field(1000, ge=1)
    # the 1-D plot f((1 - a) x_SB + a x_LB) for a in [-1, 2] (Keskar et al.'s figure 3; 25
    # points as the authors' released script)
    interpolation_points: int = Field(25, ge=2, le=1000)
    # the test accuracy is also evaluated with batch norm normalising each test batch of this
    # many images by its own statistics, as Keras 1's BatchNormalization(mode=2) does at test
    # time (the authors' script evaluates with batches of 5,000)
    statistics_batch: int = Field(5000, ge=2)

    @field_validator("eps")
    @classmethod
    def _positive_boxes(cls, v: list[float]) -> list[float]:
        if any(not (math.isfinite(e) and e > 0) for e in v) or len(set(v)) != len(v):
            raise ValueError(
                f"eps={v}: each box size must be a distinct finite number > 0 (the paper's are "
                "[0.001, 0.0005])."
            )
        return v

    @model_validator(mode="after")
    def _measured_seeds_fit(self) -> LargeBatchConfig:
        if self.measured_seeds > self.seeds:
            raise ValueError(
                f"measured_seeds={self.measured_seeds}: the minima can be measured on at most "
                f"the {self.seeds} seed(s) trained (seeds={self.seeds}); choose measured_seeds "
                "<= seeds."
            )
        return self

    @model_validator(mode="after")
    def _seeds_fit(self) -> LargeBatchConfig:
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)

    def measured(self, seed: int) -> bool:
        """Whether the sharpness of this seed's minima is measured (the first seeds')."""
        return seed - self.seed < self.measured_seeds


def train_examples(config: LargeBatchConfig) -> int:
    return min(config.limit_train or MNIST_TRAIN_EXAMPLES, MNIST_TRAIN_EXAMPLES)


def large_batch_size(config: LargeBatchConfig) -> int:
    """The paper's large batch: 10% of the training set (6,000 MNIST images)."""
    return max(1, round(config.large_batch_fraction * train_examples(config)))


def train_config(config: LargeBatchConfig, regime: str, seed: int | None = None) -> TrainConfig:
    """The `learnlab train` run of one regime and seed (default: the first): F1 with Adam at
    a constant learning rate, the same seed and initialisation (so the same initial weights)
    for both regimes, no validation split; `epochs` is the most it may train (see
    `stopping_rule`)."""
    small = regime == "small-batch"
    return TrainConfig(
        dataset="mnist",
        model="mlp",
        model_options={
            "depth": config.depth,
            "width": config.width,
            "norm": "batch",
            "activation": "relu",
        },
        optimizer="adam",
        lr=config.lr,
        init=config.init,
        schedule="constant",
        epochs=config.small_batch_epochs if small else config.large_batch_epochs,
        batch_size=config.small_batch if small else large_batch_size(config),
        seed=config.seed if seed is None else seed,
        val_fraction=0.0,
        limit_train=config.limit_train,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
        baselines=False,
    )


def stopping_rule(config: LargeBatchConfig):
    """The callback that ends a run when its training loss has ceased to improve."""
    from learnlab.train.callbacks import EarlyStopping

    return EarlyStopping(
        "train_loss", patience=config.patience, relative_delta=config.min_improvement
    )
