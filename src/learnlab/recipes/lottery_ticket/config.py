"""The lottery-ticket reproduction's settings; the defaults are the reproduction (where they
depart from Frankle & Carbin's set-up, reproduction.py's setup text says how and why)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.seeds import check_seed_range, seed_values

MNIST_TRAIN_EXAMPLES = 60_000


class LotteryTicketConfig(DataRecipeConfig):
    """LeNet-300-100 on MNIST, pruned iteratively; the tickets and the two controls trained
    from seeds `seed` to `seed + seeds - 1` at every level of pruning."""

    # rounds of pruning after the dense network: 15 reaches Pm = 3.6%, the paper's last level
    rounds: int = Field(15, ge=0, le=60)
    seeds: int = Field(3, ge=1, le=100)
    # training steps per round (the paper: 50,000) and how often the validation loss is taken
    iterations: int = Field(4000, ge=1, le=1_000_000)
    eval_every: int = Field(250, ge=1)
    batch_size: int = Field(60, ge=1)
    lr: float = Field(1.2e-3, gt=0, le=10)  # Adam's, the paper's for LeNet
    # the fraction of its remaining weights each hidden layer loses per round, and the output
    # layer's: the paper's 20% and 10%
    prune_rate: float = Field(0.2, gt=0, lt=1)
    output_prune_rate: float = Field(0.1, gt=0, lt=1)
    # 0: reset the tickets to theta_0 (the paper); k > 0: late rewinding to the dense
    # network's weights after k iterations
    rewind_iteration: int = Field(0, ge=0)
    # the validation set (early stopping) is the last `validation` training images, as the
    # paper holds out 5,000; limit_train then takes the first images of the rest
    validation: int = Field(5000, ge=1, le=30_000)
    limit_train: int | None = Field(None, ge=1)
    limit_test: int | None = Field(None, ge=1)
    # train the random-reinit and random-pruning controls beside the tickets, at the rounds
    # whose Pm is closest to these levels (% of weights remaining: those the claims read), or
    # at "every" round. The ticket trains at every round, as iterative pruning needs.
    controls: bool = True
    control_levels: list[float] | Literal["every"] = Field(
        default_factory=lambda: [21.1, 13.5, 7.0, 3.6]
    )

    @field_validator("control_levels")
    @classmethod
    def _levels(cls, levels: list[float] | Literal["every"]) -> list[float] | Literal["every"]:
        bad = [v for v in levels if not 0 < v <= 100] if levels != "every" else []
        if bad:
            raise ValueError(
                f"control_levels must be percentages of weights remaining in (0, 100], got "
                f"{bad}; e.g. [21.1, 13.5, 7.0, 3.6], or every (the controls at every round)."
            )
        return levels

    @model_validator(mode="after")
    def _consistent(self) -> LotteryTicketConfig:
        check_seed_range(self.seed, self.seeds)
        if self.rewind_iteration > self.iterations:
            raise ValueError(
                f"rewind_iteration={self.rewind_iteration} is after the last of the "
                f"{self.iterations} iterations of a round; use at most {self.iterations}."
            )
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
