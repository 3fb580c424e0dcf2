"""The large-batch recipe's Result: each seed's numbers, their mean and spread over the seeds,
the verdict on the targets, the tables and the sharpness figure."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.large_batch.config import LargeBatchConfig, large_batch_size
from learnlab.recipes.large_batch.reproduction import PAPER, TARGET_RATIO
from learnlab.result import FigureSpec, Result, percent

NAME = "large-batch"
SHORT = {"small-batch": "sb", "large-batch": "lb"}
MODES = ("batch", "running")  # learnlab.analysis.batch_norm.BATCH_NORM_MODES, without torch

NOTES = [
    f"Reproduction of {PAPER.citation()}: network F1 on MNIST with Adam, batch 256 against "
    "10% of the training set."
]


def seed_summary(
    config: LargeBatchConfig, trained: dict[str, Result], minima: Result
) -> dict[str, Any]:
    """One seed's numbers: each regime's training and test results, the measured minima and
    the large / small sharpness ratios."""
    summary: dict[str, Any] = {}
    for regime, part in trained.items():
        short, found = SHORT[regime], part.summary
        summary[f"{short}_test_accuracy"] = float(found["test_accuracy"])
        summary[f"{short}_test_accuracy_percent"] = 100.0 * float(found["test_accuracy"])
        summary[f"{short}_test_loss"] = float(found["test_loss"])
        summary[f"{short}_train_loss"] = float(found["train_loss"])
        summary[f"{short}_epochs"] = float(found["epochs_completed"])
        summary[f"{short}_stopped_early"] = found["status"] == "stopped early"
        summary[f"{short}_train_seconds"] = float(found["train_seconds"])
    summary.update(minima.summary)
    for short in SHORT.values():
        for key in ("test_accuracy_batchstats", "train_accuracy"):
            summary[f"{short}_{key}_percent"] = 100.0 * summary[f"{short}_{key}"]
    for suffix in ("", "_batchstats"):  # LB - SB of this seed, in percentage points
        summary[f"test_accuracy_difference_percent{suffix}"] = 100.0 * (
            summary[f"lb_test_accuracy{suffix}"] - summary[f"sb_test_accuracy{suffix}"]
        )
    if measured(summary):
        summary.update(sharpness_ratios(config, summary))
    return summary


def measured(seed: dict[str, Any]) -> bool:
    """Whether this seed's minima were measured (sharpness, Hessian), not only evaluated."""
    return "sharpness_examples" in seed


