"""Optimizer updates for K stacked models with per-member hyperparameters.

torch's updates of `torch.optim.SGD`, `torch.optim.Adam` and `torch.optim.AdamW`, i.e. Robbins &
Monro (1951), "A stochastic approximation method" with Polyak (1964) momentum; Kingma & Ba
(2015), "Adam: a method for stochastic optimization"; Loshchilov & Hutter (2019), "Decoupled
weight decay regularization". torch.optim takes one learning rate per parameter group, so K
members with K learning rates would need K optimizers; here every parameter is one tensor of
shape (K, ...), updated in one of two ways:

- fused (the default on the CPU and CUDA): torch's fused kernels (`torch._fused_sgd_`,
  `torch._fused_adam_`, `torch._fused_adamw_`), one call per distinct (lr, weight decay,
  momentum), on each member's slice of every parameter as a tensor of its own. The kernel then
  does for member k what k's sequential optimizer from `build_optimizer` (fused) does, bit for
  bit: see `_fused_step` for why bits matter.
- stacked (`stacked=True`, fast mode; needs zero weight decay and one momentum for all
  members): the same fused kernel once on the whole stacked tensors, so one call and one
  parallel region per tensor, not one per member and tensor (32 members of 6 tensors: 6
  instead of 192, which with 2 threads cost more than the update itself). With distinct
  learning rates the kernel updates u = p / lr_k with lr 1 and then p = lr_k u: the same
  update, since the kernel reads p only for weight decay, rounded differently, so members
  equal their sequential runs up to float rounding, not bit for bit.
- formulas (`fused=False`, and devices without fused kernels): the per-member numbers are
  (K, 1, ..., 1) tensors that broadcast over the stacked parameters. With step t (from 1),
  gradient g, and member k's lr_k, m_k, wd_k:

    sgd, momentum  g <- g + wd_k p;  b <- m_k b + g  (b starts at 0, so b_1 = g);  p <- p - lr_k b
    adam           g <- g + wd_k p
                   mu <- lerp(mu, g, 1 - beta1);  nu <- beta2 nu + (1 - beta2) g^2
                   p  <- p - (lr_k / (1 - beta1^t)) mu / (sqrt(nu) / sqrt(1 - beta2^t) + eps)
    adamw          p <- (1 - lr_k wd_k) p, then adam's update without the wd_k p term

  As in torch, products of hyperparameters (lr_k / (1 - beta1^t), 1 - lr_k wd_k) are formed
  in float64 and rounded once to the parameters' dtype, and eps is added after the
  bias-corrected square root, so each member's numbers equal a torch optimizer's up to float
  rounding.

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

from learnlab.io.errors import ConfigError

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


_MOMENTS = ("exp_avg", "exp_avg_sq")


def _member_slices(stacked: Sequence[Tensor]) -> list[list[Tensor]]:
    """[[t[k] for t in stacked] for each member k]: member k's slice of every stacked tensor."""
    return [list(views) for views in zip(*(t.unbind(0) for t in stacked), strict=True)]


def _per_member(values: Tensor, like: Tensor) -> Tensor:
    """(K,) values as a (K, 1, ..., 1) tensor in `like`'s dtype, broadcasting over `like`."""
    return values.to(like.dtype).view(-1, *([1] * (like.dim() - 1)))


