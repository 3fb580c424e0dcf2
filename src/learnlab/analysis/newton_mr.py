"""Newton-MR (Roosta, Liu, Xu & Mahoney 2018, "Newton-MR: Newton's method without smoothness
or convexity"), the critical-point finder Frye et al. (2021, "Critical point-finding methods
reveal gradient-flat regions of deep network losses") ran on network losses.

Each step solves the least-squares problem min_p |H p + g| by MINRES on Hessian-vector
products (`HessianOperator`: one backward pass each, no dense Hessian), started at p = 0, so
that its iterates lie in the Krylov space of g under H: on a consistent system (g in the
range of H) that is the minimum-norm solution -H^+ g, and MINRES is stopped early, by the
inexactness test |H r| <= `inexactness` |H g| on the residual r = H p + g (the test of Roosta
et al.), where the system is not consistent. The step length comes from a backtracking
(Armijo) line search on the merit |g|^2: alpha = 1, 1/2, ... until
|g(theta + alpha p)|^2 <= |g|^2 + 2 rho alpha <p, H g>; <p, H g> = <H p, g> < 0 whenever
H p + g is shorter than g, so p is a descent direction of |g|^2 whatever the curvature, and
the method is drawn to saddles as to minima. Near a non-degenerate critical point alpha = 1
is taken and the convergence is quadratic (superlinear with inexact solves).

It stops when |g| <= tolerance, after `max_steps` steps, or when the line search finds no
alpha >= `min_step` (then it stays where it was: a gradient-flat region, where g lies near the
Hessian's kernel and |g|^2 has a stationary point that is not 0).

Example (the double well (w0^2 - 1)^2 + w1^2 from near its saddle at 0):
    >>> import torch
    >>> w = torch.tensor([0.2, -0.1], dtype=torch.float64, requires_grad=True)
    >>> end = newton_mr(lambda: (w[0] ** 2 - 1) ** 2 + w[1] ** 2, [w], tolerance=1e-12)
    >>> end.gradient_norm <= 1e-12, float(w.detach().abs().max()) < 1e-9  # at the saddle
    (True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from learnlab.analysis.base import flat, set_flat
from learnlab.analysis.damped_newton import NewtonEnd, flat_gradient
from learnlab.analysis.hessian_operator import HessianOperator, checked_params
from learnlab.io.errors import ConfigError

ARMIJO = 1e-4  # rho: the fraction of the predicted decrease of |g|^2 a step must achieve
CHECK_EVERY = 1  # MINRES iterations between two inexactness tests (scipy's MINRES
# diverges on an inconsistent system once its Krylov space is exhausted: test at every one)
STEPS_PER_HESSIAN = 5  # Newton-MR steps allowed per dense Hessian of critical_points' budget


@dataclass(frozen=True)
class MREnd:
    """Where a Newton-MR search stopped: |grad L| there, the steps taken, the Hessian-vector
    products used and why it stopped ("tolerance", "steps" or "line search")."""

    gradient_norm: float
    steps: int
    products: int
    reason: str


def minres_step(
    product: Callable[[np.ndarray], np.ndarray],
    gradient: np.ndarray,
    *,
    inexactness: float = 1e-10,
    max_iterations: int | None = None,
) -> np.ndarray:
    """p with H p ~ -g by MINRES from p = 0 (the minimum-norm least-squares solution on a
    consistent system), stopped once |H (H p + g)| <= inexactness |H g| (tested every
    CHECK_EVERY iterations), or by MINRES's own residual test |H p + g| <= inexactness |g|;
    `product(v)` is H v on float64 arrays."""
    from scipy.sparse.linalg import LinearOperator, minres

    size = gradient.size
    operator = LinearOperator((size, size), matvec=product, dtype=np.float64)
    bound = inexactness * float(np.linalg.norm(product(gradient)))

    class Converged(Exception):
        """Raised by the callback when the inexactness test holds."""

    found: list[np.ndarray] = []
    calls = [0]

    def check(p: np.ndarray) -> None:  # every CHECK_EVERY iterations: it costs 2 products
        calls[0] += 1
        if calls[0] % CHECK_EVERY:
            return
        if float(np.linalg.norm(product(product(p) + gradient))) <= bound:
            found.append(p.copy())
            raise Converged

    try:
        step, _ = minres(
            operator,
            -gradient,
            rtol=inexactness,
            maxiter=max_iterations or 2 * size,
            callback=check if bound > 0 else None,
        )
    except Converged:
        step = found[0]
    return step


def newton_mr(
    loss: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    *,
    tolerance: float,
    max_steps: int = 50,
    inexactness: float = 1e-10,
    min_step: float = 1e-8,
) -> MREnd:
    """Move the parameters (in place, float64 advised) towards a point where grad L = 0 by
    Newton-MR steps (see the module docstring). Returns where and why it stopped."""
    params = checked_params(params)
    if not tolerance > 0:
        raise ConfigError(f"tolerance={tolerance}: the gradient-norm tolerance must be > 0.")
    if max_steps < 0:
        raise ConfigError(f"max_steps={max_steps}: give 0 (none) or more.")
    if not 0 <= inexactness < 1 or not 0 < min_step <= 1:
        raise ConfigError(
            f"inexactness={inexactness}, min_step={min_step}: give 0 <= inexactness < 1 and "
            "0 < min_step <= 1."
        )
    products = 0
    for steps in range(max_steps + 1):
        operator = HessianOperator(loss, params)
        gradient = operator.gradient.detach().double()
        norm = float(gradient.norm())
        if norm <= tolerance or steps == max_steps:
            reason = "tolerance" if norm <= tolerance else "steps"
            return MREnd(norm, steps, products + operator.products, reason)

        def product(v: np.ndarray, operator: HessianOperator = operator) -> np.ndarray:
            return operator(torch.from_numpy(np.asarray(v).reshape(-1))).double().numpy()

        g = gradient.numpy()
        step = minres_step(product, g, inexactness=inexactness)
        slope = float(np.dot(product(step), g))  # <H p, g> = d/dalpha |g|^2 / 2 at 0
        products += operator.products
        if not _line_search(loss, params, torch.from_numpy(step), norm, slope, min_step):
            return MREnd(norm, steps, products, "line search")
    raise AssertionError("unreachable")  # the loop returns at steps == max_steps


def _line_search(
    loss: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    step: torch.Tensor,
    norm: float,
    slope: float,
    min_step: float,
) -> bool:
    """Backtrack from alpha = 1 until |g|^2 drops by the Armijo rule; move there and return
    True, or leave the parameters alone and return False when no alpha >= min_step does (or p
    is not a descent direction of |g|^2)."""
    base = flat([p.detach() for p in params]).double().clone()
    alpha = 1.0
    while slope < 0 and alpha >= min_step:
        set_flat(params, base + alpha * step)
        trial = float(flat_gradient(loss, params).double().norm())
        if trial**2 <= norm**2 + 2 * ARMIJO * alpha * slope:
            return True
        alpha /= 2
    set_flat(params, base)
    return False


def newton_mr_search(
    loss: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    hessian: Callable[[], torch.Tensor],
    *,
    tolerance: float,
    max_hessians: int,
) -> NewtonEnd:
    """`newton_mr` in the form `critical_points` calls its Newton searches: at most
    `max_hessians` x STEPS_PER_HESSIAN steps (a step costs a few dozen products, a dense
    Hessian one per parameter), then the dense Hessian's spectrum at the point reached."""
    end = newton_mr(loss, params, tolerance=tolerance, max_steps=max_hessians * STEPS_PER_HESSIAN)
    values = torch.linalg.eigvalsh(hessian().double())
    return NewtonEnd(end.gradient_norm, values, 1)
