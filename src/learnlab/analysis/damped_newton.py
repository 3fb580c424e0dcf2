"""Damped Newton steps on grad L = 0, the way Dauphin et al. (2014) found the critical points of
their Figure 1: Newton's method is drawn to saddles as to minima (it solves grad L = 0, whatever
the curvature), where descent on L, or on |grad L|^2 by a quasi-Newton method, slows to a crawl
(Frye et al. 2021: L-BFGS on |grad L|^2 stalls near gradient-flat regions).

Each step is Levenberg-Marquardt on the system g(theta) = 0 with Jacobian H: from the dense
Hessian's eigendecomposition H = V diag(lambda) V^T, step = -V diag(lambda / (lambda^2 + delta))
V^T g, which is Newton's step -H^+ g at delta = 0 (eigenvalues within ZERO_EIGENVALUE of the
largest left out: the flat directions of an over-parameterised net) and a short gradient step
on |g|^2 / 2 as delta grows. As Dauphin et al. did, the damping is picked afresh at each step
from a grid (`DAMPINGS`, relative to the largest lambda^2): the one whose step lowers |g| most.
A Hessian costs one Hessian-vector product per parameter and a gradient one product, so each
Hessian serves up to `chord_steps` steps (the chord method: fresh gradients, the same H) before
the next one is taken at the point reached. The search ends when |g| <= tolerance, when
`max_hessians` Hessians have been used for steps, or when no damping lowers |g| with a
fresh Hessian; the Hessian of the final point is always the last one taken, so its spectrum
(returned) is that of the reported point.

Example (the double well (w0^2 - 1)^2 + w1^2 from near its saddle at 0):
    >>> import torch
    >>> w = torch.tensor([0.05, -0.02], dtype=torch.float64, requires_grad=True)
    >>> loss = lambda: (w[0] ** 2 - 1) ** 2 + w[1] ** 2
    >>> well = lambda v: (v[0] ** 2 - 1) ** 2 + v[1] ** 2
    >>> hessian = lambda: torch.autograd.functional.hessian(well, w.detach())
    >>> end = damped_newton(loss, [w], hessian, tolerance=1e-12, max_hessians=10)
    >>> end.gradient_norm <= 1e-12, float(w.detach().abs().max()) < 1e-9  # at the saddle
    (True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from learnlab.analysis.base import flat, set_flat
from learnlab.analysis.hessian_operator import checked_loss
from learnlab.io.errors import ConfigError

# eigenvalues within this fraction of the largest |eigenvalue| count as zero: Newton's step
# leaves their directions alone, and critical_points.index_of does not count them as negative
# (round-off of a float64 eigh of a Hessian whose gradient is ~1e-6 is far below it)
ZERO_EIGENVALUE = 1e-7
# damping delta / max(lambda^2) tried at each step: 0 is Newton's step, 1 about a gradient step
DAMPINGS = (0.0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0)


@dataclass(frozen=True)
class NewtonEnd:
    """Where a damped Newton search stopped: |grad L| there, the Hessian's eigenvalues there
    (ascending, float64) and how many Hessians it took (the last one included)."""

    gradient_norm: float
    eigenvalues: torch.Tensor
    hessians: int


def damped_newton(
    loss: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    hessian: Callable[[], torch.Tensor],
    *,
    tolerance: float,
    max_hessians: int,
    chord_steps: int = 10,
) -> NewtonEnd:
    """Move the parameters (in place) towards a point where grad L = 0 by damped Newton steps
    (see the module docstring); `hessian()` gives the dense (P, P) Hessian of the current
    parameters. Returns the gradient norm and the Hessian spectrum where it stopped."""
    if not tolerance > 0:
        raise ConfigError(f"tolerance={tolerance}: the gradient-norm tolerance must be > 0.")
    if max_hessians < 0 or chord_steps < 1:
        raise ConfigError(
            f"max_hessians={max_hessians}, chord_steps={chord_steps}: give max_hessians >= 0 "
            "and chord_steps >= 1."
        )
    hessians = 0
    while True:
        values, vectors = torch.linalg.eigh(hessian().double())
        hessians += 1
        norm = float(flat_gradient(loss, params).norm())
        if norm <= tolerance or hessians > max_hessians:
            return NewtonEnd(norm, values, hessians)
        moved = False
        for _ in range(chord_steps):
            lowered = _best_damped_step(loss, params, values, vectors, norm)
            if lowered is None:
                break
            moved, norm = True, lowered
            if norm <= tolerance:
                break
        if not moved:  # no damping helps even with the Hessian of this very point
            return NewtonEnd(norm, values, hessians)


def _best_damped_step(
    loss: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    values: torch.Tensor,
    vectors: torch.Tensor,
    norm: float,
) -> float | None:
    """Take the step, among the DAMPINGS, that lowers |g| most below `norm` and return the new
    |g|; leave the parameters alone and return None when none lowers it."""
    base = flat([p.detach() for p in params]).double().clone()
    coefficients = vectors.T @ flat_gradient(loss, params).double()
    scale = float(values.abs().max()) ** 2
    kept = values.abs() > ZERO_EIGENVALUE * values.abs().max()
    best: tuple[float, torch.Tensor] | None = None
    for damping in DAMPINGS:
        gain = torch.where(kept, values / (values**2 + damping * scale), torch.zeros_like(values))
        trial = base - vectors @ (gain * coefficients)
        set_flat(params, trial)
        trial_norm = float(flat_gradient(loss, params).norm())
        if trial_norm < norm and (best is None or trial_norm < best[0]):
            best = (trial_norm, trial)
    set_flat(params, base if best is None else best[1])
    return None if best is None else best[0]


def flat_gradient(loss: Callable[[], torch.Tensor], params: Sequence[torch.Tensor]) -> torch.Tensor:
    """The gradient of the closure's loss with respect to `params`, as one flat vector."""
    return flat(torch.autograd.grad(checked_loss(loss, "objective"), params)).detach()
