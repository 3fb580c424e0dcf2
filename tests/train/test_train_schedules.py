"""Oracle tests for learnlab.train.schedules: each schedule's lr sequence against its closed form.

The lr "at step k" is the lr the optimizer uses for its k-th step (k = 0, 1, ...), i.e. after
k calls of scheduler.step().
"""

from __future__ import annotations

import copy
import json
import math

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.train.optimizers import OPTIMIZER_NAMES, build_optimizer
from learnlab.train.schedules import (
    SCHEDULE_NAMES,
    build_schedule,
    linear_decay_lr,
    schedule_description,
)

LR0 = 0.1


def _setup(name="sgd", lr=LR0, schedule="constant", total_steps=20, options=None, **kw):
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = build_optimizer(name, [w], lr=lr, **kw)
    sched = build_schedule(schedule, opt, total_steps=total_steps, options=options)
    return w, opt, sched


def _step(w, opt, sched):
    opt.zero_grad()
    (w * w).sum().backward()
    opt.step()
    sched.step()


def _lrs(schedule, steps, options=None, total_steps=20, name="sgd", **kw):
    """The lr used at optimizer steps 0..steps-1 (and momentum, if any)."""
    w, opt, sched = _setup(name, schedule=schedule, total_steps=total_steps, options=options, **kw)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        _step(w, opt, sched)
    return out


def test_linear_decay_lr_closed_form():
    assert linear_decay_lr(0, lr0=1.0, lr_tau=0.0, tau=4) == 1.0
    assert linear_decay_lr(1, lr0=1.0, lr_tau=0.0, tau=4) == 0.75
    assert linear_decay_lr(2, lr0=0.3, lr_tau=0.1, tau=4) == pytest.approx(0.2, abs=1e-15)
    assert linear_decay_lr(4, lr0=0.3, lr_tau=0.1, tau=4) == pytest.approx(0.1, abs=1e-15)
    assert linear_decay_lr(100, lr0=0.3, lr_tau=0.1, tau=4) == pytest.approx(0.1, abs=1e-15)
    with pytest.raises(ConfigError, match="tau >= 1"):
        linear_decay_lr(0, lr0=1.0, lr_tau=0.0, tau=0)


