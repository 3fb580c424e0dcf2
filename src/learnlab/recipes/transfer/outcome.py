"""The transfer recipe's Result: the seeds' runs combined (means and spreads), the table over
k, the variant chosen on validation against scratch, the figure and the verdict."""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.transfer.config import TransferConfig
from learnlab.recipes.transfer.experiment import NAME, variants
from learnlab.result import FigureSpec, Result

TABLE = "USPS test error (%) after fine-tuning, mean +- std over seeds"
VAL_TABLE = "USPS validation error (%), mean +- std over seeds"
CHOICE = "transfer chosen on validation against scratch, per seed (test error %)"
SOURCE = "the MNIST source networks"


def _key(row: str) -> str:
    return row.replace("=", "")


def _cell(values: list[float]) -> str:
    mean = 100 * statistics.fmean(values)
    if len(values) < 2:
        return f"{mean:.2f}"
    return f"{mean:.2f} +- {100 * statistics.stdev(values):.2f}"


def _label(row: str, layers: list[str], decay: float) -> str:
    if row.startswith("k="):
        k = int(row[2:])
        return f"k = {k}: " + ("nothing frozen" if k == 0 else f"frozen up to {layers[k - 1]}")
    return {
        "discriminative": f"k = 0, discriminative lrs (lr / {decay:g} per layer down)",
        "gradual": "k = 0, gradual unfreezing from the top",
        "scratch": "from scratch (random init, same steps)",
    }[row]


def chosen(summary: dict[str, Any], config: TransferConfig, n: int) -> str:
    """The transfer row with the lowest validation error (ties: the first)."""
    rows = [row for row, _ in variants(config) if row != "scratch"]
    return min(rows, key=lambda row: summary[f"n{n}_{_key(row)}_val_error"])


def result(config: TransferConfig, sources: list[Result], targets: list[Result]) -> Result:
    from learnlab.recipes.seeds import spread_keys

    runs = [t.summary for t in targets]
    sizes = [10 * per_class for per_class in config.examples_per_class]
    layers = config.layer_names()
    rows = [row for row, _ in variants(config)]
    summary: dict[str, Any] = {"seeds": len(runs), "layers": len(layers)}
    for n in sizes:
        for row in rows:
            for split in ("val", "test"):
                key = f"n{n}_{_key(row)}_{split}_error"
                values = [float(s[key]) for s in runs]
                summary[key] = statistics.fmean(values)
                summary.update(spread_keys(key, values))
        picked = [float(s[f"n{n}_{_key(chosen(s, config, n))}_test_error"]) for s in runs]
        summary[f"n{n}_transfer_test_error"] = statistics.fmean(picked)
        summary.update(spread_keys(f"n{n}_transfer_test_error", picked))
        gains = [
            100 * (float(s[f"n{n}_scratch_test_error"]) - p)
            for s, p in zip(runs, picked, strict=True)
        ]
        summary[f"n{n}_gain_points"] = statistics.fmean(gains)
        summary.update(spread_keys(f"n{n}_gain_points", gains))
    summary["mnist_test_error"] = statistics.fmean(s.summary["mnist_test_error"] for s in sources)
    summary["reached_target"] = all(summary[f"n{n}_gain_points"] > 0 for n in sizes)
    return Result(
        kind=NAME,
        title=f"{NAME}: an MNIST {config.model} fine-tuned on a few USPS digits, over k",
        summary=summary,
        notes=_notes(config, summary, sizes, layers),
        tables={
            TABLE: _table(config, runs, sizes, rows, layers, "test"),
            VAL_TABLE: _table(config, runs, sizes, rows, layers, "val"),
            CHOICE: _choice_rows(config, runs, sizes),
            SOURCE: _source_rows(sources),
        },
        figures=[_figure(config, summary, sizes)],
        index={"dataset": "mnist -> usps", "model": config.model},
        headline=f"[bold]{NAME}[/]: "
        + ", ".join(
            f"{n:,} examples: transfer {100 * summary[f'n{n}_transfer_test_error']:.2f}% vs "
            f"scratch {100 * summary[f'n{n}_scratch_test_error']:.2f}%"
            for n in sizes
        ),
    )


