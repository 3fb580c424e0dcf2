"""random-labels: a network that generalises on the true labels memorises random ones,
reproducing the randomisation tests of Zhang, Bengio, Hardt, Recht & Vinyals (ICLR 2017),
"Understanding deep learning requires rethinking generalization" (their Figure 1 and Table 1's
MLP 1x512), on a 10,000-image MNIST subset instead of CIFAR-10.

The corruptions are `learnlab.data.corruption` (labels replaced with probability p, shuffled
pixels, random pixels, Gaussian images); each variant is one MLP trained from the same seed
with SGD and momentum until its epoch's training accuracy reaches the target (`training.py`).
The summary has, per variant, `train_accuracy_<v>`, `test_accuracy_<v>`, `steps_<v>` (steps
trained) and `reached_<v>`; variants are `labels_<percent>`, the input corruptions by name, and
`random_labels_<regulariser>`.

Batched ensembles (`learnlab.scale.ensemble.BatchedEnsemble`) do not fit: its members share
one (x, y) and its fit has no per-member stopping, while here every variant has its own labels
or inputs and stops at its own step; so the variants run one after another.

Measured (default config, 2026-12-06, `OMP_NUM_THREADS=1 learnlab reproduce random-labels
--run-dir R --set progress=false`, 216 s of CPU time on one thread): labels random with
probability 0, 0.2, ..., 1: all reach 99% (train 99.75% .. 99.29%), test error 4.0, 13.7, 30.3,
48.8, 68.7, 90.4%, steps to 99%: 395, 2765, 4108, 4977, 5609, 5846 (random labels take 14.8x
the true labels' steps: MNIST's true labels are fitted in 5 epochs). Shuffled pixels: 395
steps, test 95.65% (an MLP does not see the permutation); random pixels: 553 steps, test
17.5% (the pixel histogram still says something about the digit); Gaussian: 553 steps, test
9.9%. Random labels with weight decay 5e-4: 93.1% train accuracy after 150 epochs, dropout 0.3:
93.2%, random shifts of 2 pixels: 20.6% (for an MLP every shifted copy is a new image with the
same random label): the regularisers slow memorisation, and shifts stop it within 150 epochs.

Resume: each variant is a part (`<variant>/`); `--resume` keeps the finished ones.
"""

from __future__ import annotations

from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.random_labels.config import RandomLabelsConfig
from learnlab.recipes.random_labels.reproduction import PAPER, REPRODUCTION
from learnlab.recipes.registry import register_recipe
from learnlab.result import FigureSpec, Result, percent

NAME = "random-labels"


