"""Gradient check: backpropagation's derivatives against central finite differences.

The lecture's debugging advice, "compare backprop derivatives to finite differences"; the
method is the classical one (see e.g. Goodfellow, Bengio & Courville, 2016, "Deep Learning",
section 11.5, "Debugging strategies").

Algorithm, on a float64 deep copy of the model in eval mode (dropout off, batch norm on its
running statistics, so the function is deterministic) and a few examples:

    g = d loss / d theta by autograd
    for each parameter tensor, for up to `coordinates` coordinates i drawn with a seeded
    generator:
        f+, f0, f- = loss(theta + h e_i), loss(theta), loss(theta - h e_i)        (h = 1e-6)
        n_i = (f+ - f-) / (2 h)
        r_i = |g_i - n_i| / max(|g_i|, |n_i|, floor),   floor = 1e-5 * max(1, |f0|)
    coordinate i mismatches when r_i > 1e-3; the tensor's max relative error is max_i r_i

In float64 the difference quotient is accurate to about 1e-9 * max(1, |loss|) (rounding of
order eps * |loss| / h; truncation of order h^2), so a correct backward gives r_i well below
1e-3, and the floor keeps near-zero derivatives, whose relative error is all rounding, from
counting as mismatches (it makes the test absolute, at 1e-8 * max(1, |loss|), below the floor).
A wrong backward is off by a factor of order one and makes most coordinates of every tensor
upstream of it mismatch.

Kinks: ReLU at 0 or a max-pooling tie inside [theta - h, theta + h] also makes a mismatch,
which says nothing about the code. There the one-sided slopes (f+ - f0)/h and (f0 - f-)/h
disagree, and autograd's derivative equals the slope on the side without the kink; a
mismatch with min(|g - forward|, |g - backward|) <= 0.1 |forward - backward| is counted as a
kink, not a mismatch (for a smooth function with a wrong derivative the two slopes agree to
O(h) and neither matches g). A tensor fails when more than a quarter of its sampled
coordinates mismatch: then a single mismatch fails a tensor with at most three checked
coordinates (a scalar such as a learnable temperature has only one coordinate to be wrong
in, so one mismatch there is all the evidence there can be). In a larger tensor an isolated
mismatch is a warning: a derivative wrong only at a few coordinates (an indexing or masking
bug), or a kink the one-sided slopes missed (two kinks inside one step); the warning says
which is likelier from whether kinks were detected elsewhere in the model.

What to do when it fails: the failing tensors sit upstream of the wrong derivative (the
earliest layer whose own parameters pass, or the output, brackets it); check custom
`torch.autograd.Function`s with `torch.autograd.gradcheck`, and look for in-place operations
and `.detach()`/`.data` that cut the graph.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from learnlab.doctor.common import (
    Objective,
    device_of,
    indices,
    seeded,
    single_thread,
    working_copy,
)
from learnlab.doctor.result import CheckResult, Status

STEP = 1e-6
FLOOR = 1e-5  # times max(1, |loss|)
MISMATCH = 1e-3
KINK_RATIO = 0.1
FAIL_FRACTION = 0.25


def relative_errors(analytic: Tensor, numeric: Tensor, floor: float) -> Tensor:
    """|a - n| / max(|a|, |n|, floor), elementwise."""
    scale = torch.maximum(analytic.abs(), numeric.abs()).clamp_min(floor)
    return (analytic - numeric).abs() / scale


def at_kink(analytic: Tensor, forward: Tensor, backward: Tensor) -> Tensor:
    """Elementwise: does `analytic` match one one-sided slope while the two slopes disagree
    (a kink inside the step, see the module docstring)?"""
    nearest = torch.minimum((analytic - forward).abs(), (analytic - backward).abs())
    return nearest <= KINK_RATIO * (forward - backward).abs()


def shifted_losses(
    loss_at: Callable[[], float], p: Tensor, chosen: Tensor, step: float
) -> tuple[Tensor, Tensor]:
    """loss(theta + h e_i) and loss(theta - h e_i) for each flat index i of `chosen` in `p`
    (float64; `p` is changed in place and put back exactly). The central difference is
    (plus - minus) / (2 h)."""
    plus = torch.empty(len(chosen), dtype=torch.float64)
    minus = torch.empty(len(chosen), dtype=torch.float64)
    flat = p.detach().view(-1)
    for k, i in enumerate(chosen.tolist()):
        original = flat[i].item()
        flat[i] = original + step
        plus[k] = loss_at()
        flat[i] = original - step
        minus[k] = loss_at()
        flat[i] = original
    return plus, minus


def _loss(objective: Objective, model: nn.Module, batch, seed: int) -> Tensor:
    # Reseeded before every evaluation: a layer that stays random in eval mode then sees the
    # same draws at theta + h and theta - h.
    with seeded(seed, batch[0].device):
        return objective(model, batch)[0]


def check_gradients(
    model: nn.Module,
    objective: Objective,
    x: Tensor,
    y: Tensor,
    *,
    seed: int = 0,
    coordinates: int = 24,
    step: float = STEP,
) -> CheckResult:
    """Compare autograd's gradient of `objective` on (`x`, `y`) with central differences."""
    with single_thread():
        return _check(model, objective, x, y, seed=seed, coordinates=coordinates, step=step)


