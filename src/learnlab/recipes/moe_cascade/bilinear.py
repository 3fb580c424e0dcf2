"""A task that needs a multiplicative interaction: a bilinear layer against additive models.

Lecture 001's multiplicative layer y_k = x^T W_k z + b_k (see `learnlab.models.bilinear`).
The task is "gated" classification: a one-hot context z (one of C) selects which of C
random linear teachers labels the features x:

    x ~ N(0, I_d),  c ~ uniform{0..C-1},  z = onehot(c),  y = argmax_k (T_c x)_k

with T_c a fixed random K x d matrix per context. The rule is exactly bilinear (W_k[:, c] =
row k of T_c), so one `nn.Bilinear` layer can represent it; a model that only adds what it
sees of x and z cannot: a linear layer on concat(x, z) has one map of x for every context,
and a one-hidden-layer ReLU MLP on concat(x, z) must spend hidden units to emulate the
gating (units switched on and off by z through their biases). The part trains, with the
same optimiser and epochs, the bilinear layer, an MLP on concat(x, z) with about the same
number of parameters, MLPs with several times more, and the linear model on concat(x, z),
and reports test accuracy per epoch and against the number of parameters.
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from pydantic import Field, field_validator

from learnlab.config import RecipeConfig, StrictModel
from learnlab.objectives.base import Objective
from learnlab.result import FigureSpec, Result, percent
from learnlab.train.events import Callback


class BilinearConfig(StrictModel):
    """Settings of the gated-classification comparison; the defaults are the recipe's (the seed
    and the progress switch are the recipe's own, `shared`)."""

    x_features: int = Field(16, ge=1, le=1024)
    contexts: int = Field(8, ge=2, le=256)
    classes: int = Field(4, ge=2, le=256)
    train_examples: int = Field(8000, ge=10, le=1_000_000)
    test_examples: int = Field(4000, ge=10, le=1_000_000)
    epochs: int = Field(40, ge=1, le=10_000)
    batch_size: int = Field(128, ge=1, le=65_536)
    lr: float = Field(3e-3, gt=0, le=1)
    # MLP sizes, in multiples of the bilinear layer's parameter count (1 = matched)
    mlp_size_multiples: list[int] = Field(
        default_factory=lambda: [1, 2, 4, 8, 16], min_length=1, max_length=10
    )

    @field_validator("mlp_size_multiples")
    @classmethod
    def _multiples(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v) or any(m < 1 or m > 1000 for m in v):
            raise ValueError(f"mlp_size_multiples must be distinct integers in 1..1000; got {v}")
        return sorted(v)


