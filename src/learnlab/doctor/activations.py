"""Activation and gradient statistics per layer: dead ReLUs, saturated units, vanishing or
exploding gradients.

The lecture's "measure activations of neuron layers". Dead units: a ReLU unit whose input is
negative for every example passes no gradient and never recovers (Lu et al., 2019, "Dying
ReLU and initialization: theory and numerical examples"). Saturation: sigmoid and tanh units
driven to their flat tails pass almost no gradient (Glorot & Bengio, 2010, "Understanding the
difficulty of training deep feedforward neural networks", who measured exactly these
per-layer activation and gradient statistics). Vanishing and exploding gradients: Hochreiter
(1991); Bengio, Simard & Frasconi (1994), "Learning long-term dependencies with gradient
descent is difficult".

Algorithm, on a deep copy of the model in train mode (as training sees it), on one seeded
batch of training examples:

    a forward hook on every leaf module records its output's mean and std, and, for ReLU
    and ReLU6 modules, each unit's "ever positive" flag; for Sigmoid and Tanh, how often each
    unit is saturated (sigmoid output < 0.01 or > 0.99; |tanh| > 0.99: slope below 2-4% of
    its maximum). A unit is a feature of a (N, F) output and a channel of a (N, C, ...)
    output (a convolution's filter). The hook also puts a hook on the output tensor that
    records the norm of the loss's gradient with respect to it.
    loss.backward() through the objective; then each module's own parameters give
    ||grad W|| and ||W||.

Verdicts (thresholds in the constants below): a layer with >= 30% dead or saturated units
is a warning, >= 50% a failure. (PyTorch's default initialisation already leaves 14-21% of
LeNet-5's F6 units dead on MNIST, measured over 256 to 4,096 examples and four seeds, and
LeNet-5 trains to 99% regardless: fewer is not worth a warning. The check uses 512
examples.) A non-finite activation or gradient is a failure; a trainable layer whose
gradient is exactly zero fails (it cannot learn); a layer whose relative gradient
||grad W|| / ||W|| is below 1e-5 of the largest layer's warns (vanishing), and one above 10
warns (exploding: an SGD step with lr 0.1 would change it by more than its own size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from learnlab.doctor.common import Objective, device_of, seeded, working_copy
from learnlab.doctor.result import CheckResult, Status, worst

WARN_FRACTION = 0.30
FAIL_FRACTION = 0.50
SIGMOID_TAIL = 0.01
TANH_TAIL = 0.99
SATURATED_OF_BATCH = 0.95  # a unit is saturated when it is in a tail for >= 95% of examples
VANISHING_RATIO = 1e-5
EXPLODING_RELATIVE = 10.0
RELU_TYPES = (nn.ReLU, nn.ReLU6)


@dataclass
class LayerStats:
    """What the hooks saw of one call of one leaf module."""

    name: str
    kind: str
    shape: tuple[int, ...]
    mean: float
    std: float
    finite: bool
    dead_fraction: float | None = None
    saturated_fraction: float | None = None
    output_grad_norm: float | None = None
    weight_grad_norm: float | None = None
    weight_norm: float | None = None
    params_get_no_grad: bool = False
    notes: list[str] = field(default_factory=list)


def _per_unit(values: Tensor) -> Tensor:
    """(N, F) -> (N, F); (N, C, ...) -> (N, C, rest) reduced later over examples and rest."""
    return values.reshape(values.shape[0], values.shape[1], -1) if values.dim() > 2 else values


def _dead_fraction(out: Tensor) -> float:
    active = _per_unit(out > 0)
    ever = active.any(dim=0)
    if ever.dim() > 1:
        ever = ever.any(dim=-1)  # a channel is alive when any position of it is
    return 1.0 - ever.float().mean().item()


def _saturated_fraction(module: nn.Module, out: Tensor) -> float:
    if isinstance(module, nn.Sigmoid):
        tail = (out < SIGMOID_TAIL) | (out > 1 - SIGMOID_TAIL)
    else:
        tail = out.abs() > TANH_TAIL
    share = _per_unit(tail).float().mean(dim=0)
    if share.dim() > 1:
        share = share.mean(dim=-1)
    return (share >= SATURATED_OF_BATCH).float().mean().item()


def collect_layer_stats(
    model: nn.Module, objective: Objective, x: Tensor, y: Tensor
) -> tuple[list[LayerStats], float]:
    """Hooks on `model`'s leaf modules, one forward and backward; the hooks are removed and
    the gradients left in `model` (the caller passes a copy). Returns the stats, in call
    order, and the loss."""
    stats: list[LayerStats] = []
    names = {module: name for name, module in model.named_modules()}
    calls: dict[str, int] = {}

    def forward_hook(module: nn.Module, inputs, output) -> None:
        if not isinstance(output, Tensor) or not output.is_floating_point() or output.dim() < 1:
            return
        name = names[module] or type(module).__name__
        calls[name] = calls.get(name, 0) + 1
        label = name if calls[name] == 1 else f"{name} (call {calls[name]})"
        out = output.detach()
        finite = bool(torch.isfinite(out).all())
        entry = LayerStats(
            name=label,
            kind=type(module).__name__,
            shape=tuple(out.shape[1:]),
            mean=out.float().mean().item() if finite else math.nan,
            std=out.float().std().item() if finite and out.numel() > 1 else math.nan,
            finite=finite,
        )
        if isinstance(module, RELU_TYPES) and out.dim() >= 2:
            entry.dead_fraction = _dead_fraction(out)
        if isinstance(module, (nn.Sigmoid, nn.Tanh)) and out.dim() >= 2:
            entry.saturated_fraction = _saturated_fraction(module, out)
        if output.requires_grad:

            def grad_hook(grad: Tensor, entry: LayerStats = entry) -> None:
                entry.output_grad_norm = grad.detach().double().norm().item()

            output.register_hook(grad_hook)
        stats.append(entry)

    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(forward_hook) for m in leaves]
    try:
        loss = objective(model, (x, y))[0]
        loss.backward()
    finally:
        for handle in handles:
            handle.remove()

    first_call = {}
    for entry in stats:
        first_call.setdefault(entry.name.split(" (call")[0], entry)
    for name, module in model.named_modules():
        own = [p for p in module.parameters(recurse=False) if p.requires_grad]
        label = name or type(module).__name__
        if not own or label not in first_call:
            continue
        entry = first_call[label]
        grads = [p.grad for p in own if p.grad is not None]
        entry.params_get_no_grad = not grads
        entry.weight_norm = math.sqrt(sum(p.detach().double().norm().item() ** 2 for p in own))
        entry.weight_grad_norm = math.sqrt(sum(g.double().norm().item() ** 2 for g in grads))
    return stats, loss.item()


def _layer_verdicts(stats: list[LayerStats]) -> list[tuple[Status, str]]:
    verdicts: list[tuple[Status, str]] = []
    relative = {
        s.name: s.weight_grad_norm / s.weight_norm
        for s in stats
        if s.weight_grad_norm is not None and s.weight_norm
    }
    largest = max((r for r in relative.values() if math.isfinite(r)), default=0.0)
    for s in stats:
        if not s.finite:
            verdicts.append(("fail", f"{s.name}: non-finite activations"))
        if s.output_grad_norm is not None and not math.isfinite(s.output_grad_norm):
            verdicts.append(("fail", f"{s.name}: non-finite gradient"))
        for what, fraction in (("dead", s.dead_fraction), ("saturated", s.saturated_fraction)):
            if fraction is None or fraction < WARN_FRACTION:
                continue
            status: Status = "fail" if fraction >= FAIL_FRACTION else "warn"
            verdicts.append((status, f"{s.name}: {100 * fraction:.0f}% of units {what}"))
        if s.weight_grad_norm is None:
            continue
        if s.params_get_no_grad or s.weight_grad_norm == 0.0:
            verdicts.append(("fail", f"{s.name}: no gradient reaches its parameters"))
            continue
        ratio = relative.get(s.name)
        if ratio is None:
            continue
        if not math.isfinite(ratio):
            verdicts.append(("fail", f"{s.name}: non-finite parameter gradient"))
        elif ratio > EXPLODING_RELATIVE:
            verdicts.append(("warn", f"{s.name}: exploding gradient (|grad W|/|W| = {ratio:.2g})"))
        elif largest > 0 and ratio < VANISHING_RATIO * largest:
            verdicts.append(
                ("warn", f"{s.name}: vanishing gradient ({ratio / largest:.1e} of the largest)")
            )
    return verdicts


def values_max(stats: list[LayerStats], attribute: str) -> float:
    return max((getattr(s, attribute) for s in stats), default=0.0)


def _row(s: LayerStats) -> dict:
    def pct(v: float | None) -> str:
        return "" if v is None else f"{100 * v:.1f}%"

    return {
        "layer": s.name,
        "type": s.kind,
        "output shape": "x".join(map(str, s.shape)),
        "mean": s.mean,
        "std": s.std,
        "dead units": pct(s.dead_fraction),
        "saturated units": pct(s.saturated_fraction),
        "|grad output|": s.output_grad_norm,
        "|grad W|": s.weight_grad_norm,
        "|grad W| / |W|": (
            s.weight_grad_norm / s.weight_norm
            if s.weight_grad_norm is not None and s.weight_norm
            else None
        ),
    }


def check_activations(
    model: nn.Module, objective: Objective, x: Tensor, y: Tensor, *, seed: int = 0
) -> CheckResult:
    """Per-layer activation and gradient statistics on the batch (`x`, `y`)."""
    from learnlab.doctor.figures import layer_stats_figure

    copy = working_copy(model).train()
    device = device_of(copy)
    with seeded(seed, device):
        stats, loss = collect_layer_stats(copy, objective, x.to(device), y.to(device))
    verdicts = _layer_verdicts(stats)
    status = worst([v[0] for v in verdicts])
    problems = [text for s, text in verdicts if s != "pass"]
    relus = [s for s in stats if s.dead_fraction is not None]
    squashers = [s for s in stats if s.saturated_fraction is not None]
    if problems:
        more = f"; {len(problems) - 3} more" if len(problems) > 3 else ""
        summary = "; ".join(problems[:3]) + more
    else:
        dead = values_max(relus, "dead_fraction")
        saturated = values_max(squashers, "saturated_fraction")
        summary = (
            f"{len(stats)} layers on {len(x)} examples: gradients reach every layer"
            + (f", dead ReLU units at most {100 * dead:.0f}%" if relus else "")
            + (f", saturated units at most {100 * saturated:.0f}%" if squashers else "")
        )
    advice = []
    if any("dead" in p for p in problems):
        advice.append(
            "Dead ReLUs: check the biases and the initialisation (He init), lower the learning "
            "rate, or use LeakyReLU/GELU."
        )
    if any("saturated" in p for p in problems):
        advice.append(
            "Saturated units: normalise the inputs, use a smaller initial scale (Glorot init), "
            "or batch normalisation."
        )
    if any("gradient" in p for p in problems):
        advice.append(
            "Gradients: look for detached paths or dead layers upstream; for vanishing "
            "gradients add normalisation or residual connections, for exploding ones clip "
            "gradients (--set grad_clip=1) or lower the learning rate."
        )
    values = {
        "loss": loss,
        "max_dead_fraction": values_max(relus, "dead_fraction"),
        "max_saturated_fraction": values_max(squashers, "saturated_fraction"),
        "problems": problems,
    }
    figures = {"Activations and gradients per layer": layer_stats_figure([_row(s) for s in stats])}
    return CheckResult(
        "activations",
        status,
        summary,
        advice,
        values,
        {"Activation and gradient statistics per layer": [_row(s) for s in stats]},
        figures,
    )
