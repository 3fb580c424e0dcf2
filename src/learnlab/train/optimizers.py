"""Optimizers by name: the lecture's "main algorithms", built on torch.optim.

Papers: Robbins & Monro (1951) "A stochastic approximation method" (SGD); Polyak (1964)
"Some methods of speeding up the convergence of iteration methods" (momentum); Nesterov (1983)
"A method for solving the convex programming problem with convergence rate O(1/k^2)" and
Sutskever et al. (2013) "On the importance of initialization and momentum in deep learning";
Duchi, Hazan & Singer (2011) "Adaptive subgradient methods for online learning and stochastic
optimization" (AdaGrad); Hinton (2012) "Neural networks for machine learning", lecture 6e
(RMSProp); Kingma & Ba (2015) "Adam: a method for stochastic optimization"; Loshchilov &
Hutter (2019) "Decoupled weight decay regularization" (AdamW); Liu & Nocedal (1989) "On the
limited memory BFGS method for large scale optimization" (L-BFGS).

With gradient g, learning rate eps and velocity v (the lecture's notation):

    sgd        theta <- theta - eps g
    momentum   v <- alpha v - eps g;                  theta <- theta + v
    nesterov   v <- alpha v - eps g(theta + alpha v); theta <- theta + v
    adagrad    r <- r + g*g;                          theta <- theta - eps g / (sqrt(r) + delta)
    rmsprop    r <- rho r + (1 - rho) g*g;            theta <- theta - eps g / (sqrt(r) + delta)
    adam       RMSProp's r plus a moving mean of g, both bias-corrected
    adamw      Adam, and theta <- (1 - eps lambda) theta, decoupled from the gradient
    lbfgs      quasi-Newton steps from the last `history_size` curvature pairs
    newton     (H + alpha I) d = -g with the exact Hessian; theta <- theta + lr d (learnlab.optim)
    cg         d <- -g + beta d, theta <- theta + a d, a from a strong-Wolfe line search
    newton-cg  d from truncated CG on (H + lambda I) d = -g, Hessian-vector products only

The update rules are torch's; tests/train/test_train_optimizers.py checks each against an
independent float64 implementation of the formulas above. torch's Nesterov stores the
look-ahead point theta + alpha v instead of theta (same sequence of iterates, shifted).

Weight decay lambda adds the L2 term lambda * theta to the gradient (the gradient of
lambda/2 ||theta||^2) for every optimizer except adamw, where it shrinks the weights directly.
L-BFGS has no weight decay in torch: put an L2 term in the loss or choose another optimizer.

The `momentum` argument is the alpha of "momentum" and "nesterov" only. RMSProp runs without
momentum, as in the lecture, unless `options={"momentum": ...}` asks for it.

Example:
    >>> import torch
    >>> w = torch.nn.Parameter(torch.zeros(3))
    >>> opt = build_optimizer("adam", [w], lr=1e-3, options={"betas": (0.9, 0.99)})
    >>> needs_closure(opt)
    False
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Iterable
from typing import Any

import torch

from learnlab.io.errors import ConfigError, unknown_name

OPTIMIZER_NAMES: tuple[str, ...] = (
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "lbfgs",
    "newton",
    "cg",
    "newton-cg",
)

# Extra keyword arguments each optimizer accepts through `options` (torch's own names).
_OPTIONS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("dampening",),
    "nesterov": (),
    "adagrad": ("eps", "lr_decay", "initial_accumulator_value"),
    "rmsprop": ("alpha", "eps", "momentum", "centered"),
    "adam": ("betas", "eps", "amsgrad"),
    "adamw": ("betas", "eps", "amsgrad"),
    "lbfgs": (
        "max_iter",
        "max_eval",
        "tolerance_grad",
        "tolerance_change",
        "history_size",
        "line_search_fn",
    ),
    "newton": (
        "damping",
        "damping_decrease",
        "damping_increase",
        "max_tries",
        "max_parameters",
    ),
    "cg": ("beta", "max_iter", "restart_every", "c1", "c2", "max_evals", "tolerance_grad"),
    "newton-cg": ("damping", "cg_iters", "cg_tolerance", "max_backtracks"),
}

_DESCRIPTIONS: dict[str, str] = {
    "sgd": "stochastic gradient descent: theta <- theta - lr * g",
    "momentum": "SGD with (Polyak) momentum: v <- alpha v - lr g, theta <- theta + v",
    "nesterov": "SGD with Nesterov momentum: the gradient is taken at the look-ahead point",
    "adagrad": "AdaGrad (Duchi et al. 2011): per-parameter lr ~ 1/sqrt(sum of squared grads)",
    "rmsprop": "RMSProp (Hinton 2012): per-parameter lr ~ 1/sqrt(moving average of g^2)",
    "adam": "Adam (Kingma & Ba 2015): RMSProp plus momentum, with bias correction",
    "adamw": "AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay",
    "lbfgs": "L-BFGS (Liu & Nocedal 1989): limited-memory quasi-Newton; needs a closure",
    "newton": "damped Newton, exact Hessian, (H + alpha I) d = -g, Levenberg-Marquardt alpha;"
    " small models only",
    "cg": "nonlinear conjugate gradients (Polak-Ribiere+ or Fletcher-Reeves), strong-Wolfe"
    " line search",
    "newton-cg": "Hessian-free Newton-CG (Martens 2010): truncated CG on Hessian-vector products",
}


# the torch class behind each name: its signature holds the options' defaults
_TORCH_CLASSES: dict[str, str] = {
    "sgd": "SGD",
    "momentum": "SGD",
    "nesterov": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
    "lbfgs": "LBFGS",
}
# learnlab.optim's classes, for the methods torch lacks
_LEARNLAB_CLASSES: dict[str, str] = {
    "newton": "Newton",
    "cg": "NonlinearCG",
    "newton-cg": "NewtonCG",
}


def _optimizer_class(name: str) -> type:
    if name in _LEARNLAB_CLASSES:
        import learnlab.optim

        return getattr(learnlab.optim, _LEARNLAB_CLASSES[name])
    return getattr(torch.optim, _TORCH_CLASSES[name])


def _check_name(name: str) -> None:
    if name not in OPTIMIZER_NAMES:
        raise unknown_name("optimizer", name, OPTIMIZER_NAMES)


def optimizer_option_defaults(name: str) -> dict[str, Any]:
    """Each option of optimizer `name` (`options=`) with its class's default (torch's or
    learnlab.optim's); None where the class computes it when building (L-BFGS's max_eval:
    max_iter * 5 / 4; CG's restart_every: the number of parameters)."""
    _check_name(name)
    params = inspect.signature(_optimizer_class(name)).parameters
    return {key: params[key].default for key in _OPTIONS[name]}