class BatchedOptimizer:
    """Updates a list of stacked parameters (each (K, ...)) in place, given their gradients.

    `lr`, `momentum`, `weight_decay` are (K,) float64 tensors on the parameters' device (checked
    by the caller, `BatchedEnsemble`); `betas` and `eps` are shared by all members. `fused`:
    None picks torch's fused kernels where they exist, False the formulas (module docstring).
    `stacked`: the fused kernel on whole stacked tensors where it applies (module docstring);
    the parameters must then change only through `step` (with distinct learning rates, u is
    the kernel's copy of them).
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
        fused: bool | None = None,
        stacked: bool = False,
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
        self.fused = fused
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
        self._cached_lists: tuple[list[Tensor], list[list]] | None = None
        # members that share (lr, weight decay, momentum): one fused kernel call each
        self._groups: dict[tuple[float, float, float], list[int]] = {}
        keys = zip(
            self.lr.tolist(), self.weight_decay.tolist(), self.momentum.tolist(), strict=True
        )
        for k, key in enumerate(keys):
            self._groups.setdefault(key, []).append(k)
        # u = p / lr_k, which the kernel updates with lr 1 (the stacked path, distinct lrs)
        self._stacked = stacked and not self._use_wd and len(set(self.momentum.tolist())) == 1
        self._scaled: list[Tensor] | None = None

    @torch.no_grad()
    def step(self, grads: Sequence[Tensor], *, persistent: bool = False) -> None:
        """One update of every parameter from its gradient (same order as `params`).

        `persistent`: the caller passes the same gradient tensors, overwritten in place, at
        every step (fast mode's FastStep), so the fused kernels' argument lists (every member's
        slice of every tensor) are made once, not at every step."""
        self.t += 1
        if self._fusable:
            self._fused_step(grads, persistent)
        elif self.name in ("sgd", "momentum"):
            self._sgd(grads)
        else:
            self._adam(grads)

    @property
    def _fusable(self) -> bool:
        """Fused kernels, unless told otherwise; they need floating-point CPU or CUDA tensors."""
        available = all(
            p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in self.params
        )
        if self.fused and not available:
            raise ValueError("fused=True needs floating-point parameters on the CPU or CUDA")
        return available if self.fused is None else self.fused

    def _fused_step(self, grads: Sequence[Tensor], persistent: bool = False) -> None:
        """torch's fused SGD/Adam/AdamW kernel, called once per distinct (lr, weight decay,
        momentum) on the slices of the members that share it, each slice a tensor of its own:
        the kernel then does for member k exactly what it does in k's sequential torch
        optimizer with `fused=True` (what `build_optimizer` makes), bit for bit. On one stacked
        tensor the vector loop's tail would fall elsewhere and could round differently, and bits
        matter: a float32 run of Adam can be chaotic, a one-ulp change of the initial weights
        of an MNIST-1D MLP (seed 3, lr 1.1e-3) growing to 5e-2 in 3 epochs. One call for a sweep
        over seeds; K calls, one per member, when every member has its own learning rate."""
        if self.t == 1:
            self._init_fused_state()
        if self.name in ("adam", "adamw"):
            self._step_count.add_(1)
        if self._stacked:
            self._stacked_step(grads)
            return
        for (lr, weight_decay, momentum), lists in zip(
            self._groups, self._argument_lists(grads, persistent), strict=True
        ):
            self._kernel(lists, lr, weight_decay, momentum)

    def _stacked_step(self, grads: Sequence[Tensor]) -> None:
        """The kernel once on the whole stacked tensors (`stacked=True`): on the parameters
        with the members' one learning rate, else on u = p / lr_k with lr 1, then p = lr_k u."""
        params, *state = self._stacked_tensors
        grads = [g.contiguous() for g in grads]  # the kernel walks p and g in one order
        (lr, _, momentum), *others = self._groups
        if not others:
            self._kernel([params, grads, *state], lr, 0.0, momentum)
            return
        if self._scaled is None:
            self._scaled = [p / f["lr"] for p, f in zip(self.params, self._factors, strict=True)]
        self._kernel([self._scaled, grads, *state], 1.0, 0.0, momentum)
        for u, p, f in zip(self._scaled, self.params, self._factors, strict=True):
            torch.mul(u, f["lr"], out=p)

    def _kernel(self, lists: list, lr: float, weight_decay: float, momentum: float) -> None:
        """torch's fused kernel on `lists` (parameters, gradients, state) with these numbers."""
        if self.name in ("sgd", "momentum"):
            torch._fused_sgd_(
                lists[0],
                lists[1],
                lists[2] if momentum != 0 else [],
                weight_decay=weight_decay,
                momentum=momentum,
                lr=lr,
                dampening=0.0,
                nesterov=False,
                maximize=False,
                is_first_step=self.t == 1,  # the buffers start as the gradient
                grad_scale=None,
                found_inf=None,
            )
            return
        kernel = torch._fused_adamw_ if self.name == "adamw" else torch._fused_adam_
        kernel(
            *lists,
            [],  # no amsgrad
            [self._step_count] * len(lists[0]),
            amsgrad=False,
            lr=lr,
            beta1=self.betas[0],
            beta2=self.betas[1],
            weight_decay=weight_decay,
            eps=self.eps,
            maximize=False,
            grad_scale=None,
            found_inf=None,
        )

    def _argument_lists(self, grads: Sequence[Tensor], persistent: bool) -> list[list]:
        """Per group of members: the lists of their slices of the parameters, the gradients
        and the state, as the fused kernel takes them (made once for persistent gradients)."""
        cached = self._cached_lists
        if (
            persistent
            and cached is not None
            and all(a is b for a, b in zip(cached[0], grads, strict=True))
        ):
            return cached[1]
        # the kernel walks each tensor in memory order, so a slice of the gradient must have
        # its parameter's layout; autograd.grad may return one with transposed strides
        grad_slices = _member_slices([g.contiguous() for g in grads])
        lists = [
            [
                [t for k in members for t in per_member[k]]
                for per_member in (self._slices[0], grad_slices, *self._slices[1:])
            ]
            for members in self._groups.values()
        ]
        contiguous = all(g.is_contiguous() for g in grads)  # else the slices are of copies
        self._cached_lists = (list(grads), lists) if persistent and contiguous else None
        return lists

    def _init_fused_state(self) -> None:
        if self.name in ("sgd", "momentum"):
            names = ("momentum_buffer",) if self._use_momentum else ()
        else:
            names = _MOMENTS
        for p, state in zip(self.params, self.state, strict=True):
            for name in names:
                state[name] = torch.zeros_like(p, memory_format=torch.contiguous_format)
        # Adam's kernel reads a float32 step count per tensor; all tensors share this one
        self._step_count = torch.zeros((), dtype=torch.float32, device=self.params[0].device)
        # the kernel's lists (parameters, then each state's tensors), made once: parameters and
        # state are updated in place; whole for the stacked path, member k's slices otherwise
        self._stacked_tensors = (self.params, *[[s[n] for s in self.state] for n in names])
        self._slices = [_member_slices(tensors) for tensors in self._stacked_tensors]

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
