"""The pretrain-finetune recipe's settings: a denoising autoencoder pre-trained on unlabelled
MNIST, its encoder fine-tuned with few labels, against the same network from scratch."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from learnlab.config import DataRecipeConfig

PARTS = ("denoising", "speakers")


class PretrainFinetuneConfig(DataRecipeConfig):
    """Seeds `seed` to `seed + seeds - 1`. Per seed: a 784-`hidden`-`code` dense denoising
    autoencoder (masking noise `masking`, Bernoulli loss) trained for `pretrain_epochs` on the
    first `unlabelled_size` training images without their labels; then, for each of
    `label_counts` (a class-balanced labelled subset drawn from those images), its encoder
    with a new 10-way head fine-tuned for `finetune_epochs`, against the same architecture from
    random initialisation trained identically.

    The settings were fixed before measuring (Adam at the autoencoders recipe's lr 1e-3,
    masking 0.25 as in Vincent et al. 2008's MNIST runs, epochs so that the default runs in a
    few minutes on one core), not tuned on the test set. Checked afterwards on validation
    images (training images 50,000-54,999, outside the pool; seed 100, not one of the
    recipe's): validation error of the pre-trained network with 100 / 1,000 labels 22.24% /
    9.80% as set (from scratch 21.30% / 10.88%); decay 2.6 23.92% / 9.70%; frozen_layers=1
    22.24% / 9.76%; frozen_layers=2 (a linear probe of the code) 32.14% / 14.56%; 30
    pre-training epochs 22.52% / 9.74%. None helps with 100 labels, so the defaults stay.

    Part (b) (`speakers`, `speaker_*`, `lm_*`): the language model sized so that its 2,000
    steps and the fine-tuning of 3 seeds take a few minutes of one core (the char-transformer
    recipe's 4 x 128 model at context 128 would take over 10); Adam at 5e-4 for 30 epochs
    for both networks, fixed before measuring, not tuned on the test lines."""

    unlabelled_size: int = Field(20_000, ge=10, le=60_000)
    test_size: int = Field(10_000, ge=10, le=10_000)
    label_counts: list[int] = Field(default_factory=lambda: [100, 1000])
    seeds: int = Field(3, ge=1, le=100)
    code: int = Field(64, ge=1, le=4096)
    hidden: list[int] = Field(default_factory=lambda: [256])
    masking: float = Field(0.25, ge=0, lt=1)
    pretrain_epochs: int = Field(10, ge=1, le=1000)
    finetune_epochs: int = Field(50, ge=1, le=10_000)
    lr: float = Field(1e-3, gt=0, le=10)
    batch_size: int = Field(64, ge=1)
    # the pre-trained network's fine-tuning (procedures.transfer.fine_tune): its first
    # `frozen_layers` layers kept as pre-trained; `decay` > 1: discriminative rates, each
    # layer below the head at its upper neighbour's lr / decay (ULMFiT); None: one lr
    frozen_layers: int = Field(0, ge=0)
    decay: float | None = Field(None, gt=1, le=100)
    # which parts run: "denoising" (a), "speakers" (b)
    parts: list[Literal["denoising", "speakers"]] = Field(default_factory=lambda: list(PARTS))
    # part (b), speaker_data.py: the K most frequent speakers, the last speaker_test_fraction
    # of each one's lines held out (and cut out of the pre-training text); lines of at most
    # speaker_context characters
    speakers: int = Field(5, ge=2, le=100)
    speaker_test_fraction: float = Field(0.25, gt=0, lt=1)
    speaker_label_counts: list[int] = Field(default_factory=lambda: [50, 500])
    speaker_context: int = Field(64, ge=8, le=512)
    # the char-transformer language model, pre-trained once (shared by the seeds): options of
    # the `char-transformer` model and lm_epochs x lm_steps_per_epoch AdamW steps
    lm_dim: int = Field(64, ge=8, le=1024)
    lm_depth: int = Field(2, ge=1, le=24)
    lm_heads: int = Field(4, ge=1, le=32)
    lm_epochs: int = Field(4, ge=1, le=1000)
    lm_steps_per_epoch: int = Field(500, ge=1, le=100_000)
    lm_batch_size: int = Field(32, ge=1, le=4096)
    lm_lr: float = Field(2e-3, gt=0, le=1)
    lm_warmup_steps: int = Field(50, ge=0)
    # fine-tuning (pre-trained and from scratch alike): Adam, every layer
    speaker_epochs: int = Field(30, ge=1, le=10_000)
    speaker_lr: float = Field(5e-4, gt=0, le=1)
    speaker_batch_size: int = Field(32, ge=1)
    # True: only the new head trains (a linear probe of the features), for both networks
    speaker_linear_probe: bool = False

    @model_validator(mode="after")
    def _speaker_settings_fit(self) -> PretrainFinetuneConfig:
        if not self.parts:
            raise ValueError(f"parts is empty; give some of {list(PARTS)}.")
        if not self.speaker_label_counts:
            raise ValueError("speaker_label_counts is empty; give at least one, e.g. [50, 500].")
        for count in self.speaker_label_counts:
            if count < self.speakers or count % self.speakers:
                raise ValueError(
                    f"speaker_label_counts holds {count}: each count must be a multiple of "
                    f"speakers ({self.speakers}), the same number of labelled lines per speaker, "
                    f"and at least {self.speakers}."
                )
        if self.lm_dim % self.lm_heads:
            raise ValueError(
                f"lm_heads ({self.lm_heads}) must divide lm_dim ({self.lm_dim}); e.g. lm_dim=64 "
                "with lm_heads=4."
            )
        if self.lm_warmup_steps > self.lm_epochs * self.lm_steps_per_epoch:
            raise ValueError(
                f"lm_warmup_steps ({self.lm_warmup_steps}) is longer than the pre-training "
                f"(lm_epochs x lm_steps_per_epoch = {self.lm_epochs * self.lm_steps_per_epoch} "
                "steps); lower it."
            )
        return self

    @model_validator(mode="after")
    def _label_counts_fit(self) -> PretrainFinetuneConfig:
        if not self.label_counts:
            raise ValueError("label_counts is empty; give at least one, e.g. [100, 1000].")
        for count in self.label_counts:
            if count < 10 or count % 10 or count > self.unlabelled_size:
                raise ValueError(
                    f"label_counts holds {count}: each count must be a multiple of 10 (the same "
                    f"number of labels per class), >= 10 and <= unlabelled_size "
                    f"({self.unlabelled_size}), since the labelled images are drawn from them."
                )
        if self.frozen_layers > len(self.hidden) + 1:
            raise ValueError(
                f"frozen_layers={self.frozen_layers} but the encoder has "
                f"{len(self.hidden) + 1} layers (hidden {self.hidden} and the code); choose "
                f"at most {len(self.hidden) + 1} so that the head trains."
            )
        if any(width < 1 for width in self.hidden):
            raise ValueError(f"hidden widths must be >= 1; got {self.hidden}.")
        return self

    def seed_list(self) -> list[int]:
        from learnlab.recipes.seeds import seed_values

        return seed_values(self.seed, self.seeds)
