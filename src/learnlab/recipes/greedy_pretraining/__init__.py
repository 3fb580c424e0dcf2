"""greedy-pretraining: greedy layer-wise pre-training against end-to-end training of the same
deep sigmoid MLP (L4; Bengio, Lamblin, Popovici & Larochelle 2007, "Greedy layer-wise training
of deep networks"; the idea from Hinton, Osindero & Teh 2006).

One network, a 784-256x5-10 sigmoid MLP on 5,000 MNIST images, where plain SGD end to end
struggles (the gradient shrinks through each sigmoid layer), is trained three ways
(`methods.py`, through `learnlab.procedures.layerwise` and `layerwise_autoencoder`):
end to end; greedy supervised pre-training (each hidden layer trained with a temporary output
layer, the layers below frozen: the lecture's version) then fine-tuning; greedy autoencoder
pre-training then fine-tuning.

Equal epochs means the same total number of passes over the training data: end-to-end
training gets all `epochs` (30); the greedy methods spend `pretrain_epochs` (3) per hidden layer
(15) and fine-tune for the rest (15). This is the stricter comparison for the greedy methods
(they fine-tune for half as long); a pre-training epoch also costs less, since the frozen
layers below are only evaluated, so the table reports CPU seconds too. Each method runs for
`seeds` (5) seeds; the table gives the mean test error with its spread and the number of seeds
on which each greedy method beats end-to-end training from the same initialisation.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab run greedy-pretraining
--set progress=false`, 132 s of CPU time on one thread): mean test error over 5 seeds 87.30%
(std 5.49 points) end to end, which barely leaves chance in 30 epochs; 10.40% (std 7.09,
6.62% .. 23.06%) with greedy supervised and 11.32% (std 7.93, 5.44% .. 21.75%) with greedy
autoencoder pre-training; both greedy methods beat end-to-end training on 5 of 5 seeds. At the
constant lr 1.0 the greedy runs' validation error still jumps from epoch to epoch, hence the
spread.

Resume: the recipe is one computation of a few minutes; `--resume` runs it again.
"""

from __future__ import annotations

import statistics
from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.greedy_pretraining.config import GreedyPretrainingConfig
from learnlab.recipes.greedy_pretraining.methods import METHODS
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.seeds import spread_keys
from learnlab.result import FigureSpec, Result, percent

NAME = "greedy-pretraining"


def slug(method: str) -> str:
    return method.replace("-", "_").replace(" ", "_")


