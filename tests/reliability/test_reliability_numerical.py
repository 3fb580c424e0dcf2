"""Numerical faults: a NaN or infinite loss is caught at the step it occurs, before backward.

The fault is real, not simulated: a user model (a Python factory file, as `--model
file.py:make` takes) returns NaN (or logits whose cross-entropy is +inf) on chosen training
forwards. Policy "stop" must end the run naming the epoch, batch and global step, with the
checkpoint on disk holding exactly the weights before the bad step; policy "skip" must skip
exactly the bad batches (no update from them) and finish, and stop after 10 in a row.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from rich.console import Console

from learnlab.cli import main
from learnlab.config import TrainConfig
from learnlab.io.errors import TrainingDiverged
from learnlab.pipeline import run_training
from learnlab.train.callbacks import NanGuard
from learnlab.train.checkpoint import load_state
from learnlab.train.events import Callback

STEPS_PER_EPOCH = 10  # limit_train 160, batch size 16

POISONED_MODEL = '''
import torch
from torch import nn


class Poisoned(nn.Module):
    """A small MLP whose training forwards number `bad_forwards` (1-based) are poisoned."""

    def __init__(self, num_outputs, bad_forwards, poison):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(),
                                 nn.Linear(32, num_outputs))
        self.bad_forwards, self.poison, self.forwards = set(bad_forwards), poison, 0

    def forward(self, x):
        out = self.net(x)
        if not self.training:
            return out
        self.forwards += 1
        if self.forwards not in self.bad_forwards:
            return out
        if self.poison == "nan":
            return out * float("nan")
        # every logit -inf but class 0: the cross-entropy of any other label is +inf
        inf = torch.full_like(out, float("-inf"))
        inf[:, 0] = 0.0
        return inf


def make(num_outputs, bad_forwards=(), poison="nan"):
    return Poisoned(num_outputs, bad_forwards, poison)
'''


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


@pytest.fixture
def model_file(tmp_path) -> Path:
    path = tmp_path / "poisoned.py"
    path.write_text(POISONED_MODEL)
    return path


class WeightsRecorder(Callback):
    """The model's weights before and after every batch (clones), and the trainer."""

    def __init__(self) -> None:
        self.before: list[dict[str, torch.Tensor]] = []
        self.after: list[dict[str, torch.Tensor]] = []
        self.trainer = None

    @staticmethod
    def _copy(trainer) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}

    def before_fit(self, trainer) -> None:
        self.trainer = trainer

    def before_batch(self, trainer) -> None:
        self.before.append(self._copy(trainer))

    def after_batch(self, trainer) -> None:
        self.after.append(self._copy(trainer))


def config_for(model_file: Path, bad_forwards: list[int], **overrides) -> TrainConfig:
    data = {
        "dataset": "digits",
        "model": f"{model_file}:make",
        "model_options": {"bad_forwards": bad_forwards, "poison": "nan"},
        "batch_size": 16,
        "limit_train": 160,
        "epochs": 2,
        "seed": 3,
        "checkpoint_every_batches": 1,
        "progress": False,
        "baselines": False,
        **overrides,
    }
    return TrainConfig.model_validate(data)


def train(config: TrainConfig, run_dir: Path) -> tuple[WeightsRecorder, BaseException | None]:
    recorder = WeightsRecorder()
    error = None
    try:
        run_training(
            config,
            run_dir=run_dir,
            console=Console(stderr=True, quiet=True),
            extra_callbacks=[recorder],
            index=False,
            report=False,
        )
    except TrainingDiverged as exc:
        error = exc
    return recorder, error


