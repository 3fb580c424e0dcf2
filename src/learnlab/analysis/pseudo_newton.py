"""Newton's method on grad L = 0 with the Hessian's pseudo-inverse and a line search on |grad L|:
the search that finds the critical points of Dauphin et al. (2014), Figure 1. Newton's method
solves grad L = 0 whatever the curvature, so it is drawn to saddles as to minima, and near a
non-degenerate critical point it converges quadratically.

Each step: from the dense Hessian's eigendecomposition H = V diag(lambda) V^T, the step is
s = -V diag(1 / lambda) V^T g over the eigenvalues with |lambda| above `cutoff` x max|lambda|
(the others, the flat directions of an over-parameterised net, are left alone): s = -H^+ g.
The step is taken whole (alpha = 1) when that lowers |g|, else halved until it does (the
backtracking of Newton-MR, Roosta, Liu, Xu & Mahoney 2022, on the merit |g|); when no alpha
down to `min_step` lowers |g|, the search stops there. Unlike `damped_newton` (a damping grid,
chord steps), every step uses the Hessian of the very point it starts from.

Example (the double well (w0^2 - 1)^2 + w1^2 from near its saddle at 0):
    >>> import torch
    >>> w = torch.tensor([0.2, -0.1], dtype=torch.float64, requires_grad=True)
    >>> well = lambda v: (v[0] ** 2 - 1) ** 2 + v[1] ** 2
    >>> hessian = lambda: torch.autograd.functional.hessian(well, w.detach())
    >>> end = pseudo_inverse_newton(lambda: well(w), [w], hessian, tolerance=1e-12, max_hessians=10)
    >>> end.gradient_norm <= 1e-12, float(w.detach().abs().max()) < 1e-9  # at the saddle
    (True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from learnlab.analysis.base import flat, set_flat
from learnlab.analysis.damped_newton import ZERO_EIGENVALUE, NewtonEnd, flat_gradient
from learnlab.io.errors import ConfigError


def newton_step(
    values: torch.Tensor, vectors: torch.Tensor, gradient: torch.Tensor, cutoff: float
) -> torch.Tensor:
    """-H^+ g for H = vectors diag(values) vectors^T, eigenvalues with |lambda| <= cutoff x
    max|lambda| treated as 0."""
    kept = values.abs() > cutoff * values.abs().max()
    coefficients = vectors.T @ gradient
    safe = torch.where(kept, values, torch.ones_like(values))
    return -(vectors @ torch.where(kept, coefficients / safe, torch.zeros_like(values)))


def pseudo_inverse_newton(
    loss: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    hessian: Callable[[], torch.Tensor],
    *,
    tolerance: float,
    max_hessians: int,
    cutoff: float = ZERO_EIGENVALUE,
    min_step: float = 1e-4,
) -> NewtonEnd:
    """Move the parameters (in place) towards a point where grad L = 0 by Newton steps with
    the pseudo-inverse and backtracking (see the module docstring); `hessian()` gives the
    dense (P, P) Hessian of the current parameters. Stops when |g| <= tolerance, after
    `max_hessians` steps, or when no step length lowers |g|. Returns |g| there and the
    Hessian spectrum of that very point."""
    if not tolerance > 0:
        raise ConfigError(f"tolerance={tolerance}: the gradient-norm tolerance must be > 0.")
    if max_hessians < 0:
        raise ConfigError(f"max_hessians={max_hessians}: give 0 (only the spectrum) or more.")
    if not 0 <= cutoff < 1 or not 0 < min_step <= 1:
        raise ConfigError(
            f"cutoff={cutoff}, min_step={min_step}: give 0 <= cutoff < 1 and 0 < min_step <= 1."
        )
    hessians = 0
    while True:
        values, vectors = torch.linalg.eigh(hessian().double())
        hessians += 1
        gradient = flat_gradient(loss, params).double()
        norm = float(gradient.norm())
        if norm <= tolerance or hessians > max_hessians:
            return NewtonEnd(norm, values, hessians)
        base = flat([p.detach() for p in params]).double().clone()
        step = newton_step(values, vectors, gradient, cutoff)
        alpha = 1.0
        while alpha >= min_step:
            set_flat(params, base + alpha * step)
            if float(flat_gradient(loss, params).norm()) < norm:
                break
            alpha /= 2
        else:  # no step length lowers |g|: stay at the point whose spectrum we have
            set_flat(params, base)
            return NewtonEnd(norm, values, hessians)
