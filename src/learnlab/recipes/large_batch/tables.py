"""The large-batch recipe's per-seed tables: each seed's training, test accuracies and (for the
measured seeds) sharpness, and the paired difference of the test accuracies."""

from __future__ import annotations

from typing import Any

from learnlab.recipes.large_batch.config import REGIMES, LargeBatchConfig
from learnlab.result import percent

SHORT = {"small-batch": "sb", "large-batch": "lb"}
MODES = ("batch", "running")  # learnlab.analysis.batch_norm.BATCH_NORM_MODES, without torch
NOT_MEASURED = "not measured"


def seed_rows(config: LargeBatchConfig, seeds: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each seed's training (epochs, whether the loss stopped improving before the maximum,
    the last epoch's training loss, the accuracy on the whole training set), test accuracy
    with running and with batch statistics, and full-space sharpness at the first eps (for
    the measured seeds)."""
    from learnlab.recipes.large_batch.minima import sharpness_key

    eps, rows = config.eps[0], []
    for seed, summary in zip(config.seed_list(), seeds, strict=True):
        for regime in REGIMES:
            short = SHORT[regime]
            sharpness = {
                f"sharpness, eps {eps:g}, {mode} stats": (
                    f"{summary[key]:.3g}" if key in summary else NOT_MEASURED
                )
                for mode in MODES
                for key in [sharpness_key(regime, "full", eps, mode)]
            }
            rows.append(
                {
                    "seed": str(seed),
                    "batch": regime,
                    "epochs": f"{summary[f'{short}_epochs']:.0f}"
                    + (" (stopped)" if summary[f"{short}_stopped_early"] else " (maximum)"),
                    "training loss": f"{summary[f'{short}_train_loss']:.3g}",
                    "training accuracy": percent(summary[f"{short}_train_accuracy"], 2),
                    "test accuracy": percent(summary[f"{short}_test_accuracy"], 2),
                    "test accuracy, batch stats": percent(
                        summary[f"{short}_test_accuracy_batchstats"], 2
                    ),
                    **sharpness,
                }
            )
    return rows


def paired_rows(
    config: LargeBatchConfig, seeds: list[dict[str, Any]], summary: dict[str, Any]
) -> list[dict[str, str]]:
    """Per seed: both test accuracies and their difference LB - SB (percentage points), with
    running statistics (eval mode) and batch statistics; last, the mean with its standard
    error and the paired t-test's p-value."""
    rows = []
    for seed, found in zip(config.seed_list(), seeds, strict=True):
        row = {"seed": str(seed)}
        for suffix, stats in (("", "running stats"), ("_batchstats", "batch stats")):
            row[f"small batch, {stats}"] = percent(found[f"sb_test_accuracy{suffix}"], 2)
            row[f"large batch, {stats}"] = percent(found[f"lb_test_accuracy{suffix}"], 2)
            row[f"LB - SB, {stats}"] = f"{found[f'test_accuracy_difference_percent{suffix}']:+.2f}"
        rows.append(row)
    mean = {"seed": f"mean of {len(seeds)}"}
    for suffix, stats in (("", "running stats"), ("_batchstats", "batch stats")):
        key = f"test_accuracy_difference_percent{suffix}"
        mean[f"small batch, {stats}"] = percent(summary[f"sb_test_accuracy{suffix}"], 2)
        mean[f"large batch, {stats}"] = percent(summary[f"lb_test_accuracy{suffix}"], 2)
        se, p = summary.get(f"{key}_se"), summary.get(f"{key}_p_value")
        mean[f"LB - SB, {stats}"] = (
            f"{summary[key]:+.2f}"
            + ("" if se is None else f" ± {se:.2f} (SE)")
            + ("" if p is None else f", p = {p:.2g}")
        )
    return [*rows, mean]
