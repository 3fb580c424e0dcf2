"""The gcn-karate recipe's settings; the defaults are the recipe."""

from __future__ import annotations

from pydantic import Field, model_validator

from learnlab.config import RecipeConfig

LABELLED_NODES = (0, 33)


class GcnKarateConfig(RecipeConfig):
    # part 1: karate club
    karate_hidden: int = Field(16, ge=1, le=1024)
    karate_steps: int = Field(200, ge=1, le=10_000)
    karate_lr: float = Field(0.01, gt=0, le=1)
    karate_weight_decay: float = Field(5e-4, ge=0, le=1)
    # part 2: generated graphs
    graphs_per_family: int = Field(200, ge=2, le=5_000)
    min_nodes: int = Field(20, ge=6, le=500)
    max_nodes: int = Field(40, ge=6, le=500)
    train_fraction: float = Field(0.75, gt=0, lt=1)
    graph_hidden: int = Field(32, ge=1, le=1024)
    graph_depth: int = Field(3, ge=1, le=10)
    graph_epochs: int = Field(20, ge=1, le=1_000)
    graph_batch_size: int = Field(32, ge=1, le=10_000)
    graph_lr: float = Field(0.01, gt=0, le=1)
    target_accuracy: float = Field(0.85, gt=0, le=1)
    # The work is many tiny sparse products: a second OpenMP thread costs more in
    # synchronisation than it saves (measured on a loaded 2-core machine: 322 s with 2 threads,
    # 21 s with 1), so the recipe runs on `threads` threads and restores torch's setting after.
    threads: int = Field(1, ge=1, le=256)

    @property
    def train_graphs(self) -> int:
        return int(round(self.train_fraction * 3 * self.graphs_per_family))

    @model_validator(mode="after")
    def _consistent(self) -> GcnKarateConfig:
        """What the field ranges cannot say (a dry run checks it too)."""
        if self.min_nodes > self.max_nodes:
            raise ValueError(
                f"min_nodes ({self.min_nodes}) must be <= max_nodes ({self.max_nodes})."
            )
        total = 3 * self.graphs_per_family
        if not 0 < self.train_graphs < total:
            raise ValueError(
                f"train_fraction {self.train_fraction} of {total} graphs leaves no training or "
                "no test graph; raise graphs_per_family or choose a fraction nearer 0.5."
            )
        return self