def optimizer_option_kind(key: str) -> str:
    """What an option's value must be, in words (for `learnlab describe`)."""
    if key == "betas":
        return "two numbers in [0, 1)"
    if key == "line_search_fn":
        return "'strong_wolfe' or none"
    if key == "beta":
        return "'pr+' or 'fr'"
    kind = _OPTION_TYPES.get(key)
    return {bool: "bool", int: "int >= 1", float: "float"}.get(kind, "any")


def optimizer_description(name: str) -> str:
    """One line describing optimizer `name` (for `learnlab list`)."""
    _check_name(name)
    return _DESCRIPTIONS[name]


def needs_closure(optimizer: torch.optim.Optimizer) -> bool:
    """True when `optimizer.step` must be given a closure that re-evaluates the loss: L-BFGS,
    and any class saying so with a `needs_closure = True` attribute (learnlab.optim's)."""
    return isinstance(optimizer, torch.optim.LBFGS) or getattr(optimizer, "needs_closure", False)


def _check_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    allowed = _OPTIONS[name]
    for key in options:
        if key not in allowed:
            shown = ", ".join(allowed) if allowed else "none"
            close = difflib.get_close_matches(key, allowed, n=1)
            guess = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"unknown option {key!r} for optimizer {name!r}; allowed options: {shown}"
                f" (lr, weight_decay and momentum are separate arguments).{guess}"
            )
    options = dict(options)
    if "betas" in options:
        betas = options["betas"]
        numbers = isinstance(betas, (tuple, list)) and all(
            isinstance(b, (int, float)) and not isinstance(b, bool) for b in betas
        )
        if not numbers or len(betas) != 2:
            raise ConfigError(
                f"option 'betas' of optimizer {name!r} must be two numbers (beta1, beta2) in"
                f" [0, 1), got {betas!r}"
            )
        options["betas"] = (float(betas[0]), float(betas[1]))  # TOML/JSON give lists
    if name == "lbfgs" and options.get("line_search_fn") not in (None, "strong_wolfe"):
        raise ConfigError(
            f"option 'line_search_fn' of optimizer 'lbfgs' must be None or 'strong_wolfe', got"
            f" {options['line_search_fn']!r}"
        )
    for key, value in options.items():
        _check_option_type(name, key, value)
    return options


