"""The cascade part of the moe-cascade recipe: detect one MNIST digit (about 10% positives).

A cheap stage (an MLP with 16 hidden units, or logistic regression) has its threshold set on a
validation split for a target recall (99%); an expensive stage (the speedrun CNN) sees only
the examples the cheap stage lets through (Viola & Jones 2001; `learnlab.metrics.cascade`).
On the test set the cascade is compared with each stage alone: precision, recall and F1 of the
positive class (`learnlab.metrics.scores`), the fraction of examples that reach the
expensive model, FLOPs per example (torch's FlopCounterMode) and measured time; and at
inference (inference.py, `learnlab.deploy.inference_cost`): accuracy, FLOPs and milliseconds
per example of each, with what the cascade saves against the expensive model alone. The
cheap stage's recall on the validation images (at least the target by construction) is
reported beside the test set's.
"""

from __future__ import annotations

import time
from typing import Any

import torch
from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig, StrictModel
from learnlab.result import FigureSpec, Result, percent


class CascadeConfig(StrictModel):
    """Settings of the cascade part; the defaults are the recipe's (the seed, the data and the
    progress switch are the recipe's own, `shared`)."""

    positive_digit: int = Field(3, ge=0, le=9)
    target_recall: float = 0.99  # checked by `_recall_fraction`, whose message says more
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

    @field_validator("target_recall")
    @classmethod
    def _recall_fraction(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError(
                "cascade.target_recall must be in (0, 1]: the share of the validation "
                "positives the cheap stage must keep (e.g. 0.99); set it to such a fraction"
            )
        return value


def _positive_probability(model):
    """Scorer: the model's softmax probability of class 1, in eval mode, without a graph."""
    from learnlab.recipes.moe_cascade.training import predict

    def score(x: torch.Tensor) -> torch.Tensor:
        return predict(model, x).softmax(dim=1)[:, 1]

    return score


def run_cascade(config: CascadeConfig, shared: DataRecipeConfig, console) -> Result:
    """Train both stages, set the cheap stage's threshold on the validation split, and compare
    the cascade with each stage alone on the test set."""
    from learnlab.metrics.cascade import Cascade, threshold_for_recall
    from learnlab.recipes.moe_cascade.training import load_mnist, part_settings

    started = time.perf_counter()
    data = load_mnist(
        shared.data_root,
        shared.download,
        val_size=config.val_size,
        limit_train=config.limit_train,
        seed=shared.seed,
    )

    def binary(y: torch.Tensor) -> torch.Tensor:
        return (y == config.positive_digit).to(torch.int64)

    x_test, y_test = data.test.x[: config.limit_test], binary(data.test.y[: config.limit_test])
    y_val = binary(data.val.y)
    stages = _train_stages(config, shared, data.train.x, binary(data.train.y), console)
    cheap, expensive = (_positive_probability(stages[k]) for k in ("cheap", "expensive"))
    val_scores = cheap(data.val.x)
    threshold = threshold_for_recall(val_scores, y_val, config.target_recall)
    cascade = Cascade(cheap, expensive, cheap_threshold=threshold, expensive_threshold=0.5)
    cheap_scores, expensive_scores = cheap(x_test), expensive(x_test)
    out = cascade.predict(x_test)
    systems, infer_summary, infer_tables = _inference(
        config, cascade, (cheap_scores, expensive_scores), out, x_test, y_test
    )
    fraction, cascade_flops, flops_expensive = out.expensive_fraction, systems[2][3], systems[1][3]
    scores = [_scores(y_test, s[1]) for s in systems]
    summary = _summary(
        config,
        threshold,
        scores,
        (fraction, cascade_flops / flops_expensive),
        (systems[2][4], systems[1][4]),
    )
    # the cheap stage's recall on the validation images its threshold was chosen on
    summary["cascade_val_recall"] = float((val_scores[y_val == 1] >= threshold).double().mean())
    summary.update(infer_summary)
    summary["seconds"] = time.perf_counter() - started
    return Result(
        kind="moe-cascade/cascade",
        title=f"A cascade of a cheap and an expensive classifier: is it a {config.positive_digit}?",
        summary=summary,
        config=part_settings(config, shared),
        notes=[_note(config, summary, y_test, len(y_val)), _inference_note(summary)],
        tables={
            f"Cascade: is it a {config.positive_digit}? (test set)": _rows(systems, scores),
            **infer_tables,
        },
        figures=[
            _sweep_spec(
                cheap_scores, expensive_scores, y_test, threshold, systems[0][3] / flops_expensive
            )
        ],
    )


def _inference(config: CascadeConfig, cascade, test_scores: tuple, out, x_test, y_test):
    """The cheap stage (threshold 0.5), the expensive one and the cascade measured at
    inference (`test_scores`: the two stages' scores on x_test; `out`: the cascade's output):
    (label, decisions, share reaching the expensive model, FLOPs per example, best seconds of
    a test-set pass) per system, and the inference summary keys and tables."""
    from learnlab.recipes.moe_cascade.inference import cascade_inference

    keys = ("cheap", "expensive", "cascade")
    labels = {
        "cheap": "cheap alone (threshold 0.5)",
        "expensive": "expensive alone",
        "cascade": f"cascade (cheap threshold {cascade.cheap_threshold:.3g})",
    }
    decisions = {
        "cheap": (test_scores[0] >= 0.5).long(),
        "expensive": (test_scores[1] >= 0.5).long(),
        "cascade": out.prediction,
    }
    forwards = {"cheap": cascade.cheap, "expensive": cascade.expensive, "cascade": cascade.predict}
    costs, summary, tables = cascade_inference(
        forwards, decisions, labels, x_test, y_test, config.timing_repeats
    )
    fraction = out.expensive_fraction
    flops = {"cheap": costs["cheap"].flops, "expensive": costs["expensive"].flops}
    flops["cascade"] = flops["cheap"] + fraction * flops["expensive"]
    reach = {"cheap": 0.0, "expensive": 1.0, "cascade": fraction}
    systems = [
        (labels[k], decisions[k], reach[k], flops[k], costs[k].seconds_min * len(x_test))
        for k in keys
    ]
    return systems, summary, tables


def _train_stages(
    config: CascadeConfig, shared: DataRecipeConfig, x: torch.Tensor, y: torch.Tensor, console
) -> dict:
    """The cheap stage (an MLP, or logistic regression) and the expensive one (the speedrun
    CNN), each trained from `torch.manual_seed(seed)` on the binary labels `y`."""
    from learnlab.models import build_model
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.recipes.moe_cascade.training import fit

    stages = {}
    cheap_options = {"depth": 1 if config.cheap_hidden else 0, "width": max(1, config.cheap_hidden)}
    for key, family, options, epochs in (
        ("cheap", "mlp", cheap_options, config.cheap_epochs),
        ("expensive", "speedrun-cnn", {}, config.expensive_epochs),
    ):
        console.print(f"[bold]cascade[/]: training the {key} stage ({family})")
        torch.manual_seed(shared.seed)
        model = build_model(family, tuple(x.shape[1:]), 2, **options)
        fit(
            model,
            CrossEntropy(),
            x,
            y,
            epochs=epochs,
            batch_size=config.batch_size,
            lr=config.lr,
            seed=shared.seed,
            console=console,
            progress=shared.progress,
        )
        stages[key] = model
    return stages


def _scores(y: torch.Tensor, prediction: torch.Tensor) -> dict[str, float]:
    """Precision, recall and F1 of the positive class."""
    from learnlab.metrics.scores import precision_recall_fscore

    return precision_recall_fscore(y, prediction, 2, average="binary")


def _summary(
    config: CascadeConfig,
    threshold: float,
    scores: list[dict[str, float]],
    reach: tuple[float, float],
    seconds: tuple[float, float],
) -> dict[str, Any]:
    """scores: of the cheap stage alone, the expensive one alone and the cascade; reach: the
    fraction of test images and of the expensive model's FLOPs that the cascade spends;
    seconds: the cascade's and the expensive model's time on the test set."""
    cheap_alone, expensive_alone, cascade = scores
    return {
        "cascade_positive_digit": config.positive_digit,
        "cascade_target_recall": config.target_recall,
        "cascade_cheap_threshold": threshold,
        "cascade_precision": cascade["precision"],
        "cascade_recall": cascade["recall"],
        "cascade_f1": cascade["fscore"],
        "cascade_expensive_fraction": reach[0],
        "cascade_flops_fraction": reach[1],
        "cascade_seconds": seconds[0],
        "cascade_expensive_alone_seconds": seconds[1],
        "cascade_expensive_alone_precision": expensive_alone["precision"],
        "cascade_expensive_alone_recall": expensive_alone["recall"],
        "cascade_expensive_alone_f1": expensive_alone["fscore"],
        "cascade_cheap_alone_precision": cheap_alone["precision"],
        "cascade_cheap_alone_recall": cheap_alone["recall"],
        "cascade_cheap_alone_f1": cheap_alone["fscore"],
    }


def _note(config: CascadeConfig, s: dict[str, Any], y_test: torch.Tensor, val_size: int) -> str:
    return (
        f"Cascade: digit {config.positive_digit} against the rest "
        f"({100 * y_test.double().mean():.1f}% positives in the test set). The cheap stage's "
        f"threshold {s['cascade_cheap_threshold']:.3g} keeps "
        f"{100 * config.target_recall:g}% recall on {val_size} validation images; on the test "
        f"set {100 * s['cascade_expensive_fraction']:.1f}% of the images reach the expensive "
        f"CNN, for {100 * s['cascade_flops_fraction']:.1f}% of its FLOPs. Times are the best of "
        f"{config.timing_repeats} passes over the {len(y_test)} test images."
    )


def _rows(systems: list[tuple], scores: list[dict[str, float]]) -> list[dict[str, object]]:
    return [
        {
            "system": label,
            "precision": percent(s["precision"], 2),
            "recall": percent(s["recall"], 2),
            "F1": percent(s["fscore"], 2),
            "reach the expensive model": percent(reach),
            "FLOPs / example": f"{flop:,.0f}",
            "test-set ms": round(1000 * seconds, 1),
        }
        for (label, _, reach, flop, seconds), s in zip(systems, scores, strict=True)
    ]


def _sweep_spec(
    cheap_scores, expensive_scores, y_test, threshold: float, cheap_flops_ratio: float
) -> FigureSpec:
    """Recall, the share reaching the expensive model and the cascade's FLOPs (relative to
    the expensive model's) for 200 cheap-stage thresholds."""
    from learnlab.metrics.cascade import sweep_thresholds
    from learnlab.recipes.moe_cascade.figures import threshold_sweep_figure

    grid = torch.quantile(cheap_scores.double(), torch.linspace(0, 0.995, 200, dtype=torch.float64))
    grid = grid.clamp(min=1e-6).unique()  # drawn on a log axis
    sweep = sweep_thresholds(cheap_scores.double(), expensive_scores >= 0.5, y_test, grid)
    keys = ("threshold", "cheap_recall", "cascade_recall", "fraction_to_expensive")
    return FigureSpec(
        "Cheap stage threshold: recall, the share reaching the expensive model and FLOPs",
        threshold_sweep_figure,
        {
            **{k: sweep[k] for k in keys},
            "chosen": threshold,
            "cheap_flops_ratio": cheap_flops_ratio,
        },
    )


def _inference_note(s: dict[str, Any]) -> str:
    return (
        f"At inference (the test images as one batch, one thread, median of interleaved "
        f"passes; FLOPs counted by torch's FlopCounterMode, 2 per multiply-add): the cascade "
        f"needs {s['cascade_infer_flops_saving']:.2f}x fewer FLOPs and "
        f"{s['cascade_infer_seconds_saving']:.2f}x less time than the expensive CNN alone, at "
        f"an accuracy change of {100 * s['cascade_infer_accuracy_change']:+.2f} points "
        f"(recall {100 * s['cascade_recall']:.2f}% against "
        f"{100 * s['cascade_expensive_alone_recall']:.2f}%). On the validation images the cheap "
        f"stage keeps {100 * s['cascade_val_recall']:.2f}% of the positives (target "
        f"{100 * s['cascade_target_recall']:g}%)."
    )
