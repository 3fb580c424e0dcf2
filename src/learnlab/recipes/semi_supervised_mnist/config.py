"""The semi-supervised-mnist recipe's settings; the defaults are the recipe's measured run."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig

METHODS = ("labelled-only", "pseudo-label", "vat")
IMAGE_SHAPE = (1, 28, 28)


class SemiSupervisedConfig(DataRecipeConfig):
    """MNIST with `labels_per_class` labels per digit (drawn by the seed), the other training
    images unlabelled; LeNet-5 trained by each method for the same number of Adam steps."""

    labels_per_class: int = 10  # checked against the data (1 .. the rarest digit's count)
    # the last `val_examples` MNIST training images, labelled, held out: the settings below
    # were chosen on them (never on the test set); see the recipe's docstring for the honesty
    # caveat (a 5,000-label validation set is far more labels than the 100 trained on)
    val_examples: int = Field(5000, ge=100, le=20_000)
    model: str = "lenet5"
    model_options: dict[str, Any] = Field(default_factory=dict)
    steps: int = Field(3000, ge=1, le=1_000_000)  # Adam steps per method and seed
    eval_every: int = Field(500, ge=1)  # steps between validation errors (the figure's curve)
    lr: float = Field(1e-3, gt=0, le=1)
    labelled_batch: int = Field(32, ge=1)
    unlabelled_batch: int = Field(64, ge=1)
    # pseudo-labelling (Lee 2013): confidence threshold, final weight, ramp in steps
    threshold: float = 0.95  # checked by the objective: must be in (0, 1)
    pseudo_weight: float = Field(1.0, ge=0)
    ramp_start: int = Field(200, ge=0)
    ramp_end: int = Field(1000, ge=0)
    # VAT (Miyato et al. 2018): perturbation norm eps (pixels in [0, 1]), power-iteration step
    # xi (the paper's 1e-6) and count (the paper's 1), weight of the VAT term, weight of the
    # entropy term (VAT + EntMin). Chosen on the validation images (seed 0, batches 32 + 64,
    # 2026-12-06): eps 2, xi 1e-6, no entropy: 7.0% after 900 steps, 5.4% after 1,200; eps 3,
    # xi 0.1, entropy 1: 9.2% after 750 steps; labelled only 21.4% after 750; pseudo-labels
    # at 0.95: 20.7% after 900, 19.9% after 1,200. Nothing else was tried (the CPU budget).
    vat_eps: float = Field(2.0, gt=0)
    vat_xi: float = Field(1e-6, gt=0)
    vat_iterations: int = Field(1, ge=1, le=10)
    vat_weight: float = Field(1.0, ge=0)
    entropy_weight: float = Field(0.0, ge=0)
    # the first `limit_unlabelled` unlabelled and `limit_test` test images (None: all)
    limit_unlabelled: int | None = Field(None, ge=1)
    limit_test: int | None = Field(None, ge=10)
    seeds: int = Field(3, ge=1, le=100)

    @field_validator("threshold")
    @classmethod
    def _threshold(cls, v: float) -> float:
        from learnlab.objectives.semi_supervised import check_threshold

        return check_threshold(v)

    @field_validator("labels_per_class")
    @classmethod
    def _labels(cls, v: int) -> int:
        if v < 1:
            raise ValueError(
                f"labels_per_class={v}: use at least 1 labelled image per digit (10 gives the "
                "usual 100 labels)."
            )
        return v

    @model_validator(mode="after")
    def _ramp(self) -> SemiSupervisedConfig:
        if self.ramp_end < self.ramp_start:
            raise ValueError(
                f"ramp_end={self.ramp_end} < ramp_start={self.ramp_start}: the pseudo-label "
                "weight ramps up between the two steps; choose ramp_end >= ramp_start."
            )
        return self

    def seed_list(self) -> list[int]:
        from learnlab.recipes.seeds import seed_values

        return seed_values(self.seed, self.seeds)

    def build_model(self):
        from learnlab.models import build_model

        return build_model(self.model, IMAGE_SHAPE, 10, **self.model_options)
