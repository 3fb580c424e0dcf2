"""What the optimizers of this package share: the closure contract and the parameters as one
flat vector.

The closure is torch.optim.LBFGS's (zero the gradients, compute the loss, call backward,
return the loss) with one addition for the methods that differentiate the gradient again:
called as `closure(create_graph=True)` it must pass `create_graph=True` to `backward`, so that
the gradients it leaves in `p.grad` carry their graph. `learnlab.train.Trainer`'s closure does
so; a hand-written one is

    def closure(create_graph=False):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward(create_graph=create_graph)
        return loss

The optimizer takes those gradients out of `p.grad` at once (leaving detached copies there), so
the reference cycle parameter -> gradient -> graph -> parameter that torch warns about never
outlives the step. Plain evaluations (trial points, line searches) call `closure()`.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable

import torch

from learnlab.io.errors import ConfigError

Closure = Callable[..., torch.Tensor]


def check_lr(lr: object) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"lr must be a finite number > 0, got {lr!r}")
    return float(lr)


def check_positive(name: str, value: object, *, integer: bool = False, above: float = 0.0):
    """`value` as a float (int with `integer`) > `above`; else a ConfigError naming `name`."""
    kinds = (int,) if integer else (int, float)
    ok = isinstance(value, kinds) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value <= above:
        kind = "an integer" if integer else "a finite number"
        raise ConfigError(f"{name} must be {kind} > {above:g}, got {value!r}")
    return int(value) if integer else float(value)


def check_fraction(name: str, value: object, *, closed: bool = True) -> float:
    """`value` in (0, 1] (or (0, 1) without `closed`); else a ConfigError naming `name`."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and value > 0 and (value <= 1 if closed else value < 1)
    if not ok:
        raise ConfigError(f"{name} must be in (0, 1{']' if closed else ')'}, got {value!r}")
    return float(value)


class ClosureOptimizer(torch.optim.Optimizer):
    """A torch optimizer over one parameter group whose `step` needs a closure: the
    parameters as a flat vector, and evaluations of the closure with or without the graph of
    the gradient."""

    #: read by `learnlab.train.optimizers.needs_closure`: the Trainer passes a closure
    needs_closure = True

    def __init__(self, params, defaults: dict) -> None:
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ConfigError(
                f"{type(self).__name__} takes one parameter group (one vector of parameters), "
                f"got {len(self.param_groups)}; pass model.parameters()"
            )

    @property
    def _params(self) -> list[torch.Tensor]:
        return self.param_groups[0]["params"]

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self._params)

    def _flat_params(self) -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1) for p in self._params])

    @torch.no_grad()
    def _set_params(self, flat: torch.Tensor) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.copy_(flat[offset : offset + n].view_as(p))
            offset += n

    def _flat_grad(self) -> torch.Tensor:
        return torch.cat(
            [
                p.grad.detach().reshape(-1) if p.grad is not None else torch.zeros_like(p).view(-1)
                for p in self._params
            ]
        )

    def _evaluate(self, closure: Closure) -> tuple[float, torch.Tensor]:
        """The loss and its flat gradient at the current parameters."""
        with torch.enable_grad():
            loss = closure()
        return float(loss.detach()), self._flat_grad()

    def _evaluate_with_graph(self, closure: Closure) -> tuple[float, list[torch.Tensor]]:
        """The loss and the gradient of each parameter, carrying its graph (differentiable
        again); `p.grad` is left holding a detached copy."""
        _check_takes_create_graph(closure)
        with warnings.catch_warnings(), torch.enable_grad():
            # the cycle torch warns about is broken below, before anyone else sees the grads
            warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph")
            loss = closure(create_graph=True)
        grads = []
        for p in self._params:
            grads.append(p.grad if p.grad is not None else torch.zeros_like(p))
            if p.grad is not None:
                p.grad = p.grad.detach()
        return float(loss.detach()), grads

    def _hessian_vector(self, grads: list[torch.Tensor], vector: torch.Tensor) -> torch.Tensor:
        """H v (flat) from gradients that carry their graph: the gradient of grad L . v
        (Pearlmutter 1994), one backward pass through the gradient's graph."""
        params = self._params
        pieces = vector.split([p.numel() for p in params])
        pairs = [(g, piece.view_as(g)) for g, piece in zip(grads, pieces, strict=True)]
        pairs = [(g, t) for g, t in pairs if g.requires_grad]  # constant ones: no curvature
        if not pairs:
            return torch.zeros_like(vector)
        products = torch.autograd.grad(
            [g for g, _ in pairs],
            params,
            grad_outputs=[t for _, t in pairs],
            retain_graph=True,
            allow_unused=True,
        )
        return torch.cat(
            [
                h.reshape(-1) if h is not None else vector.new_zeros(p.numel())
                for h, p in zip(products, params, strict=True)
            ]
        )

    def _hessian_rows(self, grads: list[torch.Tensor], vectors: torch.Tensor) -> torch.Tensor:
        """H V^T for the rows of `vectors` (k x n): one backward pass each, vectorised over the
        rows (torch's is_grads_batched)."""
        params = self._params
        sizes = [p.numel() for p in params]
        outputs, tangents = [], []
        for p, g, piece in zip(params, grads, vectors.split(sizes, dim=1), strict=True):
            if g.requires_grad:  # a gradient without a graph is constant: no curvature
                outputs.append(g)
                shaped = piece.reshape(len(vectors), *p.shape).to(g.dtype)
                tangents.append(shaped)
        if not outputs:
            return torch.zeros_like(vectors)
        products = torch.autograd.grad(
            outputs,
            params,
            grad_outputs=tangents,
            retain_graph=True,
            allow_unused=True,
            is_grads_batched=True,
        )
        flat = [
            h.reshape(len(vectors), -1) if h is not None else vectors.new_zeros(len(vectors), n)
            for h, n in zip(products, sizes, strict=True)
        ]
        return torch.cat(flat, dim=1).to(vectors.dtype)


def _check_takes_create_graph(closure: Closure) -> None:
    try:
        parameters = inspect.signature(closure).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: let the call decide
        return
    accepts = any(
        p.name == "create_graph" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )
    if not accepts:
        raise TypeError(
            "this optimizer differentiates the gradient again: its closure must accept "
            "create_graph (def closure(create_graph=False)) and call "
            "loss.backward(create_graph=create_graph)"
        )
