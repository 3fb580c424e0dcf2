"""The intrinsic-dimension reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig

Network = Literal["fc", "lenet", "fc-shuffled", "lenet-shuffled"]
NETWORKS: tuple[str, ...] = ("fc", "lenet", "fc-shuffled", "lenet-shuffled")

# the d tried first, in increasing order (Li et al.'s scripts tried 10, 50, 100, 300, 500,
# 1000, 2000, ... for the FC network and 100 to 5000 in steps of 100 or so for LeNet); the
# search stops at the first d that reaches the threshold and bisects below it
# D of each architecture on MNIST (tests/recipes/test_recipes_intrinsic_dimension.py counts
# the built models' parameters); a d above a network's D is refused before anything trains
PARAMETERS = {"fc": 199_210, "lenet": 44_426}

DEFAULT_GRID = [100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000]


class IntrinsicDimensionConfig(DataRecipeConfig):
    """`seed` draws theta_0, P and the batch order of every run (the same seed at every d) and
    the pixel permutation of the shuffled-pixel networks."""

    networks: list[Network] = Field(default_factory=lambda: list(NETWORKS), min_length=1)
    projection: Literal["dense", "sparse", "fastfood"] = "sparse"
    grid: list[int] = Field(default_factory=lambda: list(DEFAULT_GRID), min_length=1)
    bisection_steps: int = Field(2, ge=0, le=20)
    # MNIST convention of Li et al.: 90% of a baseline taken as 1.0, i.e. 0.90 absolute
    threshold: float = Field(0.90, gt=0, le=1)
    epochs: int = Field(3, ge=1, le=1000)
    batch_size: int = Field(128, ge=1)
    lr: float = Field(3e-2, gt=0, le=10)
    val_size: int = Field(10_000, ge=1)  # the last images of the training set, held out
    limit_train: int | None = Field(None, ge=1)

    @field_validator("networks")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"networks must not repeat a network; got {v}")
        return v

    @field_validator("grid")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if any(d < 1 for d in v) or any(b <= a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError(
                "grid (the values of d) must be positive and increase, e.g. [100, 300, 1000]; "
                f"got {v}"
            )
        return v

    @model_validator(mode="after")
    def _d_at_most_D(self) -> IntrinsicDimensionConfig:
        for network in self.networks:
            D = PARAMETERS[network.removesuffix("-shuffled")]
            if self.grid[-1] > D:
                raise ValueError(
                    f"grid: d = {self.grid[-1]} is larger than D = {D:,}, the number of "
                    f"parameters of the {network} network (a subspace has at most D "
                    f"directions); keep every d of the grid <= {D}"
                )
        return self
