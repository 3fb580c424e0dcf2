"""Critical points of a loss and their index: the saddle-point picture of Dauphin, Pascanu,
Gulcehre, Cho, Ganguli & Bengio (2014), "Identifying and attacking the saddle point problem in
high-dimensional non-convex optimization".

A critical point is where the gradient g of the loss L vanishes; its index is the fraction of
the Hessian's eigenvalues that are negative (0: a minimum; between 0 and 1: a saddle). The
paper's claim: the critical points of a neural network's loss with high error are saddles of
high index, and the error falls as the index does.

The search: from each start, minimise the squared gradient norm q = |g|^2 / 2, whose gradient
is H g (one Hessian-vector product, Pearlmutter 1994), by SciPy's L-BFGS in float64. Every
critical point of L is a global minimum of q (q = 0), whatever its index, so the search is
not drawn to minima of L as descent on L is. It can also stop where q has a minimum that is
not 0 (g nonzero but in the Hessian's near-null space: Frye et al. 2021, "gradient-flat
regions"), so only the points whose gradient norm is under `tolerance` are kept and the others
are counted as rejected. At each kept point the dense Hessian (`hessian.dense_hessian`) gives
every eigenvalue by `eigh` in float64, hence the exact index: small models only.

Example (a 2-parameter loss (w0^2 - 1)^2 + w1^2: a saddle at 0 of index 1/2, minima at +-1):
    >>> import torch
    >>> from torch import nn
    >>> model = nn.Linear(2, 1, bias=False).double()
    >>> loss = lambda m, b: (((m.weight[0, 0] ** 2 - 1) ** 2 + m.weight[0, 1] ** 2), {})
    >>> starts = [torch.tensor([0.2, 0.3]), torch.tensor([0.8, -0.1])]
    >>> found = critical_points(model, loss, None, starts, error=lambda m, b: 0.0)
    >>> [round(float(i), 2) for i in found.index], found.rejected
    ([0.5, 0.0], 0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from learnlab.analysis.base import flat, loss_closure, preserved_model_state, set_flat, trainable
from learnlab.analysis.damped_newton import ZERO_EIGENVALUE, damped_newton
from learnlab.analysis.hessian import dense_hessian
from learnlab.analysis.hessian_operator import checked_loss
from learnlab.analysis.newton_mr import newton_mr_search
from learnlab.analysis.pseudo_newton import pseudo_inverse_newton
from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective

# a rank correlation needs at least 5 points to mean anything: with 4, even a perfect order
# arises by chance with probability 2/24 = 0.083 (two-sided); with 5, 2/120 = 0.017
MIN_RANK_POINTS = 5
# the Newton searches on grad L = 0 that may follow (or replace) L-BFGS on |grad L|^2
NEWTON_METHODS = {
    "damped": damped_newton,
    "pseudo-inverse": pseudo_inverse_newton,
    "mr": newton_mr_search,
}


@dataclass(frozen=True)
class CriticalPoints:
    """The critical points found from a set of starts: one entry per kept point, in the order
    of their starts (`start` says which). `rejected` starts ended with a gradient norm over
    `tolerance` (their norms in `rejected_gradient_norm`)."""

    loss: np.ndarray  # (kept,) the loss at each point
    error: np.ndarray  # (kept,) the error there (by default: classification error, 0 to 1)
    index: np.ndarray  # (kept,) fraction of negative Hessian eigenvalues
    gradient_norm: np.ndarray  # (kept,) |grad L| there
    eigenvalues: np.ndarray  # (kept, parameters) each point's Hessian spectrum, ascending
    start: np.ndarray  # (kept,) int: the position of each point's start in `starts`
    rejected: int
    rejected_gradient_norm: np.ndarray  # (rejected,) where those searches ended
    rejected_start: np.ndarray  # (rejected,) int: their starts' positions
    tolerance: float
    parameters: int

    def index_error_correlation(self, min_points: int = MIN_RANK_POINTS) -> float:
        """Spearman's rank correlation of the index with the error over the kept points (nan
        with fewer than `min_points` points, or when either is constant)."""
        from scipy.stats import spearmanr

        if len(self.index) < min_points or np.ptp(self.index) == 0 or np.ptp(self.error) == 0:
            return float("nan")
        return float(spearmanr(self.index, self.error).statistic)


def index_of(eigenvalues: np.ndarray | torch.Tensor, zero: float = ZERO_EIGENVALUE) -> float:
    """The fraction of `eigenvalues` below -zero * max|eigenvalue| (the index of a critical
    point; near-zero eigenvalues of a degenerate Hessian are not counted as negative)."""
    values = np.asarray(eigenvalues, dtype=np.float64).reshape(-1)
    if values.size == 0:
        raise ConfigError("eigenvalues is empty: the index is a fraction of eigenvalues.")
    scale = float(np.abs(values).max())
    return float(np.mean(values < -zero * scale))


def gradient_norm_objective(
    loss: Callable[[], torch.Tensor], params: Sequence[torch.Tensor]
) -> tuple[float, torch.Tensor]:
    """q = |grad L|^2 / 2 at the current parameters and its gradient H grad L (flat), by one
    double backward pass."""
    grads = torch.autograd.grad(checked_loss(loss, "objective"), params, create_graph=True)
    half_square = 0.5 * sum((g * g).sum() for g in grads)
    if not half_square.requires_grad:  # L linear in the parameters: H = 0
        return float(half_square), torch.zeros(sum(p.numel() for p in params), dtype=torch.float64)
    products = torch.autograd.grad(half_square, params, allow_unused=True)
    hg = [torch.zeros_like(p) if h is None else h for p, h in zip(params, products, strict=True)]
    return float(half_square.detach()), flat(hg).detach().double()


def minimise_gradient_norm(
    loss: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    *,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
) -> float:
    """Move the parameters (in place) to a minimum of |grad L|^2 / 2 near where they are, by
    L-BFGS in float64 (stopping once |grad L| <= tolerance / 10 or after `max_iterations`);
    returns |grad L| where it stopped."""
    from scipy.optimize import minimize

    dtype = params[0].dtype

    def value_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        set_flat(params, torch.from_numpy(x).to(dtype))
        value, hg = gradient_norm_objective(loss, params)
        return value, hg.numpy()

    start = flat([p.detach() for p in params]).double().numpy()
    # q = |g|^2 / 2, so |g| <= tolerance / 10 is q <= tolerance^2 / 200: stop there, well
    # inside the acceptance threshold; gtol and ftol 0 leave that test and maxiter in charge
    target = 0.5 * (tolerance / 10) ** 2
    found = minimize(
        value_and_gradient,
        start,
        jac=True,
        method="L-BFGS-B",
        callback=_stop_below(target),
        options={"maxiter": max_iterations, "gtol": 0.0, "ftol": 0.0, "maxcor": 30},
    )
    set_flat(params, torch.from_numpy(found.x).to(dtype))
    value, _ = gradient_norm_objective(loss, params)
    return float(np.sqrt(2 * value))


def _stop_below(target: float) -> Callable[[Any], None]:
    """An L-BFGS callback that ends the search once q <= target (SciPy stops on StopIteration
    and returns the last iterate)."""

    def callback(intermediate_result: Any) -> None:
        if float(intermediate_result.fun) <= target:
            raise StopIteration

    return callback


def classification_error(model: nn.Module, batch: Any) -> float:
    """The fraction of examples of `batch = (x, y, ...)` whose largest logit is not y."""
    with torch.no_grad():
        return float((model(batch[0]).argmax(dim=1) != batch[1]).double().mean())


def critical_points(
    model: nn.Module,
    objective: Objective | Callable[..., Any],
    batch: Any,
    starts: Sequence[torch.Tensor],
    *,
    tolerance: float = 1e-5,
    max_iterations: int = 500,
    newton_steps: int = 0,
    newton: str = "damped",
    error: Callable[[nn.Module, Any], float] = classification_error,
    on_point: Callable[[int, float], None] | None = None,
) -> CriticalPoints:
    """Search a critical point of the objective on `batch` from each flat parameter vector in
    `starts` (minimising the squared gradient norm), keep those with |grad L| <= tolerance and
    take each kept point's loss, `error(model, batch)` and Hessian spectrum (dense, float64:
    small models only). `newton_steps` > 0 refines each unfinished search by Newton steps on
    grad L = 0, up to that many dense Hessians: `newton="damped"` (`damped_newton`, each
    Hessian reused for a few steps), `"pseudo-inverse"` (`pseudo_newton`: -H^+ g with a line
    search on |g|) or `"mr"` (`newton_mr`: MINRES on Hessian-vector products, 5 steps per
    Hessian of the budget). `max_iterations=0` skips L-BFGS (Newton alone). `on_point(i,
    gradient_norm)` is told as each search ends (progress). The model is left as it came."""
    if not tolerance > 0:
        raise ConfigError(f"tolerance={tolerance}: the gradient-norm tolerance must be > 0.")
    if newton_steps < 0:
        raise ConfigError(f"newton_steps={newton_steps}: give 0 (none) or more.")
    if max_iterations < 0 or max_iterations + newton_steps == 0:
        raise ConfigError(
            f"max_iterations={max_iterations}: take at least 1 L-BFGS iteration, or 0 with "
            "newton_steps > 0 (Newton alone)."
        )
    if newton not in NEWTON_METHODS:
        raise ConfigError(f"newton={newton!r}: choose one of {sorted(NEWTON_METHODS)}.")
    if len(starts) == 0:
        raise ConfigError("starts is empty: give at least one flat parameter vector.")
    with preserved_model_state(model):
        params = trainable(model)
        if not params:
            raise ConfigError("model has no parameters: there is no loss surface to search.")
        size = sum(p.numel() for p in params)
        _check_starts(starts, size)
        original = flat([p.detach() for p in params]).clone()
        loss = loss_closure(model, objective, batch)
        kept: list[dict[str, Any]] = []
        rejected: list[tuple[int, float]] = []
        try:
            for i, start in enumerate(starts):
                set_flat(params, start.to(original.dtype))
                norm = float("inf")
                if max_iterations:
                    norm = minimise_gradient_norm(
                        loss, params, max_iterations=max_iterations, tolerance=tolerance
                    )
                spectrum = None
                if newton_steps and norm > tolerance / 10:
                    end = NEWTON_METHODS[newton](
                        loss,
                        params,
                        lambda: dense_hessian(model, objective, batch),
                        tolerance=tolerance / 10,
                        max_hessians=newton_steps,
                    )
                    norm, spectrum = end.gradient_norm, end.eigenvalues
                if on_point is not None:
                    on_point(i, norm)
                if norm > tolerance:
                    rejected.append((i, norm))
                    continue
                kept.append(
                    _describe_point(model, objective, batch, loss, error, i, norm, spectrum)
                )
        finally:
            set_flat(params, original)
    return _gather(kept, rejected, tolerance, size)


def _check_starts(starts: Sequence[torch.Tensor], size: int) -> None:
    for i, start in enumerate(starts):
        if not isinstance(start, torch.Tensor) or start.numel() != size:
            got = start.numel() if isinstance(start, torch.Tensor) else type(start).__name__
            raise ConfigError(
                f"starts[{i}] has {got} values; each start is a flat vector of the model's "
                f"{size} parameters (e.g. torch.nn.utils.parameters_to_vector)."
            )


def _describe_point(
    model: nn.Module,
    objective: Objective | Callable[..., Any],
    batch: Any,
    loss: Callable[[], torch.Tensor],
    error: Callable[[nn.Module, Any], float],
    start: int,
    norm: float,
    eigenvalues: torch.Tensor | None,
) -> dict[str, Any]:
    """Loss, error and the full Hessian spectrum at the model's current (critical) point
    (`eigenvalues` when the Newton search already took them there)."""
    if eigenvalues is None:
        eigenvalues = torch.linalg.eigvalsh(dense_hessian(model, objective, batch).double())
    values = eigenvalues.cpu().numpy()
    with torch.no_grad():
        at = float(loss())
    return {
        "loss": at,
        "error": float(error(model, batch)),
        "index": index_of(values),
        "gradient_norm": norm,
        "eigenvalues": values,
        "start": start,
    }


def _gather(
    kept: list[dict[str, Any]], rejected: list[tuple[int, float]], tolerance: float, size: int
) -> CriticalPoints:
    def column(key: str, dtype: Any = np.float64) -> np.ndarray:
        return np.array([point[key] for point in kept], dtype=dtype)

    spectra = np.stack([p["eigenvalues"] for p in kept]) if kept else np.zeros((0, size))
    return CriticalPoints(
        loss=column("loss"),
        error=column("error"),
        index=column("index"),
        gradient_norm=column("gradient_norm"),
        eigenvalues=spectra,
        start=column("start", np.int64),
        rejected=len(rejected),
        rejected_gradient_norm=np.array([norm for _, norm in rejected], dtype=np.float64),
        rejected_start=np.array([i for i, _ in rejected], dtype=np.int64),
        tolerance=float(tolerance),
        parameters=size,
    )
