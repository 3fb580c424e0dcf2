"""The forgetting recipe's parts and Result: one seed's branches as a Result of its own (the
summary, the accuracy tables, the curves), and the seeds combined (means, spreads, the figure,
the verdict)."""

from __future__ import annotations

import time
from typing import Any

from learnlab.recipes.forgetting.config import METHODS, ForgettingConfig
from learnlab.recipes.forgetting.reproduction import PAPER, TARGET_POINTS
from learnlab.result import FigureSpec, Result, percent

NAME = "forgetting"
LABELS = {"sgd": "plain SGD", "l2": "L2 to the old weights", "ewc": "EWC"}
CURVES = "test accuracy after each epoch (curve images)"
AFTER_TASK = "test accuracy after each task"
CHOICE = "validation accuracy of each strength (mean over tasks, after the last)"


def run_seed(
    config: ForgettingConfig, seed: int, strengths: dict[str, list[float]], console: Any
) -> Result:
    """Every branch of one seed; the chosen branch per method in the summary and tables."""
    from learnlab.recipes.forgetting.sequence import chosen, permuted_mnist, run_branches

    start = time.perf_counter()
    data = permuted_mnist(config, seed)
    branches = run_branches(config, seed, strengths, data)
    best = {method: chosen(branches, method) for method in METHODS}
    summary: dict[str, Any] = {"seed": seed, "tasks": config.tasks}
    for method, branch in best.items():
        final = branch.test[-1]
        summary[f"{method}_mean_accuracy"] = sum(final) / len(final)
        summary[f"{method}_mean_val_accuracy"] = branch.final_val()
        for k, value in enumerate(final):
            summary[f"{method}_task{k + 1}_accuracy"] = value
        if method != "sgd":
            summary[f"{method}_lambda"] = branch.strength
    for other in ("sgd", "l2"):
        gap = summary["ewc_mean_accuracy"] - summary[f"{other}_mean_accuracy"]
        summary[f"ewc_minus_{other}_points"] = 100 * gap
    summary["sgd_forgetting_points"] = 100 * forgetting(best["sgd"].test)
    summary["train_seconds"] = time.perf_counter() - start
    if config.progress:
        console.print(f"{NAME}: seed {seed}: " + _means(summary))
    return Result(
        kind=f"{NAME}-seed",
        title=f"{NAME}: seed {seed}",
        summary=summary,
        tables={
            CHOICE: [
                {
                    "method": LABELS[b.method],
                    "lambda": f"{b.strength:g}",
                    "validation accuracy": percent(b.final_val(), 2),
                    "test accuracy": percent(sum(b.test[-1]) / len(b.test[-1]), 2),
                    "diverged": "" if b.diverged_at is None else f"during task {b.diverged_at + 1}",
                }
                for b in branches
            ],
            AFTER_TASK: _after_task_rows(best),
            CURVES: [
                {"method": method, "epoch": e + 1}
                | {f"task {k + 1}": round(v, 4) for k, v in enumerate(row)}
                for method, branch in best.items()
                for e, row in enumerate(branch.curves)
            ],
        },
        report=False,
    )


def forgetting(test: list[list[float]]) -> float:
    """The mean over all tasks of the drop in test accuracy from right after a task is learned
    to after the last task (`test[t][k]`: task k after task t). It is the most a method that
    learns each task as well as plain SGD but forgets nothing could gain over plain SGD's mean
    accuracy after the last task: EWC's room above SGD."""
    last = test[-1]
    return sum(test[k][k] - last[k] for k in range(len(last))) / len(last)


def _after_task_rows(best: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"method": LABELS[method], "after task": str(t + 1)}
        | {f"task {k + 1}": percent(v, 2) for k, v in enumerate(row[: t + 1])}
        | {"mean of the tasks learned": percent(sum(row[: t + 1]) / (t + 1), 2)}
        for method, branch in best.items()
        for t, row in enumerate(branch.test)
    ]


def _means(summary: dict[str, Any]) -> str:
    return (
        ", ".join(f"{LABELS[m]} {percent(summary[f'{m}_mean_accuracy'], 2)}" for m in METHODS)
        + f" (EWC - SGD: {summary['ewc_minus_sgd_points']:+.1f} points)"
    )


def curves_figure(config: ForgettingConfig, first: Result) -> FigureSpec:
    from learnlab.recipes.forgetting.figures import accuracy_curves_figure

    rows = first.tables[CURVES]
    curves = [
        [[row[f"task {k + 1}"] for k in range(config.tasks)] for row in rows if row["method"] == m]
        for m in METHODS
    ]
    return FigureSpec(
        "test accuracy of every task while the tasks are learned one after the other",
        accuracy_curves_figure,
        {
            "methods": [LABELS[m] for m in METHODS],
            "curves": curves,
            "epochs_per_task": config.epochs,
        },
        caption=f"Seed {first.summary['seed']}: each line is one task's test accuracy (first "
        f"{config.curve_examples} test images) from the start of its training; dotted lines "
        "mark where the next task starts. L2 and EWC with the strength chosen on validation "
        f"(lambda {first.summary['l2_lambda']:g} and {first.summary['ewc_lambda']:g}).",
    )


def result(config: ForgettingConfig, seeds: list[Result]) -> Result:
    from learnlab.recipes.seeds import combine_seeds, spread_keys

    summaries = [part.summary for part in seeds]
    summary = combine_seeds(summaries)
    for key in [k for k, v in summaries[0].items() if isinstance(v, float) and "lambda" not in k]:
        summary.update(spread_keys(key, [float(s[key]) for s in summaries]))
    summary["reached_target"] = summary["ewc_minus_sgd_points"] >= TARGET_POINTS
    verdict = (
        f"Target {'met' if summary['reached_target'] else 'NOT met'} (mean of {len(seeds)} "
        f"seed(s)): EWC's mean test accuracy over the {config.tasks} tasks after the last is "
        f"{summary['ewc_minus_sgd_points']:+.1f} points from plain SGD's (target >= "
        f"{TARGET_POINTS:g}) and {summary['ewc_minus_l2_points']:+.1f} from L2's. Plain SGD "
        f"forgot {summary['sgd_forgetting_points']:.1f} points (mean over the tasks of the drop "
        "from right after each was learned to after the last): the most EWC could gain by "
        "forgetting nothing while learning each task as well as SGD."
    )
    return Result(
        kind=NAME,
        title=f"{NAME}: forgetting and EWC on permuted MNIST (Kirkpatrick et al. 2017)",
        summary=summary,
        notes=[
            f"Reproduction of {PAPER.citation()}.",
            f"Strengths chosen on the validation split of seed {seeds[0].summary['seed']}: L2 "
            f"lambda {summary['l2_lambda']:g}, EWC lambda {summary['ewc_lambda']:g} "
            f"({config.fisher} Fisher on {config.fisher_examples} images per task).",
            verdict,
        ],
        tables={
            "mean test accuracy over all tasks after the last (each seed)": [
                {"seed": str(s["seed"])}
                | {LABELS[m]: percent(s[f"{m}_mean_accuracy"], 2) for m in METHODS}
                for s in summaries
            ],
            f"{AFTER_TASK} (seed {seeds[0].summary['seed']})": seeds[0].tables[AFTER_TASK],
            f"{CHOICE} (seed {seeds[0].summary['seed']})": seeds[0].tables[CHOICE],
        },
        figures=[curves_figure(config, seeds[0])],
        index={"dataset": "permuted mnist", "model": f"mlp {config.depth}x{config.width}"},
        headline=f"[bold]{NAME}[/]: " + _means(summary),
    )
