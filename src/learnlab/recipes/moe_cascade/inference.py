"""The mixture and cascade parts measured at inference (`learnlab.deploy.inference_cost`): FLOPs
and milliseconds per example of each way of serving the trained models on the test set, and
what each cheap way saves against the model it replaces, beside the accuracy it costs.

Mixture (all on the same trained models): the dense MLP; soft gating with every expert run;
the soft-trained mixture served with hard (top-1) gating, only the gate's first expert run;
the top-1 model computed the wasteful way (every expert, then the chosen output kept) and
dispatched by gate (only the chosen expert). Cascade: the cheap and the expensive stage alone,
and the cascade (the cheap stage on every example, the expensive one on those it passes).

Summary keys: `moe_infer_<system>_{flops,ms_per_example,accuracy}`, per saving
`moe_infer_<system>_vs_<replaced>_{flops_saving,seconds_saving,accuracy_change}` (savings are
the replaced cost over the new one, accuracy changes in fractions, new minus replaced), and
the same for the cascade (`cascade_infer_*`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from learnlab.deploy.inference_cost import (
    InferenceCost,
    every_expert_selected,
    hard_gated_forward,
    measure_inference,
)
from learnlab.result import percent

# (system, the system it replaces): the savings each mixture table reports
MIXTURE_SAVINGS = (
    ("topk", "topk_every"),  # dispatch alone: the same outputs, so no accuracy change
    ("topk", "soft"),  # lecture L4's claim: hard MoE against regular MoE
    ("soft_hard", "soft"),  # the soft-trained mixture served top-1
    ("topk", "dense"),  # against the dense MLP with the same active parameters
)


def mixture_systems(models: Mapping[str, torch.nn.Module], width: int, experts: int) -> dict:
    """key -> (label, forward on images) of each way of serving the trained mixtures."""
    for model in models.values():
        model.eval()
    soft, top1 = models["soft"].moe, models["topk"].moe
    return {
        "dense": (f"dense MLP, width {width}", models["dense"]),
        "soft": (f"soft gating, all {experts} experts run", models["soft"]),
        "soft_hard": (
            "soft-trained, served top-1 (chosen expert only)",
            lambda x: hard_gated_forward(soft, x.flatten(1)),
        ),
        "topk_every": (
            f"top-1 model, all {experts} experts run, chosen kept",
            lambda x: every_expert_selected(top1, x.flatten(1)),
        ),
        "topk": (
            "top-1 model, dispatched (chosen expert only)",
            lambda x: hard_gated_forward(top1, x.flatten(1)),
        ),
    }


def mixture_inference(
    models: Mapping[str, torch.nn.Module], x: Tensor, y: Tensor, width: int, repeats: int
) -> tuple[dict[str, Any], dict[str, list[dict]]]:
    """Summary keys and the two tables of the mixtures' inference cost on (x, y)."""
    systems = mixture_systems(models, width, len(models["soft"].moe.experts))
    forwards = {key: forward for key, (_, forward) in systems.items()}
    accuracy = {key: _accuracy(forward, x, y) for key, forward in forwards.items()}
    costs = measure_inference(forwards, x, repeats=repeats)
    labels = {key: label for key, (label, _) in systems.items()}
    summary = _cost_summary("moe_infer", costs, accuracy)
    rows = []
    for new, old in MIXTURE_SAVINGS:
        row, keys = _saving(labels[new], labels[old], costs[new], costs[old], accuracy, new, old)
        rows.append(row)
        summary.update({f"moe_infer_{new}_vs_{old}_{k}": v for k, v in keys.items()})
    tables = {
        "Inference cost of the mixtures (test set, one thread)": _cost_rows(
            labels, costs, accuracy
        ),
        "Inference savings of hard gating (test set)": rows,
    }
    return summary, tables


def cascade_inference(
    forwards: Mapping[str, Callable[[Tensor], object]],
    decisions: Mapping[str, Tensor],
    labels: Mapping[str, str],
    x: Tensor,
    y: Tensor,
    repeats: int,
) -> tuple[dict[str, InferenceCost], dict[str, Any], dict[str, list[dict]]]:
    """Costs, summary keys and tables of the cascade's stages and the cascade; `forwards` and
    `decisions` (0/1 on x) under the keys cheap, expensive and cascade."""
    costs = measure_inference(forwards, x, repeats=repeats)
    accuracy = {key: float((d == y).double().mean()) for key, d in decisions.items()}
    summary = _cost_summary("cascade_infer", costs, accuracy)
    row, keys = _saving(
        labels["cascade"],
        labels["expensive"],
        costs["cascade"],
        costs["expensive"],
        accuracy,
        "cascade",
        "expensive",
    )
    summary.update({f"cascade_infer_{k}": v for k, v in keys.items()})
    tables = {
        "Inference cost of the cascade (test set, one thread)": _cost_rows(labels, costs, accuracy),
        "Inference savings of the cascade (test set)": [row],
    }
    return costs, summary, tables


@torch.no_grad()
def _accuracy(forward, x: Tensor, y: Tensor) -> float:
    return float((forward(x).argmax(dim=1) == y).double().mean())


def _cost_summary(
    prefix: str, costs: Mapping[str, InferenceCost], accuracy: Mapping[str, float]
) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for key, cost in costs.items():
        summary[f"{prefix}_{key}_flops"] = cost.flops
        summary[f"{prefix}_{key}_ms_per_example"] = cost.ms
        summary[f"{prefix}_{key}_accuracy"] = accuracy[key]
    return summary


def _cost_rows(
    labels: Mapping[str, str],
    costs: Mapping[str, InferenceCost],
    accuracy: Mapping[str, float],
) -> list[dict[str, object]]:
    return [
        {
            "system": labels[key],
            "test accuracy": percent(accuracy[key], 2),
            "FLOPs / example": f"{cost.flops:,.0f}",
            "ms / example (median)": f"{cost.ms:.4f}",
            "ms range": f"{1000 * cost.seconds_min:.4f}-{1000 * cost.seconds_max:.4f}",
        }
        for key, cost in costs.items()
    ]


def _saving(
    new_label: str,
    old_label: str,
    new: InferenceCost,
    old: InferenceCost,
    accuracy: Mapping[str, float],
    new_key: str,
    old_key: str,
) -> tuple[dict[str, object], dict[str, float]]:
    """A savings row (new instead of old) and its summary values."""
    flops, seconds = new.saving(old)
    change = accuracy[new_key] - accuracy[old_key]
    keys = {"flops_saving": flops, "seconds_saving": seconds, "accuracy_change": change}
    row = {
        "system": new_label,
        "instead of": old_label,
        "FLOPs saved (x)": round(flops, 2),
        "time saved (x)": round(seconds, 2),
        "accuracy change (points)": f"{100 * change:+.2f}",
    }
    return row, keys
