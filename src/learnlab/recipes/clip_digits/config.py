"""The clip-digits recipe's settings."""

from __future__ import annotations

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig


class ClipDigitsConfig(DataRecipeConfig):
    """Digits (8x8) paired with captions; the `held_out` digits are never captioned (nor their
    images used) in training. `seeds` runs from `seed`."""

    held_out: list[int] = Field(default_factory=lambda: [2, 7], min_length=2, max_length=5)
    seeds: int = Field(5, ge=1, le=100)
    embed_dim: int = Field(64, ge=2, le=4096)
    hidden: int = Field(256, ge=1, le=10_000)
    epochs: int = Field(30, ge=1, le=10_000)
    batch_size: int = Field(128, ge=2)
    lr: float = Field(1e-3, gt=0, le=10)
    # captions drawn (with replacement from the digit's templates) per training image
    caption_draws: int = Field(2, ge=1, le=20)
    limit_train: int | None = Field(None, ge=10)

    @field_validator("held_out")
    @classmethod
    def _digits(cls, v: list[int]) -> list[int]:
        from learnlab.recipes.clip_digits.captions import SEGMENT_WORDS, words_of

        if len(set(v)) != len(v) or not all(0 <= d <= 9 for d in v):
            raise ValueError(f"held_out must be 2 to 5 distinct digits 0-9, e.g. [2, 7]; got {v}")
        seen = [d for d in range(10) if d not in v]
        missing = sorted(SEGMENT_WORDS - words_of(seen))
        if missing:
            raise ValueError(
                f"held_out={v}: segment word(s) {missing} appear only in held-out captions, so "
                "their descriptions could not be read; hold out other digits."
            )
        return sorted(v)

    def seed_list(self) -> list[int]:
        from learnlab.recipes.seeds import seed_values

        return seed_values(self.seed, self.seeds)
