"""Keskar's sharpness: how far the loss can rise in a small box around a solution.

Keskar, Mudigere, Nocedal, Smelyanskiy & Tang (ICLR 2017), "On large-batch training for deep
learning: generalization gap and sharp minima", Metric 2.1 (equation 3). For parameters x, a
box size eps and an n x p matrix A (the identity for the full space),

    C_eps = {z in R^p : |z_i| <= eps (|(A^+ x)_i| + 1)}
    sharpness = 100 (max_{y in C_eps} f(x + A y) - f(x)) / (1 + f(x)),

A^+ the pseudo-inverse of A (A^+ x = x when A = I). The box scales with each parameter's size
(the paper: for invariance to the problem's dimension, sparsity and scale). The maximum is
approximated as the paper does: a few iterations (10) of L-BFGS-B (Byrd, Lu, Nocedal & Zhu
1995; SciPy's) on -f, so the number is a lower bound of the true maximum. The paper's random
subspace (p = 100) has standard normal entries here (the paper says only "randomly
generated"); it is regenerated from its seed block by block, never held whole (n x p numbers
would be p copies of the parameters). Memory and time: L-BFGS-B keeps about 25 float64 copies
of the searched vector (300 MB for the 1.46 M parameters of Keskar's network F1 in the full
space), and SciPy converts the n bounds in Python, about 2 s per million parameters per call.

The search starts at a point drawn uniformly in the box (`start="random"`, seeded): at an
exact minimum the gradient is zero and a start at x would never move. `start="centre"` starts
at x itself (y = 0), the natural reading of the paper, which does not say: where the gradient
at x is not zero (a trained network's is not) the first steps follow it to the box's faces,
and from a random start 10 iterations can stay far below the maximum (measured on a trained
network F1 with batch norm by batch statistics: 0.002 from a random start, 511 from x).

Example (f(x) = x^2 at x = 0, eps = 0.1: the box is [-0.1, 0.1], max f = 0.01):
    >>> import torch
    >>> x = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    >>> result = keskar_sharpness(lambda: (x ** 2).sum(), [x], eps=0.1)
    >>> round(result.sharpness, 6)   # 100 * (0.01 - 0) / (1 + 0)
    1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from learnlab.analysis.base import flat, loss_closure, preserved_model_state, trainable
from learnlab.analysis.batch_norm import batch_norm_statistics, check_batch_norm_mode
from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective

# rows of A generated at once: a block is at most this many numbers (32 MB in float64)
_BLOCK_NUMBERS = 2**22


@dataclass(frozen=True)
class Sharpness:
    """Keskar's (C_eps, A)-sharpness at the parameters and what it was found from."""

    sharpness: float  # 100 (max_loss - loss) / (1 + loss)
    eps: float
    loss: float  # f(x)
    max_loss: float  # the largest f(x + A y) L-BFGS-B found in the box
    subspace: int | None  # p, the columns of the random A; None: the full space (A = I)
    parameters: int  # n
    iterations: int  # L-BFGS-B iterations run
    evaluations: int  # loss-and-gradient evaluations, the start included


