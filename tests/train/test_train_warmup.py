"""The linear warm-up option of every schedule (learnlab.train.warmup, Goyal et al. 2017):
its lrs against the definition, exact resume, bad values, and `--set` through `learnlab train`.

The lr "at step k" is the lr the optimizer uses for its k-th step (k = 0, 1, ...).
"""

from __future__ import annotations

import copy
import json

import pytest
import torch

from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.train.optimizers import build_optimizer
from learnlab.train.schedules import SCHEDULE_NAMES, build_schedule, schedule_option_defaults

LR0 = 0.1


def _run(schedule, total, options, optimizer="momentum", steps=None):
    """The lrs of steps 0..steps-1 and the final weights."""
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = build_optimizer(optimizer, [w], lr=LR0)
    sched = build_schedule(schedule, opt, total_steps=total, options=options)
    lrs = []
    for _ in range(total if steps is None else steps):
        lrs.append(opt.param_groups[0]["lr"])
        _step(w, opt, sched)
    return lrs, w


def _step(w, opt, sched):
    opt.zero_grad()
    (w * w).sum().backward()
    opt.step()
    sched.step()


@pytest.mark.parametrize("schedule", SCHEDULE_NAMES)
def test_warmup_then_the_schedule_over_the_remaining_steps(schedule):
    total, w = 40, 7
    plain, _ = _run(schedule, total - w, {})
    warm, _ = _run(schedule, total, {"warmup_steps": w})
    start = plain[0]  # the schedule's first lr: LR0, or LR0/div_factor for one-cycle
    assert warm[:w] == pytest.approx([start * (k + 1) / w for k in range(w)], rel=1e-15)
    assert warm[w - 1] == start  # the warm-up arrives where the schedule starts
    assert warm[w:] == plain  # then exactly the schedule, shifted by w steps


def test_zero_warmup_is_the_plain_schedule_and_the_default():
    assert all(schedule_option_defaults(n)["warmup_steps"] == 0 for n in SCHEDULE_NAMES)
    for schedule in SCHEDULE_NAMES:
        lrs, w = _run(schedule, 20, {"warmup_steps": 0})
        plain_lrs, plain_w = _run(schedule, 20, {})
        assert lrs == plain_lrs and torch.equal(w, plain_w)


def test_warmup_over_the_whole_run():
    lrs, _ = _run("cosine", 5, {"warmup_steps": 5})
    assert lrs == pytest.approx([LR0 * (k + 1) / 5 for k in range(5)], rel=1e-15)


@pytest.mark.parametrize("schedule", SCHEDULE_NAMES)
@pytest.mark.parametrize("stop", [3, 12])  # during the warm-up, and after it
def test_resume_from_json_state_is_exact(schedule, stop):
    total, options = 30, {"warmup_steps": 6}
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = build_optimizer("adam", [w], lr=LR0)
    sched = build_schedule(schedule, opt, total_steps=total, options=options)
    for _ in range(stop):
        _step(w, opt, sched)
    state = json.loads(json.dumps(sched.state_dict()))  # plain data
    w2 = torch.nn.Parameter(w.detach().clone())
    opt2 = build_optimizer("adam", [w2], lr=LR0)
    sched2 = build_schedule(schedule, opt2, total_steps=total, options=options)
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
    sched2.load_state_dict(state)
    for _ in range(total - stop):
        assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
        _step(w, opt, sched)
        _step(w2, opt2, sched2)
    assert torch.equal(w, w2)
    assert sched2.get_last_lr() == sched.get_last_lr()


@pytest.mark.parametrize("bad", [-1, 11, 2.5, True, "3"])
def test_bad_warmup_names_the_option(bad):
    opt = build_optimizer("sgd", [torch.nn.Parameter(torch.zeros(2))], lr=LR0)
    with pytest.raises(ConfigError, match=r"'warmup_steps'.*\[0, total_steps=10\]"):
        build_schedule("linear", opt, total_steps=10, options={"warmup_steps": bad})


def test_warmup_leaving_onecycle_too_few_steps_says_so():
    opt = build_optimizer("momentum", [torch.nn.Parameter(torch.zeros(2))], lr=LR0)
    with pytest.raises(ConfigError, match="after the warm-up; lower warmup_steps"):
        build_schedule("onecycle", opt, total_steps=10, options={"warmup_steps": 9})


def _train(run_dir, warmup: int, *more: str) -> int:
    # digits limited to 64 examples in batches of 16 (val_fraction 0): 4 steps per epoch
    args = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "2", *more]
    args += ["--batch-size", "16", "--lr", str(LR0), "--run-dir", str(run_dir)]
    settings = ("progress=false", "limit_train=64", "val_fraction=0", "schedule=constant")
    for setting in (*settings, "baselines=false", "model_options.width=16"):
        args += ["--set", setting]
    return main([*args, "--set", f"schedule_options.warmup_steps={warmup}"])


def test_train_cli_sets_the_warmup(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    assert _train(tmp_path / "run", 8) == 0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["schedule_options"]["warmup_steps"] == 8
    history = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    lrs = [row["lr"] for row in history if "lr" in row]
    # the lr after each epoch is the next step's: steps 4 and 8 of an 8-step warm-up
    assert lrs == pytest.approx([LR0 * 5 / 8, LR0], rel=1e-12)
    assert _train(tmp_path / "bad", 9, "--dry-run") == 2  # longer than the run's 8 steps
    assert "warmup_steps" in capsys.readouterr().err
