"""Ctrl-C: one message naming the exact command that continues the run, and a run interrupted
after training (while testing, or while its report is drawn) is not "completed" until
`--resume` has finished what was missing, without training again.

The interruptions are real. `learnlab train` runs in a subprocess; the test waits until a file
of the run appears (its first checkpoint; result.json, written just before the report is
drawn) and sends SIGINT, then runs the command the message names. In-process, a callback of
the public Trainer API, passed as extra_callbacks, raises KeyboardInterrupt at a known point:
after an epoch's checkpoint, on the first batch (before any checkpoint), or, through a forward
pre-hook (torch's public API), on the first forward pass after training, the test split's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from learnlab import runs
from learnlab.cli import main
from learnlab.config import RecipeConfig, TrainConfig
from learnlab.pipeline import run_training
from learnlab.recipes import registry
from learnlab.result import Result
from learnlab.runs.interruption import RunInterrupted, interruption
from learnlab.train.events import Callback

# 20 epochs of 45 steps on the 8x8 digits: about a second of training (1 thread)
TRAIN = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "20", "--batch-size", "32"]
TRAIN += ["--set", "progress=false", "--set", "seed=5", "--set", "baselines=false"]
RECIPE = "test-interrupted"


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


def start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "learnlab", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_delivered,
    )


def sigint_delivered() -> None:
    """Run in the child before it starts: a shell that starts a job in the background makes it
    ignore SIGINT, and its children inherit that (Python then never raises KeyboardInterrupt);
    the default action lets Python install its handler, as in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_when(process: subprocess.Popen, path: Path) -> tuple[int, str]:
    """SIGINT `process` as soon as `path` exists; (its exit code, its stderr)."""
    deadline = time.monotonic() + 180
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            _, err = process.communicate(timeout=60)
            pytest.fail(f"{path} never appeared while the run went on:\n{err}")
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    return process.returncode, err


def resume_words(err: str) -> list[str]:
    """The command of the one interruption message in `err`, as words."""
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert sum(line.startswith("interrupted") for line in lines) == 1, err  # one, not two
    at = lines.index("interrupted; continue with:")
    return shlex.split(lines[at + 1])


def run_all(*commands: list[str]) -> list[str]:
    """Run the commands (`learnlab ...` as words) side by side; their stderr."""
    assert all(words[0] == "learnlab" for words in commands)
    processes = [start(words[1:]) for words in commands]
    errs = []
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        errs.append(err)
    return errs


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def numbers(run_dir: Path) -> tuple[dict, list[dict], str]:
    """What must not depend on the interruption: summary and history without wall-clock
    seconds, and the trained weights."""
    summary = json.loads((run_dir / runs.SUMMARY_FILE).read_text())
    summary.pop("train_seconds")
    history = runs.read_history(run_dir / runs.METRICS_FILE)
    for record in history:
        record.pop("seconds")
    return summary, history, sha256(run_dir / runs.MODEL_FILE)


def test_ctrl_c_names_the_resume_command_and_resuming_gives_the_same_numbers(tmp_path, capsys):
    # interrupted while training: once its first checkpoint is written (end of epoch 1)
    training_dir = tmp_path / "training"
    training = start([*TRAIN, "--run-dir", str(training_dir)])
    publishing = start([*TRAIN, "--run-dir", str(tmp_path / "publishing-0")])  # (see below)
    code, err = interrupt_when(training, training_dir / runs.CHECKPOINT_FILE)
    assert code == 130, err
    training_words = resume_words(err)
    assert training_words == ["learnlab", "train", "--resume", str(training_dir)]
    assert not (training_dir / runs.SUMMARY_FILE).exists()

    # interrupted while its report is drawn: result.json is the last file written before it
    for attempt in range(3):  # the signal comes milliseconds later; the report takes seconds
        publishing_dir = tmp_path / f"publishing-{attempt}"
        if attempt > 0:
            publishing = start([*TRAIN, "--run-dir", str(publishing_dir)])
        code, err = interrupt_when(publishing, publishing_dir / "result.json")
        if code == 130:
            break
    assert code == 130, f"each run finished before SIGINT arrived:\n{err}"
    # not finished (no summary.json), so neither "completed" nor listed
    assert not (publishing_dir / runs.SUMMARY_FILE).exists(), "completed without its report"
    assert not (publishing_dir / runs.REPORT_FILE).exists()
    assert main(["report", str(publishing_dir)]) == 2
    assert "has not finished" in capsys.readouterr().err
    history_before = (publishing_dir / runs.METRICS_FILE).read_text()
    # its weights are those of an uninterrupted training (written before the report)
    uninterrupted_weights = sha256(publishing_dir / runs.MODEL_FILE)
    words = resume_words(err)
    assert words == ["learnlab", "train", "--resume", str(publishing_dir)]

    publishing_err, _ = run_all(words, training_words)
    assert "trained; testing and writing its files" in publishing_err  # no training again
    assert (publishing_dir / runs.METRICS_FILE).read_text() == history_before
    for run_dir in (training_dir, publishing_dir):
        assert (run_dir / runs.REPORT_FILE).is_file()
        assert json.loads((run_dir / runs.SUMMARY_FILE).read_text())["status"] == "completed"
    assert numbers(training_dir) == numbers(publishing_dir)
    assert numbers(training_dir)[2] == uninterrupted_weights
    indexed = {Path(e["run_dir"]).name for e in runs.read_index()}
    assert {"training", publishing_dir.name} <= indexed


