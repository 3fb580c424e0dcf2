"""Damped Newton with the exact Hessian, its damping adapted as in Levenberg-Marquardt.

Newton's method (L4) minimises the second-order Taylor model of the loss at theta: the step d
solves H d = -g. Far from a minimum H may be indefinite or nearly singular, so the step solves

    (H + alpha I) d = -g,        theta <- theta + lr d

and alpha is adapted as in Levenberg-Marquardt (Levenberg 1944, Marquardt 1963): when the loss
at the trial point falls, the step is accepted and alpha shrinks (alpha <- alpha *
damping_decrease); otherwise the step is rejected, alpha grows (alpha <- alpha *
damping_increase, from MIN_DAMPING when it was 0) and the step is solved again, up to
`max_tries` trial points per `step`. Large alpha gives a short gradient-descent step
(d ~ -g / alpha), alpha = 0 the pure Newton step, which reaches a quadratic's minimum at once.
No trial is made when the quadratic model predicts a decrease below the loss's floating-point
resolution (converged), so alpha does not grow without bound at a minimum.

The Hessian of all parameters is formed exactly, one Hessian-vector product per row
(Pearlmutter's double backward, vectorised over rows): n backward passes and n^2 numbers for
n parameters, so the optimizer refuses models with more than `max_parameters` (5,000 by
default) and points to Newton-CG (`learnlab.optim.newton_cg`), which needs only products.
The linear systems are solved in float64 whatever the parameters' dtype.

Example:
    >>> import torch
    >>> w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    >>> opt = Newton([w], damping=0.0)
    >>> def closure(create_graph=False):
    ...     opt.zero_grad()
    ...     loss = (w[0] - 1) ** 2 + 3 * (w[1] + 2) ** 2 + w[0] * w[1]
    ...     loss.backward(create_graph=create_graph)
    ...     return loss
    >>> _ = opt.step(closure)  # one Newton step minimises a quadratic
    >>> [round(v, 9) for v in w.tolist()]
    [2.181818182, -2.363636364]
"""

from __future__ import annotations

import torch

from learnlab.io.errors import ConfigError
from learnlab.optim.base import (
    Closure,
    ClosureOptimizer,
    check_fraction,
    check_lr,
    check_positive,
)

MIN_DAMPING = 1e-8  # where alpha grows from when a step with alpha = 0 fails
ROWS_PER_PASS = 32  # Hessian rows per vectorised backward pass: quickest of 1/32/256/650 on
# logistic regression on the digits (650 parameters), and it bounds the memory


def next_damping(alpha: float, improved: bool, decrease: float, increase: float) -> float:
    """The Levenberg-Marquardt rule: shrink alpha after a step that lowered the loss, grow it
    (from MIN_DAMPING when it is 0) after one that did not."""
    if improved:
        return alpha * decrease
    return alpha * increase if alpha > 0 else MIN_DAMPING


class Newton(ClosureOptimizer):
    """Damped Newton: `step(closure)` takes one accepted step (or none after `max_tries`
    rejected trial points).

    Args:
        params: the parameters (one group).
        lr: scales the step d (1.0: the full Newton step).
        damping: the initial alpha (>= 0).
        damping_decrease: alpha's factor after an accepted step, in (0, 1].
        damping_increase: alpha's factor after a rejected one, > 1.
        max_tries: trial points per step (each costs one evaluation of the closure).
        max_parameters: the most parameters for which the n x n Hessian is formed.
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        damping: float = 1e-3,
        damping_decrease: float = 0.1,
        damping_increase: float = 10.0,
        max_tries: int = 10,
        max_parameters: int = 5000,
    ) -> None:
        defaults = {
            "lr": check_lr(lr),
            "damping": _check_damping(damping),
            "damping_decrease": check_fraction("damping_decrease", damping_decrease),
            "damping_increase": check_positive("damping_increase", damping_increase, above=1.0),
            "max_tries": check_positive("max_tries", max_tries, integer=True),
            "max_parameters": check_positive("max_parameters", max_parameters, integer=True),
        }
        super().__init__(params, defaults)
        count, limit = self.parameter_count(), defaults["max_parameters"]
        if count > limit:
            raise ConfigError(
                f"optimizer 'newton' forms the exact Hessian, a {count} x {count} matrix for "
                f"this model's {count} parameters, more than max_parameters={limit}. Use "
                "optimizer 'newton-cg' (Hessian-free Newton-CG, Hessian-vector products only) "
                "instead, or a smaller model; raise optimizer_options.max_parameters only if "
                "the n^2 Hessian fits in memory."
            )

    def _hessian(self, grads: list[torch.Tensor], n: int, like: torch.Tensor) -> torch.Tensor:
        rows = []
        for start in range(0, n, ROWS_PER_PASS):
            count = min(ROWS_PER_PASS, n - start)
            basis = like.new_zeros(count, n)
            basis[:, start : start + count] = torch.eye(count, dtype=like.dtype)
            rows.append(self._hessian_rows(grads, basis))
        hessian = torch.cat(rows)
        return 0.5 * (hessian + hessian.T)  # exact up to rounding; symmetric for the solver

    @torch.no_grad()
    def step(self, closure: Closure) -> torch.Tensor:  # type: ignore[override]
        """One damped Newton step; returns the loss at the parameters before it."""
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        alpha = float(state.get("damping", group["damping"]))
        loss, grads = self._evaluate_with_graph(closure)
        theta = self._flat_params()
        g = torch.cat([gr.detach().reshape(-1) for gr in grads])
        with torch.enable_grad():
            hessian = self._hessian(grads, theta.numel(), g).double()
        del grads  # frees the gradient's graph
        g64, eye = g.double(), torch.eye(theta.numel(), dtype=torch.float64, device=g.device)
        decrease, increase = group["damping_decrease"], group["damping_increase"]
        evaluations = 1
        # the smallest change of the loss its dtype resolves: below it, trials only see noise
        resolution = 4 * torch.finfo(theta.dtype).eps * max(1.0, abs(loss))
        for _ in range(group["max_tries"]):
            try:
                d = torch.linalg.solve(hessian + alpha * eye, -g64)
            except RuntimeError:  # singular: damp more
                alpha = next_damping(alpha, False, decrease, increase)
                continue
            step = group["lr"] * d
            predicted = -float(g64 @ step) - 0.5 * float(step @ (hessian @ step))
            if abs(predicted) <= resolution:  # converged: no decrease left to find
                break
            self._set_params(theta + step.to(theta.dtype))
            trial, _ = self._evaluate(closure)
            evaluations += 1
            improved = trial < loss  # False for NaN
            alpha = next_damping(alpha, improved, decrease, increase)
            if improved:
                break
            self._set_params(theta)  # rejected: back to theta
        state["damping"] = alpha
        state["steps"] = int(state.get("steps", 0)) + 1
        state["evaluations"] = int(state.get("evaluations", 0)) + evaluations
        return torch.tensor(loss, dtype=torch.float64)


def _check_damping(value: object) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not 0 <= value < float("inf"):
        raise ConfigError(f"damping must be a finite number >= 0, got {value!r}")
    return float(value)
