"""The noise of a minibatch gradient, measured and predicted, and the cost of a step.

For a population of N examples with per-example gradients g_i and full gradient
gbar = (1/N) sum_i g_i, let sigma^2 = (1/N) sum_i ||g_i - gbar||^2 (the trace of the
per-example gradient covariance). A minibatch B of n examples gives g_B = (1/n) sum_{i in B} g_i
and (sampling theory of a mean; the lecture's sigma/sqrt(n))

    with replacement      E ||g_B - gbar||^2 = sigma^2 / n
    without replacement   E ||g_B - gbar||^2 = sigma^2 / n * (N - n) / (N - 1)

so the standard error sqrt(E ||g_B - gbar||^2) is sigma/sqrt(n), times the finite-population
correction sqrt((N - n)/(N - 1)) without replacement (it reaches 0 at n = N: the batch is the
population).

The two sides are computed independently: sigma from per-example gradients (torch.func: vmap
of grad of one example's loss), the measured error from `draws` actual minibatch gradients
(grad of the minibatch's mean loss, vmapped over the draws) and the full gradient.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.func import functional_call, grad, vmap

# at most this many gradient entries (float64) at once: per-example or per-draw gradients are
# computed in chunks of rows that fit (128 MB)
GRADIENT_ENTRIES = 2**24


@dataclass(frozen=True)
class NoiseAtBatchSize:
    """One batch size: the theory, the measurement and its own uncertainty."""

    batch_size: int
    theory: float  # sigma/sqrt(n), times the finite-population correction when without
    measured: float  # sqrt(mean over draws of ||g_B - gbar||^2)
    ratio: float  # measured / theory
    ratio_error: float  # the standard error of the ratio from the spread over the draws
    correction: float  # the finite-population correction applied (1 with replacement)


def _loss_of(model: nn.Module):
    """The mean cross-entropy of a batch as a function of the parameters (for torch.func)."""

    def loss(params: dict[str, Tensor], x: Tensor, y: Tensor) -> Tensor:
        return nn.functional.cross_entropy(functional_call(model, params, (x,)), y)

    return loss


def _params(model: nn.Module) -> dict[str, Tensor]:
    return {name: p.detach() for name, p in model.named_parameters()}


def _flat(grads: dict[str, Tensor], batched: bool) -> Tensor:
    """The gradients as one float64 matrix: a row per example or draw when `batched` (vmap's
    leading dimension), else one row."""
    rows = [g.reshape(len(g) if batched else 1, -1) for g in grads.values()]
    return torch.cat(rows, dim=1).double()


def full_gradient(model: nn.Module, x: Tensor, y: Tensor, chunk: int) -> Tensor:
    """gbar, the gradient of the mean loss over all of (x, y), as a float64 vector."""
    loss, params = _loss_of(model), _params(model)
    total = None
    for start in range(0, len(x), chunk):
        xs, ys = x[start : start + chunk], y[start : start + chunk]
        part = _flat(grad(loss)(params, xs, ys), batched=False)[0] * len(xs)
        total = part if total is None else total + part
    return total / len(x)


def gradient_sigma(model: nn.Module, x: Tensor, y: Tensor, gbar: Tensor, chunk: int) -> float:
    """sigma = sqrt((1/N) sum_i ||g_i - gbar||^2), from per-example gradients."""
    loss, params = _loss_of(model), _params(model)

    def one(p: dict[str, Tensor], xi: Tensor, yi: Tensor) -> Tensor:
        return loss(p, xi.unsqueeze(0), yi.unsqueeze(0))

    per_example = vmap(grad(one), in_dims=(None, 0, 0))
    total = 0.0
    for start in range(0, len(x), chunk):
        g = _flat(per_example(params, x[start : start + chunk], y[start : start + chunk]), True)
        total += float(((g - gbar) ** 2).sum())
    return math.sqrt(total / len(x))


def draw_batches(
    population: int, n: int, draws: int, replacement: bool, generator: torch.Generator
) -> Tensor:
    """(draws, n) example indices: uniform random n-subsets, or n independent uniform picks."""
    if replacement:
        return torch.randint(population, (draws, n), generator=generator)
    batches = torch.empty(draws, n, dtype=torch.long)
    for row in batches:  # copied row by row: a list of slices would keep every permutation
        row.copy_(torch.randperm(population, generator=generator)[:n])
    return batches


def minibatch_errors(
    model: nn.Module, x: Tensor, y: Tensor, gbar: Tensor, batches: Tensor, chunk: int
) -> Tensor:
    """||g_B - gbar||^2 for each minibatch B (a row of `batches`), float64."""
    loss, params = _loss_of(model), _params(model)
    per_draw = vmap(grad(loss), in_dims=(None, 0, 0))
    draws, n = batches.shape
    step = max(1, chunk // n)
    errors = []
    for start in range(0, draws, step):
        rows = batches[start : start + step]
        g = _flat(per_draw(params, x[rows], y[rows]), batched=True)
        errors.append(((g - gbar) ** 2).sum(dim=1))
    return torch.cat(errors)


def noise_at(
    batch_size: int, sigma: float, errors: Tensor, population: int, replacement: bool
) -> NoiseAtBatchSize:
    """Theory against measurement at one batch size; the ratio's standard error by the delta
    method, sd(e)/(2 sqrt(draws) mean(e)) for e = ||g_B - gbar||^2 (from sqrt of a mean)."""
    n, N = batch_size, population
    correction = 1.0 if replacement else math.sqrt((N - n) / (N - 1))
    theory = sigma / math.sqrt(n) * correction
    mean = float(errors.mean())
    measured = math.sqrt(mean)
    if theory == 0.0:  # n = N without replacement: the batch is the population
        return NoiseAtBatchSize(n, 0.0, measured, math.nan, math.nan, correction)
    spread = float(errors.std()) / (2 * math.sqrt(len(errors)) * mean) if mean > 0 else 0.0
    ratio = measured / theory
    return NoiseAtBatchSize(n, theory, measured, ratio, ratio * spread, correction)


def measure_noise(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    batch_sizes: list[int],
    *,
    draws: int,
    draw_examples: int = 0,
    replacement: bool,
    seed: int,
    chunk: int,
) -> tuple[float, list[NoiseAtBatchSize]]:
    """sigma at the model's parameters, and theory against measurement for every batch size,
    from max(draws, ceil(draw_examples / n)) minibatches of each size n.
    `chunk` bounds the examples of one vectorised call (with GRADIENT_ENTRIES, the memory)."""
    generator = torch.Generator().manual_seed(seed)
    fitting_rows = max(1, GRADIENT_ENTRIES // sum(p.numel() for p in model.parameters()))
    gbar = full_gradient(model, x, y, chunk)
    sigma = gradient_sigma(model, x, y, gbar, min(chunk, fitting_rows))
    rows = []
    for n in batch_sizes:
        count = max(draws, -(-draw_examples // n))
        batches = draw_batches(len(x), n, count, replacement, generator)
        # `chunk` examples per vmapped call, and no more draws than fit in memory
        errors = minibatch_errors(model, x, y, gbar, batches, min(chunk, fitting_rows * n))
        rows.append(noise_at(n, sigma, errors, len(x), replacement))
    return sigma, rows


def seconds_per_step(
    model: nn.Module, x: Tensor, y: Tensor, batch_size: int, steps: int, seed: int
) -> float:
    """The median wall time of one SGD step (forward, backward, update) on a random minibatch
    of `batch_size`, after 2 untimed steps, on a copy of `model`."""
    import copy

    net = copy.deepcopy(model)
    optimizer = torch.optim.SGD(net.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    times = []
    for step in range(steps + 2):
        rows = torch.randint(len(x), (batch_size,), generator=generator)
        start = time.perf_counter()
        loss = nn.functional.cross_entropy(net(x[rows]), y[rows])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step >= 2:
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]
