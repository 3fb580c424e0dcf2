"""The multitask-canvas recipe's settings: the canvas task, the shared trunk, the training and
the weightings of the multitask network compared with the two single-task networks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.seeds import check_seed_range, seed_values

MNIST_SIDE = 28  # the pasted digits' side in pixels
Weighting = Literal["average", "uncertainty"]


class MultitaskCanvasConfig(DataRecipeConfig):
    """`seed` places the digits (training canvases with `seed`, test canvases with `seed + 1`)
    and is the first network seed (seeds `seed` to `seed + seeds - 1`; every network of one
    seed starts from the same trunk weights)."""

    canvas: int = Field(64, ge=1, le=512)  # the canvas side in pixels (>= 28: checked below)
    limit_train: int = Field(6000, ge=1, le=60_000)  # MNIST training digits placed on canvases
    limit_test: int = Field(2000, ge=1, le=10_000)
    channels: list[int] = Field(default_factory=lambda: [8, 16, 32], min_length=1, max_length=6)
    width: int = Field(128, ge=1, le=4096)  # the trunk's fully connected layer
    epochs: int = Field(5, ge=1, le=1000)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(1e-3, gt=0, le=10)  # Adam, for every network
    weightings: list[Weighting] = Field(
        default_factory=lambda: ["average", "uncertainty"], min_length=1
    )
    seeds: int = Field(3, ge=1, le=100)
    examples_shown: int = Field(6, ge=1, le=24)  # test canvases drawn in the figure

    @field_validator("weightings")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"weightings must not repeat, got {v}")
        return v

    @field_validator("channels")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(c < 1 for c in v):
            raise ValueError(f"every stage needs >= 1 channel, got {v}")
        return v

    @model_validator(mode="after")
    def _fits(self) -> MultitaskCanvasConfig:
        if self.canvas < MNIST_SIDE:
            raise ValueError(
                f"canvas={self.canvas} is smaller than the {MNIST_SIDE}x{MNIST_SIDE} MNIST "
                f"digits it must hold; choose canvas >= {MNIST_SIDE} (the task uses 64)"
            )
        if self.canvas < 2 ** len(self.channels):
            raise ValueError(
                f"canvas={self.canvas} is too small for {len(self.channels)} pooling stages; "
                f"use fewer channels entries or canvas >= {2 ** len(self.channels)}"
            )
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)

    def methods(self) -> list[str]:
        """The networks of one seed: the two single-task ones, then one per weighting."""
        return ["class-only", "box-only", *self.weightings]
