"""The multitask-canvas recipe's Result: the table over methods (accuracy and mean IoU, mean
and spread over seeds, paired differences against the single-task networks), the figure and
the verdict in words."""

from __future__ import annotations

import math
import statistics
from typing import Any

from learnlab.recipes.multitask_canvas.config import MultitaskCanvasConfig
from learnlab.result import FigureSpec, Result, percent

# the single-task network each score of a multitask network is compared with
BASELINE = {"accuracy": "class-only", "iou": "box-only"}


def _values(runs: list[dict[str, Any]], method: str, key: str) -> list[float]:
    return [r[key] for r in runs if r["method"] == method and r[key] is not None]


def paired(values: list[float], baseline: list[float]) -> dict[str, Any]:
    """The per-seed difference against the single-task network: mean, standard error, and a
    verdict (a gain or a loss only when the mean is over two standard errors from 0)."""
    diffs = [a - b for a, b in zip(values, baseline, strict=True)]
    mean = statistics.fmean(diffs)
    if len(diffs) < 2:
        return {"diff": mean, "stderr": None, "verdict": "one seed: no verdict"}
    stderr = statistics.stdev(diffs) / math.sqrt(len(diffs))
    verdict = (
        "no measurable difference" if abs(mean) <= 2 * stderr else ("gain" if mean > 0 else "loss")
    )
    return {"diff": mean, "stderr": stderr, "verdict": verdict}


def _summary_and_rows(config: MultitaskCanvasConfig, runs: list[dict[str, Any]]):
    from learnlab.recipes.seeds import spread_keys

    summary: dict[str, Any] = {"canvas": config.canvas, "seeds": config.seeds}
    rows, verdicts = [], []
    for method in config.methods():
        key, row = method.replace("-", "_"), {"method": method}
        for score in ("accuracy", "iou"):
            values = _values(runs, method, score)
            if not values:
                row[score] = ""
                continue
            mean = statistics.fmean(values)
            spread = spread_keys(f"{key}_{score}", values)
            summary[f"{key}_{score}"] = mean
            summary.update(spread)
            std = spread.get(f"{key}_{score}_std")
            row[score] = (
                f"{_show(score, mean)} ± {_show(score, std)}"
                if std is not None
                else (_show(score, mean))
            )
            if method in config.weightings:
                found = paired(values, _values(runs, BASELINE[score], score))
                summary[f"{key}_{score}_minus_single"] = found["diff"]
                summary[f"{key}_{score}_minus_single_stderr"] = found["stderr"]
                row[f"{score} - single-task"] = _difference(score, found)
                verdicts.append(f"{method} {score}: {found['verdict']} against {BASELINE[score]}")
        for task in ("class", "box"):
            learned = _values(runs, method, f"log_var_{task}") if method == "uncertainty" else []
            if learned:
                summary[f"log_var_{task}"] = statistics.fmean(learned)
        rows.append(row)
    return summary, rows, verdicts


def _show(score: str, value: float) -> str:
    return percent(value, 2) if score == "accuracy" else f"{value:.3f}"


def _difference(score: str, found: dict[str, Any]) -> str:
    scale, unit, digits = (100, " pts", 2) if score == "accuracy" else (1, "", 3)
    error = f" ± {scale * found['stderr']:.{digits}f}" if found["stderr"] is not None else ""
    return f"{scale * found['diff']:+.{digits}f}{error}{unit} ({found['verdict']})"


def _figure_data(config: MultitaskCanvasConfig, task: Any, runs: list[dict[str, Any]]) -> dict:
    first = [r for r in runs if r["seed"] == config.seed]
    shown = config.examples_shown
    return {
        "canvases": task.x_test[:shown],
        "labels": task.y_test[:shown].tolist(),
        "true_boxes": (task.box_test[:shown] * config.canvas).tolist(),
        "predicted": {
            r["method"]: (r["outputs"]["box"] * config.canvas).tolist()
            for r in first
            if "box" in r["outputs"]
        },
        "classes": {
            r["method"]: r["outputs"]["class"].argmax(1).tolist()
            for r in first
            if "class" in r["outputs"]
        },
    }


def multitask_result(
    config: MultitaskCanvasConfig, task: Any, runs: list[dict[str, Any]], seconds: float
) -> Result:
    from learnlab.recipes.multitask_canvas.figures import canvases_figure

    summary, rows, verdicts = _summary_and_rows(config, runs)
    summary["train_seconds"] = seconds
    verdict = "; ".join(verdicts) + "."
    learned = ""
    if "log_var_box" in summary:
        learned = (
            f" Uncertainty weighting learned log-variances s_class = {summary['log_var_class']:.2f}"
            f" and s_box = {summary['log_var_box']:.2f} (mean over seeds): weights "
            f"exp(-s_class) = {math.exp(-summary['log_var_class']):.2f} on the cross-entropy "
            f"and exp(-s_box) / 2 = {math.exp(-summary['log_var_box']) / 2:.1f} on the box loss."
        )
    return Result(
        kind="multitask-canvas",
        title=f"multitask-canvas: MNIST digits on {config.canvas}x{config.canvas} canvases, "
        "classification and box regression",
        summary=summary,
        notes=[
            f"{config.limit_train} MNIST training digits and {config.limit_test} test digits, "
            f"each pasted at a random position of a {config.canvas}x{config.canvas} canvas; the "
            "target box is the box of the digit's ink. Every network has the same trunk (CNN, "
            f"channels {config.channels}, {config.width} units) and trains {config.epochs} "
            f"epochs with Adam (lr {config.lr}); one seed gives all methods the same initial "
            f"trunk ({config.seeds} seeds). Box loss: squared error of the corners in canvas "
            "fractions. 'average' is (L_class + L_box) / 2 (the lecture); 'uncertainty' is "
            "Kendall et al. (2018)'s eq. 10 with learned log-variances.",
            "Nothing was tuned on the test set: the settings are fixed in advance.",
            verdict + learned,
        ],
        tables={"Test accuracy and mean IoU by method (mean ± std over seeds)": rows},
        figures=[
            FigureSpec(
                "Test canvases: true box (green) and predicted boxes (first seed)",
                canvases_figure,
                _figure_data(config, task, runs),
            )
        ],
        index={"dataset": "mnist", "canvas": config.canvas},
        headline=f"[bold]multitask-canvas[/]: {verdict}",
    )
