"""The mixture-of-experts part of the moe-cascade recipe.

On MNIST (ten digit classes, so experts can specialise by digit), four models train with the
same optimizer, batch size and epochs:

- `dense`: a one-hidden-layer MLP with as many parameters as a top-k model uses per example;
- `soft`: soft gating over all experts (Jacobs et al. 1991), every expert runs on every example;
- `topk`: top-k gating (Shazeer et al. 2017; gate noise optional, off by default) with the
  Switch balancing loss (Fedus et al. 2022), only the chosen experts run;
- `topk_nobalance`: the same without the balancing loss, to show routing collapse.

For each: test accuracy, milliseconds per training step, and the expert load on the test set
(fraction of examples routed to each expert for top-k, mean gate weight for soft), plus which
digits go to which expert (top-1 routing). Then, at inference (inference.py): FLOPs and
milliseconds per test example of the dense MLP, soft gating, the soft model served top-1, and
the top-1 model with every expert run or dispatched by gate, with the accuracy of each.
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from pydantic import Field

from learnlab.config import DataRecipeConfig, StrictModel
from learnlab.io.errors import ConfigError
from learnlab.result import FigureSpec, Result, percent


class MixtureConfig(StrictModel):
    """Settings of the mixture-of-experts part; the defaults are the recipe's (the seed, the data
    and the progress switch are the recipe's own, `shared`)."""

    experts: int = Field(8, ge=2, le=64)
    k: int = Field(1, ge=1, le=64)
    hidden: int = Field(128, ge=1, le=4096)
    epochs: int = Field(3, ge=1, le=100)
    batch_size: int = Field(256, ge=1, le=65536)
    lr: float = Field(0.002, gt=0, le=1)
    # 1.0, not Fedus et al.'s 0.01: with 8 experts and a few hundred examples per batch,
    # 0.1 still left three experts unused on the test set (measured, 1 epoch of 30,000 images)
    balance_weight: float = Field(1.0, gt=0, le=10)
    # Shazeer's gate noise balances the routing of training batches by itself, but the
    # noise-free test routing then collapsed (3 of 8 experts held 80% of the test set), so the
    # recipe leaves it off and lets the balancing loss do the work
    noisy: bool = False
    limit_train: int | None = Field(None, ge=100)
    # timed passes over the test set of each way of serving the models (inference.py)
    inference_repeats: int = Field(5, ge=1, le=50)


def check_mixture(config: MixtureConfig) -> None:
    """What the field ranges cannot say: a top-k gate needs k <= experts."""
    if config.k > config.experts:
        raise ConfigError(f"mixture.k must be at most mixture.experts={config.experts}")


def dense_width(config: MixtureConfig, in_features: int, num_outputs: int) -> int:
    """The hidden width of a plain MLP with the parameters a top-k model uses per example:
    both gates (logits and noise) plus k experts."""
    gates = 2 * (in_features * config.experts + config.experts)
    expert = in_features * config.hidden + config.hidden + config.hidden * num_outputs + num_outputs
    active = gates + config.k * expert
    return max(1, round((active - num_outputs) / (in_features + 1 + num_outputs)))


def _variants(config: MixtureConfig, width: int) -> list[tuple[str, str, dict, float]]:
    """(key, label, model options, balance weight) of each model trained."""
    moe = {"experts": config.experts, "hidden": config.hidden}
    topk = {**moe, "gating": "topk", "k": config.k, "noisy": config.noisy}
    return [
        ("dense", f"dense MLP, width {width}", {"depth": 1, "width": width}, 0.0),
        ("soft", f"soft gating, {config.experts} experts", {**moe, "gating": "soft"}, 0.0),
        (
            "topk",
            f"top-{config.k} of {config.experts}, balancing loss {config.balance_weight:g}",
            topk,
            config.balance_weight,
        ),
        ("topk_nobalance", f"top-{config.k} of {config.experts}, no balancing loss", topk, 0.0),
    ]


def _routing_by_class(model, x: torch.Tensor, y: torch.Tensor, experts: int) -> torch.Tensor:
    """(classes, experts): fraction of each class's test examples whose top-1 expert is e."""
    from learnlab.recipes.moe_cascade.training import predict

    layer = model.moe
    top1 = predict(layer.gate, x.flatten(1)).argmax(dim=1)  # eval mode: no gate noise
    counts = torch.zeros(10, experts)
    counts.index_put_((y, top1), torch.ones(len(y)), accumulate=True)
    return counts / counts.sum(dim=1, keepdim=True).clamp(min=1)