def gated_task(
    config: BilinearConfig, n: int, generator: torch.Generator, teachers: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`n` examples (x, z, y) of the gated task with teachers (C, K, d)."""
    x = torch.randn(n, config.x_features, generator=generator)
    context = torch.randint(config.contexts, (n,), generator=generator)
    z = torch.nn.functional.one_hot(context, config.contexts).float()
    y = torch.einsum("nd,nkd->nk", x, teachers[context]).argmax(1)
    return x, z, y


def mlp_width_for(parameters: int, config: BilinearConfig) -> int:
    """The hidden width of a one-hidden-layer MLP on concat(x, z) with about `parameters`
    parameters: (d + C) * h + h + h * K + K."""
    fan_in = config.x_features + config.contexts
    return max(1, round((parameters - config.classes) / (fan_in + 1 + config.classes)))


class GatedCrossEntropy(Objective):
    """Cross-entropy of a batch (*inputs, labels): the model takes the inputs as its forward's
    arguments, (x, z) for the bilinear layer, (concat(x, z),) for the additive models."""

    def __call__(self, model, batch):
        *inputs, y = batch
        return torch.nn.functional.cross_entropy(model(*inputs), y), {}


def accuracy(model, inputs: tuple[torch.Tensor, ...], labels: torch.Tensor) -> float:
    """Accuracy of `model(*inputs)` on the whole set in one pass, in eval mode (restored)."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        correct = (model(*inputs).argmax(1) == labels).float().mean()
    model.train(was_training)
    return float(correct)


class EpochTestAccuracy(Callback):
    """The test accuracy after every epoch."""

    def __init__(self, inputs: tuple[torch.Tensor, ...], labels: torch.Tensor) -> None:
        self.inputs, self.labels = inputs, labels
        self.curve: list[float] = []

    def after_epoch(self, trainer) -> None:
        self.curve.append(accuracy(trainer.model, self.inputs, self.labels))


Labelled = tuple[tuple[torch.Tensor, ...], torch.Tensor]  # (the forward's arguments, labels)


def _fit(
    label: str, model, train: Labelled, test: Labelled, config: BilinearConfig, seed: int, bar
) -> dict:
    """Adam on cross-entropy, batches drawn by a permutation per epoch from seed + 1 (`bar`:
    the progress callbacks); the test accuracy after each epoch, the final train accuracy."""
    from learnlab.data import TensorLoader
    from learnlab.train.trainer import Trainer

    inputs, y = train
    loader = TensorLoader(*inputs, y, batch_size=config.batch_size, seed=seed + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    test = EpochTestAccuracy(*test)
    Trainer(model, GatedCrossEntropy(), optimizer, callbacks=[test, *bar]).fit(
        loader, epochs=config.epochs
    )
    return {
        "model": label,
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_accuracy": accuracy(model, inputs, y),
        "test_accuracy": test.curve[-1],
        "curve": test.curve,
    }


def run_bilinear(config: BilinearConfig, shared: RecipeConfig, console) -> Result:
    """Train the bilinear layer and the additive models on the gated task; compare them."""
    from learnlab.models import build_model
    from learnlab.recipes.moe_cascade.training import part_settings, step_bar

    seed = shared.seed

    started = time.perf_counter()
    data_gen = torch.Generator().manual_seed(seed)
    teachers = torch.randn(config.contexts, config.classes, config.x_features, generator=data_gen)
    x, z, y = gated_task(config, config.train_examples, data_gen, teachers)
    tx, tz, ty = gated_task(config, config.test_examples, data_gen, teachers)
    concat, test_concat = (torch.cat([x, z], 1),), (torch.cat([tx, tz], 1),)
    d_in, k = (config.x_features,), config.classes
    models = 2 + len(config.mlp_size_multiples)
    steps = models * config.epochs * math.ceil(len(y) / config.batch_size)
    with step_bar(console if shared.progress else None, "bilinear", steps) as bar:
        torch.manual_seed(seed)
        bilinear = build_model("bilinear", d_in, k, z_features=config.contexts)
        results = [
            _fit("bilinear x^T W z", bilinear, ((x, z), y), ((tx, tz), ty), config, seed, bar)
        ]
        torch.manual_seed(seed)
        linear = build_model("mlp", (concat[0].shape[1],), k, depth=0)
        label = "linear on concat(x, z)"
        results.append(_fit(label, linear, (concat, y), (test_concat, ty), config, seed, bar))
        by_size = []
        for multiple in config.mlp_size_multiples:
            width = mlp_width_for(multiple * results[0]["parameters"], config)
            torch.manual_seed(seed)
            mlp = build_model("mlp", (concat[0].shape[1],), k, depth=1, width=width)
            label = f"MLP on concat(x, z), width {width} ({multiple}x)"
            by_size.append(_fit(label, mlp, (concat, y), (test_concat, ty), config, seed, bar))
    results.extend(by_size)
    chance = float(torch.bincount(ty, minlength=k).max()) / len(ty)
    result = _result(config, results, len(by_size), chance, time.perf_counter() - started)
    result.config = part_settings(config, shared)
    return result


def _result(
    config: BilinearConfig, results: list[dict], sizes: int, chance: float, seconds: float
) -> Result:
    """results: the bilinear layer, the linear model, then the `sizes` MLPs by size."""
    from learnlab.recipes.moe_cascade.figures import bilinear_figure

    bilinear, linear, by_size = results[0], results[1], results[-sizes:]
    matched = by_size[0]
    summary: dict[str, Any] = {
        "bilinear_test_accuracy": bilinear["test_accuracy"],
        "bilinear_additive_test_accuracy": matched["test_accuracy"],
        "bilinear_linear_test_accuracy": linear["test_accuracy"],
        "bilinear_parameters": bilinear["parameters"],
        "bilinear_additive_parameters": matched["parameters"],
        "bilinear_additive_best_test_accuracy": max(r["test_accuracy"] for r in by_size),
        "bilinear_majority_class_accuracy": chance,
        "seconds": seconds,
    }
    table = [
        {
            "model": r["model"],
            "parameters": r["parameters"],
            "train accuracy": percent(r["train_accuracy"]),
            "test accuracy": percent(r["test_accuracy"]),
        }
        for r in results
    ]
    figure = {
        "curves": {r["model"]: r["curve"] for r in results[:3]},
        "sizes": [r["parameters"] for r in by_size],
        "accuracies": [r["test_accuracy"] for r in by_size],
        "bilinear_point": [bilinear["parameters"], bilinear["test_accuracy"]],
        "chance": chance,
    }
    note = (
        f"Bilinear layer: gated classification (x of {config.x_features} Gaussian features, "
        f"a one-hot context z of {config.contexts}, {config.classes} classes given by the "
        f"context's random linear teacher), {config.train_examples} training and "
        f"{config.test_examples} test examples, {config.epochs} epochs of Adam for every "
        f"model. The bilinear layer ({bilinear['parameters']} parameters) reaches "
        f"{100 * bilinear['test_accuracy']:.1f}% test accuracy; a ReLU MLP on concat(x, z) "
        f"with {matched['parameters']} parameters reaches {100 * matched['test_accuracy']:.1f}%"
        f", the best MLP ({by_size[-1]['parameters']} parameters at most) "
        f"{100 * summary['bilinear_additive_best_test_accuracy']:.1f}%, and the linear model "
        f"on concat(x, z) {100 * linear['test_accuracy']:.1f}% (majority class "
        f"{100 * chance:.1f}%)."
    )
    return Result(
        kind="moe-cascade/bilinear",
        title="A bilinear layer against additive models on a gated task",
        summary=summary,
        notes=[note],
        tables={"bilinear against additive models (gated task)": table},
        figures=[FigureSpec("bilinear against additive models", bilinear_figure, figure)],
    )
