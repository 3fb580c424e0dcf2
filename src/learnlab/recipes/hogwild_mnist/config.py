"""The hogwild-mnist recipe's settings: synchronous SGD against Hogwild with `workers`
processes, the same MLP, learning rate, batch size and number of examples processed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import ConfigError
from learnlab.recipes.seeds import check_seed_range, seed_values


class HogwildMnistConfig(DataRecipeConfig):
    """An MLP on MNIST (or the digits) trained from seeds `seed` to `seed + seeds - 1`, once
    synchronously (the Trainer, one process) and once per entry of `workers` with Hogwild."""

    # MNIST (the issue's); scikit-learn's 8x8 digits (1,437 training images) for runs of seconds
    dataset: Literal["mnist", "digits"] = "mnist"
    seeds: int = Field(3, ge=1, le=100)
    # Hogwild worker counts compared with the synchronous run (each at most the cores)
    workers: list[int] = Field(default_factory=lambda: [1, 2], min_length=1)
    epochs: int = Field(3, ge=1, le=100)  # passes over the data: each worker over its shard
    batch_size: int = Field(32, ge=1, le=60_000)  # each worker's, and the synchronous run's
    lr: float = 0.1  # plain SGD, no momentum (a worker's step then needs no state)
    # the learning rate's factor after each epoch (the Hogwild paper's back-off): 0.1, 0.05,
    # 0.025 by default, so that the final weights fluctuate less from seed to seed
    lr_decay: float = 0.5
    # the 784-512-512-10 MLP of the scaling measurements
    depth: int = Field(2, ge=0, le=8)
    width: int = Field(512, ge=1, le=4096)
    # the first limit_train training images (all 60,000 by default), the first limit_test test
    limit_train: int | None = Field(None, ge=2)
    limit_test: int | None = Field(None, ge=1)
    # points on each convergence curve (weight snapshots, evaluated on the test set afterwards)
    curve_points: int = Field(12, ge=1, le=200)
    timeout_seconds: float = Field(600.0, gt=0)  # one Hogwild run's limit
    start_method: Literal["auto", "fork", "spawn", "forkserver"] = "auto"

    @field_validator("workers")
    @classmethod
    def _workers(cls, workers: list[int]) -> list[int]:
        from learnlab.scale.hogwild import check_hogwild_settings

        for count in workers:
            try:
                check_hogwild_settings(count, 1.0)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        if len(set(workers)) != len(workers):
            raise ValueError(f"workers lists a count twice: {workers}; e.g. [1, 2].")
        return workers

    @field_validator("lr", "lr_decay")
    @classmethod
    def _lr(cls, value: float, info: ValidationInfo) -> float:
        from learnlab.scale.hogwild import check_hogwild_settings

        try:
            check_hogwild_settings(**{"workers": 1, "lr": 1.0, info.field_name: value})
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> HogwildMnistConfig:
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)

    def methods(self) -> list[str]:
        return ["synchronous", *(f"hogwild_{w}" for w in self.workers)]


def method_label(method: str) -> str:
    """ "synchronous", "hogwild_2" -> "Hogwild, 2 workers"."""
    if method == "synchronous":
        return method
    workers = int(method.rsplit("_", 1)[1])
    return f"Hogwild, {workers} worker{'s' if workers > 1 else ''}"
