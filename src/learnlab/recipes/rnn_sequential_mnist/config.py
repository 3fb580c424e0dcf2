"""The rnn-sequential-mnist recipe's settings, shared by the three models, and the `learnlab
train` configuration each model's run derives from them; the defaults are the recipe."""

from __future__ import annotations

from pydantic import Field

from learnlab.config import DataRecipeConfig, TrainConfig

# model name in the registry -> how the report names it, and where it comes from
MODELS: dict[str, str] = {
    "rnn": "Elman RNN (Elman 1990)",
    "lstm": "LSTM (Hochreiter & Schmidhuber 1997)",
    "gru": "GRU (Cho et al. 2014)",
}
# the models the target is about: test_accuracy is the better of these two
GATED = ("lstm", "gru")


class RnnSequentialMnistConfig(DataRecipeConfig):
    hidden: int = Field(128, ge=1, le=2048)
    epochs: int = Field(8, ge=1, le=100)
    batch_size: int = Field(128, ge=1, le=60_000)
    lr: float = Field(2e-3, gt=0, le=1)
    grad_clip: float | None = Field(1.0, gt=0)
    # always > 0: the validation curves, and the choice of the defaults, use the split
    val_fraction: float = Field(0.1, gt=0, lt=1)
    target_accuracy: float = Field(0.97, gt=0, le=1)
    limit_train: int | None = Field(None, ge=1)
    # each model's trivial baselines (seconds of fitting each): false for quick checks
    baselines: bool = True


def train_config(config: RnnSequentialMnistConfig, model: str) -> TrainConfig:
    """The `learnlab train` configuration of one model's run: only the cell differs."""
    return TrainConfig(
        dataset="mnist",
        model=model,
        model_options={"hidden": config.hidden},
        optimizer="adam",
        lr=config.lr,
        schedule="cosine",
        epochs=config.epochs,
        batch_size=config.batch_size,
        seed=config.seed,
        val_fraction=config.val_fraction,
        grad_clip=config.grad_clip,
        limit_train=config.limit_train,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
        baselines=config.baselines,
    )


def train_configs(config: RnnSequentialMnistConfig) -> list[TrainConfig]:
    """The three runs, in the order they train (what `--dry-run` checks)."""
    return [train_config(config, model) for model in MODELS]
