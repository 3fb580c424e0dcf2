"""The unrolled-mrf recipe's settings: the noise, the unrolled mean-field network, the CNN
baseline, the data sizes and the seeds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.seeds import check_seed_range, seed_values


class UnrolledMrfConfig(DataRecipeConfig):
    """Binary MNIST (pixels > 1/2) corrupted by `noise`, denoised by K unrolled mean-field
    iterations of a binary MRF (learned end to end, and hand-set), against a CNN; each seed
    draws its own noise and initial weights."""

    # "flip": each pixel flipped with probability flip_probability; "gaussian": the binary
    # image plus N(0, gaussian_std^2) per pixel
    noise: Literal["flip", "gaussian"] = "flip"
    flip_probability: float = Field(0.2, ge=0, lt=0.5)
    gaussian_std: float = Field(0.6, gt=0, le=5)
    # the numbers of unrolled mean-field iterations (layers) trained and compared; the
    # largest is the learned MRF of the main table
    iterations: list[int] = Field(default_factory=lambda: [1, 2, 5, 10])
    kernel_size: int = Field(5, ge=3, le=15)
    damping: float = Field(0.5, gt=0, le=1)
    cnn_channels: int = Field(16, ge=1, le=256)
    cnn_layers: int = Field(3, ge=2, le=10)
    epochs: int = Field(4, ge=1, le=1000)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(0.05, gt=0, le=10)  # Adam's, for the MRF's few parameters
    cnn_lr: float = Field(3e-3, gt=0, le=10)
    # the first limit_train training images train; the last `validation` training images
    # choose the hand-set MRF's coupling and bias; the test set is only measured
    limit_train: int | None = Field(8000, ge=10, le=50_000)
    validation: int = Field(1000, ge=10, le=10_000)
    limit_test: int | None = Field(None, ge=10)
    seeds: int = Field(3, ge=1, le=100)
    examples: int = Field(6, ge=1, le=32)  # test images in the figure of examples

    @field_validator("iterations")
    @classmethod
    def _iterations(cls, values: list[int]) -> list[int]:
        if not values or any(k < 1 for k in values):
            raise ValueError(
                f"iterations must be a non-empty list of numbers of mean-field iterations "
                f"K >= 1, got {values}; e.g. [1, 2, 5, 10]."
            )
        return sorted(set(values))

    @field_validator("kernel_size")
    @classmethod
    def _odd(cls, size: int) -> int:
        if size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (a centred neighbourhood), got {size}.")
        return size

    @model_validator(mode="after")
    def _seeds(self) -> UnrolledMrfConfig:
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
