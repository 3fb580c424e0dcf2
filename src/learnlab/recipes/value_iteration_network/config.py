"""The value-iteration-network recipe's settings: the grid worlds, the two policies, training."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from learnlab.config import RecipeConfig
from learnlab.data.grid_worlds import MIN_SIZE
from learnlab.recipes.seeds import check_seed_range, seed_values


class ValueIterationNetworkConfig(RecipeConfig):
    """`sizes[i]` x `sizes[i]` grid worlds planned with `iterations[i]` VI steps (the paper: K =
    10 for 8x8, 20 for 16x16). Per size and seed: `train_maps` maps with `states_per_map`
    labelled start states each for training, `test_maps` unseen maps (another seed stream)
    with `test_starts` rollouts each. `seed` draws the maps; seeds `seed` .. `seed + seeds - 1`
    initialise and order the training."""

    sizes: list[int] = Field(default_factory=lambda: [8, 16], min_length=1)
    iterations: list[int] = Field(default_factory=lambda: [10, 20], min_length=1)
    obstacle_fraction: float = 0.2
    train_maps: int = Field(2000, ge=1, le=1_000_000)
    states_per_map: int = Field(10, ge=1, le=10_000)
    test_maps: int = Field(200, ge=1, le=100_000)
    test_starts: int = Field(5, ge=1, le=10_000)
    # a rollout fails when it takes more than this many times the optimal number of moves
    step_limit_factor: float = Field(2.0, ge=1.0, le=100.0)
    seeds: int = Field(3, ge=1, le=100)
    vin_hidden: int = Field(150, ge=1, le=10_000)  # the paper's 150 channels of h
    vin_q_channels: int = Field(10, ge=1, le=1000)  # the paper's 10 Q channels
    cnn_width: int = Field(16, ge=1, le=10_000)
    cnn_blocks: int = Field(2, ge=1, le=10)
    epochs: int = Field(20, ge=1, le=10_000)
    batch_maps: int = Field(8, ge=1)  # VIN: maps per batch (all their labelled states)
    batch_states: int = Field(128, ge=1)  # CNN: states per batch
    # RMSProp's learning rates, chosen on validation maps (neither training nor test maps; the
    # recipe's docstring): VIN 0.005 (on 16x16, 0.01 diverged; on 8x8 0.002 to 0.01 all
    # trained), CNN 0.005 (of 0.005 and 0.01 on 8x8)
    lr: float = Field(0.005, gt=0, le=10)
    cnn_lr: float = Field(0.005, gt=0, le=10)

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if any(s < MIN_SIZE for s in v):
            raise ValueError(
                f"every grid size must be >= {MIN_SIZE} (a wall around at least 2x2 cells); "
                f"got sizes={v}"
            )
        return v

    @field_validator("iterations")
    @classmethod
    def _iterations(cls, v: list[int]) -> list[int]:
        if any(k < 1 for k in v):
            raise ValueError(f"every value-iteration count K must be >= 1; got iterations={v}")
        return v

    @field_validator("obstacle_fraction")
    @classmethod
    def _fraction(cls, v: float) -> float:
        if not 0 <= v < 0.9:
            raise ValueError(f"obstacle_fraction must be in [0, 0.9); got {v}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ValueIterationNetworkConfig:
        if len(self.iterations) != len(self.sizes):
            raise ValueError(
                f"iterations needs one K per grid size: sizes={self.sizes}, "
                f"iterations={self.iterations}"
            )
        for size in self.sizes:
            if size < 2**self.cnn_blocks:
                raise ValueError(
                    f"cnn_blocks={self.cnn_blocks} halves the grid {self.cnn_blocks} times: "
                    f"size {size} is too small; use fewer blocks or larger sizes"
                )
        check_seed_range(self.seed, self.seeds)
        return self

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
