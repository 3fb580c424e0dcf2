"""The large-batch recipe's Result: each seed's numbers, their mean and spread over the seeds,
the verdict on the targets, the tables and the sharpness figure."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.large_batch.config import REGIMES, LargeBatchConfig, large_batch_size
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
    summary.update(sharpness_ratios(config, summary))
    return summary


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
    from learnlab.recipes.seeds import combine_seeds, spread_keys

    summary = combine_seeds(seeds)
    for key, value in seeds[0].items():
        if isinstance(value, float):
            summary.update(spread_keys(key, [float(s[key]) for s in seeds]))
    summary.update(sharpness_ratios(config, summary))  # of the means, not the mean ratio
    summary["large_batch_size"] = large_batch_size(config)
    ratio = summary.get("sharpness_ratio_full_eps1e-03", _first_ratio(summary))
    summary["reached_sharpness_target"] = ratio >= TARGET_RATIO
    summary["large_batch_less_accurate"] = summary["lb_test_accuracy"] < summary["sb_test_accuracy"]
    summary["train_seconds"] = sum(s["sb_train_seconds"] + s["lb_train_seconds"] for s in seeds)
    return Result(
        kind=NAME,
        title=f"{NAME}: sharp minima of large-batch training (Keskar et al. 2017)",
        summary=summary,
        notes=[*NOTES, _verdict(summary, ratio)],
        tables={
            "sharpness of the training loss (mean over the seeds)": sharpness_rows(config, summary),
            "each seed": seed_rows(config, seeds),
        },
        figures=[sharpness_figure_spec(config, summary), *figures],
        index={"dataset": "mnist", "model": "mlp (F1)"},
        headline=(
            f"[bold]{NAME}[/]: test accuracy {percent(summary['sb_test_accuracy'], 2)} (batch "
            f"{config.small_batch}) vs {percent(summary['lb_test_accuracy'], 2)} (batch "
            f"{summary['large_batch_size']}), mean of {len(seeds)} seed(s); sharpness ratio "
            f"{ratio:.1f} (target >= {TARGET_RATIO:g})"
        ),
    )


def _first_ratio(summary: dict[str, Any]) -> float:
    """The full-space ratio of the first eps, when 1e-3 is not among those measured."""
    return next(v for k, v in summary.items() if k.startswith("sharpness_ratio_full"))


def _verdict(summary: dict[str, Any], ratio: float) -> str:
    met = summary["reached_sharpness_target"] and summary["large_batch_less_accurate"]
    return (
        f"Target {'met' if met else 'NOT met'} (means over {summary['seeds']} seed(s)): the "
        f"large-batch minimum is {ratio:.1f}x as sharp as the small-batch one in the full "
        f"space (target >= {TARGET_RATIO:g}x), and its test accuracy is "
        f"{'lower' if summary['large_batch_less_accurate'] else 'NOT lower'} "
        f"({percent(summary['lb_test_accuracy'], 2)} against "
        f"{percent(summary['sb_test_accuracy'], 2)})."
    )


def seed_rows(config: LargeBatchConfig, seeds: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each seed's training (epochs, whether the loss stopped improving before the maximum,
    the last epoch's training loss), test accuracy and full-space sharpness at the first eps."""
    from learnlab.recipes.large_batch.minima import sharpness_key

    eps, rows = config.eps[0], []
    for seed, summary in zip(config.seed_list(), seeds, strict=True):
        for regime in REGIMES:
            short = SHORT[regime]
            rows.append(
                {
                    "seed": str(seed),
                    "batch": regime,
                    "epochs": f"{summary[f'{short}_epochs']:.0f}"
                    + (" (stopped)" if summary[f"{short}_stopped_early"] else " (maximum)"),
                    "training loss": f"{summary[f'{short}_train_loss']:.3g}",
                    "test accuracy": percent(summary[f"{short}_test_accuracy"], 2),
                    **{
                        f"sharpness, eps {eps:g}, {mode} stats": (
                            f"{summary[sharpness_key(regime, 'full', eps, mode)]:.3g}"
                        )
                        for mode in MODES
                    },
                }
            )
    return rows


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
