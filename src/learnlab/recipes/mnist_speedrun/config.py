"""The mnist-speedrun recipe's settings (the defaults are the measured speedrun), the checks
across them, and the `learnlab train` configuration of each seed's run."""

from __future__ import annotations

from pydantic import Field, field_validator

from learnlab.config import DataSettings, TrainConfig
from learnlab.io.errors import ConfigError


class MnistSpeedrunConfig(DataSettings):
    # Not a DataRecipeConfig: that has one `seed`, and this recipe runs a list of them
    # (`seeds`), so a single seed is refused as an unknown key rather than silently ignored.
    epochs: int = Field(1, ge=1, le=50)
    batch_size: int = Field(128, ge=1)
    lr: float = Field(0.01, gt=0, le=1)
    # not strict: TOML and JSON give a list for the pair
    betas: tuple[float, float] = Field((0.7, 0.9), strict=False)
    pct_start: float = Field(0.25, gt=0, lt=1)
    channels: list[int] = Field(default_factory=lambda: [12, 24], min_length=1)
    kernel_sizes: list[int] = Field(default_factory=lambda: [5, 3], min_length=1)
    hidden: int = Field(128, ge=0)
    batch_norm: bool = True
    augment_translate: int = Field(0, ge=0, le=8)
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    target_accuracy: float = Field(0.99, gt=0, le=1)
    limit_train: int | None = Field(None, ge=1)

    @field_validator("betas")
    @classmethod
    def _betas(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not all(0 <= b < 1 for b in v):
            raise ValueError(f"betas must be two numbers in [0, 1), e.g. [0.7, 0.9]; got {v}")
        return v

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int]) -> list[int]:
        if any(s < 0 for s in v) or len(set(v)) != len(v):
            raise ValueError(f"seeds must be distinct integers >= 0, e.g. [0, 1, 2]; got {v}")
        return v


def check(config: MnistSpeedrunConfig) -> None:
    """What the field ranges cannot say, raised before anything is written: one kernel size
    per channel count, and model options the speedrun CNN accepts."""
    from learnlab.models import build_model

    if len(config.channels) != len(config.kernel_sizes):
        raise ConfigError(
            f"channels and kernel_sizes need one entry per convolution stage; got "
            f"{config.channels} and {config.kernel_sizes}."
        )
    first = train_config(config, config.seeds[0])
    build_model(first.model, (1, 28, 28), 10, **first.model_options)


def train_config(config: MnistSpeedrunConfig, seed: int) -> TrainConfig:
    """The `learnlab train` configuration of one seed's run: all 60,000 training images, no
    validation split."""
    return TrainConfig(
        dataset="mnist",
        model="speedrun-cnn",
        model_options={
            "channels": list(config.channels),
            "kernel_sizes": list(config.kernel_sizes),
            "hidden": config.hidden,
            "batch_norm": config.batch_norm,
        },
        optimizer="adam",
        optimizer_options={"betas": list(config.betas)},
        lr=config.lr,
        # Adam's beta1 stays fixed: one-cycle would otherwise cycle it between 0.85 and 0.95
        schedule="onecycle",
        schedule_options={"pct_start": config.pct_start, "cycle_momentum": False},
        epochs=config.epochs,
        batch_size=config.batch_size,
        seed=seed,
        val_fraction=0.0,
        limit_train=config.limit_train,
        augment_translate=config.augment_translate,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
    )


def train_configs(config: MnistSpeedrunConfig) -> list[TrainConfig]:
    """Every seed's run, after the checks (what `--dry-run` validates)."""
    check(config)
    return [train_config(config, seed) for seed in config.seeds]
