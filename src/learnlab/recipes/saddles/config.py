"""The saddles reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import ConfigError

CLASSES = 10
RUN_SEEDS = 1000  # run r of seed s initialises the network from seed 1000 s + r (<= 100 runs)


class SaddlesConfig(DataRecipeConfig):
    """A tanh MLP on downsampled MNIST with weight decay; starts: minima of the same network
    with only some hidden units trained (the others silent), moved by noise; one Newton search
    from each."""

    examples: int = Field(1000, ge=10, le=60_000)  # the first training images: the loss's data
    image_size: int = Field(10, ge=2, le=28)  # images averaged down to image_size^2 pixels
    hidden: int = Field(20, ge=1, le=512)  # tanh units of the one hidden layer
    # L2 penalty weight_decay / 2 |theta|^2 added to the cross-entropy: without it even 2,500
    # images are separable by 2,230 weights and the loss has no finite minimum (L-BFGS takes
    # it to 1e-10 as the weights grow past 48), so trained points have no critical point near
    weight_decay: float = Field(1e-3, ge=0, le=1)
    # the hidden units trained for each start (the first `width` units; the others keep zero
    # weights in and out, which makes a trained narrow net a critical point of the wide one)
    widths: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 6, 9, 13, 20])
    runs: int = Field(1, ge=1, le=100)  # initialisations per width, seeds 1000 seed + 0, 1, ...
    fit_iterations: int = Field(5000, ge=1)  # L-BFGS iterations training each start
    noise: float = Field(1e-3, ge=0, le=1)  # each start moved by uniform noise in [-noise, noise]
    # the criterion: a search's end is a critical point when |grad L| <= relative_tolerance x
    # ln(10) (the loss scale: the cross-entropy of a uniform guess over the 10 classes), checked
    # after the search; the others are reported apart and left out of rho
    relative_tolerance: float = Field(1e-5, gt=0, lt=1)
    newton_steps: int = Field(10, ge=1, le=100)  # Newton steps (dense Hessians) per start
    # the search: Newton with the dense Hessian's pseudo-inverse, or Newton-MR (MINRES on
    # Hessian-vector products, Roosta et al. 2018; 5 steps per unit of newton_steps)
    newton: Literal["pseudo-inverse", "mr"] = "pseudo-inverse"
    spectra: int = Field(3, ge=0, le=10)  # points whose eigenvalue histograms are drawn

    @field_validator("widths")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if not v or min(v) < 0 or sorted(set(v)) != v:
            raise ValueError(f"widths must be distinct unit counts >= 0, increasing; got {v}")
        return v

    @model_validator(mode="after")
    def _widths_fit(self) -> SaddlesConfig:
        if self.widths[-1] > self.hidden:
            raise ValueError(
                f"widths={self.widths} trains up to {self.widths[-1]} hidden units, but the "
                f"network has hidden={self.hidden}; give widths <= hidden."
            )
        return self

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