# ---- in-process: interruptions at exact points of the Trainer ------------------------------


def tiny_config(**changes) -> TrainConfig:
    settings = {"dataset": "digits", "model": "mlp", "epochs": 3, "batch_size": 64}
    settings |= {"limit_train": 256, "model_options": {"width": 32}, "progress": False}
    return TrainConfig(**(settings | changes))


class InterruptTesting(Callback):
    """Ctrl-C on the first forward pass after training: the evaluation of the test split."""

    order = 90  # after the Checkpointer (70) wrote the final checkpoint

    def after_fit(self, trainer) -> None:
        def interrupt(module, args) -> None:
            raise KeyboardInterrupt

        trainer.model.register_forward_pre_hook(interrupt)


class InterruptFirstBatch(Callback):
    def after_batch(self, trainer) -> None:
        raise KeyboardInterrupt


def test_a_run_interrupted_while_testing_is_not_completed_and_resume_tests_it(tmp_path):
    quiet = {"console": Console(quiet=True), "report": False}  # pages: the subprocess test
    straight = run_training(tiny_config(), run_dir=tmp_path / "straight", **quiet)
    run_dir = tmp_path / "interrupted"
    with pytest.raises(RunInterrupted) as caught:
        run_training(tiny_config(), run_dir=run_dir, extra_callbacks=[InterruptTesting()], **quiet)
    assert caught.value.resume_command == f"learnlab train --resume {run_dir}"
    assert not (run_dir / runs.SUMMARY_FILE).exists()
    trained = runs.read_history(run_dir / runs.METRICS_FILE)
    resumed = run_training(tiny_config(), resume=run_dir, **quiet)
    assert resumed.history == trained  # read back from the checkpoint, not trained again
    timeless = [{k: v for k, v in r.items() if k != "seconds"} for r in resumed.history]
    assert timeless == [{k: v for k, v in r.items() if k != "seconds"} for r in straight.history]
    same = {k: v for k, v in straight.summary.items() if k != "train_seconds"}
    assert {k: v for k, v in resumed.summary.items() if k != "train_seconds"} == same
    assert json.loads((run_dir / runs.SUMMARY_FILE).read_text())["status"] == "completed"


def test_a_run_of_a_model_given_in_python_is_resumed_from_python(tmp_path):
    """No command line rebuilds the user's object: the message says to resume from Python,
    and doing so finishes the run."""
    from torch import nn

    quiet = {"console": Console(quiet=True), "report": False}
    config = TrainConfig(dataset="digits", epochs=2, limit_train=256, progress=False)
    run_dir = tmp_path / "given"
    with pytest.raises(RunInterrupted) as caught:
        run_training(
            config,
            model=nn.Sequential(nn.Flatten(), nn.Linear(64, 10)),
            run_dir=run_dir,
            extra_callbacks=[InterruptTesting()],
            **quiet,
        )
    assert caught.value.resume_command is None and "learnlab train" not in str(caught.value)
    assert f"resume={str(run_dir)!r}" in str(caught.value)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    resumed = run_training(config, model=model, resume=run_dir, **quiet)
    assert resumed.summary["status"] == "completed" and resumed.model is model


def test_a_run_stopped_early_and_interrupted_while_testing_does_not_train_again(tmp_path):
    quiet = {"console": Console(quiet=True), "report": False}
    # lr so high that the validation loss never improves after epoch 1: stopped at epoch 3
    config = tiny_config(epochs=20, lr=5.0, early_stopping_patience=2, baselines=False)
    run_dir = tmp_path / "early"
    with pytest.raises(RunInterrupted):
        run_training(config, run_dir=run_dir, extra_callbacks=[InterruptTesting()], **quiet)
    epochs = len(runs.read_history(run_dir / runs.METRICS_FILE))
    assert epochs < 20
    resumed = run_training(config, resume=run_dir, **quiet)
    assert len(resumed.history) == epochs and resumed.summary["status"] == "stopped early"


