"""Szegedy et al.'s box-constrained L-BFGS attack: the smallest change that makes the model
predict a chosen class.

Szegedy et al. (2014), section 4.1, want the r of least ||r||_2 with f(x + r) = target and
x + r in [0, 1]^m. They approximate it by a penalty method: for a weight c > 0, minimise

    c |r| + loss(x + r, target)    subject to  0 <= x + r <= 1

by box-constrained L-BFGS (SciPy's L-BFGS-B, in float64 on the flattened input), with |r| the
Euclidean norm as in the paper (`penalty="l2"`; `"squared-l2"` is the smooth c ||r||^2 of
Carlini & Wagner's restatement), and search c: a large c keeps r small but may not reach the
target, a small c reaches it with a larger r; the smallest successful r comes from the largest c
that still succeeds. The paper says "the minimum c"; the logic of the penalty needs the largest.

The search over c, per example: start at `c_initial`; while no c has failed, multiply it by 10,
while none has succeeded, divide it by 10; once both are known, bisect on a log scale between
the largest success and the smallest failure; `search_steps` solves in all. A try succeeds when
the model predicts the target for it (re-prediction of the candidate as it will be returned,
in the dtype of x). Returned per example: the successful try of least distortion; where no try
succeeded, the try at the smallest c (the strongest push toward the target); `attack_success`
then reports it as a failure.

Batching: the objective is a sum of one term per example (the model in eval mode treats the
examples of a batch independently), so `batch_size` examples, each with its own c, are solved
as one L-BFGS-B problem over their concatenated inputs; the line searches over c stay per
example. The solver's stopping rule and step lengths are then shared: `batch_size=1` solves each
example alone (the paper's method, slower in Python overhead).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from learnlab.analysis.adversarial.inputs import (
    AttackLoss,
    check_attack_inputs,
    check_budget,
    default_loss,
)
from learnlab.analysis.adversarial.success import predictions
from learnlab.analysis.base import preserved_model_state
from learnlab.io.errors import ConfigError

Penalty = Literal["l2", "squared-l2"]
SCALE = 10.0  # how far c moves while the search has not yet bracketed the boundary


def lbfgs_attack(
    model: nn.Module,
    x: torch.Tensor,
    target: torch.Tensor,
    *,
    loss: AttackLoss | None = None,
    penalty: Penalty = "l2",
    c_initial: float = 1.0,
    search_steps: int = 10,
    max_iterations: int = 100,
    batch_size: int = 1,
) -> torch.Tensor:
    """Adversarial inputs, like x, that the model is meant to predict as `target` (one class per
    example), each the smallest change found by the search over c (see the module's text)."""
    check_attack_inputs(model, x, target)
    _check_settings(model, x, target, penalty, c_initial, search_steps, max_iterations, batch_size)
    loss = loss or default_loss
    pieces = []
    with preserved_model_state(model):
        for p in model.parameters():
            p.requires_grad_(False)  # only the input's gradient is needed
        for i in range(0, x.shape[0], batch_size):
            search = _Search(
                model, x[i : i + batch_size], target[i : i + batch_size], loss, penalty
            )
            pieces.append(search.run(c_initial, search_steps, max_iterations))
    return torch.cat(pieces) if pieces else x.clone()


def _check_settings(
    model: nn.Module,
    x: torch.Tensor,
    target: torch.Tensor,
    penalty: str,
    c_initial: float,
    search_steps: int,
    max_iterations: int,
    batch_size: int,
) -> None:
    if penalty not in ("l2", "squared-l2"):
        raise ConfigError(f"penalty={penalty!r}; choose 'l2' (the paper's |r|) or 'squared-l2'.")
    if not check_budget("c_initial", c_initial) > 0:
        raise ConfigError("c_initial=0: the weight of the change must be > 0.")
    for name, value in (
        ("search_steps", search_steps),
        ("max_iterations", max_iterations),
        ("batch_size", batch_size),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name}={value!r}: it must be a whole number >= 1.")
    if target.dtype in (torch.float16, torch.float32, torch.float64, torch.bfloat16):
        raise ConfigError(f"target: integer class indices are needed, got {target.dtype}.")
    if x.shape[0]:
        classes = int(_classes(model, x[:1]))
        if int(target.min()) < 0 or int(target.max()) >= classes:
            raise ConfigError(
                f"target: classes must lie in 0..{classes - 1} (the model's outputs), got "
                f"{int(target.min())} to {int(target.max())}."
            )


@torch.no_grad()
def _classes(model: nn.Module, x: torch.Tensor) -> int:
    """How many classes the model scores (the width of its output on one example)."""
    with preserved_model_state(model):
        return model(x.to(next(model.parameters()).device)).shape[1]


class _Search:
    """The search over c for one batch of examples: every example's bracket, its best try."""

    def __init__(
        self, model: nn.Module, x: torch.Tensor, target: torch.Tensor, loss, penalty: str
    ) -> None:
        self.model, self.x, self.target, self.loss, self.penalty = model, x, target, loss, penalty
        self.device = next(model.parameters()).device
        self.dtype = next(model.parameters()).dtype
        n = x.shape[0]
        self.x64 = x.reshape(n, -1).double().cpu()
        # per example, the largest c that succeeded and the smallest that failed (nan: none)
        self.c_success = torch.full((n,), float("nan"), dtype=torch.float64)
        self.c_failure = torch.full((n,), float("nan"), dtype=torch.float64)
        self.best = x.clone()
        self.best_size = torch.full((n,), float("inf"), dtype=torch.float64)
        self.succeeded = torch.zeros(n, dtype=torch.bool)
        self.smallest_c = torch.full((n,), float("inf"), dtype=torch.float64)

    def run(self, c_initial: float, steps: int, max_iterations: int) -> torch.Tensor:
        c = torch.full((self.x.shape[0],), c_initial, dtype=torch.float64)
        for _ in range(steps):
            candidate = self._solve(c, max_iterations)
            self._record(c, candidate)
            c = self._next_c(c)
        return self.best

    def _next_c(self, c: torch.Tensor) -> torch.Tensor:
        """With s the largest c that succeeded and f the smallest that failed: both known,
        sqrt(s f); no failure yet, 10 c; no success yet, c / 10."""
        s, f = self.c_success, self.c_failure
        both = ~s.isnan() & ~f.isnan()
        return torch.where(both, (s * f).sqrt(), torch.where(f.isnan(), c * SCALE, c / SCALE))

    def _record(self, c: torch.Tensor, candidate: torch.Tensor) -> None:
        success = predictions(self.model, candidate).cpu() == self.target.cpu()
        size = (candidate.reshape(len(c), -1).double().cpu() - self.x64).norm(dim=1)
        s, f = self.c_success, self.c_failure
        self.c_success = torch.where(success & (s.isnan() | (c > s)), c, s)
        self.c_failure = torch.where(~success & (f.isnan() | (c < f)), c, f)
        better = success & (size < self.best_size)
        # no success yet: keep the try of the smallest c, the strongest push to the target
        fallback = ~self.succeeded & ~success & (c < self.smallest_c)
        keep = better | fallback
        self.best[keep] = candidate[keep]
        self.best_size = torch.where(better, size, self.best_size)
        self.smallest_c = torch.where(fallback, c, self.smallest_c)
        self.succeeded |= success

    def _solve(self, c: torch.Tensor, max_iterations: int) -> torch.Tensor:
        """One L-BFGS-B solve of sum_i c_i |r_i| + loss_i(x_i + r_i) over z = x + r in
        [0, 1], from z = x; the minimiser in the dtype of x."""
        import numpy as np
        from scipy.optimize import minimize

        start = self.x64.reshape(-1).numpy()
        result = minimize(
            self._objective(c),
            start.copy(),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, 1.0)] * start.size,
            options={"maxiter": max_iterations, "ftol": 1e-12, "gtol": 1e-9},
        )
        z = torch.from_numpy(np.clip(result.x, 0.0, 1.0))
        return z.reshape(self.x.shape).to(self.x.dtype)

    def _objective(self, c: torch.Tensor):
        n = self.x.shape[0]
        weights = c.to(torch.float64)

        def value_and_gradient(z_flat):
            z64 = torch.from_numpy(z_flat).reshape(n, -1)
            r = (z64 - self.x64).requires_grad_(True)
            z = (self.x64 + r).reshape(self.x.shape).to(self.device, self.dtype)
            # the loss is a mean over the batch: times n, each example's own term
            data = self.loss(self.model(z), self.target.to(self.device)).double().cpu() * n
            size = _penalty(r, self.penalty)
            (grad_data,) = torch.autograd.grad(data, r, retain_graph=True)
            (grad_size,) = torch.autograd.grad((weights * size).sum(), r)
            grad = grad_data + grad_size
            if self.penalty == "l2":
                grad = _steepest_at_zero(grad, grad_data, r.detach(), weights)
            total = float(data.detach()) + float((weights * size.detach()).sum())
            return total, grad.reshape(-1).numpy().astype("float64")

        return value_and_gradient


