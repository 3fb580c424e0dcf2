"""The bias-variance recipe's settings; the defaults are the ones its docstring reports."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from learnlab.config import RecipeConfig

PARTS = ("polynomial", "features", "mlp")


class BiasVarianceConfig(RecipeConfig):
    """Three model families on known tasks with Gaussian noise of std `noise_std`: polynomials
    and MLPs on the 1-D task y = sin(pi x) + e, random Fourier features on a `feature_dim`-D
    task. `seed` draws the training sets, the test inputs, the features and the networks."""

    parts: list[Literal["polynomial", "features", "mlp"]] = Field(
        default_factory=lambda: list(PARTS)
    )
    noise_std: float = Field(0.3, ge=0, le=100)
    frequency: float = Field(1.0, gt=0, le=100)  # f(x) = sin(pi * frequency * x)
    test_points: int = Field(200, ge=1, le=100_000)
    # polynomials: fresh training sets of `train_size` points, Legendre degrees
    train_size: int = Field(40, ge=2, le=100_000)
    sets: int = Field(200, ge=2, le=100_000)
    degrees: list[int] = Field(default_factory=lambda: list(range(0, 13)))
    # random features: the d-D task sin(pi x.u), u = (1, ..., 1)/sqrt(d), x ~ U(-1, 1)^d;
    # numbers of features as multiples of train_size (1.0: the interpolation threshold)
    feature_dim: int = Field(5, ge=1, le=10_000)
    feature_bandwidth: float = Field(1.0, gt=0)
    feature_sets: int = Field(100, ge=2, le=100_000)
    feature_ratios: list[float] = Field(
        default_factory=lambda: [0.05, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2, 3, 5, 10, 25]
    )
    # MLPs: bootstrap resamples of one sample of train_size points; hidden widths
    resampling: Literal["fresh", "bootstrap"] = "bootstrap"
    mlp_sets: int = Field(20, ge=2, le=10_000)
    widths: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 6, 8, 12, 16, 32, 64])
    steps: int = Field(2000, ge=1, le=1_000_000)  # full-batch Adam steps
    lr: float = Field(0.01, gt=0, le=10)

    @field_validator("parts")
    @classmethod
    def _some_part(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError(f"parts is empty: give some of {list(PARTS)}")
        return v

    @field_validator("widths")
    @classmethod
    def _positive_widths(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("widths is empty: give the MLPs' hidden widths, e.g. [1, 4, 16, 64]")
        if any(w < 1 for w in v):
            raise ValueError(f"widths must be positive integers (hidden units), got {v}")
        return sorted(set(v))

    @field_validator("degrees")
    @classmethod
    def _degrees(cls, v: list[int]) -> list[int]:
        if len(v) < 3 or any(d < 0 for d in v):
            raise ValueError(
                f"degrees must be at least 3 integers >= 0, e.g. [0, 1, ..., 12]; got {v}"
            )
        return sorted(set(v))

    @field_validator("feature_ratios")
    @classmethod
    def _ratios(cls, v: list[float]) -> list[float]:
        if not v or any(r <= 0 for r in v) or 1.0 not in v:
            raise ValueError(
                "feature_ratios must be positive multiples of train_size including 1.0 (the "
                f"interpolation threshold), e.g. [0.5, 1.0, 2.0]; got {v}"
            )
        return sorted(v)

    @model_validator(mode="after")
    def _degrees_below_threshold(self) -> BiasVarianceConfig:
        if max(self.degrees) + 1 > self.train_size:
            raise ValueError(
                f"degrees go up to {max(self.degrees)}, past the interpolation threshold "
                f"(degree + 1 = train_size = {self.train_size}): random 1-D designs make those "
                "fits explode (Runge); the features part studies the threshold"
            )
        return self

    def feature_counts(self) -> list[int]:
        return sorted({max(1, round(r * self.train_size)) for r in self.feature_ratios})