def test_nothing_to_resume_is_said_plainly(tmp_path):
    run_dir = tmp_path / "first-batch"
    with pytest.raises(RunInterrupted) as caught:
        run_training(
            tiny_config(),
            run_dir=run_dir,
            console=Console(quiet=True),
            report=False,
            extra_callbacks=[InterruptFirstBatch()],
        )
    assert caught.value.resume_command is None and "--resume" not in str(caught.value)
    assert str(caught.value) == (
        f"interrupted before its first checkpoint: nothing to resume. Delete {run_dir} and "
        "start the run again."
    )
    never = interruption(tmp_path / "never", ["learnlab", "train"], resumable=False)
    assert str(never) == "interrupted before the run started; nothing was written."


# ---- a recipe: its own resume command, not its training part's ------------------------------

PENDING_INTERRUPTIONS: list[int] = []  # epochs after which the next runs are interrupted


class InterruptAfterEpoch(Callback):
    order = 80  # after the Checkpointer (70) saved the epoch

    def after_epoch(self, trainer) -> None:
        if PENDING_INTERRUPTIONS and trainer.epoch == PENDING_INTERRUPTIONS[0]:
            PENDING_INTERRUPTIONS.pop(0)
            raise KeyboardInterrupt


def trains_one_part(config: RecipeConfig, ctx) -> Result:
    part = ctx.train(
        "model",
        tiny_config(seed=config.seed, baselines=False),
        extra_callbacks=[InterruptAfterEpoch()],
        report=False,
    )
    keys = ("test_accuracy", "test_loss", "epochs_completed")
    return Result(kind=RECIPE, title="one part", summary={k: part.summary[k] for k in keys})


@pytest.fixture
def recipe():
    registry._load_all()
    registry.register_recipe(RECIPE, "trains one part, for tests", RecipeConfig)(trains_one_part)
    yield
    registry._RECIPES.pop(RECIPE)
    PENDING_INTERRUPTIONS.clear()


def test_a_recipe_names_its_own_resume_command(recipe, tmp_path, capsys):
    assert main(["run", RECIPE, "--run-dir", str(tmp_path / "straight")]) == 0
    straight = json.loads((tmp_path / "straight" / runs.SUMMARY_FILE).read_text())
    capsys.readouterr()
    PENDING_INTERRUPTIONS.append(2)
    run_dir = tmp_path / "interrupted"
    assert main(["run", RECIPE, "--run-dir", str(run_dir)]) == 130
    words = resume_words(capsys.readouterr().err)
    # the recipe's command, not `learnlab train --resume <its part>`
    assert words == ["learnlab", "run", RECIPE, "--resume", str(run_dir)]
    assert main(words[1:]) == 0
    # rich wraps long lines, inside a long path too: compared without any whitespace
    err = "".join(capsys.readouterr().err.split())
    assert "".join(f"resuming {run_dir / 'model'} at epoch 3, batch 0".split()) in err
    assert json.loads((run_dir / runs.SUMMARY_FILE).read_text()) == straight
    assert len(runs.read_history(run_dir / "model" / runs.METRICS_FILE)) == 3


def test_a_reproduction_names_the_reproduce_command_with_its_settings(recipe, tmp_path):
    from learnlab.recipes.paper import QUICK_NOTE, Claim, Paper, Reproduction
    from learnlab.recipes.reproduce import TABLE_NAME, run_reproduction

    claim = Claim("test accuracy", 0.9, lambda s: s["test_accuracy"], 0.1, "a tiny model")
    toy = Reproduction(Paper("A", 2000, "T"), "toy", (claim,), quick={"progress": False})
    name = RECIPE + "-paper"
    registry.register_recipe(name, "for tests", RecipeConfig, reproduction=toy)(trains_one_part)
    try:
        PENDING_INTERRUPTIONS.append(1)
        run_dir = tmp_path / "paper"
        with pytest.raises(RunInterrupted) as caught:
            run_reproduction(name, quick=True, assignments=["seed=1"], run_dir=run_dir)
        command = f"learnlab reproduce {name} --quick --set seed=1 --resume {run_dir}"
        assert caught.value.resume_command == command
        assert main(shlex.split(command)[1:]) == 0
        (row,) = json.loads((run_dir / runs.TABLES_FILE).read_text())[TABLE_NAME]
        assert row["why they differ"] == QUICK_NOTE  # judged as the interrupted command would
        assert json.loads((run_dir / runs.CONFIG_FILE).read_text())["seed"] == 1
    finally:
        registry._RECIPES.pop(name)