class RandomSubspace:
    """A (n, p) with independent standard normal entries drawn from `seed`, applied block by
    block of rows: every pass draws the same numbers, so A is never stored."""

    def __init__(self, n: int, p: int, seed: int, dtype: torch.dtype) -> None:
        self.n, self.p, self.seed, self.dtype = n, p, seed, dtype
        self.rows = max(1, _BLOCK_NUMBERS // p)

    def blocks(self) -> Iterator[tuple[slice, torch.Tensor]]:
        generator = torch.Generator().manual_seed(self.seed)
        for start in range(0, self.n, self.rows):
            stop = min(self.n, start + self.rows)
            block = torch.randn(stop - start, self.p, generator=generator, dtype=self.dtype)
            yield slice(start, stop), block

    def times(self, y: torch.Tensor) -> torch.Tensor:
        """A y, for y of length p."""
        return torch.cat([block @ y for _, block in self.blocks()])

    def transpose_times(self, v: torch.Tensor) -> torch.Tensor:
        """A^T v, for v of length n."""
        total = torch.zeros(self.p, dtype=self.dtype)
        for rows, block in self.blocks():
            total += block.T @ v[rows]
        return total

    def pseudo_inverse_times(self, x: torch.Tensor) -> torch.Tensor:
        """A^+ x = (A^T A)^-1 A^T x (A has full column rank when p <= n), in float64."""
        gram = torch.zeros(self.p, self.p, dtype=torch.float64)
        projection = torch.zeros(self.p, dtype=torch.float64)
        for rows, block in self.blocks():
            block = block.double()
            gram += block.T @ block
            projection += block.T @ x[rows].double()
        return torch.linalg.solve(gram, projection)


def keskar_sharpness(
    closure: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    *,
    eps: float = 1e-3,
    subspace: int | None = None,
    iterations: int = 10,
    seed: int = 0,
    start: str = "random",
) -> Sharpness:
    """The sharpness of the loss `closure()` (no arguments, a scalar that depends on `params`,
    as torch.optim.LBFGS's closure) at the current `params`, in the full space or in a random
    `subspace` of that many dimensions. The parameters are moved during the search and put
    back exactly as they were, even on an error; their gradients are not touched."""
    from scipy.optimize import Bounds, minimize

    params = _checked_params(params)
    eps, iterations = _checked_settings(eps, iterations)
    if start not in ("random", "centre"):
        raise ConfigError(
            f"start={start!r}: start the search at 'random' (a seeded point of the box) or "
            "'centre' (x itself)."
        )
    saved = [p.detach().clone() for p in params]
    x0 = flat(saved)
    n = x0.numel()
    if subspace is not None and not 1 <= subspace <= n:
        raise ConfigError(
            f"subspace={subspace}: choose 1 to {n} dimensions (the parameter count), or None "
            "for the full space."
        )
    basis = None if subspace is None else RandomSubspace(n, subspace, seed, x0.dtype)
    centre = x0.double() if basis is None else basis.pseudo_inverse_times(x0)
    bound = (eps * (centre.abs() + 1.0)).numpy()
    count = {"evaluations": 0, "max": -math.inf}

    def negated(y: np.ndarray) -> tuple[float, np.ndarray]:
        step = torch.as_tensor(y, dtype=x0.dtype)
        _assign(params, x0 + (step if basis is None else basis.times(step)))
        loss, grad = _loss_and_gradient(closure, params)
        count["evaluations"] += 1
        count["max"] = max(count["max"], loss)
        if basis is not None:
            grad = basis.transpose_times(grad)
        return -loss, -grad.double().numpy()

    try:
        with torch.no_grad():
            _assign(params, x0)
        at_x, _ = _loss_and_gradient(closure, params)
        if start == "random":
            y0 = np.random.default_rng(seed).uniform(-bound, bound)
        else:
            y0 = np.zeros_like(bound)
        found = minimize(
            negated,
            y0,
            jac=True,
            method="L-BFGS-B",
            bounds=Bounds(-bound, bound),
            options={"maxiter": iterations, "maxfun": 4 * iterations + 5},
        )
    finally:
        with torch.no_grad():
            for p, value in zip(params, saved, strict=True):
                p.copy_(value)
    highest = max(count["max"], at_x)
    return Sharpness(
        sharpness=100.0 * (highest - at_x) / (1.0 + at_x),
        eps=eps,
        loss=at_x,
        max_loss=highest,
        subspace=subspace,
        parameters=n,
        iterations=int(found.nit),
        evaluations=count["evaluations"] + 1,
    )


def model_sharpness(
    model: nn.Module,
    objective: Objective | Callable[..., Any],
    batch: Any,
    *,
    eps: float = 1e-3,
    subspace: int | None = None,
    iterations: int = 10,
    seed: int = 0,
    batch_norm: str = "running",
    start: str = "random",
) -> Sharpness:
    """`keskar_sharpness` of the objective on `batch` over all the model's parameters, the
    model in eval mode (no dropout) with batch norm normalising by its running statistics
    (`batch_norm="running"`) or by those of `batch` (`"batch"`, as Keskar et al.'s Keras did:
    see learnlab.analysis.batch_norm); the model comes back as it came, running buffers
    included."""
    check_batch_norm_mode(batch_norm)
    with preserved_model_state(model), batch_norm_statistics(model, batch_norm):
        params = trainable(model)
        if not params:
            raise ConfigError("model: it has no parameters, so it has no sharpness.")
        return keskar_sharpness(
            loss_closure(model, objective, batch),
            params,
            eps=eps,
            subspace=subspace,
            iterations=iterations,
            seed=seed,
            start=start,
        )


def _checked_params(params: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    params = list(params)
    if not params:
        raise ConfigError("params: the list is empty; pass the tensors the loss depends on.")
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor) or not p.is_floating_point() or not p.requires_grad:
            raise ConfigError(
                f"params[{i}] is not a floating-point tensor that requires grad; pass the "
                "parameters the closure's loss depends on (e.g. list(model.parameters()))."
            )
    return params


def _checked_settings(eps: float, iterations: int) -> tuple[float, int]:
    if not (isinstance(eps, int | float) and math.isfinite(eps) and eps >= 0):
        raise ConfigError(
            f"eps={eps!r}: the box's relative size must be a finite number >= 0 "
            "(the paper uses 1e-3 and 5e-4)."
        )
    if not (isinstance(iterations, int) and iterations >= 1):
        raise ConfigError(f"iterations={iterations!r}: give at least 1 L-BFGS-B iteration.")
    return float(eps), iterations


def _assign(params: list[torch.Tensor], vector: torch.Tensor) -> None:
    with torch.no_grad():
        start = 0
        for p in params:
            p.copy_(vector[start : start + p.numel()].view_as(p))
            start += p.numel()


def _loss_and_gradient(
    closure: Callable[[], torch.Tensor], params: list[torch.Tensor]
) -> tuple[float, torch.Tensor]:
    """The closure's loss and its gradient (flat), with the closure's output checked."""
    with torch.enable_grad():
        loss = closure()
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
            raise ConfigError(
                f"closure: it returned {shape}, not a scalar tensor; return the mean loss "
                "(as torch.optim.LBFGS's closure does)."
            )
        if not loss.requires_grad:
            raise ConfigError(
                "closure: its loss does not require grad (computed under torch.no_grad, "
                "detached, or not from params); compute it from the params with grad enabled."
            )
        grads = torch.autograd.grad(loss.reshape(()), params, allow_unused=True)
    if all(g is None for g in grads):
        raise ConfigError("closure: its loss does not depend on any of params; pass those it uses.")
    value = float(loss.detach())
    if not math.isfinite(value):
        raise ConfigError(f"closure: the loss is {value} at these parameters.")
    grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads, strict=True)]
    return value, flat(grads)
