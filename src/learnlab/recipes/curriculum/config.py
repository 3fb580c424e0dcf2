"""The curriculum recipe's settings: the task (a data set with noisy training labels), the
teacher that scores difficulty, the pacing, and the methods compared at equal steps."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.seeds import check_seed_range, seed_values

Method = Literal["plain", "curriculum", "anti-curriculum", "random-order"]
METHODS: tuple[str, ...] = ("plain", "curriculum", "anti-curriculum", "random-order")


class CurriculumConfig(DataRecipeConfig):
    """`seed` draws the validation split, the label noise and the teacher, and is the first
    student seed (seeds `seed` to `seed + seeds - 1`, the same initialisation for every method
    of one seed). `start`, `pacing`, `increase` and `ramp_fraction` are checked by
    `learnlab.procedures.curriculum.Pacing` (a ConfigError naming the setting)."""

    dataset: str = "mnist"
    limit_train: int | None = Field(5000, ge=1)
    val_fraction: float = Field(0.1, gt=0, lt=1)
    # the fraction of training labels replaced by another class, drawn uniformly (the
    # validation and test labels stay clean)
    label_noise: float = Field(0.4, ge=0, lt=1)
    model: str = "mlp"
    model_options: dict[str, Any] = Field(default_factory=lambda: {"width": 256, "depth": 1})
    optimizer: str = "adam"
    lr: float = Field(1e-3, gt=0, le=10)
    batch_size: int = Field(64, ge=1)
    steps: int = Field(1500, ge=1)  # every method trains exactly this many batches
    evaluations: int = Field(10, ge=1)  # points of the learning curves (steps / evaluations each)
    teacher_epochs: int = Field(2, ge=1)  # the teacher: the same model, trained plainly first
    pacing: Literal["fixed-exponential", "step", "linear", "root"] = "fixed-exponential"
    start: float = Field(0.2, gt=0, le=1)  # the fraction of the examples available at step 0
    increase: float = Field(2.0, gt=1, le=1000)  # fixed-exponential's factor per stage
    ramp_fraction: float = Field(0.8, gt=0, le=1)  # all examples are available from then on
    seeds: int = Field(5, ge=1, le=1000)
    methods: list[Method] = Field(default_factory=lambda: list(METHODS), min_length=1)
    progress: bool = False

    @field_validator("methods")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"methods must not repeat, got {v}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> CurriculumConfig:
        if self.steps % self.evaluations:
            raise ValueError(
                f"steps ({self.steps}) must be a multiple of evaluations ({self.evaluations}), "
                "so that every point of the learning curves is the same number of steps apart"
            )
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)

    def ramp_steps(self) -> int:
        return max(1, round(self.ramp_fraction * self.steps))
