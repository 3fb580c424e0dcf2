"""What a forward pass costs at inference: FLOPs and wall time per example, and hard (top-1)
gating of a mixture of experts that runs only the chosen expert of each example.

Lecture L4 ("application strategies") names mixtures of experts and cascades among the ways to
meet runtime limits: "hard MoE (pick only one expert) will save lots of time compared to
regular MoE", and a cascade lets a cheap high-recall stage spare the expensive one most
examples. Whether they save anything is measured here, on the real batch:

- FLOPs are counted by PyTorch's own `torch.utils.flop_counter.FlopCounterMode`, whose
  convention is 2 FLOPs per multiply-add of matrix products and convolutions (a Linear
  in -> out costs 2 * in * out per example); bias additions, activations, softmax, gathers and
  scatters count nothing. The forward runs on the whole batch and the total is divided by its
  size, so a data-dependent forward (the experts a gate picks, the examples a cascade passes
  on) counts what it actually ran.
- Wall time: every forward runs on the same batch in turn (interleaved repeats, so that the
  load of a shared machine hits them alike, after one untimed warm-up each), under one torch
  thread by default, without autograd; the median of the repeats, with min and max, divided
  by the batch size.

Example:
    >>> import torch
    >>> cost = flops_per_example(torch.nn.Linear(8, 3), torch.zeros(5, 8))
    >>> cost  # 2 * 8 * 3: one multiply-add is 2 FLOPs
    48.0
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.deploy.measure import interleaved_times
from learnlab.models.mixture_of_experts import MixtureOfExperts
from learnlab.train.seeding import torch_threads

Forward = Callable[[Tensor], object]


def flops_per_example(forward: Forward, x: Tensor) -> float:
    """FLOPs of `forward(x)` (2 per multiply-add, FlopCounterMode's count) divided by len(x)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        forward(x)
    return counter.get_total_flops() / len(x)


@dataclass(frozen=True)
class InferenceCost:
    """Per example: FLOPs, and seconds (median, min and max over the timed repeats)."""

    flops: float
    seconds: float
    seconds_min: float
    seconds_max: float

    @property
    def ms(self) -> float:
        return 1000 * self.seconds

    def saving(self, replaced: InferenceCost) -> tuple[float, float]:
        """(FLOPs, time) of `replaced` divided by this one's: above 1, this one saves."""
        return replaced.flops / self.flops, replaced.seconds / self.seconds


def measure_inference(
    forwards: Mapping[str, Forward], x: Tensor, repeats: int = 5, threads: int = 1
) -> dict[str, InferenceCost]:
    """FLOPs and seconds per example of each forward on the batch `x`, timed side by side."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1; got {repeats}")
    flops = {name: flops_per_example(forward, x) for name, forward in forwards.items()}
    with torch_threads(threads), torch.no_grad():  # one warm-up round: allocator, caches
        times = interleaved_times(forwards, x, repeats, warmup=1)
    times = {name: [t / len(x) for t in values] for name, values in times.items()}
    return {
        name: InferenceCost(flops[name], statistics.median(t), min(t), max(t))
        for name, t in times.items()
    }


# --- hard gating of a mixture of experts -----------------------------------------------------


def top1_choice(layer: MixtureOfExperts, x: Tensor) -> tuple[Tensor, Tensor]:
    """Each example's top-1 expert (argmax of the gate, without the training-time noise) and
    that expert's full softmax probability, its weight as in the Switch Transformer."""
    probs = layer.gate(x).softmax(dim=1)
    weight, chosen = probs.max(dim=1)
    return chosen, weight


@torch.no_grad()
def hard_gated_forward(layer: MixtureOfExperts, x: Tensor) -> Tensor:
    """The layer served with hard (top-1) gating: each example runs through its chosen expert
    only, weighted by that expert's gate probability. Dispatch by gate: the examples are
    grouped by expert (one stable sort), each expert runs once on its own rows, and the rows
    are written back in place. Works for a layer trained with soft gating too (then it is an
    approximation of it, whose accuracy cost is worth measuring); for a top-1 layer it is the
    layer's own eval-mode forward without its balancing-loss bookkeeping."""
    chosen, weight = top1_choice(layer, x)
    order = torch.argsort(chosen, stable=True)
    counts = torch.bincount(chosen, minlength=layer.num_experts).tolist()
    y = x.new_empty(len(x), layer.out_features)
    start = 0
    for expert, count in zip(layer.experts, counts, strict=True):
        if count:  # an expert no example chose is never run
            rows = order[start : start + count]
            y[rows] = expert(x.index_select(0, rows)) * weight[rows].unsqueeze(1)
            start += count
    return y


@torch.no_grad()
def every_expert_selected(layer: MixtureOfExperts, x: Tensor) -> Tensor:
    """Hard gating computed the wasteful way: every expert on every example, then each
    example's chosen output kept (the oracle for `hard_gated_forward`, and what top-1 costs
    without dispatch)."""
    chosen, weight = top1_choice(layer, x)
    outputs = torch.stack([expert(x) for expert in layer.experts], dim=1)  # (N, E, out)
    picked = outputs[torch.arange(len(x)), chosen]
    return picked * weight.unsqueeze(1)
