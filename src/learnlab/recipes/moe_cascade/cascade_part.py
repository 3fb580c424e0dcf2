"""The cascade part of the moe-cascade recipe: detect one MNIST digit (about 10% positives).

A cheap stage (an MLP with 16 hidden units, or logistic regression) has its threshold set on a
validation split for a target recall (99%); an expensive stage (the speedrun CNN) sees only
the examples the cheap stage lets through (Viola & Jones 2001; `learnlab.metrics.cascade`).
On the test set the cascade is compared with each stage alone: precision, recall and F1 of the
positive class (`learnlab.metrics.scores`), the fraction of examples that reach the
expensive model, FLOPs per example (torch's FlopCounterMode) and measured time.
"""

from __future__ import annotations

import time

import torch
from pydantic import Field

from learnlab.config import StrictModel
from learnlab.recipes.moe_cascade.part import PartResult


class CascadeConfig(StrictModel):
    """Settings of the cascade part; the defaults are the recipe's."""

    positive_digit: int = Field(3, ge=0, le=9)
    target_recall: float = Field(0.99, gt=0, le=1)
    # the cheap stage: an MLP with one hidden layer of this width (0: logistic regression)
    cheap_hidden: int = Field(16, ge=0, le=4096)
    cheap_epochs: int = Field(2, ge=1, le=100)
    expensive_epochs: int = Field(2, ge=1, le=100)
    batch_size: int = Field(128, ge=1, le=65536)
    lr: float = Field(0.002, gt=0, le=1)
    val_size: int = Field(5000, ge=100, le=30000)
    limit_train: int | None = Field(None, ge=100)
    limit_test: int | None = Field(None, ge=100)  # tests only: the first n test images
    timing_repeats: int = Field(3, ge=1, le=20)
    seed: int = Field(0, ge=0)
    data_root: str | None = None
    download: bool = True
    progress: bool = True


def _positive_probability(model):
    """Scorer: the model's softmax probability of class 1, in eval mode, without a graph."""
    from learnlab.recipes.moe_cascade.training import predict

    def score(x: torch.Tensor) -> torch.Tensor:
        return predict(model, x).softmax(dim=1)[:, 1]

    return score


def flops_per_example(model, example_shape: tuple[int, ...]) -> int:
    """Forward FLOPs of one example (torch.utils.flop_counter counts matmuls and convs)."""
    from torch.utils.flop_counter import FlopCounterMode

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, *example_shape))
    finally:
        model.train(was_training)
    return int(counter.get_total_flops())


def _best_seconds(call, repeats: int):
    """The fastest of `repeats` calls (the least disturbed by other processes), and its value."""
    best, value = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        value = call()
        best = min(best, time.perf_counter() - started)
    return best, value


