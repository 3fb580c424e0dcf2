"""The held-out examples with the highest loss: look at the actual outputs.

Lecture 004's first debugging strategy, "visualise the model in action": the examples a model
gets most wrong show label errors, ambiguous inputs, preprocessing bugs (a flipped or
mis-normalised image) and the classes it confuses.

Algorithm: per-example loss of the model (eval mode, on a copy) on up to 2,000 held-out
examples drawn with a seeded generator; the k = 16 largest, with the true label, the
predicted label and its probability, and the probability of the true label. For image data
(examples of shape (C, H, W) with C in {1, 3}, or (H, W), at least 4x4) a figure shows them.

Verdict: pass (this check shows, it does not judge), except a failure when some losses are
NaN/inf.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from learnlab.doctor.common import (
    Objective,
    device_of,
    indices,
    per_example_losses,
    predicted_classes,
    seeded,
    working_copy,
)
from learnlab.doctor.result import CheckResult

EXAMPLES = 2000
WORST = 16


def is_image(x: Tensor) -> bool:
    """Examples of shape (C, H, W) with C in {1, 3}, or (H, W), both sides at least 4 (so
    that MNIST-1D's (1, 40) signals are not drawn as images)."""
    shape = tuple(x.shape[1:])
    sides = shape[1:] if len(shape) == 3 and shape[0] in (1, 3) else shape
    return len(sides) == 2 and min(sides) >= 4


def check_worst_examples(
    model: nn.Module,
    objective: Objective,
    x: Tensor,
    y: Tensor,
    *,
    seed: int = 0,
    k: int = WORST,
    class_names: list[str] | None = None,
    trained: bool | None = None,
) -> CheckResult:
    """The `k` examples of (`x`, `y`) with the largest loss; `trained=False` adds a note that
    the model is as built (its worst examples are its initial guesses)."""
    from learnlab.doctor.figures import examples_figure

    chosen = indices(len(x), EXAMPLES, seed)
    copy = working_copy(model).eval()
    device = device_of(copy)
    xs, ys = x[chosen].to(device), y[chosen].to(device)
    with seeded(seed, device):
        losses, outputs = per_example_losses(objective, copy, xs, ys)
    finite = torch.isfinite(losses)
    order = torch.argsort(torch.where(finite, losses, torch.inf), descending=True)[:k]
    predicted = predicted_classes(outputs, ys)

    def name(c: int) -> str:
        return class_names[c] if class_names and 0 <= c < len(class_names) else str(c)

    rows = []
    titles = []
    for rank, i in enumerate(order.tolist(), start=1):
        row = {"rank": rank, "test index": int(chosen[i]), "loss": float(losses[i])}
        if predicted is not None and ys.dim() == 1:
            probs = torch.softmax(outputs[i].double(), dim=-1)
            true, guess = int(ys[i]), int(predicted[i])
            row.update(
                {
                    "true": name(true),
                    "predicted": name(guess),
                    "p(predicted)": float(probs[guess]),
                    "p(true)": float(probs[true]),
                }
            )
            titles.append(f"{name(true)} -> {name(guess)}\nloss {float(losses[i]):.2f}")
        else:
            titles.append(f"#{int(chosen[i])} loss {float(losses[i]):.2g}")
        rows.append(row)
    figures = {}
    if is_image(xs) and rows:
        caption = "Worst held-out examples (true -> predicted, loss)"
        figures[caption] = examples_figure(xs[order].cpu(), titles)
    bad = int((~finite).sum())
    values = {
        "examples_scored": len(chosen),
        "mean_loss": float(losses[finite].mean()) if finite.any() else float("nan"),
        "worst": rows,
        "non_finite_losses": bad,
    }
    if predicted is not None and ys.dim() == 1:
        values["accuracy"] = float((predicted == ys).float().mean())
    advice = []
    if bad:
        status, summary = "fail", f"{bad} of {len(chosen)} held-out examples have a NaN/inf loss"
        advice.append("Inspect those examples and the model's outputs on them.")
    else:
        worst_loss = rows[0]["loss"] if rows else float("nan")
        summary = (
            f"{len(rows)} worst of {len(chosen)} held-out examples (loss up to "
            f"{worst_loss:.3g}, mean {values['mean_loss']:.3g}); look at them in the report"
        )
        status = "pass"
    if trained is False:
        summary += " (untrained model)"
        advice.append(
            "The model is as built, so these are its initial guesses; give trained weights "
            "(--weights RUN_DIR) to see what a trained model gets wrong."
        )
    return CheckResult(
        "worst-examples",
        status,
        summary,
        advice,
        values,
        {"Worst held-out examples": rows},
        figures,
    )
