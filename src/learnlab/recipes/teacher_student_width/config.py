"""The teacher-student-width reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.seeds import check_seed_range, seed_values


class TeacherStudentWidthConfig(DataRecipeConfig):
    """`seed` draws the teacher and the data and is the first student seed (students: seeds
    `seed` to `seed + seeds - 1`, the same seeds at every width). The data are generated, so
    `data_root` and `download` are unused; they are accepted so that `learnlab reproduce --all
    --set data_root=...` applies to every reproduction."""

    input_dim: int = Field(10, ge=1, le=10_000)
    teacher_units: int = Field(4, ge=1, le=10_000)  # N
    classes: int = Field(2, ge=2, le=1000)
    # the students' hidden units as multiples of N; the claim reads the first three (N, 2N, 4N)
    width_multiples: list[int] = Field(default_factory=lambda: [1, 2, 4, 8], min_length=3)
    # inputs whose two largest teacher logits differ by less than this are redrawn (0: every
    # input kept). With a margin the teacher-sized students fit too (the recipe's docstring):
    # they fail on the inputs close to the teacher's decision boundary
    margin: float = Field(0.0, ge=0, le=1e6)
    train_size: int = Field(2000, ge=1)
    test_size: int = Field(2000, ge=1)
    seeds: int = Field(32, ge=1, le=10_000)
    epochs: int = Field(600, ge=1, le=100_000)
    batch_size: int = Field(100, ge=1)
    lr: float = Field(0.01, gt=0, le=10)
    optimizer: Literal["adam", "sgd", "momentum", "adamw"] = "adam"
    # a student "succeeds" when its final cross-entropy on the whole training set is below this
    threshold: float = Field(0.005, gt=0)

    @field_validator("width_multiples")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if v[0] != 1 or any(b <= a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError(
                "width_multiples must start at 1 (the teacher's own width) and increase, "
                f"e.g. [1, 2, 4, 8]; got {v}"
            )
        return v

    @model_validator(mode="after")
    def _seeds_fit(self) -> TeacherStudentWidthConfig:
        check_seed_range(self.seed, self.seeds)
        return self

    def widths(self) -> list[int]:
        return [m * self.teacher_units for m in self.width_multiples]

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
