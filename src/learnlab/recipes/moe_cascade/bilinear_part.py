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

import torch
from pydantic import Field, field_validator

from learnlab.config import StrictModel
from learnlab.recipes.moe_cascade.part import PartResult
from learnlab.recipes.moe_cascade.siamese_part import step_progress


class BilinearConfig(StrictModel):
    """Settings of the gated-classification comparison; the defaults are the recipe's."""

    seed: int = Field(0, ge=0, le=2**31 - 1)
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
    progress: bool = True

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


def _fit(model, inputs, y, test_inputs, test_y, config: BilinearConfig, tick):
    """Adam on cross-entropy, calling `tick(loss)` after each step; returns the test accuracy
    after each epoch and the final train accuracy. `inputs`: the forward's arguments."""
    generator = torch.Generator().manual_seed(config.seed + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    n = len(y)
    curve = []

    def accuracy(args, labels) -> float:
        model.eval()
        with torch.no_grad():
            correct = (model(*args).argmax(1) == labels).float().mean()
        model.train()
        return float(correct)

    for _ in range(config.epochs):
        for batch in torch.randperm(n, generator=generator).split(config.batch_size):
            loss = torch.nn.functional.cross_entropy(model(*(a[batch] for a in inputs)), y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            tick(float(loss.detach()))
        curve.append(accuracy(test_inputs, test_y))
    return curve, accuracy(inputs, y)


def _figure(curves: dict[str, list[float]], by_size: list[dict], bilinear_point, chance):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    for label, curve in curves.items():
        left.plot(range(1, len(curve) + 1), curve, label=label)
    left.axhline(chance, color="gray", linestyle=":", label="chance")
    left.set_xlabel("epoch")
    left.set_ylabel("test accuracy")
    left.set_title("test accuracy per epoch")
    left.legend(fontsize=8)
    right.plot(
        [r["parameters"] for r in by_size],
        [r["test_accuracy"] for r in by_size],
        "o-",
        label="MLP on concat(x, z)",
    )
    right.plot(*bilinear_point, "r*", markersize=14, label="bilinear x^T W z")
    right.axhline(chance, color="gray", linestyle=":", label="chance")
    right.set_xscale("log")
    right.set_xlabel("parameters")
    right.set_ylabel("test accuracy")
    right.set_title("final test accuracy against parameters")
    right.legend(fontsize=8)
    return fig


def run_part(config: BilinearConfig, *, console) -> PartResult:
    """Train the bilinear layer and the additive models on the gated task; compare them."""
    from learnlab.models import build_model

    data_gen = torch.Generator().manual_seed(config.seed)
    teachers = torch.randn(config.contexts, config.classes, config.x_features, generator=data_gen)
    x, z, y = gated_task(config, config.train_examples, data_gen, teachers)
    tx, tz, ty = gated_task(config, config.test_examples, data_gen, teachers)
    concat, test_concat = torch.cat([x, z], 1), torch.cat([tx, tz], 1)
    d_in, k = (config.x_features,), config.classes

    def params(model) -> int:
        return sum(p.numel() for p in model.parameters())

    def train(label: str, model, args, test_args) -> dict:
        curve, train_accuracy = _fit(model, args, y, test_args, ty, config, tick)
        return {
            "model": label,
            "parameters": params(model),
            "train_accuracy": train_accuracy,
            "test_accuracy": curve[-1],
            "curve": curve,
        }

    models = 2 + len(config.mlp_size_multiples)
    steps = models * config.epochs * math.ceil(len(y) / config.batch_size)
    with step_progress(console if config.progress else None, "bilinear", steps) as tick:
        torch.manual_seed(config.seed)
        bilinear = build_model("bilinear", d_in, k, z_features=config.contexts)
        results = [train("bilinear x^T W z", bilinear, (x, z), (tx, tz))]
        size = results[0]["parameters"]
        torch.manual_seed(config.seed)
        linear = build_model("mlp", (concat.shape[1],), k, depth=0)
        results.append(train("linear on concat(x, z)", linear, (concat,), (test_concat,)))
        by_size = []
        for multiple in config.mlp_size_multiples:
            width = mlp_width_for(multiple * size, config)
            torch.manual_seed(config.seed)
            mlp = build_model("mlp", (concat.shape[1],), k, depth=1, width=width)
            label = f"MLP on concat(x, z), width {width} ({multiple}x)"
            by_size.append(train(label, mlp, (concat,), (test_concat,)))
    results.extend(by_size)
    matched = by_size[0]
    chance = float(torch.bincount(ty, minlength=k).max()) / len(ty)

    summary = {
        "bilinear_test_accuracy": results[0]["test_accuracy"],
        "bilinear_additive_test_accuracy": matched["test_accuracy"],
        "bilinear_linear_test_accuracy": results[1]["test_accuracy"],
        "bilinear_parameters": size,
        "bilinear_additive_parameters": matched["parameters"],
        "bilinear_additive_best_test_accuracy": max(r["test_accuracy"] for r in by_size),
        "bilinear_majority_class_accuracy": chance,
    }
    table = [
        {
            "model": r["model"],
            "parameters": r["parameters"],
            "train accuracy": f"{100 * r['train_accuracy']:.1f}%",
            "test accuracy": f"{100 * r['test_accuracy']:.1f}%",
        }
        for r in results
    ]
    curves = {r["model"]: r["curve"] for r in results[:3]}
    figure = _figure(curves, by_size, (size, results[0]["test_accuracy"]), chance)
    notes = [
        f"Bilinear layer: gated classification (x of {config.x_features} Gaussian features, "
        f"a one-hot context z of {config.contexts}, {config.classes} classes given by the "
        f"context's random linear teacher), {config.train_examples} training and "
        f"{config.test_examples} test examples, {config.epochs} epochs of Adam for every "
        f"model. The bilinear layer ({size} parameters) reaches "
        f"{100 * results[0]['test_accuracy']:.1f}% test accuracy; a ReLU MLP on concat(x, z) "
        f"with {matched['parameters']} parameters reaches {100 * matched['test_accuracy']:.1f}%"
        f", the best MLP ({by_size[-1]['parameters']} parameters at most) "
        f"{100 * summary['bilinear_additive_best_test_accuracy']:.1f}%, and the linear model "
        f"on concat(x, z) {100 * results[1]['test_accuracy']:.1f}% (majority class "
        f"{100 * chance:.1f}%).",
    ]
    return PartResult(
        summary=summary,
        tables={"bilinear against additive models (gated task)": table},
        figures={"bilinear against additive models": figure},
        notes=notes,
    )
