"""The contrastive recipe's Result: the seeds' probe accuracies combined (means and spreads),
the comparison table, the per-seed table, the figure and the verdict."""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.contrastive.config import ContrastiveConfig
from learnlab.recipes.contrastive.experiment import ENCODERS, NAME
from learnlab.result import FigureSpec, Result

TABLE = "linear-probe MNIST test accuracy (%) of the frozen encoders, mean +- std over seeds"
SEEDS = "each seed's probe test accuracy (%) and the C chosen on validation"
LABELS = {
    "random": "random encoder (untrained)",
    "simclr": "SimCLR: NT-Xent on two views (no labels)",
    "triplet": "triplet loss, batch-hard mining (labels)",
    "supervised": "supervised: cross-entropy (labels)",
}
# what each trained encoder is compared with, in points of probe accuracy
GAINS = (("simclr", "random"), ("triplet", "random"), ("simclr", "supervised"))


def _mean(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.fmean(float(s[key]) for s in runs)


def _cell(values: list[float]) -> str:
    mean = 100 * statistics.fmean(values)
    if len(values) < 2:
        return f"{mean:.2f}"
    return f"{mean:.2f} +- {100 * statistics.stdev(values):.2f}"


def result(config: ContrastiveConfig, seeds: list[Result]) -> Result:
    from learnlab.recipes.seeds import spread_keys

    runs = [s.summary for s in seeds]
    summary: dict[str, Any] = {"seeds": len(runs)}
    for kind in ENCODERS:
        for key in (f"{kind}_test_accuracy", f"{kind}_val_accuracy", f"{kind}_train_seconds"):
            values = [float(s[key]) for s in runs]
            summary[key] = statistics.fmean(values)
            summary.update(spread_keys(key, values))
    for better, than in GAINS:
        key = f"{better}_minus_{than}_points"
        values = [
            100 * (float(s[f"{better}_test_accuracy"]) - float(s[f"{than}_test_accuracy"]))
            for s in runs
        ]
        summary[key] = statistics.fmean(values)
        summary.update(spread_keys(key, values))
    return Result(
        kind=NAME,
        title=f"{NAME}: SimCLR and triplet MNIST encoders, probed linearly",
        summary=summary,
        notes=_notes(config, summary),
        tables={TABLE: _table(runs), SEEDS: _seed_rows(runs)},
        figures=[_figure(config, summary)],
        index={"dataset": "mnist", "model": "lenet5"},
        headline=f"[bold]{NAME}[/]: probe accuracy "
        + ", ".join(f"{kind} {100 * summary[f'{kind}_test_accuracy']:.2f}%" for kind in ENCODERS),
    )


def _table(runs: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "encoder": LABELS[kind],
            "test accuracy": _cell([float(s[f"{kind}_test_accuracy"]) for s in runs]),
            "min - max": f"{100 * min(float(s[f'{kind}_test_accuracy']) for s in runs):.2f} - "
            f"{100 * max(float(s[f'{kind}_test_accuracy']) for s in runs):.2f}",
            "validation accuracy": _cell([float(s[f"{kind}_val_accuracy"]) for s in runs]),
            "training seconds": f"{_mean(runs, f'{kind}_train_seconds'):.1f}",
        }
        for kind in ENCODERS
    ]


def _seed_rows(runs: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"seed": str(s["seed"])}
        | {
            kind: f"{100 * float(s[f'{kind}_test_accuracy']):.2f} (C={s[f'{kind}_probe_c']:g})"
            for kind in ENCODERS
        }
        for s in runs
    ]


def _gain(summary: dict[str, Any], better: str, than: str) -> str:
    key = f"{better}_minus_{than}_points"
    spread = summary.get(f"{key}_std")
    low, high = summary[f"{key}_min"], summary[f"{key}_max"]
    std = f", std {spread:.2f}" if spread is not None else ""
    return f"{better} - {than}: {summary[key]:+.2f} points{std} (seeds {low:+.2f} to {high:+.2f})"


def _notes(config: ContrastiveConfig, summary: dict[str, Any]) -> list[str]:
    train = config.limit_train - config.val_examples
    simclr_gain = summary["simclr_minus_random_points"]
    verdict = (
        "SimCLR's representation is better than the random encoder's on every seed"
        if summary["simclr_minus_random_points_min"] > 0
        else "SimCLR's representation is NOT better than the random encoder's on every seed"
    )
    return [
        f"LeNet-5 encoders ({config.representation}-wide output) trained for {config.epochs} "
        f"epochs of Adam (lr {config.lr:g}, triplet {config.triplet_lr:g}, batch "
        f"{config.batch_size}) on {train:,} MNIST "
        f"training images; views: shifts up to {config.translate:g} px, rotations up to "
        f"{config.rotate:g} degrees, elastic distortion of up to {config.elastic_alpha:g} px "
        f"(smoothness {config.elastic_sigma:g} px), noise std {config.noise_std:g} (torch's "
        "affine_grid and grid_sample: kornia is not a dependency). SimCLR: NT-Xent at "
        f"temperature {config.temperature:g} through a projection head to "
        f"{config.projection} dimensions; triplet: batch-hard mining on P x K batches "
        f"({config.triplet_classes} digits x {config.triplet_per_class} images, Hermans et "
        "al.'s sampling), "
        + ("soft margin" if config.margin is None else f"margin {config.margin:g}")
        + "; both heads, and the supervised classifier, are dropped before probing.",
        f"Probe: logistic regression on the standardised frozen representation, trained on the "
        f"same {train:,} images with their labels, C chosen from {config.probe_c} on "
        f"{config.val_examples:,} held-out training images (never on the test set), scored on "
        f"{'all 10,000' if config.limit_test is None else config.limit_test} test images; "
        f"{config.seeds} seed(s), each its own initialisation, batch order and views.",
        f"{verdict} (mean gain {simclr_gain:+.2f} points). "
        + "; ".join(_gain(summary, better, than) for better, than in GAINS)
        + ". The triplet and supervised encoders use the labels; SimCLR does not.",
    ]


def _figure(config: ContrastiveConfig, summary: dict[str, Any]) -> FigureSpec:
    from learnlab.recipes.contrastive.figures import probe_accuracy_figure

    return FigureSpec(
        "linear-probe test accuracy of each frozen encoder",
        probe_accuracy_figure,
        {
            "labels": [LABELS[kind].split(":")[0].split(" (")[0] for kind in ENCODERS],
            "means": [100 * summary[f"{kind}_test_accuracy"] for kind in ENCODERS],
            "stds": [100 * summary.get(f"{kind}_test_accuracy_std", 0.0) for kind in ENCODERS],
            "lows": [100 * summary[f"{kind}_test_accuracy_min"] for kind in ENCODERS],
            "highs": [100 * summary[f"{kind}_test_accuracy_max"] for kind in ENCODERS],
        },
        caption=f"Mean over {config.seeds} seed(s); bars one standard deviation, dots the "
        "lowest and highest seed.",
    )
