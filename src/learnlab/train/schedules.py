"""Learning-rate schedules by name, built on torch.optim.lr_scheduler.

Papers: Robbins & Monro (1951) "A stochastic approximation method" (decaying step sizes:
sum eps_k = inf, sum eps_k^2 < inf); Goodfellow, Bengio & Courville (2016) "Deep Learning",
section 8.3.1 (the linear decay below); Loshchilov & Hutter (2017) "SGDR: stochastic gradient
descent with warm restarts" (cosine); Smith & Topin (2019) "Super-convergence: very fast
training of neural networks using large learning rates" (one-cycle); Goyal et al. (2017)
"Accurate, large minibatch SGD: training ImageNet in 1 hour" (linear warm-up).

A schedule is stepped once per optimizer step (per batch): the lr used by optimizer step k
(k = 0, 1, ...) is the lr after k calls of `scheduler.step()`.

    constant   eps_k = eps_0
    linear     eps_k = (1 - k/tau) eps_0 + (k/tau) eps_tau for k <= tau, eps_tau afterwards;
               eps_tau = final_fraction * eps_0 (the lecture advises about 1%)
    step       eps_k = eps_0 * gamma ** (k // step_size)
    cosine     eps_k = eta_min + (eps_0 - eta_min) (1 + cos(pi k / T)) / 2, T = total_steps
    onecycle   warm up from max_lr/div_factor to max_lr (= the optimizer's lr) over the first
               pct_start of the steps, then anneal to max_lr/(div_factor*final_div_factor);
               momentum (or Adam's beta1) cycles the opposite way when the optimizer has it

Every schedule takes `warmup_steps` w [0]: the lr rises linearly, eps_start (k+1)/w for k < w,
to the schedule's first lr eps_start, and the schedule then runs as above over the remaining
total_steps - w steps, shifted by w (`learnlab.train.warmup`). Its defaults that depend on
total_steps (linear's tau, step's step_size) use the remaining steps.

`scheduler.state_dict()` is plain data (JSON-serialisable). To resume, build the optimizer and
schedule as at the start, then load the optimizer's state, then the schedule's.

Example:
    >>> import torch
    >>> w = torch.nn.Parameter(torch.zeros(3))
    >>> opt = torch.optim.SGD([w], lr=0.1)
    >>> sched = build_schedule("linear", opt, total_steps=100, options={"final_fraction": 0.01})
    >>> sched = build_schedule("cosine", opt, total_steps=100, options={"warmup_steps": 10})
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import torch
from torch.optim import lr_scheduler

from learnlab.io.errors import ConfigError, unknown_name

SCHEDULE_NAMES: tuple[str, ...] = ("constant", "linear", "step", "cosine", "onecycle")

_OPTIONS: dict[str, tuple[str, ...]] = {
    "constant": (),
    "linear": ("tau", "final_fraction"),
    "step": ("step_size", "gamma"),
    "cosine": ("min_fraction",),
    "onecycle": (
        "pct_start",
        "div_factor",
        "final_div_factor",
        "anneal_strategy",
        "cycle_momentum",
        "base_momentum",
        "max_momentum",
        "three_phase",
    ),
}
# Every schedule also takes a linear warm-up (`learnlab.train.warmup`), none by default.
WARMUP_OPTION = "warmup_steps"
_OPTIONS = {name: (*options, WARMUP_OPTION) for name, options in _OPTIONS.items()}

# The defaults that are constants (`build_schedule` reads them from here) ...
_DEFAULTS: dict[str, dict[str, Any]] = {
    "constant": {},
    "linear": {"final_fraction": 0.01},
    "step": {"gamma": 0.1},
    "cosine": {"min_fraction": 0.0},
    "onecycle": {
        "pct_start": 0.25,
        "div_factor": 25.0,
        "final_div_factor": 1e4,
        "anneal_strategy": "cos",
        "base_momentum": 0.85,
        "max_momentum": 0.95,
        "three_phase": False,
    },
}
_DEFAULTS = {name: {**defaults, WARMUP_OPTION: 0} for name, defaults in _DEFAULTS.items()}
# ... and those computed when the schedule is built, in words.
_COMPUTED_DEFAULTS: dict[str, dict[str, str]] = {
    "linear": {"tau": "total_steps"},
    "step": {"step_size": "max(1, total_steps // 3)"},
    "onecycle": {"cycle_momentum": "true when the optimizer has momentum > 0 or betas"},
}

_DESCRIPTIONS: dict[str, str] = {
    "constant": "constant learning rate",
    "linear": "linear decay from lr to final_fraction*lr over tau steps, then constant",
    "step": "multiply the lr by gamma every step_size steps",
    "cosine": "cosine annealing from lr to min_fraction*lr over total_steps",
    "onecycle": "one-cycle (Smith & Topin 2019): warm up to lr, then anneal far below it",
}


def _check_name(name: str) -> None:
    if name not in SCHEDULE_NAMES:
        raise unknown_name("schedule", name, SCHEDULE_NAMES)


def schedule_description(name: str) -> str:
    """One line describing schedule `name` (for `learnlab list`)."""
    _check_name(name)
    return _DESCRIPTIONS[name]


def schedule_option_defaults(name: str) -> dict[str, Any]:
    """Each option of schedule `name` with its default: a value, or (a str in
    `schedule_computed_defaults`) a default computed from the run when the schedule is built."""
    _check_name(name)
    computed = _COMPUTED_DEFAULTS.get(name, {})
    return {key: _DEFAULTS[name].get(key, computed.get(key)) for key in _OPTIONS[name]}


def schedule_computed_defaults(name: str) -> dict[str, str]:
    """The options of schedule `name` whose default depends on the run, with the rule."""
    _check_name(name)
    return dict(_COMPUTED_DEFAULTS.get(name, {}))


def linear_decay_lr(k: int, *, lr0: float, lr_tau: float, tau: int) -> float:
    """The lecture's linear decay: (1 - k/tau) lr0 + (k/tau) lr_tau for k <= tau, lr_tau after."""
    if tau < 1 or k < 0:
        raise ConfigError(f"linear_decay_lr needs tau >= 1 and k >= 0, got tau={tau}, k={k}")
    alpha = min(k, tau) / tau
    return (1.0 - alpha) * lr0 + alpha * lr_tau


