"""The moe-cascade recipe's inference measurements (inference.py) on tiny models: the cascade's
decisions and FLOPs against its stages run alone, the savings rows, and the mixtures' hard
dispatch against the models' own outputs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.metrics.cascade import Cascade
from learnlab.models import build_model
from learnlab.recipes.moe_cascade.inference import cascade_inference, mixture_inference


def _scorer(model: nn.Module):
    def score(x: torch.Tensor) -> torch.Tensor:
        return model(x).softmax(dim=1)[:, 1]

    return score


def test_the_cascade_is_stage_2_where_stage_1_passes_and_a_rejection_elsewhere():
    torch.manual_seed(0)
    cheap_model = nn.Linear(6, 2)
    expensive_model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 2))
    cheap, expensive = _scorer(cheap_model), _scorer(expensive_model)
    x = torch.randn(400, 6)
    y = (x[:, 0] > 0.8).long()
    with torch.no_grad():
        cheap_scores, expensive_scores = cheap(x), expensive(x)
    threshold = float(cheap_scores.median())
    cascade = Cascade(cheap, expensive, cheap_threshold=threshold)
    out = cascade.predict(x)
    passed = cheap_scores >= threshold
    alone = (expensive_scores >= 0.5).long()
    assert 0 < int(passed.sum()) < len(x)
    assert torch.equal(out.prediction[passed], alone[passed])
    assert not out.prediction[~passed].any()  # the cheap stage's rejection

    decisions = {"cheap": (cheap_scores >= 0.5).long(), "expensive": alone}
    decisions["cascade"] = out.prediction
    forwards = {"cheap": cheap, "expensive": expensive, "cascade": cascade.predict}
    labels = {key: key for key in forwards}
    costs, summary, tables = cascade_inference(forwards, decisions, labels, x, y, repeats=2)
    # FLOPs: 2 per multiply-add; the CNN's share is the fraction that passed
    cheap_flops, expensive_flops = 2 * 6 * 2, 2 * (6 * 32 + 32 * 2)
    assert costs["cheap"].flops == cheap_flops and costs["expensive"].flops == expensive_flops
    fraction = float(passed.double().mean())
    assert costs["cascade"].flops == pytest.approx(cheap_flops + fraction * expensive_flops)
    assert summary["cascade_infer_flops_saving"] == pytest.approx(
        expensive_flops / (cheap_flops + fraction * expensive_flops)
    )
    accuracy = {key: float((d == y).double().mean()) for key, d in decisions.items()}
    assert summary["cascade_infer_cascade_accuracy"] == accuracy["cascade"]
    assert summary["cascade_infer_accuracy_change"] == pytest.approx(
        accuracy["cascade"] - accuracy["expensive"]
    )
    (saving,) = tables["Inference savings of the cascade (test set)"]
    assert saving["instead of"] == "expensive"


def test_mixture_inference_serves_the_trained_models():
    torch.manual_seed(1)
    shape, experts, hidden = (1, 4, 4), 3, 5
    models = {
        "dense": build_model("mlp", shape, 10, depth=1, width=7),
        "soft": build_model("moe-mlp", shape, 10, experts=experts, hidden=hidden, gating="soft"),
        "topk": build_model(
            "moe-mlp", shape, 10, experts=experts, hidden=hidden, gating="topk", k=1, noisy=False
        ),
    }
    x, y = torch.randn(300, *shape), torch.randint(0, 10, (300,))
    summary, tables = mixture_inference(models, x, y, width=7, repeats=1)
    with torch.no_grad():  # the top-1 model's own eval forward: its chosen expert only
        own = (models["topk"](x).argmax(dim=1) == y).double().mean()
    assert summary["moe_infer_topk_accuracy"] == pytest.approx(float(own))
    assert summary["moe_infer_topk_every_accuracy"] == summary["moe_infer_topk_accuracy"]
    gate, expert = 2 * 16 * experts, 2 * (16 * hidden + hidden * 10)
    assert summary["moe_infer_topk_flops"] == gate + expert
    assert summary["moe_infer_soft_flops"] == gate + experts * expert
    savings = tables["Inference savings of hard gating (test set)"]
    assert [row["FLOPs saved (x)"] for row in savings[:3]] == [
        round((gate + experts * expert) / (gate + expert), 2)
    ] * 3
    assert len(tables["Inference cost of the mixtures (test set, one thread)"]) == 5
