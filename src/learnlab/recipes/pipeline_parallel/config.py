"""The pipeline-parallel recipe's settings: the model and its split, the training checked
against unsplit training, and the steps that measure the bubble at each micro-batch count."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig

INPUT_SHAPE = (1, 28, 28)
CLASSES = 10


class PipelineParallelConfig(DataRecipeConfig):
    """A model split into `stages` processes trains on MNIST beside the unsplit model; then
    `bubble_steps` steps at each of `bubble_micro_batches` time the stages."""

    # the MLP (depth hidden layers of width) or LeNet-5, split by parameters or by FLOPs;
    # depth 4, width 256 cuts into two halves of 201k and 200k parameters
    model: Literal["mlp", "lenet5"] = "mlp"
    depth: int = Field(4, ge=0, le=32)
    width: int = Field(256, ge=1, le=4096)
    stages: int = Field(2, ge=1, le=8)  # processes; at most one per layer
    balance: Literal["parameters", "flops"] = "parameters"
    schedule: Literal["gpipe", "1f1b"] = "gpipe"
    # training: SGD on the first limit_train images (a last partial batch is left out)
    micro_batches: int = Field(4, ge=1)
    batch_size: int = Field(64, ge=1)
    epochs: int = Field(1, ge=1, le=20)
    lr: float = Field(0.2, gt=0, le=10)  # chosen on the training loss: 0.05 barely moved it
    limit_train: int = Field(8192, ge=1, le=60_000)
    limit_test: int = Field(2000, ge=1, le=10_000)
    # the bubble: steps on one batch of bubble_batch_size, the first of each count a warm-up
    bubble_micro_batches: list[int] = Field(default_factory=lambda: [1, 2, 4, 8, 16])
    bubble_batch_size: int = Field(1024, ge=1)
    bubble_steps: int = Field(6, ge=2, le=100)
    # seconds the stage processes may take in all before they are stopped
    timeout: float = Field(600, gt=0, le=3600)

    @field_validator("bubble_micro_batches")
    @classmethod
    def _counts(cls, counts: list[int]) -> list[int]:
        if not counts or min(counts) < 1 or len(set(counts)) != len(counts):
            raise ValueError(
                f"bubble_micro_batches must list distinct counts >= 1, got {counts}; "
                "e.g. [1, 2, 4, 8, 16]."
            )
        return sorted(counts)

    @model_validator(mode="after")
    def _consistent(self) -> PipelineParallelConfig:
        _check_divides("micro_batches", self.micro_batches, "batch_size", self.batch_size)
        for count in self.bubble_micro_batches:
            batch = self.bubble_batch_size
            _check_divides("bubble_micro_batches", count, "bubble_batch_size", batch)
        if self.batch_size > self.limit_train:
            raise ValueError(
                f"batch_size={self.batch_size} is more than the {self.limit_train} training "
                "images (limit_train): no full batch to train on. Lower batch_size."
            )
        fewest = min(self.micro_batches, *self.bubble_micro_batches)
        if self.schedule == "1f1b" and fewest < self.stages:
            raise ValueError(
                f"schedule=1f1b needs at least one micro-batch per stage, but micro_batches or "
                f"bubble_micro_batches has {fewest} for {self.stages} stages; choose counts >= "
                f"{self.stages}, or schedule=gpipe."
            )
        layers = len(self.layers())
        if self.stages > layers:
            raise ValueError(
                f"stages={self.stages} is more than the {layers} layers of this {self.model}: "
                f"a pipeline has at most one stage per layer. Choose stages in 1..{layers}."
            )
        return self

    def build_model(self):
        from learnlab.models import build_model

        options = {"depth": self.depth, "width": self.width} if self.model == "mlp" else {}
        return build_model(self.model, INPUT_SHAPE, CLASSES, **options)

    def layers(self):
        """The model's layers in order, built on the meta device: no memory, no time."""
        import torch

        from learnlab.scale.stages import sequential_layers

        with torch.device("meta"):
            return sequential_layers(self.build_model())


def _check_divides(name: str, count: int, batch_name: str, batch: int) -> None:
    if count > batch or batch % count:
        raise ValueError(
            f"{name}={count} does not cut {batch_name}={batch} into equal micro-batches (of at "
            f"least one example): a pipeline needs a count that divides the batch. Choose a "
            f"divisor of {batch} (such as 1, 2, 4 for a batch of 64) or another {batch_name}."
        )
