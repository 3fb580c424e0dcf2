"""The greedy-pretraining recipe's settings: one deep sigmoid MLP on an MNIST subset, trained
three ways at the same total number of epochs (passes over the training data)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.recipes.seeds import check_seed_range, seed_values


class GreedyPretrainingConfig(DataRecipeConfig):
    """A 784-`width`x`depth`-10 sigmoid MLP, seeds `seed` to `seed + seeds - 1`, each trained
    end to end for `epochs` epochs, and greedily (`pretrain_epochs` per hidden layer, supervised
    or with autoencoders) then fine-tuned for the rest of the `epochs`.

    Defaults chosen on the validation split (the `val_size` training images after the first
    `train_size`), never on the test set, with seed 0: plain SGD at lr 1.0 for every
    supervised phase (end to end, validation error after 30 epochs 89.8% at lr 0.1 and 0.3,
    79.0% at 1.0, 90.7% at 3.0; the greedy methods also did best at 1.0 of 0.1, 0.3, 1.0), lr
    0.1 for the autoencoders (their Bernoulli loss is summed over 784 pixels: 0.01 did
    worse, 0.5 diverged)."""

    train_size: int = Field(5_000, ge=10, le=50_000)
    val_size: int = Field(2_000, ge=10, le=10_000)
    test_size: int = Field(10_000, ge=10, le=10_000)
    depth: int = Field(5, ge=1, le=20)
    width: int = Field(256, ge=1, le=4096)
    seeds: int = Field(5, ge=1, le=100)
    epochs: int = Field(30, ge=2, le=1000)  # every method's total passes over the data
    pretrain_epochs: int = Field(3, ge=1, le=1000)  # per hidden layer, in the greedy methods
    optimizer: Literal["sgd", "momentum", "adam"] = "sgd"
    lr: float = Field(1.0, gt=0, le=10)
    autoencoder_lr: float = Field(0.1, gt=0, le=10)
    batch_size: int = Field(32, ge=1)
    freeze_lower: bool = True  # the lecture's version: each phase trains only its own layer
    masking: float = Field(0.0, ge=0, lt=1)  # > 0: denoising autoencoders

    @model_validator(mode="after")
    def _leaves_fine_tuning(self) -> GreedyPretrainingConfig:
        if self.depth * self.pretrain_epochs >= self.epochs:
            raise ValueError(
                f"pretrain_epochs={self.pretrain_epochs} x depth={self.depth} = "
                f"{self.depth * self.pretrain_epochs} epochs of pre-training leave none of the "
                f"{self.epochs} epochs for fine-tuning; lower pretrain_epochs or raise epochs."
            )
        check_seed_range(self.seed, self.seeds)
        return self

    @property
    def fine_tune_epochs(self) -> int:
        """The greedy methods' fine-tuning: what the pre-training leaves of `epochs`."""
        return self.epochs - self.depth * self.pretrain_epochs

    def seed_list(self) -> list[int]:
        return seed_values(self.seed, self.seeds)