# the type of each numeric or boolean option: torch checks some values (eps >= 0...) but not
# their types, and not dampening at all, so a string would fail only at the first step
_OPTION_TYPES: dict[str, type] = {
    "eps": float,
    "lr_decay": float,
    "initial_accumulator_value": float,
    "alpha": float,
    "momentum": float,
    "dampening": float,
    "tolerance_grad": float,
    "tolerance_change": float,
    "max_iter": int,
    "max_eval": int,
    "history_size": int,
    "amsgrad": bool,
    "centered": bool,
    "damping": float,
    "damping_decrease": float,
    "damping_increase": float,
    "max_tries": int,
    "max_parameters": int,
    "restart_every": int,
    "c1": float,
    "c2": float,
    "max_evals": int,
    "cg_iters": int,
    "cg_tolerance": float,
}


def _check_option_type(name: str, key: str, value: Any) -> None:
    kind = _OPTION_TYPES.get(key)
    if kind is bool:
        ok, wanted = isinstance(value, bool), "true or false"
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        wanted = "an integer >= 1"
    elif kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and (key != "dampening" or 0 <= value <= 1)
        wanted = "a number in [0, 1]" if key == "dampening" else "a finite number"
    else:
        return
    if not ok:
        raise ConfigError(f"option {key!r} of optimizer {name!r} must be {wanted}, got {value!r}")


# Optimizers with a fused kernel (one kernel per parameter for the whole update) on the CPU and
# CUDA in torch 2.13; the others get the multi-tensor ("foreach") implementation.
_FUSED = ("sgd", "momentum", "nesterov", "adagrad", "adam", "adamw")
_FUSED_DEVICES = ("cpu", "cuda")


def _materialize(params) -> list:
    """Parameters or parameter groups as lists, so that they can be inspected and then passed
    on (a generator such as `model.parameters()` could be read only once)."""
    if isinstance(params, torch.Tensor):
        return [params]
    return [
        {**entry, "params": _materialize(entry["params"])} if isinstance(entry, dict) else entry
        for entry in params
    ]


def _kernel_choice(name: str, params: list) -> dict[str, bool]:
    """The fastest of torch's update kernels that fits `params`: fused, else foreach.

    torch defaults to the per-tensor loop on the CPU, and its foreach kernels there still loop
    over the tensors op by op. On the 2-core CPU a fused Adam step took 143 us against 332 us
    (foreach) and 359 us (loop) for an MNIST-1D MLP (40-100-100-10), and 362 us against 1060 us
    and 2998 us for the 784-512-512-10 MLP (`benchmarks/optimizer_kernels.py`). Fused kernels
    need floating-point parameters on a CPU or CUDA device.
    """
    if name == "lbfgs" or name in _LEARNLAB_CLASSES:
        return {}
    tensors = [
        t for entry in params for t in (entry["params"] if isinstance(entry, dict) else [entry])
    ]
    fusable = name in _FUSED and all(
        isinstance(t, torch.Tensor) and t.is_floating_point() and t.device.type in _FUSED_DEVICES
        for t in tensors
    )
    return {"fused": True} if fusable else {"foreach": True}


