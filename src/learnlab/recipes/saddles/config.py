"""The saddles reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

import math

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import ConfigError

CLASSES = 10
TRAJECTORY_SEEDS = 1000  # run r of seed s is SGD seed 1000 s + r (at most 100 runs)


class SaddlesConfig(DataRecipeConfig):
    """A tanh MLP on downsampled MNIST; starts taken along SGD runs; one critical-point search
    from each."""

    # the first training images, the loss's data: more of them than parameters, so that the
    # cross-entropy has finite minima (1,000 images, fewer than the 2,230 weights, can be fit
    # exactly; the loss then falls towards 0 only as the weights grow without bound)
    examples: int = Field(2500, ge=10, le=60_000)
    image_size: int = Field(10, ge=2, le=28)  # images averaged down to image_size^2 pixels
    hidden: int = Field(20, ge=1, le=512)  # tanh units of the one hidden layer
    trajectories: int = Field(4, ge=1, le=100)  # SGD runs, seeds 1000 seed + 0, 1, ...
    # the SGD steps after which each run gives a start (0: the initialisation)
    snapshots: list[int] = Field(default_factory=lambda: [0, 30, 100, 300, 1000, 3000])
    batch_size: int = Field(64, ge=1)
    lr: float = Field(0.1, gt=0, le=10)
    noise: float = Field(0.01, ge=0, le=1)  # each start moved by uniform noise in [-noise, noise]
    # the criterion: a search's end is a critical point when |grad L| <= relative_tolerance x
    # ln(10) (the loss scale: the cross-entropy of a uniform guess over the 10 classes), checked
    # after the search; the others are reported apart and left out of rho
    relative_tolerance: float = Field(1e-5, gt=0, lt=1)
    max_iterations: int = Field(1000, ge=1)  # L-BFGS iterations on |grad L|^2 per start
    # damped Newton after L-BFGS (the paper's method): at most this many dense Hessians a start
    newton_steps: int = Field(0, ge=0, le=100)
    spectra: int = Field(3, ge=0, le=10)  # points whose eigenvalue histograms are drawn

    @field_validator("snapshots")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if not v or min(v) < 0 or sorted(set(v)) != v:
            raise ValueError(
                f"snapshots must be distinct SGD step counts >= 0, increasing; got {v}"
            )
        return v

    def tolerance(self) -> float:
        """The gradient norm under which a point counts as critical."""
        return self.relative_tolerance * math.log(CLASSES)

    def parameters(self) -> int:
        inputs = self.image_size**2
        return (inputs + 1) * self.hidden + (self.hidden + 1) * CLASSES


def check(config: SaddlesConfig) -> None:
    """The dense Hessian bounds the model's size (refused before anything is written)."""
    from learnlab.analysis.hessian import MAX_DENSE_PARAMETERS

    if config.parameters() > MAX_DENSE_PARAMETERS:
        raise ConfigError(
            f"hidden={config.hidden} with image_size={config.image_size} gives "
            f"{config.parameters():,} parameters; the index needs the dense Hessian, at most "
            f"{MAX_DENSE_PARAMETERS:,}. Lower hidden or image_size."
        )
