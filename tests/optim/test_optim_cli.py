"""`learnlab train --optimizer newton|cg|newton-cg`: runs that learn, and bad input that exits
2 with a message naming the setting (and, for Newton on a large model, Newton-CG)."""

from __future__ import annotations

import json

import pytest

from learnlab.cli import main
from learnlab.config import TrainConfig
from learnlab.pipeline import run_training

TRAIN = ["train", "--dataset", "digits", "--model", "mlp", "--set", "baselines=false"]


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow  # the whole command with its report: about 14 s on the shared 2-core CPU
def test_the_issues_newton_cg_command_learns(tmp_path, capsys):
    """`learnlab train --dataset digits --model mlp --optimizer newton-cg --batch-size 1437
    --epochs 3`, on 400 digits, at lr 1 with a constant schedule (the full Newton-CG step)."""
    run = tmp_path / "run"
    argv = [*TRAIN, "--optimizer", "newton-cg", "--batch-size", "1437", "--epochs", "3"]
    argv += ["--lr", "1", "--set", "schedule=constant", "--set", "limit_train=400"]
    code, _, err = cli([*argv, "--run-dir", str(run)], capsys)
    assert code == 0, err
    history = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    losses = [h["train_loss"] for h in history if "train_loss" in h]
    assert len(losses) == 3 and losses[-1] < 0.8 * losses[0], losses


@pytest.mark.parametrize(
    ("optimizer", "model_options"),
    # the pipeline by name, without the report; Newton on logistic regression (650 parameters)
    [("newton-cg", {}), ("cg", {}), ("newton", {"depth": 0})],
)
def test_full_batch_runs_by_name_learn(optimizer, model_options, tmp_path):
    config = TrainConfig(
        dataset="digits",
        model="mlp",
        model_options=model_options,
        optimizer=optimizer,
        lr=1.0,
        schedule="constant",
        batch_size=1437,
        epochs=3,
        limit_train=400,
        progress=False,
        baselines=False,
    )
    published = run_training(config, run_dir=tmp_path / "run", report=False, index=False)
    losses = [h["train_loss"] for h in published.history]
    assert losses[-1] < 0.8 * losses[0], losses


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--optimizer", "newton"], ["max_parameters=5000", "85002 parameters", "newton-cg"]),
        (["--optimizer", "newton-cg", "--set", "optimizer_options.cg_iter=5"], ["cg_iters"]),
        (["--optimizer", "newton-cg", "--set", "optimizer_options.cg_iters=0"], ["cg_iters"]),
        (["--optimizer", "cg", "--set", 'optimizer_options.beta="hs"'], ["beta", "pr+"]),
        (["--optimizer", "cg", "--set", "weight_decay=0.01"], ["weight_decay", "'cg'"]),
        (["--optimizer", "newton", "--lr", "-1"], ["lr"]),
    ],
)
def test_bad_input_exits_2_naming_the_setting(argv, expected, tmp_path, capsys):
    code, _, err = cli([*TRAIN, *argv, "--epochs", "1", "--run-dir", str(tmp_path)], capsys)
    assert code == 2
    assert "Traceback" not in err
    for text in expected:
        assert text in err, (text, err)
