"""The saddles reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import ConfigError

CLASSES = 10


class SaddlesConfig(DataRecipeConfig):
    """A tanh MLP on downsampled MNIST; starts taken along SGD runs; one critical-point search
    from each."""

    # the first training images, the loss's data: more of them than parameters, so that the
    # cross-entropy has finite minima (1,000 images, fewer than the 2,230 weights, can be fit
    # exactly; the loss then falls towards 0 only as the weights grow without bound)
    examples: int = Field(2500, ge=10, le=60_000)
    image_size: int = Field(10, ge=2, le=28)  # images averaged down to image_size^2 pixels
    hidden: int = Field(20, ge=1, le=512)  # tanh units of the one hidden layer
    trajectories: int = Field(4, ge=1, le=100)  # SGD runs, seeds seed, seed + 1, ...
    # the SGD steps after which each run gives a start (0: the initialisation)
    snapshots: list[int] = Field(default_factory=lambda: [0, 30, 100, 300, 1000, 3000])
    batch_size: int = Field(64, ge=1)
    lr: float = Field(0.1, gt=0, le=10)
    noise: float = Field(0.01, ge=0, le=1)  # each start moved by uniform noise in [-noise, noise]
    tolerance: float = Field(1e-2, gt=0)  # |grad L| under which a search's end is kept
    max_iterations: int = Field(1000, ge=1)  # L-BFGS iterations on |grad L|^2 per start
    newton_steps: int = Field(0, ge=0, le=100)  # Newton refinement steps (a dense Hessian each)
    spectra: int = Field(3, ge=0, le=10)  # points whose eigenvalue histograms are drawn

    @field_validator("snapshots")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if not v or min(v) < 0 or sorted(set(v)) != v:
            raise ValueError(
                f"snapshots must be distinct SGD step counts >= 0, increasing; got {v}"
            )
        return v

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