def _int_option(name: str, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            f"option {key!r} of schedule {name!r} must be an integer >= {minimum}, got {value!r}"
        )
    return value


def _float_option(
    name: str, key: str, value: Any, low: float, high: float, *, open_low: bool = False
) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (low < value if open_low else low <= value) and value <= high
    if not ok:
        bracket = "(" if open_low else "["
        raise ConfigError(
            f"option {key!r} of schedule {name!r} must be a number in {bracket}{low}, {high}],"
            f" got {value!r}"
        )
    return float(value)


def _bool_option(name: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(
            f"option {key!r} of schedule {name!r} must be true or false, got {value!r}"
        )
    return value


def _has_momentum(optimizer: torch.optim.Optimizer) -> bool:
    """Whether the optimizer uses a momentum term that one-cycle may cycle (never switch one on)."""
    group = optimizer.param_groups[0]
    return "betas" in group or group.get("momentum", 0) > 0


def build_schedule(
    name: str,
    optimizer: torch.optim.Optimizer,
    *,
    total_steps: int,
    options: dict[str, Any] | None = None,
) -> lr_scheduler.LRScheduler:
    """Build the torch scheduler called `name` for `optimizer`, for a run of `total_steps` steps.

    Options per schedule (defaults in brackets):
        every schedule: warmup_steps [0], an integer in [0, total_steps]: a linear warm-up
            over that many steps, then the schedule over the remaining steps (see above)
        linear: tau [total_steps], final_fraction [0.01]
        step: step_size [max(1, total_steps // 3)], gamma [0.1]
        cosine: min_fraction [0] (eta_min = min_fraction * lr)
        onecycle: pct_start [0.25], div_factor [25], final_div_factor [1e4],
            anneal_strategy ["cos" or "linear"], cycle_momentum [True when the optimizer has
            momentum > 0 or betas], base_momentum [0.85], max_momentum [0.95], three_phase [False]

    Raises:
        ConfigError: unknown name or option, or an out-of-range value.
    """
    _check_name(name)
    if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
        raise ConfigError(f"total_steps must be an integer >= 1, got {total_steps!r}")
    opts = dict(options or {})
    for key in opts:
        if key not in _OPTIONS[name]:
            shown = ", ".join(_OPTIONS[name]) or "none"
            close = difflib.get_close_matches(key, _OPTIONS[name], n=1)
            guess = f". Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"unknown option {key!r} for schedule {name!r}; allowed options: {shown}{guess}"
            )
    opts = {**_DEFAULTS[name], **opts}
    warmup = opts.pop(WARMUP_OPTION)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or not 0 <= warmup <= total_steps:
        raise ConfigError(
            f"option {WARMUP_OPTION!r} of schedule {name!r} must be an integer in [0,"
            f" total_steps={total_steps}] (the number of warm-up optimizer steps), got"
            f" {warmup!r}; use 0 for no warm-up or fewer steps than the run has"
        )
    if warmup == 0:
        return _schedule(name, optimizer, total_steps, opts)
    from learnlab.train.warmup import LinearWarmup

    remaining = max(1, total_steps - warmup)
    try:
        after = _schedule(name, optimizer, remaining, opts)
    except ConfigError as err:
        raise ConfigError(
            f"{err} (with {WARMUP_OPTION}={warmup}, schedule {name!r} runs over the"
            f" {remaining} steps after the warm-up; lower {WARMUP_OPTION})"
        ) from err
    return LinearWarmup(optimizer, after, warmup)


