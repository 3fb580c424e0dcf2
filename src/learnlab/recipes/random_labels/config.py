"""The random-labels reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig

Regularizer = Literal["weight_decay", "dropout", "augmentation"]
InputVariant = Literal["shuffled_pixels", "random_pixels", "gaussian"]


class RandomLabelsConfig(DataRecipeConfig):
    """One MLP (one hidden layer of `width` ReLU units) per variant of the data, each trained
    from seed `seed` until its training accuracy reaches `target_accuracy` or `max_epochs`."""

    train_size: int = Field(10_000, ge=10, le=60_000)
    test_size: int = Field(10_000, ge=10, le=10_000)
    # each label replaced by a uniformly random class with this probability (Figure 1b, 1c)
    label_fractions: list[float] = Field(
        default_factory=lambda: [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], min_length=1
    )
    # inputs corrupted, true labels kept (Figure 1a)
    input_variants: list[InputVariant] = Field(
        default_factory=lambda: ["shuffled_pixels", "random_pixels", "gaussian"]
    )
    # random labels (fraction 1) trained with each of these (the paper's Table 4)
    regularizers: list[Regularizer] = Field(
        default_factory=lambda: ["weight_decay", "dropout", "augmentation"]
    )
    width: int = Field(512, ge=1, le=100_000)
    # SGD with momentum 0.9 as the paper; a constant lr 0.05 (theirs: 0.01 decayed by 0.95 per
    # epoch, which on MNIST-sized runs stops short of fitting random labels)
    lr: float = Field(0.05, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)
    batch_size: int = Field(128, ge=1)
    max_epochs: int = Field(150, ge=1, le=10_000)
    target_accuracy: float = Field(0.99, gt=0, le=1)
    weight_decay: float = Field(5e-4, ge=0, le=1)
    dropout: float = Field(0.3, gt=0, lt=1)
    augment_translate: int = Field(2, ge=1, le=14)  # pixels of random shift, each direction

    @field_validator("label_fractions")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        bad = [f for f in v if not 0 <= f <= 1]
        if bad:
            raise ValueError(
                f"label_fractions must be fractions in [0, 1] (0: true labels, 1: all random); "
                f"got {bad}"
            )
        if len(set(v)) != len(v):
            raise ValueError(f"label_fractions must not repeat a fraction; got {v}")
        return sorted(v)
