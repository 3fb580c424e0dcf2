"""The rnn-sequential-mnist recipe: Elman RNN, LSTM and GRU on row-by-row MNIST, compared.

Fast tests: the config and the three derived `learnlab train` configs, the summary's choice of
`test_accuracy` (the better gated model, never the plain RNN), a dry run from the CLI, and the
quick configuration end to end (1,024 training images, hidden size 16, 2 epochs): its summary
and report checked against the three model parts, run twice to check it is seed-stable, its
report rebuilt byte for byte, and a resume that keeps the finished models. The real claim,
>= 97% test accuracy for the LSTM or the GRU with the default settings, is the slow test
(`make test-slow`).
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from learnlab import config as cfg
from learnlab.cli import main
from learnlab.io.errors import ConfigError
from learnlab.recipes import get_recipe, recipe_names
from learnlab.recipes.rnn_sequential_mnist.comparison import summarize
from learnlab.recipes.rnn_sequential_mnist.config import (
    MODELS,
    RnnSequentialMnistConfig,
    train_config,
)
from learnlab.recipes.runner import run_recipe, saved_config
from learnlab.runs.index import RunIndex

NAME = "rnn-sequential-mnist"


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))


@pytest.fixture(autouse=True)
def one_thread():
    # the machine is shared: one thread, and identical numbers between runs
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# -- the configuration ----------------------------------------------------------------------------


def test_registered_with_its_config():
    assert NAME in recipe_names()
    recipe = get_recipe(NAME)
    assert recipe.config_class is RnnSequentialMnistConfig
    assert [c.model for c in recipe.train_configs(RnnSequentialMnistConfig())] == [
        "rnn",
        "lstm",
        "gru",
    ]


def test_the_three_models_share_every_setting_but_the_cell():
    config = RnnSequentialMnistConfig(hidden=32, epochs=3, lr=0.01, grad_clip=0.5, seed=4)
    trains = [train_config(config, model) for model in MODELS]
    assert [t.model for t in trains] == list(MODELS)
    for train in trains:
        assert train.dataset == "mnist" and train.model_options == {"hidden": 32}
        assert train.epochs == 3 and train.lr == 0.01 and train.grad_clip == 0.5
        assert train.seed == 4 and train.optimizer == "adam" and train.schedule == "cosine"
        # a validation split is always held out: the curves and the choice of settings use it
        assert train.val_fraction == pytest.approx(0.1)
    dumps = [t.model_dump() for t in trains]
    for dump in dumps:
        dump.pop("model")
    assert dumps[0] == dumps[1] == dumps[2]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"val_fraction": 0}, "val_fraction"),
        ({"hidden": 0}, "hidden"),
        ({"grad_clip": -1.0}, "grad_clip"),
        ({"epochs": "3"}, "epochs"),
        ({"models": ["lstm"]}, "unknown key"),
    ],
)
def test_bad_settings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        cfg.validate(RnnSequentialMnistConfig, data)


def _row(accuracy: float) -> dict:
    return {
        "test_accuracy": accuracy,
        "val_accuracy": accuracy,
        "parameters": 10,
        "train_seconds": 2.0,
        "seconds_per_epoch": 1.0,
    }


@pytest.mark.parametrize(
    ("accuracies", "best", "reached"),
    [
        ({"rnn": 0.99, "lstm": 0.96, "gru": 0.95}, "lstm", False),  # the RNN does not count
        ({"rnn": 0.90, "lstm": 0.969, "gru": 0.975}, "gru", True),
        ({"rnn": 0.90, "lstm": 0.97, "gru": 0.96}, "lstm", True),  # >= the target
    ],
)
def test_test_accuracy_is_the_better_gated_model(accuracies, best, reached):
    per_model = {m: _row(a) for m, a in accuracies.items()}
    summary = summarize(RnnSequentialMnistConfig(), per_model)
    assert summary["best_gated_model"] == best
    assert summary["test_accuracy"] == accuracies[best]
    assert summary["reached_target"] is reached
    for model, accuracy in accuracies.items():
        assert summary[f"{model}_test_accuracy"] == accuracy
    assert summary["train_seconds"] == 6.0


def test_dry_run_builds_the_three_models_and_writes_nothing(tmp_path, capsys):
    argv = ["run", NAME, "--dry-run", "--set", "hidden=64", "--run-dir", str(tmp_path / "x")]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["hidden"] == 64
    # rnn, lstm, gru with 64 hidden units on 28 pixels a step, 10 outputs
    for parameters in (6_666, 24_714, 18_698):
        assert f"({parameters:,} parameters)" in err
    assert not (tmp_path / "x").exists()


# -- the quick configuration, end to end ----------------------------------------------------------


@pytest.fixture
def quick_run(recipe_quick_run):
    """The session's one run of the quick configuration through `run_recipe` (read-only: the
    contract test reads it too)."""
    return recipe_quick_run(NAME)


def _summary(run_dir) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def test_quick_run_writes_the_parent_and_three_model_parts(quick_run):
    """The session's quick run (the contract test rebuilds its pages byte for byte; the
    resume test below trains the GRU again to the same numbers)."""
    parent = quick_run
    summary = _summary(parent)

    children = {}
    for model in MODELS:
        model_dir = parent / model
        for name in ("config.json", "model.safetensors", "summary.json", "report.html"):
            assert (model_dir / name).is_file(), (model, name)
        child = json.loads((model_dir / "summary.json").read_text())
        model_config = json.loads((model_dir / "config.json").read_text())
        assert model_config["model"] == model and model_config["baselines"] is False
        assert child["epochs_completed"] == 2 and "val_accuracy" in child
        children[model] = child

    for model, child in children.items():
        assert summary[f"{model}_test_accuracy"] == child["test_accuracy"]
        assert summary[f"{model}_parameters"] == child["parameters"]
        assert summary[f"{model}_train_seconds"] == child["train_seconds"]
        assert summary[f"{model}_seconds_per_epoch"] == pytest.approx(child["train_seconds"] / 2)
        assert len(summary["per_model"][model]["val_accuracy_curve"]) == 2
        assert summary["per_model"][model]["run_dir"] == model
    assert summary["test_accuracy"] == max(children[m]["test_accuracy"] for m in ("lstm", "gru"))
    assert summary["reached_target"] == (summary["test_accuracy"] >= 0.97)
    # hidden 16: 16 (28 + 16) + 2 * 16 + 170 = 906 for the RNN; the LSTM has 4 gates, the GRU 3
    assert [summary[f"{m}_parameters"] for m in MODELS] == [906, 3114, 2378]
    # 32 steps learn something: always answering the most frequent class ("1") scores 11.35%
    # on the MNIST test set (the LSTM gets 32.9% here, the GRU 45.2%)
    assert 0.2 < summary["lstm_test_accuracy"] < 1
    assert 0.2 < summary["gru_test_accuracy"] < 1

    # the parts are written into the parent's folder and indexed with it, not on their own
    indexed = RunIndex(parent.parent / "runs").entries()
    assert [e["name"] for e in indexed] == [parent.name]
    assert indexed[-1]["kind"] == NAME
    assert indexed[-1]["test_accuracy"] == summary["test_accuracy"]

    page = (parent / "report.html").read_text()
    assert "<h3>RNN vs LSTM vs GRU</h3>" in page
    assert "Validation accuracy per epoch" in page and "data:image/png;base64" in page
    assert "Hochreiter &amp; Schmidhuber" in page or "Hochreiter & Schmidhuber" in page
    assert "Target NOT met" in page or "Target met" in page
    assert f"{100 * summary['gru_test_accuracy']:.2f}%" in page


def test_resume_keeps_finished_models_and_continues_the_unfinished_one(tmp_path, quick_run):
    run_dir = tmp_path / "copy"
    shutil.copytree(quick_run, run_dir)
    # as if stopped while the GRU trained: it has a checkpoint but no finished result, and
    # the parent has not been written
    for name in ("gru/summary.json", "gru/result.json", "summary.json", "report.html"):
        (run_dir / name).unlink()
    kept = {m: (run_dir / m / "summary.json").stat().st_mtime_ns for m in ("rnn", "lstm")}
    resumed = run_recipe(NAME, saved_config(run_dir), resume=run_dir, index=False).summary
    assert {m: (run_dir / m / "summary.json").stat().st_mtime_ns for m in kept} == kept
    first = _summary(quick_run)
    for model in MODELS:
        assert resumed[f"{model}_test_accuracy"] == first[f"{model}_test_accuracy"], model
        curves = [s["per_model"][model]["val_accuracy_curve"] for s in (resumed, first)]
        assert curves[0] == curves[1], model
    assert (run_dir / "report.html").is_file()


# -- the claim ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_default_settings_reach_97_percent_with_a_gated_model(tmp_path, data_root):
    config = RnnSequentialMnistConfig(data_root=str(data_root), download=False, progress=False)
    summary = run_recipe(NAME, config, run_dir=tmp_path / "seq").summary
    accuracies = {m: summary[f"{m}_test_accuracy"] for m in MODELS}
    assert summary["reached_target"], accuracies
    assert max(accuracies["lstm"], accuracies["gru"]) >= 0.97, accuracies
