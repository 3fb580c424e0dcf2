"""Learning-rate range test with a suggested rate, and a check of the configured rate.

Smith (2017), "Cyclical Learning Rates for Training Neural Networks" (section 3.3, the "LR
range test"): train for a couple of hundred steps while the learning rate grows from tiny to huge;
the loss first stays flat, then falls, then blows up. The useful rates lie where it falls.

Algorithm, on a deep copy of the model, with the configured optimizer (its momentum, weight
decay and options; no schedule), in train mode, on seeded minibatches of training examples:

    lr_k = lr_min * (lr_max / lr_min) ** (k / (steps - 1)),  k = 0 .. steps-1
    (lr_min = 1e-5, lr_max = max(10, 10 * configured lr), steps = 200, batches of 64:
    about 30 steps per decade)
    avg_k = 0.9 avg_{k-1} + 0.1 loss_k; smoothed_k = avg_k / (1 - 0.9^(k+1))
    (a memory of about 10 steps, a third of a decade: heavier smoothing lags the rate)
    noise = standard deviation of loss_0 .. loss_10 (the batch-to-batch spread at rates too
    small to move the model), best_k = min_{j<k} smoothed_j, progress_k = smoothed_0 - best_k,
    rise_k = smoothed_k - best_k
    the loss explodes at lr_k, the first k >= 10 with a non-finite loss, with
    rise_k > 3 * max(progress_k, 3 * noise) (a blow-up: the loss climbs three times as far
    above its best as it ever fell, and far beyond the noise when it never fell), or, after
    real progress (progress_k > 10 * noise), with rise_k > progress_k / 2 (the loss has undone
    half of its progress: with Adam a network often falls back to chance level rather than
    blowing up)

Every quantity in these rules is a difference of losses, so adding a constant to the loss
(an objective with a negative part, such as a log-likelihood or an entropy bonus) changes no
decision, and multiplying the loss by a constant scales both sides of every comparison alike.
(An earlier rule, smoothed_k > 4 * best_k, was neither: once the loss could go negative it
fired as soon as best_k < 0.) On a cross-entropy that starts at chance level the two rules
stop the test at about the rate where 4 * best_k and the old midpoint rule did.

Suggested rate: a tenth of the rate at the minimum of the smoothed loss (at the minimum the
loss is about to turn up; a tenth of it is still on the falling part), provided the loss fell
(smoothed_0 - min smoothed > 3 * noise: beyond the batch-to-batch spread). The rate of
steepest descent of the smoothed loss (per unit of log lr) is reported too.

Verdict on the configured rate: fail when it is at or above the rate where the loss explodes
(training as configured will diverge); warn when it is above the minimum-loss rate (close to
the edge: expect unstable training); warn when the loss never fell in the whole range (no
rate is good: see the overfit and activation checks).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from learnlab.doctor.common import Objective, device_of, seeded, working_copy
from learnlab.doctor.result import CheckResult, Status

LR_MIN = 1e-5
LR_MAX = 10.0
STEPS = 200
BATCH_SIZE = 64
BETA = 0.9
EXPLODE_FACTOR = 3.0  # a blow-up rises this many times the progress (or noise floor) over best
NOISE_FLOOR = 3.0  # the blow-up scale is at least this many times the warm-up noise
PROGRESS = 10.0  # progress beyond this many times the noise is real (half-progress rule)
WARMUP = 10  # steps before the explosion rule applies (the smoothed loss is still settling)
FELL_NOISE = 3.0  # the loss fell when its minimum is this many noise units below the first
# Relative rounding of the smoothed loss: a constant loss must not "rise" by an ulp.
ROUNDING = 1e-9


def range_test(
    model: nn.Module,
    objective: Objective,
    x: Tensor,
    y: Tensor,
    *,
    optimizer: str = "sgd",
    optimizer_kwargs: dict | None = None,
    lr_min: float = LR_MIN,
    lr_max: float = LR_MAX,
    steps: int = STEPS,
    batch_size: int = BATCH_SIZE,
    seed: int = 0,
) -> dict:
    """Run the range test on a copy of `model`; returns lrs, losses, smoothed losses, the
    warm-up noise of the loss and the explosion rate (None if the loss never exploded)."""
    from learnlab.train.optimizers import build_optimizer

    copy = working_copy(model).train()
    device = device_of(copy)
    params = [p for p in copy.parameters() if p.requires_grad]
    opt = build_optimizer(optimizer, params, lr=lr_min, **(optimizer_kwargs or {}))
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=generator)
    lrs, losses, smoothed = [], [], []
    average, best, first, noise, exploded_at = 0.0, math.inf, math.nan, math.nan, None
    position = 0
    with seeded(seed, device):
        for k in range(steps):
            lr = lr_min * (lr_max / lr_min) ** (k / max(1, steps - 1))
            for group in opt.param_groups:
                group["lr"] = lr
            if position + batch_size > len(order):
                order, position = torch.randperm(len(x), generator=generator), 0
            chosen = order[position : position + batch_size]
            position += batch_size
            loss = objective(copy, (x[chosen].to(device), y[chosen].to(device)))[0]
            value = loss.item()
            lrs.append(lr)
            losses.append(value)
            if not math.isfinite(value):
                smoothed.append(math.nan)
                exploded_at = lr
                break
            average = BETA * average + (1 - BETA) * value
            smooth = average / (1 - BETA ** (k + 1))
            smoothed.append(smooth)
            first = smooth if k == 0 else first
            if k == WARMUP:
                noise = _spread(losses)
            if k >= WARMUP and exploding(smooth, best, first, noise):
                exploded_at = lr
                break
            best = min(best, smooth)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    if math.isnan(noise):  # stopped (non-finite loss) before the end of the warm-up
        noise = _spread([v for v in losses if math.isfinite(v)])
    return {
        "lrs": lrs,
        "losses": losses,
        "smoothed": smoothed,
        "noise": noise,
        "exploded_at": exploded_at,
    }


def _spread(values: list[float]) -> float:
    """Population standard deviation (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def exploding(smooth: float, best: float, first: float, noise: float = 0.0) -> bool:
    """Has the smoothed loss blown up (risen over its best EXPLODE_FACTOR times as far as it
    ever fell, or as the noise floor) or, after real progress, undone half of that progress?
    Only differences of losses enter: adding a constant to the loss changes nothing."""
    progress, rise = first - best, smooth - best
    tiny = ROUNDING * abs(first)
    if rise > EXPLODE_FACTOR * max(progress, NOISE_FLOOR * noise, tiny):
        return True
    return progress > max(PROGRESS * noise, tiny) and rise > 0.5 * progress


def suggest(lrs: list[float], smoothed: list[float], noise: float = 0.0) -> dict:
    """The minimum-loss rate, the suggested rate (a tenth of it) and the steepest-descent rate;
    `noise` is the warm-up spread of the loss (the fall must exceed FELL_NOISE times it)."""
    finite = [(lr, s) for lr, s in zip(lrs, smoothed, strict=True) if math.isfinite(s)]
    if len(finite) < 3:
        return {"min_loss_lr": None, "suggested_lr": None, "steepest_lr": None, "fell": False}
    k_min = min(range(len(finite)), key=lambda k: finite[k][1])
    slopes = [
        (finite[k + 1][1] - finite[k][1]) / math.log(finite[k + 1][0] / finite[k][0])
        for k in range(len(finite) - 1)
    ]
    steepest = min(range(len(slopes[: max(1, k_min)])), key=lambda k: slopes[k])
    first, lowest = finite[0][1], finite[k_min][1]
    fell = first - lowest > max(FELL_NOISE * noise, ROUNDING * abs(first))
    return {
        "min_loss_lr": finite[k_min][0],
        "suggested_lr": finite[k_min][0] / 10 if fell else None,
        "steepest_lr": finite[steepest][0] if fell else None,
        "fell": fell,
    }


def check_lr_range(
    model: nn.Module,
    objective: Objective,
    x: Tensor,
    y: Tensor,
    *,
    optimizer: str = "sgd",
    optimizer_kwargs: dict | None = None,
    lr: float | None = None,
    seed: int = 0,
    steps: int = STEPS,
) -> CheckResult:
    """The range test for `optimizer` and a verdict on the configured rate `lr` (if given)."""
    from learnlab.doctor.figures import lr_range_figure

    if optimizer == "lbfgs":
        return CheckResult(
            "lr-range",
            "pass",
            "not run: L-BFGS chooses its step by line search, there is no rate to range over",
        )
    lr_max = max(LR_MAX, 10 * lr) if lr is not None else LR_MAX
    curve = range_test(
        model,
        objective,
        x,
        y,
        optimizer=optimizer,
        optimizer_kwargs=optimizer_kwargs,
        lr_max=lr_max,
        steps=steps,
        seed=seed,
    )
    picks = suggest(curve["lrs"], curve["smoothed"], curve["noise"])
    exploded_at = curve["exploded_at"]
    values = {"optimizer": optimizer, "configured_lr": lr, "exploded_at": exploded_at, **picks}
    values["steps_run"] = len(curve["lrs"])
    values["loss_noise"] = curve["noise"]
    status, summary, advice = _verdict(optimizer, lr, exploded_at, picks, steps)
    figure = lr_range_figure(
        curve["lrs"],
        curve["smoothed"],
        suggested=picks["suggested_lr"],
        exploded_at=exploded_at,
        configured=lr,
    )
    every = max(1, len(curve["lrs"]) // 25)
    rows = [
        {
            "step": k + 1,
            "lr": curve["lrs"][k],
            "loss": curve["losses"][k],
            "smoothed loss": curve["smoothed"][k],
        }
        for k in range(0, len(curve["lrs"]), every)
    ]
    return CheckResult(
        "lr-range",
        status,
        summary,
        advice,
        values,
        {"Learning-rate range test (every few steps)": rows},
        {f"Learning-rate range test ({optimizer})": figure},
    )


def _verdict(
    optimizer: str, lr: float | None, exploded_at: float | None, picks: dict, steps: int
) -> tuple[Status, str, list[str]]:
    suggested, at_min = picks["suggested_lr"], picks["min_loss_lr"]
    explodes = f"the loss explodes at lr {exploded_at:.2g}" if exploded_at else "no explosion"
    if picks["fell"]:
        found = (
            f"{optimizer}: suggested lr {suggested:.2g} (loss lowest at {at_min:.2g}; {explodes})"
        )
    else:
        found = (
            f"{optimizer}: the loss did not fall in {steps} steps from lr {LR_MIN:g} on "
            f"({explodes}), no suggestion"
        )
    if lr is not None and exploded_at is not None and lr >= exploded_at:
        instead = (
            f"about {suggested:.2g} (--lr {suggested:.2g})"
            if suggested
            else (f"a rate well below {exploded_at:.2g}")
        )
        return (
            "fail",
            f"configured lr {lr:g} is above where the loss explodes; {found}",
            [f"Training with {optimizer} at lr {lr:g} will diverge; use {instead}."],
        )
    if not picks["fell"]:
        return (
            "warn",
            found,
            [
                "No rate made the loss fall in this short test: see the overfit and activation "
                "checks, or try another optimizer (plain SGD can be slow to start)."
            ],
        )
    if lr is not None and lr > at_min:
        return (
            "warn",
            f"configured lr {lr:g} is past the loss minimum; {found}",
            [f"Expect unstable training; about {suggested:.2g} is safer."],
        )
    if lr is not None:
        return "pass", f"configured lr {lr:g} is below the explosion; {found}", []
    return "pass", found, []
