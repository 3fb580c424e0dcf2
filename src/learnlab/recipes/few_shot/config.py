"""The few-shot recipe's settings: the split of the digits into training and test classes, the
encoder, the training of each method, and the test episodes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig

Method = Literal["prototypical", "siamese", "maml"]
METHODS: tuple[str, ...] = ("prototypical", "siamese", "maml")


class FewShotConfig(DataRecipeConfig):
    """`seed` draws the training subset and is the first training seed (seeds `seed` to
    `seed + seeds - 1`); the test episodes are the same for every seed and method (drawn from
    `seed`), so the methods are compared on identical episodes."""

    train_digits: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], min_length=2)
    test_digits: list[int] = Field(default_factory=lambda: [5, 6, 7, 8, 9], min_length=2)
    # versions of each training digit that count as classes of their own (Santoro et al. 2016's
    # rotations of Omniglot): 1 = upright only; 2-4 add transposed, turned left, turned right
    class_versions: int = Field(4, ge=1, le=4)
    train_images: int = Field(20_000, ge=20, le=60_000)  # of the training digits, all versions
    test_images: int = Field(10_000, ge=20, le=10_000)  # MNIST test images drawn from
    encoder: str = "conv4"  # Snell et al.'s encoder (width = embedding: no linear layer)
    encoder_options: dict[str, Any] = Field(default_factory=lambda: {"width": 32})
    embedding: int = Field(32, ge=1, le=4096)
    # MAML is an option (`--set 'methods=["prototypical", "siamese", "maml"]'`): its per-episode
    # adaptation at test time costs more than the default budget of 10 minutes allows.
    # Measured (2026-12-06, one thread, first-order, the defaults, seeds 0-2, each batch's own
    # normalisation statistics at test time): per seed about 62 s of CPU to train (800
    # episodes, 5 inner steps), 40 s and 82 s to test 1,000 5-way 1-shot and 5-shot episodes:
    # ~185 s a seed, ~555 s for 3 on top of ~211 s for the two default methods; accuracy
    # 1-shot 58.78 +- 0.65%, 5-shot 81.50 +- 1.79% (mean +- std over seeds), beside
    # prototypical networks' 61% and 80%
    methods: list[Method] = Field(default_factory=lambda: ["prototypical", "siamese"], min_length=1)
    lr: float = Field(1e-3, gt=0, le=1)  # Adam, every method
    # prototypical networks: training episodes (Snell et al. train with more ways than tested)
    episodes: int = Field(500, ge=1, le=1_000_000)
    train_way: int = Field(10, ge=2)
    train_shot: int = Field(5, ge=1)
    train_query: int = Field(5, ge=1)
    # the Siamese network (Koch et al. 2015): batches of pairs, half of one class
    siamese_steps: int = Field(500, ge=1, le=1_000_000)
    siamese_pairs: int = Field(64, ge=2, le=65_536)
    # MAML: a classifier with test_way outputs adapted by inner_steps SGD steps per episode
    maml_episodes: int = Field(800, ge=1, le=1_000_000)
    maml_shot: int = Field(5, ge=1)
    maml_inner_lr: float = Field(0.1, gt=0, le=10)
    maml_inner_steps: int = Field(5, ge=1, le=100)
    maml_first_order: bool = True
    # the test: test_way-way episodes for each number of shots, test_query queries per class
    test_way: int = Field(5, ge=2)
    test_shots: list[int] = Field(default_factory=lambda: [1, 5], min_length=1)
    test_query: int = Field(15, ge=1)
    test_episodes: int = Field(1000, ge=2, le=100_000)
    # Koch et al.'s MNIST protocol: 10-way one-shot over all ten digits
    koch_episodes: int = Field(1000, ge=0, le=100_000)
    seeds: int = Field(3, ge=1, le=100)
    progress: bool = False

    @field_validator("train_digits", "test_digits")
    @classmethod
    def _digits(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v) or not all(0 <= d <= 9 for d in v):
            raise ValueError(f"digits must be distinct, each 0-9, e.g. [5, 6, 7, 8, 9]; got {v}")
        return v

    @field_validator("methods", "test_shots")
    @classmethod
    def _distinct(cls, v: list[Any]) -> list[Any]:
        if len(set(v)) != len(v):
            raise ValueError(f"entries must not repeat, got {v}")
        if any(isinstance(s, int) and s < 1 for s in v):
            raise ValueError(f"every number of shots must be >= 1, got {v}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> FewShotConfig:
        if set(self.train_digits) & set(self.test_digits):
            raise ValueError(
                f"train_digits {self.train_digits} and test_digits {self.test_digits} share "
                "digits: the test classes must be unseen in training"
            )
        if self.test_way > len(self.test_digits):
            raise ValueError(
                f"test_way={self.test_way} is more than the {len(self.test_digits)} test digits"
            )
        classes = len(self.train_digits) * self.class_versions
        if self.train_way > classes:
            raise ValueError(
                f"train_way={self.train_way} is more than the {classes} training classes "
                f"({len(self.train_digits)} digits x {self.class_versions} versions); lower "
                "train_way or raise class_versions"
            )
        if "maml" in self.methods and self.test_way > classes:
            raise ValueError(f"MAML trains {self.test_way}-way episodes: needs that many classes")
        return self

    def seed_list(self) -> list[int]:
        from learnlab.recipes.seeds import seed_values

        return seed_values(self.seed, self.seeds)
