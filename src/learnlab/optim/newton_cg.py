"""Hessian-free Newton-CG (Martens 2010, "Deep learning via Hessian-free optimization").

Newton's step solves (H + lambda I) d = -g; for a model with many parameters H cannot be
formed, but linear conjugate gradients needs only products (H + lambda I) v. Each product is
exact: one backward pass through the graph of the gradient (Pearlmutter 1994's double
backward: H v is the gradient of grad L . v), so a step costs one gradient with its graph,
at most `cg_iters` products (default 10, truncated CG) and one evaluation at the trial point.

CG starts from d = 0 and stops early when the residual falls below `cg_tolerance` |g|, or on
negative curvature (p . (H + lambda I) p <= 0: the quadratic model is unbounded along p), where
it keeps the iterate reached so far (steepest descent -g if it was the first iteration).

lambda is adapted from the reduction ratio rho = (L(theta + lr d) - L(theta)) / q(lr d), the
actual change of the loss over the change the undamped quadratic model q(d) = g . d +
d . H d / 2 predicts (Martens's Levenberg-Marquardt rule): lambda <- lambda * 3/2 when
rho < 1/4, lambda <- lambda * 2/3 when rho > 3/4. A step that does not lower the loss is halved
up to `max_backtracks` times (Martens's backtracking, section 4.6, with a plain decrease test)
and the parameters stay if none does; rho is judged on the full step, so lambda then grows.
(Halving matters where CG met negative curvature at once: its steepest-descent direction -g
does not shrink as lambda grows.)

The closure must build the gradient's graph when asked: see `learnlab.optim.base`.

Example:
    >>> import torch
    >>> w = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    >>> opt = NewtonCG([w], damping=0.0)
    >>> def closure(create_graph=False):
    ...     opt.zero_grad()
    ...     loss = ((w - torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)) ** 2).sum()
    ...     loss.backward(create_graph=create_graph)
    ...     return loss
    >>> _ = opt.step(closure)
    >>> w.tolist()
    [1.0, 2.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from learnlab.io.errors import ConfigError
from learnlab.optim.base import Closure, ClosureOptimizer, check_lr, check_positive

SHRINK, GROW = 2.0 / 3.0, 1.5  # Martens's factors for lambda
LOW_RATIO, HIGH_RATIO = 0.25, 0.75
MIN_DAMPING = 1e-8  # where lambda grows from when a step with lambda = 0 fails
BACKTRACK = 0.5  # the step's factor at each backtrack


@dataclass(frozen=True)
class CGSolution:
    """Truncated CG's answer: the step d, the residual r = -g - A d (A = H + lambda I), the
    iterations made, and whether it stopped on negative curvature."""

    step: torch.Tensor
    residual: torch.Tensor
    iterations: int
    negative_curvature: bool


def truncated_cg(
    product: Callable[[torch.Tensor], torch.Tensor],
    grad: torch.Tensor,
    max_iters: int,
    tolerance: float,
) -> CGSolution:
    """Linear CG on A d = -g from d = 0 (Hestenes & Stiefel 1952), at most `max_iters`
    products A v, stopping when |r| <= tolerance |g| or on a direction p with p . A p <= 0."""
    d = torch.zeros_like(grad)
    r = -grad
    p = r.clone()
    rr = float(r @ r)
    target = tolerance * rr**0.5
    for i in range(max_iters):
        if rr**0.5 <= target:
            return CGSolution(d, r, i, False)
        ap = product(p)
        curvature = float(p @ ap)
        if curvature <= 0:
            if i == 0:  # no step yet: steepest descent, as Newton-CG methods do (N&W alg. 7.1)
                return CGSolution(-grad, -grad + product(grad), 1, True)
            return CGSolution(d, r, i, True)
        alpha = rr / curvature
        d = d + alpha * p
        r = r - alpha * ap
        rr, previous = float(r @ r), rr
        p = r + (rr / previous) * p
    return CGSolution(d, r, max_iters, False)


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{name} must be an integer >= 0, got {value!r}")
    return value


def next_lambda(damping: float, ratio: float) -> float:
    """Martens's rule: grow lambda when the model over-promised (rho < 1/4), shrink it when it
    predicted well (rho > 3/4); from 0 it grows to MIN_DAMPING."""
    if not ratio >= LOW_RATIO:  # also NaN: a failed trial
        return damping * GROW if damping > 0 else MIN_DAMPING
    return damping * SHRINK if ratio > HIGH_RATIO else damping


class NewtonCG(ClosureOptimizer):
    """Hessian-free Newton-CG: `step(closure)` takes one (possibly rejected) truncated Newton
    step.

    Args:
        params: the parameters (one group).
        lr: scales the CG step d.
        damping: the initial lambda (>= 0); Martens starts at 1 (the default here too).
        cg_iters: the most CG iterations (Hessian-vector products) per step.
        cg_tolerance: CG stops when |r| <= cg_tolerance |g|.
        max_backtracks: halvings of a step that does not lower the loss (0: reject it at once).
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        damping: float = 1.0,
        cg_iters: int = 10,
        cg_tolerance: float = 1e-10,
        max_backtracks: int = 8,
    ) -> None:
        ok = isinstance(damping, (int, float)) and not isinstance(damping, bool)
        if not ok or not 0 <= damping < float("inf"):
            raise ConfigError(f"damping must be a finite number >= 0, got {damping!r}")
        defaults = {
            "lr": check_lr(lr),
            "damping": float(damping),
            "cg_iters": check_positive("cg_iters", cg_iters, integer=True),
            "cg_tolerance": check_positive("cg_tolerance", cg_tolerance),
            "max_backtracks": _check_count("max_backtracks", max_backtracks),
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure) -> torch.Tensor:  # type: ignore[override]
        """One Newton-CG step; returns the loss at the parameters before it."""
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        damping = float(state.get("damping", group["damping"]))
        loss, g, solution = self._truncated_newton(closure, group, damping)
        # q(s d) = s g.d + s^2 d.H d / 2, with (H + lambda I) d = -g - r (no extra product)
        direction = solution.step
        slope = float(g @ direction)
        curvature = float(direction @ (-g - solution.residual)) - damping * float(
            direction @ direction
        )
        theta = self._flat_params()
        scale, ratio, evaluations = group["lr"], float("nan"), 0
        for attempt in range(group["max_backtracks"] + 1):
            self._set_params(theta + scale * direction)
            trial, _ = self._evaluate(closure)
            evaluations += 1
            if attempt == 0:  # the model's quality is judged on the full step
                model_change = scale * slope + 0.5 * scale * scale * curvature
                ratio = (trial - loss) / model_change if model_change < 0 else float("nan")
            if trial < loss:
                break
            scale *= BACKTRACK
        else:
            self._set_params(theta)  # no decrease along d: the parameters stay
        state.update(
            damping=next_lambda(damping, ratio),
            ratio=ratio,
            cg_iterations=solution.iterations,
            negative_curvature=solution.negative_curvature,
            steps=int(state.get("steps", 0)) + 1,
            step_scale=scale if trial < loss else 0.0,
            evaluations=int(state.get("evaluations", 0)) + 1 + evaluations,
        )
        return torch.tensor(loss, dtype=torch.float64)

    def _truncated_newton(
        self, closure: Closure, group: dict, damping: float
    ) -> tuple[float, torch.Tensor, CGSolution]:
        """The loss, the flat gradient and truncated CG's solution of (H + lambda I) d = -g;
        the gradient's graph is freed on return."""
        loss, grads = self._evaluate_with_graph(closure)
        g = torch.cat([gr.detach().reshape(-1) for gr in grads])

        def product(v: torch.Tensor) -> torch.Tensor:
            with torch.enable_grad():
                return self._hessian_vector(grads, v) + damping * v

        return loss, g, truncated_cg(product, g, group["cg_iters"], group["cg_tolerance"])