def same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("poison", ["nan", "inf"])
def test_stop_policy_names_the_step_and_keeps_the_last_good_checkpoint(
    model_file, tmp_path, poison
):
    run = tmp_path / "run"
    config = config_for(model_file, [13], model_options={"bad_forwards": [13], "poison": poison})
    recorder, error = train(config, run)
    assert error is not None, "the poisoned step was not caught"
    message = str(error)
    loss_text = "nan" if poison == "nan" else "inf"
    assert f"the loss became {loss_text} at epoch 2, batch 3 (global step 13)" in message
    assert "last good checkpoint" in message and str(run) in message
    # batches 1..12 finished; the 13th raised before backward: no update from it
    assert len(recorder.after) == 12 and len(recorder.before) == 13
    in_memory = recorder._copy(recorder.trainer)
    assert same_weights(in_memory, recorder.after[-1])
    assert all(torch.isfinite(v).all() for v in in_memory.values())
    trainer_state = load_state(run / "checkpoint.safetensors")["trainer"]  # checksums verified
    assert (trainer_state["epoch"], trainer_state["batch_in_epoch"], trainer_state["step"]) == (
        1,
        2,
        12,
    )
    assert same_weights(trainer_state["model"], recorder.after[-1])
    assert json.loads((run / "summary.json").read_text())["status"] == "failed"
    assert not (run / "model.safetensors").exists()


def test_skip_policy_skips_exactly_the_bad_batches_and_finishes(model_file, tmp_path, caplog):
    bad = [3, 14, 15]  # epoch 1 batch 3; epoch 2 batches 4 and 5 (two in a row)
    run = tmp_path / "run"
    with caplog.at_level(logging.WARNING, logger="learnlab.train.callbacks.nan_guard"):
        recorder, error = train(config_for(model_file, bad, nan_policy="skip"), run)
    assert error is None
    guard = recorder.trainer.callback(NanGuard)
    assert guard.skipped == 3 and guard.skipped_batches == [[1, 3], [2, 4], [2, 5]]
    assert recorder.trainer.step == 2 * STEPS_PER_EPOCH - 3
    for index, (before, after) in enumerate(zip(recorder.before, recorder.after, strict=True)):
        skipped = index + 1 in bad
        assert same_weights(before, after) == skipped, f"batch {index + 1}"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3 and "epoch 2, batch 5 (global step 13)" in warnings[2]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed"
    history = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert all(torch.isfinite(torch.tensor(h["train_loss"])) for h in history)
    saved = load_state(run / "checkpoint.safetensors")["trainer"]["callbacks"]["NanGuard"]
    assert saved["skipped"] == 3  # the count survives a resume


def test_skip_policy_stops_after_ten_bad_batches_in_a_row(model_file, tmp_path):
    run = tmp_path / "run"
    recorder, error = train(config_for(model_file, list(range(5, 15)), nan_policy="skip"), run)
    assert error is not None
    assert "10 non-finite losses in a row" in str(error)
    assert "epoch 2, batch 4 (global step 5)" in str(error)
    state = load_state(run / "checkpoint.safetensors")["trainer"]
    assert state["step"] == 4 and same_weights(state["model"], recorder.after[-1])


def test_cli_exit_codes_for_each_policy(model_file, tmp_path, capsys):
    args = [
        "train",
        "--dataset",
        "digits",
        "--model",
        f"{model_file}:make",
        "--epochs",
        "1",
        "--set",
        "model_options.bad_forwards=[4]",
        "--set",
        "limit_train=160",
        "--batch-size",
        "16",
        "--set",
        "progress=false",
        "--set",
        "baselines=false",
    ]
    assert main([*args, "--run-dir", str(tmp_path / "stop")]) == 1
    err = capsys.readouterr().err
    assert "epoch 1, batch 4 (global step 4)" in err and "Traceback" not in err
    assert main([*args, "--run-dir", str(tmp_path / "skip"), "--set", "nan_policy=skip"]) == 0
    assert main([*args, "--run-dir", str(tmp_path / "bad"), "--set", "nan_policy=ignore"]) == 2
    err = capsys.readouterr().err
    assert "nan_policy" in err and "'stop'" in err and "'skip'" in err


def test_nan_guard_rejects_unknown_policies():
    with pytest.raises(ValueError, match="unknown NaN policy"):
        NanGuard("ignore")
    with pytest.raises(ValueError, match="max_consecutive_skips"):
        NanGuard("skip", max_consecutive_skips=0)
