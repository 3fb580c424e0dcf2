"""The double-descent reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig

PARTS = ("mnist1d", "rff")


def notebook_widths() -> list[int]:
    """np.unique(np.geomspace(2, 300, 20, dtype=int)): 19 widths from 2 to 300."""
    from learnlab.scale.padded_widths import geometric_widths

    return geometric_widths(2, 300, 20)


class DoubleDescentConfig(DataRecipeConfig):
    """(a) MLP widths on MNIST-1D with label noise (the mnist1d notebook); (b) random Fourier
    features with the min-norm least-squares fit on an MNIST subset (Belkin et al. 2019).
    `seed` draws the label noise, the networks (width H: seed + H), the MNIST subset and the
    random features."""

    parts: list[Literal["mnist1d", "rff"]] = Field(default_factory=lambda: list(PARTS))
    # (a): the notebook's settings
    label_noise: float = Field(0.15, ge=0, le=1)  # probability of replacing a training label
    widths: list[int] = Field(default_factory=notebook_widths)
    epochs: int = Field(500, ge=1, le=100_000)
    batch_size: int = Field(100, ge=1)
    lr: float = Field(0.01, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)
    mnist1d_samples: int = Field(16_000, ge=20)  # generated signals, split as below
    mnist1d_train_split: float = Field(0.25, gt=0, lt=1)
    # (b): n training and test images, the features' bandwidth sigma, and the numbers of
    # features as multiples of n
    rff_train_size: int = Field(2_000, ge=2, le=60_000)
    rff_test_size: int = Field(10_000, ge=1, le=10_000)
    rff_bandwidth: float = Field(5.0, gt=0)
    rff_feature_ratios: list[float] = Field(
        default_factory=lambda: [0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0]
    )

    @field_validator("parts")
    @classmethod
    def _some_part(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError(f"parts is empty: give one or both of {list(PARTS)}")
        return v

    @field_validator("widths")
    @classmethod
    def _positive_widths(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("widths is empty: give the hidden widths H, e.g. [2, 16, 64, 300]")
        if any(w < 1 for w in v):
            raise ValueError(f"widths must be positive integers (hidden units), got {v}")
        if len(set(v)) != len(v):
            raise ValueError(f"widths must be distinct, got {v}")
        return sorted(v)

    @field_validator("rff_feature_ratios")
    @classmethod
    def _ratios(cls, v: list[float]) -> list[float]:
        if not v or any(r <= 0 for r in v) or 1.0 not in v:
            raise ValueError(
                "rff_feature_ratios must be positive multiples of n including 1.0 (the "
                f"interpolation threshold N = n), e.g. [0.5, 1.0, 2.0]; got {v}"
            )
        return sorted(v)

    def feature_counts(self) -> list[int]:
        """The numbers of features N: the ratios times n, rounded (N = n exactly at 1.0)."""
        return sorted({max(1, round(r * self.rff_train_size)) for r in self.rff_feature_ratios})
