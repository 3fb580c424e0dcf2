"""The in-memory data set: splits of tensors plus what a model needs to know about them.

Images stay in their stored dtype (uint8 for MNIST) until `learnlab.data.transforms.normalize`
turns them into float32; `scale` is the value of a white pixel, so that x / scale lies in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch

Task = Literal["classification", "regression", "language"]


@dataclass
class Split:
    """Inputs `x` (first dimension indexes examples) and targets `y`, same length."""

    x: torch.Tensor
    y: torch.Tensor

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise ValueError(f"x has {len(self.x)} examples but y has {len(self.y)}")

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class Dataset:
    """A data set held in memory.

    `input_shape` is the shape of one example of `x`; `mean` and `std` are statistics of
    `train.x / scale`, used to normalise; `num_classes` is None for regression.
    """

    name: str
    train: Split
    test: Split
    task: Task
    input_shape: tuple[int, ...]
    num_classes: int | None = None
    class_names: list[str] | None = None
    scale: float = 1.0
    mean: float = 0.0
    std: float = 1.0
    val: Split | None = None
    extras: dict = field(default_factory=dict)

    @property
    def num_outputs(self) -> int:
        """Width of the model's output layer for this data set."""
        if self.task == "classification" or self.task == "language":
            assert self.num_classes is not None
            return self.num_classes
        return int(self.train.y[0].numel())