def _schedule(
    name: str, optimizer: torch.optim.Optimizer, total_steps: int, opts: dict[str, Any]
) -> lr_scheduler.LRScheduler:
    """The schedule `name` over `total_steps` steps, `opts` holding every option but warm-up."""
    if name == "constant":
        # ConstantLR with factor 1 is the identity, and its state_dict is plain data.
        return lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    if name == "linear":
        tau = _int_option(name, "tau", opts.get("tau", total_steps), 1)
        fraction = _float_option(name, "final_fraction", opts["final_fraction"], 0, 1)
        return lr_scheduler.LinearLR(
            optimizer, start_factor=1.0, end_factor=fraction, total_iters=tau
        )
    if name == "step":
        step_size = _int_option(
            name, "step_size", opts.get("step_size", max(1, total_steps // 3)), 1
        )
        gamma = _float_option(name, "gamma", opts["gamma"], 0, 1, open_low=True)
        return lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    if name == "cosine":
        fraction = _float_option(name, "min_fraction", opts["min_fraction"], 0, 1)
        lrs = {group["lr"] for group in optimizer.param_groups}
        if fraction > 0 and len(lrs) > 1:
            raise ConfigError(
                "schedule 'cosine' with min_fraction > 0 needs one lr for all parameter groups"
                f" (torch's eta_min is a single number), got lrs {sorted(lrs)}; use"
                " min_fraction=0 or the same lr everywhere"
            )
        eta_min = fraction * optimizer.param_groups[0]["lr"]
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps, eta_min=eta_min)
    return _onecycle(optimizer, total_steps, opts)


def _onecycle(
    optimizer: torch.optim.Optimizer, total_steps: int, opts: dict[str, Any]
) -> lr_scheduler.OneCycleLR:
    name = "onecycle"
    pct_start = _float_option(name, "pct_start", opts["pct_start"], 0, 1, open_low=True)
    if pct_start == 1:
        raise ConfigError("option 'pct_start' of schedule 'onecycle' must be < 1, got 1")
    div_factor = _float_option(name, "div_factor", opts["div_factor"], 0, math.inf, open_low=True)
    final_div = _float_option(
        name, "final_div_factor", opts["final_div_factor"], 0, math.inf, open_low=True
    )
    strategy = opts["anneal_strategy"]
    if strategy not in ("cos", "linear"):
        raise ConfigError(
            f"option 'anneal_strategy' of schedule 'onecycle' must be 'cos' or 'linear',"
            f" got {strategy!r}"
        )
    cycle = _bool_option(
        name, "cycle_momentum", opts.get("cycle_momentum", _has_momentum(optimizer))
    )
    if cycle and not _has_momentum(optimizer):
        raise ConfigError(
            "option cycle_momentum=True of schedule 'onecycle' needs an optimizer with momentum"
            " > 0 or betas (momentum, nesterov, adam, adamw); set cycle_momentum=False"
        )
    base_m = _float_option(name, "base_momentum", opts["base_momentum"], 0, 1)
    max_m = _float_option(name, "max_momentum", opts["max_momentum"], 0, 1)
    three_phase = _bool_option(name, "three_phase", opts["three_phase"])
    # The phases end at step pct_start*total_steps - 1 (and 2*that in three-phase mode); make
    # sure each phase has at least one step, which torch does not check.
    if pct_start * total_steps < 2 or (three_phase and 2 * pct_start * total_steps > total_steps):
        raise ConfigError(
            f"schedule 'onecycle' with total_steps={total_steps} and pct_start={pct_start}"
            " leaves a phase without steps; raise total_steps or pct_start (three_phase needs"
            " pct_start <= 0.5)"
        )
    try:
        return lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=[group["lr"] for group in optimizer.param_groups],
            total_steps=total_steps,
            pct_start=pct_start,
            anneal_strategy=strategy,
            cycle_momentum=cycle,
            base_momentum=base_m,
            max_momentum=max_m,
            div_factor=div_factor,
            final_div_factor=final_div,
            three_phase=three_phase,
        )
    except ValueError as err:
        raise ConfigError(f"invalid settings for schedule 'onecycle' ({opts}): {err}") from err
