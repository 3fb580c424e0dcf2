"""The semi-supervised recipe's Result: the seeds combined (means and spreads), the table of
methods with the published numbers beside ours, the figure and the verdict."""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.semi_supervised_mnist.config import METHODS, SemiSupervisedConfig
from learnlab.recipes.semi_supervised_mnist.training import NAME
from learnlab.result import FigureSpec, Result

TARGET_ERROR = 0.05  # the issue's: <= 5% test error for the best method
TABLE = "MNIST test error (%) with 100 labels, mean +- std over seeds"
PUBLISHED = "published test errors on MNIST with 100 labels (not measured here)"
LABELS = {
    "labelled-only": "labelled only (cross-entropy on the labels)",
    "pseudo-label": "pseudo-labelling (Lee 2013, confidence threshold)",
    "vat": "VAT (Miyato et al. 2018)",
}
# (method, error %, source): the numbers issue 17 quotes. The `search` tool found both papers
# (Rasmus et al. 2015, arXiv 1507.02672, NeurIPS; Miyato et al. 2018, arXiv 1704.03976, TPAMI)
# but only their abstracts, not the result tables: these two numbers are NOT verified here
PUBLISHED_ROWS = [
    ("Ladder network", "1.06", "Rasmus et al. 2015 (as quoted by issue 17; not verified)"),
    ("VAT", "1.36", "Miyato et al. 2018 (as quoted by issue 17; not verified)"),
]


def _key(method: str) -> str:
    return method.replace("-", "_")


def _cell(values: list[float]) -> str:
    mean = 100 * statistics.fmean(values)
    return (
        f"{mean:.2f}" if len(values) < 2 else f"{mean:.2f} +- {100 * statistics.stdev(values):.2f}"
    )


def result(config: SemiSupervisedConfig, seeds: list[Result]) -> Result:
    from learnlab.recipes.seeds import spread_keys

    runs = [s.summary for s in seeds]
    summary: dict[str, Any] = {"seeds": len(runs), "steps": runs[0]["steps"]}
    for method in METHODS:
        for what in ("val_error", "test_error", "cpu_seconds"):
            key = f"{_key(method)}_{what}"
            values = [float(s[key]) for s in runs]
            summary[key] = statistics.fmean(values)
            summary.update(spread_keys(key, values))
    # the best method is chosen on the validation error, never on the test set
    best = min(METHODS, key=lambda m: summary[f"{_key(m)}_val_error"])
    summary["best_method"] = best
    summary["best_test_error"] = summary[f"{_key(best)}_test_error"]
    summary["reached_target"] = summary["best_test_error"] <= TARGET_ERROR
    rows = [
        {
            "method": LABELS[m],
            "test error (%)": _cell([float(s[f"{_key(m)}_test_error"]) for s in runs]),
            "validation error (%)": _cell([float(s[f"{_key(m)}_val_error"]) for s in runs]),
            "CPU seconds per seed": f"{summary[f'{_key(m)}_cpu_seconds']:.0f}",
        }
        for m in METHODS
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: MNIST with {10 * config.labels_per_class} labels, three methods",
        summary=summary,
        notes=_notes(config, summary),
        tables={
            TABLE: rows,
            PUBLISHED: [
                {"method": m, "test error (%)": e, "source": src} for m, e, src in PUBLISHED_ROWS
            ],
        },
        figures=[_figure(config, seeds)],
        index={"dataset": "mnist", "model": config.model},
        headline=f"[bold]{NAME}[/]: "
        + ", ".join(f"{m} {100 * summary[f'{_key(m)}_test_error']:.2f}%" for m in METHODS),
    )


def _notes(config: SemiSupervisedConfig, summary: dict[str, Any]) -> list[str]:
    best = summary["best_method"]
    return [
        f"{config.model} trained on {10 * config.labels_per_class} labelled MNIST images "
        f"({config.labels_per_class} per digit, drawn by each seed) and the other training "
        f"images unlabelled ({config.val_examples:,} held out for validation), "
        f"{summary['steps']} Adam steps at lr {config.lr:g} per method and seed, batches of "
        f"{config.labelled_batch} labelled and {config.unlabelled_batch} unlabelled images; "
        f"every method starts from the same weights. {summary['seeds']} seed(s).",
        f"Pseudo-labels count at probability >= {config.threshold:g}, weight ramped from 0 at "
        f"step {config.ramp_start} to {config.pseudo_weight:g} at step {config.ramp_end}. VAT: "
        f"eps {config.vat_eps:g} (pixels in [0, 1]), xi {config.vat_xi:g}, "
        f"{config.vat_iterations} power iteration(s), entropy weight {config.entropy_weight:g}.",
        f"Target (<= {100 * TARGET_ERROR:.0f}% test error for the best method, chosen on "
        f"validation: {best}) {'met' if summary['reached_target'] else 'NOT met'}: "
        f"{100 * summary['best_test_error']:.2f}%. The settings were chosen on the "
        f"{config.val_examples:,} labelled validation images, far more labels than the "
        f"{10 * config.labels_per_class} trained on: a setting with truly 100 labels could not "
        "tune this way (Oliver et al. 2018), so the numbers are optimistic in that respect.",
    ]


def _figure(config: SemiSupervisedConfig, seeds: list[Result]) -> FigureSpec:
    from learnlab.recipes.semi_supervised_mnist.figures import val_error_figure

    steps = [int(r["step"]) for r in seeds[0].history]
    means, stds = [], []
    for method in METHODS:
        per_step = [
            [100 * float(s.history[i][f"{_key(method)}_val_error"]) for s in seeds]
            for i in range(len(steps))
        ]
        means.append([statistics.fmean(v) for v in per_step])
        stds.append([statistics.stdev(v) if len(v) > 1 else 0.0 for v in per_step])
    return FigureSpec(
        "Validation error during training",
        val_error_figure,
        {"steps": steps, "labels": [LABELS[m] for m in METHODS], "means": means, "stds": stds},
        caption=f"Mean over {len(seeds)} seed(s), band one standard deviation; "
        f"{config.val_examples:,} held-out labelled training images.",
    )