def run_mixture(config: MixtureConfig, shared: DataRecipeConfig, console) -> Result:
    """Train the four models on MNIST; their test accuracies, step times, expert loads and
    top-1 routing by digit."""
    from learnlab.recipes.moe_cascade.figures import expert_load_figure, routing_figure
    from learnlab.recipes.moe_cascade.inference import mixture_inference
    from learnlab.recipes.moe_cascade.training import load_mnist, part_settings

    check_mixture(config)
    started = time.perf_counter()
    data = load_mnist(
        shared.data_root,
        shared.download,
        val_size=0,
        limit_train=config.limit_train,
        seed=shared.seed,
    )
    width = dense_width(config, math.prod(data.train.x.shape[1:]), 10)
    summary: dict[str, Any] = {}
    rows, loads, routing, models = [], {}, {}, {}
    for key, label, options, weight in _variants(config, width):
        console.print(f"[bold]moe[/]: training {label}")
        measured = _train_variant(config, shared, data, key, options, weight, console)
        summary.update({f"moe_{key}_{name}": value for name, value in measured["summary"].items()})
        rows.append({"model": label, **measured["row"]})
        models[key] = measured["model"]
        if key != "dense":
            loads[key], routing[key] = measured["load"], measured["routing"]
    console.print("[bold]moe[/]: measuring inference cost")
    infer_summary, infer_tables = mixture_inference(
        models, data.test.x, data.test.y, width, config.inference_repeats
    )
    summary.update(infer_summary)
    summary["seconds"] = time.perf_counter() - started
    return Result(
        kind="moe-cascade/mixture",
        title="Mixtures of experts on MNIST: soft and top-k gating, with and without balancing",
        summary=summary,
        config=part_settings(config, shared),
        notes=[_note(config, width, summary), _inference_note(config, summary, len(data.test.y))],
        tables={"Mixture of experts on MNIST": rows, **infer_tables},
        figures=[
            FigureSpec(
                "Expert load on the test set",
                expert_load_figure,
                {"loads": loads, "experts": config.experts},
            ),
            FigureSpec(
                "Top-1 expert of each digit (test set)",
                routing_figure,
                {
                    "names": list(routing),
                    "routing": torch.stack(list(routing.values())),
                    "experts": config.experts,
                },
            ),
        ],
    )


def _train_variant(
    config: MixtureConfig,
    shared: DataRecipeConfig,
    data,
    key: str,
    options: dict,
    weight: float,
    console,
) -> dict[str, Any]:
    """Train one model from `_variants` and measure it: its summary values (unprefixed), its
    table row, and for a mixture the expert load and top-1 routing on the test set."""
    from learnlab.metrics.scores import accuracy
    from learnlab.models import build_model
    from learnlab.objectives.auxiliary import WithAuxiliaryLoss
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.recipes.moe_cascade.training import fit, predict

    torch.manual_seed(shared.seed)
    family = "mlp" if key == "dense" else "moe-mlp"
    model = build_model(family, (1, 28, 28), 10, **options)
    objective = CrossEntropy() if key == "dense" else WithAuxiliaryLoss(CrossEntropy(), weight)
    record = fit(
        model,
        objective,
        data.train.x,
        data.train.y,
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        seed=shared.seed,
        console=console,
        progress=shared.progress,
    )
    test_acc = accuracy(data.test.y, predict(model, data.test.x).argmax(dim=1))
    params = sum(p.numel() for p in model.parameters())
    ms = 1000 * record["seconds_per_step"]
    measured: dict[str, Any] = {
        "model": model,
        "summary": {"test_accuracy": test_acc, "ms_per_step": ms, "parameters": params},
        "row": {
            "test accuracy": percent(test_acc, 2),
            "ms / step": round(ms, 2),
            "parameters": params,
        },
    }
    if key != "dense":
        predict(model.moe, data.test.x.flatten(1))  # the test set's routing, in eval mode
        load = model.moe.expert_load.tolist()
        measured["load"] = load
        measured["routing"] = _routing_by_class(model, data.test.x, data.test.y, config.experts)
        # balancing loss of the test batch's routing: 1 is uniform, E is one expert
        balance = float(model.moe.aux_loss)
        measured["summary"].update(
            {"expert_load": [round(v, 4) for v in load], "balance_loss": balance}
        )
        measured["row"]["balance loss (test)"] = round(balance, 3)
        measured["row"]["largest expert load"] = percent(max(load))
    return measured


def _note(config: MixtureConfig, width: int, s: dict) -> str:
    return (
        f"Mixture of experts: MNIST, {config.epochs} epochs of Adam (lr {config.lr:g}, batch "
        f"{config.batch_size}); experts are MLPs 784-{config.hidden}-10. The dense MLP has width "
        f"{width}, the parameter count a top-{config.k} model uses per example. Top-{config.k} "
        f"runs only the chosen experts: {s['moe_topk_ms_per_step']:.2f} ms per step against "
        f"{s['moe_soft_ms_per_step']:.2f} ms for soft gating of the same {config.experts} "
        f"experts. Balancing loss on the test set (1 = uniform, {config.experts} = one expert): "
        f"{s['moe_topk_balance_loss']:.2f} with the loss, "
        f"{s['moe_topk_nobalance_balance_loss']:.2f} without."
    )


def _inference_note(config: MixtureConfig, s: dict, examples: int) -> str:
    return (
        f"At inference (the {examples:,} test images as one batch, one thread, median of "
        f"{config.inference_repeats} interleaved passes; FLOPs: torch's FlopCounterMode, 2 per "
        "multiply-add, matrix products only): dispatching the top-1 model by gate needs "
        f"{s['moe_infer_topk_vs_topk_every_flops_saving']:.1f}x fewer FLOPs than running all "
        f"{config.experts} experts and keeping the chosen one (same outputs) and takes "
        f"{s['moe_infer_topk_vs_topk_every_seconds_saving']:.1f}x less time; against soft gating "
        f"{s['moe_infer_topk_vs_soft_flops_saving']:.1f}x fewer FLOPs, "
        f"{s['moe_infer_topk_vs_soft_seconds_saving']:.1f}x less time, accuracy "
        f"{100 * s['moe_infer_topk_vs_soft_accuracy_change']:+.2f} points. Serving the "
        "soft-trained mixture top-1 changes its accuracy by "
        f"{100 * s['moe_infer_soft_hard_vs_soft_accuracy_change']:+.2f} points."
    )