def run_part(config: CascadeConfig, *, console) -> PartResult:
    from learnlab.metrics.cascade import Cascade, sweep_thresholds, threshold_for_recall
    from learnlab.metrics.scores import precision_recall_fscore
    from learnlab.models import build_model
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.recipes.moe_cascade.training import fit, load_mnist

    data = load_mnist(
        config.data_root,
        config.download,
        val_size=config.val_size,
        limit_train=config.limit_train,
        seed=config.seed,
    )

    def binary(y: torch.Tensor) -> torch.Tensor:
        return (y == config.positive_digit).to(torch.int64)

    x_test, y_test = data.test.x[: config.limit_test], binary(data.test.y[: config.limit_test])
    y_train, y_val = binary(data.train.y), binary(data.val.y)
    shape = tuple(data.train.x.shape[1:])
    stages = {}
    cheap_options = {"depth": 1 if config.cheap_hidden else 0, "width": max(1, config.cheap_hidden)}
    for key, family, options, epochs in (
        ("cheap", "mlp", cheap_options, config.cheap_epochs),
        ("expensive", "speedrun-cnn", {}, config.expensive_epochs),
    ):
        console.print(f"[bold]cascade[/]: training the {key} stage ({family})")
        torch.manual_seed(config.seed)
        model = build_model(family, shape, 2, **options)
        fit(
            model,
            CrossEntropy(),
            data.train.x,
            y_train,
            epochs=epochs,
            batch_size=config.batch_size,
            lr=config.lr,
            seed=config.seed,
            console=console,
            progress=config.progress,
        )
        stages[key] = model
    cheap, expensive = (_positive_probability(stages[k]) for k in ("cheap", "expensive"))
    threshold = threshold_for_recall(cheap(data.val.x), y_val, config.target_recall)
    cascade = Cascade(cheap, expensive, cheap_threshold=threshold, expensive_threshold=0.5)

    t_cheap, cheap_scores = _best_seconds(lambda: cheap(x_test), config.timing_repeats)
    t_expensive, expensive_scores = _best_seconds(lambda: expensive(x_test), config.timing_repeats)
    t_cascade, out = _best_seconds(lambda: cascade.predict(x_test), config.timing_repeats)
    flops = {k: flops_per_example(m, shape) for k, m in stages.items()}
    fraction = out.expensive_fraction
    cascade_flops = flops["cheap"] + fraction * flops["expensive"]

    def scores(prediction: torch.Tensor) -> dict[str, float]:
        return precision_recall_fscore(y_test, prediction, 2, average="binary")

    systems = [
        ("cheap alone (threshold 0.5)", (cheap_scores >= 0.5).long(), 0.0, flops["cheap"], t_cheap),
        ("expensive alone", (expensive_scores >= 0.5).long(), 1.0, flops["expensive"], t_expensive),
        (
            f"cascade (cheap threshold {threshold:.3g})",
            out.prediction,
            fraction,
            cascade_flops,
            t_cascade,
        ),
    ]
    rows = []
    for label, prediction, reach, flop, seconds in systems:
        s = scores(prediction)
        rows.append(
            {
                "system": label,
                "precision": f"{100 * s['precision']:.2f}%",
                "recall": f"{100 * s['recall']:.2f}%",
                "F1": f"{100 * s['fscore']:.2f}%",
                "reach the expensive model": f"{100 * reach:.1f}%",
                "FLOPs / example": f"{flop:,.0f}",
                "test-set ms": round(1000 * seconds, 1),
            }
        )
    result = PartResult()
    result.tables[f"Cascade: is it a {config.positive_digit}? (test set)"] = rows
    cascade_scores, expensive_alone, cheap_alone = (scores(s[1]) for s in reversed(systems))
    result.summary.update(
        {
            "cascade_positive_digit": config.positive_digit,
            "cascade_target_recall": config.target_recall,
            "cascade_cheap_threshold": threshold,
            "cascade_precision": cascade_scores["precision"],
            "cascade_recall": cascade_scores["recall"],
            "cascade_f1": cascade_scores["fscore"],
            "cascade_expensive_fraction": fraction,
            "cascade_flops_fraction": cascade_flops / flops["expensive"],
            "cascade_seconds": t_cascade,
            "cascade_expensive_alone_seconds": t_expensive,
            "cascade_expensive_alone_precision": expensive_alone["precision"],
            "cascade_expensive_alone_recall": expensive_alone["recall"],
            "cascade_expensive_alone_f1": expensive_alone["fscore"],
            "cascade_cheap_alone_precision": cheap_alone["precision"],
            "cascade_cheap_alone_recall": cheap_alone["recall"],
            "cascade_cheap_alone_f1": cheap_alone["fscore"],
        }
    )
    grid = torch.quantile(cheap_scores.double(), torch.linspace(0, 0.995, 200, dtype=torch.float64))
    grid = grid.clamp(min=1e-6).unique()  # drawn on a log axis
    sweep = sweep_thresholds(cheap_scores.double(), expensive_scores >= 0.5, y_test, grid)
    result.figures["Cheap stage threshold: recall and the share reaching the expensive model"] = (
        _sweep_figure(sweep, threshold)
    )
    result.notes.append(
        f"Cascade: digit {config.positive_digit} against the rest "
        f"({100 * y_test.double().mean():.1f}% positives in the test set). The cheap stage's "
        f"threshold {threshold:.3g} keeps "
        f"{100 * config.target_recall:g}% recall on {len(y_val)} validation images; on the test "
        f"set {100 * fraction:.1f}% of the images reach the expensive CNN, for "
        f"{100 * cascade_flops / flops['expensive']:.1f}% of its FLOPs. Times are the best of "
        f"{config.timing_repeats} passes over the {len(y_test)} test images."
    )
    return result


def _sweep_figure(sweep: dict[str, torch.Tensor], chosen: float):
    from learnlab.recipes.moe_cascade.training import new_figure

    fig = new_figure(7, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    t = sweep["threshold"].numpy()
    ax.plot(t, sweep["cheap_recall"].numpy(), label="cheap stage recall")
    ax.plot(t, sweep["cascade_recall"].numpy(), label="cascade recall")
    ax.plot(t, sweep["fraction_to_expensive"].numpy(), label="fraction to the expensive model")
    ax.axvline(max(chosen, 1e-6), color="black", linestyle="--", linewidth=0.8, label="chosen")
    ax.set_xscale("log")
    ax.set_xlabel("cheap stage threshold (probability of the positive class)")
    ax.set_ylabel("fraction")
    ax.legend(fontsize=8)
    return fig
