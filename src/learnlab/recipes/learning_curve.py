"""learning-curve: error against training-set size, a fitted power law, and the data a target
error would need (lecture 004: "plot performance for different amounts of data to extrapolate
how much is needed").

The law is err(n) = a n^-b + c of Cortes, Jackel, Solla, Vapnik & Denker (1994), "Learning
curves: asymptotic values and rate of convergence", and Hestness et al. (2017), "Deep learning
scaling is predictable, empirically"; the fit is learnlab.analysis.learning_curve's.

One `learnlab train` run per size n, each a part of the recipe's run directory (`n-<size>/`):
the first n examples of the seeded shuffle of the training set, so the subsets are nested, and
one validation split held out before, shared by every size. Each size trains for the same
number of optimizer steps at least (`min_steps`; more epochs on small subsets), so a small
subset is not also an under-trained one. The power law is fitted to the validation errors (the
test set plays no part in the fit and is reported beside it).

Resume: `--resume` keeps the sizes that finished and continues an unfinished one from the end
of its last epoch (the points checkpoint at the end of each epoch only).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig, TrainConfig
from learnlab.io.errors import ConfigError
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import FigureSpec, Result

if TYPE_CHECKING:
    from learnlab.analysis.learning_curve import PowerLawFit

NAME = "learning-curve"


class LearningCurveConfig(DataRecipeConfig):
    """The data set and model of every point, and the sizes."""

    dataset: str = "mnist"
    model: str = "mlp"
    model_options: dict[str, Any] = Field(default_factory=lambda: {"width": 256, "depth": 1})
    optimizer: str = "adam"
    lr: float = Field(1e-3, gt=0, le=10)
    batch_size: int = Field(128, ge=1)
    # None: `points` sizes spaced on a log scale from `smallest` to the whole training split
    sizes: list[int] | None = None
    smallest: int = Field(500, ge=1)
    points: int = Field(7, ge=4, le=30)
    min_steps: int = Field(1500, ge=1)
    min_epochs: int = Field(5, ge=1)
    max_epochs: int = Field(200, ge=1)
    target_error: float = Field(0.01, gt=0, lt=1)
    val_fraction: float = Field(0.1, gt=0, lt=1)
    progress: bool = False  # the points are seconds-long runs: a bar each would flood

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (len(set(v)) < 4 or min(v) < 1):
            raise ValueError(f"sizes needs at least 4 distinct sizes >= 1, got {v}")
        return sorted(set(v)) if v is not None else None


def epochs_for(config: LearningCurveConfig, size: int) -> int:
    """Enough epochs over `size` examples for `min_steps` steps, within [min_epochs,
    max_epochs]."""
    steps_per_epoch = math.ceil(size / config.batch_size)
    wanted = math.ceil(config.min_steps / steps_per_epoch)
    return min(config.max_epochs, max(config.min_epochs, wanted))


def point_config(config: LearningCurveConfig, size: int) -> TrainConfig:
    """The `learnlab train` configuration of the point with `size` training examples."""
    return TrainConfig(
        dataset=config.dataset,
        model=config.model,
        model_options=config.model_options,
        optimizer=config.optimizer,
        lr=config.lr,
        batch_size=config.batch_size,
        epochs=epochs_for(config, size),
        limit_train=size,
        val_fraction=config.val_fraction,
        seed=config.seed,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
        checkpoint_every_seconds=None,  # seconds-long runs: the final weights suffice
        baselines=False,  # the curve compares sizes, not the model with baselines
    )


def point_configs(config: LearningCurveConfig) -> list[TrainConfig]:
    """What `--dry-run` checks: the given sizes' runs, or the smallest one's (the other sizes
    depend on the data set's size, known once it is loaded)."""
    return [point_config(config, size) for size in (config.sizes or [config.smallest])]


def _sizes(config: LearningCurveConfig, available: int) -> list[int]:
    from learnlab.analysis.learning_curve import geometric_sizes

    if config.sizes is None:
        if config.smallest >= available:
            raise ConfigError(
                f"smallest={config.smallest} is not below the {available} training examples "
                f"of {config.dataset}; lower smallest or give sizes=[...]"
            )
        return geometric_sizes(config.smallest, available, config.points)
    if config.sizes[-1] > available:
        raise ConfigError(
            f"sizes go up to {config.sizes[-1]} but {config.dataset} has {available} training "
            "examples once the validation split is held out; lower the largest size"
        )
    return list(config.sizes)


def _available(config: LearningCurveConfig) -> int:
    from learnlab.pipeline import prepare_data

    probe = point_config(config, 1).model_copy(update={"limit_train": None})
    return len(prepare_data(probe).train)


@register_recipe(
    NAME,
    "error against training-set size on growing nested subsets, a fitted power law "
    "a n^-b + c, and the data a target error needs (MLP on MNIST by default)",
    LearningCurveConfig,
    train_configs=point_configs,
    quick={
        "dataset": "digits",
        "sizes": [60, 150, 400, 1000],
        "min_steps": 40,
        "model_options": {"width": 32, "depth": 1},
        "target_error": 0.05,
    },
)
def run(config: LearningCurveConfig, ctx: RunContext) -> Result:
    from learnlab.analysis.learning_curve import fit_power_law

    point_config(config, 1)  # a bad dataset/model/optimizer name fails before any work
    sizes = _sizes(config, _available(config))
    rows = [_train_point(config, ctx, size) for size in sizes]
    fit = fit_power_law([r["n"] for r in rows], [r["val_error"] for r in rows])
    return _result(config, rows, fit)


def _train_point(config: LearningCurveConfig, ctx: RunContext, size: int) -> dict[str, Any]:
    """Train the point of `size` examples (part `n-<size>`); its row of the table."""
    name = f"n-{size}"
    # no page per point (seconds of figures each): the curve is the result
    part = ctx.train(name, point_config(config, size), title=f"{NAME}, n = {size}", report=False)
    s = part.summary
    row = {
        "n": size,
        "epochs": s["epochs_completed"],
        "val_error": 1.0 - s["val_accuracy"],
        "test_error": 1.0 - s["test_accuracy"],
        "train_error": 1.0 - s["train_accuracy"],
        "train_seconds": s["train_seconds"],
        "run_dir": name,
    }
    ctx.console.print(
        f"  n = {size:>6,}: {row['epochs']:>3} epochs, validation error "
        f"{100 * row['val_error']:.2f}%, test error {100 * row['test_error']:.2f}%"
    )
    return row


def _result(config: LearningCurveConfig, rows: list[dict[str, Any]], fit: PowerLawFit) -> Result:
    from learnlab.report.learning_curve_plot import learning_curve_figure

    sizes = [r["n"] for r in rows]
    needed = fit.size_for_error(config.target_error)
    summary: dict[str, Any] = {
        "dataset": config.dataset,
        "model": config.model,
        "sizes": sizes,
        "fit_a": fit.a,
        "fit_b": fit.b,
        "fit_c": fit.c,
        "fit_a_stderr": fit.a_stderr,
        "fit_b_stderr": fit.b_stderr,
        "fit_c_stderr": fit.c_stderr,
        "fit_rmse": fit.rmse,
        # the points do not determine the law (analysis.learning_curve: b's relative standard
        # error over 50%, or no covariance): neither the data needed nor c can be read from it
        "fit_ill_determined": fit.ill_determined,
        "target_error": config.target_error,
        # JSON has no infinity: null says the target lies at or below the asymptote
        "size_for_target_error": needed if math.isfinite(needed) else None,
        "largest_size_val_error": rows[-1]["val_error"],
        "largest_size_test_error": rows[-1]["test_error"],
        "train_seconds": sum(r["train_seconds"] for r in rows),
        "seed": config.seed,
        "points": rows,
    }
    figure = {
        "sizes": sizes,
        "errors": [r["val_error"] for r in rows],
        # the law and its standard errors: the figure flags an ill-determined fit
        "fit": {k: getattr(fit, k) for k in ("a", "b", "c", "a_stderr", "b_stderr", "c_stderr")},
        "target_error": config.target_error,
        "other_errors": {"test error": [r["test_error"] for r in rows]},
    }
    verdict = fit_verdict(config, fit, needed, sizes[-1])
    return Result(
        kind=NAME,
        title=f"{NAME}: {config.model} on {config.dataset}",
        summary=summary,
        notes=[
            "err(n) = a n^-b + c fitted to the validation errors (Cortes et al. 1994; "
            "Hestness et al. 2017). Each size trains on the first n examples of one seeded "
            f"shuffle (nested subsets) for at least {config.min_steps} steps.",
            verdict,
        ],
        tables={"Error against training-set size": rows},
        figures=[FigureSpec("Learning curve", learning_curve_figure, figure)],
        index={
            "dataset": config.dataset,
            "model": config.model,
            "test_accuracy": 1.0 - rows[-1]["test_error"],
        },
        headline=f"[bold]{NAME}[/]: {fit.describe()} (rmse {fit.rmse:.2g}). {verdict}",
    )


def fit_verdict(config: LearningCurveConfig, fit: PowerLawFit, needed: float, largest: int) -> str:
    """What the fit says about the data a target error needs: nothing when it is
    ill-determined; a guess beyond MAX_EXTRAPOLATION times the largest size; else the number
    with the parameters' standard errors."""
    from learnlab.analysis.learning_curve import MAX_EXTRAPOLATION

    target = f"A validation error of {100 * config.target_error:g}%"
    if fit.ill_determined:
        return (
            f"The fit is ill-determined, {fit.describe()} (standard errors): "
            f"{'; '.join(fit.problems)}. Neither the data needed for a validation error of "
            f"{100 * config.target_error:g}% nor the error that no amount of data removes (c) "
            "can be read from it. Measure more sizes over a wider range (a decade or more), or "
            "average several seeds per size."
        )
    if not math.isfinite(needed):
        return (
            f"{target} is at or below the fitted asymptote c = {100 * fit.c:.2f}%: more data "
            "of this kind would not reach it with this model and training; a larger model or "
            "a better method is needed."
        )
    far = (
        f" That is over {MAX_EXTRAPOLATION:g} times the sizes measured: a guess, not a "
        "prediction; measure larger sizes before relying on it."
        if needed > MAX_EXTRAPOLATION * largest
        else ""
    )
    return (
        f"{target} needs about {needed:,.0f} training examples by the fitted law "
        f"({needed / largest:.1f} times the largest size); an extrapolation, as uncertain as "
        f"the fit: b = {fit.b:.3f} ± {fit.b_stderr:.3f}, c = {100 * fit.c:.2f}% ± "
        f"{100 * fit.c_stderr:.2f}% (standard errors).{far}"
    )