def _check_values(name: str, lr: float, weight_decay: float, momentum: float) -> None:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"lr must be a finite number > 0, got {lr!r}")
    if not isinstance(weight_decay, (int, float)) or not (0 <= weight_decay < math.inf):
        raise ConfigError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}")
    if not isinstance(momentum, (int, float)) or not (0 <= momentum < 1):
        raise ConfigError(f"momentum must be in [0, 1), got {momentum!r}")
    if name == "lbfgs" and weight_decay > 0:
        raise ConfigError(
            "optimizer 'lbfgs' has no weight_decay (torch.optim.LBFGS lacks it); set"
            " weight_decay=0 and add an L2 term to the loss, or choose another optimizer"
        )
    if name in _LEARNLAB_CLASSES and weight_decay > 0:
        raise ConfigError(
            f"optimizer {name!r} has no weight_decay (its line search and curvature see the"
            " loss only); set weight_decay=0 and add an L2 term to the loss, or choose another"
            " optimizer"
        )


def build_optimizer(
    name: str,
    params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
    *,
    lr: float,
    weight_decay: float = 0.0,
    momentum: float = 0.9,
    options: dict[str, Any] | None = None,
) -> torch.optim.Optimizer:
    """Build the torch optimizer called `name` over `params`.

    Args:
        name: one of OPTIMIZER_NAMES.
        params: parameters or parameter groups, as torch.optim accepts them.
        lr: the learning rate eps (> 0).
        weight_decay: L2 coefficient lambda (>= 0); decoupled for "adamw", refused by "lbfgs",
            "newton", "cg" and "newton-cg".
        momentum: alpha in [0, 1), used by "momentum" and "nesterov" only.
        options: extra torch keyword arguments for this optimizer (see `_OPTIONS`), e.g.
            {"betas": (0.9, 0.999), "eps": 1e-8} for adam, {"history_size": 10} for lbfgs.

    Raises:
        ConfigError: unknown name or option, or an out-of-range value.
    """
    _check_name(name)
    _check_values(name, lr, weight_decay, momentum)
    opts = _check_options(name, options or {})
    params = _materialize(params)
    opts.update(_kernel_choice(name, params))
    lr, weight_decay = float(lr), float(weight_decay)
    optim = torch.optim
    try:
        if name == "sgd":
            return optim.SGD(params, lr=lr, momentum=0.0, weight_decay=weight_decay, **opts)
        if name == "momentum":
            return optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay, **opts)
        if name == "nesterov":
            if momentum == 0:
                raise ConfigError("optimizer 'nesterov' needs momentum in (0, 1), got 0")
            return optim.SGD(
                params, lr=lr, momentum=momentum, nesterov=True, weight_decay=weight_decay, **opts
            )
        if name == "adagrad":
            return optim.Adagrad(params, lr=lr, weight_decay=weight_decay, **opts)
        if name == "rmsprop":
            return optim.RMSprop(params, lr=lr, weight_decay=weight_decay, **opts)
        if name in ("adam", "adamw"):
            # with fused kernels, lean_optim's subclasses: bit-identical, less per-step Python
            from learnlab.train.lean_optim import LeanAdam, LeanAdamW

            if opts.get("fused"):
                cls = LeanAdam if name == "adam" else LeanAdamW
            else:
                cls = optim.Adam if name == "adam" else optim.AdamW
            return cls(params, lr=lr, weight_decay=weight_decay, **opts)
        if name in _LEARNLAB_CLASSES:  # they raise ConfigErrors of their own
            return _optimizer_class(name)(params, lr=lr, **opts)
        return optim.LBFGS(params, lr=lr, **opts)
    except (ValueError, TypeError) as err:
        # torch validates the option values (betas, eps, history_size...); say which input.
        raise ConfigError(
            f"invalid settings for optimizer {name!r} (lr={lr}, weight_decay={weight_decay},"
            f" options={opts}): {err}"
        ) from err