@register_recipe(
    NAME,
    "Reproduction: Zhang et al. (2017), an MLP 1x512 fits MNIST with corrupted labels, shuffled "
    "or random pixels and Gaussian images to 99% training accuracy while test accuracy falls "
    "to chance; explicit regularisers do not stop it",
    RandomLabelsConfig,
    reproduction=REPRODUCTION,
)
def run(config: RandomLabelsConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.random_labels.training import variants

    data = load_data(config)
    parts = {v.name: ctx.part(v.name, _fit_part, v, config, data) for v in variants(config)}
    return _result(config, parts)


def load_data(config: RandomLabelsConfig) -> dict[str, Any]:
    """The first train_size / test_size images, standardised with the training subset's
    mean and standard deviation (float32, shape (N, 1, 28, 28))."""
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    x = ds.train.x[: config.train_size].float() / ds.scale
    mean, std = x.mean(), x.std()
    x_test = ds.test.x[: config.test_size].float() / ds.scale
    return {
        "x_train": (x - mean) / std,
        "y_train": ds.train.y[: config.train_size].long(),
        "x_test": (x_test - mean) / std,
        "y_test": ds.test.y[: config.test_size].long(),
    }


def _fit_part(variant, config: RandomLabelsConfig, data: dict[str, Any]) -> Result:
    from learnlab.recipes.random_labels.training import fit_variant

    fitted = fit_variant(variant, config, data)
    v = variant.name
    return Result(
        kind=NAME,
        title=f"{NAME}: {v}",
        summary={
            f"train_accuracy_{v}": fitted.train_accuracy,
            f"test_accuracy_{v}": fitted.test_accuracy,
            f"steps_{v}": fitted.steps_to_target,
            f"reached_{v}": fitted.reached,
            f"seconds_{v}": fitted.seconds,
        },
        outputs_info={"steps": fitted.steps, "losses": fitted.losses},
        report=False,
    )


def _rows(config: RandomLabelsConfig, summary: dict[str, Any]) -> list[dict[str, str]]:
    from learnlab.recipes.random_labels.training import variants

    return [
        {
            "variant": v.name,
            "random labels": f"{v.label_fraction:g}",
            "inputs": v.inputs,
            "regulariser": v.regularizer,
            "steps": str(summary[f"steps_{v.name}"]),
            f"reached {config.target_accuracy:.0%}": _yes(summary[f"reached_{v.name}"]),
            "train accuracy": percent(summary[f"train_accuracy_{v.name}"], 2),
            "test accuracy": percent(summary[f"test_accuracy_{v.name}"], 2),
        }
        for v in variants(config)
    ]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _figure(config: RandomLabelsConfig, parts: dict[str, Result]) -> FigureSpec:
    from learnlab.recipes.random_labels.figures import memorization_figure

    summary = {k: v for part in parts.values() for k, v in part.summary.items()}
    labels = [f"labels_{round(100 * p)}" for p in config.label_fractions]
    shown = [labels[0], labels[-1], *config.input_variants]
    return FigureSpec(
        "training loss, time to fit and test error against corruption (as the paper's Figure 1)",
        memorization_figure,
        {
            "curves": {name: dict(parts[name].outputs_info) for name in shown},
            "fractions": list(config.label_fractions),
            "steps_to_target": [summary[f"steps_{v}"] for v in labels],
            "reached": [summary[f"reached_{v}"] for v in labels],
            "test_error": [1 - summary[f"test_accuracy_{v}"] for v in labels],
            "target": config.target_accuracy,
        },
    )


def _result(config: RandomLabelsConfig, parts: dict[str, Result]) -> Result:
    result = Result(kind=NAME, title=f"{NAME}: memorising random labels on MNIST")
    for name, part in parts.items():
        result.add_part(name, part)
    summary = result.summary
    first, last = (f"labels_{round(100 * p)}" for p in (config.label_fractions[0], 1.0))
    slowdown = None
    if first in parts and last in parts and summary.get(f"reached_{last}"):
        slowdown = summary[f"steps_{last}"] / max(summary[f"steps_{first}"], 1)
        summary["slowdown_random_over_true"] = slowdown
    summary["seconds"] = sum(v for k, v in summary.items() if k.startswith("seconds_"))
    result.summary = {"recipe": NAME, **summary}
    result.tables = {"variants": _rows(config, summary)}
    result.figures = [_figure(config, parts)]
    result.notes = [
        f"Reproduction of {PAPER.citation()} on MNIST (the paper: CIFAR-10).",
        f"MLP 1x{config.width}, {config.train_size} training images, SGD momentum "
        f"{config.momentum:g}, lr {config.lr:g}, batch {config.batch_size}, until "
        f"{config.target_accuracy:.0%} training accuracy or {config.max_epochs} epochs.",
    ]
    if slowdown is not None:
        result.notes.append(
            f"Fitting random labels took {slowdown:.1f} times the steps of the true labels "
            "(the paper: a small constant factor)."
        )
    result.index = {"dataset": "mnist", "model": f"mlp 1x{config.width}"}
    result.headline = (
        f"[bold]{NAME}[/]: random labels: train {percent(summary.get(f'train_accuracy_{last}', 0))}"
        f", test {percent(summary.get(f'test_accuracy_{last}', 0))}"
    )
    return result
