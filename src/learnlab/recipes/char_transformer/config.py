"""The char-transformer recipe's settings; the defaults are the measured recipe."""

from __future__ import annotations

from pydantic import Field

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import ConfigError

# The time half of the target: the language model's training loop (train_seconds, not the
# evaluations or the sample) within 10 minutes on 2 CPU cores.
TARGET_TRAIN_SECONDS = 600.0
TARGET_THREADS = 2


class CharTransformerConfig(DataRecipeConfig):
    """Part 1 (the language model), its training and sample, then part 2 (the encoder)."""

    # the language model
    context: int = Field(128, ge=2, le=1024)
    dim: int = Field(128, ge=8, le=1024)
    depth: int = Field(4, ge=1, le=24)
    heads: int = Field(4, ge=1, le=32)
    dropout: float = Field(0.0, ge=0, lt=1)
    # its training: epochs x steps_per_epoch optimizer steps, evaluated after every epoch
    batch_size: int = Field(32, ge=1, le=4096)
    epochs: int = Field(6, ge=1, le=1000)
    steps_per_epoch: int = Field(250, ge=1, le=100_000)
    lr: float = Field(2e-3, gt=0, le=1)
    warmup_steps: int = Field(75, ge=0)
    min_lr_fraction: float = Field(0.1, ge=0, le=1)
    weight_decay: float = Field(0.1, ge=0, le=1)
    beta2: float = Field(0.99, gt=0, lt=1)
    grad_clip: float = Field(1.0, gt=0)
    eval_batch_size: int = Field(64, ge=1)
    # the text sample
    sample_prompt: str = Field("ROMEO:", min_length=1, max_length=200)
    sample_chars: int = Field(500, ge=0, le=100_000)
    temperature: float = Field(0.8, ge=0, le=10)
    top_k: int | None = Field(None, ge=1)
    target_val_loss: float = Field(1.80, gt=0)
    # for quick runs: use only the first characters of each split
    limit_train_chars: int | None = Field(None, ge=2)
    limit_val_chars: int | None = Field(None, ge=2)
    # the encoder task
    encoder_length: int = Field(8, ge=2, le=512)
    encoder_vocab: int = Field(4, ge=2, le=1000)
    encoder_train: int = Field(8000, ge=1)
    encoder_test: int = Field(2000, ge=1)
    encoder_dim: int = Field(64, ge=4, le=1024)
    encoder_depth: int = Field(2, ge=1, le=12)
    encoder_heads: int = Field(4, ge=1, le=32)
    encoder_epochs: int = Field(10, ge=1, le=1000)
    encoder_batch_size: int = Field(64, ge=1)
    encoder_lr: float = Field(1e-3, gt=0, le=1)

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch


def check(config: CharTransformerConfig) -> None:
    """What the field ranges cannot say: the options that must agree with each other. (The
    prompt is checked against the text's vocabulary when the text is loaded, also before
    anything is written.)"""
    for dim_key, heads_key in (("dim", "heads"), ("encoder_dim", "encoder_heads")):
        dim, heads = getattr(config, dim_key), getattr(config, heads_key)
        if dim % heads:
            raise ConfigError(
                f"{heads_key} ({heads}) must divide {dim_key} ({dim}); e.g. {dim_key}=128 "
                f"with {heads_key}=4."
            )
    if config.warmup_steps > config.total_steps:
        raise ConfigError(
            f"warmup_steps ({config.warmup_steps}) is longer than the run (epochs x "
            f"steps_per_epoch = {config.total_steps} steps); lower it."
        )
