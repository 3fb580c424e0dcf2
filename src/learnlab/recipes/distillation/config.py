"""The distillation reproduction's settings; the defaults are the reproduction (the recipe's
docstring says where and why they depart from the paper)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.objectives.distillation import DEFAULT_HARD_WEIGHT
from learnlab.recipes.seeds import check_seed_range, seed_values

MNIST_TRAIN_EXAMPLES = 60_000


class DistillationConfig(DataRecipeConfig):
    """Teacher 784-1200-1200-10 with dropout and jitter, student 784-800-800-10; `seed` seeds
    the teacher and is the first student seed (students: `seed` to `seed + seeds - 1`, a seed
    giving the scratch, distilled and digit-omitted students the same initial weights)."""

    teacher_width: int = Field(1200, ge=1, le=16_384)  # units in each of the 2 hidden layers
    student_width: int = Field(800, ge=1, le=16_384)
    # the teacher's regularisation, as in the paper's reference [5] (Hinton et al. 2012):
    # dropout of 50% of the hidden units and 20% of the input pixels
    dropout: float = Field(0.5, ge=0, lt=1)
    input_dropout: float = Field(0.2, ge=0, lt=1)
    jitter: int = Field(2, ge=0, le=8)  # the teacher's inputs move by up to this many pixels
    teacher_epochs: int = Field(40, ge=1, le=10_000)
    student_epochs: int = Field(30, ge=1, le=10_000)
    batch_size: int = Field(128, ge=1)
    # SGD with momentum and a cosine decay of the learning rate to 0, for every network
    lr: float = Field(0.05, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)
    temperature: float = Field(20.0, le=1e6)  # > 0: checked below, with what to use
    # the hard-label share of the distillation loss (objectives.distillation: 1/3 gives the
    # hard term half the soft term's weight, the paper's speech setting)
    hard_weight: float = Field(DEFAULT_HARD_WEIGHT, ge=0, le=1)
    omitted_digit: int = Field(3, ge=0, le=9)
    # the last `validation` training images are left out of the digit-omitted student's
    # transfer set: its class bias is chosen on them (never on the test set)
    validation: int = Field(5000, ge=1)
    largest_shift: float = Field(10.0, gt=0, le=100)  # of the class bias, searched in 0.05 steps
    seeds: int = Field(2, ge=1, le=100)
    limit_train: int | None = Field(None, ge=2)
    limit_test: int | None = Field(None, ge=1)

    @field_validator("temperature")
    @classmethod
    def _positive_temperature(cls, v: float) -> float:
        if not v > 0:
            raise ValueError(
                "must be > 0: it divides the logits before the softmax; T = 1 is the "
                "plain softmax, larger T softer targets (the paper distils at T = 20)"
            )
        return v

    @model_validator(mode="after")
    def _validation_fits(self) -> DistillationConfig:
        train = min(self.limit_train or MNIST_TRAIN_EXAMPLES, MNIST_TRAIN_EXAMPLES)
        if self.validation >= train:
            raise ValueError(
                f"validation={self.validation}: the images that choose the omitted class's bias "
                f"are taken from the {train} training images and must leave some to train on; "
                f"choose validation < {train} (e.g. {train // 10})."
            )
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
