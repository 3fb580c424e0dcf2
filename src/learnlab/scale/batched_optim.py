"""Optimizer updates for K stacked models with per-member hyperparameters.

Implements torch's documented updates of `torch.optim.SGD`, `torch.optim.Adam` and
`torch.optim.AdamW` (the non-fused, non-capturable path), i.e. Robbins & Monro (1951), "A
stochastic approximation method" with Polyak (1964) momentum; Kingma & Ba (2015), "Adam: a
method for stochastic optimization"; Loshchilov & Hutter (2019), "Decoupled weight decay
regularization". torch.optim takes one learning rate per parameter group, so K members with K
learning rates would need K optimizers and K small kernels per parameter; here every parameter
is one tensor of shape (K, ...) and the per-member numbers are (K, 1, ..., 1) tensors that
broadcast over it. With step t (from 1), gradient g, and member k's lr_k, m_k, wd_k:

    sgd, momentum  g <- g + wd_k p;  b <- m_k b + g  (b starts at 0, so b_1 = g);  p <- p - lr_k b
    adam           g <- g + wd_k p
                   mu <- lerp(mu, g, 1 - beta1);  nu <- beta2 nu + (1 - beta2) g^2
                   p  <- p - (lr_k / (1 - beta1^t)) mu / (sqrt(nu) / sqrt(1 - beta2^t) + eps)
    adamw          p <- (1 - lr_k wd_k) p, then adam's update without the wd_k p term

As in torch, products of hyperparameters (lr_k / (1 - beta1^t), 1 - lr_k wd_k) are formed in
float64 and rounded once to the parameters' dtype, and eps is added after the bias-corrected
square root, so each member's numbers equal a torch optimizer's up to float rounding.

Example:
    >>> p = torch.zeros(2, 3)
    >>> opt = BatchedOptimizer("sgd", [p], lr=torch.tensor([0.1, 1.0]))
    >>> opt.step([torch.ones(2, 3)]); p[:, 0].tolist()
    [-0.10000000149011612, -1.0]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch
from torch import Tensor

from learnlab.errors import ConfigError

OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam", "adamw")


def as_list(value):
    """A sequence, tensor or array as a list; anything else unchanged."""
    if isinstance(value, Tensor) or type(value).__module__ == "numpy":
        return value.tolist()
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value


def hyperparameter(name: str, value, k: int, low: float, high: float = math.inf) -> Tensor:
    """A scalar or K numbers in [low, high) as a (K,) float64 tensor; ConfigError otherwise."""
    values = as_list(value)
    values = [values] * k if isinstance(values, numbers.Real) else values
    if not isinstance(values, list):
        raise ConfigError(
            f"{name} must be a number or a sequence of {k} numbers (one per member), got {value!r}."
        )
    if len(values) != k:
        raise ConfigError(
            f"{name} has {len(values)} values but the ensemble has K={k} members (one per "
            f"seed); give one number for all members or exactly {k}."
        )
    for v in values:
        real = isinstance(v, numbers.Real) and not isinstance(v, bool)
        if not real or not (low <= v < high) or (name == "lr" and v == 0):
            allowed = "> 0 and finite" if name == "lr" else f"in [{low}, {high})"
            raise ConfigError(f"every {name} must be a number {allowed}, got {v!r}.")
    return torch.tensor([float(v) for v in values], dtype=torch.float64)


def _per_member(values: Tensor, like: Tensor) -> Tensor:
    """(K,) values as a (K, 1, ..., 1) tensor in `like`'s dtype, broadcasting over `like`."""
    return values.to(like.dtype).view(-1, *([1] * (like.dim() - 1)))


class BatchedOptimizer:
    """Updates a list of stacked parameters (each (K, ...)) in place, given their gradients.

    `lr`, `momentum`, `weight_decay` are (K,) float64 tensors on the parameters' device (checked
    by the caller, `BatchedEnsemble`); `betas` and `eps` are shared by all members.
    """

    def __init__(
        self,
        name: str,
        params: Sequence[Tensor],
        *,
        lr: Tensor,
        momentum: Tensor | None = None,
        weight_decay: Tensor | None = None,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; known: {OPTIMIZERS}")
        self.name = name
        self.params = list(params)
        zeros = torch.zeros_like(lr)
        self.lr = lr
        self.momentum = momentum if momentum is not None else zeros
        self.weight_decay = weight_decay if weight_decay is not None else zeros
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self.t = 0
        # terms that are zero for every member are skipped, as torch skips them
        self._use_wd = bool((self.weight_decay != 0).any())
        self._use_momentum = name in ("sgd", "momentum") and bool((self.momentum != 0).any())
        # the constant per-member factors, rounded once and shaped for each parameter
        shrink = 1 - self.lr * self.weight_decay  # adamw's decoupled decay, formed in float64
        self._factors = [
            {
                "lr": _per_member(self.lr, p),
                "momentum": _per_member(self.momentum, p),
                "weight_decay": _per_member(self.weight_decay, p),
                "shrink": _per_member(shrink, p),
            }
            for p in self.params
        ]
        self.state: list[dict[str, Tensor]] = [{} for _ in self.params]

    @torch.no_grad()
    def step(self, grads: Sequence[Tensor]) -> None:
        """One update of every parameter from its gradient (same order as `params`)."""
        self.t += 1
        if self.name in ("sgd", "momentum"):
            self._sgd(grads)
        else:
            self._adam(grads)

    def _sgd(self, grads: Sequence[Tensor]) -> None:
        for p, g, state, f in zip(self.params, grads, self.state, self._factors, strict=True):
            if self._use_wd:
                g = torch.addcmul(g, f["weight_decay"], p)  # g + wd * p
            if self._use_momentum:
                buf = state.get("momentum_buffer")
                if buf is None:  # torch starts the buffer at g; m * 0 + g is the same number
                    buf = state["momentum_buffer"] = g.clone()
                else:
                    buf.mul_(f["momentum"]).add_(g)
                g = buf
            p.addcmul_(f["lr"], g, value=-1)  # p - lr * g, one kernel

    def _adam(self, grads: Sequence[Tensor]) -> None:
        beta1, beta2 = self.betas
        decoupled = self.name == "adamw"
        bias_correction1 = 1 - beta1**self.t
        bias_correction2_sqrt = (1 - beta2**self.t) ** 0.5
        step_size = self.lr / bias_correction1  # float64, rounded once per dtype below
        rounded: dict[torch.dtype, Tensor] = {}
        for p, g, state, f in zip(self.params, grads, self.state, self._factors, strict=True):
            if not state:
                state["exp_avg"] = torch.zeros_like(p)
                state["exp_avg_sq"] = torch.zeros_like(p)
            if self._use_wd:
                if decoupled:
                    p.mul_(f["shrink"])
                else:
                    g = torch.addcmul(g, f["weight_decay"], p)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            exp_avg.lerp_(g, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(self.eps)
            if p.dtype not in rounded:
                rounded[p.dtype] = step_size.to(p.dtype)
            size = rounded[p.dtype].view(-1, *([1] * (p.dim() - 1)))
            # torch's addcdiv_ computes (value * exp_avg) / denom, in that order
            p.addcdiv_(size * exp_avg, denom, value=-1)