def test_linear_schedule_is_the_lectures_decay():
    tau, frac = 10, 0.01
    lrs = _lrs("linear", 25, options={"tau": tau, "final_fraction": frac}, total_steps=25)
    lr_tau = frac * LR0
    assert lrs[0] == pytest.approx(LR0, rel=1e-12)
    assert lrs[tau // 2] == pytest.approx((LR0 + lr_tau) / 2, rel=1e-12)
    assert lrs[tau] == pytest.approx(lr_tau, rel=1e-12)
    for k, lr in enumerate(lrs):
        alpha = min(k / tau, 1.0)
        assert lr == pytest.approx((1 - alpha) * LR0 + alpha * lr_tau, rel=1e-12)
        assert lr == pytest.approx(linear_decay_lr(k, lr0=LR0, lr_tau=lr_tau, tau=tau), rel=1e-12)
    assert lrs[tau:] == pytest.approx([lr_tau] * (25 - tau), rel=1e-12)


def test_linear_defaults_tau_total_steps_and_one_percent():
    lrs = _lrs("linear", 31, total_steps=30)
    assert lrs[15] == pytest.approx((LR0 + 0.01 * LR0) / 2, rel=1e-12)
    assert lrs[30] == pytest.approx(0.01 * LR0, rel=1e-12)


def test_linear_to_zero():
    lrs = _lrs("linear", 8, options={"tau": 4, "final_fraction": 0.0})
    assert lrs[:5] == pytest.approx([0.1, 0.075, 0.05, 0.025, 0.0], abs=1e-15)
    assert lrs[5:] == [0.0] * 3


def test_constant_keeps_lr():
    assert _lrs("constant", 12) == [LR0] * 12


def test_step_schedule_halves_at_the_right_steps():
    lrs = _lrs("step", 10, options={"step_size": 3, "gamma": 0.5})
    want = [LR0 * 0.5 ** (k // 3) for k in range(10)]
    assert lrs == pytest.approx(want, rel=1e-12)
    assert lrs[2] == LR0 and lrs[3] == pytest.approx(LR0 / 2, rel=1e-12)


def test_step_default_step_size_is_a_third():
    lrs = _lrs("step", 12, total_steps=12)  # step_size 4, gamma 0.1
    assert lrs == pytest.approx([LR0] * 4 + [LR0 / 10] * 4 + [LR0 / 100] * 4, rel=1e-12)


@pytest.mark.parametrize("min_fraction", [0.0, 0.2])
def test_cosine_closed_form(min_fraction):
    t = 16
    lrs = _lrs("cosine", t + 1, options={"min_fraction": min_fraction}, total_steps=t)
    eta_min = min_fraction * LR0
    assert lrs[0] == pytest.approx(LR0, rel=1e-12)
    assert lrs[t // 2] == pytest.approx((LR0 + eta_min) / 2, rel=1e-12)
    assert lrs[t] == pytest.approx(eta_min, abs=1e-15)
    for k, lr in enumerate(lrs):
        want = eta_min + (LR0 - eta_min) * (1 + math.cos(math.pi * k / t)) / 2
        assert lr == pytest.approx(want, rel=1e-12, abs=1e-15)


def _one_cycle_oracle(k, *, max_lr, total, pct, div, final_div):
    """torch's definition: cos warm-up from max_lr/div to max_lr over steps [0, pct*T - 1], then
    cos annealing to max_lr/(div*final_div) over [pct*T - 1, T - 1]."""
    start, peak, end = max_lr / div, max_lr, max_lr / (div * final_div)
    e1, e2 = pct * total - 1, total - 1

    def cos_anneal(a, b, frac):
        return b + (a - b) * (1 + math.cos(math.pi * frac)) / 2

    if k <= e1:
        return cos_anneal(start, peak, k / e1)
    return cos_anneal(peak, end, (k - e1) / (e2 - e1))


def test_onecycle_peaks_at_pct_start_and_ends_low():
    total, pct, div, final_div = 40, 0.25, 25.0, 1e4
    opts = {"pct_start": pct, "div_factor": div, "final_div_factor": final_div}
    lrs = _lrs("onecycle", total, options=opts, total_steps=total, name="momentum")
    peak = int(pct * total) - 1
    assert max(lrs) == pytest.approx(LR0, rel=1e-12)
    assert lrs.index(max(lrs)) == peak
    assert lrs[0] == pytest.approx(LR0 / div, rel=1e-12)
    assert lrs[-1] == pytest.approx(LR0 / (div * final_div), rel=1e-9)
    for k, lr in enumerate(lrs):
        want = _one_cycle_oracle(k, max_lr=LR0, total=total, pct=pct, div=div, final_div=final_div)
        assert lr == pytest.approx(want, rel=1e-12)


def test_onecycle_cycles_momentum_only_when_present():
    w, opt, sched = _setup("adam", schedule="onecycle", total_steps=20)
    betas = []
    for _ in range(20):
        betas.append(opt.param_groups[0]["betas"][0])
        _step(w, opt, sched)
    assert betas[0] == pytest.approx(0.95) and min(betas) == pytest.approx(0.85)
    assert betas.index(min(betas)) == 4  # the lr peak: pct_start * 20 - 1
    # plain SGD and RMSProp have momentum 0: one-cycle must not switch momentum on.
    for name in ("sgd", "rmsprop"):
        w, opt, sched = _setup(name, schedule="onecycle", total_steps=20)
        for _ in range(20):
            assert opt.param_groups[0]["momentum"] == 0.0
            _step(w, opt, sched)
    with pytest.raises(ConfigError, match="cycle_momentum"):
        _setup("sgd", schedule="onecycle", options={"cycle_momentum": True})


@pytest.mark.parametrize("schedule", SCHEDULE_NAMES)
@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_resume_from_json_state_continues_identically(schedule, name):
    total, k, rest = 30, 11, 19
    w, opt, sched = _setup(name, schedule=schedule, total_steps=total)
    for _ in range(k):
        _step(w, opt, sched)
    opt_state = copy.deepcopy(opt.state_dict())
    sched_state = json.loads(json.dumps(sched.state_dict()))
    w_saved = w.detach().clone()

    w2 = torch.nn.Parameter(w_saved.clone())
    opt2 = build_optimizer(name, [w2], lr=LR0)
    sched2 = build_schedule(schedule, opt2, total_steps=total)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    for _ in range(rest):
        assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
        _step(w, opt, sched)
        _step(w2, opt2, sched2)
    assert torch.equal(w, w2)
    if schedule != "constant":
        assert opt.param_groups[0]["lr"] != LR0  # the schedule did something


@pytest.mark.parametrize("schedule", SCHEDULE_NAMES)
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_schedule_with_every_optimizer(schedule, name):
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = build_optimizer(name, [w], lr=0.05)
    sched = build_schedule(schedule, opt, total_steps=8)

    def closure(create_graph=False):  # learnlab.optim's contract; torch's L-BFGS passes nothing
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward(create_graph=create_graph)
        return loss

    for _ in range(8):
        opt.step(closure)
        sched.step()
    state = sched.state_dict()
    assert "lr_lambdas" not in state
    assert json.loads(json.dumps(state)) == state
    assert all(math.isfinite(lr) and lr >= 0 for lr in sched.get_last_lr())
    line = schedule_description(schedule)
    assert line and "\n" not in line


# --- bad input ------------------------------------------------------------------------------


def _opt():
    return build_optimizer("sgd", [torch.nn.Parameter(torch.zeros(2))], lr=LR0)


def test_unknown_schedule_lists_names():
    with pytest.raises(ConfigError, match="unknown schedule 'exp'.*constant.*onecycle"):
        build_schedule("exp", _opt(), total_steps=10)
    with pytest.raises(ConfigError, match="choose one of"):
        schedule_description("exp")


def test_unknown_option_lists_allowed():
    with pytest.raises(ConfigError, match="'gamma'.*'linear'.*tau, final_fraction"):
        build_schedule("linear", _opt(), total_steps=10, options={"gamma": 0.5})
    with pytest.raises(ConfigError, match="allowed options: warmup_steps$"):
        build_schedule("constant", _opt(), total_steps=10, options={"tau": 3})


@pytest.mark.parametrize(
    ("schedule", "total", "options", "pattern"),
    [
        ("constant", 0, {}, "total_steps"),
        ("linear", 10.5, {}, "total_steps"),
        ("linear", 10, {"tau": 0}, "'tau'.*integer >= 1"),
        ("linear", 10, {"tau": 2.5}, "'tau'.*integer >= 1"),
        ("linear", 10, {"final_fraction": -0.1}, "'final_fraction'"),
        ("linear", 10, {"final_fraction": 1.5}, "'final_fraction'"),
        ("step", 10, {"step_size": 0}, "'step_size'"),
        ("step", 10, {"gamma": 0.0}, "'gamma'"),
        ("cosine", 10, {"min_fraction": 2.0}, "'min_fraction'"),
        ("onecycle", 10, {"pct_start": 1.0}, "'pct_start'"),
        ("onecycle", 10, {"pct_start": 0.1}, "phase without steps"),
        ("onecycle", 10, {"anneal_strategy": "exp"}, "'anneal_strategy'"),
        ("onecycle", 10, {"div_factor": 0}, "'div_factor'"),
        ("onecycle", 10, {"three_phase": "yes"}, "'three_phase'"),
    ],
)
def test_bad_values(schedule, total, options, pattern):
    with pytest.raises(ConfigError, match=pattern):
        build_schedule(schedule, _opt(), total_steps=total, options=options)


def test_cosine_floor_needs_one_lr():
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.01}])
    with pytest.raises(ConfigError, match="one lr"):
        build_schedule("cosine", opt, total_steps=10, options={"min_fraction": 0.1})
    build_schedule("cosine", opt, total_steps=10)  # min_fraction 0 is fine
