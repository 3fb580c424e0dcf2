"""The moe-cascade recipe's settings: which parts run, and one nested config per part (each
defined beside its part); the defaults are the recipe."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.moe_cascade.bilinear import BilinearConfig
from learnlab.recipes.moe_cascade.cascade import CascadeConfig
from learnlab.recipes.moe_cascade.mixture import MixtureConfig, check_mixture
from learnlab.recipes.moe_cascade.siamese import SiameseConfig

PART_NAMES = ("mixture", "cascade", "siamese", "bilinear")
PartName = Literal["mixture", "cascade", "siamese", "bilinear"]


class MoeCascadeConfig(DataRecipeConfig):
    """The seed, the data location and the progress switch are shared by every part (each part
    draws its own generators from the seed, as it did alone); each part's own settings are
    in its nested config."""

    parts: list[PartName] = Field(default_factory=lambda: list(PART_NAMES), min_length=1)
    mixture: MixtureConfig = Field(default_factory=MixtureConfig)
    cascade: CascadeConfig = Field(default_factory=CascadeConfig)
    siamese: SiameseConfig = Field(default_factory=SiameseConfig)
    bilinear: BilinearConfig = Field(default_factory=BilinearConfig)

    @field_validator("parts")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"parts must be distinct, a subset of {list(PART_NAMES)}; got {v}")
        return v


def check(config: MoeCascadeConfig) -> None:
    """What the field ranges cannot say; raised before anything is written."""
    if "mixture" in config.parts:
        check_mixture(config.mixture)
