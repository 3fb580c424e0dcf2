"""MLPs of different widths trained as members of one batched ensemble, padded to the widest.

A `BatchedEnsemble` stacks members of one architecture. A width sweep (double descent: test
error against the hidden width H) has one architecture per width, and on a CPU a batched step
costs a fixed overhead (kernel launches, the optimizer, Python) plus work that grows with
K * H^2; for small H the overhead dominates. So the widths are grouped: the members of a group
are MLPs of the group's largest width W, and member k, of width H_k <= W, is emulated exactly:

    its weights are those of `relu_mlp(d, H_k, C, depth)` drawn after manual_seed(s_k), copied
    into the top-left blocks of the width-W layers; every other weight and bias is 0 and a
    0/1 mask keeps it 0 (`BatchedEnsemble(masks=...)`).

A padded hidden unit has pre-activation 0, so relu gives 0 and relu's gradient at 0 is 0: it
adds nothing to the output and gets no gradient, and the member trains as the width-H_k network
would (equal up to float32 rounding: the matrix products sum over more, zero, terms). Which
width a member has is read from `torch.initial_seed()` in `build`, since the ensemble seeds the
global generator with s_k before each call; the seeds of a group are therefore distinct.

Groups are contiguous runs of the sorted widths that minimise the modelled cost
sum over groups of (STEP_OVERHEAD + K * W^2) (dynamic programming over the cut points).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError

# the fixed cost of one batched step in units of one member's W^2 multiply-adds per example:
# measured on the shared 2-core machine (1 thread, batch 100, 40 inputs, 10 classes; CPU
# time), a step of one width-300 member took 1.3 ms, of widths 80 and 104 padded to 104 0.9
# ms, of the 13 widths 2 to 61 padded to 61 2.1 ms: the overhead is worth about a width-200
# layer
STEP_OVERHEAD = 40_000


def relu_mlp(input_dim: int, width: int, num_classes: int, depth: int = 2) -> nn.Sequential:
    """input_dim -> [Linear(width) -> ReLU] * depth -> Linear(num_classes), torch's default
    initialisation (the mnist1d deep-double-descent notebook's `get_model` for depth 2)."""
    layers: list[nn.Module] = []
    fan_in = input_dim
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), nn.ReLU()]
        fan_in = width
    layers.append(nn.Linear(fan_in, num_classes))
    return nn.Sequential(*layers)


def _check_widths(widths: Sequence[int]) -> list[int]:
    if len(widths) == 0:
        raise ConfigError("widths is empty: give the hidden widths to train, e.g. [4, 16, 64].")
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 1:
            raise ConfigError(f"widths must be positive integers, got {w!r} in {list(widths)}.")
    return [int(w) for w in widths]


def group_widths(widths: Sequence[int], overhead: float = STEP_OVERHEAD) -> list[list[int]]:
    """The sorted distinct widths cut into contiguous groups minimising the modelled cost
    sum(overhead + len(group) * max(group)**2)."""
    ws = sorted(set(_check_widths(widths)))
    best = [0.0] + [float("inf")] * len(ws)  # best[j]: cost of the first j widths
    cut = [0] * (len(ws) + 1)
    for j in range(1, len(ws) + 1):
        for i in range(j):
            cost = best[i] + overhead + (j - i) * ws[j - 1] ** 2
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups, j = [], len(ws)
    while j > 0:
        groups.append(ws[cut[j] : j])
        j = cut[j]
    return groups[::-1]