def _check(
    model: nn.Module,
    objective: Objective,
    x: Tensor,
    y: Tensor,
    *,
    seed: int,
    coordinates: int,
    step: float,
) -> CheckResult:
    model64 = working_copy(model).double().eval()
    device = device_of(model64)
    x64 = x.to(device=device, dtype=torch.float64) if x.is_floating_point() else x.to(device)
    y64 = y.to(device=device, dtype=torch.float64) if y.is_floating_point() else y.to(device)
    batch = (x64, y64)

    named = [(n, p) for n, p in model64.named_parameters() if p.requires_grad]
    frozen = [n for n, p in model64.named_parameters() if not p.requires_grad]
    if not named:
        return CheckResult(
            "gradients",
            "warn",
            "the model has no trainable parameters: nothing to check",
            advice=["Set requires_grad=True on the parameters that should learn."],
        )
    loss = _loss(objective, model64, batch, seed)
    if not torch.isfinite(loss):
        return CheckResult(
            "gradients",
            "fail",
            f"the loss of the float64 model is {loss.item()} before any training",
            advice=["Look for log(0), division by zero or overflow in the model or objective."],
        )
    loss.backward()
    base = loss.item()
    floor = FLOOR * max(1.0, abs(base))

    rows, statuses = [], []
    with torch.no_grad():
        for t, (name, p) in enumerate(named):
            analytic = p.grad.reshape(-1) if p.grad is not None else torch.zeros_like(p).reshape(-1)
            chosen = indices(p.numel(), coordinates, seed + t)
            plus, minus = shifted_losses(
                lambda: _loss(objective, model64, batch, seed).item(), p, chosen, step
            )
            g = analytic[chosen].cpu()
            errors = relative_errors(g, (plus - minus) / (2 * step), floor)
            # NaN counts as a mismatch too (a comparison with NaN is False)
            off = ~(errors <= MISMATCH)
            kinks = off & at_kink(g, (plus - base) / step, (base - minus) / step)
            mismatched = int((off & ~kinks).sum())
            status = _tensor_status(mismatched, len(chosen))
            statuses.append(status)
            rows.append(
                {
                    "parameter": name,
                    "shape": "x".join(map(str, p.shape)) or "scalar",
                    "checked": len(chosen),
                    # kinks are reported in their own column, not as errors of the code
                    "max relative error": _max_or_zero(errors[~kinks]),
                    "mismatched": mismatched,
                    "kinks": int(kinks.sum()),
                    "status": status.upper(),
                    "no gradient": p.grad is None,
                }
            )
    return _result(rows, statuses, frozen, len(x))


def _max_or_zero(values: Tensor) -> float:
    if len(values) == 0:
        return 0.0
    return float("nan") if values.isnan().any() else float(values.max())


def _tensor_status(mismatched: int, checked: int) -> Status:
    # No "at least two" guard: a tensor with one to three checked coordinates can only fail
    # on a single mismatch, and a wrong backward of a scalar parameter must fail.
    if mismatched > FAIL_FRACTION * checked:
        return "fail"
    return "warn" if mismatched else "pass"


def _result(rows: list[dict], statuses: list[Status], frozen: list[str], n: int) -> CheckResult:
    failing = [r["parameter"] for r, s in zip(rows, statuses, strict=True) if s == "fail"]
    isolated = [r["parameter"] for r, s in zip(rows, statuses, strict=True) if s == "warn"]
    worst_error = max(r["max relative error"] for r in rows)
    checked = sum(r["checked"] for r in rows)
    kinks = sum(r["kinks"] for r in rows)
    values = {
        "max_relative_error": worst_error,
        "failing_tensors": failing,
        "tensors_with_isolated_mismatch": isolated,
        "coordinates_checked": checked,
        "kinks": kinks,
        "examples": n,
        "step": STEP,
        "mismatch_threshold": MISMATCH,
    }
    advice: list[str] = []
    if failing:
        status: Status = "fail"
        summary = (
            f"backprop disagrees with finite differences for {len(failing)} of {len(rows)} "
            f"parameter tensors: {', '.join(failing)}"
        )
        advice = [
            f"The wrong derivative lies downstream of {failing[0]} and upstream of the first "
            "tensor after it that passes; check custom autograd Functions there with "
            "torch.autograd.gradcheck, and look for in-place ops or .detach()/.data.",
        ]
    elif isolated:
        status = "warn"
        summary = (
            f"isolated mismatches in {', '.join(isolated)} (max relative error {worst_error:.1e})"
        )
        if kinks:
            # kinks were found elsewhere: an undetected one (two inside one step) is plausible
            summary += "; possibly kinks of ReLU or max pooling the one-sided slopes missed"
        else:
            summary += (
                "; backprop is wrong at a few coordinates (no kink was detected to explain "
                "them): look for an indexing, masking or boundary bug in a custom backward"
            )
        advice = ["Rerun with another --seed: a kink moves, a wrong derivative stays."]
    else:
        status = "pass"
        summary = (
            f"max relative error {worst_error:.1e} over {len(rows)} tensors "
            f"({checked} coordinates, float64, {n} examples)"
        )
    if kinks:
        summary += f"; {kinks} coordinates at a kink (ReLU/max pool) set aside"
    if frozen:
        summary += f"; {len(frozen)} frozen tensors skipped"
    return CheckResult(
        "gradients", status, summary, advice, values, {"Gradient check per parameter": rows}
    )
