"""The curriculum recipe's Result: the table over methods (mean and spread over seeds, the
paired difference against plain), the figure and the verdict in words."""

from __future__ import annotations

import math
import statistics
from typing import Any

from learnlab.recipes.curriculum.config import CurriculumConfig
from learnlab.result import FigureSpec, Result, percent


def _by_method(config: CurriculumConfig, runs: list[dict[str, Any]], key: str) -> dict[str, list]:
    return {m: [r[key] for r in runs if r["method"] == m] for m in config.methods}


def _rows(config: CurriculumConfig, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from learnlab.recipes.seeds import spread_keys

    test, val = _by_method(config, runs, "test_error"), _by_method(config, runs, "val_error")
    curves = _by_method(config, runs, "val_curve")
    rows = []
    for method in config.methods:
        spread = spread_keys("test_error", test[method])
        row = {
            "method": method,
            "test_error": statistics.fmean(test[method]),
            "test_error_std": spread.get("test_error_std"),
            "test_error_min": spread["test_error_min"],
            "test_error_max": spread["test_error_max"],
            "val_error": statistics.fmean(val[method]),
            # each run's lowest validation error on the way: what early stopping would keep
            "best_val_error": statistics.fmean(min(c) for c in curves[method]),
        }
        if "plain" in test and method != "plain":
            row.update(_paired(test[method], test["plain"]))
        rows.append(row)
    return rows


def _paired(errors: list[float], plain: list[float]) -> dict[str, Any]:
    """The per-seed difference against plain: mean, standard error, and a verdict (a gain or
    a loss only when the mean is over two standard errors from 0)."""
    diffs = [a - b for a, b in zip(errors, plain, strict=True)]
    mean = statistics.fmean(diffs)
    if len(diffs) < 2:
        return {"minus_plain": mean, "minus_plain_stderr": None, "verdict": "one seed: no verdict"}
    stderr = statistics.stdev(diffs) / math.sqrt(len(diffs))
    if abs(mean) <= 2 * stderr:
        verdict = "no measurable difference"
    else:
        verdict = "gain" if mean < 0 else "loss"
    return {"minus_plain": mean, "minus_plain_stderr": stderr, "verdict": verdict}


def _verdict(rows: list[dict[str, Any]]) -> str:
    """Where there is a gain, where there is none, in one sentence per method."""
    parts = []
    for row in rows:
        if "verdict" not in row:
            continue
        stderr = row["minus_plain_stderr"]
        spread = f" ± {100 * stderr:.2f}" if stderr is not None else ""
        parts.append(
            f"{row['method']}: {row['verdict']} against plain "
            f"({100 * row['minus_plain']:+.2f}{spread} points of test error, paired mean ± "
            "standard error over the seeds)"
        )
    return "; ".join(parts) + "." if parts else "No plain run to compare with."


def _early_stopping_note(rows: list[dict[str, Any]]) -> str:
    """The caveat a fair reader needs: the methods' lowest validation errors on the way."""
    lowest = ", ".join(f"{r['method']} {percent(r['best_val_error'], 2)}" for r in rows)
    return (
        "The comparison is at equal steps, without early stopping. Each run's lowest "
        f"validation error on the way (mean over seeds): {lowest}. Where plain's lowest is "
        "far below its final error, it fits the noisy labels late in training, and early "
        "stopping on clean validation data would recover part of a curriculum's gain."
    )


def _table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = []
    for row in rows:
        std = row["test_error_std"]
        cell = {
            "method": row["method"],
            "test error (mean)": percent(row["test_error"], 2),
            "std over seeds": percent(std, 2) if std is not None else "",
            "lowest": percent(row["test_error_min"], 2),
            "highest": percent(row["test_error_max"], 2),
            "validation error (mean)": percent(row["val_error"], 2),
            "lowest validation error on the way": percent(row["best_val_error"], 2),
        }
        if "verdict" in row:
            cell["minus plain (points)"] = f"{100 * row['minus_plain']:+.2f}"
            cell["verdict"] = row["verdict"]
        shown.append(cell)
    return shown


def curriculum_result(
    config: CurriculumConfig, runs: list[dict[str, Any]], noise_found: float | None, seconds: float
) -> Result:
    from learnlab.recipes.curriculum.figures import curriculum_figure

    rows = _rows(config, runs)
    verdict = _verdict(rows)
    summary: dict[str, Any] = {
        "dataset": config.dataset,
        "model": config.model,
        "label_noise": config.label_noise,
        "steps": config.steps,
        "pacing": config.pacing,
        "seeds": config.seeds,
        "teacher_noise_precision": noise_found,
        "train_seconds": seconds,
    }
    for row in rows:
        key = row["method"].replace("-", "_")
        summary[f"{key}_test_error"] = row["test_error"]
        summary[f"{key}_test_error_std"] = row["test_error_std"]
        summary[f"{key}_val_error"] = row["val_error"]
        summary[f"{key}_best_val_error"] = row["best_val_error"]
        if "verdict" in row:
            summary[f"{key}_minus_plain"] = row["minus_plain"]
            summary[f"{key}_minus_plain_stderr"] = row["minus_plain_stderr"]
    every = config.steps // config.evaluations
    figure = {
        "methods": list(config.methods),
        "steps": [every * (i + 1) for i in range(config.evaluations)],
        "val_curves": list(_by_method(config, runs, "val_curve").values()),
        "test_errors": list(_by_method(config, runs, "test_error").values()),
    }
    noise = (
        f" The teacher's hardest {percent(config.label_noise)} of the training examples hold "
        f"{percent(noise_found)} of the noisy labels (chance: {percent(config.label_noise)})."
        if noise_found is not None
        else ""
    )
    return Result(
        kind="curriculum",
        title=f"curriculum: {config.model} on {config.dataset}, "
        f"{percent(config.label_noise)} label noise",
        summary=summary,
        notes=[
            f"Every method trains {config.steps} batches of {config.batch_size} from the same "
            f"initialisation per seed ({config.seeds} seeds); pacing {config.pacing!r} from "
            f"{percent(config.start)} of the examples to all at {percent(config.ramp_fraction)} "
            f"of the steps. Difficulty: the per-example loss of a teacher (the same model "
            f"trained plainly for {config.teacher_epochs} epochs on the noisy labels).{noise}",
            "Validation and test labels are clean; nothing was tuned on the test set.",
            verdict,
            _early_stopping_note(rows),
        ],
        tables={"Test error by method (mean and spread over seeds)": _table(rows)},
        figures=[FigureSpec("Curriculum against the plain schedule", curriculum_figure, figure)],
        index={"dataset": config.dataset, "model": config.model},
        headline=f"[bold]curriculum[/]: {verdict}",
    )