def padded_members(
    input_dim: int,
    widths: Sequence[int],
    num_classes: int,
    seeds: Sequence[int],
    depth: int = 2,
) -> tuple[Callable[[], nn.Sequential], list[dict[str, Tensor]]]:
    """`build` and the per-member masks of an ensemble whose member k is the width-widths[k]
    MLP of seed seeds[k], padded to max(widths) (module docstring)."""
    widths = _check_widths(widths)
    if len(seeds) != len(widths) or len(set(int(s) for s in seeds)) != len(seeds):
        raise ConfigError("padded members need one distinct seed per width.")
    wide = max(widths)
    width_of = {int(s): w for s, w in zip(seeds, widths, strict=True)}

    def build() -> nn.Sequential:
        seed = torch.initial_seed()
        if seed not in width_of:
            raise ConfigError(f"padded_members' build() called after seed {seed}, not a member's.")
        small = relu_mlp(input_dim, width_of[seed], num_classes, depth)  # the member's draws
        big = relu_mlp(input_dim, wide, num_classes, depth)
        with torch.no_grad():
            for (_, p_big), (_, p_small) in zip(
                big.named_parameters(), small.named_parameters(), strict=True
            ):
                p_big.zero_()
                p_big[tuple(slice(0, n) for n in p_small.shape)] = p_small
        return big

    shapes = dict(relu_mlp(input_dim, wide, num_classes, depth).named_parameters())
    masks = []
    for w in widths:
        small = dict(relu_mlp(input_dim, w, num_classes, depth).named_parameters())
        mask = {}
        for name, p in shapes.items():
            m = torch.zeros(p.shape)
            m[tuple(slice(0, n) for n in small[name].shape)] = 1
            mask[name] = m
        masks.append(mask)
    return build, masks


@dataclass(frozen=True)
class WidthRun:
    """One trained width: errors (fractions) on the training labels it saw and on the test set,
    and its number of parameters."""

    width: int
    seed: int
    parameters: int
    train_error: float
    test_error: float
    train_loss: float
    test_loss: float


def train_width_sweep(
    x: Tensor,
    y: Tensor,
    x_test: Tensor,
    y_test: Tensor,
    widths: Sequence[int],
    seed: int,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str = "momentum",
    lr: float = 0.01,
    momentum: float = 0.9,
    depth: int = 2,
    overhead: float = STEP_OVERHEAD,
    device: str | torch.device | None = "cpu",
    on_group: Callable[[list[int]], None] | None = None,
) -> list[WidthRun]:
    """Train a `depth`-hidden-layer ReLU MLP of every width on (x, y) (x: (N, d) floats), one
    batched ensemble per group of `group_widths`; width H gets seed `seed + H` (its own
    initialisation and batch order, the same whatever else is swept). Sorted by width."""
    from learnlab.scale.ensemble import BatchedEnsemble

    num_classes = int(max(y.max(), y_test.max())) + 1
    runs: list[WidthRun] = []
    for group in group_widths(widths, overhead):
        if on_group is not None:
            on_group(group)
        seeds = [seed + w for w in group]
        build, masks = padded_members(x.shape[1], group, num_classes, seeds, depth)
        ensemble = BatchedEnsemble(
            build,
            seeds,
            optimizer=optimizer,
            lr=lr,
            momentum=momentum if optimizer == "momentum" else 0.0,
            masks=masks if len(group) > 1 else None,
            device=device,
        ).fit(x, y, epochs=epochs, batch_size=batch_size)
        train, test = ensemble.evaluate(x, y), ensemble.evaluate(x_test, y_test)
        for k, w in enumerate(group):
            small = relu_mlp(x.shape[1], w, num_classes, depth)
            runs.append(
                WidthRun(
                    width=w,
                    seed=seeds[k],
                    parameters=sum(p.numel() for p in small.parameters()),
                    train_error=float(1 - train["accuracy"][k]),
                    test_error=float(1 - test["accuracy"][k]),
                    train_loss=float(train["loss"][k]),
                    test_loss=float(test["loss"][k]),
                )
            )
    return runs


def geometric_widths(low: int, high: int, count: int) -> list[int]:
    """np.unique(np.geomspace(low, high, count, dtype=int)): the notebook's width grid."""
    return [int(w) for w in np.unique(np.geomspace(low, high, count, dtype=int))]