@register_recipe(
    NAME,
    "Greedy layer-wise pre-training (supervised, and with autoencoders) then fine-tuning, "
    "against end-to-end SGD, of one deep sigmoid MLP on MNIST at equal epochs, over 5 seeds",
    GreedyPretrainingConfig,
    quick={
        "train_size": 300,
        "val_size": 100,
        "test_size": 200,
        "depth": 2,
        "width": 16,
        "seeds": 2,
        "epochs": 3,
        "pretrain_epochs": 1,
        "progress": False,
    },
)
def run(config: GreedyPretrainingConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.greedy_pretraining.methods import load_data, train_method

    data = load_data(config)
    runs: dict[str, list[dict[str, Any]]] = {method: [] for method in METHODS}
    for seed in config.seed_list():
        for method in METHODS:
            runs[method].append(train_method(method, config, data, seed))
        errors = ", ".join(f"{m} {percent(runs[m][-1]['test_error'], 2)}" for m in METHODS)
        ctx.console.print(f"seed {seed}: test error {errors}")
    return _result(config, runs)


def _summary(config: GreedyPretrainingConfig, runs) -> dict[str, Any]:
    summary: dict[str, Any] = {"recipe": NAME}
    baseline = [r["test_error"] for r in runs["end-to-end"]]
    for method, method_runs in runs.items():
        errors = [r["test_error"] for r in method_runs]
        key = f"test_error_{slug(method)}"
        summary[key] = statistics.fmean(errors)
        summary.update(spread_keys(key, errors))
        summary[f"cpu_seconds_{slug(method)}"] = statistics.fmean(
            r["cpu_seconds"] for r in method_runs
        )
        if method != "end-to-end":
            wins = sum(e < b for e, b in zip(errors, baseline, strict=True))
            summary[f"{slug(method)}_wins"] = wins
            summary[f"{slug(method)}_beats_end_to_end"] = summary[key] < statistics.fmean(baseline)
    summary["seeds"] = config.seeds
    summary["epochs"] = config.epochs
    summary["fine_tune_epochs"] = config.fine_tune_epochs
    return summary


def _rows(config: GreedyPretrainingConfig, summary: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for method in METHODS:
        key = f"test_error_{slug(method)}"
        std = summary.get(f"{key}_std")
        greedy = method != "end-to-end"
        rows.append(
            {
                "method": method,
                "epochs (pre-training + fine-tuning)": (
                    f"{config.depth} x {config.pretrain_epochs} + {config.fine_tune_epochs}"
                    if greedy
                    else f"0 + {config.epochs}"
                ),
                f"mean test error ({config.seeds} seeds)": percent(summary[key], 2),
                "std": "-" if std is None else f"{100 * std:.2f} points",
                "min .. max": f"{percent(summary[f'{key}_min'], 2)} .. "
                f"{percent(summary[f'{key}_max'], 2)}",
                "seeds better than end-to-end": (
                    f"{summary[f'{slug(method)}_wins']} of {config.seeds}" if greedy else "-"
                ),
                "CPU seconds per run": f"{summary[f'cpu_seconds_{slug(method)}']:.1f}",
            }
        )
    return rows


def _verdict(summary: dict[str, Any]) -> str:
    parts = []
    for method in METHODS[1:]:
        beats = summary[f"{slug(method)}_beats_end_to_end"]
        parts.append(
            f"{method} {'beats' if beats else 'does NOT beat'} end-to-end training "
            f"(mean {percent(summary[f'test_error_{slug(method)}'], 2)} against "
            f"{percent(summary['test_error_end_to_end'], 2)}; lower on "
            f"{summary[f'{slug(method)}_wins']} of {summary['seeds']} seeds)"
        )
    return "; ".join(parts) + "."


def _result(config: GreedyPretrainingConfig, runs) -> Result:
    from learnlab.recipes.greedy_pretraining.figures import greedy_figure

    summary = _summary(config, runs)
    figure = FigureSpec(
        "test error per method and validation error per epoch",
        greedy_figure,
        {
            "test_errors": {m: [r["test_error"] for r in runs[m]] for m in METHODS},
            "curves": {m: [r["val_error_curve"] for r in runs[m]] for m in METHODS},
            "pretrain_epochs": config.depth * config.pretrain_epochs,
        },
    )
    return Result(
        kind=NAME,
        title=f"{NAME}: greedy layer-wise pre-training against end-to-end training",
        summary=summary,
        notes=[
            f"A {config.depth}-hidden-layer sigmoid MLP ({config.width} units per layer) on "
            f"{config.train_size} MNIST images, {config.optimizer} (lr {config.lr:g}, "
            f"autoencoders {config.autoencoder_lr:g}), batch {config.batch_size}; every method "
            f"{config.epochs} passes over the data in all. " + _verdict(summary),
            "Bengio, Lamblin, Popovici & Larochelle (2007), Greedy layer-wise training of deep "
            "networks; Hinton, Osindero & Teh (2006), A fast learning algorithm for deep "
            "belief nets.",
        ],
        tables={"test error per method": _rows(config, summary)},
        figures=[figure],
        index={"dataset": "mnist", "model": f"mlp {config.depth}x{config.width} sigmoid"},
        headline=f"[bold]{NAME}[/]: test error "
        + ", ".join(f"{m} {percent(summary[f'test_error_{slug(m)}'], 2)}" for m in METHODS),
    )