def _steepest_at_zero(
    grad: torch.Tensor, grad_data: torch.Tensor, r: torch.Tensor, c: torch.Tensor
) -> torch.Tensor:
    """Where r = 0 the norm has no gradient; its subgradients are the ball of radius c, and the
    one that makes the total smallest, g (1 - c / |g|)_+ with g the loss's gradient, gives the
    steepest descent. L-BFGS-B's line search needs a slope it can trust: with the subgradient 0
    it believes a slope that is too steep by c, and fails near the c that matters."""
    at_zero = (r * r).sum(dim=1) == 0
    if not at_zero.any():
        return grad
    length = grad_data.norm(dim=1).clamp_min(torch.finfo(grad_data.dtype).tiny)
    shrink = (1 - c / length).clamp_min(0).unsqueeze(1)
    return torch.where(at_zero.unsqueeze(1), grad_data * shrink, grad)


def _penalty(r: torch.Tensor, penalty: str) -> torch.Tensor:
    """Per row, |r| or |r|^2."""
    squared = (r * r).sum(dim=1)
    if penalty == "squared-l2":
        return squared
    # sqrt has an infinite derivative at 0: there the gradient is set by _steepest_at_zero
    safe = torch.where(squared > 0, squared, torch.ones_like(squared))
    return torch.where(squared > 0, safe.sqrt(), torch.zeros_like(squared))
