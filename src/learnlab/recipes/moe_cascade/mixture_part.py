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
digits go to which expert (top-1 routing).
"""

from __future__ import annotations

import math

import torch
from pydantic import Field

from learnlab.config import StrictModel
from learnlab.recipes.moe_cascade.part import PartResult


class MixtureConfig(StrictModel):
    """Settings of the mixture-of-experts part; the defaults are the recipe's."""

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
    seed: int = Field(0, ge=0)
    data_root: str | None = None
    download: bool = True
    progress: bool = True


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


def run_part(config: MixtureConfig, *, console) -> PartResult:
    from learnlab.metrics.scores import accuracy
    from learnlab.models import build_model
    from learnlab.objectives.auxiliary import WithAuxiliaryLoss
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.recipes.moe_cascade.training import fit, load_mnist, predict

    if config.k > config.experts:
        from learnlab.io.errors import ConfigError

        raise ConfigError(f"mixture.k must be at most mixture.experts={config.experts}")
    data = load_mnist(
        config.data_root,
        config.download,
        val_size=0,
        limit_train=config.limit_train,
        seed=config.seed,
    )
    in_features = math.prod(data.train.x.shape[1:])
    width = dense_width(config, in_features, 10)
    result = PartResult()
    rows, loads, routing = [], {}, {}
    for key, label, options, weight in _variants(config, width):
        console.print(f"[bold]moe[/]: training {label}")
        torch.manual_seed(config.seed)
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
            seed=config.seed,
            console=console,
            progress=config.progress,
        )
        test_acc = accuracy(data.test.y, predict(model, data.test.x).argmax(dim=1))
        params = sum(p.numel() for p in model.parameters())
        result.summary[f"moe_{key}_test_accuracy"] = test_acc
        result.summary[f"moe_{key}_ms_per_step"] = 1000 * record["seconds_per_step"]
        result.summary[f"moe_{key}_parameters"] = params
        row = {
            "model": label,
            "test accuracy": f"{100 * test_acc:.2f}%",
            "ms / step": round(1000 * record["seconds_per_step"], 2),
            "parameters": params,
        }
        if key != "dense":
            predict(model.moe, data.test.x.flatten(1))  # the test set's routing, in eval mode
            load = model.moe.expert_load.tolist()
            loads[key] = load
            routing[key] = _routing_by_class(model, data.test.x, data.test.y, config.experts)
            result.summary[f"moe_{key}_expert_load"] = [round(v, 4) for v in load]
            # balancing loss of the test batch's routing: 1 is uniform, E is one expert
            result.summary[f"moe_{key}_balance_loss"] = float(model.moe.aux_loss)
            row["balance loss (test)"] = round(float(model.moe.aux_loss), 3)
            row["largest expert load"] = f"{100 * max(load):.1f}%"
        rows.append(row)
    result.tables["Mixture of experts on MNIST"] = rows
    result.figures["Expert load on the test set"] = _load_figure(loads, config)
    result.figures["Top-1 expert of each digit (test set)"] = _routing_figure(routing, config)
    result.notes.append(_note(config, width, result.summary))
    return result


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


def _load_figure(loads: dict[str, list[float]], config: MixtureConfig):
    from learnlab.recipes.moe_cascade.training import new_figure

    fig = new_figure(8, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / max(1, len(loads))
    positions = torch.arange(config.experts, dtype=torch.float64)
    for i, (key, load) in enumerate(loads.items()):
        ax.bar((positions + (i - (len(loads) - 1) / 2) * width).tolist(), load, width, label=key)
    ax.axhline(1 / config.experts, color="black", linewidth=0.8, linestyle="--", label="uniform")
    ax.set_xlabel("expert")
    ax.set_ylabel("fraction of examples (soft: mean weight)")
    ax.set_xticks(range(config.experts))
    ax.legend(fontsize=8)
    return fig


def _routing_figure(routing: dict[str, torch.Tensor], config: MixtureConfig):
    from learnlab.recipes.moe_cascade.training import new_figure

    fig = new_figure(3.4 * len(routing), 3.4)
    for i, (key, matrix) in enumerate(routing.items()):
        ax = fig.add_subplot(1, len(routing), i + 1)
        ax.imshow(matrix.numpy(), vmin=0, vmax=1, cmap="Blues", aspect="auto")
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("top-1 expert")
        ax.set_ylabel("digit")
        ax.set_yticks(range(10))
        ax.set_xticks(range(config.experts))
    return fig
