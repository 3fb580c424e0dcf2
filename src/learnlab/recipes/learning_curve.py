"""learning-curve: error against training-set size, a fitted power law, and the data a target
error would need (lecture 004: "plot performance for different amounts of data to extrapolate
how much is needed"; the law is that of learnlab.analysis.learning_curve).

One `run_training` run per size n (a full run directory each, kept out of the run index):
the first n examples of the seeded shuffle of the training set, so the subsets are nested, and
one validation split held out before, shared by every size. Each size trains for the same
number of optimizer steps at least (`min_steps`; more epochs on small subsets), so a small
subset is not also an under-trained one. The power law is fitted to the validation errors (the
test set plays no part in the fit and is reported beside it).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from learnlab.config import StrictModel, TrainConfig
from learnlab.io.errors import ConfigError
from learnlab.recipes.registry import register_recipe

NAME = "learning-curve"


class LearningCurveConfig(StrictModel):
    """The recipe's settings: the data set and model of every point, and the sizes."""

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
    seed: int = Field(0, ge=0)
    data_root: str | None = None
    download: bool = True
    progress: bool = False

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
    train_configs=lambda config: [
        point_config(config, size) for size in (config.sizes or [config.smallest])
    ],
)
def run(config: LearningCurveConfig, *, run_dir=None, resume=None, console=None):
    from rich.console import Console
    from rich.progress import Progress

    from learnlab import runs
    from learnlab.analysis.learning_curve import fit_power_law
    from learnlab.pipeline import Outcome, run_training
    from learnlab.report.html import write_report
    from learnlab.report.learning_curve_plot import learning_curve_figure

    if resume is not None:
        raise ConfigError(f"recipe {NAME!r} cannot be resumed; run it again without --resume.")
    console = console or Console(stderr=True)
    point_config(config, 1)  # a bad dataset/model/optimizer name fails before any work
    sizes = _sizes(config, _available(config))
    parent = runs.choose_run_dir(f"{NAME}-{config.dataset}-{Path(config.model).stem}", run_dir)
    parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("learning curve", total=len(sizes))
        for size in sizes:
            progress.update(task, description=f"n = {size:,}")
            outcome = run_training(
                point_config(config, size),
                run_dir=parent / f"n-{size}",
                console=Console(stderr=True, quiet=True),
                title=f"{NAME}, n = {size}",
                index=False,
                report=False,  # the recipe's report is the curve; `learnlab report` draws a point's
            )
            s = outcome.summary
            rows.append(
                {
                    "n": size,
                    "epochs": s["epochs_completed"],
                    "val_error": 1.0 - s["val_accuracy"],
                    "test_error": 1.0 - s["test_accuracy"],
                    "train_error": 1.0 - s["train_accuracy"],
                    "train_seconds": s["train_seconds"],
                    "run_dir": outcome.run_dir.name,
                }
            )
            row = rows[-1]
            console.print(
                f"  n = {size:>6,}: {row['epochs']:>3} epochs, validation error "
                f"{100 * row['val_error']:.2f}%, test error {100 * row['test_error']:.2f}%"
            )
            progress.advance(task)
    fit = fit_power_law([r["n"] for r in rows], [r["val_error"] for r in rows])
    needed = fit.size_for_error(config.target_error)
    summary: dict[str, Any] = {
        "dataset": config.dataset,
        "model": config.model,
        "sizes": sizes,
        "fit_a": fit.a,
        "fit_b": fit.b,
        "fit_c": fit.c,
        "fit_b_stderr": fit.b_stderr,
        "fit_c_stderr": fit.c_stderr,
        "fit_rmse": fit.rmse,
        "target_error": config.target_error,
        # JSON has no infinity: null says the target lies at or below the asymptote
        "size_for_target_error": needed if math.isfinite(needed) else None,
        "largest_size_val_error": rows[-1]["val_error"],
        "largest_size_test_error": rows[-1]["test_error"],
        "train_seconds": sum(r["train_seconds"] for r in rows),
        "seed": config.seed,
        "points": rows,
    }
    runs.write_json(parent / runs.SUMMARY_FILE, summary)
    verdict = (
        f"A validation error of {100 * config.target_error:g}% needs about {needed:,.0f} "
        f"training examples by the fitted law ({needed / sizes[-1]:.1f} times the largest size)"
        f"; an extrapolation, as uncertain as the fit: b = {fit.b:.3f} ± {fit.b_stderr:.3f}, "
        f"c = {100 * fit.c:.2f}% ± {100 * fit.c_stderr:.2f}% (standard errors)."
        if math.isfinite(needed)
        else f"A validation error of {100 * config.target_error:g}% is at or below the fitted "
        f"asymptote c = {100 * fit.c:.2f}%: more data of this kind would not reach it with this "
        "model and training; a larger model or a better method is needed."
    )
    figure = learning_curve_figure(
        sizes,
        [r["val_error"] for r in rows],
        fit,
        target_error=config.target_error,
        other_errors={"test error": [r["test_error"] for r in rows]},
    )
    shown = {k: v for k, v in summary.items() if k not in ("points", "sizes")}
    report = write_report(
        parent,
        title=f"{NAME}: {config.model} on {config.dataset}",
        summary=shown,
        history=[],
        config=config.model_dump(),
        notes=[
            "err(n) = a n^-b + c fitted to the validation errors (Cortes et al. 1994; "
            "Hestness et al. 2017). Each size trains on the first n examples of one seeded "
            f"shuffle (nested subsets) for at least {config.min_steps} steps.",
            verdict,
        ],
        tables={"Error against training-set size": rows},
        extra_figures={"Learning curve": figure},
    )
    runs.append_to_index(
        parent,
        {
            "kind": NAME,
            "dataset": config.dataset,
            "model": config.model,
            "test_accuracy": 1.0 - rows[-1]["test_error"],
        },
    )
    console.print(
        f"[bold]{NAME}[/]: err(n) = {fit.a:.3g} n^-{fit.b:.3g} + {fit.c:.4f} "
        f"(rmse {fit.rmse:.2g}). {verdict}"
    )
    console.print(f"report: {report}")
    return Outcome(parent, summary, [])