def seed_means(seeds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each number's mean and spread over the seeds that measured it: the sharpness over the
    measured seeds, the test accuracies over all."""
    import statistics

    from learnlab.recipes.seeds import combine_seeds, spread_keys

    summary = combine_seeds(seeds)
    for key, value in seeds[0].items():
        if isinstance(value, float):
            values = [float(s[key]) for s in seeds if key in s]
            summary[key] = statistics.fmean(values)
            summary.update(spread_keys(key, values))
    summary["measured_seeds"] = sum(map(measured, seeds))
    return summary


def accuracy_comparison(seeds: list[dict[str, Any]]) -> dict[str, Any]:
    """The paired per-seed difference LB - SB of the test accuracy (percentage points), with
    batch norm's running statistics (eval mode) and with batch statistics: its standard error
    and paired t-test p-value beside the mean and spread that `seed_means` gives."""
    from learnlab.recipes.large_batch.paired import clearly_lower, paired_difference

    found: dict[str, Any] = {}
    for suffix in ("", "_batchstats"):
        paired = paired_difference(
            [100.0 * s[f"sb_test_accuracy{suffix}"] for s in seeds],
            [100.0 * s[f"lb_test_accuracy{suffix}"] for s in seeds],
        )
        key = f"test_accuracy_difference_percent{suffix}"
        found |= {f"{key}_{k}": v for k, v in paired.items() if k in ("se", "p_value")}
        found[f"large_batch_less_accurate{suffix}"] = paired["mean"] < 0
        found[f"large_batch_clearly_less_accurate{suffix}"] = clearly_lower(paired)
    return found


def sharpness_ratios(config: LargeBatchConfig, summary: dict[str, Any]) -> dict[str, float]:
    """large / small-batch sharpness for each space, eps and batch-norm statistics (the
    configured statistics also under the key without the statistics' name)."""
    from learnlab.recipes.large_batch.minima import sharpness_key

    ratios = {}
    for mode in (None, *MODES):
        for space in ("full", "subspace"):
            for eps in config.eps:
                small = summary[sharpness_key("small-batch", space, eps, mode)]
                large = summary[sharpness_key("large-batch", space, eps, mode)]
                key = sharpness_key("large-batch", space, eps, mode).replace(
                    "lb_sharpness", "sharpness_ratio"
                )
                ratios[key] = large / small if small > 0 else float("inf")
    return ratios


def result(
    config: LargeBatchConfig, seeds: list[dict[str, Any]], figures: list[FigureSpec]
) -> Result:
    from learnlab.recipes.large_batch.minima import sharpness_rows
    from learnlab.recipes.large_batch.tables import paired_rows, seed_rows

    summary = seed_means(seeds)
    summary.update(sharpness_ratios(config, summary))  # of the means, not the mean ratio
    summary["large_batch_size"] = large_batch_size(config)
    ratio = summary.get("sharpness_ratio_full_eps1e-03", _first_ratio(summary))
    summary["reached_sharpness_target"] = ratio >= TARGET_RATIO
    summary.update(accuracy_comparison(seeds))
    summary["train_seconds"] = sum(s["sb_train_seconds"] + s["lb_train_seconds"] for s in seeds)
    return Result(
        kind=NAME,
        title=f"{NAME}: sharp minima of large-batch training (Keskar et al. 2017)",
        summary=summary,
        notes=[*NOTES, _verdict(config, summary, ratio)],
        tables={
            "sharpness of the training loss (mean over the measured seeds)": sharpness_rows(
                config, summary
            ),
            "test accuracy, large minus small batch (paired by seed)": paired_rows(
                config, seeds, summary
            ),
            "each seed": seed_rows(config, seeds),
        },
        figures=[sharpness_figure_spec(config, summary), *figures],
        index={"dataset": "mnist", "model": "mlp (F1)"},
        headline=(
            f"[bold]{NAME}[/]: test accuracy {percent(summary['sb_test_accuracy'], 2)} (batch "
            f"{config.small_batch}) vs {percent(summary['lb_test_accuracy'], 2)} (batch "
            f"{summary['large_batch_size']}), mean of {len(seeds)} seed(s), paired difference "
            f"{_difference(summary)}; sharpness ratio {ratio:.1f} (target >= {TARGET_RATIO:g})"
        ),
    )


def _first_ratio(summary: dict[str, Any]) -> float:
    """The full-space ratio of the first eps, when 1e-3 is not among those measured."""
    return next(v for k, v in summary.items() if k.startswith("sharpness_ratio_full"))


def _difference(summary: dict[str, Any], suffix: str = "") -> str:
    """'-0.12 ± 0.05 points (p = 0.04)': the mean paired LB - SB difference, its standard
    error and paired t-test p-value (those from two seeds on)."""
    key = f"test_accuracy_difference_percent{suffix}"
    text = f"{summary[key]:+.2f}"
    if f"{key}_se" in summary:
        text += f" ± {summary[f'{key}_se']:.2f}"
    text += " points"
    return text + (f" (p = {summary[f'{key}_p_value']:.2g})" if f"{key}_p_value" in summary else "")


def _lower(summary: dict[str, Any], suffix: str = "") -> str:
    if summary[f"large_batch_clearly_less_accurate{suffix}"]:
        return "lower beyond the seed-to-seed noise"
    if summary[f"large_batch_less_accurate{suffix}"]:
        return "lower, but within the seed-to-seed noise"
    return "NOT lower"


def _verdict(config: LargeBatchConfig, summary: dict[str, Any], ratio: float) -> str:
    met = summary["reached_sharpness_target"] and summary["large_batch_less_accurate"]
    return (
        f"Target {'met' if met else 'NOT met'}: the large-batch minimum is {ratio:.1f}x as "
        f"sharp as the small-batch one in the full space (target >= {TARGET_RATIO:g}x; mean "
        f"of {summary['measured_seeds']} measured seed(s)), and its test accuracy is "
        f"{_lower(summary)} ({percent(summary['lb_test_accuracy'], 2)} against "
        f"{percent(summary['sb_test_accuracy'], 2)}, means of {summary['seeds']} seed(s); "
        f"paired difference LB - SB {_difference(summary)}, standard error and two-sided "
        "paired t-test over the seeds). With batch norm normalising each test batch of "
        f"{config.statistics_batch:,} by its own statistics (Keras 1's mode=2): "
        f"{percent(summary['lb_test_accuracy_batchstats'], 2)} against "
        f"{percent(summary['sb_test_accuracy_batchstats'], 2)}, difference "
        f"{_difference(summary, '_batchstats')}, {_lower(summary, '_batchstats')}."
    )


def sharpness_figure_spec(config: LargeBatchConfig, summary: dict[str, Any]) -> FigureSpec:
    from learnlab.recipes.large_batch.figures import sharpness_figure
    from learnlab.recipes.large_batch.minima import sharpness_key

    cases = [(s, e) for s in ("full", "subspace") for e in config.eps]
    return FigureSpec(
        "sharpness and test accuracy of the two minima",
        sharpness_figure,
        {
            "labels": [f"{s}\neps={e:g}" for s, e in cases],
            "small": [summary[sharpness_key("small-batch", s, e)] for s, e in cases],
            "large": [summary[sharpness_key("large-batch", s, e)] for s, e in cases],
            "test_accuracy": [summary["sb_test_accuracy"], summary["lb_test_accuracy"]],
            "batches": [config.small_batch, summary["large_batch_size"]],
        },
        caption="Keskar et al.'s sharpness of the training loss (log scale, mean over the "
        f"seeds, batch norm with {config.batch_norm} statistics) for each box size eps, in "
        f"the full space and a random {config.subspace}-d subspace; right: test accuracy.",
    )
