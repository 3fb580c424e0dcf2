"""Nonlinear conjugate gradients (L4): Fletcher-Reeves and Polak-Ribiere+ with a strong-Wolfe
line search and restarts.

Each iteration moves along d_k = -g_k + beta_k d_{k-1} by a step satisfying the strong Wolfe
conditions (`learnlab.optim.line_search`), with (Nocedal & Wright 2006, section 5.2)

    Fletcher-Reeves (1964)   beta_FR = g_k . g_k / g_{k-1} . g_{k-1}
    Polak-Ribiere+ (1969)    beta_PR+ = max(0, g_k . (g_k - g_{k-1}) / g_{k-1} . g_{k-1})

The search restarts with steepest descent (beta = 0) every `restart_every` iterations (default:
the number of parameters n, after which a quadratic's conjugate directions are spent), when
successive gradients are far from orthogonal (|g_k . g_{k-1}| >= 0.1 g_k . g_k, Powell 1977;
N&W eq. 5.52), and when d_k is not a descent direction. With an exact line search on a strictly
convex quadratic both betas give linear conjugate gradients: the minimum in at most n steps.

The first trial step of the first iteration is lr * min(1, 1 / |g|_1) (as torch's L-BFGS);
later ones are alpha_{k-1} g_{k-1} . d_{k-1} / g_k . d_k (N&W eq. 3.60). One `step(closure)`
makes `max_iter` iterations (default 1), each evaluating the closure a few times.

Example:
    >>> import torch
    >>> w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    >>> opt = NonlinearCG([w], beta="fr", c1=1e-10, c2=1e-9)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (w[0] - 1) ** 2 + 3 * (w[1] + 2) ** 2 + w[0] * w[1]
    ...     loss.backward()
    ...     return loss
    >>> for _ in range(2):  # n = 2 iterations minimise a 2-d quadratic
    ...     _ = opt.step(closure)
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
from learnlab.optim.line_search import strong_wolfe

BETAS = ("pr+", "fr")
POWELL_THRESHOLD = 0.1  # restart when |g_k . g_{k-1}| >= this * g_k . g_k


def cg_beta(kind: str, grad: torch.Tensor, previous: torch.Tensor) -> float:
    """beta_k of Fletcher-Reeves ("fr") or Polak-Ribiere+ ("pr+") from g_k and g_{k-1}."""
    denominator = float(previous @ previous)
    if kind == "fr":
        return float(grad @ grad) / denominator
    return max(0.0, float(grad @ (grad - previous)) / denominator)


class NonlinearCG(ClosureOptimizer):
    """Nonlinear conjugate gradients; `step(closure)` makes `max_iter` iterations.

    Args:
        params: the parameters (one group).
        lr: scales the first trial step of the first iteration.
        beta: "pr+" (Polak-Ribiere+, the default) or "fr" (Fletcher-Reeves).
        max_iter: iterations per step.
        restart_every: steepest-descent restart period (None: the number of parameters).
        c1, c2: the strong Wolfe constants, 0 < c1 < c2 < 1 (c2 = 0.1 for CG, N&W).
        max_evals: closure evaluations per line search.
        tolerance_grad: stop when the largest gradient component is at most this.
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        beta: str = "pr+",
        max_iter: int = 1,
        restart_every: int | None = None,
        c1: float = 1e-4,
        c2: float = 0.1,
        max_evals: int = 25,
        tolerance_grad: float = 1e-10,
    ) -> None:
        if beta not in BETAS:
            raise ConfigError(
                f"beta must be 'pr+' (Polak-Ribiere+) or 'fr' (Fletcher-Reeves), got {beta!r}"
            )
        c1 = check_fraction("c1", c1, closed=False)
        c2 = check_fraction("c2", c2, closed=False)
        if c1 >= c2:
            raise ConfigError(f"the Wolfe constants need c1 < c2, got c1={c1} and c2={c2}")
        defaults = {
            "lr": check_lr(lr),
            "beta": beta,
            "max_iter": check_positive("max_iter", max_iter, integer=True),
            "restart_every": None
            if restart_every is None
            else check_positive("restart_every", restart_every, integer=True),
            "c1": c1,
            "c2": c2,
            "max_evals": check_positive("max_evals", max_evals, integer=True),
            "tolerance_grad": check_positive("tolerance_grad", tolerance_grad),
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure) -> torch.Tensor:  # type: ignore[override]
        """`max_iter` CG iterations; returns the loss at the parameters before them."""
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        first_loss, grad = self._evaluate(closure)
        loss = first_loss
        state["evaluations"] = int(state.get("evaluations", 0)) + 1
        for _ in range(group["max_iter"]):
            if float(grad.abs().max()) <= group["tolerance_grad"]:
                break
            done = self._iterate(closure, group, state, loss, grad)
            if done is None:
                break
            loss, grad = done
        return torch.tensor(first_loss, dtype=torch.float64)

    def _direction(self, group: dict, state: dict, grad: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """d_k and whether it continues the previous direction (False: a restart)."""
        previous = state.get("grad")
        period = group["restart_every"] or grad.numel()
        if previous is None or state.get("since_restart", 0) >= period:
            return -grad, False
        if abs(float(grad @ previous)) >= POWELL_THRESHOLD * float(grad @ grad):
            return -grad, False
        beta = cg_beta(group["beta"], grad, previous)
        state["beta"] = beta
        direction = -grad + beta * state["direction"]
        if float(grad @ direction) >= 0:  # not a descent direction
            return -grad, False
        return direction, True

    def _iterate(
        self, closure: Closure, group: dict, state: dict, loss: float, grad: torch.Tensor
    ) -> tuple[float, torch.Tensor] | None:
        direction, continued = self._direction(group, state, grad)
        if not continued:
            state["beta"] = 0.0
            state["since_restart"] = 0
        slope = float(grad @ direction)
        if "step_size" in state and continued:
            first = state["step_size"] * state["slope"] / slope
        else:
            first = group["lr"] * min(1.0, 1.0 / float(grad.abs().sum()))
        theta = self._flat_params()
        last: dict[str, object] = {}

        def phi(a: float) -> tuple[float, float]:
            self._set_params(theta + a * direction)
            value, g = self._evaluate(closure)
            last.update(step=a, value=value, grad=g)
            return value, float(g @ direction)

        found = strong_wolfe(
            phi, loss, slope, first, c1=group["c1"], c2=group["c2"], max_evals=group["max_evals"]
        )
        state["evaluations"] += found.evals
        if found.step == 0.0 or not found.value < loss:
            self._set_params(theta)  # no progress along d: restart at the next iteration
            for key in ("grad", "direction", "step_size", "slope"):
                state.pop(key, None)
            return None
        self._set_params(theta + found.step * direction)
        new_grad = last["grad"] if last.get("step") == found.step else self._evaluate(closure)[1]
        state.update(
            grad=grad,
            direction=direction,
            step_size=found.step,
            slope=slope,
            since_restart=int(state.get("since_restart", 0)) + 1,
            iterations=int(state.get("iterations", 0)) + 1,
        )
        return found.value, new_grad  # type: ignore[return-value]
