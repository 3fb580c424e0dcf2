"""The contrastive recipe's settings: LeNet-5 encoders on an MNIST subset trained by SimCLR's
NT-Xent, by a batch-hard triplet loss and by cross-entropy, probed linearly when frozen."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig

IMAGE_SHAPE = (1, 28, 28)


class ContrastiveConfig(DataRecipeConfig):
    """Defaults: 10,000 MNIST training images (2,000 of them held out for the probe's C), 15
    epochs per encoder, 3 seeds (measured: 332 s of one CPU thread for the three)."""

    # the first `limit_train` MNIST training images train every encoder and the linear probe
    limit_train: int = Field(10_000, ge=20, le=60_000)
    # the last `val_examples` of them are held out: the probe's regularisation is chosen there
    val_examples: int = Field(2_000, ge=10, le=20_000)
    # the first MNIST test images the probes are scored on; None: all 10,000
    limit_test: int | None = Field(None, ge=10)
    # the encoder: LeNet-5 (`learnlab list`) whose output, `representation` wide, is probed;
    # the projection head (SimCLR's g, an MLP representation -> representation -> projection)
    # is trained with it and dropped
    representation: int = Field(64, ge=2, le=1024)
    projection: int = Field(32, ge=2, le=1024)
    epochs: int = Field(15, ge=1, le=500)
    batch_size: int = Field(256, ge=2, le=8192)
    lr: float = Field(2e-3, gt=0, le=1)
    # the triplet encoder's Adam rate: at `lr` its embedding collapsed (probe accuracy on the
    # validation images, seed 0, 3 epochs: 2e-3 50.5%, 3e-4 69.8%, 2e-4 73.5%), so its own,
    # chosen on validation
    triplet_lr: float = Field(2e-4, gt=0, le=1)
    # the triplet encoder's batches (Hermans et al.'s P x K): `triplet_classes` digits,
    # `triplet_per_class` images of each (an epoch: as many batches as hold the images once)
    triplet_classes: int = Field(10, ge=2, le=10)
    triplet_per_class: int = Field(4, ge=2, le=1000)
    temperature: float = 0.5  # NT-Xent's; not tuned here (SimCLR compares values from 0.05 to 1)
    # the triplet loss's margin; None: Hermans et al.'s soft margin log(1 + exp(d+ - d-))
    margin: float | None = None
    # the views (learnlab.data.views.ViewAugment): pixels, degrees, pixels, pixels, std
    translate: float = 3.0
    rotate: float = 15.0
    elastic_alpha: float = 2.0
    elastic_sigma: float = 4.0
    noise_std: float = 0.1
    # the linear probe's inverse L2 strengths (scikit-learn's C), the best on validation used
    probe_c: list[float] = Field(default_factory=lambda: [0.01, 0.1, 1.0, 10.0], min_length=1)
    seeds: int = Field(3, ge=1, le=100)

    @field_validator("temperature")
    @classmethod
    def _temperature(cls, v: float) -> float:
        from learnlab.objectives.contrastive import check_temperature

        return _as_value_error(check_temperature, v)

    @field_validator("margin")
    @classmethod
    def _margin(cls, v: float | None) -> float | None:
        from learnlab.objectives.contrastive import check_margin

        return _as_value_error(check_margin, v)

    @field_validator("probe_c")
    @classmethod
    def _probe_c(cls, v: list[float]) -> list[float]:
        if any(not c > 0 for c in v):
            raise ValueError(f"probe_c={v}: every C (inverse L2 strength) must be > 0.")
        return v

    @model_validator(mode="after")
    def _fits(self) -> ContrastiveConfig:
        self.view_augment()  # the views' settings, checked now
        train = self.limit_train - self.val_examples
        if train < self.batch_size:
            raise ValueError(
                f"batch_size={self.batch_size} is more than the {train} training images "
                f"(limit_train={self.limit_train} - val_examples={self.val_examples}); "
                "lower batch_size or raise limit_train."
            )
        if self.triplet_classes * self.triplet_per_class > train:
            raise ValueError(
                f"triplet_classes x triplet_per_class = {self.triplet_classes} x "
                f"{self.triplet_per_class} is more than the {train} training images; lower "
                "triplet_per_class or raise limit_train."
            )
        return self

    def view_augment(self):
        from learnlab.data.views import ViewAugment

        return _as_value_error(
            lambda: ViewAugment(
                translate=self.translate,
                rotate=self.rotate,
                elastic_alpha=self.elastic_alpha,
                elastic_sigma=self.elastic_sigma,
                noise_std=self.noise_std,
            )
        )

    def seed_list(self) -> list[int]:
        from learnlab.recipes.seeds import seed_values

        return seed_values(self.seed, self.seeds)


def _as_value_error(check: Any, *args: Any) -> Any:
    """`check(*args)`, its ConfigError turned into the ValueError pydantic reports."""
    from learnlab.io.errors import ConfigError

    try:
        return check(*args)
    except ConfigError as e:
        raise ValueError(str(e)) from None
