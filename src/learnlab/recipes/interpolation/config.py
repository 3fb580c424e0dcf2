"""The interpolation reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from learnlab.config import DataRecipeConfig


class InterpolationConfig(DataRecipeConfig):
    """Two ReLU MLPs on MNIST (seeds `seed` and `seed + 1`), the loss along the lines from
    the first one's initialisation to its solution and between the two solutions, and a
    plane of filter-normalised directions around the first solution."""

    depth: int = Field(2, ge=1, le=8)
    width: int = Field(256, ge=1, le=4096)
    epochs: int = Field(10, ge=1, le=100)
    batch_size: int = Field(128, ge=1, le=65536)
    lr: float = Field(0.05, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)
    limit_train: int | None = Field(None, ge=100)
    # the examples each point of a scan is evaluated on: the first `eval_train` training
    # images and the first `eval_test` test images (all of them: None)
    eval_train: int | None = Field(10_000, ge=1)
    eval_test: int | None = Field(10_000, ge=1)
    # the line: `line_points` values of alpha from `line_from` to `line_to`
    line_from: float = Field(-0.5, ge=-10, le=0)
    line_to: float = Field(1.5, ge=1, le=10)
    line_points: int = Field(41, ge=3, le=1001)
    # the plane: a square grid of `plane_points`^2 points, alpha and beta in [-span, span],
    # evaluated on the first `plane_train` training images
    plane_points: int = Field(21, ge=2, le=201)
    plane_span: float = Field(1.0, gt=0, le=100)
    plane_train: int = Field(5_000, ge=1)
    batch_norm: Literal["frozen", "recompute"] = "frozen"

    @model_validator(mode="after")
    def _line_has_its_ends(self) -> InterpolationConfig:
        """The alphas must include 0 and 1 (the two ends of the path), exactly."""
        step = (self.line_to - self.line_from) / (self.line_points - 1)
        for end in (0.0, 1.0):
            position = (end - self.line_from) / step
            if abs(position - round(position)) > 1e-9:
                raise ValueError(
                    f"the line's alphas (line_points={self.line_points} from {self.line_from:g} "
                    f"to {self.line_to:g}) miss alpha={end:g}; choose line_points so that the "
                    "step divides the distance from line_from to 0 and to 1."
                )
        if self.seed + 1 >= 2**63:
            raise ValueError("seed + 1 (the second solution's seed) passes 2**63 - 1.")
        return self

    def alphas(self) -> list[float]:
        """The line's alphas, with 0 and 1 exact (rounded to 12 decimals)."""
        step = (self.line_to - self.line_from) / (self.line_points - 1)
        return [round(self.line_from + i * step, 12) for i in range(self.line_points)]

    def plane_axis(self) -> list[float]:
        step = 2 * self.plane_span / (self.plane_points - 1)
        return [round(-self.plane_span + i * step, 12) for i in range(self.plane_points)]
