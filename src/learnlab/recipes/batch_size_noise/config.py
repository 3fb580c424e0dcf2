"""The batch-size-noise recipe's settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig

DATASET_SIZES = {"mnist": 60_000, "fashion-mnist": 60_000}


class BatchSizeNoiseConfig(DataRecipeConfig):
    """The population is the first `examples` training images; every gradient (full,
    per-example, minibatch) is of the mean cross-entropy over (part of) that population."""

    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    examples: int = Field(10_000, ge=2)  # N
    # the MLP: `depth` ReLU hidden layers of `width` units (no batch norm: it would couple the
    # examples of a batch, and then a per-example gradient would not exist)
    depth: int = Field(2, ge=0, le=16)
    width: int = Field(128, ge=1, le=4096)
    # minibatch sizes n, each in [1, examples]
    batch_sizes: list[int] = Field(
        default_factory=lambda: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
        min_length=1,
    )
    # minibatches drawn per n to measure the standard error: at least `draws`, and at small n
    # enough to cover `draw_examples` examples (ceil(draw_examples / n)): the per-example
    # gradient norms of a trained network are heavy-tailed, so one-example batches need many
    # draws for a precise mean, and they are cheap
    draws: int = Field(400, ge=2, le=100_000)
    draw_examples: int = Field(25_600, ge=0, le=10_000_000)
    # "without": a minibatch is n distinct examples (a uniformly random subset, as a shuffled
    # epoch's batches are), and the theory carries the finite-population correction
    # sqrt((N - n)/(N - 1)); "with": n independent uniform draws, no correction
    replacement: Literal["without", "with"] = "without"
    # the trained point: SGD with momentum on the population
    train_epochs: int = Field(5, ge=1, le=1000)
    train_batch_size: int = Field(64, ge=1)
    lr: float = Field(0.05, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)
    # optimizer steps timed per n (after 2 untimed ones); the median is reported
    timed_steps: int = Field(20, ge=1, le=10_000)
    # examples per vectorised chunk of per-example or per-draw gradients (bounds the memory)
    chunk_examples: int = Field(4096, ge=1)

    @field_validator("batch_sizes")
    @classmethod
    def _positive_distinct(cls, v: list[int]) -> list[int]:
        if any(n < 1 for n in v) or len(set(v)) != len(v):
            raise ValueError(
                f"batch_sizes={v}: each batch size must be a distinct integer >= 1, e.g. "
                "[1, 4, 16, 64]."
            )
        return sorted(v)

    @model_validator(mode="after")
    def _fits_the_data(self) -> BatchSizeNoiseConfig:
        available = DATASET_SIZES[self.dataset]
        if self.examples > available:
            raise ValueError(
                f"examples={self.examples}: {self.dataset} has {available} training images; "
                f"choose examples <= {available}."
            )
        too_large = [n for n in self.batch_sizes if n > self.examples]
        if too_large:
            raise ValueError(
                f"batch_sizes {too_large} are larger than the data (examples={self.examples}); "
                f"choose batch sizes <= {self.examples} or raise examples."
            )
        if self.train_batch_size > self.examples:
            raise ValueError(
                f"train_batch_size={self.train_batch_size} is larger than the data "
                f"(examples={self.examples}); choose train_batch_size <= {self.examples}."
            )
        return self
