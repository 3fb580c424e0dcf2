"""Adam and AdamW whose fused step goes straight to torch's fused kernel.

The update is torch's own (Kingma & Ba 2015, "Adam: a method for stochastic optimization";
Loshchilov & Hutter 2019, "Decoupled weight decay regularization"): these are subclasses of
`torch.optim.Adam` and `torch.optim.AdamW` with `fused=True`, and they call the same kernel
(`torch._fused_adam_` / `torch._fused_adamw_`) with the same arguments, so the weights are
bit-identical to torch's (tests/train/test_train_lean_optim.py). What they skip is the
per-step bookkeeping around the kernel in `torch.optim.Adam.step`: building six lists per
parameter group, then grouping the tensors by device and dtype. For a small model that is
most of the step: on the 2-core CPU an MNIST-1D MLP's (40-100-100-10) Adam step took 78 us
through `torch.optim.Adam.step` and 31 us as the kernel call alone.

The short path is taken only when it is exactly torch's: no closure, no gradient scaler
attributes, every parameter of the group has a gradient and an initialised state, all of one
device and dtype, plain float hyperparameters. Anything else (the first step, which creates
the state; a parameter without a gradient, which Adam skips) goes through torch's own step.
Step hooks and the profiler label still apply: torch wraps every optimizer's `step`.

Example:
    >>> w = torch.nn.Parameter(torch.ones(3))
    >>> opt = LeanAdam([w], lr=0.1)
    >>> for _ in range(2):
    ...     w.grad = torch.ones(3)
    ...     opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.8, 0.8, 0.8]
"""

from __future__ import annotations

import inspect

import torch


class _LeanFusedStep:
    """The short path of a fused Adam/AdamW step; falls back to torch's `step`."""

    def step(self, closure=None):
        if closure is not None or self._scaled():
            return self._torch_step(closure)
        calls = [self._kernel_call(group) for group in self.param_groups]
        if any(call is None for call in calls):
            return self._torch_step(closure)
        for kernel, tensors, options in calls:
            torch._foreach_add_(tensors[5], 1)  # the step counts, as torch increments them
            kernel(*tensors, **options)
        return None

    def _torch_step(self, closure):
        """torch's own step, without the hook wrapper that torch puts around every optimizer
        class's `step` (this class's wrapper has already run the hooks once)."""
        torch_step = super().step.__func__
        return inspect.unwrap(torch_step)(self, closure)

    def _scaled(self) -> bool:
        # torch.amp's GradScaler hands its scale to fused optimizers through these attributes
        return (
            getattr(self, "grad_scale", None) is not None
            or getattr(self, "found_inf", None) is not None
        )

    def _kernel_call(self, group: dict):
        """(kernel, tensor lists, keyword arguments) for `group`, or None for torch's path."""
        if not group["fused"] or group["differentiable"] or group["capturable"]:
            return None
        lr, (beta1, beta2) = group["lr"], group["betas"]
        if not all(isinstance(v, float) for v in (lr, beta1, beta2)):
            return None
        params = group["params"]
        grads = [p.grad for p in params]
        states = [self.state.get(p) for p in params]
        if not params or any(g is None for g in grads) or not all(states):
            return None
        first = params[0]
        if any(p.device != first.device or p.dtype != first.dtype for p in params):
            return None
        amsgrad = group["amsgrad"]
        tensors = (
            params,
            grads,
            [s["exp_avg"] for s in states],
            [s["exp_avg_sq"] for s in states],
            [s["max_exp_avg_sq"] for s in states] if amsgrad else [],
            [s["step"] for s in states],
        )
        # newer torch marks AdamW's groups (its AdamW is an Adam with this flag); the groups of
        # older releases' AdamW have no such key
        decoupled = group.get("decoupled_weight_decay", isinstance(self, torch.optim.AdamW))
        kernel = torch._fused_adamw_ if decoupled else torch._fused_adam_
        options = {
            "amsgrad": amsgrad,
            "lr": lr,
            "beta1": beta1,
            "beta2": beta2,
            "weight_decay": group["weight_decay"],
            "eps": group["eps"],
            "maximize": group["maximize"],
            "grad_scale": None,
            "found_inf": None,
        }
        return kernel, tensors, options


class LeanAdam(_LeanFusedStep, torch.optim.Adam):
    """`torch.optim.Adam(..., fused=True)` with the short path to its kernel."""

    def __init__(self, params, **options) -> None:
        super().__init__(params, **{**options, "fused": True})


class LeanAdamW(_LeanFusedStep, torch.optim.AdamW):
    """`torch.optim.AdamW(..., fused=True)` with the short path to its kernel."""

    def __init__(self, params, **options) -> None:
        super().__init__(params, **{**options, "fused": True})