def _table(config, runs, sizes, rows, layers, split) -> list[dict[str, str]]:
    return [
        {"run": _label(row, layers, config.decay)}
        | {
            f"{n:,} examples": _cell([float(s[f"n{n}_{_key(row)}_{split}_error"]) for s in runs])
            for n in sizes
        }
        for row in rows
    ]


def _notes(config, summary, sizes, layers) -> list[str]:
    verdict = "; ".join(
        f"{n:,} examples: transfer (variant chosen on validation per seed) "
        f"{100 * summary[f'n{n}_transfer_test_error']:.2f}% against scratch "
        f"{100 * summary[f'n{n}_scratch_test_error']:.2f}%, gain "
        f"{summary[f'n{n}_gain_points']:+.2f} points (std "
        f"{summary.get(f'n{n}_gain_points_std', float('nan')):.2f})"
        for n in sizes
    )
    return [
        f"{config.model} ({len(layers)} layers: {', '.join(layers)}) trained on MNIST "
        f"({config.source_epochs} epochs of Adam, central 20x20 resized to USPS's 16x16; mean "
        f"MNIST test error {100 * summary['mnist_test_error']:.2f}%), then its first k layers "
        f"frozen and the rest fine-tuned on {' and '.join(f'{n:,}' for n in sizes)} labelled "
        f"USPS images (the same number per class), {config.steps} Adam steps at lr "
        f"{config.lr:g}, batch {config.batch_size}; scratch trains the same network from a "
        "random start with the same steps. Errors on the USPS test set "
        f"({'all 2,007' if config.limit_test is None else config.limit_test} images), "
        f"{len(config.seed_list())} seeds (each its own source network and labelled draw).",
        f"Target {'met' if summary['reached_target'] else 'NOT met'}: {verdict}. Which transfer "
        f"row counts is chosen on {config.val_examples} held-out USPS training images, never "
        "on the test set.",
    ]


def _figure(config: TransferConfig, summary: dict[str, Any], sizes: list[int]) -> FigureSpec:
    from learnlab.recipes.transfer.figures import error_against_k_figure

    ks = config.frozen_counts()

    def stat(n: int, row: str, what: str = "") -> float:
        return 100 * float(summary.get(f"n{n}_{row}_test_error{what}", 0.0))

    return FigureSpec(
        "USPS test error against the number of frozen layers k",
        error_against_k_figure,
        {
            "ks": ks,
            "labels": [f"{n:,} examples" for n in sizes],
            "means": [[stat(n, f"k{k}") for k in ks] for n in sizes],
            "stds": [[stat(n, f"k{k}", "_std") for k in ks] for n in sizes],
            "scratch": [stat(n, "scratch") for n in sizes],
            "scratch_stds": [stat(n, "scratch", "_std") for n in sizes],
        },
        caption=f"Mean over {config.seeds} seed(s), bars one standard deviation; dashed: the "
        "same network trained from scratch on the same examples (band: its spread).",
    )


def _choice_rows(config, runs, sizes) -> list[dict[str, str]]:
    rows = []
    for s in runs:
        for n in sizes:
            row = chosen(s, config, n)
            rows.append(
                {
                    "seed": str(s["seed"]),
                    "examples": f"{n:,}",
                    "chosen": row,
                    "its test error": f"{100 * s[f'n{n}_{_key(row)}_test_error']:.2f}",
                    "scratch": f"{100 * s[f'n{n}_scratch_test_error']:.2f}",
                }
            )
    return rows


def _source_rows(sources: list[Result]) -> list[dict[str, str]]:
    return [
        {
            "seed": str(s.summary["seed"]),
            "MNIST test error (%)": f"{100 * s.summary['mnist_test_error']:.2f}",
            "USPS test error, not fine-tuned (%)": f"{100 * s.summary['usps_test_error']:.2f}",
        }
        for s in sources
    ]
