"""Overfit a tiny batch: a working model and training loop memorise 32 examples.

The lecture's "fit a tiny dataset; if not possible, probably a bad implementation" (also
Karpathy, 2019, "A recipe for training neural networks": "overfit one batch").

Algorithm, on a deep copy of the model: 32 training examples drawn with a seeded generator;
Adam (Kingma & Ba, 2015) at lr 1e-3 on that one full batch, in train mode, for at most 500
steps; every 10 steps the accuracy on the batch is measured in eval mode (so dropout does not
hide what the model has learnt). Pass when it reaches 100% (for regression targets: the loss
falls below 1% of its initial value). The optimizer is fixed on purpose: with a setting known
to work, a failure points at the model, the objective or the data, not the tuning.

When it does not get there the check says why, in this order: the loss became NaN/inf
(diverged); identical inputs in the batch carry different labels (100% is impossible: the
data is the problem); the loss fell by less than 10% (stuck: no gradient reaches the weights,
dead units, or a loss that ignores the outputs); otherwise it was still falling (too slow:
too small a model or too much regularisation, such as dropout or weight decay), a warning.
"""

from __future__ import annotations

import math
import time

import torch
from torch import Tensor, nn

from learnlab.doctor.common import (
    Objective,
    device_of,
    predicted_classes,
    seeded,
    working_copy,
)
from learnlab.doctor.result import CheckResult

TINY_BATCH = 32
LR = 1e-3
MAX_STEPS = 500
EVAL_EVERY = 10
STUCK_FRACTION = 0.9  # final/initial loss above this: the loss did not really move
REGRESSION_TARGET = 0.01


def conflicting_labels(x: Tensor, y: Tensor) -> int:
    """How many examples share their exact input with an example of another label."""
    flat = x.reshape(len(x), -1)
    _, groups = torch.unique(flat, dim=0, return_inverse=True)
    conflicts = 0
    for g in groups.unique():
        labels = y[groups == g]
        if len(labels) > 1 and not (labels == labels[0]).all():
            conflicts += len(labels)
    return conflicts


def _accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float | None:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            predicted = predicted_classes(model(x), y)
    finally:
        model.train(was_training)
    return None if predicted is None else (predicted == y).float().mean().item()


def check_overfit(
    model: nn.Module,
    objective: Objective,
    x: Tensor,
    y: Tensor,
    *,
    seed: int = 0,
    max_steps: int = MAX_STEPS,
    lr: float = LR,
) -> CheckResult:
    """Train a copy of `model` on the tiny batch (`x`, `y`) until it fits or `max_steps`."""
    from learnlab.doctor.figures import overfit_figure
    from learnlab.train.optimizers import build_optimizer

    copy = working_copy(model).train()
    device = device_of(copy)
    x, y = x.to(device), y.to(device)
    optimizer = build_optimizer("adam", [p for p in copy.parameters() if p.requires_grad], lr=lr)
    losses: list[float] = []
    accuracies: list[tuple[int, float]] = []
    fitted_at = None
    diverged_at = None
    start = time.perf_counter()
    with seeded(seed, device):
        accuracy = _accuracy(copy, x, y)
        classification = accuracy is not None
        if classification:
            accuracies.append((0, accuracy))
        for step in range(1, max_steps + 1):
            loss = objective(copy, (x, y))[0]
            losses.append(loss.item())
            if not math.isfinite(losses[-1]):
                diverged_at = step
                break
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if classification and (step % EVAL_EVERY == 0 or step == max_steps):
                accuracy = _accuracy(copy, x, y)
                accuracies.append((step, accuracy))
                if accuracy == 1.0:
                    fitted_at = step
                    break
            elif not classification and losses[-1] < REGRESSION_TARGET * losses[0]:
                fitted_at = step
                break
    seconds = time.perf_counter() - start
    goal = "100% training accuracy" if classification else "1% of the initial loss"
    values = {
        "examples": len(x),
        "steps": len(losses),
        "fitted_at_step": fitted_at,
        "initial_loss": losses[0] if losses else math.nan,
        "final_loss": losses[-1] if losses else math.nan,
        "final_accuracy": accuracies[-1][1] if accuracies else None,
        "optimizer": f"adam lr {lr:g}",
    }
    figures = {"Overfitting a tiny batch": overfit_figure(losses, accuracies)}
    row = {k: "none" if v is None else v for k, v in values.items()}
    table = {"Overfitting a tiny batch": [row]}
    status, summary, advice = _verdict(x, y, values, diverged_at, goal, classification)
    return CheckResult("overfit", status, summary, advice, values, table, figures, seconds)


def _verdict(x, y, values: dict, diverged_at, goal: str, classification: bool):
    n, steps = values["examples"], values["steps"]
    first, last = values["initial_loss"], values["final_loss"]
    if values["fitted_at_step"] is not None:
        return (
            "pass",
            f"{goal} on {n} examples after {values['fitted_at_step']} steps "
            f"(loss {first:.3g} -> {last:.3g})",
            [],
        )
    if diverged_at is not None:
        return (
            "fail",
            f"diverged: the loss became {last} at step {diverged_at} of Adam lr {LR:g}",
            [
                "Even a small learning rate diverges: look for log(0), division by small "
                "numbers or exp overflow in the model or the loss; check the inputs for NaN.",
            ],
        )
    conflicts = conflicting_labels(x.cpu(), y.cpu()) if classification else 0
    if conflicts:
        return (
            "warn",
            f"cannot reach {goal}: {conflicts} of the {n} examples share their input with "
            "an example of another label",
            ["Check the labels: identical inputs with different labels cannot all be fitted."],
        )
    reached = f"{100 * values['final_accuracy']:.0f}% accuracy, " if classification else ""
    if last > STUCK_FRACTION * first:
        return (
            "fail",
            f"stuck: {reached}loss {first:.3g} -> {last:.3g} in {steps} steps on {n} examples",
            [
                "The loss barely moves: gradients may not reach the weights (see the gradient "
                "and activation checks: dead units, detached tensors), or the loss may not "
                "depend on the outputs the way it should (wrong targets, wrong reduction).",
            ],
        )
    return (
        "warn",
        f"slow: {reached}loss {first:.3g} -> {last:.3g} in {steps} steps on {n} examples, "
        f"short of {goal}",
        [
            "The loss falls but the model does not memorise 32 examples: it may be too small "
            "or too regularised (dropout, weight decay, heavy augmentation in the model).",
        ],
    )
